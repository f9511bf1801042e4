#!/usr/bin/env python3
"""Memory and CPU of media tracking in replay (issue 21): a generated capture of N concurrent calls
(2 N RTP streams live at once, bench/media_concurrent.py) against a signalling-only capture of
the same calls, replayed alternately, best of --runs.

Prints: max RSS of both replays and the difference per stream, beside the bytes per stream the
tables reserve (sipmon_media_memory); CPU (user + system) of both and the difference per RTP
packet; and checks the replay's media figures against the generator's truth, in total and per
stream (call records), exiting 1 on any difference. Figures are indicative on a shared machine:
the load average is printed with them.

    bench/media_replay_cost.py [--sipmon build/sipmon] [--calls 5000] [--packets 150] [--runs 3]

The captures are read from standard input (not mapped): a mapped file's pages count in the
resident set size and would hide the tables' (a 350 MB capture maps 350 MB).
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(sipmon, capture, extra=()):
    """One replay from stdin: (user + system CPU s, max RSS KiB, wall s, report)."""
    import time
    with open(capture, "rb") as stdin, tempfile.TemporaryFile() as stdout:
        start = time.monotonic()
        proc = subprocess.Popen([sipmon, "replay", "-", "--json", "--quiet", *extra], stdin=stdin, stdout=stdout)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            sys.exit(f"sipmon replay {capture} exited with {proc.returncode}")
        stdout.seek(0)
        return usage.ru_utime + usage.ru_stime, usage.ru_maxrss, wall, json.load(stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sipmon", default=os.path.join(HERE, "..", "build", "sipmon"))
    parser.add_argument("--media-memory", default=None, help="sipmon_media_memory (default: next to sipmon, bench/)")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--packets", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", help="directory for the captures (default: a temporary one, removed)")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="sipmon-media-cost.")
    os.makedirs(work, exist_ok=True)
    try:
        full, sig, truth_path = (os.path.join(work, n) for n in ("media.pcap", "signalling.pcap", "truth.json"))
        gen = [sys.executable, os.path.join(HERE, "media_concurrent.py"), "--calls", str(args.calls),
               "--packets", str(args.packets)]
        subprocess.run(gen + [full, "--truth", truth_path], check=True)
        subprocess.run(gen + [sig, "--signalling-only"], check=True)
        truth = json.load(open(truth_path))

        problems = []
        # Correctness first (not timed): totals and every stream against the generator's truth.
        records = os.path.join(work, "calls.jsonl")
        _, _, _, report = run(args.sipmon, full, ["--calls", records])
        media = report.get("media") or {}
        for key in ("streams", "packets", "expected", "lost"):
            if media.get(key) != truth[key]:
                problems.append(f"media.{key}: replay {media.get(key)}, generator {truth[key]}")
        measured = {}
        for line in open(records):
            record = json.loads(line)
            for entry in record["media"]:
                measured[(record["call_id"], entry["direction"], entry["ssrc"])] = (
                    entry["packets"], entry["expected"], entry["lost"])
        expected = {(s["call_id"], s["direction"], s["ssrc"]): (s["packets"], s["expected"], s["lost"])
                    for s in truth["per_stream"]}
        wrong = [k for k in expected if measured.get(k) != expected[k]]
        if wrong or len(measured) != len(expected):
            problems.append(f"per stream: {len(wrong)} of {len(expected)} streams differ from the generator "
                            f"(e.g. {wrong[:1]} replay {measured.get(wrong[0]) if wrong else None}), "
                            f"{len(measured)} streams in the call records")

        samples = {"media": [], "signalling": []}
        for _ in range(args.runs):
            for name, capture in (("signalling", sig), ("media", full)):
                cpu, rss, wall, _ = run(args.sipmon, capture)
                samples[name].append((cpu, rss, wall))
        best = {name: min(s) for name, s in samples.items()}  # least CPU: least disturbed by the load
        rss = {name: max(r for _, r, _ in s) for name, s in samples.items()}
        memory_tool = args.media_memory or os.path.join(os.path.dirname(os.path.abspath(args.sipmon)), "bench",
                                                        "sipmon_media_memory")
        tables = json.loads(subprocess.run([memory_tool], check=True, capture_output=True, text=True).stdout) \
            if os.path.exists(memory_tool) else None

        streams, rtp = truth["streams"], truth["rtp_frames"]
        print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}, "
              f"{os.cpu_count()} CPUs; {args.calls} calls, {streams} streams, {rtp} RTP packets "
              f"({args.packets} per stream, 20 ms), best of {args.runs}")
        print(f"| replay | CPU (user+sys) | wall | max RSS |")
        print(f"| --- | ---: | ---: | ---: |")
        for name in ("signalling", "media"):
            cpu, _, wall = best[name]
            print(f"| {name} | {cpu:.2f} s | {wall:.2f} s | {rss[name] / 1024:.1f} MiB |")
        extra_cpu = best["media"][0] - best["signalling"][0]
        extra_rss = (rss["media"] - rss["signalling"]) * 1024
        print(f"RTP handling: {extra_cpu * 1e9 / rtp:.0f} ns CPU per RTP packet "
              f"({extra_cpu:.2f} s more for {rtp} packets; all runs: media "
              f"{', '.join(f'{c:.2f}' for c, _, _ in samples['media'])} s, signalling "
              f"{', '.join(f'{c:.2f}' for c, _, _ in samples['signalling'])} s)")
        print(f"memory: {extra_rss / 2**20:.1f} MiB more resident with the RTP, {extra_rss / streams:.0f} bytes "
              f"per stream (the streams' table pages and statistics; endpoints and calls come from the SDP, "
              f"in both replays)")
        if tables:
            print(f"tables: stream {tables['stream_bytes']} bytes, endpoint {tables['endpoint_bytes']}, call "
                  f"{tables['call_bytes']} (index share included); a stream of a two-party call "
                  f"{tables['per_stream_of_a_call']} bytes with its endpoint entry (RTP and RTCP ports) and half a call: "
                  f"{tables['per_stream_of_a_call'] * streams / 2**20:.1f} MiB for {streams} streams; "
                  f"default caps reserve {tables['default_reserved_bytes'] / 2**20:.1f} MiB")
        print(f"truth: streams {truth['streams']}, packets {truth['packets']}, expected {truth['expected']}, "
              f"lost {truth['lost']}; replay {', '.join(f'{k} {media.get(k)}' for k in ('streams', 'packets', 'expected', 'lost'))}")
        for p in problems:
            print("FAIL: " + p)
        print("agreement: " + ("PASS (totals and every stream equal the generator's)" if not problems else "FAIL"))
        return 1 if problems else 0
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
