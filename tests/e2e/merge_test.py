#!/usr/bin/env python3
"""`sipmon merge`: the reports of shards combined equal one replay of all their files
(docs/report.md, "Merging reports").

1. Samples, each replayed alone: the merge adds up every count (they are no shards of one capture:
   SIPp reused Via branches between recordings made hours apart, see samples() below).
2. call_mix_test.py's generated mix (1,500 calls of ten kinds, every delay known to the generator)
   split into three shards by call, round robin: the shards overlap in time, every call is whole in
   one shard. The merge of the three reports must equal the replay of the three files together:
   every count, ratio, delay (percentiles, min, max, mean) and sketch.
3. series_test.py's outage capture (20 minutes, a 5-minute outage of 503s and unanswered INVITEs)
   split into three shards by the minute of each call's INVITE (0-3, 4-13, 14-20), replayed with
   `--interval 60s`: the merged series equals the series of one replay, interval by interval, but
   for `calls_active_max`, which adds up the shards' maxima (an upper bound, docs/report.md), and
   the series' delay extremes, which are sketch estimates (within 1 %).
4. peer_kpis_test.py's SBC capture (--peers) in three shards by Call-ID with --interval 60s: the merge equals
   one replay of the three files, per peer and per peer in every interval (the series' estimates
   aside), including a shard's undecided attempts carried into intervals in which it left the peer out.
5. Refusals: reports of different sipmon versions, timers, or --interval, and a report without
   delay_sketches, are refused with exit 2 and a message naming the difference.

Environment: SIPMON, SIPMON_SOURCE_DIR. Prints `P passed, F failed`.
"""
import copy
import glob
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402  (the pass/fail tally)

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
import call_mix_test  # noqa: E402  (the call mix and its pcap writer)
import series_test  # noqa: E402  (the outage capture)

check = Checks()


def run(*args):
    return subprocess.run([SIPMON, *args], capture_output=True, text=True, timeout=300, cwd=SOURCE_DIR)


def replay(files, *extra):
    out = run("replay", "--json", "-q", *extra, *files)
    if out.returncode != 0:
        raise RuntimeError("sipmon replay %s: %s" % (files, out.stderr))
    return json.loads(out.stdout)


def shard_reports(files, tmp, *extra):
    paths = []
    for i, f in enumerate(files):
        path = os.path.join(tmp, "shard-%d.json" % i)
        with open(path, "w") as out:
            json.dump(replay([f], *extra), out)
        paths.append(path)
    return paths


def merge(paths):
    out = run("merge", "--json", *paths)
    if out.returncode != 0:
        raise RuntimeError("sipmon merge: " + out.stderr)
    return json.loads(out.stdout)


