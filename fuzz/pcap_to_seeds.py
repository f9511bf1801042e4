#!/usr/bin/env python3
"""Turns pcap files into seed inputs for packet_decoder_fuzz (one seed per capture, its first
frames in the fuzzer's format: [link selector][time step][length:2][bytes]).

usage: pcap_to_seeds.py OUT_DIR capture.pcap...   (classic pcap only; pcapng files are skipped)
"""
import os
import struct
import sys

# The fuzzer's link selector table, by LINKTYPE.
LINKS = {1: 0, 101: 1, 113: 2, 276: 3, 0: 4, 228: 5, 229: 6, 108: 7}
MAX_FRAMES = 64
MAX_BYTES = 64 * 1024


def frames(path):
    with open(path, "rb") as f:
        header = f.read(24)
        if len(header) < 24:
            return None, []
        magic = header[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            endian = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            endian = ">"
        else:
            return None, []
        link = struct.unpack(endian + "I", header[20:24])[0] & 0xFFFF
        out = []
        while len(out) < MAX_FRAMES:
            record = f.read(16)
            if len(record) < 16:
                break
            sec, _, caplen, _ = struct.unpack(endian + "IIII", record)
            data = f.read(caplen)
            if len(data) < caplen or caplen > 65535:
                break
            out.append((sec, data))
        return link, out


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for path in sys.argv[2:]:
        link, records = frames(path)
        if link not in LINKS or not records:
            continue
        seed, last = bytearray(), records[0][0]
        for sec, data in records:
            step = max(0, min(255, (sec - last) * 8))
            last = sec
            seed += bytes([LINKS[link], step]) + struct.pack(">H", len(data)) + data
            if len(seed) > MAX_BYTES:
                break
        name = os.path.basename(path).replace(".pcap", "") + ".seed"
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(seed)


if __name__ == "__main__":
    main()
