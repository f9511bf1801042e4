#!/usr/bin/env python3
"""`--compat sip-exporter` answers the queries of the sip-exporter v1.11.0 Grafana dashboard.

A real Prometheus scrapes a stand-in target that serves two real `sipmon replay --compat
sip-exporter` expositions: the first scrape gets the exposition of one capture, every later scrape
the exposition of eleven (the first one included), as if the calls of the ten others had happened
between two scrapes. Then every query below is evaluated, with the dashboard's variables
interpolated the way Grafana does for "All" (a variable with an allValue takes it; one without
takes the regex of the values its own label_values() query finds in Prometheus), and each must
return at least one finite sample.

The queries are the dashboard's panel queries for every family sipmon covers (docs/prometheus.md,
"Compatibility with sip-exporter"), written here in the dashboard's shape. With
SIP_EXPORTER_DASHBOARD=path/to/grafana-dashboard.json (the upstream file, which this repository
does not ship), every target of that file is evaluated too: a query on covered families only must
return data; one on a family listed as not covered must return nothing (so the list stays true).

Truth from outside sipmon: the attempts and codes the windowed figures must show come from the
samples' golden reports (samples/*.expected.json): invite_total grows by the session attempts,
not by the INVITE packets (call-reinvite and call-retransmit send more INVITEs than attempts).
Starts servers on 127.0.0.1; prints `P passed, F failed`; exits 77 (SKIPPED) without prometheus.
"""
import http.server
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

