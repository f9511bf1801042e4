#!/usr/bin/env python3
"""Rewrites a pcap file's frames into the Ethernet frames a probe port would receive, for
live_tunnels_test.sh to play them onto a veth:

  live_rewrite_pcap.py ethernet IN OUT   Linux cooked (SLL, SLL2) and raw-IP frames get an Ethernet
                                         header (the cooked header's protocol, or the IP version);
                                         Ethernet files and pcapng are copied as they are.
  live_rewrite_pcap.py vxlan IN OUT [PORT]  every Ethernet frame wrapped in Ethernet/IPv4/UDP/VXLAN
                                         (RFC 7348), as a VTEP delivering mirrored traffic sends it.
"""
import shutil
import struct
import sys

ETHERNET, RAW, RAW_OPENBSD, IPV4, IPV6, SLL, SLL2 = 1, 101, 12, 228, 229, 113, 276
MACS = bytes.fromhex("020000000002" "020000000001")


def ip_ethertype(packet):
    return 0x86DD if packet and packet[0] >> 4 == 6 else 0x0800


def to_ethernet(linktype, frame):
    if linktype == ETHERNET:
        return frame
    if linktype in (RAW, RAW_OPENBSD, IPV4, IPV6):
        return MACS + struct.pack("!H", ip_ethertype(frame)) + frame
    if linktype == SLL:
        return MACS + frame[14:16] + frame[16:]
    if linktype == SLL2:
        return MACS + frame[0:2] + frame[20:]
    sys.exit(f"link type {linktype} is not handled")


def checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def to_vxlan(frame, port, ident):
    vxlan = struct.pack("!BBHI", 0x08, 0, 0, 0x123400) + frame
    udp = struct.pack("!HHHH", 49152 + ident % 1000, port, 8 + len(vxlan), 0) + vxlan
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xFFFF, 0, 64, 17, 0,
                               bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])))
    ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
    return MACS + b"\x08\x00" + bytes(ip) + udp


def main():
    mode, source, target = sys.argv[1:4]
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 4789
    data = open(source, "rb").read()
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a" and mode == "ethernet":
        shutil.copyfile(source, target)  # pcapng: the corpus's are Ethernet already
        return
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        sys.exit(f"{source}: not a pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
    if mode == "vxlan" and linktype != ETHERNET:
        sys.exit(f"{source}: link type {linktype}, not Ethernet")
    out = [data[:16] + struct.pack(endian + "II", 262144, ETHERNET)]
    offset, ident = 24, 0
    while offset + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        ident += 1
        rewritten = to_vxlan(frame, port, ident) if mode == "vxlan" else to_ethernet(linktype, frame)
        out.append(struct.pack(endian + "IIII", sec, frac, len(rewritten), len(rewritten) + wirelen - caplen) +
                   rewritten)
    open(target, "wb").write(b"".join(out))


if __name__ == "__main__":
    main()
