#!/usr/bin/env python3
"""Issue 22's measurement: live RTP measured in the kernel (the default) against copied to user
space (--rtp-in-user-space), at 10 000 concurrent streams, over a veth pair.

bench/media_concurrent.py writes N calls (2 N RTP streams, 20 ms packets, ~1 % loss per stream
that it counts itself) as three captures: signalling, RTP, BYEs. This script makes two network
namespaces joined by a veth pair (no address but loopback's: the frames are addressed to MACs
nobody has, the receiving stack drops them after the capture saw them), runs `sipmon live` on the
receiving end, and replays the three captures with tcpreplay (--pps) from the other end, once
per mode. Per mode it measures, over the RTP replay only:

- the socket filter's kernel time per packet: kernel.bpf_stats_enabled=1 (restored afterwards)
  and the program's run_time_ns / run_cnt from `bpftool prog show`;
- sipmon's CPU (user + system, /proc/<pid>/stat) per RTP packet;
- ring buffer records and bytes (sipmon's capture.kernel.ring_buffer_*), drops;

and checks that each mode's media figures equal the generator's truth, in total and per stream
(call records), and each other (exit 1 otherwise). Figures are indicative: the machine's load
average is printed with them.

    sudo flock /tmp/sipmon-live.lock bench/media_live_veth.py [--calls 5000] [--packets 150] [--pps 50000]

--check (the e2e test, tests/e2e/live_media_kernel_test.sh) runs without bpftool figures and exits
77 (skipped) when it cannot run: not root, a build without eBPF, a tool missing.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = int(os.environ.get("SIPMON_SKIP_CODE", "77"))


def sh(*cmd, check=True, capture=False):
    return subprocess.run(cmd, check=check, text=True, capture_output=capture)


def cpu_seconds(pid):
    """User + system CPU of a process (all its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def filter_programs():
    """{id: (run_time_ns, run_cnt)} of every loaded sipmon socket filter."""
    out = sh("bpftool", "-j", "prog", "show", capture=True).stdout
    return {p["id"]: (p.get("run_time_ns", 0), p.get("run_cnt", 0)) for p in json.loads(out)
            if p.get("name") == "sipmon_filter"}


def filter_stats(program):
    """run_time_ns, run_cnt of one program (bpftool lists no owner pid here: the program is the one
    that appeared when this sipmon started)."""
    return filter_programs()[program]


def wait_for(path, pattern, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if re.search(pattern, open(path).read()):
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return False


class Namespaces:
    """Two namespaces joined by a veth pair, removed on exit whatever happens."""

    def __init__(self):
        tag = f"{os.getpid() % 100000}"
        self.a, self.b = f"sipmon-veth-a-{tag}", f"sipmon-veth-b-{tag}"
        self.if_a, self.if_b = f"smva{tag}", f"smvb{tag}"

    def __enter__(self):
        sh("ip", "netns", "add", self.a)
        sh("ip", "netns", "add", self.b)
        sh("ip", "link", "add", self.if_a, "netns", self.a, "type", "veth", "peer", "name", self.if_b, "netns", self.b)
        for ns, dev in ((self.a, self.if_a), (self.b, self.if_b)):
            # No IPv6 on the pair: no neighbour discovery or MLD frames among the measured packets.
            sh("ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", dev, "up")
        return self

    def __exit__(self, *_):
        sh("ip", "netns", "del", self.a, check=False)
        sh("ip", "netns", "del", self.b, check=False)

    def rx(self):
        out = sh("ip", "-n", self.b, "-s", "-j", "link", "show", self.if_b, capture=True).stdout
        stats = json.loads(out)[0]["stats64"]["rx"]
        return stats["packets"], stats["dropped"]


def tcpreplay(ns, capture, pps):
    out = sh("ip", "netns", "exec", ns.a, "tcpreplay", "-i", ns.if_a, f"--pps={pps}", capture, capture=True).stdout
    failed = re.search(r"Failed packets:\s+(\d+)", out)
    rate = re.search(r"Rated:.*?([\d.]+) pps", out)
    return (int(failed.group(1)) if failed else None), (float(rate.group(1)) if rate else None)


def run_mode(args, ns, work, files, mode, stats):
    out, records, err = (os.path.join(work, f"{mode}.{x}") for x in ("json", "jsonl", "err"))
    cmd = ["ip", "netns", "exec", ns.b, args.sipmon, "live", "-i", ns.if_b, "--source", "ebpf", "--out", out,
           "--calls", records]
    if mode == "user":
        cmd.append("--rtp-in-user-space")
    before = set(filter_programs()) if stats else set()
    proc = subprocess.Popen(cmd, stderr=open(err, "w"), stdout=subprocess.DEVNULL)
    result = {"mode": mode}
    try:
        if not wait_for(err, "capturing on", 30):
            raise RuntimeError(f"sipmon live did not start: {open(err).read()}")
        program = None
        if stats:
            new = set(filter_programs()) - before
            if len(new) != 1:
                raise RuntimeError(f"expected one new sipmon_filter program, found {sorted(new)}")
            program = new.pop()
        tcpreplay(ns, files["sip"], args.pps)
        time.sleep(2)  # the engine has read the SDP and written the 20 000 endpoints into the filter's map
        rx0 = ns.rx()
        cpu0 = cpu_seconds(proc.pid)
        bpf0 = filter_stats(program) if stats else (0, 0)
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        failed, rate = tcpreplay(ns, files["rtp"], args.pps)
        send_s = time.monotonic() - t0
        time.sleep(2.5)  # the ring buffer drained, the stream map read (every second) after the last packet
        cpu1 = cpu_seconds(proc.pid)
        window_s = time.monotonic() - t0
        bpf1 = filter_stats(program) if stats else (0, 0)
        rx1 = ns.rx()
        load1 = os.getloadavg()[0]
        # No packets now, the streams still live: what sipmon spends per second without traffic
        # (the kernel path reads the 10 000-entry stream map every second; the copy path nothing).
        time.sleep(args.idle)
        idle_rate = (cpu_seconds(proc.pid) - cpu1) / args.idle if args.idle > 0 else 0.0
        tcpreplay(ns, files["bye"], args.pps)
        time.sleep(1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"sipmon live ({mode}) exited with {proc.returncode}: {open(err).read()}")
    report = json.load(open(out))
    kernel = report["capture"]["kernel"]
    result.update(report=report, kernel=kernel, drops=report["capture"].get("drops", {}), cpu=cpu1 - cpu0,
                  bpf_ns=bpf1[0] - bpf0[0], bpf_runs=bpf1[1] - bpf0[1], rx=rx1[0] - rx0[0],
                  rx_dropped=rx1[1] - rx0[1], send_failed=failed, rate=rate, send_s=send_s, load=(load0, load1),
                  window_s=window_s, idle_rate=idle_rate)
    streams = {}
    for line in open(records):
        record = json.loads(line)
        for e in record["media"]:
            streams[(record["call_id"], e["direction"], e["ssrc"])] = (
                e["packets"], e["expected"], e["lost"], e["duplicates"], e["out_of_order"])
    result["streams"] = streams
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sipmon", default=os.path.join(HERE, "..", "build", "sipmon"))
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--packets", type=int, default=150)
    parser.add_argument("--pps", type=int, default=50000)
    parser.add_argument("--modes", default="kernel,user")
    parser.add_argument("--idle", type=float, default=4.0, help="seconds without traffic measured after the RTP")
    parser.add_argument("--check", action="store_true", help="agreement only, no bpftool figures; 77 when it cannot run")
    parser.add_argument("--work", help="keep the captures and reports here")
    args = parser.parse_args()
    args.sipmon = os.path.abspath(args.sipmon)

    def cannot(why):
        if args.check:
            print("SKIPPED: " + why)
            sys.exit(SKIP)
        sys.exit(why)

    if os.geteuid() != 0:
        cannot("needs root (namespaces, a veth pair, eBPF)")
    if os.environ.get("SIPMON_WITH_EBPF", "1") != "1":
        cannot("this build has no eBPF source")
    for tool in ["ip", "tcpreplay"] + ([] if args.check else ["bpftool"]):
        if not shutil.which(tool):
            cannot(f"{tool} is not installed")

    work = args.work or tempfile.mkdtemp(prefix="sipmon-live-veth.")
    os.makedirs(work, exist_ok=True)
    stats_path = "/proc/sys/kernel/bpf_stats_enabled"
    stats_before = None
    try:
        files = {k: os.path.join(work, f"{k}.pcap") for k in ("sip", "rtp", "bye")}
        truth_path = os.path.join(work, "truth.json")
        sh(sys.executable, os.path.join(HERE, "media_concurrent.py"), files["sip"], "--rtp-out", files["rtp"],
           "--bye-out", files["bye"], "--calls", str(args.calls), "--packets", str(args.packets), "--truth", truth_path)
        truth = json.load(open(truth_path))
        expected = {(s["call_id"], s["direction"], s["ssrc"]): (s["packets"], s["expected"], s["lost"], 0, 0)
                    for s in truth["per_stream"]}
        stats = not args.check
        if stats:
            stats_before = open(stats_path).read().strip()
            with open(stats_path, "w") as f:
                f.write("1")
        results = []
        with Namespaces() as ns:
            # A filter that does not load fails the run (as in the other live tests): never a skip.
            for mode in args.modes.split(","):
                results.append(run_mode(args, ns, work, files, mode, stats))
    finally:
        if stats_before is not None:
            with open(stats_path, "w") as f:
                f.write(stats_before)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    rtp = truth["rtp_frames"]
    problems = []
    for r in results:
        media = r["report"].get("media") or {}
        for key in ("streams", "packets", "expected", "lost"):
            if media.get(key) != truth[key]:
                problems.append(f"{r['mode']}: media.{key} {media.get(key)}, generator {truth[key]}")
        wrong = [k for k in expected if r["streams"].get(k) != expected[k]]
        if wrong or len(r["streams"]) != len(expected):
            problems.append(f"{r['mode']}: {len(wrong)} of {len(expected)} streams differ from the generator (e.g. "
                            f"{wrong[:1]}: {r['streams'].get(wrong[0]) if wrong else None}), {len(r['streams'])} "
                            "streams in the call records")
        lost = sum(v for v in r["drops"].values())
        if lost:
            problems.append(f"{r['mode']}: drops {r['drops']}")
    if len(results) == 2 and results[0]["streams"] != results[1]["streams"]:
        differ = [k for k in results[0]["streams"] if results[0]["streams"][k] != results[1]["streams"].get(k)]
        problems.append(f"kernel and user-space paths differ on {len(differ)} streams (e.g. {differ[:1]})")

    print(f"{os.cpu_count()} CPUs, {args.calls} calls, {truth['streams']} streams, {rtp} RTP packets "
          f"({args.packets} per stream, 20 ms), tcpreplay --pps {args.pps} over a veth pair")
    print("| path | load avg | sent (pps) | filter runs | filter ns/packet | sipmon CPU | sipmon CPU/s idle | "
          "sipmon ns/RTP packet | ring buffer records | ring buffer bytes | bytes/RTP packet | rtp_in_kernel | drops |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        k = r["kernel"]
        per_run = r["bpf_ns"] / r["bpf_runs"] if r["bpf_runs"] else float("nan")
        drops = {d: v for d, v in r["drops"].items() if v}
        # Per packet: the RTP window's CPU less what the same window costs without packets.
        per_packet = max(0.0, r["cpu"] - r["idle_rate"] * r["window_s"]) * 1e9 / rtp
        print(f"| {r['mode']} | {r['load'][0]:.1f}-{r['load'][1]:.1f} | {r['rate'] or 0:.0f} | {r['bpf_runs']} | "
              f"{per_run:.0f} | {r['cpu']:.2f} s in {r['window_s']:.1f} s | {r['idle_rate'] * 1000:.0f} ms | "
              f"{per_packet:.0f} | {k.get('ring_buffer_records')} | {k.get('ring_buffer_bytes')} | "
              f"{k.get('ring_buffer_bytes', 0) / rtp:.1f} | {k.get('rtp_in_kernel')} | {drops or 0}; veth rx {r['rx']} "
              f"(dropped {r['rx_dropped']}), tcpreplay failed {r['send_failed']} |")
    print("(filter and sipmon CPU over the RTP replay and 2.5 s after it; 'sipmon ns/RTP packet' is that CPU less "
          "the idle rate over the same time; ring buffer figures over the whole run, signalling and BYEs included)")
    streams_live = truth["streams"]
    for r in results:
        per_packet = max(0.0, r["cpu"] - r["idle_rate"] * r["window_s"]) / rtp
        per_run = r["bpf_ns"] / r["bpf_runs"] * 1e-9 if r["bpf_runs"] else 0.0
        real = streams_live * 50  # packets per second of these streams in real time (20 ms)
        print(f"{r['mode']}: at the streams' real rate ({real} packets/s) that is {real * per_run:.2f} CPU-s/s in the "
              f"filter + {real * per_packet + r['idle_rate']:.2f} CPU-s/s in sipmon")
    for r in results:
        m = r["report"].get("media") or {}
        print(f"{r['mode']}: media streams {m.get('streams')}, packets {m.get('packets')}, expected {m.get('expected')}, "
              f"lost {m.get('lost')}; kernel streams {r['kernel'].get('rtp_kernel_streams')}, map full "
              f"{r['kernel'].get('rtp_stream_map_full')}, update collisions {r['kernel'].get('rtp_update_collisions')}")
    print(f"truth: streams {truth['streams']}, packets {truth['packets']}, expected {truth['expected']}, lost {truth['lost']}")
    for p in problems:
        print("FAIL: " + p)
    print("agreement: " + ("PASS (each path equals the generator, in total and per stream, and the other path)"
                           if not problems else "FAIL"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
