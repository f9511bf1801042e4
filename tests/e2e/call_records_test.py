#!/usr/bin/env python3
"""Call records (`replay --calls`, docs/calls.md) against two truths from outside sipmon.

1. Every sample (SIPp recordings): one record per session attempt, and the records' counts by
   outcome equal the outcome counts of the report of the same replay (established, redirected,
   cancelled, failed, ineffective + timeout, timeouts, pending, evicted, completed).
2. The generated call mix of call_mix_test.py, whose generator writes the truth per Call-ID
   (outcome, final code, SRD, duration, who hung up): compared record by record.
3. The JSON Lines contract: every documented field in every record, `-` writes to stdout,
   --calls-messages adds the ladder.
4. Media: for every loss pattern of tests/e2e/media/rtp_generator.py (which computes each stream's
   RFC 3550 figures itself), the record's `media` entries equal the generator's streams, their
   sums and statistics equal the report's `media`, and tshark's `-z rtp,streams` agrees stream by
   stream (packets, lost, mean and max jitter).

Environment: SIPMON (default build/sipmon), SIPMON_SOURCE_DIR. Prints `P passed, F failed`.
"""
import collections
import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402  (the pass/fail tally)

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")

FIELDS = ["call_id", "from", "to", "request_uri", "src", "dst", "transport", "start", "ringing", "answered", "ended",
          "outcome", "completed", "final_code", "final_reason", "reason", "srd_s", "duration_s", "ended_by",
          "user_agent", "server", "retransmissions", "peer", "truncated", "record_evicted", "media", "media_dropped"]
MEDIA_FIELDS = ["direction", "src", "dst", "ssrc", "payload_type", "codec", "packets", "expected", "lost", "loss_pct",
                "duplicates", "out_of_order", "loss_bursts", "burst_lost", "largest_gap", "jitter_mean_ms",
                "jitter_max_ms", "first", "last", "dtmf_events", "rtcp", "mos"]

check = Checks(print_passes=True)


def replay(paths, records, *extra):
    result = subprocess.run([SIPMON, "replay", *paths, "--json", "--calls", records, *extra], capture_output=True,
                            text=True, timeout=300)
    if result.returncode != 0:
        return None, None, result.stderr[-400:]
    with open(records) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return json.loads(result.stdout), lines, ""


def counts_agree(name, report, records):
    r = report["rfc6076"]
    by = collections.Counter(rec["outcome"] for rec in records)
    want = {
        "established": r["sessions_established"], "redirected": r["sessions_redirected"],
        "cancelled": r["sessions_cancelled"], "failed": r["sessions_failed"],
        "ineffective": r["sessions_ineffective"] - r["timeouts"], "timeout": r["timeouts"], "pending": r["pending"],
        "evicted": report["table_evictions"]["session_attempts"],
    }
    got = {k: by.get(k, 0) for k in want}
    check("%s: records by outcome = the report's %s" % (name, want), got == want, "records say %s" % got)
    check("%s: one record per attempt (%d)" % (name, r["session_attempts"]), len(records) == r["session_attempts"],
          len(records))
    completed = sum(1 for rec in records if rec["completed"])
    check("%s: completed records = sessions_completed (%d)" % (name, r["sessions_completed"]),
          completed == r["sessions_completed"], completed)
    check("%s: every record has every field" % name, all(all(k in rec for k in FIELDS) for rec in records))


def samples(tmp):
    for path in sorted(glob.glob(os.path.join(SOURCE_DIR, "samples", "*.pcap"))):
        name = os.path.basename(path)
        out = os.path.join(tmp, name + ".jsonl")
        report, records, err = replay([path], out)
        check("%s: replay --calls exits 0" % name, report is not None, err)
        if report is None:
            continue
        counts_agree(name, report, records)


