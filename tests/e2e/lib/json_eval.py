#!/usr/bin/env python3
"""Prints a Python expression evaluated over a JSON document, for the shell tests.

usage: json_eval.py [--number] FILE EXPR
The document is bound as `r` (and `d`), the json module as `json`. Without --number the value is
printed as Python prints it (a tuple as `a b` when EXPR is a comma list); with --number, None is
printed `null` and a number `%.10g` (what tests/e2e/prometheus_test.sh compares).
"""
import json
import sys


def main(argv):
    args = argv[1:]
    number = bool(args) and args[0] == "--number"
    if number:
        args = args[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0]) as f:
        document = json.load(f)
    # Globals, not locals: comprehensions and lambdas in EXPR see them too.
    value = eval(args[1], {"json": json, "r": document, "d": document})  # noqa: S307 (test input)
    if number:
        print("null" if value is None else ("%.10g" % value if isinstance(value, (int, float)) else value))
    elif isinstance(value, tuple):
        print(*value)
    else:
        print(value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
