#!/usr/bin/env python3
"""Every sample's JSON report, byte for byte, against the expected report stored beside it.

For each samples/NAME.pcap (or .pcapng) `sipmon replay samples/NAME.pcap --json`, run from the
repository root so that capture.files holds the stable relative path, must print exactly
samples/NAME.expected.json. Each sample is replayed twice and both outputs must be identical
(identical input gives a byte-identical report). A sample without an expected report fails, and so
does an expected report without its sample.

When the report changes on purpose, regenerate the expected files with scripts/update-expected.sh
and review the diff (tests/e2e/corpus_tshark_test.py checks the counts against tshark).

Environment: SIPMON (binary; default build/sipmon), SIPMON_SOURCE_DIR (repository root).
Prints `P passed, F failed` last; exits 1 on any failure.
"""
import difflib
import glob
import os
import subprocess
import sys

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")
SIPMON = os.path.abspath(SIPMON)
TIMEOUT_S = 120


def replay(relative_path):
    proc = subprocess.run([SIPMON, "replay", relative_path, "--json"], cwd=SOURCE_DIR, capture_output=True, timeout=TIMEOUT_S)
    return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")


def stem(path):
    base = os.path.basename(path)
    return base[: -len(".pcapng")] if base.endswith(".pcapng") else base[: -len(".pcap")]


def check_sample(relative_path):
    """Returns a list of problems (empty when the sample passes)."""
    expected_path = os.path.join("samples", stem(relative_path) + ".expected.json")
    if not os.path.exists(os.path.join(SOURCE_DIR, expected_path)):
        return [f"no expected report {expected_path} (run scripts/update-expected.sh and review it)"]
    problems = []
    first = replay(relative_path)
    second = replay(relative_path)
    for rc, _, stderr in (first, second):
        if rc != 0:
            return [f"sipmon replay exited {rc}: {stderr.strip()}"]
    if first[2]:
        problems.append(f"unexpected warnings on stderr: {first[2].strip()}")
    if first[1] != second[1]:
        problems.append("two replays of the same file gave different reports:")
        problems += diff(first[1], second[1], "first replay", "second replay")
    with open(os.path.join(SOURCE_DIR, expected_path), "rb") as f:
        expected = f.read()
    if first[1] != expected:
        problems.append(f"report differs from {expected_path}:")
        problems += diff(expected, first[1], expected_path, "sipmon replay " + relative_path + " --json")
    return problems


def diff(a, b, a_name, b_name):
    a_lines = a.decode(errors="replace").splitlines(keepends=True)
    b_lines = b.decode(errors="replace").splitlines(keepends=True)
    out = ["    " + line.rstrip("\n") for line in difflib.unified_diff(a_lines, b_lines, a_name, b_name)]
    if not out:  # same text, different bytes (line endings, trailing newline)
        out = [f"    (byte-level difference: {len(a)} vs {len(b)} bytes)"]
    return out


def main():
    if not os.access(SIPMON, os.X_OK):
        print(f"FAIL: sipmon binary not found at {SIPMON} (set SIPMON)")
        print("0 passed, 1 failed")
        return 1
    samples = sorted(os.path.relpath(p, SOURCE_DIR) for p in glob.glob(os.path.join(SOURCE_DIR, "samples", "*"))
                     if p.endswith((".pcap", ".pcapng")))
    passed = failed = 0
    if not samples:
        print("FAIL: no captures in samples/")
        failed += 1
    for sample in samples:
        problems = check_sample(sample)
        if problems:
            failed += 1
            print(f"FAIL: {sample}")
            for problem in problems:
                print(f"  {problem}")
        else:
            passed += 1
            print(f"ok: {sample}")
    stems = {stem(s) for s in samples}
    for expected in sorted(glob.glob(os.path.join(SOURCE_DIR, "samples", "*.expected.json"))):
        name = os.path.basename(expected)[: -len(".expected.json")]
        if name not in stems:
            failed += 1
            print(f"FAIL: {os.path.relpath(expected, SOURCE_DIR)} has no capture samples/{name}.pcap or .pcapng")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
