#!/usr/bin/env python3
"""Writes a classic pcap (Ethernet, µs) with several SIP calls interleaved, for extract_test.py.

What it holds, on purpose:
  - UDP messages, some too large for one 1500-byte frame and sent as IPv4 fragments (one
    datagram's fragments out of order);
  - one TCP connection carrying messages of every call: some split over several segments,
    and a segment that ends one call's message and begins another's;
  - frames of no call (an ARP-less UDP DNS-like datagram, TCP ACKs).

Prints, as JSON on stdout, the messages it wrote per Call-ID and the frame numbers (1-based) of
every frame that carried part of each call: the truth extract_test.py checks against besides tshark.
Usage: gen_multicall_pcap.py OUT.pcap
"""
import json
import struct
import sys

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
IP_A = bytes([10, 0, 0, 1])
IP_B = bytes([10, 0, 0, 2])


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src, dst, proto, payload, ident, offset=0, more=False):
    flags = (0x2000 if more else 0) | (offset // 8)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags, 64, proto, 0, src, dst)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def ether(packet, forward=True):
    return (MAC_B + MAC_A if forward else MAC_A + MAC_B) + b"\x08\x00" + packet


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, ack, payload, flags=0x18):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def sip(call_id, kind, cseq, body_len=0, via="UDP"):
    body = ("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n" + "a=x-pad:" + "p" * 60 + "\r\n" * 1) * 0
    body = ("a=x-filler:" + "f" * 68 + "\r\n") * (body_len // 81) if body_len else ""
    if kind.startswith("SIP/2.0"):
        start = kind
        method = "INVITE"
    else:
        start = kind + " sip:bob@10.0.0.2 SIP/2.0"
        method = kind
    head = (start + "\r\n"
            "Via: SIP/2.0/" + via + " 10.0.0.1:5060;branch=z9hG4bK-" + call_id + "-" + str(cseq) + "\r\n"
            "From: <sip:alice@10.0.0.1>;tag=a-" + call_id + "\r\n"
            "To: <sip:bob@10.0.0.2>\r\n"
            "Call-ID: " + call_id + "\r\n"
            "CSeq: " + str(cseq) + " " + method + "\r\n"
            "Content-Length: " + str(len(body)) + "\r\n\r\n")
    return (head + body).encode()


class Writer:
    def __init__(self):
        self.frames = []
        self.ts = 1_700_000_000.0

    def add(self, frame):
        self.ts += 0.001
        self.frames.append((self.ts, frame))
        return len(self.frames)

    def save(self, path):
        with open(path, "wb") as out:
            out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
            for ts, frame in self.frames:
                sec = int(ts)
                usec = int(round((ts - sec) * 1e6))
                out.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


def main():
    w = Writer()
    truth = {}  # call id -> {"messages": n, "frames": set()}

    def note(call_id, *frames):
        entry = truth.setdefault(call_id, {"messages": 0, "frames": set()})
        entry["messages"] += 1
        entry["frames"].update(frames)

    ident = [100]

    def send_udp(call_id, message, reverse_order=False):
        datagram = udp(5060, 5060, message)
        ident[0] += 1
        if len(datagram) <= 1480:
            note(call_id, w.add(ether(ipv4(IP_A, IP_B, 17, datagram, ident[0]))))
            return
        pieces = []
        for offset in range(0, len(datagram), 1480):
            chunk = datagram[offset:offset + 1480]
            pieces.append(ipv4(IP_A, IP_B, 17, chunk, ident[0], offset, offset + 1480 < len(datagram)))
        if reverse_order:
            pieces.reverse()
        note(call_id, *[w.add(ether(p)) for p in pieces])

    calls = ["gen-call-a@10.0.0.1", "gen-call-b@10.0.0.1", "gen-call-c@10.0.0.1"]
    # Interleaved UDP: INVITEs with large bodies (fragmented), responses, ACKs.
    send_udp(calls[0], sip(calls[0], "INVITE", 1, 3000))
    w.add(ether(ipv4(IP_A, IP_B, 17, udp(40000, 53, b"\x12\x34not sip at all"), 1)))
    send_udp(calls[1], sip(calls[1], "INVITE", 1, 2000), reverse_order=True)
    send_udp(calls[0], sip(calls[0], "SIP/2.0 200 OK", 1))
    send_udp(calls[2], sip(calls[2], "OPTIONS", 1))
    send_udp(calls[1], sip(calls[1], "SIP/2.0 486 Busy Here", 1))
    send_udp(calls[0], sip(calls[0], "ACK", 1))

    # One TCP connection (handshake first), messages of every call.
    seq, ack = 1000, 5000
    w.add(ether(ipv4(IP_A, IP_B, 6, tcp(40001, 5060, seq - 1, 0, b"", 0x02), 200)))
    w.add(ether(ipv4(IP_B, IP_A, 6, tcp(5060, 40001, ack - 1, seq, b"", 0x12), 201), False))
    w.add(ether(ipv4(IP_A, IP_B, 6, tcp(40001, 5060, seq, ack, b"", 0x10), 202)))

    def send_tcp(payload):
        nonlocal seq
        number = w.add(ether(ipv4(IP_A, IP_B, 6, tcp(40001, 5060, seq, ack, payload), 300 + len(w.frames))))
        seq += len(payload)
        return number

    m1 = sip(calls[0], "BYE", 2, 2500, "TCP")  # three segments
    f1 = [send_tcp(m1[0:1000]), send_tcp(m1[1000:2000])]
    w.add(ether(ipv4(IP_B, IP_A, 6, tcp(5060, 40001, ack, seq, b"", 0x10), 400), False))  # a bare ACK
    f1.append(send_tcp(m1[2000:]))
    note(calls[0], *f1)
    m2 = sip(calls[2], "OPTIONS", 2, 0, "TCP")  # whole, then a message whose end shares a segment
    note(calls[2], send_tcp(m2))
    m3 = sip(calls[1], "BYE", 2, 1200, "TCP")
    m4 = sip(calls[2], "OPTIONS", 3, 0, "TCP")
    first = send_tcp(m3[:900])
    shared = send_tcp(m3[900:] + m4[:100])
    last = send_tcp(m4[100:])
    note(calls[1], first, shared)
    note(calls[2], shared, last)

    w.save(sys.argv[1])
    json.dump({cid: {"messages": t["messages"], "frames": sorted(t["frames"])} for cid, t in truth.items()},
              sys.stdout, indent=1)


if __name__ == "__main__":
    main()
