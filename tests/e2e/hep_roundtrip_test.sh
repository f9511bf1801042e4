#!/usr/bin/env bash
# sipmon -> HEP -> sipmon: `sipmon replay --hep-out` of the samples (and of the TCP/SCTP/WebSocket
# transport recordings) sends every SIP message to a second `sipmon live --hep-listen` on
# loopback, over UDP and then over TCP; the receiver must count the same SIP figures (messages per
# method, per status code, per CSeq method, retransmissions) as a replay of the captures, with no
# HEP error and nothing dropped on either side. No capture and no privilege: loopback sockets on
# random free ports. Run it under the live lock (docs/hep.md) like every loopback test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
: "${SIPMON:?path to the sipmon binary}"
root=${SIPMON_SOURCE_DIR:-$here/../..}

live_work issue25-hep-rt

# A port free for both UDP and TCP on 127.0.0.1, chosen by the kernel.
free_port() { python3 "$here/lib/free_port.py" --udp; }

captures=("$root"/samples/*.pcap)
for extra in "$root"/tests/e2e/transports/*.pcap "$root"/tests/data/*.pcap; do
  [[ -f $extra ]] && captures+=("$extra")
done
"$SIPMON" replay "${captures[@]}" --json >"$work/replay.json"

for transport in udp tcp; do
  port=$(free_port)
  metrics_port=$(free_port)
  # HEP carries no RTP: the TCP run says so with --no-media (docs/hep.md), and must count the same
  # SIP with no media figures at all, where the UDP run has them (the captures' SDP).
  media_flag=()
  [[ $transport == tcp ]] && media_flag=(--no-media)
  # The samples' timestamps are years old: keep them (a huge skew tolerance) so that
  # retransmissions, found by time windows, can be compared too.
  "$SIPMON" live --hep-listen "127.0.0.1:$port" --hep-key "k-$transport" --hep-max-skew 2000000000s \
    --listen "127.0.0.1:$metrics_port" "${media_flag[@]}" \
    --out "$work/hep-$transport.json" >"$work/live-$transport.out" 2>"$work/live-$transport.err" &
  live_pid=$!; pids+=("$live_pid")
  wait_for_line "$work/live-$transport.err" "receiving HEP on 127.0.0.1:$port" 10
  # The steady-state seccomp filter holds HEP runs too (every thread: the metrics server's as well).
  if [[ $(id -u) -eq 0 ]]; then
    for task in /proc/"$live_pid"/task/*; do
      grep -qE "^Seccomp:\s*2$" "$task/status" || { echo "FAIL: thread ${task##*/} of a HEP run has no seccomp filter" >&2; exit 1; }
    done
  fi
  "$SIPMON" replay "${captures[@]}" --hep-out "127.0.0.1:$port" --hep-transport "$transport" --hep-key "k-$transport" \
    --hep-id 25 --json >"$work/sender-$transport.json"
  sleep 1.5  # the last datagrams in flight on loopback, and one refresh of the registry (1 s)
  sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["hep_out"]["sent"])' "$work/sender-$transport.json")
  curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics-$transport.txt"
  grep -qx "sipmon_hep_sip_payloads_total $sent" "$work/metrics-$transport.txt" ||
    { echo "FAIL: /metrics does not show $sent HEP SIP payloads:" >&2; grep sipmon_hep "$work/metrics-$transport.txt" >&2; exit 1; }
  grep -qx "sipmon_hep_packets_total{version=\"3\"} $sent" "$work/metrics-$transport.txt" ||
    { echo "FAIL: /metrics does not show $sent HEPv3 packets" >&2; exit 1; }
  status=0
  stop_and_wait "$live_pid" 10 || status=$?
  [[ $status -eq 0 ]] || { echo "FAIL: sipmon live --hep-listen exited with $status" >&2; cat "$work/live-$transport.err" >&2; exit 1; }
  media_families=$(grep -cE "^sipmon_(rtp_|rtcp_|calls_no_media|calls_one_way|call_mos)" "$work/metrics-$transport.txt" || true)
  has_media=$(python3 -c 'import json,sys; print("media" in json.load(open(sys.argv[1])))' "$work/hep-$transport.json")
  if [[ $transport == tcp ]]; then
    [[ $has_media == False && $media_families -eq 0 ]] ||
      { echo "FAIL: live --no-media reported media (JSON: $has_media, /metrics lines: $media_families)" >&2; exit 1; }
  else
    [[ $has_media == True && $media_families -gt 0 ]] ||
      { echo "FAIL: live without --no-media reported no media (JSON: $has_media, /metrics lines: $media_families)" >&2; exit 1; }
  fi
  echo "== HEP over $transport"
  python3 "$here/hep_compare.py" --hep "$work/hep-$transport.json" --replay "$work/replay.json" \
    --sender "$work/sender-$transport.json" --retransmissions
done

# Usage errors (exit 2): neither an interface nor a listener; a sender aimed at its own listener.
port=$(free_port)
for args in "" "--hep-listen 127.0.0.1:$port --hep-out 127.0.0.1:$port" "--hep-listen :$port --hep-out 127.0.0.1:$port"; do
  status=0
  # shellcheck disable=SC2086
  "$SIPMON" live $args >/dev/null 2>"$work/usage.err" || status=$?
  [[ $status -eq 2 ]] || { echo "FAIL: sipmon live $args exited $status, not 2" >&2; cat "$work/usage.err" >&2; exit 1; }
