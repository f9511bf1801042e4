#!/usr/bin/env python3
"""Sum of one metric's samples in a Prometheus text exposition, for the shell tests.

usage: exposition_sum.py FILE METRIC [KEY=VALUE...]
Sums the samples of METRIC over the series whose labels include every KEY=VALUE given; prints
the sum as %.10g, or "absent" when no series matches.
"""
import re
import sys

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, name = argv[1], argv[2]
    wanted = dict(pair.split("=", 1) for pair in argv[3:])
    total, found = 0.0, False
    with open(path) as f:
        for line in f:
            match = LINE.match(line)
            if not match or match.group(1) != name:
                continue
            labels = dict(LABEL.findall(match.group(3) or ""))
            if all(labels.get(k) == v for k, v in wanted.items()):
                total += float(match.group(4))
                found = True
    print(("%.10g" % total) if found else "absent")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
