#!/usr/bin/env bash
# Records tests/data/call-expired.pcap: a call whose session timer runs out.
#
# A real SIPp call over loopback (INVITE with Session-Expires: 90, 100, 180, 200 OK granting
# 90 s, ACK, then nothing: no BYE, no refresh), recorded with tcpdump; then one OPTIONS ping,
# recorded the same way, whose timestamps are moved 100 s later with `editcap -t 100` and merged
# in with mergecap. Waiting 100 real seconds would prove nothing more: expiry runs on packet time
# in replay, and the ping only carries packet time past the session's expiry (200 OK + 90 s).
#
# Requirements: root (tcpdump), sipp, tcpdump, editcap, mergecap, tshark. Only 127.0.0.1,
# ports 5062 (UAC) and 5072 (UAS), so it does not collide with samples/record.sh. Every command
# is bounded by `timeout`.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCEN="$HERE/scenarios"
SAMPLE_SCEN="$HERE/../../samples/scenarios"
OUT=${OUT:-$HERE/call-expired.pcap}
UAC_PORT=5062
UAS_PORT=5072
FILTER="udp port $UAC_PORT or udp port $UAS_PORT"
WORK=$(mktemp -d /tmp/sipmon-expired.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "must run as root (tcpdump)" >&2; exit 1; }

# record NAME UAS_SCENARIO UAC_SCENARIO
record() {
  local name=$1 uas=$2 uac=$3
  timeout -s INT 60 tcpdump -i lo -n -U -w "$WORK/$name.pcap" "$FILTER" 2>"$WORK/$name.tcpdump.log" &
  local tcpdump_pid=$!
  PIDS+=("$tcpdump_pid")
  for _ in $(seq 50); do grep -q "listening on" "$WORK/$name.tcpdump.log" && break; sleep 0.1; done
  (cd "$WORK" && exec timeout 40 sipp -sf "$uas" -i 127.0.0.1 -p $UAS_PORT -mp 16200 -m 1 \
      -timeout 30s -timeout_error -bg -trace_err >/dev/null 2>&1 </dev/null) || true
  sleep 0.5
  (cd "$WORK" && timeout 40 sipp -sf "$uac" 127.0.0.1:$UAS_PORT -i 127.0.0.1 -p $UAC_PORT -mp 16300 \
      -m 1 -l 1 -cid_str "$name-%u@%s" -timeout 30s -timeout_error </dev/null >/dev/null 2>&1)
  sleep 1
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" || true
}

record call "$SCEN/uas-no-bye.xml" "$SCEN/uac-no-bye.xml"
record ping "$SAMPLE_SCEN/uas-options.xml" "$SAMPLE_SCEN/uac-options.xml"
editcap -t 100 "$WORK/ping.pcap" "$WORK/ping-later.pcap"
mergecap -F pcap -w "$OUT" "$WORK/call.pcap" "$WORK/ping-later.pcap"
tshark -r "$OUT" -d udp.port==$UAC_PORT,sip -q -z sip,stat
tshark -r "$OUT" -d udp.port==$UAC_PORT,sip -T fields -e frame.time_relative -e _ws.col.Info
