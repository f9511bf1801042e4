#!/usr/bin/env python3
"""Two or more sipmon builds timed against each other on one capture: the A/B of a speed change.

    bench/ab.py [--rounds N] [--copies K] [--cpu C] CAPTURE SIPMON_A SIPMON_B [SIPMON...]

Each binary is timed from K copies of its file (default 3), round r running copy r mod K: on these
VMs two files with the same bytes ran up to 4.4 % apart, pinned and ABBA, in every round of a run
(where the kernel put each file's pages: docs/performance.md, "Identical binaries, different
times"), which is more than most single changes this harness is asked to judge. A first, untimed
round runs every copy once: it brings the capture and the copies into the page cache (the first
run of a series is otherwise the slowest, by up to 20 %). Then each round
runs every binary once (`replay -q --json CAPTURE`, output discarded), all pinned to one CPU, the
order reversed every other round (ABBA): a host that slows down or speeds up during the run then
weighs on every binary alike. Prints, per binary, the median CPU time of a run
(user + system, as bench/load_bench.py counts it) and its change against the first binary, then
the median user and system times apart: on these VMs the system time (pages the kernel zeroes
for the tables) moves from run to run more than the user time, so a change of 1-3 % is often
clear in the user time alone (docs/performance.md, "How to measure").

It also compares the binaries' reports from the untimed round, byte for byte, and says whether
they are the same: a speed change must not change what sipmon reports (bench/same_reports.sh
checks that on every capture). A figure here is a measurement, never a verdict: its own
docs/performance.md section says how many rounds and runs a conclusion needs.
"""
import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


def run_pinned(binary, capture, cpu):
    """One replay on `cpu`; returns (user s, system s, sha256 of its report)."""
    def pin():
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    process = subprocess.Popen([binary, "replay", "-q", "--json", capture], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, preexec_fn=pin)
    digest = hashlib.sha256()
    for chunk in iter(lambda: process.stdout.read(1 << 16), b""):
        digest.update(chunk)
    error = process.stderr.read()
    # wait4 gives this child's own resource usage, not that of every child so far.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{binary} replay {capture}: exit {process.returncode}\n{error.decode(errors='replace')}")
    return usage.ru_utime, usage.ru_stime, digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("capture")
    parser.add_argument("binaries", nargs="+", metavar="sipmon")
    parser.add_argument("--rounds", type=int, default=8, help="rounds of one run per binary (default 8)")
    parser.add_argument("--copies", type=int, default=3,
                        help="files each binary is copied to and run from in turn (default 3)")
    parser.add_argument("--cpu", type=int, default=None,
                        help="the CPU every run is pinned to (default: the last one this process may use)")
    options = parser.parse_args()
    if len(options.binaries) < 2:
        parser.error("give at least two sipmon binaries to compare")
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    if options.copies < 1:
        parser.error("--copies must be at least 1")
    for binary in options.binaries:
        if not os.access(binary, os.X_OK):
            parser.error(f"not an executable: {binary}")
    if not os.path.isfile(options.capture):
        parser.error(f"no such capture: {options.capture}")
    cpu = options.cpu if options.cpu is not None else max(os.sched_getaffinity(0))

    names = [f"[{i}] {binary}" for i, binary in enumerate(options.binaries)]
    user = {name: [] for name in names}
    system = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="sipmon-ab.") as scratch:
        copies = {name: [shutil.copy2(binary, os.path.join(scratch, f"{i}-{k}"))
                         for k in range(options.copies)]
                  for i, (name, binary) in enumerate(zip(names, options.binaries))}
        # The untimed round: every copy of every binary once, their reports' digests kept.
        digests = {run_pinned(copy, options.capture, cpu)[2] for name in names for copy in copies[name]}
        for round_number in range(options.rounds):
            order = list(names)
            if round_number % 2 == 1:
                order.reverse()
            for name in order:
                u, s, _ = run_pinned(copies[name][round_number % options.copies], options.capture, cpu)
                user[name].append(u)
                system[name].append(s)
            print(f"round {round_number + 1}/{options.rounds} done", file=sys.stderr)

    def median_total(name):
        return statistics.median(u + s for u, s in zip(user[name], system[name]))

    base_total = median_total(names[0])
    base_user = statistics.median(user[names[0]])
    print(f"{options.rounds} rounds, ABBA, {options.copies} copies of each binary in turn, pinned to CPU {cpu}: "
          f"{options.capture}")
    print(f"{'binary':<48} {'cpu s':>7} {'change':>8} {'user s':>7} {'change':>8} {'sys s':>6}  all cpu s")
    for name in names:
        total = median_total(name)
        u = statistics.median(user[name])
        s = statistics.median(system[name])
        runs = " ".join(f"{a + b:.2f}" for a, b in zip(user[name], system[name]))
        print(f"{name:<48} {total:>7.3f} {(total / base_total - 1) * 100:>+7.1f}% {u:>7.3f} "
              f"{(u / base_user - 1) * 100:>+7.1f}% {s:>6.3f}  {runs}")
    same = len(digests) == 1
    print("reports: " + ("the same, byte for byte" if same else "DIFFER between the binaries"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
