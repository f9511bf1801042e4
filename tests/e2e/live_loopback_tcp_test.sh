#!/usr/bin/env bash
# SIP over TCP on loopback: segments sent by the local TCP stack are paged (non-linear) skbs, which
# the filter must read through bpf_skb_load_bytes. Every segment on the SIP ports must reach user
# space whole: kernel matched = copied = frames in a tcpdump recording, nothing lost, and the live
# report equals `sipmon replay` of the recording and parses as many SIP messages as tshark finds.
# Needs root. Knobs: CALLS (default 200), RATE (default 100), PORT_BASE (default 25160; lib/lo_ports.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
require_root
require_ebpf
require_tools tcpdump sipp tshark python3
: "${SIPMON:?path to the sipmon binary}"

calls=${CALLS:-200}
rate=${RATE:-100}
uas_port=${PORT_BASE:-25160}
uac_port=$((uas_port + 1))
ports="$uas_port,$uac_port"
live_work sipmon-live-tcp

tcpdump -i lo -n -U -B 65536 -w "$work/rec.pcap" "tcp port $uas_port or tcp port $uac_port" 2>"$work/tcpdump.err" &
tcpdump_pid=$!; pids+=("$tcpdump_pid")
"$SIPMON" live -i lo --ports "$ports" --source ebpf --out "$work/live.json" >/dev/null 2>"$work/live.err" &
live_pid=$!; pids+=("$live_pid")
wait_for_line "$work/tcpdump.err" "listening on" 10
wait_for_line "$work/live.err" "capturing on lo (ebpf)" 10

sipp -sn uas -t t1 -i 127.0.0.1 -p "$uas_port" -nostdin -timeout 120s >"$work/uas.log" 2>&1 &
uas_pid=$!; pids+=("$uas_pid")
sleep 0.3
timeout -k 5 120 sipp -sn uac -t t1 "127.0.0.1:$uas_port" -i 127.0.0.1 -p "$uac_port" -r "$rate" -m "$calls" \
  -nostdin -timeout 120s >"$work/uac.log" 2>&1 || echo "note: SIPp uac exited with $?"
sleep 1
kill -INT "$uas_pid" 2>/dev/null || true
sleep 1

stop_and_wait "$live_pid" 10 || { echo "FAIL: sipmon live exited with $?" >&2; cat "$work/live.err" >&2; exit 1; }
stop_and_wait "$tcpdump_pid" 10 || true
cat "$work/tcpdump.err"; echo
grep -qE "^0 packets dropped by kernel" "$work/tcpdump.err" || { echo "FAIL: tcpdump lost packets" >&2; exit 1; }
"$SIPMON" replay "$work/rec.pcap" --ports "$ports" --json >"$work/replay.json"

frames=$(tshark -n -r "$work/rec.pcap" | wc -l)
payload_frames=$(tshark -n -r "$work/rec.pcap" -Y "tcp.len > 0" | wc -l)
sip=$(tshark -n -r "$work/rec.pcap" -d "tcp.port==$uas_port,sip" -Y "sip" -T fields -e sip.CSeq.method | wc -l)
echo "recording: $frames TCP frames, $payload_frames with payload, $sip SIP messages (tshark)"
python3 - "$work" "$frames" "$calls" "$sip" <<'PY'
import json, sys
work, frames, calls, sip = sys.argv[1], *map(int, sys.argv[2:])
live, replay = (json.load(open(f"{work}/{name}.json")) for name in ("live", "replay"))
lc, rc, kernel = live["capture"], replay["capture"], live["capture"]["kernel"]
print(f"live: {lc['packets']} packets, {lc['bytes']} bytes, {lc['sip_messages']} SIP messages, kernel {kernel}, drops {lc['drops']}")
print(f"replay: {rc['packets']} packets, {rc['bytes']} bytes")
failures = []
if sip < calls * 6: failures.append(f"only {sip} SIP messages over TCP in the recording")
if lc["sip_messages"] != sip: failures.append(f"live parsed {lc['sip_messages']} SIP messages, tshark {sip}")
if kernel["matched"] != frames or kernel["copied"] != frames:
    failures.append(f"kernel matched/copied {kernel['matched']}/{kernel['copied']} != {frames} frames")
if any(lc["drops"].values()): failures.append(f"drops: {lc['drops']}")
# Loopback TCP carries its payload in page fragments: the paged read path must have been taken.
if kernel["paged"] == 0: failures.append("no segment went through the paged (bpf_skb_load_bytes) path")
for key in ("packets", "bytes", "sip_messages", "non_sip", "malformed", "unsupported_link"):
    if lc[key] != rc[key]: failures.append(f"{key}: live {lc[key]} != replay {rc[key]}")
if live["requests"] != replay["requests"] or live["responses"] != replay["responses"]:
    failures.append("requests/responses differ between live and replay")
for f in failures: print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
echo "PASS: SIP over TCP on loopback: every segment copied whole, live = replay"
