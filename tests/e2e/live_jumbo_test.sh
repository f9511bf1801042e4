#!/usr/bin/env bash
# Jumbo frames written to a packet socket, as tcpreplay and some mirror setups do (issue 16): on a
# veth pair with MTU 9000 between two network namespaces this test creates, 6000-byte SIP frames
# are injected through AF_PACKET on one side (the receiving skb then holds only the Ethernet header
# in its linear part, the rest in pages) and the same datagrams are also sent through a UDP
# socket. The eBPF capture on the other side must see every one of both kinds: before the filter
# read its headers from paged data, the injected ones were never matched and no counter moved.
# Needs root and iproute2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/netns.sh"
require_root
require_ebpf
require_tools ip python3
: "${SIPMON:?path to the sipmon binary}"

count=${JUMBO_FRAMES:-50}
size=6000
ns_a="sipmon-i16j-a-$$"
ns_b="sipmon-i16j-b-$$"
live_work sipmon-i16-jumbo
cleanup_more() { netns_delete "$ns_a" "$ns_b"; }

veth_between "$ns_a" i16ja "$ns_b" i16jb 9000
ip -n "$ns_a" addr add 10.216.0.1/24 dev i16ja
ip -n "$ns_b" addr add 10.216.0.2/24 dev i16jb
mac_a=$(veth_mac "$ns_a" i16ja)
mac_b=$(veth_mac "$ns_b" i16jb)

ip netns exec "$ns_a" "$SIPMON" live -i i16ja --ports 5070 --source ebpf --out "$work/live.json" \
  >"$work/live.out" 2>"$work/live.err" &
live_pid=$!; pids+=("$live_pid")
wait_for_line "$work/live.err" "capturing on i16ja (ebpf)" 10

# Injected through a packet socket: paged on arrival.
ip netns exec "$ns_b" python3 "$here/live_send_sip.py" --src 10.216.0.2 --dst 10.216.0.1 --count "$count" \
  --size "$size" --interval 0.002 --iface i16jb --src-mac "$mac_b" --dst-mac "$mac_a"
# The same size through the UDP stack (one frame each at MTU 9000).
ip netns exec "$ns_b" python3 "$here/live_send_sip.py" --src 10.216.0.2 --dst 10.216.0.1 --count "$count" \
  --size "$size" --interval 0.002
sleep 0.5
stop_and_wait "$live_pid" 10

python3 - "$work/live.json" "$count" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
count = int(sys.argv[2])
capture = report["capture"]
kernel, drops = capture["kernel"], capture.get("drops", {})
print(f"kernel: {kernel}")
print(f"drops: {drops}")
print(f"INVITEs decoded: {report['requests'].get('INVITE', 0)}")
failures = []
if kernel["matched"] != 2 * count: failures.append(f"kernel matched {kernel['matched']} != {2 * count} frames sent")
if kernel["copied"] != 2 * count: failures.append(f"kernel copied {kernel['copied']} != {2 * count}")
if kernel.get("headers_unreadable", 0) != 0: failures.append("headers_unreadable moved for whole frames")
if kernel["paged"] < count: failures.append(f"paged {kernel['paged']} < {count}: the injected frames did not take the paged path")
if report["requests"].get("INVITE", 0) != 2 * count:
    failures.append(f"{report['requests'].get('INVITE', 0)} INVITEs decoded != {2 * count}")
for f in failures: print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
echo "ok: $count injected and $count socket-sent ${size}-byte SIP frames all captured"
