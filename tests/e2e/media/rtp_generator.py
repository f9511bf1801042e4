#!/usr/bin/env python3
"""Writes a pcap of one SIP call (INVITE/200/ACK with SDP, BYE/200) whose RTP streams follow a
chosen pattern (random or burst loss, sequence wrap, SSRC change, reordering, duplicates, arrival
jitter), and computes the RFC 3550 figures each stream must show, by its own arithmetic: the
generator knows every packet's true extended sequence number and send time, so it needs none of
the receiver's guesswork.

    rtp_generator.py OUT.pcap PATTERN [--seed N] [--packets N] [--json]

prints the expected figures as JSON (one object per stream: direction, ssrc, packets, expected,
lost, duplicates, late, jitter_mean_ms, jitter_max_ms, loss_bursts, burst_lost) and the call's.
"""
import argparse
import json
import random
import struct
import sys

CALLER = ("10.21.0.1", 5060, 40000)  # address, SIP port, RTP port
CALLEE = ("10.21.0.2", 5060, 50000)
CLOCK = 8000
PTIME_MS = 20
T0_NS = 1_700_000_000 * 1_000_000_000  # capture times are whole nanoseconds: no float rounding

PATTERNS = ("clean", "random_loss", "burst_loss", "wrap", "ssrc_change", "reorder", "duplicates", "jitter")


def ip_bytes(text):
    return bytes(int(x) for x in text.split("."))