SKIP = int(os.environ.get("SIPMON_SKIP_CODE", "77"))
SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.path.abspath(os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon"))
SAMPLES = os.path.join(SOURCE_DIR, "samples")
FIRST = ["call-answered"]
LATER = FIRST + ["call-busy", "call-redirect", "call-503", "call-cancel", "call-reinvite", "call-retransmit",
                 "call-407-answered", "register-401", "register-403", "options-ping"]

# The families sipmon does not export under --compat (docs/prometheus.md lists them with the reason).
NOT_COVERED = re.compile(
    r"sip_exporter_(rtp_|rtcp_|vq_|ttr|ord|lrd|active_registrations|register_scan|register_country_change|"
    r"invite_burst|fas_calls|billable_seconds|sessions_missing_rtp|sessions_limit|sessions_utilization|"
    r"socket_packets_|system_error|parse_errors|channel_|active_trackers|reinvite|short_calls|"
    r"register_success_ratio|sip_retransmission)")

# The dashboard's selector of the base SIP labels, and the INVITE counters' (iface, destination_country).
SEL = ('instance=~"$instance",carrier=~"$carrier",direction=~"$direction",ua_type=~"$ua_type",'
       'source_country=~"$source_country"')
SEL_INVITE = ('instance=~"$instance",iface=~"$iface",carrier=~"$carrier",direction=~"$direction",'
              'ua_type=~"$ua_type",source_country=~"$source_country",destination_country=~"$destination_country"')
SEL_INVITE_ANY_DIRECTION = SEL_INVITE.replace(',direction=~"$direction"', "")
SEL_TERMINAL_FAILURE = SEL + ',code!~"3..|401|407"'
BY = "instance, carrier, direction, ua_type, source_country"
METHODS = ["ack", "bye", "cancel", "register", "options", "update", "info", "refer", "subscribe", "notify", "prack",
           "publish", "message"]
CODES = ["100", "200", "300", "302", "400", "401", "403", "404", "405", "408", "480", "481", "486", "487", "488",
         "500", "501", "502", "503", "504", "600", "603", "604", "606"]


def r(name, sel=SEL):
    return f"rate({name}{{{sel}}}[$__rate_interval])"


def s(name, sel=SEL):
    return f"sum({r(name, sel)})"


def codes_sum(codes):
    return " + ".join(s(f"sip_exporter_{c}_total") for c in codes)


# Variables: name -> (label_values query or None, allValue or None).
VARIABLES = [
    ("instance", None, ".*"),
    ("carrier", ('{__name__=~"sip_exporter_(invite|register)_total"}', "carrier"), None),
    ("ua_type", ('{__name__=~"sip_exporter_(invite|register)_total"}', "ua_type"), None),
    ("direction", None, ".*"),
    ("source_country", ('{__name__=~"sip_exporter_(invite|register)_total",carrier=~"$carrier",'
                        'direction=~"$direction",ua_type=~"$ua_type"}', "source_country"), None),
    ("destination_country", ('{__name__=~"sip_exporter_(invite|register)_total",carrier=~"$carrier",'
                             'direction=~"$direction",ua_type=~"$ua_type",source_country=~"$source_country"}',
                             "destination_country"), None),
    ("iface", ('sip_exporter_invite_total{instance=~"$instance"}', "iface"), None),
]


def own_queries():
    invite = s("sip_exporter_invite_total", SEL_INVITE)
    invite_plain = s("sip_exporter_invite_total")
    ineffective = codes_sum(["408", "500", "503", "504"])
    queries = [
        f'sum(sip_exporter_sessions{{{SEL}}})',
        invite,
        s("sip_exporter_sdc_total"),
        f"100 * {s('sip_exporter_invite_200_total', SEL_INVITE)} / {invite}",
        f"100 - (100 * ({ineffective}) / {invite_plain})",
        f"100 * ({ineffective}) / {invite_plain}",
        f"100 * {s('sip_exporter_sdc_total')} / {invite_plain}",
        f"100 * {s('sip_exporter_invite_200_total')} / ({invite_plain} - sum(sum by ({BY}) ({r('sip_exporter_invite_3xx_total')})"
        f" or ((sum by ({BY}) ({r('sip_exporter_300_total')}) or 0 * sum by ({BY}) ({r('sip_exporter_invite_total')}))"
        f" + (sum by ({BY}) ({r('sip_exporter_302_total')}) or 0 * sum by ({BY}) ({r('sip_exporter_invite_total')})))))",
        f"100 * ({s('sip_exporter_invite_200_total')} + ({codes_sum(['480', '486', '600', '603'])})) / "
        f"({invite_plain} - ({codes_sum(['300', '302'])}))",
        f"sum by (direction) ({r('sip_exporter_invite_total', SEL_INVITE_ANY_DIRECTION)})",
        f"topk(10, sum by (source_country) ({r('sip_exporter_invite_total', SEL_INVITE)}))",
        f"topk(10, sum by (destination_country) ({r('sip_exporter_invite_total', SEL_INVITE)}))",
        f"sum by (iface) ({r('sip_exporter_invite_total', SEL_INVITE)})",
        f"sum({r('sip_exporter_iss_total')}) by (carrier, ua_type, source_country)",
        f"100 * {s('sip_exporter_register_success_total')} / ({s('sip_exporter_register_success_total')} + "
        f"{s('sip_exporter_register_failure_total', SEL_TERMINAL_FAILURE)})",
        f"sum by (code) ({r('sip_exporter_register_failure_total')})",
        f"sum by (carrier) ({r('sip_exporter_register_total')})",
        r("sip_exporter_invite_total", SEL_INVITE),
    ]
    queries += [r(f"sip_exporter_{m}_total") for m in METHODS]
    queries += [codes_sum([c]) for c in CODES]
    queries.append(s("sip_exporter_proxy_authentication_required_total"))
    for family in ("pdd", "spd", "rrd", "pbd"):
        queries.append(f"histogram_quantile(0.95, sum({r(f'sip_exporter_{family}_bucket')}) by (le))")
        queries.append(f"histogram_quantile(0.5, sum({r(f'sip_exporter_{family}_bucket')}) by (le, carrier, ua_type, source_country))")
    return queries


class Exposition(http.server.BaseHTTPRequestHandler):
    """Serves the first exposition to the first scrape, the second to every later one."""
    bodies = []
    served = 0

    def do_GET(self):
        body = Exposition.bodies[min(Exposition.served, 1)]
        Exposition.served += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    for tool in ("prometheus",):
        if shutil.which(tool) is None:
            print(f"SKIPPED: {tool} is not installed (scripts/setup.sh installs it)")
            return SKIP
    tmp = tempfile.mkdtemp()
    procs = []
    passed = failed = 0

    def check(what, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"PASS: {what}")
        else:
            failed += 1
            print(f"FAIL: {what} {detail}")

    try:
        for name, captures in (("first", FIRST), ("later", LATER)):
            out = os.path.join(tmp, name + ".prom")
            run = subprocess.run([SIPMON, "replay", *[os.path.join(SAMPLES, c + ".pcap") for c in captures],
                                  "--compat", "sip-exporter", "--prom-file", out], capture_output=True, text=True,
                                 timeout=120)
            check(f"replay --compat sip-exporter ({len(captures)} captures) exits 0", run.returncode == 0, run.stderr[-300:])
            Exposition.bodies.append(open(out, "rb").read())

        target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Exposition)
        threading.Thread(target=target.serve_forever, daemon=True).start()
        with __import__("socket").socket() as sock:
            sock.bind(("127.0.0.1", 0))
            prom_port = sock.getsockname()[1]
        with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: sip-exporter
    static_configs:
      - targets: ["127.0.0.1:{target.server_address[1]}"]
