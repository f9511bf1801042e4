#!/usr/bin/env python3
"""Compares sipmon's report with tshark's `-z sip,stat` for one capture.

usage: compare_sipstat.py SIPMON CAPTURE [tshark args...]
Prints both and exits 1 when requests or responses differ, 0 when they agree.
"""
import json
import re
import subprocess
import sys


def parse_sipstat(text):
    requests, responses, section = {}, {}, None
    for line in text.splitlines():
        if line.startswith("* SIP Status Codes"):
            section = "responses"
        elif line.startswith("* List of SIP Request methods"):
            section = "requests"
        elif line.startswith("*") or line.startswith("==="):
            section = None
        elif section == "responses":
            m = re.match(r"^\s+SIP (\d+)\b.*:\s*(\d+) Packets\s*$", line)
            if m:
                responses[m.group(1)] = responses.get(m.group(1), 0) + int(m.group(2))
        elif section == "requests":
            m = re.match(r"^\s+(\S+)\s*:\s*(\d+) Packets\s*$", line)
            if m:
                requests[m.group(1)] = requests.get(m.group(1), 0) + int(m.group(2))
    return requests, responses


def main():
    sipmon, capture, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    tshark = subprocess.run(["tshark", "-n", "-r", capture, "-q", *extra, "-z", "sip,stat"],
                            capture_output=True, text=True, timeout=120)
    if tshark.returncode != 0:
        print(f"tshark failed: {tshark.stderr}")
        return 1
    want = parse_sipstat(tshark.stdout)
    proc = subprocess.run([sipmon, "replay", capture, "--json"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        print(f"sipmon failed ({proc.returncode}): {proc.stderr}")
        return 1
    report = json.loads(proc.stdout)
    got = (report["requests"], report["responses"])
    print(f"  tshark: requests {want[0]} responses {want[1]}")
    print(f"  sipmon: requests {got[0]} responses {got[1]}")
    capture_section = report["capture"]
    print(f"  sipmon non_sip_by_reason {capture_section['non_sip_by_reason']}"
          f" malformed_by_reason {capture_section['malformed_by_reason']}")
    if not want[0] and not want[1]:
        print("  tshark saw no SIP at all: the recording is empty")
        return 1
    return 0 if got == want else 1


if __name__ == "__main__":
    sys.exit(main())
