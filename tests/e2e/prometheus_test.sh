#!/usr/bin/env bash
# The Prometheus outputs against the real tools: promtool on the exposition and the rules, a real
# Prometheus scraping `sipmon replay --listen` (its PromQL must agree with sipmon's JSON report), a
# real Pushgateway receiving `--push`, and the failure paths (busy port, unreachable gateway).
# The attacks, basic auth, TLS, IPv6 and the hung gateway are in metrics_http_test.sh.
# Every server runs on 127.0.0.1 on a free port chosen here and is stopped on exit; every wait is
# bounded. Prints "P passed, F failed"; exits 1 if anything failed.
set -u

SRC=${SIPMON_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIPMON=${SIPMON:-$SRC/build/sipmon}
SAMPLES=$SRC/samples
source "$SRC/tests/e2e/lib/prometheus.sh"
# A mix of outcomes so that the ratios are not trivially 100 %.
CAPTURES=("$SAMPLES/call-answered.pcap" "$SAMPLES/call-busy.pcap" "$SAMPLES/call-redirect.pcap"
  "$SAMPLES/call-503.pcap" "$SAMPLES/call-cancel.pcap" "$SAMPLES/register-401.pcap")

passed=0
failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...
  local description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

for tool in promtool prometheus prometheus-pushgateway curl python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIPPED: $tool is not installed (scripts/setup.sh installs it)"
    exit "${SIPMON_SKIP_CODE:-77}"
  fi
done

free_port() {
  python3 "$SRC/tests/e2e/lib/free_port.py"
}


# expo FILE METRIC [KEY=VALUE...]: sum of the metric's samples in an exposition over the series
# with those labels; "absent" when there is none.
expo() { python3 "$SRC/tests/e2e/lib/exposition_sum.py" "$@"; }
json() { python3 "$SRC/tests/e2e/lib/json_eval.py" --number "$1" "$2"; } # json FILE PYTHON-EXPRESSION-OVER-r
same() { # same A B: equal numbers
  python3 "$SRC/tests/e2e/lib/same_number.py" "$1" "$2" ||
    { echo "  expected $2, got $1"; return 1; }
}

# --- the exposition file ----------------------------------------------------------------------
timeout 60 "$SIPMON" replay "${CAPTURES[@]}" --out "$TMP/report.json" --prom-file "$TMP/sipmon.prom" >/dev/null 2>"$TMP/replay.err"
check "replay --prom-file exits 0" test $? -eq 0
check "promtool check metrics: the exposition file is clean" promtool check metrics <"$TMP/sipmon.prom"
check "exposition: requests equal the JSON report's" \
  same "$(expo "$TMP/sipmon.prom" sipmon_sip_requests_total)" "$(json "$TMP/report.json" 'sum(r["requests"].values())')"
check "exposition: INVITEs equal the JSON report's" \
  same "$(expo "$TMP/sipmon.prom" sipmon_sip_requests_total method=INVITE)" "$(json "$TMP/report.json" 'r["requests"]["INVITE"]')"
check "exposition: responses equal the JSON report's" \
  same "$(expo "$TMP/sipmon.prom" sipmon_sip_responses_total)" "$(json "$TMP/report.json" 'sum(r["responses"].values())')"
check "exposition: 200s to INVITE equal responses_by_method" \
  same "$(expo "$TMP/sipmon.prom" sipmon_sip_responses_total method=INVITE code=200)" \
  "$(json "$TMP/report.json" 'r["responses_by_method"]["INVITE"]["200"]')"
check "exposition: packets equal the capture section's" \
  same "$(expo "$TMP/sipmon.prom" sipmon_packets_total)" "$(json "$TMP/report.json" 'r["capture"]["packets"]')"
check "exposition: bytes equal the capture section's" \
  same "$(expo "$TMP/sipmon.prom" sipmon_bytes_total)" "$(json "$TMP/report.json" 'r["capture"]["bytes"]')"
check "exposition: sipmon_build_info names the version" \
  same "$(expo "$TMP/sipmon.prom" sipmon_build_info "version=$(json "$TMP/report.json" 'r["sipmon_version"]')")" 1
check "exposition: no temporary file left beside it" test "$(ls "$TMP" | grep -c 'sipmon.prom.tmp')" -eq 0

timeout 60 "$SIPMON" replay "${CAPTURES[@]}" --compat sip-exporter --prom-file "$TMP/compat.prom" >/dev/null 2>&1
check "--compat sip-exporter: promtool check metrics is clean" promtool check metrics <"$TMP/compat.prom"
# v1.11.0 semantics: invite_total counts session attempts (no re-INVITE), responses are counted on
# the wire, 407 has its own name; without --peers every series is carrier="other".
check "--compat sip-exporter: sip_exporter_invite_total equals the session attempts" \
  same "$(expo "$TMP/compat.prom" sip_exporter_invite_total carrier=other)" "$(json "$TMP/report.json" 'r["rfc6076"]["session_attempts"]')"
check "--compat sip-exporter: sip_exporter_200_total equals the 200s" \
  same "$(expo "$TMP/compat.prom" sip_exporter_200_total carrier=other)" "$(json "$TMP/report.json" 'r["responses"]["200"]')"
check "--compat sip-exporter: sip_exporter_401_total equals the 401s" \
  same "$(expo "$TMP/compat.prom" sip_exporter_401_total carrier=other)" "$(json "$TMP/report.json" 'r["responses"]["401"]')"
check "--compat sip-exporter: 407 is sip_exporter_proxy_authentication_required_total, not sip_exporter_407_total" \
  test "$(expo "$TMP/compat.prom" sip_exporter_proxy_authentication_required_total carrier=other)" != absent -a \
  "$(expo "$TMP/compat.prom" sip_exporter_407_total)" = absent
check "--compat sip-exporter: sip_exporter_build_info names sipmon's version" \
  same "$(expo "$TMP/compat.prom" sip_exporter_build_info "version=$(json "$TMP/report.json" 'r["sipmon_version"]')")" 1
check "--compat sip-exporter: sipmon's own names are still there" \
  same "$(expo "$TMP/compat.prom" sipmon_sip_requests_total method=INVITE)" "$(json "$TMP/report.json" 'r["requests"]["INVITE"]')"

# --- --peers -------------------------------------------------------------------------------------
# The samples were recorded on loopback: every message is the "lo" peer's, none is "other".
printf '# test peers\nlo 127.0.0.0/8 ::1\nnowhere 192.0.2.0/24\n' >"$TMP/peers.txt"
timeout 60 "$SIPMON" replay "${CAPTURES[@]}" --peers "$TMP/peers.txt" --prom-file "$TMP/peers.prom" \
  --out "$TMP/peers.json" >/dev/null 2>&1
check "--peers: promtool check metrics is clean" promtool check metrics <"$TMP/peers.prom"
check "--peers: the loopback peer has every request" \
  same "$(expo "$TMP/peers.prom" sipmon_peer_sip_requests_total peer=lo)" "$(json "$TMP/report.json" 'sum(r["requests"].values())')"
check "--peers: the loopback peer has every response" \
  same "$(expo "$TMP/peers.prom" sipmon_peer_sip_responses_total peer=lo)" "$(json "$TMP/report.json" 'sum(r["responses"].values())')"
check "--peers: an unused peer has no series, and the JSON lists it empty" \
  test "$(expo "$TMP/peers.prom" sipmon_peer_sip_requests_total peer=nowhere)" = absent -a \
  "$(json "$TMP/peers.json" 'len(r["peers"]["nowhere"]["requests"])')" = 0
timeout 60 "$SIPMON" replay "${CAPTURES[@]}" --peers "$TMP/peers.txt" --compat sip-exporter \
  --prom-file "$TMP/peers-compat.prom" >/dev/null 2>&1
check "--peers --compat sip-exporter: promtool check metrics is clean" promtool check metrics <"$TMP/peers-compat.prom"
check "--peers --compat sip-exporter: the carrier label is the peer (BYEs of carrier lo)" \
  same "$(expo "$TMP/peers-compat.prom" sip_exporter_bye_total carrier=lo)" "$(json "$TMP/report.json" 'r["requests"]["BYE"]')"
check "--peers --compat sip-exporter: 200s of carrier lo" \
  same "$(expo "$TMP/peers-compat.prom" sip_exporter_200_total carrier=lo)" "$(json "$TMP/report.json" 'r["responses"]["200"]')"
printf 'other 10.0.0.0/8\n' >"$TMP/bad-peers.txt"
timeout 30 "$SIPMON" replay "$SAMPLES/call-answered.pcap" --peers "$TMP/bad-peers.txt" >/dev/null 2>"$TMP/bad-peers.err"
check "--peers: a bad file is an input error naming the line (exit 2)" \
  test $? -eq 2 -a "$(grep -c "bad-peers.txt:1:" "$TMP/bad-peers.err")" -ge 1

# --- --listen, and a real Prometheus scraping it ----------------------------------------------
LISTEN=$(free_port)
timeout 300 "$SIPMON" replay "${CAPTURES[@]}" --listen "127.0.0.1:$LISTEN" >/dev/null 2>"$TMP/listen.err" &
SIPMON_PID=$!
PIDS+=("$SIPMON_PID")
check "--listen: /healthz answers" http_ready "http://127.0.0.1:$LISTEN/healthz"
check "--listen: /healthz says ok" test "$(curl -s --max-time 5 "http://127.0.0.1:$LISTEN/healthz")" = "ok"
# The server answers from start-up, while the captures are still being read; the figures are the
# replay's once sipmon says it is serving "until interrupted" (on a busy machine that can take a
# while: scraping earlier read zeros now and then).
wait_line() { # wait_line FILE PATTERN: up to 60 s
  local i
  for i in $(seq 1 600); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
check "--listen: the replay finishes and sipmon says it serves until interrupted" \
  wait_line "$TMP/listen.err" "until interrupted"
curl -s --max-time 5 "http://127.0.0.1:$LISTEN/metrics" >"$TMP/scrape.prom"
check "--listen: promtool check metrics on /metrics is clean" promtool check metrics <"$TMP/scrape.prom"
check "--listen: /metrics serves the replay's figures" \
  same "$(expo "$TMP/scrape.prom" sipmon_sip_requests_total)" "$(json "$TMP/report.json" 'sum(r["requests"].values())')"

timeout 30 "$SIPMON" replay "$SAMPLES/call-answered.pcap" --listen "127.0.0.1:$LISTEN" >/dev/null 2>"$TMP/busy.err"
check "--listen on a busy port exits 2" test $? -eq 2
check "--listen on a busy port says which address, and why" \
  grep -q "127.0.0.1:$LISTEN.*in use" "$TMP/busy.err"

PROM=$(free_port)
cp "$SRC/docs/prometheus/recording_rules.yml" "$TMP/rules.yml"
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["$TMP/rules.yml"]
scrape_configs:
  - job_name: sipmon
    static_configs:
      - targets: ["127.0.0.1:$LISTEN"]
EOF
prometheus_start "$TMP" "$PROM"
PIDS+=("$PROMETHEUS_PID")
promql() { prometheus_query "$@"; }
check "prometheus starts" prometheus_ready
scraped=absent
for _ in $(seq 1 300); do # up to 30 s for the first scrapes
  scraped=$(promql 'sum(sipmon_sip_requests_total{job="sipmon"})')
  [ "$scraped" != absent ] && break
  sleep 0.1
done
check "prometheus: PromQL sum of requests equals the JSON report's" \
  same "$scraped" "$(json "$TMP/report.json" 'sum(r["requests"].values())')"
check "prometheus: PromQL INVITE 200s equal the JSON report's" \
  same "$(promql 'sum(sipmon_sip_responses_total{method="INVITE",code="200"})')" \
  "$(json "$TMP/report.json" 'r["responses_by_method"]["INVITE"]["200"]')"
check "prometheus: the target is up" same "$(promql 'up{job="sipmon"}')" 1

REPORT_SER=$(json "$TMP/report.json" '(r.get("rfc6076") or {}).get("ser")')
if [ "$REPORT_SER" != null ]; then
  check "prometheus: PromQL SER equals the JSON report's rfc6076.ser" same "$(promql \
    '100 * sum(sipmon_sessions_established_total) / (sum(sipmon_session_attempts_total) - sum(sipmon_sessions_redirected_total))')" \
    "$REPORT_SER"
else
  echo "SER comparison skipped: report has no rfc6076 yet"
fi

rules_healthy() {
  curl -s --max-time 5 "http://127.0.0.1:$PROM/api/v1/rules" | python3 "$SRC/tests/e2e/lib/prometheus_rules_healthy.py"
}
rules_ok=1
for _ in $(seq 1 100); do # up to 10 s for every rule to be evaluated once
  if rules_healthy; then rules_ok=0 && break; fi
  sleep 0.1
done
check "prometheus: every recording rule in docs/prometheus/ evaluates without error" test $rules_ok -eq 0

kill -TERM "$SIPMON_PID"
wait "$SIPMON_PID"
check "--listen: SIGTERM ends the replay with exit 0" test $? -eq 0
check "--listen: the log says where it served" grep -q "serving http://127.0.0.1:$LISTEN/metrics" "$TMP/listen.err"

# --- a real Pushgateway -----------------------------------------------------------------------
GATEWAY=$(free_port)
# Its state lives in this test's directory: Debian's default --persistence.file
# (/var/lib/prometheus/pushgateway.data) would hand it every group any earlier run, or anything
# else on this machine, ever pushed.
prometheus-pushgateway --web.listen-address="127.0.0.1:$GATEWAY" --persistence.file="$TMP/pushgateway.data" \
  >"$TMP/pushgateway.log" 2>&1 &
PIDS+=("$!")
check "pushgateway starts" http_ready "http://127.0.0.1:$GATEWAY/-/ready"
curl -s --max-time 5 "http://127.0.0.1:$GATEWAY/metrics" >"$TMP/gateway-empty.prom"
check "pushgateway: starts with no pushed group" test "$(expo "$TMP/gateway-empty.prom" push_time_seconds)" = absent
timeout 60 "$SIPMON" replay "${CAPTURES[@]}" --push "http://127.0.0.1:$GATEWAY" --job sipmon_e2e \
  --grouping instance=sbc1 --grouping site=lab >/dev/null 2>"$TMP/push.err"
check "replay --push exits 0" test $? -eq 0
curl -s --max-time 5 "http://127.0.0.1:$GATEWAY/metrics" >"$TMP/gateway.prom"
group=(job=sipmon_e2e instance=sbc1 site=lab)
check "pushgateway: INVITEs under the job and grouping labels" \
  same "$(expo "$TMP/gateway.prom" sipmon_sip_requests_total "${group[@]}" method=INVITE)" \
  "$(json "$TMP/report.json" 'r["requests"]["INVITE"]')"
check "pushgateway: all responses" \
  same "$(expo "$TMP/gateway.prom" sipmon_sip_responses_total "${group[@]}")" \
  "$(json "$TMP/report.json" 'sum(r["responses"].values())')"
check "pushgateway: packets" \
  same "$(expo "$TMP/gateway.prom" sipmon_packets_total "${group[@]}")" "$(json "$TMP/report.json" 'r["capture"]["packets"]')"
check "pushgateway: no push failure recorded" same "$(expo "$TMP/gateway.prom" sipmon_push_failures_total "${group[@]}")" 0
check "pushgateway: the group has a successful push time" \
  test "$(expo "$TMP/gateway.prom" push_time_seconds "${group[@]}")" != absent

# --- an unreachable Pushgateway ---------------------------------------------------------------
NOBODY=$(free_port)
timeout 60 "$SIPMON" replay "${CAPTURES[@]}" --push "http://127.0.0.1:$NOBODY" --out "$TMP/unreachable.json" \
  --prom-file "$TMP/unreachable.prom" >/dev/null 2>"$TMP/unreachable.err"
check "unreachable pushgateway: exit 3 (an output was lost)" test $? -eq 3
check "unreachable pushgateway: the message names the URL" grep -q "http://127.0.0.1:$NOBODY" "$TMP/unreachable.err"
check "unreachable pushgateway: the JSON report is still written" \
  same "$(json "$TMP/unreachable.json" 'sum(r["requests"].values())')" "$(json "$TMP/report.json" 'sum(r["requests"].values())')"
# Files go first, the network last: the exposition is written before the push is tried.
check "unreachable pushgateway: the exposition file is still written" \
  same "$(expo "$TMP/unreachable.prom" sipmon_sip_requests_total)" "$(json "$TMP/report.json" 'sum(r["requests"].values())')"

timeout 30 "$SIPMON" replay "$SAMPLES/call-answered.pcap" --push "127.0.0.1:9091" >/dev/null 2>"$TMP/badurl.err"
check "a --push without http:// is a usage error (exit 2)" test $? -eq 2

# --- the documented rules and dashboard ---------------------------------------------------------
check "promtool check rules docs/prometheus/recording_rules.yml" \
  promtool check rules "$SRC/docs/prometheus/recording_rules.yml"

# Every metric the rules and the dashboard use is in the reference table of docs/prometheus.md;
# those always exported are in the exposition, and so are those of every section the JSON report
# carries (rfc6076, dialogs, retransmissions).
check "dashboard JSON parses, and rules and dashboard use only documented, exported metrics" python3 - \
  "$SRC/docs/prometheus/grafana-dashboard.json" "$SRC/docs/prometheus/recording_rules.yml" \
  "$SRC/docs/prometheus.md" "$TMP/sipmon.prom" "$TMP/report.json" <<'EOF'
import json, re, sys
dashboard_path, rules_path, doc_path, expo_path, report_path = sys.argv[1:]
dashboard = json.load(open(dashboard_path))
exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
exprs += [t["query"] for t in dashboard["templating"]["list"] if t.get("type") == "query"]
# The rules' expressions: names, comments and recorded series (level:metric:operation) aside.
exprs += [l for l in open(rules_path) if not re.match(r"\s*(#|- name:|- record:|record:)", l)]
used = set()
for e in exprs:
    for name in re.findall(r"(?<![:\w])(sipmon_[a-z0-9_]+|sip_exporter_[a-z0-9_]+)(?![:\w])", e):
        used.add(re.sub(r"_(bucket|sum|count)$", "", name) if "_seconds_" in name else name)
documented = {}
for row in re.findall(r"^\| `([a-z_0-9]+)` \| (\w+) \|[^|]*\| ([a-z0-9_ ]+) \|", open(doc_path).read(), re.M):
    documented[row[0]] = row[2].strip()
exported = set(re.findall(r"^# TYPE (\S+) ", open(expo_path).read(), re.M))
report = json.load(open(report_path))
problems = []
if not used:
    problems.append("no metric found in the dashboard and rules")
for name in sorted(used):
    if name not in documented:
        problems.append(name + ": not in the reference table of docs/prometheus.md")
        continue
    when = documented[name]
    must_export = when == "always" or (when in ("rfc6076", "dialogs", "retransmissions") and when in report)
    if must_export and name not in exported:
        problems.append(name + ": documented as exported (" + when + ") but not in the exposition")
for name in exported:
    if name not in documented:
        problems.append(name + ": exported but not documented")
# Every variable the dashboard uses is one of its own (Grafana's $__ built-ins aside), and an
# import input nothing refers to would only make Grafana ask for a data source it never uses.
text = open(dashboard_path).read()
variables = {t["name"] for t in dashboard["templating"]["list"]}
for ref in sorted(set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))):
    if not ref.startswith("__") and ref not in variables:
        problems.append("dashboard: $" + ref + " is not one of its variables")
for entry in dashboard.get("__inputs", []):
    if "${" + entry["name"] + "}" not in text:
        problems.append("dashboard: __inputs entry " + entry["name"] + " is used nowhere")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
