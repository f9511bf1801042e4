#!/usr/bin/env python3
"""`replay --threads N` gives the report of one thread (issue 27).

For every capture in samples/, every capture of the shared corpus (when present) and a generated
mix (bench/load_capture.cpp: 3 000 distinct calls with registrations, failures, cancels and
retransmissions), `sipmon replay --threads 2 --json` must print the very bytes of
`sipmon replay --json`; so must `--threads 3`, `--interval 1s` (the series, every interval's
calls_active_max aside: with shards it is the sum of their maxima, an upper bound, docs/report.md)
and `--peers` (two networks of the generated mix and "other"). In the series, two things are left
out of the comparison: calls_active_max (the sum of the shards' maxima) and a delay's min and max
(with the percentiles they clamp) in an interval: there they are bucket estimates unless the
extreme moved during the interval, which depends on what a shard saw before (docs/performance.md). The truth is the one-thread run,
itself checked against tshark and the generators by the other tests. `--calls` keeps one engine:
its records and report must be those of one thread too.
Prints `P passed, F failed`; exits 1 on a failure.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402  (the pass/fail tally)

SKIP = int(os.environ.get("SIPMON_SKIP_CODE", "77"))
SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.path.abspath(os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon"))
GENERATOR = os.environ.get("SIPMON_LOAD_CAPTURE") or os.path.join(SOURCE_DIR, "build", "bench", "sipmon_load_capture")
CORPUS = os.environ.get("SIPMON_CORPUS", "/work/shared/corpus")

check = Checks()


def replay(files, *options):
    result = subprocess.run([SIPMON, "replay", "-q", *files, *options], capture_output=True, timeout=300)
    return result.returncode, result.stdout, result.stderr


def without_active_max(text):
    """The series but what shards cannot give exactly: calls_active_max, and a delay's min and
    max in an interval (bucket estimates unless the extreme moved in it, which depends on the
    calls a shard saw before; the percentiles are clamped by them). Counts, means, sums and every
    sketch bucket stay."""
    report = json.loads(text)
    for interval in report.get("series", []):
        interval.pop("calls_active_max", None)
        for delay in interval.get("rfc6076", {}).values():
            if isinstance(delay, dict) and "p50" in delay:
                for key in ("min", "max", "p50", "p90", "p99"):
                    delay.pop(key, None)
        for sketch in interval.get("delay_sketches", {}).values():
            sketch.pop("min", None)
            sketch.pop("max", None)
    return report


def first_difference(a, b, path=""):
    if type(a) is not type(b):
        return f"{path}: {a!r} vs {b!r}"
    if isinstance(a, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                return f"{path}.{key}: only in one"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"


def same_report(name, files, options, threads=2, series=False):
    code1, one, err1 = replay(files, "--json", *options)
    code2, many, err2 = replay(files, "--json", "--threads", str(threads), *options)
    what = f"{name} {' '.join(options)} --threads {threads}"
    check(f"{what}: exit codes", code1 == code2, f"({code1} vs {code2}: {err2[-300:]!r})")
    check(f"{what}: warnings", err1 == err2, f"({err1[-300:]!r} vs {err2[-300:]!r})")
    if series and code1 == 0 and code2 == 0:
        a, b = without_active_max(one), without_active_max(many)
        check(f"{what}: report but calls_active_max", a == b, first_difference(a, b) or "")
        return
    if one != many and code1 == 0 and code2 == 0:
        check(f"{what}: report byte for byte", False, first_difference(json.loads(one), json.loads(many)) or "(key order)")
    else:
        check(f"{what}: report byte for byte", one == many)


def main():
    captures = sorted(glob.glob(os.path.join(SOURCE_DIR, "samples", "*.pcap*")))
    captures += sorted(p for p in glob.glob(os.path.join(CORPUS, "*")) if p.endswith((".pcap", ".pcapng", ".cap")))
    if not captures:
        print("SKIPPED: no capture")
        return SKIP
    for path in captures:
        same_report(os.path.basename(path), [path], [])
    # Not all samples in one run: SIPp recordings reuse Via branches under other Call-IDs, which
    # one engine takes for retransmissions and shards (by Call-ID) do not (docs/performance.md).
    with tempfile.TemporaryDirectory() as tmp:
        if not os.access(GENERATOR, os.X_OK):
            print(f"no load generator at {GENERATOR}: generated mix not replayed")
        else:
            mix = os.path.join(tmp, "mix.pcap")
            subprocess.run([GENERATOR, mix, "--calls", "3000", "--rate", "300", "--talk", "1:20", "--seed", "27"],
                           check=True, capture_output=True)
            peers = os.path.join(tmp, "mix.peers")
            with open(peers, "w") as f:
                f.write("callers 10.1.0.0/16\ncallees 10.2.0.0/16\n")
            same_report("mix", [mix], [])
            same_report("mix", [mix], [], threads=3)
            same_report("mix", [mix], ["--interval", "1s"], series=True)
            same_report("mix", [mix], ["--peers", peers])
            same_report("mix", [mix], ["--peers", peers, "--interval", "5s"], threads=3, series=True)
            # --calls keeps one engine (its records' order is one engine's): the same records.
            calls1, calls2 = os.path.join(tmp, "one.jsonl"), os.path.join(tmp, "two.jsonl")
            code1, one, _ = replay([mix], "--json", "--calls", calls1)
            code2, two, _ = replay([mix], "--json", "--calls", calls2, "--threads", "2")
            check("mix --calls --threads 2: report", code1 == code2 == 0 and one == two)
            check("mix --calls --threads 2: records", open(calls1, "rb").read() == open(calls2, "rb").read())
    print(f"{len(captures)} captures")
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
