#!/usr/bin/env python3
"""docs/report.md's example is a real report: byte for byte what `sipmon replay
samples/call-answered.pcap --json` prints (from the repository root), and every key in it is
explained somewhere on the page. scripts/update-expected.sh rewrites the example with the samples.

Environment: SIPMON (binary; default build/sipmon), SIPMON_SOURCE_DIR (repository root).
Prints `P passed, F failed` last; exits 1 on any failure.
"""
import json
import os
import subprocess
import sys

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.path.abspath(os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon"))
SAMPLE = "samples/call-answered.pcap"


def keys(value, prefix=""):
    """Every key of the report, as (name, dotted path); map entries (counts by code...) left out."""
    if not isinstance(value, dict):
        return
    for key, child in value.items():
        if key.isdigit() or key.isupper():  # a status code or a method: an entry of a count map
            continue
        yield key, prefix + key
        yield from keys(child, prefix + key + ".")


def main():
    doc = open(os.path.join(SOURCE_DIR, "docs", "report.md")).read()
    start = doc.index("```json\n") + len("```json\n")
    example = doc[start:doc.index("```", start)]
    actual = subprocess.run([SIPMON, "replay", SAMPLE, "--json"], cwd=SOURCE_DIR, capture_output=True, text=True,
                            timeout=120).stdout
    problems = []
    if example != actual:
        problems.append(f"the example is not what 'sipmon replay {SAMPLE} --json' prints; run scripts/update-expected.sh")
    report = json.loads(example)
    for section in ("capture", "requests", "responses_by_method", "rfc6076", "dialogs", "retransmissions"):
        if section not in report:
            problems.append(f"the example has no '{section}' section")
    undocumented = sorted({path for key, path in keys(report) if f"`{key}`" not in doc})
    for path in undocumented:
        problems.append(f"{path}: in the example but explained nowhere in docs/report.md")
    for p in problems:
        print("FAIL: " + p)
    print(f"{0 if problems else 1} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
