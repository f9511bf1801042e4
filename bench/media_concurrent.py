#!/usr/bin/env python3
"""Writes a capture of N concurrent calls (SDP offer/answer, then RTP both ways, 20 ms packets,
interleaved as they would arrive, then BYE): 2 N streams live at once, for the memory and CPU
figures of docs/media.md and docs/performance.md. The generator computes its own truth per stream
(packets, expected, lost): a deterministic pattern drops about 1 % of each stream's packets (never
its first or last one), some of them in bursts of three.

    bench/media_concurrent.py OUT.pcap [--calls 5000] [--packets 150] [--truth truth.json]
    bench/media_concurrent.py OUT.pcap --signalling-only          # the same calls without RTP
    bench/media_concurrent.py SIP.pcap --rtp-out RTP.pcap --bye-out BYE.pcap   # apart (live, tcpreplay)

bench/media_replay_cost.py and bench/media_live_veth.py run it; see docs/performance.md.
"""
import argparse
import json
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e", "media"))
import rtp_generator as g  # noqa: E402

PTIME_NS = 20_000_000


def address(call, side):
    # 10.<side>.<hi>.<lo>: a distinct endpoint per call and side (never configured anywhere).
    return f"10.{30 + side}.{call // 250}.{call % 250 + 1}"


def dropped(stream, n):
    """The packet indexes the stream loses: about 1 in 97, plus a burst of three in every tenth
    stream; never the first or the last packet, so expected is always n."""
    lost = {i for i in range(1, n - 1) if (i * 31 + stream * 17) % 97 == 0}
    if stream % 10 == 0 and n > 8:
        lost |= {n // 2, n // 2 + 1, n // 2 + 2}
    return lost


class Writer:
    def __init__(self, path):
        self.out = open(path, "wb")
        self.out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        self.frames = 0

    def write(self, t_ns, data):
        seconds, nanos = divmod(t_ns, 1_000_000_000)
        self.out.write(struct.pack("<IIII", seconds, nanos, len(data), len(data)))
        self.out.write(data)
        self.frames += 1

    def close(self):
        self.out.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="the capture (with --rtp-out: its signalling only)")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--packets", type=int, default=150, help="RTP packets per stream (150: 3 s)")
    parser.add_argument("--signalling-only", action="store_true", help="the same SIP, no RTP")
    parser.add_argument("--rtp-out", help="write the RTP here instead of into OUT")
    parser.add_argument("--bye-out", help="write the BYEs and their answers here instead of into OUT")
    parser.add_argument("--no-loss", action="store_true", help="every packet sent")
    parser.add_argument("--truth", help="write the generator's figures here (JSON)")
    args = parser.parse_args()
    if args.calls > 250 * 250:
        parser.error("at most 62500 calls (addresses)")
    n = args.packets
    sip_out = Writer(args.out)
    rtp_out = Writer(args.rtp_out) if args.rtp_out else sip_out
    bye_out = Writer(args.bye_out) if args.bye_out else sip_out
    t0 = g.T0_NS
    streams = []  # (call, direction, ssrc, header bytes, lost indexes)
    for call in range(args.calls):
        a, b = address(call, 0), address(call, 1)
        call_id = f"concurrent-{call}"
        via = ("Via", f"SIP/2.0/UDP {a}:5060;branch=z9hG4bK{call}")
        offer = g.sip(f"INVITE sip:b@{b} SIP/2.0", [via, ("From", "<sip:a@x>;tag=a"), ("To", "<sip:b@x>"),
                      ("Call-ID", call_id), ("CSeq", "1 INVITE")], g.sdp(a, 40000))
        answer = g.sip("SIP/2.0 200 OK", [via, ("From", "<sip:a@x>;tag=a"), ("To", "<sip:b@x>;tag=b"),
                       ("Call-ID", call_id), ("CSeq", "1 INVITE")], g.sdp(b, 50000))
        sip_out.write(t0 + call * 2000, g.udp_frame(a, 5060, b, 5060, offer))
        sip_out.write(t0 + call * 2000 + 1000, g.udp_frame(b, 5060, a, 5060, answer))
        for direction, (src, sport, dst, dport, ssrc) in enumerate(((a, 40000, b, 50000, call),
                                                                     (b, 50000, a, 40000, 100000 + call))):
            stream = 2 * call + direction
            # Ethernet, IPv4 and UDP headers are the same for every packet of a stream.
            header = g.udp_frame(src, sport, dst, dport, b"\0" * 172)[:-172]
            streams.append((call_id, "caller->callee" if direction == 0 else "callee->caller", ssrc, header,
                            set() if args.no_loss else dropped(stream, n)))
    # RTP starts a second after the signalling; packet i of stream s at i * 20 ms + s * (20 ms / 2N).
    rtp_t0 = t0 + args.calls * 2000 + 1_000_000_000
    spacing = PTIME_NS // max(1, len(streams))
    payload = b"\xd5" * 160
    rtp_frames = 0
    if not args.signalling_only:
        for i in range(n):
            for s, (_, _, ssrc, header, lost) in enumerate(streams):
                if i in lost:
                    continue
                rtp = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0) | 8, i & 0xFFFF, (160 * i) & 0xFFFFFFFF, ssrc)
                rtp_out.write(rtp_t0 + i * PTIME_NS + s * spacing, header + rtp + payload)
                rtp_frames += 1
    bye_t0 = rtp_t0 + n * PTIME_NS + 1_000_000_000
    for call in range(args.calls):
        a, b = address(call, 0), address(call, 1)
        call_id = f"concurrent-{call}"
        via = ("Via", f"SIP/2.0/UDP {a}:5060;branch=z9hG4bK{call}-bye")
        common = [via, ("From", "<sip:a@x>;tag=a"), ("To", "<sip:b@x>;tag=b"), ("Call-ID", call_id), ("CSeq", "2 BYE")]
        bye_out.write(bye_t0 + call * 2000, g.udp_frame(a, 5060, b, 5060, g.sip(f"BYE sip:b@{b} SIP/2.0", common)))
        bye_out.write(bye_t0 + call * 2000 + 1000, g.udp_frame(b, 5060, a, 5060, g.sip("SIP/2.0 200 OK", common)))
    for writer in {id(w): w for w in (sip_out, rtp_out, bye_out)}.values():
        writer.close()
    if args.truth:
        per_stream = []
        for call_id, direction, ssrc, _, lost in streams:
            per_stream.append({"call_id": call_id, "direction": direction, "ssrc": ssrc,
                               "packets": 0 if args.signalling_only else n - len(lost),
                               "expected": 0 if args.signalling_only else n,
                               "lost": 0 if args.signalling_only else len(lost)})
        sent = [s for s in per_stream if s["packets"]]
        truth = {"calls": args.calls, "streams": len(sent), "packets": sum(s["packets"] for s in sent),
                 "expected": sum(s["expected"] for s in sent), "lost": sum(s["lost"] for s in sent),
                 "sip_frames": 4 * args.calls, "rtp_frames": rtp_frames,
                 "per_stream": sent}
        with open(args.truth, "w") as f:
            json.dump(truth, f)


if __name__ == "__main__":
    main()
