#!/usr/bin/env python3
"""`--openmetrics FILE`: a recorded capture backfilled into a real Prometheus (docs/prometheus.md,
"Backfilling a capture").

The outage capture of series_test.py (20 minutes of calls, 5 minutes of 503s and unanswered
INVITEs) is replayed with `--interval 60s --json --openmetrics`; the real `promtool tsdb
create-blocks-from openmetrics` turns the file into blocks; a real Prometheus, started on those
blocks on a free port of 127.0.0.1 with a retention long enough for an old capture, is queried over
its HTTP API at the end of every interval. At each one the backfilled counters equal the running
sums of the JSON series, and their one-interval differences (`x - x offset 60s`) equal the
interval's own figures; the per-interval gauge equals calls_active_max.

Per peer: peer_kpis_test.py's SBC capture (three carriers, one with a 5-minute outage) replayed with
`--peers --interval 60s --openmetrics` into the same TSDB: at the end of every interval
`sum by (peer) (...)` of the session, closed-attempt, registration and SRD families equals each
peer's running sum of the JSON's per-peer series (`series[].peers.NAME.rfc6076`), its one-interval
increase the peer's figure in that interval, and the closed SER by peer the JSON's.

SKIPPED (exit $SIPMON_SKIP_CODE, 77) without promtool or prometheus. Prints `P passed, F failed`.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402  (the pass/fail tally)

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
import series_test  # noqa: E402  (the outage capture and its generator)

check = Checks()


def free_port():
    return int(subprocess.check_output([sys.executable, os.path.join(SOURCE_DIR, "tests/e2e/lib/free_port.py")]))


def query(port, expr, at):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": expr, "time": "%.3f" % at}))
    with urllib.request.urlopen(url, timeout=5) as answer:
        result = json.load(answer)["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def query_by_peer(port, expr, at):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": expr, "time": "%.3f" % at}))
    with urllib.request.urlopen(url, timeout=5) as answer:
        result = json.load(answer)["data"]["result"]
    return {r["metric"].get("peer"): float(r["value"][1]) for r in result}


def wait_ready(port, proc):
    for _ in range(300):  # up to 30 s
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port, timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


# PromQL over the backfilled series -> the same figure from one JSON series item.
FIGURES = [
    ("sum(sipmon_session_attempts_total)", lambda i: i["rfc6076"]["session_attempts"]),
    ("sum(sipmon_sessions_established_total)", lambda i: i["rfc6076"]["sessions_established"]),
    ("sum(sipmon_session_attempts_ineffective_total)", lambda i: i["rfc6076"]["sessions_ineffective"]),
    ("sum(sipmon_session_timeouts_total)", lambda i: i["rfc6076"]["timeouts"]),
    ("sum(sipmon_sessions_completed_total)", lambda i: i["rfc6076"]["sessions_completed"]),
    ('sum(sipmon_session_attempts_closed_total{outcome="timed_out"})', lambda i: i["rfc6076"]["closed"]["timed_out"]),
    ('sum(sipmon_session_attempts_closed_total{outcome="completed"})', lambda i: i["rfc6076"]["closed"]["completed"]),
    ('sum(sipmon_sip_requests_total{method="INVITE"})', lambda i: i["requests"].get("INVITE", 0)),
    ('sum(sipmon_sip_responses_total{method="INVITE",code="503"})', lambda i: i["responses"].get("503", 0)),
    ('sum(sipmon_session_request_delay_seconds_count{outcome="success"})', lambda i: i["rfc6076"]["srd"]["count"]),
    ("sum(sipmon_session_duration_seconds_count)", lambda i: i["rfc6076"]["sdt"]["count"]),
]


# Per peer (--peers): PromQL summed by peer -> the figure of one peer in one JSON series item.
PEER_FIGURES = [
    ("sipmon_session_attempts_total", lambda r: r["session_attempts"]),
    ("sipmon_sessions_established_total", lambda r: r["sessions_established"]),
    ("sipmon_session_timeouts_total", lambda r: r["timeouts"]),
    ("sipmon_session_attempts_ineffective_total", lambda r: r["sessions_ineffective"]),
    ('sipmon_session_attempts_closed_total{outcome=~"completed|established"}',
     lambda r: r["closed"]["completed"] + r["closed"]["established"]),
    ('sipmon_session_attempts_closed_total', lambda r: r["closed"]["session_attempts"]),
    ("sipmon_registration_attempts_total", lambda r: r["registration_attempts"]),
    ('sipmon_session_request_delay_seconds_count{outcome="success"}', lambda r: r["srd"]["count"]),
]


def peers_capture(tmp, blocks):
    """peer_kpis_test.py's SBC capture (three carriers, carrier_c down 5 minutes) replayed with
    --peers and --interval 60s; its OpenMetrics file is added to the same TSDB (other instance, other
    time). Returns the JSON report."""
    import peer_kpis_test as gen
    packets, _ = gen.generate(19)
    pcap = os.path.join(tmp, "sbc.pcap")
    gen.write_pcap(pcap, packets)
    peers_file = os.path.join(tmp, "peers.txt")
    with open(peers_file, "w") as f:
        f.writelines("%s %s\n" % (name, cidr) for name, (cidr, _) in gen.CARRIERS.items())
    om = os.path.join(tmp, "sbc.om")
    out = subprocess.run([SIPMON, "replay", "-q", "--json", "--peers", peers_file, "--interval", "60s",
                          "--openmetrics", om, pcap], capture_output=True, text=True)
    check("replay --peers --openmetrics exits 0", out.returncode == 0, out.stderr)
    with open(om) as f:
        text = f.read()
    check("with --peers the RFC 6076 families carry the peer label, as live",
          'sipmon_session_attempts_total{job="sipmon",instance="sbc.pcap",peer="carrier_c"}' in text and
          not any(line.startswith("sipmon_session_attempts_total{") and "peer=" not in line
                  for line in text.splitlines()))
    made = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, blocks],
                          capture_output=True, text=True)
    check("promtool turns the per-peer file into blocks", made.returncode == 0, made.stderr + made.stdout)
    return json.loads(out.stdout) if out.returncode == 0 else None


def check_peers(port, report):
    """At the end of every interval, `sum by (peer)` of each family equals each peer's running sum
    of the JSON series, and its one-interval increase the peer's figure in that interval."""
    peers = sorted(report["peers"])
    running = {(expr, peer): 0 for expr, _ in PEER_FIGURES for peer in peers}
    seen_peers = set()
    for n, item in enumerate(report["series"]):
        at = series_test._epoch(item["end"])
        for expr, figure in PEER_FIGURES:
            selector = expr.replace("{", '{instance="sbc.pcap",') if "{" in expr else expr + '{instance="sbc.pcap"}'
            got = query_by_peer(port, "sum by (peer) (%s)" % selector, at)
            before = query_by_peer(port, "sum by (peer) (%s)" % selector, at - 60) if n > 0 else {}
            for peer in peers:
                listed = item["peers"].get(peer)
                step = figure(listed["rfc6076"]) if listed else 0
                running[(expr, peer)] += step
                if listed:
                    seen_peers.add(peer)
                check("sum by (peer) (%s) for %s at %s equals the JSON's running sum" % (expr, peer, item["end"]),
                      got.get(peer, 0) == running[(expr, peer)],
                      "got %s, want %s" % (got.get(peer), running[(expr, peer)]))
                if n > 0:
                    check("%s for %s: the interval ending %s equals the JSON's per-peer figure" %
                          (expr, peer, item["end"]), got.get(peer, 0) - before.get(peer, 0) == step,
                          "got %s, want %s" % (got.get(peer, 0) - before.get(peer, 0), step))
    check("every peer appears in the series (%s)" % peers, seen_peers == set(peers), str(seen_peers))
    # The final figures equal the report's per-peer totals, and carrier_c's SER over closed attempts
    # (the shipped rules' formula) is the JSON's.
    end = series_test._epoch(report["series"][-1]["end"])
    attempts = query_by_peer(port, 'sum by (peer) (sipmon_session_attempts_total{instance="sbc.pcap"})', end)
    check("sum by (peer) at the end equals peers.NAME.rfc6076.session_attempts",
          attempts == {p: float(report["peers"][p]["rfc6076"]["session_attempts"]) for p in peers}, str(attempts))
    ser = query_by_peer(port, '100 * sum by (peer) (sipmon_session_attempts_closed_total{instance="sbc.pcap",'
                              'outcome=~"completed|established"}) / sum by (peer) (sipmon_session_attempts_closed_total'
                              '{instance="sbc.pcap",outcome!="redirected"})', end)
    for peer in peers:
        want = report["peers"][peer]["rfc6076"]["closed"]["ser"]
        check("closed SER of %s from the backfilled counters equals the JSON's (%s)" % (peer, want),
              want is not None and abs(ser.get(peer, -1) - want) < 1e-4, "got %s" % ser.get(peer))


