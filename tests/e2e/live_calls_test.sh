#!/usr/bin/env bash
# `sipmon live --calls` (docs/calls.md) while SIPp runs answered and busy calls on loopback and
# tcpdump records the same traffic: the records written live equal, call by call, those of a
# replay of the recording (outcome, final code, completed, endpoints, URIs, who hung up, SRD within
# a millisecond). Between the two batches the records file is moved away and sipmon gets SIGHUP,
# as logrotate does: the second batch must land in a new file at the old path, nothing lost.
# With --listen, /metrics carries sipmon_session_failures_total and the User-Agent families.
# Needs root, sipp, tcpdump, curl. Run it under `flock /tmp/sipmon-live.lock` beside other live tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
require_root
require_tools tcpdump sipp python3 curl
: "${SIPMON:?path to the sipmon binary}"
scenarios=$(cd "$here/../../samples/scenarios" && pwd)

port() { python3 "$here/lib/free_port.py"; }
uas_port=$(port); uac_port=$(port); busy_uas_port=$(port); busy_uac_port=$(port); metrics_port=$(port)
ports="$uas_port,$uac_port,$busy_uas_port,$busy_uac_port"
work=$(mktemp -d /tmp/i17-live-calls.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [[ -n "${KEEP_WORK:-}" ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

filter="udp port $uas_port or udp port $uac_port or udp port $busy_uas_port or udp port $busy_uac_port"
tcpdump -i lo -n -U -B 65536 -w "$work/rec.pcap" "$filter" 2>"$work/tcpdump.err" &
tcpdump_pid=$!; pids+=("$tcpdump_pid")
"$SIPMON" live -i lo --ports "$ports" --source pcap --status-interval 0 --calls "$work/calls.jsonl" \
  --listen "127.0.0.1:$metrics_port" \
  >"$work/live.out" 2>"$work/live.err" &
live_pid=$!; pids+=("$live_pid")
wait_for_line "$work/tcpdump.err" "listening on" 10
wait_for_line "$work/live.err" "capturing on lo" 10

batch() {  # answered calls, then busy ones
  sipp -sn uas -i 127.0.0.1 -p "$uas_port" -nostdin -timeout 60s >"$work/uas.log" 2>&1 &
  local uas=$!; pids+=("$uas")
  sipp -sf "$scenarios/uas-busy.xml" -i 127.0.0.1 -p "$busy_uas_port" -nostdin -timeout 60s >"$work/busy-uas.log" 2>&1 &
  local busy=$!; pids+=("$busy")
  sleep 0.3
  timeout -k 5 60 sipp -sn uac "127.0.0.1:$uas_port" -i 127.0.0.1 -p "$uac_port" -r 50 -m 20 -d 100 -nostdin \
    -timeout 60s >"$work/uac.log" 2>&1 || echo "note: SIPp uac exited with $?"
  timeout -k 5 60 sipp -sf "$scenarios/uac-reject.xml" "127.0.0.1:$busy_uas_port" -i 127.0.0.1 -p "$busy_uac_port" \
    -r 50 -m 10 -nostdin -timeout 60s >"$work/busy-uac.log" 2>&1 || echo "note: SIPp busy uac exited with $?"
  sleep 1
  kill -INT "$uas" "$busy" 2>/dev/null || true
  wait "$uas" "$busy" 2>/dev/null || true
}

batch
mv "$work/calls.jsonl" "$work/calls.jsonl.1"  # logrotate's rename ...
kill -HUP "$live_pid"                          # ... and its postrotate
for _ in $(seq 50); do [[ -e "$work/calls.jsonl" ]] && break; sleep 0.1; done
batch
sleep 2  # the registry is brought up to date every second
curl -s --max-time 5 "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics.txt" || true
grep -qx 'sipmon_session_failures_total{code="486",q850="none"} 20' "$work/metrics.txt" ||
  { echo "FAIL: live /metrics lacks sipmon_session_failures_total{code=486,q850=none} 20" >&2;
    grep sipmon_session_failures "$work/metrics.txt" >&2 || true; exit 1; }
echo "PASS: live /metrics: sipmon_session_failures_total{code=\"486\",q850=\"none\"} 20 (the 20 busy calls)"
# SIPp's built-in uac and uac-reject.xml send no User-Agent: all 60 closed attempts are "other".
grep -qx 'sipmon_session_attempts_by_ua_family_total{ua_family="other"} 60' "$work/metrics.txt" ||
  { echo "FAIL: live /metrics: the 60 attempts without a User-Agent are not ua_family=other" >&2;
    grep ua_family "$work/metrics.txt" | grep -v " 0$" >&2 || true; exit 1; }
echo "PASS: live /metrics: 60 closed attempts, ua_family=other (no User-Agent)"

status=0
stop_and_wait "$live_pid" 10 || status=$?
[[ $status -eq 0 ]] || { echo "FAIL: sipmon live exited with $status" >&2; cat "$work/live.err" >&2; exit 1; }
stop_and_wait "$tcpdump_pid" 10 || true
grep -qE "^0 packets dropped by kernel" "$work/tcpdump.err" || { echo "FAIL: tcpdump lost packets" >&2; exit 1; }

"$SIPMON" replay "$work/rec.pcap" --ports "$ports" --calls "$work/replay.jsonl" >/dev/null
python3 - "$work/calls.jsonl.1" "$work/calls.jsonl" "$work/replay.jsonl" <<'PY'
import json, sys
def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]
first, second, replay = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
failed = 0
def check(what, ok, detail=""):
    global failed
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok else "  " + str(detail)))
    failed += 0 if ok else 1
check("SIGHUP: records before the rotation in the moved file (30 calls)", len(first) == 30, len(first))
check("SIGHUP: records after it in a new file at the same path (30 calls)", len(second) == 30, len(second))
live = {r["call_id"]: r for r in first + second}
rep = {r["call_id"]: r for r in replay}
check("live and replay have the same 60 calls", set(live) == set(rep) and len(rep) == 60, (len(live), len(rep)))
outcomes = {}
for r in replay:
    outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
check("replay: 40 established, 20 failed (486)", outcomes == {"established": 40, "failed": 20}, outcomes)
keys = ["outcome", "final_code", "final_reason", "completed", "src", "dst", "from", "to", "request_uri", "ended_by",
        "transport", "retransmissions"]
diff = [(cid, k, live[cid].get(k), rep[cid].get(k)) for cid in rep if cid in live for k in keys
        if live[cid].get(k) != rep[cid].get(k)]
check("every live record equals the replay's (%s)" % ", ".join(keys), not diff, diff[:5])
srd = [cid for cid in rep if cid in live and (live[cid]["srd_s"] is None) != (rep[cid]["srd_s"] is None)
       or (rep[cid]["srd_s"] is not None and abs(live[cid]["srd_s"] - rep[cid]["srd_s"]) > 0.001)]
check("SRD of every call within 1 ms of the replay's", not srd, srd[:5])
sys.exit(1 if failed else 0)
PY
echo "PASS: live --calls = replay --calls of the same traffic, SIGHUP reopens the file"
