#!/usr/bin/env bash
# An interface deleted and re-created while `sipmon live` captures on it (a veth pair between two
# network namespaces this test creates): SIP sent before the deletion and after the re-creation
# are both counted, the gap is logged, and /metrics shows sipmon_capture_interface_up going to 0
# during the gap and back to 1, with one gap, one reattach and the blind seconds. The capture
# runs as nobody with every capability dropped: following the interface needs none.
# The expected counts are what this script sent. Needs root and iproute2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/netns.sh"
require_root
: "${SIPMON:?path to the sipmon binary}"

ns_a="i16b-a-$$"
ns_b="i16b-b-$$"
dev_a=i16bva
dev_b=i16bvb
metrics_port=$((20000 + RANDOM % 20000))
live_work i16b-live-relink
cleanup_more() { netns_delete "$ns_a" "$ns_b"; }
chmod 0777 "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { python3 "$here/lib/json_eval.py" "$@"; }
make_veth() {
  ip link add "$dev_a" netns "$ns_a" type veth peer name "$dev_b" netns "$ns_b"
  ip -n "$ns_a" link set "$dev_a" up
  ip -n "$ns_b" link set "$dev_b" up
  ip -n "$ns_a" addr add 10.216.0.1/24 dev "$dev_a"
  ip -n "$ns_b" addr add 10.216.0.2/24 dev "$dev_b"
}
send() { ip netns exec "$ns_b" python3 "$here/live_send_sip.py" --src 10.216.0.2 --dst 10.216.0.1 --port 5060 --interval 0.001 --count "$1"; }
scrape() { ip netns exec "$ns_a" curl -s "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics.txt" || true; }
# wait_metric LINE SECONDS: scrapes until /metrics has exactly LINE.
wait_metric() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    scrape
    grep -qxF -- "$1" "$work/metrics.txt" && return 0
    sleep 0.1
  done
  grep '^sipmon_capture_interface' "$work/metrics.txt" >&2 || true
  fail "/metrics never showed '$1'"
}

ip netns add "$ns_a"
ip netns add "$ns_b"
ip -n "$ns_a" link set lo up
make_veth

ip netns exec "$ns_a" "$SIPMON" live -i "$dev_a" --ports 5060 --source ebpf --user nobody \
  --listen "127.0.0.1:$metrics_port" --out "$work/report.json" >/dev/null 2>"$work/live.err" &
pid=$!; pids+=("$pid")
wait_for_line "$work/live.err" "capturing on $dev_a (ebpf)" 10
wait_metric "sipmon_capture_interface_up{interface=\"$dev_a\"} 1" 5

before=6
send "$before"
ip -n "$ns_a" link del "$dev_a"  # deletes both ends
wait_for_line "$work/live.err" "interface $dev_a .* was deleted" 5
wait_metric "sipmon_capture_interface_up{interface=\"$dev_a\"} 0" 5
wait_metric "sipmon_capture_interface_gaps_total{interface=\"$dev_a\"} 1" 5
sleep 1
make_veth
wait_for_line "$work/live.err" "interface $dev_a is back" 5
after=8
send "$after"
wait_metric "sipmon_capture_interface_up{interface=\"$dev_a\"} 1" 5
wait_metric "sipmon_capture_interface_reattaches_total{interface=\"$dev_a\"} 1" 5
grep '^sipmon_capture_interface' "$work/metrics.txt"
if command -v promtool >/dev/null; then
  promtool check metrics <"$work/metrics.txt" || fail "promtool rejects the exposition"
fi
blind=$(awk -v name="sipmon_capture_interface_blind_seconds_total{interface=\"$dev_a\"}" '$1 == name {print $2}' "$work/metrics.txt")
python3 -c "import sys; b=float(sys.argv[1]); sys.exit(0 if 1.0 <= b < 10 else 1)" "$blind" || fail "blind seconds $blind, expected between 1 and 10 (the gap lasted over 1 s)"

status=0; stop_and_wait "$pid" 10 || status=$?
cat "$work/live.err"
[[ $status -eq 0 ]] || fail "sipmon live exited with $status"
grep -qE "capture re-attached after [0-9.]+ s blind" "$work/live.err" || fail "the gap is not logged"
invites=$(field "$work/report.json" "d['requests'].get('INVITE')")
[[ $invites == $((before + after)) ]] || fail "counted $invites INVITEs, expected $before before and $after after the re-creation"
echo "PASS"
