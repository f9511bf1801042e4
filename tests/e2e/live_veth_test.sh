#!/usr/bin/env bash
# Live capture on a veth pair between two network namespaces this test creates (MTU 1500, real
# Ethernet frames): SIPp calls, large INVITEs that IPv4 and IPv6 fragment, and 802.1Q/QinQ-tagged SIP
# frames (the kernel strips the outer tag into skb->vlan_tci; sipmon must put it back).
# The eBPF and libpcap captures must equal `sipmon replay` of a tcpdump recording and tshark's
# dissection of it (fragmented INVITEs reassembled), and the kernel counters must equal the frames
# (fragments included) in it. Needs root and iproute2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/netns.sh"
require_root
require_ebpf
require_tools ip tcpdump sipp tshark python3
: "${SIPMON:?path to the sipmon binary}"

calls=${CALLS:-200}
rate=${RATE:-100}
big=${BIG_INVITES:-5}
ns_a="sipmon-i7-a-$$"
ns_b="sipmon-i7-b-$$"
live_work sipmon-live-veth
cleanup_more() { netns_delete "$ns_a" "$ns_b"; }
# Background jobs are started with "ip netns exec" itself (it execs the command), so that $! is the
# command's own PID and the SIGINT sent at the end reaches it.
in_b() { ip netns exec "$ns_b" "$@"; }

veth_between "$ns_a" va "$ns_b" vb 1500
for side in a b; do
  ns_var="ns_$side"; ns=${!ns_var}; dev="v$side"; octet=$([[ $side == a ]] && echo 1 || echo 2)
  ip -n "$ns" addr add "10.201.0.$octet/24" dev "$dev"
  ip -n "$ns" addr add "fd00:201::$octet/64" dev "$dev" nodad
done
mac_a=$(veth_mac "$ns_a" va)
mac_b=$(veth_mac "$ns_b" vb)

ports="5060,5061,5070"
# tcpdump records everything: libpcap filters cannot be trusted with QinQ frames whose outer tag
# the kernel stripped (its "vlan" keyword shifts offsets inconsistently), so the reference is cut
# afterwards by tshark, which sees the tags in the file.
ip netns exec "$ns_a" tcpdump -i va -n -U -B 65536 -w "$work/raw.pcap" 2>"$work/tcpdump.err" &
tcpdump_pid=$!; pids+=("$tcpdump_pid")
ip netns exec "$ns_a" "$SIPMON" live -i va --ports "$ports" --source ebpf --out "$work/live-ebpf.json" >"$work/ebpf.out" 2>"$work/ebpf.err" &
ebpf_pid=$!; pids+=("$ebpf_pid")
ip netns exec "$ns_a" "$SIPMON" live -i va --ports "$ports" --source pcap --out "$work/live-pcap.json" >"$work/pcap.out" 2>"$work/pcap.err" &
pcap_pid=$!; pids+=("$pcap_pid")
# Several interfaces at once: va and this namespace's loopback, one program, one ring buffer.
ip netns exec "$ns_a" "$SIPMON" live -i va -i lo --ports "$ports" --source ebpf --out "$work/live-two.json" >"$work/two.out" 2>"$work/two.err" &
two_pid=$!; pids+=("$two_pid")
wait_for_line "$work/tcpdump.err" "listening on" 10
wait_for_line "$work/two.err" "capturing on va,lo (ebpf)" 10
wait_for_line "$work/ebpf.err" "capturing on va (ebpf)" 10
wait_for_line "$work/pcap.err" "capturing on va (pcap)" 10

ip netns exec "$ns_a" sipp -sn uas -i 10.201.0.1 -p 5060 -nostdin -timeout 120s >"$work/uas.log" 2>&1 &
uas_pid=$!; pids+=("$uas_pid")
sleep 0.3
in_b timeout -k 5 120 sipp -sn uac 10.201.0.1:5060 -i 10.201.0.2 -p 5061 -r "$rate" -m "$calls" -nostdin -timeout 120s \
  >"$work/uac.log" 2>&1 || echo "note: SIPp uac exited with $?"
# Large INVITEs: 4000 bytes over MTU 1500 -> 3 fragments each, IPv4 and IPv6.
in_b python3 "$here/live_send_sip.py" --src 10.201.0.2 --dst 10.201.0.1 --count "$big" --size 4000
in_b python3 "$here/live_send_sip.py" --src fd00:201::2 --dst fd00:201::1 --count "$big" --size 4000
# Tagged frames: 802.1Q (the receiving kernel strips the tag into skb->vlan_tci) and QinQ (the
# outer 802.1ad tag is stripped, the inner one stays in the frame).
in_b python3 "$here/live_send_sip.py" --src 10.201.0.2 --dst 10.201.0.1 --count 10 --size 600 \
  --iface vb --vlan 100 --src-mac "$mac_b" --dst-mac "$mac_a"
in_b python3 "$here/live_send_sip.py" --src 10.201.0.2 --dst 10.201.0.1 --count 10 --size 600 \
  --iface vb --vlan 200,300 --src-mac "$mac_b" --dst-mac "$mac_a"
