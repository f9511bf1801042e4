#!/usr/bin/env python3
"""Writes a capture of N concurrent calls (SDP offer/answer, then RTP both ways, interleaved):
2 N streams live at once, for the memory and CPU figures of docs/media.md.

    bench/media_concurrent.py OUT.pcap [--calls 5000] [--packets 20]
    /usr/bin/time -v build/sipmon replay OUT.pcap --json > /dev/null
"""
import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e", "media"))
import rtp_generator as g  # noqa: E402


def address(call, side):
    # 10.<side>.<hi>.<lo>: a distinct endpoint per call and side.
    return f"10.{30 + side}.{call // 250}.{call % 250 + 1}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--packets", type=int, default=20)
    args = parser.parse_args()
    with open(args.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        t = g.T0_NS

        def write(data):
            nonlocal t
            t += 1000
            seconds, nanos = divmod(t, 1_000_000_000)
            out.write(struct.pack("<IIII", seconds, nanos, len(data), len(data)) + data)

        for call in range(args.calls):
            a, b = address(call, 0), address(call, 1)
            call_id = f"concurrent-{call}"
            offer = g.sip(f"INVITE sip:b@{b} SIP/2.0", [("Via", f"SIP/2.0/UDP {a}:5060;branch=z9hG4bK{call}"),
                          ("From", "<sip:a@x>;tag=a"), ("To", "<sip:b@x>"), ("Call-ID", call_id), ("CSeq", "1 INVITE")],
                          g.sdp(a, 40000))
            answer = g.sip("SIP/2.0 200 OK", [("Via", f"SIP/2.0/UDP {a}:5060;branch=z9hG4bK{call}"),
                           ("From", "<sip:a@x>;tag=a"), ("To", "<sip:b@x>;tag=b"), ("Call-ID", call_id),
                           ("CSeq", "1 INVITE")], g.sdp(b, 50000))
            write(g.udp_frame(a, 5060, b, 5060, offer))
            write(g.udp_frame(b, 5060, a, 5060, answer))
        for i in range(args.packets):
            for call in range(args.calls):
                a, b = address(call, 0), address(call, 1)
                write(g.udp_frame(a, 40000, b, 50000, g.rtp_packet(i, 160 * i, call, i == 0)))
                write(g.udp_frame(b, 50000, a, 40000, g.rtp_packet(i, 160 * i, 100000 + call, i == 0)))


if __name__ == "__main__":
    main()
