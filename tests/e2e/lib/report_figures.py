#!/usr/bin/env python3
"""usage: report_figures.py REPORT -- prints how many figures `sipmon check` compares in a report:
every scalar leaf that is not metadata (the metadata docs/ci.md lists)."""
import json
import sys

METADATA = {"sipmon_version", "schema_version", "capture.files", "capture.first_ts", "capture.last_ts",
            "capture.read_errors"}


def leaves(node, path):
    if any(path == m or path.startswith(m + ".") for m in METADATA):
        return 0
    # The delays' mergeable form, at the top level and in series intervals (docs/ci.md).
    if path == "delay_sketches" or path.startswith("delay_sketches.") or ".delay_sketches" in path:
        return 0
    if isinstance(node, dict):
        return sum(leaves(v, (path + "." if path else "") + k) for k, v in node.items())
    if isinstance(node, list):
        return sum(leaves(v, path + "." + str(i)) for i, v in enumerate(node))
    return 1


with open(sys.argv[1]) as f:
    print(leaves(json.load(f), ""))