def differences(a, b, path=""):
    """Dotted paths where two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in list(a) + [k for k in b if k not in a]:
            out += differences(a.get(key, "<absent>"), b.get(key, "<absent>"), path + "." + key if path else key)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, "%s.%d" % (path, i))]
    if isinstance(a, float) and isinstance(b, float) and path.endswith(".sum"):
        # A sketch's sum: the shards' sums added in another order than one replay's, so equal to
        # the last bits only (the rounded mean beside it is compared exactly).
        return [] if abs(a - b) <= 1e-12 * max(abs(a), abs(b)) else ["%s: %r vs %r" % (path, a, b)]
    return [] if a == b and type(a) is type(b) else ["%s: %r vs %r" % (path, a, b)]


def samples(tmp):
    """The samples are no shards of one capture: SIPp reused its Via branches from one recording to
    the next, and they were recorded hours apart, so one replay of all of them takes some messages
    for retransmissions and moves its packet clock in jumps. The merge must still add up every
    count of the per-file reports, and say what it merged."""
    files = sorted(os.path.relpath(p, SOURCE_DIR) for p in glob.glob(os.path.join(SOURCE_DIR, "samples", "*.pcap*")))
    paths = shard_reports(files, tmp)
    merged = merge(paths)
    reports = [json.load(open(p)) for p in paths]
    check("samples: the merged files are all the files, in order", merged["capture"]["files"] == files)
    for key in ("packets", "bytes", "sip_messages"):
        check("samples: capture.%s adds up" % key, merged["capture"][key] == sum(r["capture"][key] for r in reports))
    for key in ("session_attempts", "sessions_established", "registration_attempts", "timeouts"):
        check("samples: rfc6076.%s adds up" % key,
              merged["rfc6076"][key] == sum(r["rfc6076"][key] for r in reports))
    srd = sum(r["rfc6076"]["srd"]["count"] for r in reports)
    check("samples: SRD count adds up (%d)" % srd, merged["rfc6076"]["srd"]["count"] == srd)
    check("samples: SRD max is the largest", merged["rfc6076"]["srd"]["max"] ==
          max(r["rfc6076"]["srd"]["max"] or 0 for r in reports))
    text = run("merge", *paths[:2]).stdout
    check("without --json, a summary", text.startswith("merged") and "SER" in text, text)


# Call-ID of a frame written by call_mix_test: "Call-ID: mix-N@gen.test".
CALL_ID = re.compile(rb"Call-ID: mix-(\d+)@")


def read_pcap(path):
    data = open(path, "rb").read()
    at, packets = 24, []
    while at < len(data):
        sec, usec, incl, _ = struct.unpack("<IIII", data[at:at + 16])
        packets.append((sec * 1_000_000 + usec, data[at + 16:at + 16 + incl]))
        at += 16 + incl
    return packets


def split_by_call(packets, shard_of_call, shards, tmp, name):
    """Writes `shards` pcap files, each call whole in the shard shard_of_call(n, first_ts) names."""
    first = {}
    for ts, f in packets:
        n = int(CALL_ID.search(f).group(1))
        first.setdefault(n, ts)
    files = [os.path.join(tmp, "%s-%d.pcap" % (name, i)) for i in range(shards)]
    for i, path in enumerate(files):
        call_mix_test.write_pcap(path, [(ts, f) for ts, f in packets
                                        if shard_of_call(int(CALL_ID.search(f).group(1)), first) == i])
    return files


def call_mix(tmp):
    packets, truth, _, _ = call_mix_test.generate(2020, 1500, False)
    files = split_by_call(packets, lambda n, first: n % 3, 3, tmp, "mix")
    merged = merge(shard_reports(files, tmp))
    whole = replay(files)
    diff = differences(merged, whole)
    check("call mix in 3 interleaved shards: merge = replay of all", not diff, "; ".join(diff[:8]))
    r = merged["rfc6076"]
    check("call mix: the merged counts are the generator's (attempts %d, established %d)" %
          (truth["attempts"], truth["established"]),
          r["session_attempts"] == truth["attempts"] and r["sessions_established"] == truth["established"])
    one = replay([files[0]])["rfc6076"]["srd"]
    check("call mix: a shard's percentiles are not the whole's (the test can tell)", one != whole["rfc6076"]["srd"])


def outage(tmp):
    whole_path = os.path.join(tmp, "outage.pcap")
    series_test.outage_capture(whole_path)
    packets = read_pcap(whole_path)
    base = series_test.BASE_US

    def shard(n, first):
        minute = (first[n] - base) // 60_000_000
        return 0 if minute < 4 else 1 if minute < 14 else 2

    files = split_by_call(packets, shard, 3, tmp, "outage")
    merged = merge(shard_reports(files, tmp, "--interval", "60s"))
    whole = replay(files, "--interval", "60s")
    a, b = copy.deepcopy(merged), copy.deepcopy(whole)
    for report in (a, b):
        for item in report["series"]:
            item.pop("calls_active_max")
            for name in ("srd", "srd_failed", "sdd", "sdt", "rrd"):
                item["rfc6076"][name].pop("min")
                item["rfc6076"][name].pop("max")
                for q in ("p50", "p90", "p99"):
                    item["rfc6076"][name].pop(q)
                if name in item["delay_sketches"]:
                    item["delay_sketches"][name].pop("min")
                    item["delay_sketches"][name].pop("max")
    diff = differences(a, b)
    check("outage in 3 time shards: merge = replay of all (top level exactly; series but the active maximum "
          "and the delay extremes)", not diff, "; ".join(diff[:8]))
    check("outage: as many intervals", len(merged["series"]) == len(whole["series"]))
    for m, w in zip(merged["series"], whole["series"]):
        check("%s: merged calls_active_max %d >= the replay's %d (the shards' maxima add up)" %
              (m["start"], m["calls_active_max"], w["calls_active_max"]), m["calls_active_max"] >= w["calls_active_max"])
        for name in ("srd", "srd_failed", "sdd", "sdt"):
            for key in ("min", "p50", "p90", "p99", "max"):
                x, y = m["rfc6076"][name][key], w["rfc6076"][name][key]
                check("%s: %s.%s within 1 %%" % (m["start"], name, key),
                      (x is None and y is None) or (x is not None and y is not None and abs(x - y) <= 0.01 * y + 1e-6),
                      "%s vs %s" % (x, y))
    bad = [i["start"][11:16] for i in merged["series"] if i["rfc6076"]["sessions_ineffective"]]
    check("outage: the merged series shows the outage in its minutes (%s)" % ", ".join(bad), len(bad) == 6)


def without_series_estimates(report):
    """The report without what a merged series gives as an estimate (docs/report.md): each
    interval's calls_active_max and its delays' extremes and percentiles, per peer too; the delays'
    means to the microsecond (an interval's sum is a difference of running sums in one replay)."""
    report = copy.deepcopy(report)

    def strip(rfc, sketches):
        for name in ("srd", "srd_failed", "sdd", "sdt", "rrd"):
            for key in ("min", "max", "p50", "p90", "p99"):
                rfc[name].pop(key)
            rfc[name].pop("mean")  # compared apart, to the microsecond
            if name in sketches:
                sketches[name].pop("min")
                sketches[name].pop("max")

    for item in report["series"]:
        item.pop("calls_active_max")
        strip(item["rfc6076"], item["delay_sketches"])
        for figures in item.get("peers", {}).values():
            strip(figures["rfc6076"], figures["delay_sketches"])
    return report


# Call-ID of a frame written by peer_kpis_test: "Call-ID: call12@gen.test", "reg3@gen.test", "tail@...".
PEER_CALL_ID = re.compile(rb"Call-ID: ([^@\r]+)@gen\.test")


def peers(tmp):
    """peer_kpis_test.py's SBC capture (three carriers and phones, calls in both directions, carrier_c
    down 5 minutes) cut into three shards by Call-ID (each call and registration binding whole in one
    shard; the shards overlap in time), replayed with --peers --interval 60s: the merge equals one
    replay of the three files, per peer and per peer in every interval. A timer (Timer B, F) is
    decided by the first packet past its deadline, in a shard its own packets only: so that it falls
    in the same interval in a shard as in the whole, every shard gets a keep-alive just past each
    deadline the generator knows (and at the very end), the same in all three."""
    import peer_kpis_test as gen
    packets, attempts = gen.generate(19)
    deadlines = [at[1] for _, _, r in attempts for _, at in r["at"] if isinstance(at, tuple)]
    ticks = sorted(set(d + 1 for d in deadlines) | {packets[-1][0] + 1})
    tick = gen.frame("172.31.0.1", "172.31.0.2", b"\r\n\r\n")  # unlisted: no peer, no message
    files = [os.path.join(tmp, "sbc-%d.pcap" % i) for i in range(3)]
    for i, path in enumerate(files):
        mine = [(t, f) for t, f in packets if zlib.crc32(PEER_CALL_ID.search(f).group(1)) % 3 == i]
        gen.write_pcap(path, sorted(mine + [(t, tick) for t in ticks], key=lambda p: p[0]))
    peers_file = os.path.join(tmp, "peers.txt")
    with open(peers_file, "w") as f:
        f.writelines("%s %s\n" % (name, cidr) for name, (cidr, _) in gen.CARRIERS.items())
    extra = ("--peers", peers_file, "--interval", "60s")
    reports = [replay([f], *extra) for f in files]
    merged = merge(shard_reports(files, tmp, *extra))
    whole = replay(files, *extra)
    diff = differences(merged["peers"], whole["peers"])
    check("SBC capture in 3 shards: merged peers = the replay's, every figure and delay", not diff,
          "; ".join(diff[:8]))
    diff = differences(without_series_estimates(merged), without_series_estimates(whole))
    check("SBC capture in 3 shards: merge = replay of all, per-peer series included", not diff, "; ".join(diff[:8]))
    far = ["%s %s %s: %s vs %s" % (m["start"], peer, name, x, y)
           for m, w in zip(merged["series"], whole["series"]) for peer in m["peers"]
           for name in ("srd", "srd_failed", "sdd", "sdt", "rrd")
           for x, y in [(m["peers"][peer]["rfc6076"][name]["mean"],
                         w["peers"].get(peer, {}).get("rfc6076", {}).get(name, {}).get("mean"))]
           if not ((x is None and y is None) or (x is not None and y is not None and abs(x - y) <= 1.5e-6))]
    check("per-peer series delay means within a microsecond of the replay's", not far, "; ".join(far[:5]))
    listed = sum(len(i["peers"]) for i in merged["series"])
    check("the merged series lists peers (%d peer-intervals)" % listed, listed > 100)
    # The test can tell: a shard's per-peer figures are not the whole's, and some interval of the
    # replay holds a peer with calls undecided that a shard left out (carried pending).
    check("a shard's carrier_a is not the whole's", reports[0]["peers"]["carrier_a"] != whole["peers"]["carrier_a"])
    carried = [(i["start"], name) for n, i in enumerate(whole["series"]) for name, fig in i["peers"].items()
               if fig["rfc6076"]["pending"] and any(name not in item["peers"] and item["start"] == i["start"]
                                                    for r in reports for item in r["series"])]
    check("pending carried across a shard's silent interval is exercised (%d cases)" % len(carried), len(carried) > 0)


def refusals(tmp):
    sample = "samples/call-answered.pcap"
    base = os.path.join(tmp, "base.json")
    with open(base, "w") as out:
        json.dump(replay([sample]), out)

    def refused(name, report, words):
        path = os.path.join(tmp, name + ".json")
        with open(path, "w") as out:
            json.dump(report, out)
        out = run("merge", base, path)
        check("refuses %s: exit 2" % name, out.returncode == 2, "exit %d" % out.returncode)
        check("refuses %s: says why" % name, all(w in out.stderr for w in words), out.stderr)

    other = replay([sample])
    other["sipmon_version"] = "0.0.1-other"
    refused("another version", other, ["sipmon versions", "0.0.1-other"])
    refused("other timers", replay([sample], "--timer-b", "10"), ["timers", "10.0"])
    refused("a series", replay([sample], "--interval", "60s"), ["--interval"])
    old = replay([sample])
    del old["delay_sketches"]
    refused("a report without delay sketches", old, ["delay_sketches", "older sipmon"])
    out = run("merge", base, "README.md")
    check("refuses a file that is not a report", out.returncode == 2 and "README.md" in out.stderr, out.stderr)


def main():
    with tempfile.TemporaryDirectory(prefix="i20a-merge-") as tmp:
        samples(tmp)
        call_mix(tmp)
        outage(tmp)
        peers(tmp)
        refusals(tmp)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
