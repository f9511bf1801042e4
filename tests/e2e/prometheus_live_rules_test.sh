#!/usr/bin/env bash
# The shipped recording rules (docs/prometheus/recording_rules.yml) evaluated by a real Prometheus
# scraping `sipmon live` on loopback while SIPp places calls: answered calls held 2 s (their
# completions come seconds after their INVITEs, in other scrape windows), busy calls, and calls
# that ring longer than Timer B before being answered. No ratio may ever exceed 1 (100 %), at any
# evaluation; the long-ringing calls must be established, never timeouts.
# Timers are shortened (--timer-b 2 --invite-timeout 30) so that "rings longer than Timer B"
# takes 4 s instead of 40 s (samples/call-long-ring.pcap has the 40-s version, replayed).
# Needs root, sipp, prometheus, curl. Run under `flock /tmp/sipmon-live.lock` beside other live
# tests. Prints PASS/FAIL lines; exits 1 on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SIPMON_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
source "$here/live_common.sh"
source "$here/lib/prometheus.sh"
require_root
require_tools sipp prometheus curl python3
: "${SIPMON:?path to the sipmon binary}"

live_work i11prom


failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; failed=1; }

# Eight distinct ports free for both UDP and TCP on 127.0.0.1.
read -r answer_uas answer_uac busy_uas busy_uac ring_uas ring_uac listen prom < <(python3 "$here/lib/free_port.py" --udp --count 8)
ports="$answer_uas,$answer_uac,$busy_uas,$busy_uac,$ring_uas,$ring_uac"

"$SIPMON" live -i lo --ports "$ports" --listen "127.0.0.1:$listen" --timer-b 2 --invite-timeout 30 \
  --out "$work/live.json" >"$work/live.out" 2>"$work/live.err" &
sipmon_pid=$!; pids+=("$sipmon_pid")
wait_for_line "$work/live.err" "capturing on lo" 10
http_ready "http://127.0.0.1:$listen/healthz" || { fail "sipmon live serves /healthz"; exit 1; }

cp "$SRC/docs/prometheus/recording_rules.yml" "$work/rules.yml"
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["$work/rules.yml"]
scrape_configs:
  - job_name: sipmon
    static_configs:
      - targets: ["127.0.0.1:$listen"]
YAML
prometheus_start "$work" "$prom"
pids+=("$PROMETHEUS_PID")
prometheus_ready || { fail "prometheus starts"; exit 1; }
start=$(date +%s)

# Three UAS/UAC pairs, all in the background, about 12 s of load: a dozen rule evaluations while
# calls are set up, answered and released in different scrape windows (1 s), which is what could
# push a ratio above 1; more seconds would only repeat them.
sed 's/milliseconds="40000"/milliseconds="4000"/' "$SRC/samples/scenarios/uas-long-ring.xml" >"$work/uas-ring.xml"
common=(-i 127.0.0.1 -nostdin -timeout 90s)
(cd "$work" && exec sipp -sn uas -p "$answer_uas" "${common[@]}" >uas-answer.log 2>&1) & pids+=("$!")
(cd "$work" && exec sipp -sf "$SRC/samples/scenarios/uas-busy.xml" -p "$busy_uas" "${common[@]}" >uas-busy.log 2>&1) & pids+=("$!")
(cd "$work" && exec sipp -sf "$work/uas-ring.xml" -p "$ring_uas" "${common[@]}" >uas-ring.log 2>&1) & pids+=("$!")
sleep 0.5
(cd "$work" && exec timeout -k 5 90 sipp -sn uac -d 2000 "127.0.0.1:$answer_uas" -p "$answer_uac" -r 20 -m 240 \
  "${common[@]}" >uac-answer.log 2>&1) & answer_pid=$!; pids+=("$answer_pid")
(cd "$work" && exec timeout -k 5 90 sipp -sf "$SRC/samples/scenarios/uac-reject.xml" "127.0.0.1:$busy_uas" \
  -p "$busy_uac" -r 4 -m 48 "${common[@]}" >uac-busy.log 2>&1) & busy_pid=$!; pids+=("$busy_pid")
(cd "$work" && exec timeout -k 5 90 sipp -sn uac -d 500 "127.0.0.1:$ring_uas" -p "$ring_uac" -r 1 -m 10 -l 10 \
  "${common[@]}" >uac-ring.log 2>&1) & ring_pid=$!; pids+=("$ring_pid")
for pid in "$answer_pid" "$busy_pid" "$ring_pid"; do wait "$pid" || echo "note: a SIPp uac exited with $?"; done
sleep 4  # the last calls' BYEs, then a few more evaluations of the rules
end=$(date +%s)

# Every recorded ratio at every evaluation of the test: its largest value must be <= 1.
python3 - "$prom" "$start" "$end" <<'PY' || failed=1
import json, sys, urllib.parse, urllib.request
prom, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rules = ["job:sipmon_session_establishment:ratio_rate5m", "job:sipmon_session_establishment_effectiveness:ratio_rate5m",
         "job:sipmon_session_attempts_ineffective:ratio_rate5m", "job:sipmon_session_completion:ratio_rate5m",
         "job:sipmon_answer_seizure:ratio_rate5m", "job:sipmon_network_effectiveness:ratio_rate5m"]
bad = False
for rule in rules:
    query = urllib.parse.urlencode({"query": rule, "start": start, "end": end, "step": 1})
    with urllib.request.urlopen("http://127.0.0.1:%s/api/v1/query_range?%s" % (prom, query), timeout=10) as r:
        result = json.load(r)["data"]["result"]
    values = [float(v) for series in result for _, v in series["values"]]
    if not values:
        print("FAIL: %s: no sample during the load" % rule); bad = True; continue
    top = max(values)
    ok = top <= 1 + 1e-9
    print("%s: %s: %d evaluations, max %.6f" % ("PASS" if ok else "FAIL", rule, len(values), top))
    bad |= not ok
sys.exit(1 if bad else 0)
PY

status=0
stop_and_wait "$sipmon_pid" 10 || status=$?
[[ $status -eq 0 ]] && pass "sipmon live exits 0" || fail "sipmon live exited with $status"
python3 - "$work/live.json" <<'PY' || failed=1
import json, sys
r = json.load(open(sys.argv[1]))
s = r["rfc6076"]
ok = True
def check(description, cond, detail):
    global ok
    print(("PASS: " if cond else "FAIL: ") + description + ("" if cond else "  (" + detail + ")"))
    ok &= cond
check("the timers in force are reported", r["timers"] == {"timer_b_s": 2.0, "timer_c_s": 30.0, "timer_f_s": 32.0}, str(r["timers"]))
check("calls that rang 4 s (longer than Timer B) are no timeouts", s["timeouts"] == 0, "timeouts %d" % s["timeouts"])
check("established = answered + long-ringing calls (250)", s["sessions_established"] == 250, str(s["sessions_established"]))
check("busy calls failed (48)", s["sessions_failed"] == 48, str(s["sessions_failed"]))
check("closed ratios never exceed 100 %", all(v is None or v <= 100 for k, v in s["closed"].items() if k in ("ser", "seer", "isa", "scr", "asr", "ner")), str(s["closed"]))
sys.exit(0 if ok else 1)
PY
[[ $failed -eq 0 ]] && echo "PASS: shipped rules never exceed 100 % under SIPp load" || { echo "FAIL: see above"; exit 1; }
