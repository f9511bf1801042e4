#!/usr/bin/env python3
"""Reads a Prometheus /api/v1/rules answer on stdin; exits 0 when there are rules and every one
is healthy (evaluated without error), 1 otherwise (the caller retries while rules first run)."""
import json
import sys

try:
    rules = [rule for group in json.load(sys.stdin)["data"]["groups"] for rule in group["rules"]]
except (ValueError, KeyError, TypeError):
    sys.exit(1)
sys.exit(0 if rules and all(rule["health"] == "ok" for rule in rules) else 1)
