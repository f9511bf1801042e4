#!/usr/bin/env python3
"""`--interval`: the report's series (docs/report.md, "series").

1. On every sample and every capture of the shared corpus (/work/shared/corpus, or
   $SIPMON_CORPUS_DIR), the series' sums equal the report's totals: requests and responses by
   name, every RFC 6076 count (the pending gauges excepted: the last interval holds the total),
   the closed outcomes and the delays' counts; intervals are aligned on multiples of the interval
   since the epoch and in time order; a report without --interval has no series.
2. A generated capture (built by this script with call_mix_test.py's message builder) of 20
   minutes of calls with a 5-minute outage, in which every INVITE is answered 503 or not at all.
   The script computes per one-minute interval what RFC 3261/6076 and sipmon's packet-time rule
   say: attempts by their INVITE, established by their 2xx, completed by the BYE's 2xx, 503s by
   their time, unanswered INVITEs by the first packet after INVITE + Timer B (32 s), INVITE
   requests (retransmissions included) by packet time. The series must match interval by interval,
   and its ineffective intervals must be exactly the outage's.
3. Per peer (--peers): peer_kpis_test.py's SBC capture, whose generator records when each attempt's
   counts are decided: every peer's figures in every interval equal the generator's, the peers of
   an interval add up to its figures, and carrier_c's outage shows in its own intervals.

Environment: SIPMON, SIPMON_SOURCE_DIR, SIPMON_CORPUS_DIR. Prints `P passed, F failed`.
"""
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402  (the pass/fail tally)

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")
CORPUS = os.environ.get("SIPMON_CORPUS_DIR", "/work/shared/corpus")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
from call_mix_test import Call, us, write_pcap  # noqa: E402  (the same message builder)

