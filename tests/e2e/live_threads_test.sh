#!/usr/bin/env bash
# `sipmon live --threads 2` (issue 27): on the loopback of a network namespace the test creates
# (so that no other process's UDP on the host's loopback reaches the libpcap capture, whose filter
# keeps all UDP), while SIPp runs calls and tcpdump records the same traffic, three captures run side by side: eBPF with one thread, eBPF with --threads 2 and
# libpcap with --threads 2. Each must count exactly what `sipmon replay` and tshark find in the
# recording (live_compare.py), and the two-thread reports must equal the one-thread report in
# every count (messages, retransmissions, dialogs, RFC 6076 counts, delay sample counts); delays
# themselves are stamped by each capture's own filter run, so they are not compared to the ns.
# A fourth capture with --threads 2 and --calls must say that it counts on one thread.
# Needs root. Knobs: CALLS (default 600), RATE (calls/s, default 300), PORT_BASE (default 26060).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/netns.sh"
require_root
require_ebpf
require_tools ip tcpdump sipp tshark python3
: "${SIPMON:?path to the sipmon binary}"

calls=${CALLS:-600}
rate=${RATE:-300}
uas_port=${PORT_BASE:-26060}
uac_port=$((uas_port + 1))
ports="$uas_port,$uac_port"
live_work sipmon-live-threads
ns="sipmon-threads-$$"
cleanup_more() { netns_delete "$ns"; }
ip netns add "$ns"
ip -n "$ns" link set lo up
# Background jobs are started with "ip netns exec" itself (it execs the command): $! is the
# command's own PID, and the SIGINT sent at the end reaches it.
in_ns() { ip netns exec "$ns" "$@"; }

ip netns exec "$ns" tcpdump -i lo -n -U -B 65536 -w "$work/rec.pcap" "udp port $uas_port or udp port $uac_port" 2>"$work/tcpdump.err" &
tcpdump_pid=$!; pids+=("$tcpdump_pid")
declare -A live_pids
start_live() {  # NAME SOURCE ARGS...
  local name=$1 source=$2; shift 2
  ip netns exec "$ns" "$SIPMON" live -i lo --ports "$ports" --source "$source" --out "$work/live-$name.json" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
  live_pids[$name]=$!; pids+=("$!")
}
start_live ebpf1 ebpf --threads 1
start_live ebpf2 ebpf --threads 2
# Default snap length and buffer: libpcap's TPACKET_V3 blocks hold packets of their own size, so
# 8 MiB ride out a report waiting for the shard on a loaded machine (docs/live.md).
start_live pcap2 pcap --threads 2
start_live calls2 ebpf --threads 2 --calls "$work/calls.jsonl"
wait_for_line "$work/tcpdump.err" "listening on" 10
for name in ebpf1 ebpf2 calls2; do wait_for_line "$work/$name.err" "capturing on lo (ebpf)" 10; done
wait_for_line "$work/pcap2.err" "capturing on lo (pcap)" 10

ip netns exec "$ns" sipp -sn uas -i 127.0.0.1 -p "$uas_port" -nostdin -timeout 120s >"$work/uas.log" 2>&1 &
uas_pid=$!; pids+=("$uas_pid")
sleep 0.3
in_ns timeout -k 5 120 sipp -sn uac "127.0.0.1:$uas_port" -i 127.0.0.1 -p "$uac_port" -r "$rate" -m "$calls" -nostdin -timeout 120s \
  >"$work/uac.log" 2>&1 || echo "note: SIPp uac exited with $? (failed calls are still traffic to count)"
sleep 1  # last BYE/200 and any retransmission in flight
kill -INT "$uas_pid" 2>/dev/null || true
sleep 1  # let every capture catch up (tcpdump exits on SIGINT without reading its buffer)

for name in ebpf1 ebpf2 pcap2 calls2; do
  status=0
  stop_and_wait "${live_pids[$name]}" 10 || status=$?
  [[ $status -eq 0 ]] || { echo "FAIL: sipmon live ($name) exited with $status" >&2; cat "$work/$name.err" >&2; exit 1; }
done
stop_and_wait "$tcpdump_pid" 10 || true
cat "$work/tcpdump.err"; echo
grep -qE "^0 packets dropped by kernel" "$work/tcpdump.err" || { echo "FAIL: tcpdump lost packets: the recording is no reference" >&2; exit 1; }
grep -q "note: --threads 2 ignored: --calls" "$work/calls2.err" || { echo "FAIL: --threads 2 --calls did not say it counts on one thread" >&2; cat "$work/calls2.err" >&2; exit 1; }
if grep -q "ignored" "$work/ebpf2.err" "$work/pcap2.err"; then echo "FAIL: --threads 2 alone fell back to one engine" >&2; exit 1; fi

"$SIPMON" replay "$work/rec.pcap" --ports "$ports" --json >"$work/replay.json"
python3 "$here/live_compare.py" --live "$work/live-ebpf1.json" --live "$work/live-ebpf2.json" --live "$work/live-pcap2.json" \
  --live "$work/live-calls2.json" --replay "$work/replay.json" --pcap "$work/rec.pcap" --ports "$ports" --min-messages $((calls * 6))

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
load = lambda name: json.load(open(f"{work}/{name}.json"))
one, replay = load("live-ebpf1"), load("replay")

def counts(report):
    """Every count of the report; delays (stamped by each capture's own filter run) reduced to how many."""
    out = {}
    for key in ("requests", "responses", "responses_by_method", "retransmissions", "dialogs", "table_evictions"):
        out[key] = report[key]
    for key, value in report["rfc6076"].items():
        if isinstance(value, dict):
            out[f"rfc6076.{key}.count"] = value.get("count")
        elif isinstance(value, int):
            out[f"rfc6076.{key}"] = value
    for key in ("packets", "bytes", "sip_messages", "sip_packets", "non_sip", "malformed"):
        out[f"capture.{key}"] = report["capture"][key]
    return out

failures = []
base = counts(one)
if base["rfc6076.session_attempts"] < 100:
    failures.append(f"only {base['rfc6076.session_attempts']} session attempts in the one-thread report")
for name in ("live-ebpf2", "live-pcap2", "live-calls2", "replay"):
    other = counts(load(name))
    for key in sorted(base):
        if other.get(key) != base[key]:
            failures.append(f"{name} {key}: {other.get(key)} != {base[key]} (--threads 1)")
print(f"--threads 1 and 2 agree on {len(base)} figures: {base['rfc6076.session_attempts']} attempts, "
      f"{base['capture.sip_messages']} messages")
for f in failures: print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
echo "PASS: $calls calls at $rate/s on loopback: live --threads 2 (ebpf, pcap) = --threads 1 = replay = tshark"
