#!/usr/bin/env python3
"""RTP statistics against two outside truths, for every loss pattern the generator knows.

For each pattern, tests/e2e/media/rtp_generator.py writes one call (SDP offer/answer, a patterned
caller->callee stream, a clean way back) and computes the RFC 3550 figures of each stream itself.
Then:
  1. `sipmon replay --json` must report the same sums (streams, packets, expected, lost,
     duplicates, late, loss_pct) and the same statistics over streams (jitter_ms count/mean/min/max
     = the streams' jitter_mean_ms; mos min/max = the E-model of each stream's loss);
  2. `replay --no-media` must give the same report without its media section, every RTP/RTCP
     packet counted as a payload that is not SIP;
  3. tshark's `-z rtp,streams` (streams found through the SDP in the capture) must show each
     stream's packets, lost, mean and max jitter as the generator computed them (tshark counts
     sequence cycles its own way: patterns where its method differs from RFC 3550 A.3 by design
     are compared on packets and jitter only).
Prints `P passed, F failed`; exits 1 on any failure, 77 (SKIPPED) without tshark.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "media"))
import rtp_generator  # noqa: E402

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
SIPMON = os.path.abspath(os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon"))

# tshark's "Lost" is (last sequence number + its cycles) - first + 1 - packets: equal to A.3 when
# the last packet is the highest and every wrap is seen in order.
TSHARK_LOST_COMPARABLE = {"clean", "random_loss", "burst_loss", "wrap", "ssrc_change", "jitter", "duplicates", "reorder"}


def close(a, b, tolerance):
    return a is not None and b is not None and abs(a - b) <= tolerance


def tshark_streams(path):
    out = subprocess.run(["tshark", "-r", path, "-q", "-z", "rtp,streams"], capture_output=True, text=True, timeout=120).stdout
    streams = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 16 or not fields[6].startswith("0x"):
            continue
        lost = int(re.match(r"-?\d+", fields[9]).group(0))
        if fields[-1] == "X":  # the "Problems?" column is filled when tshark saw a sequence error
            fields = fields[:-1]
        streams[int(fields[6], 16)] = {"packets": int(fields[8]), "lost": lost,
                                       "jitter_mean_ms": float(fields[-2]), "jitter_max_ms": float(fields[-1])}
    return streams


def signalling_only_problems(path, whole):
    """`replay --no-media` of the same capture: the same report without its media (no section, no
    media tables), every RTP/RTCP packet a payload that is not SIP."""
    proc = subprocess.run([SIPMON, "replay", path, "--json", "--no-media"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return [f"--no-media: sipmon exited {proc.returncode}: {proc.stderr.strip()}"]
    alone = json.loads(proc.stdout)
    problems = []
    if "media" in alone:
        problems.append("--no-media: the report has a media section")
    if any(table.startswith("media_") for table in alone["table_evictions"]):
        problems.append(f"--no-media: media tables listed: {alone['table_evictions']}")
    media_packets = sum(whole["capture"]["non_sip_by_reason"].get(k, 0) for k in ("rtp", "rtcp"))
    if media_packets == 0 or alone["capture"]["non_sip_by_reason"] != {"payload_not_sip": media_packets}:
        problems.append(f"--no-media: non-SIP {alone['capture']['non_sip_by_reason']}, "
                        f"{media_packets} RTP/RTCP packets in the capture")
    for key in whole:
        if key not in ("media", "table_evictions", "capture", "sipmon_version") and alone.get(key) != whole[key]:
            problems.append(f"--no-media: {key} differs from the whole replay's")
    return problems


def check_pattern(pattern, workdir):
    problems = []
    path = os.path.join(workdir, pattern + ".pcap")
    truth = rtp_generator.generate(path, pattern, seed=7)
    streams = truth["streams"]
    proc = subprocess.run([SIPMON, "replay", path, "--json"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return [f"sipmon exited {proc.returncode}: {proc.stderr.strip()}"]
    report = json.loads(proc.stdout)
    media = report.get("media")
    if media is None:
        return ["report has no media object"]
    problems += signalling_only_problems(path, report)

    def expect(name, got, want, tolerance=0):
        if got is None or abs(got - want) > tolerance:
            problems.append(f"{name}: sipmon {got}, generator {want}")

    expect("streams", media["streams"], len(streams))
    for key in ("packets", "expected", "lost", "duplicates", "late"):
        expect(key, media[key], sum(s[key] for s in streams))
    total_expected = sum(s["expected"] for s in streams)
    expect("loss_pct", media["loss_pct"], max(0.0, 100.0 * sum(s["lost"] for s in streams) / total_expected), 1e-6)
    jitters = [s["jitter_mean_ms"] for s in streams]
    expect("jitter_ms.count", media["jitter_ms"]["count"], len(jitters))
    expect("jitter_ms.mean", media["jitter_ms"]["mean"], sum(jitters) / len(jitters), 2e-6)
    expect("jitter_ms.min", media["jitter_ms"]["min"], min(jitters), 2e-6)
    expect("jitter_ms.max", media["jitter_ms"]["max"], max(jitters), 2e-6)
    moses = [s["mos"] for s in streams]
    expect("mos.min", media["mos"]["min"], min(moses), 1e-5)
    expect("mos.max", media["mos"]["max"], max(moses), 1e-5)
    expect("one_way_calls", media["one_way_calls"], 0)
    expect("no_media_calls", media["no_media_calls"], 0)

    seen = tshark_streams(path)
    for s in streams:
        t = seen.get(s["ssrc"])
        if t is None:
            problems.append(f"tshark did not find stream 0x{s['ssrc']:08x}")
            continue
        if t["packets"] != s["packets"]:
            problems.append(f"0x{s['ssrc']:08x} packets: tshark {t['packets']}, generator {s['packets']}")
        if pattern in TSHARK_LOST_COMPARABLE and t["lost"] != s["lost"]:
            problems.append(f"0x{s['ssrc']:08x} lost: tshark {t['lost']}, generator {s['lost']}")
        # tshark prints three decimals.
        for key in ("jitter_mean_ms", "jitter_max_ms"):
            if not close(t[key], s[key], 0.0006):
                problems.append(f"0x{s['ssrc']:08x} {key}: tshark {t[key]}, generator {s[key]:.6f}")
    return problems


def main():
    if shutil.which("tshark") is None:
        print("SKIPPED: tshark not installed")
        return 77
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="issue21-media-") as workdir:
        for pattern in rtp_generator.PATTERNS:
            problems = check_pattern(pattern, workdir)
            if problems:
                failed += 1
                print(f"FAIL {pattern}")
                for p in problems:
                    print("    " + p)
            else:
                passed += 1
                print(f"ok   {pattern}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
