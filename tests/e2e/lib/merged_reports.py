#!/usr/bin/env python3
"""Prints what one replay of several captures must report, worked out from the reports of each
capture replayed alone (the truth for the "several files" checks in tests/e2e/cli_test.sh).

usage: merged_reports.py counts|span REPORT...
  counts  the summed requests and responses, as `json.dumps([requests, responses], sort_keys=True)`
  span    [earliest first_ts, latest last_ts] of the captures, as Python prints a list
"""
import json
import sys


def summed(reports, key):
    total = {}
    for report in reports:
        for name, count in report[key].items():
            total[name] = total.get(name, 0) + count
    return total


def main(argv):
    if len(argv) < 3 or argv[1] not in ("counts", "span"):
        print(__doc__, file=sys.stderr)
        return 2
    reports = []
    for path in argv[2:]:
        with open(path) as f:
            reports.append(json.load(f))
    if argv[1] == "counts":
        print(json.dumps([summed(reports, "requests"), summed(reports, "responses")], sort_keys=True))
    else:
        captures = [r["capture"] for r in reports]
        print([min(c["first_ts"] for c in captures), max(c["last_ts"] for c in captures)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
