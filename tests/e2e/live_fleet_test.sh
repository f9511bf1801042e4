#!/usr/bin/env bash
# A fleet of two capture points (docs/prometheus.md, "Fleets"): two `sipmon live` instances, each
# in its own network namespace on its own veth pair, each seeing part of the SIPp traffic (pair 1:
# answered calls; pair 2: calls answered 486 Busy), scraped by one real Prometheus that evaluates
# the shipped recording rules. tcpdump records each pair; `sipmon replay` of both recordings
# together is the truth. Asserted:
# - the fleet sums Prometheus returns equal the replay exactly: closed outcomes, requests by
#   method, responses by code; every bucket of the fleet SRD histogram equals the merge (`sipmon
#   merge`) of the two instances' final reports (delay_sketches.prometheus_buckets, cumulated), and
#   its count the replay's: counters and histograms merge exactly;
# - the fleet SER from the shipped rule (job:sipmon_session_establishment:ratio_rate5m) equals
#   the replay's closed SER (within 5 percentage points: rate() extrapolates each instance's
#   window), while the mean of the two instances' own SERs is far from it (the test can tell);
# - `sipmon merge` of the two instances' final reports equals the replay's rfc6076 counts.
# Needs root, iproute2, tcpdump, sipp, prometheus, curl. Run under `flock /tmp/sipmon-live.lock`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SIPMON_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
source "$here/live_common.sh"
require_root
require_tools ip tcpdump sipp prometheus curl python3
: "${SIPMON:?path to the sipmon binary}"

