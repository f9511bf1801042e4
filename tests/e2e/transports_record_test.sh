#!/bin/bash
# Real recordings of the transports sipmon must put back together, made by real tools, checked
# against tshark. Two network namespaces joined by a veth pair with MTU 1500 (addresses exist only
# inside them: 10.200.0.1/2, fd00:200::1/2); SIPp places calls from one to the other while
# tcpdump records inside the first. Cases:
#   tcp-t1     SIPp over TCP, one connection for all calls (-t t1); the INVITE spans segments
#   tcp-tn     SIPp over TCP, one connection per call (-t tn)
#   udp-frag4  a 4 KB INVITE over UDP/IPv4: sent as IP fragments
#   udp-frag6  the same over UDP/IPv6: IPv6 fragment headers
# Each recording must show what it is meant to (TCP streams, fragments) and sipmon's request and
# response counts must equal tshark's `-z sip,stat` on it. Needs root; skips (exit 77, which ctest reports as skipped)
# without it or without network namespaces. Every wait is bounded; namespaces go on exit.
set -euo pipefail

: "${SIPMON:?SIPMON must point at the sipmon binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
SCENARIO=$HERE/transports/big_invite_uac.xml
COMPARE=$HERE/transports/compare_sipstat.py
CALLS=3
OUTER_TIMEOUT=60

skip() { echo "SKIPPED: $*"; exit "${SIPMON_SKIP_CODE:-77}"; }
[[ $(id -u) -eq 0 ]] || skip "recording in network namespaces needs root"
for tool in ip sipp tcpdump tshark timeout python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done

NS_A=sipmon-i4-a-$$
NS_B=sipmon-i4-b-$$
WORK=$(mktemp -d /tmp/sipmon-transports.XXXXXX)
BG_PIDS=()

cleanup() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  if [[ -n ${SIPMON_KEEP_RECORDINGS:-} ]]; then echo "recordings kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

ip netns add "$NS_A" 2>/dev/null || skip "cannot create network namespaces here"
ip netns add "$NS_B"
ip link add va netns "$NS_A" mtu 1500 type veth peer name vb netns "$NS_B" mtu 1500
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
ip -n "$NS_A" addr add 10.200.0.1/24 dev va
ip -n "$NS_B" addr add 10.200.0.2/24 dev vb
ip -n "$NS_A" addr add fd00:200::1/64 dev va nodad
ip -n "$NS_B" addr add fd00:200::2/64 dev vb nodad
# veth passes TCP super-packets through whole (TSO): without this the capture would hold one
# 4.7 KB "segment" where a real wire has several. One segment per packet, as on a real link.
ip -n "$NS_A" link set va gso_max_segs 1 gso_max_size 1500
ip -n "$NS_B" link set vb gso_max_segs 1 gso_max_size 1500
ip -n "$NS_A" link set va up
ip -n "$NS_B" link set vb up

# wait_bounded PID SECONDS: waits for PID, killing it when it overstays; returns its status.
wait_bounded() {
  local pid=$1 seconds=$2 i
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  local rc=0
  wait "$pid" || rc=$?
  return $rc
}

# record NAME TRANSPORT LOCAL REMOTE: one SIPp run recorded to $WORK/NAME.pcap.
record() {
  local name=$1 transport=$2 local_ip=$3 remote_ip=$4
  local dir=$WORK/$name
  mkdir -p "$dir"
  local target=$remote_ip:5060
  [[ $remote_ip == *:* ]] && target="[$remote_ip]:5060"

  ip netns exec "$NS_A" timeout -s INT 120 tcpdump -i va -n -s 0 -U --immediate-mode -w "$dir/capture.pcap" 2>"$dir/tcpdump.log" &
  local tcpdump_pid=$!
  BG_PIDS+=("$tcpdump_pid")
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q "listening on" "$dir/tcpdump.log" 2>/dev/null && break
    sleep 0.1
  done

  local common=(-t "$transport" -m "$CALLS" -timeout 30s -timeout_error -nostdin -max_socket 100)
  (cd "$dir" && exec ip netns exec "$NS_B" timeout "$OUTER_TIMEOUT" sipp -sn uas -i "$remote_ip" -p 5060 -mp 16000 \
      "${common[@]}" </dev/null >uas.log 2>&1) &
  local uas_pid=$!
  BG_PIDS+=("$uas_pid")
  sleep 0.5
  local uac_rc=0
  (cd "$dir" && exec ip netns exec "$NS_A" timeout "$OUTER_TIMEOUT" sipp -sf "$SCENARIO" "$target" -i "$local_ip" \
      -p 5070 -mp 16100 -l 1 "${common[@]}" </dev/null >uac.log 2>&1) || uac_rc=$?
  local uas_rc=0
  wait_bounded "$uas_pid" 15 || uas_rc=$?
  sleep 1  # let tcpdump write the last packets before it is stopped
  kill -INT "$tcpdump_pid" 2>/dev/null || true
  wait_bounded "$tcpdump_pid" 10 || true
  # The built-in UAS stops when its call limit is reached, cutting its last call's closing pause
  # short and calling that call failed (exit 1): the UAC's verdict is the one that counts.
  if [[ $uac_rc -ne 0 || ($uas_rc -ne 0 && $uas_rc -ne 1) ]]; then
    echo "$name: SIPp failed (uac $uac_rc, uas $uas_rc)"
    tail -n 20 "$dir/uac.log" "$dir/uas.log" || true
    return 1
  fi
}

# count CAPTURE FILTER: frames matching a display filter.
count() { tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l; }

failures=0
check() {
  local name=$1 what=$2 filter=$3 at_least=$4
  local capture=$WORK/$name/capture.pcap
  local n
  n=$(count "$capture" "$filter")
  if [[ $n -lt $at_least ]]; then
    echo "FAIL $name: expected at least $at_least frames of $what ($filter), found $n"
    failures=$((failures + 1))
    return
  fi
  echo "$name: $n frames of $what"
}

compare() {
  local name=$1
  echo "$name: sipmon against tshark -z sip,stat"
  if python3 "$COMPARE" "$SIPMON" "$WORK/$name/capture.pcap"; then
    echo "ok $name"
  else
    echo "FAIL $name: sipmon and tshark disagree"
    failures=$((failures + 1))
  fi
}

run_case() {
  local name=$1
  shift
  if ! record "$name" "$@"; then
    failures=$((failures + 1))
    return
  fi
}

run_case tcp-t1 t1 10.200.0.1 10.200.0.2
check tcp-t1 "SIP over TCP" "sip && tcp" $((CALLS * 5))
check tcp-t1 "reassembled TCP (messages over several segments)" "tcp.reassembled.length" 1
compare tcp-t1

run_case tcp-tn tn 10.200.0.1 10.200.0.2
check tcp-tn "TCP connections opened (one per call)" "tcp.flags.syn == 1 && tcp.flags.ack == 0" "$CALLS"
compare tcp-tn

run_case udp-frag4 u1 10.200.0.1 10.200.0.2
check udp-frag4 "IPv4 fragments" "ip.flags.mf == 1" "$CALLS"
compare udp-frag4

run_case udp-frag6 u1 fd00:200::1 fd00:200::2
check udp-frag6 "IPv6 fragments" "ipv6.fragment" "$CALLS"
compare udp-frag6

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all transport recordings agree with tshark"
