#!/usr/bin/env bash
# docs/ci.md's test-bed recipe, run as written: two identical SIPp runs on loopback, each recorded
# with tcpdump; the first becomes the baseline (`sipmon replay --json`), the second is checked with
# the `sipmon check` command line copied from docs/ci.md. Identical runs must pass (exit 0):
# sub-millisecond loopback delays jitter by 100 % and more, which only the recipe's absolute
# tolerances absorb. The same runs checked without them must fail, or this test proves nothing.
# Needs root, SIPp, tcpdump. Run under `flock /tmp/sipmon-live.lock` (captures on lo).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
require_root
SOURCE_DIR=${SIPMON_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
: "${SIPMON:?path to the sipmon binary}"
require_tools sipp tcpdump python3

calls=${CALLS:-30}
rate=${RATE:-30}
live_work issue12-testbed

# Two distinct free UDP ports, chosen by the kernel, so that concurrent tests never share traffic.
read -r uas_port uac_port < <(python3 "$here/lib/free_port.py" --udp --count 2)

# record NAME: one SIPp run of $calls calls, recorded to $work/NAME.pcap.
record() {
  local name=$1
  tcpdump -i lo -n -U -w "$work/$name.pcap" "udp port $uas_port or udp port $uac_port" 2>"$work/$name.tcpdump.err" &
  local tcpdump_pid=$!; pids+=("$tcpdump_pid")
  wait_for_line "$work/$name.tcpdump.err" "listening on" 10
  sipp -sn uas -i 127.0.0.1 -p "$uas_port" -nostdin -timeout 60s >"$work/$name.uas.log" 2>&1 &
  local uas_pid=$!; pids+=("$uas_pid")
  sleep 0.3
  timeout -k 5 60 sipp -sn uac "127.0.0.1:$uas_port" -i 127.0.0.1 -p "$uac_port" -r "$rate" -m "$calls" -nostdin \
    -timeout 60s -timeout_error >"$work/$name.uac.log" 2>&1 || { echo "FAIL: SIPp uac ($name) exited with $?"; exit 1; }
  sleep 0.5  # the last BYE's 200 in flight
  kill -INT "$uas_pid" 2>/dev/null || true
  sleep 0.5
  stop_and_wait "$tcpdump_pid" 10 || true
  grep -qE "^0 packets dropped by kernel" "$work/$name.tcpdump.err" || { echo "FAIL: tcpdump lost packets ($name)"; exit 1; }
}
record first
record second

# The recipe: the `sipmon check run.pcap ...` command of docs/ci.md's "Checking a test bed's
# traffic", with its file names pointed at this test's files.
mapfile -d '' recipe < <(python3 - "$SOURCE_DIR/docs/ci.md" <<'PY'
import re, shlex, sys
text = open(sys.argv[1]).read()
section = text[text.index("## Checking a test bed's traffic"):]
block = section[section.index("```sh") + 5:]
block = block[:block.index("```")]
command = block[block.index("sipmon check run.pcap"):].replace("\\\n", " ")
command = command.splitlines()[0]
args = shlex.split(command)[2:]  # drop "sipmon check"
sys.stdout.write("\0".join(args) + "\0")
PY
)
echo "recipe: sipmon check ${recipe[*]}"
[[ ${#recipe[@]} -gt 3 ]] || { echo "FAIL: no check command found in docs/ci.md"; exit 1; }
args=()
for arg in "${recipe[@]}"; do
  case $arg in
    run.pcap) args+=("$work/second.pcap") ;;
    ci/testbed-baseline.json) args+=("$work/baseline.json") ;;
    sipmon-check.xml) args+=("$work/check.xml") ;;
    *) args+=("$arg") ;;
  esac
done
# The recipe's SIPp runs on port 5060; ours on random ports, SIP recognized by content either way.
"$SIPMON" replay "$work/first.pcap" --json >"$work/baseline.json"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["rfc6076"]
print("baseline: %d attempts, %d established, srd p50/p99 %s/%s s, sdd p99 %s s" % (
    r["session_attempts"], r["sessions_established"], r["srd"]["p50"], r["srd"]["p99"], r["sdd"]["p99"]))
assert r["session_attempts"] == int(sys.argv[2]), "the baseline run lost calls"
' "$work/baseline.json" "$calls"

status=0
"$SIPMON" check "${args[@]}" --verbose >"$work/check.out" 2>&1 || status=$?
tail -n 1 "$work/check.out"
if [[ $status -ne 0 ]]; then
  echo "FAIL: two identical SIPp runs fail docs/ci.md's recipe (exit $status):"
  grep -v '  equal' "$work/check.out" | head -40
  exit 1
fi
[[ -s $work/check.xml ]] || { echo "FAIL: the recipe's --junit file was not written"; exit 1; }

# Without the absolute tolerances, the same two runs show why they are needed: relative slack
# alone fails on loopback delays. Only a proof when the delays did move; say so otherwise.
"$SIPMON" check "$work/second.pcap" --baseline "$work/baseline.json" --tolerance 0.1 --ignore capture.bytes \
  >"$work/relative.out" 2>&1 && relative=0 || relative=$?
if [[ $relative -eq 1 ]]; then
  echo "ok: relative tolerances alone fail the same runs: $(grep -c 'FAIL: rose' "$work/relative.out") delay figure(s)"
else
  echo "note: relative tolerances alone passed this time (exit $relative): the delays did not jitter beyond 10 %"
fi
echo "PASS: two identical SIPp runs of $calls calls pass docs/ci.md's test-bed recipe"
