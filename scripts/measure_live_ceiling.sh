#!/usr/bin/env bash
# Measures the live zero-drop ceiling (issue 27, docs/performance.md "Live ceiling"): a veth pair
# between two network namespaces this script creates, bench/sip_flood.c in one sending complete
# SIP calls (INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE, 200; distinct Call-IDs) with
# sendmmsg at a rising rate, `sipmon live` in the other. A step is lossless when sipmon's report
# counts every datagram the generator sent (the generator's own count is the truth) and every
# request and response by name. Each configuration (source x --threads) stops at its first loss.
#
#   sudo scripts/measure_live_ceiling.sh [BUILD_DIR]
#   RATES="2000 4000 8000" SECONDS_PER_STEP=5 CONFIGS="ebpf:1 ebpf:2 pcap:1 pcap:2" PERF=1 SNAPLEN=1600 \
#     sudo -E scripts/measure_live_ceiling.sh build
#
# Per step it prints: the calls/s asked and the messages/s achieved, what was sent and counted,
# the drops sipmon reports and the veth's own receive drops (before any capture), sipmon's CPU
# per message in user and system time (/proc/PID/stat, all threads), and the kernel filter's CPU
# per packet (bpf prog run_time_ns / run_cnt, kernel.bpf_stats_enabled=1 for the run, restored
# after; the filter runs in the sender's softirq, not in sipmon's time). With PERF=1, each
# configuration's highest lossless rate runs once more under `perf record` of sipmon, and the top
# symbols are printed. Only loopback and the two namespaces are ever addressed.
# Not a test: figures depend on the machine and its load (printed first and last).
set -euo pipefail
build=${1:-${SIPMON_BUILD_DIR:-build}}
sipmon=$build/sipmon
flood=$build/bench/sipmon_sip_flood
rates=${RATES:-"1000 2000 4000 6000 8000 12000 16000 24000 32000"}
seconds=${SECONDS_PER_STEP:-5}
configs=${CONFIGS:-"ebpf:1 ebpf:2 pcap:1 pcap:2"}
ringbuf=${RINGBUF:-64M}
snaplen=${SNAPLEN:-}  # empty: sipmon's default (65560); libpcap's ring holds buffer / snaplen frames
perf_on=${PERF:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tests/e2e/live_common.sh"
source "$here/tests/e2e/lib/netns.sh"
require_root
require_tools ip bpftool python3
[[ -x $sipmon && -x $flood ]] || { echo "build $sipmon and $flood first (targets sipmon, sipmon_sip_flood)" >&2; exit 2; }

ns_a="sipmon-ceil-a-$$"
ns_b="sipmon-ceil-b-$$"
work=$(mktemp -d /tmp/sipmon-ceiling.XXXXXX)
pids=()
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  sysctl -qw kernel.bpf_stats_enabled="$stats_before" || true
  netns_delete "$ns_a" "$ns_b"
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

veth_between "$ns_a" va "$ns_b" vb 1500
ip -n "$ns_a" addr add 10.203.0.1/24 dev va
ip -n "$ns_b" addr add 10.203.0.2/24 dev vb
# A socket on the SIP port that nobody reads: the datagrams are dropped there, not answered with
# ICMP errors (which would be more traffic on the interface).
ip netns exec "$ns_a" "$flood" --sink 10.203.0.1 --dport 5060 &
pids+=("$!")
sysctl -qw kernel.bpf_stats_enabled=1

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $seconds s per step, ring buffer $ringbuf, snap length ${snaplen:-default}; sipmon $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
printf "%-6s %-3s %7s %8s %9s %9s %8s %7s %-22s %8s %8s %8s %s\n" source thr "calls/s" "msgs/s" sent counted missing "rx_drop" "sipmon drops" "user/msg" "sys/msg" "bpf/pkt" result

# filter_ids: the ids of the sipmon_filter programs loaded now (bpftool here lists no owner pids,
# so a run's programs are the ones that appeared after it started).
filter_ids() {
  bpftool prog show --json 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(str(p["id"]) for p in json.load(sys.stdin) if p.get("name") == "sipmon_filter"))'
}
# bpf_stats "IDS": run_time_ns and run_cnt summed over those programs.
bpf_stats() {
  bpftool prog show --json 2>/dev/null | python3 -c '
import json, sys
ids = {int(i) for i in sys.argv[1].split()}; t = n = 0
for p in json.load(sys.stdin):
    if p["id"] in ids:
        t += p.get("run_time_ns", 0); n += p.get("run_cnt", 0)
print(t, n)' "$1"
}
# cpu_ticks PID: utime and stime of the whole process (all threads), in clock ticks.
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
rx_stats() { ip -n "$ns_a" -s -j link show va | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]["rx"]; print(s["packets"], s["dropped"])'; }

