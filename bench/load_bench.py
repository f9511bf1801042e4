#!/usr/bin/env python3
"""End-to-end replay benchmark on a realistic load capture (docs/performance.md, "Method").

Writes a capture of many distinct calls with bench/load_capture.cpp (deterministic seed), then
times, alternately in one run (round after round, each tool once per round), over the same file
in the page cache:
  libpcap   a bare pcap_next_ex walk (bench/read_floor.cpp): the floor sipmon is measured against
  read      a plain read() walk of the pcap records: the file without libpcap
  sipmon    `sipmon replay --json` (every other binary given with --sipmon too, e.g. a baseline)
  sipmon, from a pipe: the first sipmon reading the capture from standard input, a pipe
  sipmon --no-media: the first sipmon, signalling only (no SDP read, no media tables)
  sipmon, tables in cache: the first sipmon over a second capture of the same calls, made at
            --reference-rate calls/s (default 10): a few hundred calls at once, so the engine's
            tables stay in the caches while it runs the same code per message. The difference
            to the `sipmon` row is what the misses into the tables cost at the load rate.
and once, on the first 100 000 packets, tshark's `-z sip,stat` and sngrep reading the file without
its interface (`-N -q`: it parses and stores every dialog, then exits). Prints, per tool, the median over
rounds of the CPU time (user + system, from getrusage of the child: what the process itself cost,
the fairest figure on a machine shared with other work) and of the wall-clock time, each per
packet and as a ratio to libpcap; then sipmon's table evictions and whether its counts match the
figures the generator computed. The timed rounds run each one-thread tool on one CPU (--cpu,
default the last): the target is one core, and unpinned rounds varied far more. A measuring
script: it fails only if a tool fails or a count is wrong, never on a time.

  bench/load_bench.py --build BUILD_DIR [--sipmon BIN ...] [--threads N ...] [--calls N] [--rate R] [--rounds K] [--cpu C]

--threads N (repeatable) times each sipmon also as `replay --threads N` (docs/performance.md,
"Both cores"), and checks that its report is byte for byte the one-thread report.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time


# A tool whose argv names this file reads the capture from a pipe (`replay -`) instead.
PIPE = "-"


def run_tool(argv, stdout, pin=None, feed=None):
    """Runs argv; with `feed` (a file), writes it into the tool's standard input through a pipe from
    a thread of this process, whose CPU time is not the child's."""
    if feed is None:
        subprocess.run(argv, stdout=stdout, stderr=subprocess.DEVNULL, check=True, preexec_fn=pin)
        return
    read_end, write_end = os.pipe()

    def write():
        try:
            with open(feed, "rb") as source:
                offset, size = 0, os.fstat(source.fileno()).st_size
                while offset < size:
                    offset += os.sendfile(write_end, source.fileno(), offset, size - offset)
        except BrokenPipeError:
            pass  # the tool stopped reading: its exit status says why
        finally:
            os.close(write_end)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        subprocess.run(argv, stdin=read_end, stdout=stdout, stderr=subprocess.DEVNULL, check=True, preexec_fn=pin)
    finally:
        os.close(read_end)
        writer.join()