""")
        procs.append(subprocess.Popen(["prometheus", f"--config.file={tmp}/prometheus.yml",
                                       f"--storage.tsdb.path={tmp}/tsdb", f"--web.listen-address=127.0.0.1:{prom_port}"],
                                      stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "prometheus.log"), "w")))
        api = f"http://127.0.0.1:{prom_port}/api/v1/"

        def get(path, **params):
            url = api + path + "?" + urllib.parse.urlencode(params, doseq=True)
            try:
                with urllib.request.urlopen(url, timeout=10) as answer:
                    return json.load(answer)
            except OSError as error:
                return {"status": "error", "error": str(error)}

        def query(expr):
            answer = get("query", query=expr)
            if answer.get("status") != "success":
                return None, answer.get("error")
            return [float(sample["value"][1]) for sample in answer["data"]["result"]], None

        # Until both expositions have been scraped and the later one at least twice.
        ready = False
        for _ in range(600):
            values, _ = query('count_over_time(sip_exporter_packets_total[1m])')
            if values and values[0] >= 3 and Exposition.served >= 3:
                ready = True
                break
            time.sleep(0.1)
        check("prometheus scrapes both expositions", ready)
        if not ready:
            return 1

        # Truth from the golden reports: growth between the two expositions, exact (max - min of
        # each series over the window, no rate() extrapolation).
        def golden(name):
            return json.load(open(os.path.join(SAMPLES, name + ".expected.json")))

        later = [golden(c) for c in LATER[1:]]

        def growth(metric):
            values, _ = query(f"sum(max_over_time({metric}[1m]) - min_over_time({metric}[1m]))")
            return values[0] if values else None

        attempts = sum(g["rfc6076"]["session_attempts"] for g in later)
        invites = sum(g["requests"].get("INVITE", 0) for g in later)
        check(f"invite_total grew by the session attempts ({attempts}), not the INVITE packets ({invites})",
              growth("sip_exporter_invite_total") == attempts and invites > attempts,
              f"got {growth('sip_exporter_invite_total')}")
        for code, metric in (("407", "sip_exporter_proxy_authentication_required_total"), ("503", "sip_exporter_503_total"),
                             ("200", "sip_exporter_200_total")):
            want = sum(g["responses"].get(code, 0) for g in later)
            check(f"{metric} grew by the {code} responses ({want})", growth(metric) == want and want > 0,
                  f"got {growth(metric)}")
        established = sum(g["rfc6076"]["sessions_established"] for g in later)
        check(f"invite_200_total grew by the established sessions ({established})",
              growth("sip_exporter_invite_200_total") == established, f"got {growth('sip_exporter_invite_200_total')}")
        check("sip_exporter_407_total does not exist", query("sip_exporter_407_total")[0] == [])

        # Grafana's "All" for each variable.
        values = {"__rate_interval": "1m"}

        def interpolate(expr):
            return re.sub(r"\$\{?(\w+)\}?", lambda m: values.get(m.group(1), m.group(0)), expr)

        for name, source, all_value in VARIABLES:
            if all_value is not None:
                values[name] = all_value
                continue
            match, label = source
            found = get(f"label/{label}/values", **{"match[]": interpolate(match)}).get("data") or []
            escaped = [re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\\\1", v) for v in found]
            values[name] = escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")" if escaped else ""
            print(f"  ${name} = {values[name]!r}")
        check("the carrier variable finds carrier=\"other\"", values["carrier"] == "other")

        def evaluate(expr, must_answer=True):
            result, error = query(interpolate(expr))
            if error is not None:
                check(f"query parses: {expr[:100]}", False, error)
                return
            finite = [v for v in result if math.isfinite(v)]
            if must_answer:
                check(f"data: {expr[:110]}", bool(finite), f"-> {result}")
            else:
                check(f"no data (not covered): {expr[:90]}", not result, f"-> {result}")

        for expr in own_queries():
            evaluate(expr)

        upstream = os.environ.get("SIP_EXPORTER_DASHBOARD")
        if upstream:
            dashboard = json.load(open(upstream))
            targets = []

            def walk(panel):
                targets.extend(t["expr"] for t in panel.get("targets", []) if t.get("expr"))
                for child in panel.get("panels", []):
                    walk(child)

            for panel in dashboard["panels"]:
                walk(panel)
            print(f"  upstream dashboard: {len(targets)} queries")
            for expr in targets:
                evaluate(expr, must_answer=not NOT_COVERED.search(expr))
        else:
            print("  SIP_EXPORTER_DASHBOARD not set: the upstream dashboard file itself is not evaluated")
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
