#!/usr/bin/env python3
"""The text summary of every sample, line by line, against tshark's reading of the same capture.

For each samples/*.pcap: the responses per method (CSeq method and status code), the INVITE final
codes from 300 up with the reason phrase the wire carries, the established / cancelled /
redirected attempts (distinct Call-IDs whose INVITE got a 2xx / 487 / 3xx), the capture's duration
and the call rate. Named cases: call-cancel says "2 cancelled", call-unavailable shows its 480.

Environment: SIPMON (binary; default build/sipmon), SIPMON_SOURCE_DIR (repository root).
Prints `P passed, F failed` last; exits 1 on any failure; SKIPPED without tshark.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402  (the pass/fail tally)

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.path.abspath(os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon"))
LABEL_WIDTH = 14

check = Checks(print_passes=True)


def summary_of(path):
    proc = subprocess.run([SIPMON, "replay", path], cwd=SOURCE_DIR, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"sipmon replay {path} exited {proc.returncode}: {proc.stderr.strip()}")
    # label -> list of values (a label's continuation lines have a blank label column)
    sections, label = {}, None
    for line in proc.stdout.splitlines():
        head = line[:LABEL_WIDTH].strip()
        if head:
            label = head
        sections.setdefault(label, []).append(line[LABEL_WIDTH:])
    return proc.stdout, sections


def tshark_rows(path):
    """One tshark run per capture: every frame with the fields the checks need."""
    fields = ["frame.time_epoch", "sip.CSeq.method", "sip.Status-Code", "sip.Status-Line", "sip.Call-ID",
              "sip.Method", "sip.to.tag"]
    args = ["tshark", "-r", path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
    for field in fields:
        args += ["-e", field]
    out = subprocess.run(args, cwd=SOURCE_DIR, capture_output=True, text=True, timeout=120).stdout
    return [dict(zip(fields, line.split("|"))) for line in out.splitlines() if line]


def expected_from_tshark(path):
    rows = tshark_rows(path)
    per_method, invite_failures, outcome_calls = {}, {}, {"established": set(), "cancelled": set(), "redirected": set()}
    attempts = set()
    for row in rows:
        if row["sip.Method"] == "INVITE" and not row["sip.to.tag"]:
            attempts.add(row["sip.Call-ID"])
        if not row["sip.Status-Code"]:
            continue
        method, code, status_line, call_id = row["sip.CSeq.method"], int(row["sip.Status-Code"]), row["sip.Status-Line"], row["sip.Call-ID"]
        per_method.setdefault(method, {})
        per_method[method][code] = per_method[method].get(code, 0) + 1
        if method != "INVITE":
            continue
        if code >= 300:
            phrase = status_line.split(" ", 2)[2] if status_line.count(" ") >= 2 else ""
            count, _ = invite_failures.get(code, (0, phrase))
            invite_failures[code] = (count + 1, phrase)
        if 200 <= code < 300:
            outcome_calls["established"].add(call_id)
        elif code == 487:
            outcome_calls["cancelled"].add(call_id)
        elif 300 <= code < 400:
            outcome_calls["redirected"].add(call_id)
    times = [float(row["frame.time_epoch"]) for row in rows]
    return per_method, invite_failures, {k: len(v) for k, v in outcome_calls.items()}, max(times) - min(times), len(attempts)


def check_sample(path):
    name = os.path.basename(path)
    text, sections = summary_of(path)
    per_method, invite_failures, outcomes, duration, attempts = expected_from_tshark(path)

    shown = {}
    for value in sections.get("responses", []):
        if value.strip() == "-":
            continue
        method, codes = value.split(": ", 1)
        shown[method] = {int(c.split()[0]): int(c.split()[1]) for c in codes.split(", ")}
    check(f"{name}: responses per method match tshark", shown == per_method, f"summary {shown}, tshark {per_method}")

    expected_failures = ", ".join(f"{code} {phrase} {count}" for code, (count, phrase) in sorted(invite_failures.items()))
    invite_line = sections.get("invite >= 300", ["-"])[0]
    check(f"{name}: INVITE final codes >= 300 with the wire's phrases", invite_line == (expected_failures or "-"),
          f"summary '{invite_line}', tshark '{expected_failures}'")

    duration_line = sections.get("duration", [""])[0]
    match = re.fullmatch(r"([0-9.]+) s(?: \([0-9:]+\))?", duration_line)
    check(f"{name}: duration as tshark's first-to-last frame time", match and abs(float(match.group(1)) - duration) < 0.0011,
          f"summary '{duration_line}', tshark {duration:.6f} s")

    if attempts == 0:
        return
    attempts_line = sections.get("attempts", [""])[0]
    check(f"{name}: {attempts} attempts (tshark: initial INVITE Call-IDs)", attempts_line.startswith(f"{attempts}: "),
          attempts_line)
    for outcome, count in outcomes.items():
        check(f"{name}: {count} {outcome}", f" {count} {outcome}" in attempts_line, attempts_line)
    rate_line = sections.get("call rate", [""])[0]
    match = re.fullmatch(r"([0-9.e+-]+) attempts/s", rate_line)
    check(f"{name}: call rate is attempts over the duration", match and duration > 0 and
          abs(float(match.group(1)) - attempts / duration) <= 0.01 + 0.001 * attempts / duration, rate_line)


def main():
    if not os.access(SIPMON, os.X_OK):
        print(f"FAIL: sipmon binary not found at {SIPMON}")
        return 1
    if not shutil.which("tshark"):
        print("SKIPPED: tshark is not installed")
        return 0
    for path in sorted(glob.glob(os.path.join(SOURCE_DIR, "samples", "*.pcap"))):
        check_sample(os.path.relpath(path, SOURCE_DIR))
    # The cases the issue names, spelled out.
    _, cancel = summary_of("samples/call-cancel.pcap")
    check("call-cancel: '2 cancelled'", "2 cancelled" in cancel["attempts"][0], cancel["attempts"][0])
    _, unavailable = summary_of("samples/call-unavailable.pcap")
    check("call-unavailable: its 480 is shown", "480 Temporarily Unavailable 2" in unavailable["invite >= 300"][0],
          unavailable["invite >= 300"][0])
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
