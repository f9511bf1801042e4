#!/usr/bin/env bash
# sipmon live as an operator meets it: missing privileges give one clear message and exit 2;
# with CAP_NET_RAW alone, --source auto falls back to libpcap with a warning and still counts
# exactly; CAP_BPF + CAP_NET_RAW run eBPF, and no capability is left once capture runs; SIGTERM flushes the report (exit 0); --report-interval rewrites it while running;
# a forced loss (--snaplen shorter than the packets) is counted, in the report and on /metrics;
# bad options exit 2.
# Loopback only, on ports nobody else uses (PORT, default 26060; lib/lo_ports.sh). Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
require_root
require_ebpf
require_tools setpriv python3 curl
: "${SIPMON:?path to the sipmon binary}"

port=${PORT:-26060}
live_work sipmon-live-cli
chmod 0777 "$work"  # the unprivileged runs write their reports here
fail() { echo "FAIL: $*" >&2; exit 1; }
send() { python3 "$here/live_send_sip.py" --src 127.0.0.1 --dst 127.0.0.1 --port "$port" --interval 0.001 "$@"; }
field() { python3 "$here/lib/json_eval.py" "$@"; }
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

echo "--- no privileges: a message naming the capabilities, exit 2"
for source in auto ebpf pcap; do
  status=0
  "${nobody[@]}" --inh-caps=-all "$SIPMON" live -i lo --source "$source" --duration 1s >"$work/np.out" 2>"$work/np.err" || status=$?
  cat "$work/np.err"
  [[ $status -eq 2 ]] || fail "--source $source without privileges exited with $status, expected 2"
  grep -q "CAP_BPF" "$work/np.err" && grep -q "CAP_NET_RAW" "$work/np.err" || fail "no capability message for --source $source"
done

echo "--- CAP_NET_RAW only: auto falls back to libpcap and counts exactly"
"${nobody[@]}" --inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw \
  "$SIPMON" live -i lo --ports "$port" --duration 4s --out "$work/fallback.json" >"$work/fb.out" 2>"$work/fb.err" &
fb_pid=$!; pids+=("$fb_pid")
wait_for_line "$work/fb.err" "capturing on lo (pcap)" 10
send --count 25
wait "$fb_pid" || fail "fallback run exited with $?"
cat "$work/fb.err"
grep -q "falling back to libpcap" "$work/fb.err" || fail "no fallback warning"
[[ $(field "$work/fallback.json" "d['capture']['source']") == pcap ]] || fail "fallback report does not say pcap"
[[ $(field "$work/fallback.json" "d['requests'].get('INVITE')") == 25 ]] || fail "fallback counted $(field "$work/fallback.json" "d['requests']"), expected 25 INVITEs"

echo "--- CAP_BPF and CAP_NET_RAW are enough for eBPF; every capability is gone once capture runs"
"${nobody[@]}" --inh-caps=-all,+bpf,+net_raw --ambient-caps=-all,+bpf,+net_raw \
  "$SIPMON" live -i lo --ports "$port" --source ebpf --duration 4s --out "$work/minimal.json" >/dev/null 2>"$work/min.err" &
min_pid=$!; pids+=("$min_pid")
wait_for_line "$work/min.err" "capturing on lo (ebpf)" 10
# (The bounding set shrinks only with CAP_SETPCAP, i.e. as root; with nothing permitted and
# no_new_privs, nothing can be regained through it anyway.)
grep -E "^(CapEff|CapPrm|CapAmb|NoNewPrivs)" "/proc/$min_pid/status" | tee "$work/min.status"
[[ $(grep -cE ":\s*0000000000000000$" "$work/min.status") -eq 3 ]] || fail "capabilities left after set-up"
grep -qE "^NoNewPrivs:\s*1$" "$work/min.status" || fail "no_new_privs not set"
send --count 3
wait "$min_pid" || fail "minimal-capability run exited with $?"
[[ $(field "$work/minimal.json" "d['requests'].get('INVITE')") == 3 ]] || fail "minimal-capability run counted $(field "$work/minimal.json" "d['requests']")"

echo "--- SIGTERM flushes the report; --report-interval rewrites it meanwhile"
"$SIPMON" live -i lo --ports "$port" --out "$work/periodic.json" --report-interval 200ms >"$work/pr.out" 2>"$work/pr.err" &
pr_pid=$!; pids+=("$pr_pid")
wait_for_line "$work/pr.err" "capturing on lo (ebpf)" 10
send --count 10
for ((i = 0; i < 100; i++)); do  # a snapshot written while still running (bounded: 5 s)
  [[ -s "$work/periodic.json" && $(field "$work/periodic.json" "d['capture']['sip_messages']") == 10 ]] && break
  sleep 0.05
done
kill -0 "$pr_pid" || fail "sipmon live stopped by itself"
[[ $(field "$work/periodic.json" "d['capture']['sip_messages']") == 10 ]] || fail "no periodic snapshot with 10 messages"
send --count 5
kill -TERM "$pr_pid"
status=0; wait "$pr_pid" || status=$?
[[ $status -eq 0 ]] || fail "SIGTERM: exit $status, expected 0"
[[ $(field "$work/periodic.json" "d['capture']['sip_messages']") == 15 ]] || fail "final report after SIGTERM lacks the last messages"
[[ $(field "$work/periodic.json" "d['capture']['kernel']['copied']") == 15 ]] || fail "kernel copied != 15"

echo "--- a forced loss is counted: packets longer than --snaplen; JSON report and /metrics agree"
metrics_port=$((port + 1000))
"$SIPMON" live -i lo --ports "$port" --snaplen 200 --duration 4s --json --listen "127.0.0.1:$metrics_port" \
  >"$work/snap.json" 2>"$work/snap.err" &
snap_pid=$!; pids+=("$snap_pid")
wait_for_line "$work/snap.err" "capturing on lo" 10
send --count 7 --size 1000
for ((i = 0; i < 60; i++)); do  # the registry is refreshed every second (bounded: 3 s)
  curl -s "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics.txt" || true
  grep -q '^sipmon_capture_drops_total{reason="truncated"} 7$' "$work/metrics.txt" && break
  sleep 0.05
done
grep -E '^sipmon_capture_drops_total|^sipmon_sip_requests_total\{method="INVITE"\}' "$work/metrics.txt"
grep -q '^sipmon_capture_drops_total{reason="truncated"} 7$' "$work/metrics.txt" || fail "/metrics lacks the 7 truncated packets"
grep -q '^sipmon_capture_drops_total{reason="ring_buffer_full"} 0$' "$work/metrics.txt" || fail "/metrics lacks ring_buffer_full"
wait "$snap_pid" || fail "snaplen run exited with $?"
[[ $(field "$work/snap.json" "d['capture']['drops']['truncated']") == 7 ]] || fail "truncated: $(field "$work/snap.json" "d['capture']['drops']")"
[[ $(field "$work/snap.json" "d['capture']['kernel']['copied']") == 7 ]] || fail "copied: $(field "$work/snap.json" "d['capture']['kernel']")"

echo "--- bad options exit 2"
for args in "-i lo" "--report-interval 5s" "--ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17" "--ringbuf-size 3M" "--snaplen 10" "--source xdp" "-i no-such-if0"; do
  status=0
  # shellcheck disable=SC2086
  "$SIPMON" live -i lo $args --duration 1s >/dev/null 2>"$work/bad.err" || status=$?
  [[ $status -eq 2 ]] || fail "'$args' exited with $status, expected 2"
  echo "$args -> $(head -1 "$work/bad.err")"
done
echo "PASS"