def main():
    for tool in ("promtool", "prometheus"):
        if shutil.which(tool) is None:
            print("SKIPPED: %s is not installed (scripts/setup.sh installs it)" % tool)
            return int(os.environ.get("SIPMON_SKIP_CODE") or 77)
    with tempfile.TemporaryDirectory(prefix="i20a-backfill-") as tmp:
        capture = os.path.join(tmp, "outage.pcap")
        series_test.outage_capture(capture)
        om = os.path.join(tmp, "series.om")
        out = subprocess.run([SIPMON, "replay", "-q", "--json", "--interval", "60s", "--openmetrics", om, capture],
                             capture_output=True, text=True)
        check("replay --openmetrics exits 0", out.returncode == 0, out.stderr)
        report = json.loads(out.stdout)
        series = report["series"]
        with open(om) as f:
            text = f.read()
        check("the file ends with # EOF", text.endswith("# EOF\n"))
        check("every sample has the labels a scrape gives (job, instance)",
              all('job="sipmon",instance="outage.pcap"' in line for line in text.splitlines() if not line.startswith("#")))
        labelled = subprocess.run([SIPMON, "replay", "-q", "--interval", "60s", "--openmetrics", om + ".2",
                                   "--openmetrics-label", "job=archive", "--openmetrics-label", "site=par1", capture],
                                  capture_output=True, text=True)
        with open(om + ".2") as f:
            first_sample = next(line for line in f if not line.startswith("#"))
        check("--openmetrics-label replaces job and adds labels",
              labelled.returncode == 0 and 'job="archive",instance="outage.pcap",site="par1"' in first_sample, first_sample)
        bad = subprocess.run([SIPMON, "replay", "-q", "--interval", "60s", "--openmetrics", om + ".3",
                              "--openmetrics-label", "no-equals", capture], capture_output=True, text=True)
        check("a label that is not KEY=VALUE is refused (exit 2)", bad.returncode == 2 and "KEY=VALUE" in bad.stderr,
              bad.stderr)
        blocks = os.path.join(tmp, "tsdb")
        made = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, blocks],
                              capture_output=True, text=True)
        check("promtool turns it into blocks", made.returncode == 0, made.stderr + made.stdout)
        peers_report = peers_capture(tmp, blocks)
        usage = subprocess.run([SIPMON, "replay", "-q", "--openmetrics", om, capture], capture_output=True, text=True)
        check("--openmetrics without --interval is refused (exit 2)",
              usage.returncode == 2 and "--interval" in usage.stderr, usage.stderr)
        port = free_port()
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1m\nscrape_configs: []\n")
        log = open(os.path.join(tmp, "prometheus.log"), "w")
        proc = subprocess.Popen(["prometheus", "--config.file=" + config, "--storage.tsdb.path=" + blocks,
                                 "--storage.tsdb.retention.time=100y", "--web.listen-address=127.0.0.1:%d" % port],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            ready = wait_ready(port, proc)
            check("prometheus starts on the blocks", ready)
            if ready:
                running = {expr: 0 for expr, _ in FIGURES}
                for n, item in enumerate(series):
                    at = series_test._epoch(item["end"])
                    for expr, figure in FIGURES:
                        running[expr] += figure(item)
                        # A labelled series is created when first counted (as live): absent before.
                        got = query(port, expr, at) or 0
                        check("%s at %s equals the JSON series' running sum" % (expr, item["end"]),
                              got == running[expr], "got %s, want %s" % (got, running[expr]))
                        if n > 0:
                            inner = expr[4:-1]  # sum(X) -> X
                            step = query(port, "sum(%s - %s offset 60s)" % (inner, inner), at)
                            if step is None:  # created in this interval: nothing 60 s earlier
                                step = (query(port, expr, at) or 0) - (query(port, expr, at - 60) or 0)
                            check("%s: the interval ending %s equals the JSON item" % (expr, item["end"]),
                                  step == figure(item), "got %s, want %s" % (step, figure(item)))
                    got = query(port, 'count(sipmon_build_info{job="sipmon",instance="outage.pcap"})', at)
                    check("the dashboard's variable source, sipmon_build_info{job, instance}, is there at %s"
                          % item["end"], got == 1, "got %s" % got)
                    got = query(port, "sipmon_dialogs_active_max", at)
                    check("sipmon_dialogs_active_max at %s is calls_active_max" % item["end"],
                          got == item["calls_active_max"], "got %s" % got)
                if peers_report:
                    check_peers(port, peers_report)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
