#!/usr/bin/env python3
"""Reads a Prometheus /api/v1/query answer on stdin; prints the first sample's value, or "absent"
when there is none (or the answer is not a query result yet, as while the server starts)."""
import json
import sys

try:
    result = json.load(sys.stdin)["data"]["result"]
    print(result[0]["value"][1] if result else "absent")
except (ValueError, KeyError, IndexError, TypeError):
    print("absent")