def udp_frame(src, sport, dst, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, 17, 0, ip_bytes(src), ip_bytes(dst))
    checksum = 0
    for i in range(0, 20, 2):
        checksum += (header[i] << 8) | header[i + 1]
    while checksum >> 16:
        checksum = (checksum & 0xFFFF) + (checksum >> 16)
    header = header[:10] + struct.pack("!H", ~checksum & 0xFFFF) + header[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + header + udp


def sdp(address, port):
    return (f"v=0\r\no=- 1 1 IN IP4 {address}\r\ns=-\r\nc=IN IP4 {address}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
            "a=sendrecv\r\n")


def sip(start_line, headers, body=""):
    text = start_line + "\r\n"
    for name, value in headers:
        text += f"{name}: {value}\r\n"
    if body:
        text += "Content-Type: application/sdp\r\n"
    text += f"Content-Length: {len(body.encode())}\r\n\r\n" + body
    return text.encode()


def signalling(call_id):
    a, b = CALLER, CALLEE
    common = [("From", f"<sip:alice@{a[0]}>;tag=caller1"), ("Call-ID", call_id), ("Max-Forwards", "70")]
    via_a = ("Via", f"SIP/2.0/UDP {a[0]}:{a[1]};branch=z9hG4bK-inv1")
    to_b = ("To", f"<sip:bob@{b[0]}>")
    to_b_tag = ("To", f"<sip:bob@{b[0]}>;tag=callee1")
    contact_a = ("Contact", f"<sip:alice@{a[0]}:{a[1]}>")
    contact_b = ("Contact", f"<sip:bob@{b[0]}:{b[1]}>")
    invite = sip(f"INVITE sip:bob@{b[0]} SIP/2.0", [via_a] + common + [to_b, ("CSeq", "1 INVITE"), contact_a], sdp(a[0], a[2]))
    ok = sip("SIP/2.0 200 OK", [via_a] + common + [to_b_tag, ("CSeq", "1 INVITE"), contact_b], sdp(b[0], b[2]))
    ack = sip(f"ACK sip:bob@{b[0]}:{b[1]} SIP/2.0", [("Via", f"SIP/2.0/UDP {a[0]}:{a[1]};branch=z9hG4bK-ack1")] + common
              + [to_b_tag, ("CSeq", "1 ACK")])
    via_bye = ("Via", f"SIP/2.0/UDP {a[0]}:{a[1]};branch=z9hG4bK-bye1")
    bye = sip(f"BYE sip:bob@{b[0]}:{b[1]} SIP/2.0", [via_bye] + common + [to_b_tag, ("CSeq", "2 BYE")])
    bye_ok = sip("SIP/2.0 200 OK", [via_bye] + common + [to_b_tag, ("CSeq", "2 BYE")])
    return invite, ok, ack, bye, bye_ok


def rtp_packet(seq, ts, ssrc, marker, payload_type=8):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | payload_type, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + b"\xd5" * 160


def plan(pattern, n, rng):
    """The packets of the patterned stream in arrival order: (extended seq index, arrival offset s,
    ssrc index). Send time of index i is i * ptime."""
    indexes = list(range(n))
    if pattern == "random_loss":
        indexes = [i for i in indexes if i in (0, n - 1) or rng.random() >= 0.05]
    elif pattern == "burst_loss":
        indexes = [i for i in indexes if not (i % 100 >= 40 and i % 100 < 46)]
    elif pattern == "reorder":
        for k in range(10, n - 2, 37):
            indexes[k], indexes[k + 1] = indexes[k + 1], indexes[k]
    elif pattern == "duplicates":
        out = []
        for i in indexes:
            out.append(i)
            if i % 50 == 25:
                out.append(i)
        indexes = out
    arrivals = []
    last = -1
    for i in indexes:
        send = i * PTIME_MS * 1_000_000
        delay = 30_000_000
        if pattern in ("jitter", "random_loss", "burst_loss", "wrap", "ssrc_change"):
            delay += rng.randrange(0, 12_000_000)
        arrival = max(send + delay, last + 1000)  # a capture's packets never go back in time
        last = arrival
        arrivals.append((i, arrival))
    return arrivals


def expected_figures(packets, clock=CLOCK):
    """packets: [(extended seq, rtp ts, arrival ns, marker)] in arrival order, one SSRC."""
    first_ext = packets[0][0]
    max_ext = first_ext
    seen = set()
    duplicates = late = bursts = burst_lost = largest_gap = 0
    jitter = 0.0
    jitter_values = []
    prev = None
    for k, (ext, ts, arrival, marker) in enumerate(packets):
        if k > 0:
            if ext in seen:
                duplicates += 1
            elif ext < max_ext:
                late += 1
            elif ext > max_ext + 1:
                bursts += 1
                burst_lost += ext - max_ext - 1
                largest_gap = max(largest_gap, ext - max_ext - 1)
            max_ext = max(max_ext, ext)
        seen.add(ext)
        if prev is not None:
            d = ((arrival - prev[1]) - (ts - prev[0]) * 1e9 / clock) / 1e9
            jitter += (abs(d) - jitter) / 16
            if not marker:
                jitter_values.append(jitter * 1000)
        prev = (ts, arrival)
    expected = max_ext - first_ext + 1
    return {
        "packets": len(packets),
        "expected": expected,
        "lost": expected - len(packets),
        "duplicates": duplicates,
        "late": late,
        "loss_bursts": bursts,
        "burst_lost": burst_lost,
        "largest_gap": largest_gap,
        "jitter_mean_ms": sum(jitter_values) / len(jitter_values) if jitter_values else 0.0,
        "jitter_max_ms": max(jitter_values) if jitter_values else 0.0,
    }


def emodel_mos(loss_pct, burst_ratio, ie=0.0, bpl=25.1):
    """ITU-T G.107 with default values (R = 93.2 - Ie,eff) and the G.107 Annex B MOS mapping."""
    ie_eff = ie + (95 - ie) * loss_pct / (loss_pct / burst_ratio + bpl)
    r = 93.2 - ie_eff
    if r <= 0:
        return 1.0
    if r >= 100:
        return 4.5
    return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6


def generate(path, pattern, seed=1, n=500):
    rng = random.Random(seed)
    frames = []  # (time, bytes)
    invite, ok, ack, bye, bye_ok = signalling(f"media-{pattern}-{seed}@sipmon.test")
    a, b = CALLER, CALLEE
    frames.append((-500_000_000, udp_frame(a[0], a[1], b[0], b[1], invite)))
    frames.append((-100_000_000, udp_frame(b[0], b[1], a[0], a[1], ok)))
    frames.append((-50_000_000, udp_frame(a[0], a[1], b[0], b[1], ack)))

    streams = []
    # The patterned stream: caller -> callee.
    base_seq = 65400 if pattern == "wrap" else rng.randrange(0, 30000)
    base_ts = rng.randrange(0, 2**32)
    ssrcs = [0x11110000 + seed, 0x22220000 + seed]
    per_ssrc = {}
    for index, arrival in plan(pattern, n, rng):
        ssrc_index = 1 if pattern == "ssrc_change" and index >= n // 2 else 0
        # After an SSRC change the new source starts its own numbering and clock.
        ext = base_seq + index + (7000 if ssrc_index else 0)
        ts = base_ts + index * (CLOCK * PTIME_MS // 1000) + (123456 if ssrc_index else 0)
        first_of_ssrc = ssrc_index not in per_ssrc
        marker = first_of_ssrc
        per_ssrc.setdefault(ssrc_index, []).append((ext, ts, arrival, marker))
        frames.append((arrival, udp_frame(a[0], a[2], b[0], b[2], rtp_packet(ext, ts, ssrcs[ssrc_index], marker))))
    for ssrc_index, packets in sorted(per_ssrc.items()):
        figures = expected_figures([(e, t, arr, m) for e, t, arr, m in packets])
        figures.update(direction="caller->callee", ssrc=ssrcs[ssrc_index])
        streams.append(figures)

    # The way back: clean, constant delay.
    back_seq, back_ts, back_ssrc = 1000, 5000, 0x33330000 + seed
    back = []
    for i in range(n):
        arrival = i * PTIME_MS * 1_000_000 + 30_000_000
        back.append((back_seq + i, back_ts + i * 160, arrival, i == 0))
        frames.append((arrival, udp_frame(b[0], b[2], a[0], a[2], rtp_packet(back_seq + i, back_ts + i * 160, back_ssrc, i == 0))))
    figures = expected_figures(back)
    figures.update(direction="callee->caller", ssrc=back_ssrc)
    streams.append(figures)

    end = n * PTIME_MS * 1_000_000 + 500_000_000
    frames.append((end, udp_frame(a[0], a[1], b[0], b[1], bye)))
    frames.append((end + 10_000_000, udp_frame(b[0], b[1], a[0], a[1], bye_ok)))
    frames.sort(key=lambda f: f[0])
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))  # nanosecond pcap
        for t, data in frames:
            seconds, nanos = divmod(T0_NS + t, 1_000_000_000)
            out.write(struct.pack("<IIII", seconds, nanos, len(data), len(data)) + data)
    for s in streams:
        loss_pct = max(0.0, 100.0 * s["lost"] / s["expected"]) if s["expected"] else 0.0
        received = s["packets"] - s["duplicates"]
        lost = max(0, s["lost"])
        burst = 1.0
        if lost > 0 and s["loss_bursts"] > 0:
            burst = max(1.0, 1 / (s["loss_bursts"] / received + min(1.0, s["loss_bursts"] / lost)))
        s["loss_pct"] = loss_pct
        s["mos"] = emodel_mos(loss_pct, burst)
    return {"pattern": pattern, "streams": streams, "duration_s": end / 1e9}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("pattern", choices=PATTERNS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--packets", type=int, default=500)
    args = parser.parse_args()
    json.dump(generate(args.out, args.pattern, args.seed, args.packets), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
