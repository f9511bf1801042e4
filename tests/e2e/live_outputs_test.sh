#!/usr/bin/env bash
# sipmon live's outputs on a bad day (issue 15): a Pushgateway that accepts and never answers
# must not keep SIGTERM from stopping the capture nor cost the report (exit 3, one line naming the
# push); an --out the process cannot write once its privileges are dropped is refused before
# capturing (exit 2). Loopback only, on a port of its own (lib/lo_ports.sh); nothing is sent. Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/lo_ports.sh"
require_root
: "${SIPMON:?path to the sipmon binary}"

port=$(lo_port live_outputs_test)
work=$(mktemp -d /tmp/issue15-live-out.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "--- a hung Pushgateway: SIGTERM still stops live at once, the report is written, exit 3"
hung=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
held = []
while True:
    held.append(s.accept()[0])  # read nothing, answer nothing' "$hung" &
pids+=("$!")
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$hung") 2>/dev/null && break
  sleep 0.1
done
"$SIPMON" live -i lo --ports "$port" --push "http://127.0.0.1:$hung" --push-interval 1 --push-timeout 3 \
  --out "$work/report.json" >"$work/live.out" 2>"$work/live.err" &
live_pid=$!; pids+=("$live_pid")
wait_for_line "$work/live.err" "capturing on lo" 10
sleep 2.5 # a periodic push is now under way, held by the gateway
started=$(date +%s.%N)
status=0
stop_and_wait "$live_pid" 20 || status=$?
elapsed=$(python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$started")
cat "$work/live.err"
echo "stopped ${elapsed} s after SIGINT, exit $status"
[[ $status -eq 3 ]] || fail "expected exit 3 (the final push failed), got $status"
# The periodic push in flight is cancelled within a second; the final push has 3 s.
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 6 else 1)" "$elapsed" || fail "stopping took ${elapsed} s"
grep -q '"sipmon_version"' "$work/report.json" || fail "the report was not written"
grep -q "final push to http://127.0.0.1:$hung/metrics/job/sipmon timed out after 3 s" "$work/live.err" ||
  fail "no one-line message naming the timed-out final push"

echo "--- a second SIGTERM during the final push ends live at once; the report is already there"
"$SIPMON" live -i lo --ports "$port" --push "http://127.0.0.1:$hung" --push-timeout 30 \
  --out "$work/second.json" >"$work/second.out" 2>"$work/second.err" &
live_pid=$!; pids+=("$live_pid")
wait_for_line "$work/second.err" "capturing on lo" 10
kill -TERM "$live_pid"
sleep 1.5 # the final push (30 s allowed) is now held by the gateway
kill -0 "$live_pid" 2>/dev/null || fail "live ended before its final push: nothing to interrupt"
grep -q '"sipmon_version"' "$work/second.json" || fail "the report was not written before the final push"
kill -TERM "$live_pid"
status=0
stop_and_wait "$live_pid" 5 || status=$?
[[ $status -eq 143 ]] || fail "expected death by the second SIGTERM (143), got $status"

echo "--- --out in a directory that root without capabilities cannot write: exit 2 before capturing"
mkdir "$work/nobodys"
chown 65534:65534 "$work/nobodys"
chmod 0755 "$work/nobodys"
status=0
timeout 20 "$SIPMON" live -i lo --ports "$port" --duration 5s --out "$work/nobodys/report.json" \
  >"$work/denied.out" 2>"$work/denied.err" || status=$?
cat "$work/denied.err"
[[ $status -eq 2 ]] || fail "expected exit 2, got $status"
grep -q -- "--out $work/nobodys/report.json: cannot write: Permission denied" "$work/denied.err" || fail "no message naming --out"
if grep -q "capturing on" "$work/denied.err"; then fail "it started capturing"; fi

status=0
timeout 20 "$SIPMON" live -i lo --ports "$port" --duration 5s --out "$work/missing/report.json" \
  >"$work/missing.out" 2>"$work/missing.err" || status=$?
[[ $status -eq 2 ]] || fail "missing directory: expected exit 2, got $status"
if grep -q "capturing on" "$work/missing.err"; then fail "missing directory: it started capturing"; fi
echo "PASS: live outputs: hung gateway stopped in ${elapsed} s with the report written; unwritable --out refused at start"
