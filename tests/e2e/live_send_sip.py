#!/usr/bin/env python3
"""Sends SIP requests over UDP for the live capture tests: COUNT requests from SRC to DST:PORT,
each padded with a body to SIZE bytes (above the path MTU the kernel fragments them). With
--iface and --vlan, writes whole Ethernet frames carrying 802.1Q/802.1ad tags through a packet
socket instead (the receiving kernel strips the outer tag into skb->vlan_tci); --iface alone
writes untagged frames that way (a frame over a page is then mostly paged data, as with
tcpreplay). Bounded: at most
10000 datagrams, paced by --interval."""
import argparse
import socket
import struct
import time


def ip_checksum(header):
    total = sum(struct.unpack("!10H", header))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def tagged_frame(payload, args):
    src, dst = socket.inet_aton(args.src), socket.inet_aton(args.dst)
    udp = struct.pack("!HHHH", args.port, args.port, 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x1234, 0x4000, 64, 17, 0, src, dst)
    header = header[:10] + struct.pack("!H", ip_checksum(header)) + header[12:]
    tags = b""
    vids = [int(v) for v in args.vlan.split(",")] if args.vlan else []
    for i, vid in enumerate(vids):
        tpid = 0x88A8 if i == 0 and len(vids) > 1 else 0x8100
        tags += struct.pack("!HH", tpid, vid)
    mac = lambda text: bytes.fromhex(text.replace(":", ""))
    return mac(args.dst_mac) + mac(args.src_mac) + tags + struct.pack("!H", 0x0800) + header + udp


def request(i, src, dst, port, size):
    body_len = 0
    head = (f"INVITE sip:big@{dst}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {src}:{port};branch=z9hG4bK-live-{i}\r\n"
            f"From: <sip:test@{src}>;tag=t{i}\r\nTo: <sip:big@{dst}>\r\nCall-ID: live-{i}@{src}\r\n"
            f"CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\n")
    body_len = max(0, size - len(head) - len("Content-Length: 00000\r\n\r\n"))
    body = ("v=0\r\n" + "a=x-pad:" + "p" * max(0, body_len - 15) + "\r\n")[:body_len]
    return (head + f"Content-Length: {len(body):05d}\r\n\r\n" + body).encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", required=True)
    parser.add_argument("--dst", required=True)
    parser.add_argument("--port", type=int, default=5070)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--size", type=int, default=600)
    parser.add_argument("--interval", type=float, default=0.01)
    parser.add_argument("--iface", help="send raw (tagged with --vlan) Ethernet frames on this interface")
    parser.add_argument("--vlan", help="VLAN ids, outermost first (two: QinQ with an 802.1ad outer tag)")
    parser.add_argument("--src-mac")
    parser.add_argument("--dst-mac")
    args = parser.parse_args()
    if args.iface:
        raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        raw.bind((args.iface, 0))
        for i in range(min(args.count, 10000)):
            raw.send(tagged_frame(request(i, args.src, args.dst, args.port, args.size), args))
            time.sleep(args.interval)
        return
    family = socket.AF_INET6 if ":" in args.dst else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((args.src, args.port))
    for i in range(min(args.count, 10000)):
        sock.sendto(request(i, args.src, args.dst, args.port, args.size), (args.dst, args.port))
        time.sleep(args.interval)


if __name__ == "__main__":
    main()
