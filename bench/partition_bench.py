#!/usr/bin/env python3
"""What the misses into the engine's tables cost, by splitting the calls rather than slowing them
(docs/performance.md, "The same calls split by Call-ID").

load_bench.py estimates the misses from a second capture of the same calls at 10 calls/s, whose
tables stay in the caches; that capture has other timings, other concurrency and more OPTIONS
pings. This one keeps the load capture's packets and times and splits them instead: each packet
goes to one of K files by the FNV-1a hash of its Call-ID (as `replay --threads` routes messages;
a packet without one to file 0), so each file holds 1/K of the calls at the load's own rate, and
one `sipmon replay` of each holds tables 1/K the size. Times, alternately in one run, pinned to
one CPU: libpcap's walk of the whole capture (the floor), one replay of the whole capture, and for
each K the K replays of its files one after another; then K replays of a capture with no packets
(what K processes cost to start and end, subtracted). The per-packet CPU time of the split replays,
against the whole one, is what the tables' misses cost: with K large enough that every file's
tables fit in the caches, what is left is instructions. Every replay's report is checked: the
split replays' message counts must add up to the whole replay's. A measuring script: it fails
only if a tool fails or a count is wrong, never on a time.

  bench/partition_bench.py --build BUILD_DIR [--capture FILE.pcap | --calls N] [--parts 4,16] [--rounds 3] [--cpu C]
"""
import argparse
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_bench import timed  # noqa: E402  (same directory)

CALL_ID = re.compile(rb"\r\n(?:call-id|i)[ \t]*:[ \t]*([^\r\n]*)", re.IGNORECASE)


def fnv1a(data):
    h = 2166136261
    for byte in data:
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h


def split(capture, parts_list, directory):
    """Writes capture's records into classic pcap files by Call-ID, `parts` files for each number in
    parts_list, in one pass over the capture (each record's Call-ID is found and hashed once);
    returns {parts: the files' paths}."""
    with open(capture, "rb") as source:
        data = source.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit(f"{capture}: not a little-endian classic pcap file (sipmon_load_capture writes one)")
    paths = {parts: [os.path.join(directory, f"part{parts}-{i:03d}.pcap") for i in range(parts)]
             for parts in parts_list}
    outputs = {parts: [open(path, "wb") for path in files] for parts, files in paths.items()}
    try:
        for files in outputs.values():
            for output in files:
                output.write(data[:24])
        pos = 24
        while pos + 16 <= len(data):
            length = struct.unpack_from("<I", data, pos + 8)[0]
            record = data[pos:pos + 16 + length]
            found = CALL_ID.search(record, 16)
            hashed = fnv1a(found.group(1).strip()) if found else None
            for parts, files in outputs.items():
                files[hashed % parts if hashed is not None else 0].write(record)
            pos += 16 + length
    finally:
        for files in outputs.values():
            for output in files:
                output.close()
    return paths


def counts(report):
    return {key: report.get(key) for key in ("requests", "responses")}


def add_counts(total, report):
    for section in ("requests", "responses"):
        for name, value in report.get(section, {}).items():
            total[section][name] = total[section].get(name, 0) + value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, help="build directory with sipmon and bench/")
    parser.add_argument("--capture", help="a classic pcap capture (default: the load capture, written with "
                        "sipmon_load_capture's defaults)")
    parser.add_argument("--calls", type=int, help="calls in the generated capture (default the generator's: 150 000)")
    parser.add_argument("--parts", default="4,16", help="comma-separated numbers of files to split into")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)),
                        help="run every process on this CPU alone (-1: anywhere)")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    sipmon = os.path.join(build, "sipmon")
    floor = os.path.join(build, "bench", "sipmon_read_floor")
    generator = os.path.join(build, "bench", "sipmon_load_capture")
    parts_list = [int(p) for p in args.parts.split(",") if p]
    cpu = args.cpu if args.cpu >= 0 else None

    with tempfile.TemporaryDirectory(prefix="sipmon-partition-bench.") as work:
        capture = args.capture
        if capture is None:
            capture = os.path.join(work, "load.pcap")
            calls = ["--calls", str(args.calls)] if args.calls else []
            subprocess.run([generator, capture, *calls], check=True, stdout=subprocess.DEVNULL)
        empty = os.path.join(work, "empty.pcap")
        with open(capture, "rb") as source, open(empty, "wb") as out:
            out.write(source.read(24))
        sets = {"whole": [capture]}
        for parts, paths in split(capture, parts_list, work).items():
            sets[f"{parts} files"] = paths

        # The reports, once (this also warms the page cache): the split replays must count what
        # the whole one counts.
        def report(path):
            made = subprocess.run([sipmon, "replay", "-q", "--json", path], check=True, capture_output=True)
            return json.loads(made.stdout)
        whole = report(capture)
        packets = whole["capture"]["packets"]
        for name, paths in sets.items():
            if name == "whole":
                continue
            total = {"requests": {}, "responses": {}}
            for path in paths:
                add_counts(total, report(path))
            if total != counts(whole):
                sys.exit(f"{name}: the files' counts {total} differ from the whole capture's {counts(whole)}")

        def cpu_of(paths):
            return sum(timed([sipmon, "replay", "-q", "--json", path], subprocess.DEVNULL, cpu)[1] for path in paths)
        rows = [("libpcap", lambda: timed([floor, "libpcap", capture], subprocess.DEVNULL, cpu)[1])]
        rows += [(name, lambda paths=paths: cpu_of(paths)) for name, paths in sets.items()]
        starts = {name: len(paths) for name, paths in sets.items()}
        startup = []
        samples = {name: [] for name, _ in rows}
        for round_number in range(args.rounds):
            for name, run in (rows if round_number % 2 == 0 else rows[::-1]):
                samples[name].append(run())
            startup.append(cpu_of([empty]))
        start_cpu = statistics.median(startup)
        floor_ns = statistics.median(samples["libpcap"]) * 1e9 / packets
        print(f"capture: {capture}, {packets} packets; a replay of no packets costs {start_cpu * 1e3:.1f} ms CPU "
              f"(subtracted once per process)")
        print(f"median of {args.rounds} alternating rounds, one CPU, load {os.getloadavg()[0]:.1f}:")
        print(f"{'replay':<24} {'cpu ns/pkt':>11} {'x libpcap':>10} {'x whole':>8}")
        whole_ns = None
        for name, _ in rows:
            cpu_s = statistics.median(samples[name]) - (starts.get(name, 0) * start_cpu)
            ns = cpu_s * 1e9 / packets
            if name == "whole":
                whole_ns = ns
            relative = f"{ns / whole_ns:>8.2f}" if whole_ns is not None and name != "libpcap" else f"{'':>8}"
            print(f"{name:<24} {ns:>11.0f} {ns / floor_ns:>10.2f} {relative}")
        print("counts: the files of each split add up to the whole capture's")


if __name__ == "__main__":
    main()
