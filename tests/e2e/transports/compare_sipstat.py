#!/usr/bin/env python3
"""Compares sipmon's report with tshark's `-z sip,stat` for one capture.

usage: compare_sipstat.py SIPMON CAPTURE [tshark args...]
Prints both and exits 1 when requests or responses differ, 0 when they agree.
"""
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from sipstat import tshark_sipstat  # noqa: E402  (one sip,stat parser for every test)


def main():
    sipmon, capture, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    try:
        requests, responses, _ = tshark_sipstat(capture, extra)
    except RuntimeError as error:
        print(error)
        return 1
    want = (requests, responses)
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
