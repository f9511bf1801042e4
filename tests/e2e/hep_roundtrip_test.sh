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

work=$(mktemp -d /tmp/issue25-hep-rt.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [[ -n "${KEEP_WORK:-}" ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# A port free for both UDP and TCP on 127.0.0.1, chosen by the kernel.
free_port() {
  python3 - <<'PY'
import socket
while True:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
PY
}

captures=("$root"/samples/*.pcap)
for extra in "$root"/tests/e2e/transports/*.pcap "$root"/tests/data/*.pcap; do
  [[ -f $extra ]] && captures+=("$extra")
done
"$SIPMON" replay "${captures[@]}" --json >"$work/replay.json"

for transport in udp tcp; do
  port=$(free_port)
  # The samples' timestamps are years old: keep them (a huge skew tolerance) so that
  # retransmissions, found by time windows, can be compared too.
  "$SIPMON" live --hep-listen "127.0.0.1:$port" --hep-key "k-$transport" --hep-max-skew 2000000000s \
    --out "$work/hep-$transport.json" >"$work/live-$transport.out" 2>"$work/live-$transport.err" &
  live_pid=$!; pids+=("$live_pid")
  wait_for_line "$work/live-$transport.err" "receiving HEP on 127.0.0.1:$port" 10
  "$SIPMON" replay "${captures[@]}" --hep-out "127.0.0.1:$port" --hep-transport "$transport" --hep-key "k-$transport" \
    --hep-id 25 --json >"$work/sender-$transport.json"
  sleep 0.5  # the last datagrams in flight on loopback
  status=0
  stop_and_wait "$live_pid" 10 || status=$?
  [[ $status -eq 0 ]] || { echo "FAIL: sipmon live --hep-listen exited with $status" >&2; cat "$work/live-$transport.err" >&2; exit 1; }
  echo "== HEP over $transport"
  python3 "$here/hep_compare.py" --hep "$work/hep-$transport.json" --replay "$work/replay.json" \
    --sender "$work/sender-$transport.json" --retransmissions
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
echo "PASS: HEP round trip (udp, tcp) gives the replay's SIP figures; a wrong key is refused"