INTERVAL_S = 60
TIMER_B_US = 32_000_000
# An epoch-aligned start (a multiple of 60 s), 10 s into the first minute.
BASE_US = (1_700_000_000 // 60 + 1) * 60 * 1_000_000
OUTAGE = range(8, 13)  # minutes 8..12: five minutes

check = Checks()


def replay(files, *extra):
    out = subprocess.run([SIPMON, "replay", "--json", "-q", *extra, *files], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("sipmon replay %s: %s" % (files, out.stderr))
    return json.loads(out.stdout)


SUMMED = ["session_attempts", "sessions_established", "sessions_redirected", "sessions_effective",
          "sessions_ineffective", "sessions_completed", "sessions_cancelled", "sessions_failed", "timeouts",
          "registration_attempts", "registrations_succeeded", "registrations_ineffective", "registration_timeouts",
          "sdd_timeouts"]
DELAYS = ["srd", "srd_failed", "sdd", "sdt", "rrd"]


def add_into(total, counts):
    for k, v in counts.items():
        total[k] = total.get(k, 0) + v


def check_sums(name, report, interval_s):
    series = report.get("series")
    if series is None:
        check(name + ": has a series", False)
        return
    check(name + ": nothing dropped", report["series_dropped_intervals"] == 0)
    starts = []
    requests, responses, rfc, closed, delays = {}, {}, {}, {}, {}
    for item in series:
        add_into(requests, item["requests"])
        add_into(responses, item["responses"])
        r = item["rfc6076"]
        add_into(rfc, {k: r[k] for k in SUMMED})
        add_into(closed, {k: v for k, v in r["closed"].items() if isinstance(v, int)})
        add_into(delays, {k: r[k]["count"] for k in DELAYS})
        starts.append(item["start"])
    check(name + ": intervals in time order, no two alike", starts == sorted(set(starts)))
    check(name + ": requests sum to the total", requests == report["requests"], "%s vs %s" % (requests, report["requests"]))
    check(name + ": responses sum to the total", responses == report["responses"])
    top = report["rfc6076"]
    want = {k: top[k] for k in SUMMED}
    check(name + ": rfc6076 counts sum to the totals", rfc == want, "%s vs %s" % (rfc, want))
    want_closed = {k: v for k, v in top["closed"].items() if isinstance(v, int)}
    check(name + ": closed outcomes sum to the totals", closed == want_closed, "%s vs %s" % (closed, want_closed))
    check(name + ": delay counts sum to the totals", delays == {k: top[k]["count"] for k in DELAYS})
    if series:
        check(name + ": the last interval's pending is the report's",
              series[-1]["rfc6076"]["pending"] == top["pending"] and
              series[-1]["rfc6076"]["registrations_pending"] == top["registrations_pending"])


def sums_on_captures():
    samples = sorted(glob.glob(os.path.join(SOURCE_DIR, "samples", "*.pcap*")))
    corpus = sorted(f for f in glob.glob(os.path.join(CORPUS, "*"))
                    if f.endswith((".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz")))
    if not corpus:
        print("note: no corpus at %s: samples only" % CORPUS)
    for path in samples + corpus:
        name = os.path.basename(path)
        for interval in ("1s", "60s") if path in samples else ("60s",):
            try:
                report = replay([path], "--interval", interval)
            except RuntimeError as error:
                # A capture sipmon cannot read at all (a corrupt file of the corpus) has no report
                # either way; anything else is a failure.
                try:
                    replay([path])
                    check(name + ": replays with --interval", False, str(error))
                except RuntimeError:
                    print("note: %s: no report with or without --interval" % name)
                break
            check_sums(name + " @" + interval, report, interval)
        if path in samples:
            plain = replay([path])
            check(name + ": no series without --interval", "series" not in plain and "series_interval_s" not in plain)
    # Alignment, on the first sample with traffic.
    report = replay([samples[0]], "--interval", "7s")
    for item in report["series"]:
        start = item["start"]
        check("7 s intervals start on a multiple of 7 s since the epoch",
              int(_epoch(start)) % 7 == 0 and _epoch(item["end"]) - _epoch(start) == 7)


def _epoch(rfc3339):
    import datetime
    return datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def outage_capture(path, seed=20):
    """Writes the outage capture; returns the truth by minute index (from BASE_US)."""
    rnd = random.Random(seed)
    calls = []
    answered = []  # (invite, answer, bye, bye_ok)
    outage_503 = []  # (invite, final)
    unanswered = []  # invite
    invites = []  # every INVITE packet time, retransmissions included
    t = BASE_US + 10_000_000
    n = 0
    while t < BASE_US + 20 * 60 * 1_000_000:
        c = Call(n)
        minute = (t - BASE_US) // 60_000_000
        c.request(t, "INVITE")
        invites.append(t)
        if minute in OUTAGE:
            if n % 2 == 0:
                final = t + us(rnd.uniform(0.01, 0.5))
                c.response(final, 503, "Service Unavailable")
                c.request(final + 500, "ACK")
                outage_503.append((t, final))
            else:
                # Unanswered: the caller's UDP retransmissions (Timer A: 0.5, 1, 2, 4, 8, 16 s).
                for at in (0.5, 1.5, 3.5, 7.5, 15.5, 31.5):
                    c.request(t + us(at), "INVITE")
                    invites.append(t + us(at))
                unanswered.append(t)
        else:
            trying = t + us(rnd.uniform(0.001, 0.05))
            ring = trying + us(rnd.uniform(0.05, 1))
            answer = ring + us(rnd.uniform(1, 8))
            bye = answer + us(rnd.uniform(5, 90))
            ok = bye + us(rnd.uniform(0.001, 0.1))
            c.response(trying, 100, "Trying", tagged=False)
            c.response(ring, 180, "Ringing")
            c.response(answer, 200, "OK")
            c.request(answer + 800, "ACK", to_tag=c.to_tag, branch=c.branch + "-ack")
            c.request(bye, "BYE", cseq=2, to_tag=c.to_tag, branch=c.branch + "-bye")
            c.response(ok, 200, "OK", method="BYE", cseq=2, branch=c.branch + "-bye")
            answered.append((t, answer, bye, ok))
        calls.append(c)
        n += 1
        t += us(rnd.uniform(1, 3))
    end = max(e[0] for c in calls for e in c.events)
    tail = Call(n)
    tail.request(end + TIMER_B_US + 1_000_000, "OPTIONS")  # every attempt decided before the end
    calls.append(tail)
    packets = sorted((e for c in calls for e in c.events), key=lambda e: (e[0], e[1]))
    write_pcap(path, [(ts, f) for ts, _, f in packets])
    times = [ts for ts, _, _ in packets]

    def minute(ts):
        return (ts - BASE_US) // 60_000_000

    def first_packet_after(deadline):  # the engine runs timers when packet time passes them
        return next(ts for ts in times if ts > deadline)

    truth = {}

    def bump(m, key, by=1):
        truth.setdefault(m, {}).setdefault(key, 0)
        truth[m][key] += by

    for invite, answer, bye, ok in answered:
        bump(minute(invite), "attempts")
        bump(minute(answer), "established")
        bump(minute(ok), "completed")
    for invite, final in outage_503:
        bump(minute(invite), "attempts")
        bump(minute(final), "ineffective")
    for invite in unanswered:
        bump(minute(invite), "attempts")
        decided = minute(first_packet_after(invite + TIMER_B_US))
        bump(decided, "ineffective")
        bump(decided, "timeouts")
    for ts in invites:
        bump(minute(ts), "invites")
    return truth


def outage_series(tmp):
    path = os.path.join(tmp, "outage.pcap")
    truth = outage_capture(path)
    report = replay([path], "--interval", "%ds" % INTERVAL_S)
    check_sums("outage capture", report, INTERVAL_S)
    got = {}
    for item in report["series"]:
        m = int((_epoch(item["start"]) * 1e6 - BASE_US) // 60_000_000)
        r = item["rfc6076"]
        got[m] = {"attempts": r["session_attempts"], "established": r["sessions_established"],
                  "completed": r["sessions_completed"], "ineffective": r["sessions_ineffective"],
                  "timeouts": r["timeouts"], "invites": item["requests"].get("INVITE", 0)}
        check("minute %d: closed ineffective + timed_out = ineffective" % m,
              r["closed"]["ineffective"] + r["closed"]["timed_out"] == r["sessions_ineffective"])
        check("minute %d: attempts_per_s = attempts / 60" % m,
              abs(item["attempts_per_s"] - r["session_attempts"] / 60) < 1e-6)
    for m in sorted(set(truth) | set(got)):
        want = {k: truth.get(m, {}).get(k, 0) for k in ("attempts", "established", "completed", "ineffective",
                                                        "timeouts", "invites")}
        check("minute %d: the series' counts equal the generator's" % m, got.get(m) == want,
              "got %s, want %s" % (got.get(m), want))
    bad_truth = sorted(m for m, v in truth.items() if v.get("ineffective"))
    bad_got = sorted(m for m, v in got.items() if v["ineffective"])
    check("the outage shows in exactly the intervals the generator says (%s)" % bad_truth, bad_got == bad_truth,
          "got %s" % bad_got)
    check("those are the outage's minutes and the next (the last timeouts)",
          bad_truth == list(OUTAGE) + [OUTAGE[-1] + 1])
    summary = subprocess.run([SIPMON, "replay", "-q", "--interval", "60s", path], capture_output=True, text=True).stdout
    worst_line = next((line for line in summary.splitlines() if line.startswith("worst SER")), "")
    check("the text summary's worst-SER interval is in the outage", any(
        _iso(BASE_US + m * 60_000_000) in worst_line for m in OUTAGE), worst_line)
    check("the text summary names a busiest interval", "busiest" in summary)


# Per-peer series item key -> the generator's count (peer_kpis_test.py records when each is decided).
PEER_KEYS = {"attempts": ("session_attempts",), "established": ("sessions_established",),
             "completed": ("sessions_completed",), "ineffective": ("sessions_ineffective",),
             "timeouts": ("timeouts",), "cancelled": ("sessions_cancelled",), "failed": ("sessions_failed",),
             "redirected": ("sessions_redirected",), "reg_attempts": ("registration_attempts",),
             "reg_succeeded": ("registrations_succeeded",), "reg_timeouts": ("registration_timeouts",),
             "srd": ("srd", "count"), "srd_failed": ("srd_failed", "count"), "sdt": ("sdt", "count"),
             "rrd": ("rrd", "count")}


def peer_series(tmp):
    """3. peer_kpis_test.py's SBC capture (three carriers, carrier_c down for 5 minutes) with --peers and
    --interval 60s: each peer's figures in each interval equal what the generator computes for the
    attempts of that peer (its rule: the first INVITE's sender if listed, else its receiver), counted
    in the interval of the packet that decides them (a timer: the first packet past its deadline)."""
    import peer_kpis_test as gen
    packets, attempts = gen.generate(19)
    pcap = os.path.join(tmp, "sbc.pcap")
    gen.write_pcap(pcap, packets)
    carriers = {name: [cidr] for name, (cidr, _) in gen.CARRIERS.items()}
    peers_file = os.path.join(tmp, "peers.txt")
    with open(peers_file, "w") as f:
        f.writelines("%s %s\n" % (name, " ".join(cidrs)) for name, cidrs in carriers.items())
    times = [t for t, _ in packets]

    def minute(at):
        if isinstance(at, tuple):  # ("timer", deadline): decided by the first packet past it
            at = next(t for t in times if t > at[1])
        return at // 60_000_000

    truth = {}  # (peer, epoch minute) -> {key: n}
    for src, dst, r in attempts:
        peer = gen.peer_of_attempt(carriers, src, dst)
        for key, at in r["at"]:
            cell = truth.setdefault((peer, minute(at)), {})
            cell[key] = cell.get(key, 0) + 1
    report = replay([pcap], "--peers", peers_file, "--interval", "60s")
    check("peers: nothing left out", report.get("series_dropped_peer_figures") == 0)
    got = {}
    summed = {}
    for item in report["series"]:
        m = int(_epoch(item["start"])) // 60
        total = {k: 0 for k in SUMMED}
        for peer, figures in item["peers"].items():
            r = figures["rfc6076"]
            got[(peer, m)] = {key: (r[path[0]] if len(path) == 1 else r[path[0]][path[1]])
                              for key, path in PEER_KEYS.items()}
            add_into(total, {k: r[k] for k in SUMMED})
            add_into(summed.setdefault(peer, {}), {k: r[k] for k in SUMMED})
        check("minute %d: the peers listed add up to the interval's counts" % m,
              total == {k: item["rfc6076"][k] for k in SUMMED}, "%s vs %s" % (total, item["rfc6076"]))
    for peer in list(carriers) + ["other"]:
        want = {k: report["peers"][peer]["rfc6076"][k] for k in SUMMED}
        check("%s: its series sum to its totals" % peer, summed.get(peer) == want, "%s vs %s" % (summed.get(peer), want))
    zero = {key: 0 for key in PEER_KEYS}
    cells = set(truth) | set(got)
    mismatches = []
    for cell in sorted(cells):
        want = dict(zero, **truth.get(cell, {}))
        if got.get(cell, zero) != want:
            mismatches.append("%s minute %d: got %s, want %s" % (cell[0], cell[1], got.get(cell), want))
    check("every peer's figures in every interval equal the generator's (%d cells)" % len(cells), not mismatches,
          "; ".join(mismatches[:5]))
    # The outage: carrier_c's timeouts are in its outage's intervals (and the next, Timer B later) only.
    start_min = gen.START_US // 60_000_000
    down = sorted({m - start_min for (peer, m), v in got.items() if peer == "carrier_c" and v["timeouts"]})
    first, last = gen.OUTAGE_S[0] // 60, (gen.OUTAGE_S[1] + 32) // 60 + 1
    check("carrier_c's timeouts fall in its outage (minutes %d-%d of the capture): %s" % (first, last, down),
          down and all(first <= m <= last for m in down))
    check("no other carrier times out in the outage", not any(
        v["timeouts"] for (peer, m), v in got.items() if peer in ("carrier_a",) and first <= m - start_min <= last))


def _iso(ts_us):
    import datetime
    return datetime.datetime.fromtimestamp(ts_us / 1e6, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def main():
    with tempfile.TemporaryDirectory(prefix="i20a-series-") as tmp:
        sums_on_captures()
        outage_series(tmp)
        peer_series(tmp)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