def timed(argv, stdout, cpu=None, feed=None):
    """Runs argv (on CPU `cpu` alone, when given); returns (wall s, cpu s) of that child alone."""
    pin = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run_tool(argv, stdout, pin, feed)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, help="build directory with sipmon and bench/")
    parser.add_argument("--sipmon", action="append", default=[], help="sipmon binaries to time (default BUILD/sipmon)")
    parser.add_argument("--calls", type=int, default=150000)
    parser.add_argument("--rate", type=float, default=1400)
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, action="append", default=[],
                        help="also time `replay --threads N` (repeatable)")
    parser.add_argument("--keep", help="write the capture here and keep it (default: a temporary directory)")
    parser.add_argument("--reference-rate", type=float, default=10,
                        help="calls/s of the tables-in-cache reference capture (0: leave it out)")
    parser.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)),
                        help="run every one-thread tool on this CPU alone (default the last one this process may "
                             "use; -1: anywhere)")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    binaries = [os.path.abspath(b) for b in args.sipmon] or [os.path.join(build, "sipmon")]
    generator = os.path.join(build, "bench", "sipmon_load_capture")
    floor = os.path.join(build, "bench", "sipmon_read_floor")
    for tool in binaries + [generator, floor]:
        if not os.access(tool, os.X_OK):
            sys.exit(f"missing {tool}: build the targets sipmon sipmon_load_capture sipmon_read_floor")

    work = tempfile.mkdtemp(prefix="sipmon-load-bench.")
    try:
        capture = args.keep or os.path.join(work, "load.pcap")
        def make(path, rate):
            made = subprocess.run([generator, path, "--calls", str(args.calls), "--rate", str(rate),
                                   "--seed", str(args.seed)], check=True, capture_output=True, text=True)
            return json.loads(made.stdout)
        expected = make(capture, args.rate)
        packets = expected["packets"]
        size = os.path.getsize(capture)
        print(f"capture: {packets} packets, {size / 1e6:.0f} MB, {expected['calls']} calls at "
              f"{expected['calls_per_s']:.0f}/s over {expected['seconds']:.0f} s, peak "
              f"{expected['peak_confirmed_dialogs']} confirmed dialogs, {expected['registrations']} "
              f"registrations, {expected['options_pings']} OPTIONS pings, retransmissions "
              f"{expected['retransmissions']}")

        tools = [("libpcap", [floor, "libpcap", capture]), ("read", [floor, "read", capture])]
        for index, binary in enumerate(binaries):
            name = "sipmon" if len(binaries) == 1 else f"sipmon[{index}] {binary}"
            if index == 0:
                first_sipmon = name
            tools.append((name, [binary, "replay", "--json", capture]))
            for threads in args.threads:
                tools.append((f"{name} --threads {threads}", [binary, "replay", "--json", "--threads", str(threads), capture]))
        # The same replay with the capture arriving through a pipe, as from `tcpdump -w -` or a
        # decompressor: read in blocks too (docs/performance.md, "Standard input, pipes and
        # compressed input in blocks").
        tools.append(("sipmon, from a pipe", [binaries[0], "replay", "--json", PIPE]))
        # Signalling only (`--no-media`): the engine as issue 26 scopes it, without the media
        # tracker's SDP reading and tables (docs/performance.md, "Signalling only").
        tools.append(("sipmon --no-media", [binaries[0], "replay", "--json", "--no-media", capture]))
        # Tool name -> (what the generator computed for its capture, the capture's packets).
        inputs = {name: (expected, packets) for name, _ in tools}
        if args.reference_rate > 0:
            reference = os.path.join(work, "reference.pcap")
            reference_expected = make(reference, args.reference_rate)
            reference_name = f"sipmon, tables in cache ({args.reference_rate:g} calls/s)"
            tools.append((reference_name, [binaries[0], "replay", "--json", reference]))
            inputs[reference_name] = (reference_expected, reference_expected["packets"])
            print(f"reference: the same {reference_expected['calls']} calls at {args.reference_rate:g}/s, "
                  f"{reference_expected['packets']} packets, peak {reference_expected['peak_confirmed_dialogs']} "
                  f"confirmed dialogs")
        # Warm the page cache, and keep every sipmon's report for the checks below.
        reports = {}
        texts = {}
        def feed_of(argv):
            return capture if argv[-1] == PIPE else None
        for name, argv in tools:
            with open(os.path.join(work, "out.json"), "w") as out:
                run_tool(argv, out, feed=feed_of(argv))
            if argv[1] == "replay":
                with open(os.path.join(work, "out.json")) as out:
                    texts[name] = out.read()
                    reports[name] = json.loads(texts[name])
        samples = {name: [] for name, _ in tools}
        # Every other round runs the tools in reverse order: on this project's VMs a process's
        # place in a round moved its time by up to ~25 % (docs/performance.md, "Keys in words").
        # One CPU for every one-thread tool: on these VMs a process the scheduler moves between the
        # two CPUs took up to ~40 % longer in some rounds, and pinned rounds agree within ~2 %
        # (docs/performance.md, "RTCP held by its RTP endpoint"). `--threads` runs use both.
        cpu = args.cpu if args.cpu >= 0 else None
        for round_number in range(args.rounds):
            for name, argv in (tools if round_number % 2 == 0 else tools[::-1]):
                samples[name].append(timed(argv, subprocess.DEVNULL, None if "--threads" in argv else cpu, feed_of(argv)))

        floor_wall = statistics.median(w for w, _ in samples["libpcap"])
        floor_cpu = statistics.median(c for _, c in samples["libpcap"])
        print(f"\nmedian of {args.rounds} alternating rounds (every other one reversed), per packet ({os.cpu_count()} cores, load "
              f"{os.getloadavg()[0]:.1f}):")
        print(f"{'tool':<40} {'cpu ns/pkt':>11} {'x libpcap':>10} {'wall ns/pkt':>12} {'x libpcap':>10}")
        # Ratios per packet: the reference capture has a few more packets (OPTIONS pings over its
        # longer span) than the load capture the floor was timed on.
        floor_cpu_ns = floor_cpu * 1e9 / packets
        floor_wall_ns = floor_wall * 1e9 / packets
        cpu_per_packet = {}
        for name, _ in tools:
            count = inputs[name][1]
            cpu_ns = statistics.median(c for _, c in samples[name]) * 1e9 / count
            wall_ns = statistics.median(w for w, _ in samples[name]) * 1e9 / count
            cpu_per_packet[name] = cpu_ns
            print(f"{name:<40} {cpu_ns:>11.0f} {cpu_ns / floor_cpu_ns:>10.2f} {wall_ns:>12.0f} "
                  f"{wall_ns / floor_wall_ns:>10.2f}")
        if args.reference_rate > 0:
            loaded = cpu_per_packet[first_sipmon]
            cached = cpu_per_packet[reference_name]
            print(f"misses into the tables at {args.rate:g} calls/s: ~{loaded - cached:.0f} CPU ns a packet, "
                  f"{(loaded - cached) / loaded:.0%} of sipmon's")

        # tshark and sngrep on a subset (they are 10-100x slower): the same first packets for sipmon
        # and the floor.
        if shutil.which("tshark") and shutil.which("editcap"):
            subset = os.path.join(work, "subset.pcap")
            subset_packets = min(100000, packets)
            subprocess.run(["editcap", "-r", capture, subset, f"1-{subset_packets}"], check=True)
            rows = [("libpcap", [floor, "libpcap", subset]), ("sipmon", [binaries[0], "replay", "--json", subset]),
                    ("tshark -z sip,stat", ["tshark", "-n", "-q", "-z", "sip,stat", "-r", subset])]
            if shutil.which("sngrep"):
                # -F: no user configuration; -l: a dialog limit above what the subset holds (20 000
                # by default), so that it keeps every dialog as sipmon does.
                rows.append(("sngrep -N -q", ["sngrep", "-N", "-q", "-F", "-l", "10000000", "-I", subset]))
            else:
                print("\nsngrep: not installed, left out of the subset table")
            first = {}
            print(f"\nfirst {subset_packets} packets, one run each:")
            for name, argv in rows:
                wall, cpu = timed(argv, subprocess.DEVNULL)
                first.setdefault("cpu", cpu)
                print(f"{name:<40} {cpu * 1e9 / subset_packets:>11.0f} {cpu / first['cpu']:>10.2f}")
        else:
            print("\ntshark: not installed, skipped")

        failures = 0
        for name, report in reports.items():
            want, count = inputs[name]
            print(f"\n{name}: table_evictions {json.dumps(report['table_evictions'], sort_keys=True)}")
            for field in ("requests", "responses", "retransmissions"):
                got = {k: v for k, v in report[field].items() if v}
                if got != want[field]:
                    failures += 1
                    print(f"  {field}: sipmon {got} != generator {want[field]}")
            if report["capture"]["sip_messages"] != count:
                failures += 1
                print(f"  sip_messages {report['capture']['sip_messages']} != {count}")
        for name in texts:
            base = first_sipmon if name == "sipmon, from a pipe" else name.split(" --threads ")[0]
            # (A pipe's report names its input "-": the rest must be the file's, byte for byte.)
            text = texts[name].replace('"-"', json.dumps(capture)) if name == "sipmon, from a pipe" else texts[name]
            if name != base and text != texts[base]:
                failures += 1
                print(f"  {name}: report differs from {base}'s")
        print("\ncounts: " + ("all match the generator" if failures == 0 else f"{failures} mismatches"))
        return 1 if failures else 0
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
