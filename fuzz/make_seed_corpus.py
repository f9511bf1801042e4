#!/usr/bin/env python3
"""Builds the fuzzers' seed corpora from capture files (generated at fuzz time, never committed).

  make_seed_corpus.py OUT_DIR CAPTURE...

OUT_DIR/sip_parser_fuzzer/ gets one file per distinct UDP payload (a flag byte, then the payload);
OUT_DIR/frame_fuzzer/ gets runs of up to 8 consecutive frames in the frame_records.h format;
OUT_DIR/hep_decoder_fuzzer/ gets each SIP payload wrapped as HEPv3 and as HEPv2 (docs/hep.md).
pcapng files are converted with editcap (from tshark's package) when it is installed.
"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

LINK_SELECTOR = {1: 0, 101: 1, 113: 2, 276: 3, 0: 4, 108: 5, 228: 6, 229: 7}
MAX_SEEDS_PER_FILE = 200


def read_pcap(path):
    """Yields (linktype, frame bytes) from a classic pcap file (either byte order, us or ns)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
    pos = 24
    while pos + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pos += 16
        if caplen > 262144 or pos + caplen > len(data):
            return
        yield linktype, data[pos:pos + caplen]
        pos += caplen


def as_pcap(path, workdir):
    with open(path, "rb") as f:
        if f.read(4) != b"\x0a\x0d\x0d\x0a":
            return path
    out = os.path.join(workdir, os.path.basename(path) + ".pcap")
    try:
        subprocess.run(["editcap", "-F", "pcap", path, out], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None  # several link types in one pcapng, or no editcap: skip it
    return out


def udp_payload(linktype, frame):
    """The UDP payload of an Ethernet/SLL/raw IPv4 or IPv6 frame, or None."""
    offsets = {1: 14, 113: 16, 276: 20, 101: 0, 228: 0, 229: 0, 0: 4, 108: 4}
    if linktype not in offsets:
        return None
    ip = frame[offsets[linktype]:]
    if linktype == 1 and frame[12:14] == b"\x81\x00":
        ip = frame[18:]
    if len(ip) < 20:
        return None
    version = ip[0] >> 4
    if version == 4:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17 or len(ip) < ihl + 8:
            return None
        return ip[ihl + 8:]
    if version == 6 and len(ip) >= 48 and ip[6] == 17:
        return ip[48:]
    return None


def hep3(payload, seq):
    """A HEPv3 packet for `payload` (IPv4, UDP), built from the format's description."""
    def chunk(kind, value):
        return struct.pack(">HHH", 0, kind, 6 + len(value)) + value
    chunks = (chunk(1, b"\x02") + chunk(2, b"\x11") + chunk(3, bytes([10, 0, 0, 1])) + chunk(4, bytes([10, 0, 0, 2]))
              + chunk(7, struct.pack(">H", 5060)) + chunk(8, struct.pack(">H", 5060))
              + chunk(9, struct.pack(">I", 1700000000 + seq)) + chunk(10, struct.pack(">I", 0))
              + chunk(11, b"\x01") + chunk(12, struct.pack(">I", 1)) + chunk(15, payload))
    return b"HEP3" + struct.pack(">H", 6 + len(chunks)) + chunks


def hep2(payload, seq):
    return (bytes([2, 16, 2, 17]) + struct.pack(">HH", 5060, 5060) + bytes([10, 0, 0, 1, 10, 0, 0, 2])
            + struct.pack("<IIHH", 1700000000 + seq, 0, 1, 0) + payload)


def write(directory, content):
    name = hashlib.sha1(content).hexdigest()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(content)


def main():
    out_dir, captures = sys.argv[1], sys.argv[2:]
    parser_dir = os.path.join(out_dir, "sip_parser_fuzzer")
    frame_dir = os.path.join(out_dir, "frame_fuzzer")
    os.makedirs(parser_dir, exist_ok=True)
    os.makedirs(frame_dir, exist_ok=True)
    hep_dir = os.path.join(out_dir, "hep_decoder_fuzzer")
    os.makedirs(hep_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for capture in captures:
            path = as_pcap(capture, work)
            if path is None:
                continue
            seeds = 0
            run, frames_in_run = b"", 0
            for linktype, frame in read_pcap(path):
                if seeds >= MAX_SEEDS_PER_FILE:
                    break
                payload = udp_payload(linktype, frame)
                if payload and (b"SIP/2.0" in payload[:200]):
                    write(parser_dir, b"\x00" + payload)
                    if len(payload) < 60000:
                        # The fuzzer reads a mode byte first (hep_decoder_fuzzer.cpp).
                        write(hep_dir, b"\x00" + hep3(payload, seeds) + hep3(payload, seeds + 1))
                        write(hep_dir, b"\x01" + hep2(payload, seeds))
                    seeds += 1
                if linktype in LINK_SELECTOR and len(frame) < 65536 and b"SIP/2.0" in frame:
                    run += bytes([LINK_SELECTOR[linktype] | 8]) + struct.pack(">H", len(frame)) + frame
                    frames_in_run += 1
                    if frames_in_run == 8:
                        write(frame_dir, run)
                        run, frames_in_run = b"", 0
            if run:
                write(frame_dir, run)
    print(f"seeds: {len(os.listdir(parser_dir))} payloads, {len(os.listdir(frame_dir))} frame runs")


if __name__ == "__main__":
    main()
