#!/usr/bin/env python3
"""Prints, as JSON, the messages SIPp sent and received in one run, from its -trace_counts file:
{"INVITE": n, "100": n, ...}, retransmissions included.

usage: sipp_counts.py WORK_DIR ROLE
ROLE is the scenario name (uac, uas): reads WORK_DIR/ROLE_*_counts.csv, which must be the only one.
Exits 1, saying so, when SIPp counted an unexpected message: the scenario did not run as written.
"""
import collections
import csv
import glob
import json
import sys


def sipp_counts(work, role):
    files = glob.glob(f"{work}/{role}_*_counts.csv")
    if len(files) != 1:
        raise SystemExit(f"FAIL: expected one SIPp {role} counts file in {work}, found {files}")
    with open(files[0]) as f:
        rows = list(csv.reader(f, delimiter=";"))
    header, last = rows[0], rows[-1]
    counts = collections.Counter()
    for name, value in zip(header, last):
        parts = name.split("_")  # e.g. 1_INVITE_Sent
        if len(parts) != 3 or not value.strip():
            continue
        _, message, kind = parts
        if kind in ("Sent", "Recv", "Retrans"):
            counts[message] += int(value)
        if kind == "Unexp." and int(value):
            raise SystemExit(f"FAIL: SIPp {role} received {value} unexpected {message}")
    return counts


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(sipp_counts(argv[1], argv[2]), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
