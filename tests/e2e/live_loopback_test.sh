#!/usr/bin/env bash
# sipmon live on loopback while SIPp runs calls and tcpdump records the same traffic: the eBPF
# capture and the libpcap fallback, running side by side, must both count exactly what
# `sipmon replay` and tshark find in the recording (each packet once, nothing lost).
# Needs root. Knobs: CALLS (default 400), RATE (calls/s, default 200), PORT_BASE (default 25060; lib/lo_ports.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
require_root
require_ebpf
require_tools tcpdump sipp tshark python3
: "${SIPMON:?path to the sipmon binary}"

calls=${CALLS:-400}
rate=${RATE:-200}
uas_port=${PORT_BASE:-25060}
uac_port=$((uas_port + 1))
ports="$uas_port,$uac_port"
live_work sipmon-live-lo

tcpdump -i lo -n -U -B 65536 -w "$work/rec.pcap" "udp port $uas_port or udp port $uac_port" 2>"$work/tcpdump.err" &
tcpdump_pid=$!; pids+=("$tcpdump_pid")
"$SIPMON" live -i lo --ports "$ports" --source ebpf --out "$work/live-ebpf.json" >"$work/ebpf.out" 2>"$work/ebpf.err" &
ebpf_pid=$!; pids+=("$ebpf_pid")
"$SIPMON" live -i lo --ports "$ports" --source pcap --out "$work/live-pcap.json" >"$work/pcap.out" 2>"$work/pcap.err" &
pcap_pid=$!; pids+=("$pcap_pid")
wait_for_line "$work/tcpdump.err" "listening on" 10
wait_for_line "$work/ebpf.err" "capturing on lo (ebpf)" 10
wait_for_line "$work/pcap.err" "capturing on lo (pcap)" 10

sipp -sn uas -i 127.0.0.1 -p "$uas_port" -nostdin -timeout 120s >"$work/uas.log" 2>&1 &
uas_pid=$!; pids+=("$uas_pid")
sleep 0.3
timeout -k 5 120 sipp -sn uac "127.0.0.1:$uas_port" -i 127.0.0.1 -p "$uac_port" -r "$rate" -m "$calls" -nostdin -timeout 120s \
  >"$work/uac.log" 2>&1 || echo "note: SIPp uac exited with $? (failed calls are still traffic to count)"
sleep 1  # last BYE/200 and any retransmission in flight
kill -INT "$uas_pid" 2>/dev/null || true
# Quiet now: let every capture catch up before stopping it (tcpdump exits on SIGINT without
# reading what is still in its buffer, which would make the reference short).
sleep 1

status=0
stop_and_wait "$ebpf_pid" 10 || status=$?
[[ $status -eq 0 ]] || { echo "FAIL: sipmon live (ebpf) exited with $status" >&2; cat "$work/ebpf.err" >&2; exit 1; }
stop_and_wait "$pcap_pid" 10 || status=$?
[[ $status -eq 0 ]] || { echo "FAIL: sipmon live (pcap) exited with $status" >&2; cat "$work/pcap.err" >&2; exit 1; }
stop_and_wait "$tcpdump_pid" 10 || true
cat "$work/tcpdump.err"; echo
grep -qE "^0 packets dropped by kernel" "$work/tcpdump.err" || { echo "FAIL: tcpdump lost packets: the recording is no reference" >&2; exit 1; }

"$SIPMON" replay "$work/rec.pcap" --ports "$ports" --json >"$work/replay.json"
python3 "$here/live_compare.py" --live "$work/live-ebpf.json" --live "$work/live-pcap.json" \
  --replay "$work/replay.json" --pcap "$work/rec.pcap" --ports "$ports" --min-messages $((calls * 6))
echo "PASS: $calls calls at $rate/s on loopback: live (ebpf, pcap) = replay = tshark"