# Loopback traffic inside namespace A: only the two-interface capture sees it.
loopback_messages=7
ip netns exec "$ns_a" python3 "$here/live_send_sip.py" --src 127.0.0.1 --dst 127.0.0.1 --count "$loopback_messages" --size 500
sleep 1
kill -INT "$uas_pid" 2>/dev/null || true
# Quiet now: let every capture catch up before stopping it (tcpdump exits on SIGINT without
# reading what is still in its buffer, which would make the reference short).
sleep 1

for pid_name in ebpf_pid pcap_pid two_pid; do
  status=0
  stop_and_wait "${!pid_name}" 10 || status=$?
  [[ $status -eq 0 ]] || { echo "FAIL: sipmon live ($pid_name) exited with $status" >&2; cat "$work"/*.err >&2; exit 1; }
done
stop_and_wait "$tcpdump_pid" 10 || true
cat "$work/tcpdump.err"; echo
grep -qE "^0 packets dropped by kernel" "$work/tcpdump.err" || { echo "FAIL: tcpdump lost packets" >&2; exit 1; }

# ICMP errors quote the UDP header they answer: tshark's udp.port matches them, the kernel filter
# (rightly) does not.
sip_filter="not icmp and not icmpv6 and (udp.port == 5060 or udp.port == 5061 or udp.port == 5070 or tcp.port == 5060 or tcp.port == 5061 or tcp.port == 5070 or ip.frag_offset > 0 or ipv6.fraghdr)"
tshark -n -r "$work/raw.pcap" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -Y "$sip_filter" -w "$work/rec.pcap"
# The libpcap fallback has the same QinQ limitation (documented): its reference leaves them out.
tshark -n -r "$work/rec.pcap" -Y "not ieee8021ad" -w "$work/rec-no-qinq.pcap"
"$SIPMON" replay "$work/rec.pcap" --ports "$ports" --json >"$work/replay.json"
"$SIPMON" replay "$work/rec-no-qinq.pcap" --ports "$ports" --json >"$work/replay-no-qinq.json"

# What the recording holds, according to tshark.
fragments_v4=$(tshark -n -r "$work/rec.pcap" -o ip.defragment:FALSE -Y "ip.flags.mf == 1 or ip.frag_offset > 0" | wc -l)
fragments_v6=$(tshark -n -r "$work/rec.pcap" -o ipv6.defragment:FALSE -Y "ipv6.fraghdr" | wc -l)
tagged=$(tshark -n -r "$work/rec.pcap" -Y "vlan or ieee8021ad" | wc -l)
big_invites=$(tshark -n -r "$work/rec.pcap" -d udp.port==5070,sip -Y 'sip.Method == "INVITE" and udp.length > 2000 and not icmp and not icmpv6' | wc -l)
echo "recording: $fragments_v4 IPv4 fragments, $fragments_v6 IPv6 fragments, $tagged VLAN-tagged frames, $big_invites reassembled large INVITEs"

python3 - "$work" "$fragments_v4" "$fragments_v6" "$tagged" "$big" "$big_invites" "$loopback_messages" <<'PY'
import json, sys
work, v4, v6, tagged, big, big_invites, loopback = sys.argv[1], *map(int, sys.argv[2:])
failures = []
one, two = (json.load(open(f"{work}/live-{name}.json")) for name in ("ebpf", "two"))
for key in ("packets", "sip_messages"):
    if two["capture"][key] != one["capture"][key] + loopback:
        failures.append(f"-i va -i lo: {key} {two['capture'][key]} != {one['capture'][key]} (va) + {loopback} (lo)")
if big_invites != 2 * big: failures.append(f"tshark reassembled {big_invites} large INVITEs, expected {2 * big}")
# Each 4000-byte INVITE becomes 3 fragments.
if v4 != 3 * big: failures.append(f"IPv4 fragments in the recording: {v4}, expected {3 * big}")
if v6 != 3 * big: failures.append(f"IPv6 fragments in the recording: {v6}, expected {3 * big}")
if tagged != 20: failures.append(f"VLAN-tagged frames in the recording: {tagged}")
ebpf = json.load(open(f"{work}/live-ebpf.json"))["capture"]["kernel"]
if ebpf["fragments"] != v4 + v6: failures.append(f"kernel fragments {ebpf['fragments']} != {v4 + v6} in the recording")
for f in failures: print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
python3 "$here/live_compare.py" --live "$work/live-ebpf.json" \
  --replay "$work/replay.json" --pcap "$work/rec.pcap" --ports "$ports" --min-messages $((calls * 6))
python3 "$here/live_compare.py" --live "$work/live-pcap.json" \
  --replay "$work/replay-no-qinq.json" --pcap "$work/rec-no-qinq.pcap" --ports "$ports" --min-messages $((calls * 6))
echo "PASS: veth MTU 1500: SIPp calls, fragmented INVITEs and VLAN-tagged SIP counted exactly by live (ebpf, pcap) = replay"
