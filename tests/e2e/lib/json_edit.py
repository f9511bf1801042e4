#!/usr/bin/env python3
"""Writes a changed copy of a JSON report, for the shell tests that need a doctored baseline.

usage: json_edit.py IN OUT STATEMENTS
Runs the Python STATEMENTS with the document of IN bound as `r`, then writes `r` to OUT
(indented, newline-terminated).
"""
import json
import sys


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        scope = {"r": json.load(f)}
    exec(argv[3], scope)  # noqa: S102 (statements written by the test)
    with open(argv[2], "w") as f:
        f.write(json.dumps(scope["r"], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