answered=${ANSWERED:-300}
busy=${BUSY:-100}
suffix=$$
work=$(mktemp -d /tmp/sipmon-live-fleet.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for i in 1 2; do ip netns del "sipmon-fleet$i-$suffix" 2>/dev/null || true; done
  [[ -n "${KEEP_WORK:-}" ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
wait_http() {
  local i
  for i in $(seq 1 200); do curl -sf -o /dev/null --max-time 2 "$1" && return 0; sleep 0.1; done
  return 1
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Pair i: "fl<i>r<pid>" in the root namespace (10.212.i.1), "fl<i>n" in namespace i (10.212.i.2).
for i in 1 2; do
  ns="sipmon-fleet$i-$suffix"; root_dev="fl${i}r${suffix}"; root_dev=${root_dev:0:15}
  ip netns add "$ns"
  ip link add "$root_dev" type veth peer name "fl${i}n" netns "$ns"
  ip addr add "10.212.$i.1/24" dev "$root_dev"
  ip link set "$root_dev" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "10.212.$i.2/24" dev "fl${i}n"
  ip -n "$ns" link set "fl${i}n" up
done

ports=5060,5061
for i in 1 2; do
  ns="sipmon-fleet$i-$suffix"
  ip netns exec "$ns" tcpdump -i "fl${i}n" -n -U -B 65536 -w "$work/rec$i.pcap" udp >"$work/tcpdump$i.out" 2>"$work/tcpdump$i.err" &
  pids+=("$!"); eval "tcpdump_pid$i=\$!"
  ip netns exec "$ns" "$SIPMON" live -i "fl${i}n" --ports "$ports" --listen "10.212.$i.2:9160" \
    --out "$work/live$i.json" >"$work/live$i.out" 2>"$work/live$i.err" &
  pids+=("$!"); eval "sipmon_pid$i=\$!"
done
for i in 1 2; do
  wait_for_line "$work/tcpdump$i.err" "listening on" 10
  wait_for_line "$work/live$i.err" "capturing on fl${i}n" 10
  wait_http "http://10.212.$i.2:9160/healthz" || { echo "FAIL: instance $i serves /healthz"; exit 1; }
done

prom=$(free_port)
cp "$SRC/docs/prometheus/recording_rules.yml" "$work/rules.yml"
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["$work/rules.yml"]
scrape_configs:
  - job_name: sipmon
    static_configs:
      - targets: ["10.212.1.2:9160", "10.212.2.2:9160"]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom" >"$work/prometheus.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$prom/-/ready" || { echo "FAIL: prometheus starts"; exit 1; }
sleep 3  # a few scrapes of both instances at zero before the first call

common=(-nostdin -timeout 120s)
(cd "$work" && exec sipp -sn uas -i 10.212.1.1 -p 5060 "${common[@]}" >uas1.log 2>&1) & pids+=("$!"); uas1=$!
(cd "$work" && exec sipp -sf "$SRC/samples/scenarios/uas-busy.xml" -i 10.212.2.1 -p 5060 "${common[@]}" >uas2.log 2>&1) &
pids+=("$!"); uas2=$!
sleep 0.5
(cd "$work" && exec ip netns exec "sipmon-fleet1-$suffix" timeout -k 5 120 sipp -sn uac -d 1000 10.212.1.1:5060 \
  -i 10.212.1.2 -p 5061 -r 30 -m "$answered" "${common[@]}" >uac1.log 2>&1) & uac1=$!; pids+=("$uac1")
(cd "$work" && exec ip netns exec "sipmon-fleet2-$suffix" timeout -k 5 120 sipp -sf "$SRC/samples/scenarios/uac-reject.xml" \
  10.212.2.1:5060 -i 10.212.2.2 -p 5061 -r 10 -m "$busy" "${common[@]}" >uac2.log 2>&1) & uac2=$!; pids+=("$uac2")
for pid in "$uac1" "$uac2"; do wait "$pid" || echo "note: a SIPp uac exited with $?"; done
sleep 5  # the last BYEs, then a few scrapes and rule evaluations of the final figures
at=$(date +%s)

kill -INT "$uas1" "$uas2" 2>/dev/null || true
status=0
for i in 1 2; do
  pid_var="sipmon_pid$i"; stop_and_wait "${!pid_var}" 10 || status=$?
  pid_var="tcpdump_pid$i"; stop_and_wait "${!pid_var}" 10 || true
done
[[ $status -eq 0 ]] || { echo "FAIL: a sipmon live exited with $status"; cat "$work"/live*.err; exit 1; }
for i in 1 2; do
  grep -qE "^0 packets dropped by kernel" "$work/tcpdump$i.err" || { echo "FAIL: tcpdump $i lost packets"; exit 1; }
done

"$SIPMON" replay "$work/rec1.pcap" "$work/rec2.pcap" --ports "$ports" --json >"$work/replay.json"
"$SIPMON" merge "$work/live1.json" "$work/live2.json" --json >"$work/merged-live.json"

python3 - "$prom" "$at" "$work" <<'PY'
import json, sys, urllib.parse, urllib.request
prom, at, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
replay = json.load(open(work + "/replay.json"))
merged = json.load(open(work + "/merged-live.json"))
failures = 0

def check(description, ok, detail=""):
    global failures
    print(("PASS: " if ok else "FAIL: ") + description + ("" if ok else "  (" + detail + ")"))
    failures += not ok

def query(expr):
    url = "http://127.0.0.1:%s/api/v1/query?%s" % (prom, urllib.parse.urlencode({"query": expr, "time": at}))
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)["data"]["result"]

def by(expr, label):
    return {s["metric"].get(label, ""): float(s["value"][1]) for s in query(expr)}

r = replay["rfc6076"]
check("the traffic is there (%d attempts)" % r["session_attempts"], r["session_attempts"] > 0)
instances = {s["metric"]["instance"] for s in query("sipmon_build_info") or query("up")}
check("Prometheus scrapes both instances", len(instances) == 2, str(instances))
closed = by('sum by (outcome) (sipmon_session_attempts_closed_total{job="sipmon"})', "outcome")
want = {k: v for k, v in r["closed"].items() if k not in ("session_attempts", "ser", "seer", "isa", "scr", "asr", "ner")}
check("fleet closed outcomes = replay of both recordings", {k: int(closed.get(k, 0)) for k in want} == want,
      "%s vs %s" % (closed, want))
requests = by('sum by (method) (sipmon_sip_requests_total{job="sipmon"})', "method")
check("fleet requests by method = replay", {k: int(v) for k, v in requests.items() if v} == replay["requests"],
      "%s vs %s" % (requests, replay["requests"]))
responses = by('sum by (code) (sipmon_sip_responses_total{job="sipmon"})', "code")
check("fleet responses by code = replay", {k: int(v) for k, v in responses.items() if v} == replay["responses"],
      "%s vs %s" % (responses, replay["responses"]))
buckets = by('sum by (le) (sipmon_session_request_delay_seconds_bucket{job="sipmon",outcome="success"})', "le")
# The instances' own measurements (their final reports, merged): the recordings' timestamps come
# from tcpdump, a few microseconds off the live capture's, enough to move an SRD across a bound.
sketch = merged["delay_sketches"]["srd"]["prometheus_buckets"]
bounds = sorted((float(le), n) for le, n in buckets.items() if le != "+Inf")
running, cumulative = 0, []
for i in range(len(bounds) + 1):
    running += sketch.get(str(i), 0)
    cumulative.append(running)
check("fleet SRD histogram = the merged live reports' buckets, every le (%d)" % len(bounds),
      [int(n) for _, n in bounds] + [int(buckets.get("+Inf", -1))] == cumulative,
      "%s vs %s" % ([int(n) for _, n in bounds], cumulative))
check("fleet SRD count = replay's (%d)" % r["srd"]["count"], int(buckets.get("+Inf", -1)) == r["srd"]["count"])
c = replay["rfc6076"]["closed"]
fleet = query('job:sipmon_session_establishment:ratio_rate5m{job="sipmon"}')
got = float(fleet[0]["value"][1]) * 100 if fleet else None
# rate() extrapolates each instance's window on its own (by up to 1.1 scrape intervals past its last
# sample, over a series that lives ~40 s), so the summed ratio moves by a few points from run to run:
# 75.7, 75.8 and 76.0 against 75.0 seen, and once 78.4 on an idle machine (2026-12-01). Averaging
# the instances' ratios instead would be 25 points off, which the next check makes sure the test
# can tell; the raw counters are compared exactly above.
check("fleet SER from the shipped rule %s %% = replay's closed SER %s %% (within 5 points)" % (got, c["ser"]),
      got is not None and abs(got - c["ser"]) <= 5, str(got))
per = by('sum by (instance) (rate(sipmon_session_attempts_closed_total{job="sipmon",outcome=~"completed|established"}[5m]))'
         ' / sum by (instance) (rate(sipmon_session_attempts_closed_total{job="sipmon",outcome!="redirected"}[5m]))',
         "instance")
mean = 100 * sum(per.values()) / len(per) if per else 0
check("the mean of the instances' SERs (%.1f %%) is not the fleet's: the test can tell" % mean,
      len(per) == 2 and abs(mean - c["ser"]) > 5, str(per))
keys = ["session_attempts", "sessions_established", "sessions_failed", "sessions_completed", "pending", "ser", "closed"]
check("sipmon merge of the two live reports = replay of both recordings (rfc6076)",
      {k: merged["rfc6076"][k] for k in keys} == {k: r[k] for k in keys},
      "%s vs %s" % ({k: merged["rfc6076"][k] for k in keys}, {k: r[k] for k in keys}))
sys.exit(1 if failures else 0)
PY
echo "PASS: two live instances give the fleet figures of the merged recordings"
