#!/usr/bin/env python3
"""Wraps every Ethernet frame of a pcap file in Ethernet/IPv4/UDP/VXLAN (RFC 7348), as a VTEP
delivering mirrored traffic to a collector would: `live_wrap_vxlan.py IN OUT [PORT]`."""
import struct
import sys


def checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def wrap(frame, port, ident):
    vxlan = struct.pack("!BBHI", 0x08, 0, 0, 0x123400) + frame
    udp = struct.pack("!HHHH", 49152 + ident % 1000, port, 8 + len(vxlan), 0) + vxlan
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xFFFF, 0, 64, 17, 0,
                               bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])))
    ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
    return bytes.fromhex("020000000002" "020000000001" "0800") + bytes(ip) + udp


def main():
    source, target = sys.argv[1], sys.argv[2]
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 4789
    data = open(source, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    version_major, version_minor, zone, sigfigs, snaplen, linktype = struct.unpack(endian + "HHiIII", data[4:24])
    if linktype != 1:
        sys.exit(f"{source}: link type {linktype}, not Ethernet")
    out = [data[:16] + struct.pack(endian + "II", 262144, 1)]
    offset, ident = 24, 0
    while offset + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        ident += 1
        wrapped = wrap(frame, port, ident)
        out.append(struct.pack(endian + "IIII", sec, frac, len(wrapped), len(wrapped) + wirelen - caplen) + wrapped)
    open(target, "wb").write(b"".join(out))


if __name__ == "__main__":
    main()