# step SOURCE THREADS RATE [perf]: one run; prints a row and returns 1 on loss.
step() {
  local source=$1 threads=$2 rate=$3 profile=${4:-}
  rm -f "$work/live.json" "$work/live.err" "$work/flood.out"
  local before ids
  before=$(filter_ids)
  ip netns exec "$ns_a" "$sipmon" live -i va --ports 5060 --source "$source" --threads "$threads" \
    --ringbuf-size "$ringbuf" ${snaplen:+--snaplen "$snaplen"} --status-interval 0 --out "$work/live.json" >/dev/null 2>"$work/live.err" &
  local pid=$!; pids+=("$pid")
  wait_for_line "$work/live.err" "capturing on" 20 >/dev/null
  sleep 0.5
  ids=$(python3 -c 'import sys; print(" ".join(sorted(set(sys.argv[2].split()) - set(sys.argv[1].split()))))' "$before" "$(filter_ids)")
  local bpf0 cpu0 rx0 bpf1 cpu1 rx1 perf_pid=""
  bpf0=$(bpf_stats "$ids"); cpu0=$(cpu_ticks "$pid"); rx0=$(rx_stats)
  if [[ -n $profile ]]; then
    perf record -q -F 999 -g -p "$pid" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null &
    perf_pid=$!; pids+=("$perf_pid")
  fi
  ip netns exec "$ns_b" "$flood" --src 10.203.0.2 --dst 10.203.0.1 --calls-per-second "$rate" --seconds "$seconds" \
    >"$work/flood.out"
  sleep 1  # what is still in the ring buffer or the socket
  [[ -n $perf_pid ]] && { wait "$perf_pid" || true; }
  bpf1=$(bpf_stats "$ids"); cpu1=$(cpu_ticks "$pid"); rx1=$(rx_stats)
  # Per thread (user+system ticks since start): how the work splits between capture and shards.
  for task in /proc/"$pid"/task/*; do awk '{print $14 + $15}' "$task/stat"; done | sort -rn | head -3 | xargs >"$work/tasks"
  stop_and_wait "$pid" 30 >/dev/null || true
  python3 - "$work" "$source" "$threads" "$rate" "$(getconf CLK_TCK)" "$bpf0" "$bpf1" "$cpu0" "$cpu1" "$rx0" "$rx1" <<'PY'
import json, sys
work, source, threads, rate, tck = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
b0, b1, c0, c1, r0, r1 = ([int(x) for x in a.split()] for a in sys.argv[6:12])
flood = dict(kv.split("=") for kv in open(f"{work}/flood.out").read().split())
sent = int(flood["messages"])
report = json.load(open(f"{work}/live.json"))
cap = report["capture"]
counted = cap["packets"]
drops = {k: v for k, v in cap.get("drops", {}).items() if v}
want_req = {"INVITE": int(flood["invite"]), "ACK": int(flood["ack"]), "BYE": int(flood["bye"])}
want_resp = {"100": int(flood["r100"]), "180": int(flood["r180"]), "200": int(flood["r200"])}
exact = counted == sent and report["requests"] == want_req and report["responses"] == want_resp
user_ns = (c1[0] - c0[0]) * 1e9 / tck / max(sent, 1)
sys_ns = (c1[1] - c0[1]) * 1e9 / tck / max(sent, 1)
runs = b1[1] - b0[1]
bpf = f"{(b1[0] - b0[0]) / runs:.0f}" if runs else "-"
late = int(flood["late_batches"])
busiest = [int(t) * 1000 // tck for t in open(f"{work}/tasks").read().split()]
result = "lossless" if exact and not drops else "LOSS"
if late:
    result += f" (sender late {late}x)"
print(f"{source:<6} {threads:<3} {rate:>7} {float(flood['messages_per_s']):>8.0f} {sent:>9} {counted:>9} "
      f"{sent - counted:>8} {r1[1] - r0[1]:>7} {str(drops or '-'):<22} {user_ns:>8.0f} {sys_ns:>8.0f} {bpf:>8} {result}; busiest threads {busiest} ms")
sys.exit(0 if result.startswith("lossless") else 1)
PY
}

declare -A ceiling
for config in $configs; do
  source=${config%%:*}; threads=${config##*:}
  ceiling[$config]=0
  for rate in $rates; do
    if step "$source" "$threads" "$rate"; then ceiling[$config]=$rate; else break; fi
  done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for config in $configs; do
  echo "ceiling $config: ${ceiling[$config]} calls/s ($((ceiling[$config] * 7)) messages/s) without loss"
done

if [[ $perf_on == 1 ]] && command -v perf >/dev/null; then
  for config in $configs; do
    rate=${ceiling[$config]}
    [[ $rate -gt 0 ]] || continue
    source=${config%%:*}; threads=${config##*:}
    echo "# perf record -g of sipmon at ${rate} calls/s, $config (top symbols, self time, all threads; perf's own cost may make this run lose):"
    step "$source" "$threads" "$rate" perf || true
    perf report -i "$work/perf.data" --no-children --stdio --sort dso,sym -g none >"$work/perf.txt" 2>/dev/null || true
    grep -E '^ +[0-9]' "$work/perf.txt" | awk 'NR <= 20' || true
  done
fi
