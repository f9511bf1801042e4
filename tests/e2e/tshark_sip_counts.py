#!/usr/bin/env python3
"""Counts the SIP messages in a capture by method and status code, as tshark dissects them (the
truth outside sipmon for the HEP tests). Usage: tshark_sip_counts.py PCAP PORT... -> JSON object
{"INVITE": n, "200": n, ...} on stdout; PORTs are decoded as SIP over UDP."""
import collections
import json
import subprocess
import sys


def main():
    pcap, ports = sys.argv[1], sys.argv[2:]
    decode = []
    for port in ports:
        decode += ["-d", f"udp.port=={port},sip"]
    lines = subprocess.run(["tshark", "-n", "-r", pcap, *decode, "-Y", "sip", "-T", "fields",
                            "-e", "sip.Method", "-e", "sip.Status-Code", "-E", "occurrence=f"],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    counts = collections.Counter()
    for line in lines:
        method, _, status = line.partition("\t")
        if method or status:
            counts[method or status] += 1
    json.dump(dict(counts), sys.stdout)


if __name__ == "__main__":
    main()