done

# A wrong key is refused by name and nothing reaches the engine.
port=$(free_port)
"$SIPMON" live --hep-listen "127.0.0.1:$port" --hep-key right --out "$work/hep-key.json" >/dev/null 2>"$work/live-key.err" &
live_pid=$!; pids+=("$live_pid")
wait_for_line "$work/live-key.err" "receiving HEP on" 10
"$SIPMON" replay "$root/samples/call-answered.pcap" --hep-out "127.0.0.1:$port" --hep-key wrong --json >"$work/sender-key.json"
sleep 0.5
stop_and_wait "$live_pid" 10
python3 - "$work/hep-key.json" "$work/sender-key.json" <<'PY'
import json, sys
hep = json.load(open(sys.argv[1]))["capture"]
sent = json.load(open(sys.argv[2]))["capture"]["hep_out"]["sent"]
assert sent > 0, sent
assert hep["hep_in"]["errors"] == {"wrong_key": sent}, hep["hep_in"]
assert hep["sip_messages"] == 0 and hep["packets"] == 0, hep
print(f"wrong key: {sent} packets refused as wrong_key")
PY
# A flood of junk: every datagram is either counted by sipmon (refused by name) or dropped by the
# kernel and counted there (socket_drops): nothing is lost without a count, nothing crashes.
port=$(free_port)
"$SIPMON" live --hep-listen "127.0.0.1:$port" --out "$work/hep-flood.json" >/dev/null 2>"$work/live-flood.err" &
live_pid=$!; pids+=("$live_pid")
wait_for_line "$work/live-flood.err" "receiving HEP on" 10
flood=100000
python3 - "$port" "$flood" <<'PY'
import os, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
junk = [b"HEP3\x00\x06", b"HEP3\xff\xff" + os.urandom(100), b"\x02\x10\x02\x11" + os.urandom(40), os.urandom(300)]
sent = 0
while sent < n:
    try:
        s.sendto(junk[sent % len(junk)], ("127.0.0.1", port))
        sent += 1
    except BlockingIOError:
        pass
PY
sleep 1
stop_and_wait "$live_pid" 10
python3 - "$work/hep-flood.json" "$flood" <<'PY'
import json, sys
capture = json.load(open(sys.argv[1]))["capture"]
hep = capture["hep_in"]
n = int(sys.argv[2])
print(f"flood of {n} junk datagrams: {hep['packets']} counted ({hep['errors']}, {hep['sip_payloads']} well-formed "
      f"HEPv2 with random payloads), {hep['socket_drops']} dropped by the kernel")
assert hep["packets"] + hep["socket_drops"] == n, hep
assert sum(hep["errors"].values()) + hep["sip_payloads"] == hep["packets"], hep
# The HEPv2 junk is well-formed HEP around random bytes: the engine counts it as not SIP.
assert capture["sip_messages"] == 0 and capture["non_sip"] == hep["sip_payloads"], capture
PY
# More TCP connections than slots (64): each new one takes the slot of the one idle longest, and
# the newest connection is served. Its packet is split across writes to exercise the framing.
port=$(free_port)
"$SIPMON" live --hep-listen "127.0.0.1:$port" --out "$work/hep-conns.json" >/dev/null 2>"$work/live-conns.err" &
live_pid=$!; pids+=("$live_pid")
wait_for_line "$work/live-conns.err" "receiving HEP on" 10
python3 - "$port" <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
def chunk(kind, value):
    return struct.pack(">HHH", 0, kind, 6 + len(value)) + value
sip = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
chunks = (chunk(1, b"\x02") + chunk(2, b"\x06") + chunk(3, bytes([10, 0, 0, 1])) + chunk(4, bytes([10, 0, 0, 2]))
          + chunk(7, struct.pack(">H", 5060)) + chunk(8, struct.pack(">H", 5060)) + chunk(11, b"\x01") + chunk(15, sip))
packet = b"HEP3" + struct.pack(">H", 6 + len(chunks)) + chunks
conns = []
for i in range(70):
    c = socket.create_connection(("127.0.0.1", port))
    conns.append(c)
    time.sleep(0.005)  # accepted in order: the oldest are the idlest
last = conns[-1]
last.sendall(packet[:3]); time.sleep(0.05)
last.sendall(packet[3:40]); time.sleep(0.05)
last.sendall(packet[40:] + packet)  # the end of one packet and a whole second one
time.sleep(0.3)
PY
stop_and_wait "$live_pid" 10
python3 - "$work/hep-conns.json" <<'PY'
import json, sys
capture = json.load(open(sys.argv[1]))["capture"]
hep = capture["hep_in"]
print(f"70 connections: {hep['connections']} accepted, {hep['connections_refused']} closed for the limit; "
      f"{hep['sip_payloads']} packets framed from the split stream")
assert hep["connections"] == 70 and hep["connections_refused"] == 6, hep
assert hep["sip_payloads"] == 2 and hep["errors"] == {}, hep
assert capture["sip_messages"] == 2, capture
PY
echo "PASS: HEP round trip (udp, tcp) gives the replay's SIP figures, also on /metrics; a wrong key is refused; a flood is counted; connections are bounded"