def corpus(tmp):
    """The shared corpus of public captures (real equipment): the same agreement on each."""
    root = os.environ.get("SIPMON_CORPUS", "/work/shared/corpus")
    paths = sorted(p for p in glob.glob(os.path.join(root, "*.pcap*")) if p.endswith((".pcap", ".pcapng")))
    if not paths:
        print("NOTE: no shared corpus at %s: its part is not run" % root)
        return
    for path in paths:
        name = os.path.basename(path)
        out = os.path.join(tmp, "corpus.jsonl")
        if os.path.exists(out):
            os.remove(out)
        report, records, err = replay([path], out, "--calls-messages")
        if report is None:
            continue  # a capture sipmon refuses (the corpus keeps a corrupt one on purpose)
        counts_agree("corpus " + name, report, records)


def load_generator():
    spec = importlib.util.spec_from_file_location("call_mix", os.path.join(os.path.dirname(__file__), "call_mix_test.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def close(got, want_us):
    if want_us is None:
        return got is None
    return got is not None and abs(got - want_us / 1e6) <= 1.5e-6


def mix(tmp):
    gen = load_generator()
    for name, seed, calls, unanswered in [("mix", 17, 2000, False), ("mix-with-unanswered", 18, 800, True)]:
        packets, _, _, truth = gen.generate(seed, calls, unanswered)
        path = os.path.join(tmp, name + ".pcap")
        gen.write_pcap(path, packets)
        out = os.path.join(tmp, name + ".jsonl")
        report, records, err = replay([path], out)
        check("%s: replay --calls exits 0" % name, report is not None, err)
        if report is None:
            continue
        counts_agree(name, report, records)
        by_id = {rec["call_id"]: rec for rec in records}
        check("%s: one record per generated call (%d)" % (name, len(truth)),
              len(by_id) == len(records) == len(truth), "%d records, %d ids" % (len(records), len(by_id)))
        wrong = collections.Counter()
        examples = {}
        for call_id, (outcome, code, srd_us, duration_us, ended_by) in truth.items():
            rec = by_id.get(call_id)
            if rec is None:
                wrong["missing"] += 1
                continue
            for field, ok in [("outcome", rec["outcome"] == outcome), ("final_code", rec["final_code"] == code),
                              ("srd_s", close(rec["srd_s"], srd_us)),
                              ("duration_s", close(rec["duration_s"], duration_us)),
                              ("ended_by", rec["ended_by"] == ended_by),
                              ("completed", rec["completed"] == (outcome == "established")),
                              ("from", rec["from"] == "sip:alice@gen.test"), ("to", rec["to"] == "sip:bob@gen.test"),
                              ("request_uri", rec["request_uri"] == "sip:bob@10.2.0.1:5060"),
                              ("src", rec["src"] == "10.1.0.1:5060"), ("dst", rec["dst"] == "10.2.0.1:5060"),
                              ("transport", rec["transport"] == "UDP")]:
                if not ok:
                    wrong[field] += 1
                    examples.setdefault(field, (call_id, rec.get(field), (outcome, code, srd_us, duration_us)))
        check("%s: every record equals its call's truth (outcome, final code, SRD, SDT, ended_by, URIs)" % name,
              not wrong, "%s e.g. %s" % (dict(wrong), examples))


def contract(tmp):
    sample = os.path.join(SOURCE_DIR, "samples", "call-answered.pcap")
    result = subprocess.run([SIPMON, "replay", sample, "--calls", "-", "--calls-messages"], capture_output=True,
                            text=True, timeout=60)
    check("--calls - exits 0", result.returncode == 0, result.stderr[-300:])
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    check("--calls -: stdout holds only records (the summary went to stderr)",
          records and all("call_id" in r for r in records) and "SER" in result.stderr, result.stdout[:200])
    if records:
        r = records[0]
        check("--calls-messages: a ladder per record, INVITE first",
              isinstance(r.get("messages"), list) and r["messages"] and r["messages"][0]["summary"] == "INVITE",
              r.get("messages"))
        check("--calls-messages: messages_truncated is false for a short call", r.get("messages_truncated") is False)
        check("answered sample: completed, with start <= ringing <= answered <= ended",
              r["completed"] and r["start"] <= (r["ringing"] or r["start"]) <= r["answered"] <= r["ended"], r)
    out = os.path.join(tmp, "append.jsonl")
    for _ in range(2):
        subprocess.run([SIPMON, "replay", sample, "--calls", out], capture_output=True, timeout=60)
    with open(out) as f:
        n = sum(1 for line in f if line.strip())
    check("--calls appends: two replays, twice the records", n == 2 * len(records), n)
    peers = os.path.join(tmp, "peers.txt")
    with open(peers, "w") as f:
        f.write("loopback 127.0.0.0/8\n")
    result = subprocess.run([SIPMON, "replay", sample, "--calls", "-", "--peers", peers], capture_output=True, text=True,
                            timeout=60)
    named = [json.loads(line)["peer"] for line in result.stdout.splitlines() if line.strip()]
    check("--peers: each record names the peer of its first INVITE", named and all(p == "loopback" for p in named),
          named)
    bad = subprocess.run([SIPMON, "replay", sample, "--calls", os.path.join(tmp, "no", "such", "dir.jsonl")],
                         capture_output=True, text=True, timeout=60)
    check("--calls into a missing directory: exit 2 with a message", bad.returncode == 2 and "--calls" in bad.stderr,
          bad.stderr)


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def media(tmp):
    here = os.path.dirname(os.path.abspath(__file__))
    gen = load_module("rtp_generator", os.path.join(here, "media", "rtp_generator.py"))
    media_test = load_module("media_generated_test", os.path.join(here, "media_generated_test.py"))
    have_tshark = shutil.which("tshark") is not None
    if not have_tshark:
        print("SKIPPED: media records against tshark (tshark not installed); the generator's truth still applies")
    caller = "%s:%d" % (gen.CALLER[0], gen.CALLER[2])
    callee = "%s:%d" % (gen.CALLEE[0], gen.CALLEE[2])
    for pattern in gen.PATTERNS:
        path = os.path.join(tmp, "media-" + pattern + ".pcap")
        truth = gen.generate(path, pattern, seed=7)["streams"]
        report, records, err = replay([path], os.path.join(tmp, "media-" + pattern + ".jsonl"))
        check("media %s: replay --calls exits 0 with one record" % pattern, report is not None and len(records) == 1,
              err or len(records))
        if report is None or len(records) != 1:
            continue
        rec = records[0]
        entries = rec.get("media") or []
        check("media %s: every entry has every documented field" % pattern,
              entries and all(all(f in e for f in MEDIA_FIELDS) for e in entries), entries[:1])
        check("media %s: one entry per generated stream (%d), none dropped" % (pattern, len(truth)),
              len(entries) == len(truth) and rec.get("media_dropped") == 0, [e.get("ssrc") for e in entries])
        by_ssrc = {e["ssrc"]: e for e in entries}
        wrong = []
        for s in truth:
            e = by_ssrc.get(s["ssrc"])
            if e is None:
                wrong.append("0x%08x missing" % s["ssrc"])
                continue
            src, dst = (caller, callee) if s["direction"] == "caller->callee" else (callee, caller)
            exact = [("direction", s["direction"]), ("src", src), ("dst", dst), ("payload_type", 8), ("codec", "PCMA")]
            exact += [(k, s[k]) for k in ("packets", "expected", "lost", "duplicates", "loss_bursts", "burst_lost",
                                          "largest_gap")]
            exact.append(("out_of_order", s["late"]))
            for key, want in exact:
                if e[key] != want:
                    wrong.append("0x%08x %s: record %s, generator %s" % (s["ssrc"], key, e[key], want))
            for key, tolerance in (("jitter_mean_ms", 2e-6), ("jitter_max_ms", 2e-6), ("loss_pct", 1e-9),
                                   ("mos", 1e-5)):
                if e[key] is None or abs(e[key] - s[key]) > tolerance:
                    wrong.append("0x%08x %s: record %s, generator %s" % (s["ssrc"], key, e[key], s[key]))
        check("media %s: each entry equals the generator's stream" % pattern, not wrong, wrong[:6])
        m = report["media"]
        sums = {"streams": len(entries), "packets": sum(e["packets"] for e in entries),
                "expected": sum(e["expected"] for e in entries), "lost": sum(e["lost"] for e in entries),
                "duplicates": sum(e["duplicates"] for e in entries), "late": sum(e["out_of_order"] for e in entries),
                "dtmf_events": sum(e["dtmf_events"] for e in entries)}
        jitters = [e["jitter_mean_ms"] for e in entries]
        moses = [e["mos"] for e in entries if e["mos"] is not None]
        mismatch = {k: (m[k], v) for k, v in sums.items() if m[k] != v}
        for name, values, stats in (("jitter_ms", jitters, m["jitter_ms"]), ("mos", moses, m["mos"])):
            if stats["count"] != len(values) or abs(stats["min"] - min(values)) > 1e-6 or \
                    abs(stats["max"] - max(values)) > 1e-6 or abs(stats["mean"] - sum(values) / len(values)) > 1e-6:
                mismatch[name] = (stats, values)
        check("media %s: the report's media totals are the sums and statistics of the record's entries" % pattern,
              not mismatch, mismatch)
        if have_tshark:
            seen = media_test.tshark_streams(path)
            differ = []
            for e in entries:
                t = seen.get(e["ssrc"])
                if t is None:
                    differ.append("tshark has no 0x%08x" % e["ssrc"])
                    continue
                if t["packets"] != e["packets"]:
                    differ.append("0x%08x packets: tshark %s, record %s" % (e["ssrc"], t["packets"], e["packets"]))
                if pattern in media_test.TSHARK_LOST_COMPARABLE and t["lost"] != e["lost"]:
                    differ.append("0x%08x lost: tshark %s, record %s" % (e["ssrc"], t["lost"], e["lost"]))
                for key in ("jitter_mean_ms", "jitter_max_ms"):  # tshark prints three decimals
                    if abs(t[key] - e[key]) > 0.0006:
                        differ.append("0x%08x %s: tshark %s, record %s" % (e["ssrc"], key, t[key], e[key]))
            check("media %s: tshark -z rtp,streams agrees with each entry" % pattern, not differ, differ[:6])


def failure_analysis(tmp):
    s503 = os.path.join(SOURCE_DIR, "samples", "call-503-q850.pcap")
    busy = os.path.join(SOURCE_DIR, "samples", "call-busy.pcap")
    prom = os.path.join(tmp, "failures.prom")
    result = subprocess.run([SIPMON, "replay", s503, busy, "--prom-file", prom], capture_output=True, text=True,
                            timeout=60)
    check("failure analysis: replay exits 0", result.returncode == 0, result.stderr[-300:])
    text = result.stdout
    section = text[text.find("What failed"):] if "What failed" in text else ""
    check("summary names what failed: 4 attempts", "What failed (4 failed" in section, text[-600:])
    check("summary: 503 with its phrase and 486 with its phrase", "503 Service Unavailable: 2" in section and
          "486 Busy Here: 2" in section, section)
    check("summary: the Q.850 cause of the 503s' Reason (34)", "cause 34: 2" in section, section)
    check("summary: top destination 127.0.0.1 with 4 failed attempts", "127.0.0.1: 4" in section, section)
    series = {}
    with open(prom) as f:
        for line in f:
            if line.startswith("sipmon_session_failures_total") or line.startswith("sipmon_session_attempts_by_ua"):
                name, value = line.rsplit(" ", 1)
                series[name] = float(value)
    check("prometheus: sipmon_session_failures_total{code=503,q850=34} = 2",
          series.get('sipmon_session_failures_total{code="503",q850="34"}') == 2, series)
    check("prometheus: sipmon_session_failures_total{code=486,q850=none} = 2",
          series.get('sipmon_session_failures_total{code="486",q850="none"}') == 2, series)
    families = [k for k in series if k.startswith("sipmon_session_attempts_by_ua_family_total")]
    check("prometheus: every User-Agent family exported (about 20 and other)", len(families) >= 20, families)


def main():
    if not os.access(SIPMON, os.X_OK):
        print("FAIL: %s is not built" % SIPMON)
        print("0 passed, 1 failed")
        return 1
    with tempfile.TemporaryDirectory(prefix="i17calls") as tmp:
        samples(tmp)
        corpus(tmp)
        mix(tmp)
        contract(tmp)
        media(tmp)
        failure_analysis(tmp)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
