#!/usr/bin/env bash
# Live where probes sit (issue 24): every tunnelled and SCTP capture of the shared corpus (GRE with
# PPP, ERSPAN, GTP-U, IP-in-IP, SCTP; VLAN-tagged outer frames), a VXLAN one made from a sample,
# and the IP-fragment ones, are played with tcpreplay onto a veth pair in a network namespace this
# test creates, while `sipmon live` (eBPF) listens on the other end and tcpdump records (Linux
# cooked and raw-IP captures are given an Ethernet header first). This
# kernel has no GRE, IPIP, GTP or SCTP module: the frames are injected, not routed. For each
# capture the live report must equal `sipmon replay` of the recording and of the original file
# (SIP messages, requests, responses, SIP frames), and every kernel encapsulation counter must
# equal what tshark finds in the recording (frames with that encapsulation and a SIP port).
# The first capture runs with --promiscuous, which must hold exactly while capturing.
# Needs root, iproute2, tcpreplay, tcpdump, tshark. Run under `flock /tmp/sipmon-live.lock`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
require_root
require_ebpf
require_tools ip tcpdump tcpreplay tshark python3
: "${SIPMON:?path to the sipmon binary}"
corpus=${SIPMON_CORPUS:-/work/shared/corpus}
[[ -d $corpus ]] || skip "no corpus at $corpus (SIPMON_CORPUS)"
samples="$here/../../samples"

ns="i24-tun-$$"
work=$(mktemp -d /tmp/i24-tunnels.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  [[ -n "${KEEP_WORK:-}" ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# One namespace, both ends of the pair: tcpreplay writes into i24b, i24a receives. Jumbo MTU, as a
# mirror port may carry; no address (a probe port needs none).
ip netns add "$ns"
ip link add i24a netns "$ns" type veth peer name i24b netns "$ns"
ip -n "$ns" link set i24a mtu 9000 up
ip -n "$ns" link set i24b mtu 9000 up
ip -n "$ns" link set lo up

# A VXLAN capture, as a cloud collector receives mirrored traffic: a sample call, every frame
# wrapped in Ethernet/IPv4/UDP 4789/VXLAN.
python3 "$here/live_rewrite_pcap.py" vxlan "$samples/call-answered.pcap" "$work/vxlan-call-answered.pcap"

files=(
  "$corpus/heplify__erspan_sip_ipv4_udp.pcapng"
  "$corpus/ndpi__gre_sip.pcapng"
  "$corpus/arkime__gtp-iphone.pcap"
  "$corpus/sngrep__ipip.pcap"
  "$corpus/heplify__ipip0.pcap"
  "$corpus/heplify__sip_sctp.pcap"
  "$corpus/packetnet__udp-ip-fragmented.pcap"
  "$corpus/pkts__fragmented_udp_sip.pcap"
  "$corpus/sngrep__ipv6frag.pcap"
  "$work/vxlan-call-answered.pcap"
)
ports=5060,5061,5062,5090  # sngrep__ipv6frag.pcap talks SIP on 5062, sngrep__ipip.pcap on 5090
failed=0
for original in "${files[@]}"; do
  name=$(basename "$original")
  [[ -f $original ]] || { echo "FAIL: $original is missing"; failed=1; continue; }
  dir="$work/$name.d"
  mkdir -p "$dir"
  # Linux cooked and raw-IP captures get an Ethernet header, as the mirror port would deliver them.
  python3 "$here/live_rewrite_pcap.py" ethernet "$original" "$dir/play.pcap"

  ip netns exec "$ns" tcpdump -p -i i24a -n -U --immediate-mode -B 65536 -w "$dir/rec.pcap" 2>"$dir/tcpdump.err" &
  tcpdump_pid=$!; pids+=("$tcpdump_pid")
  # The first capture also checks --promiscuous (a mirror port's frames are for other MACs; on a
  # veth they arrive anyway): the interface is promiscuous while sipmon runs and no longer after.
  # tcpdump runs with -p so that the promiscuity is sipmon's alone.
  promiscuous=()
  [[ $original == "${files[0]}" ]] && promiscuous=(--promiscuous)
  ip netns exec "$ns" "$SIPMON" live -i i24a --ports "$ports" --source ebpf "${promiscuous[@]}" --out "$dir/live.json" \
    >"$dir/live.out" 2>"$dir/live.err" &
  live_pid=$!; pids+=("$live_pid")
  wait_for_line "$dir/tcpdump.err" "listening on" 10
  wait_for_line "$dir/live.err" "capturing on i24a (ebpf)" 10
  promiscuity=$(ip -n "$ns" -d link show i24a | grep -o 'promiscuity [0-9]*' | awk '{print $2}')
  if [[ $promiscuity != "${#promiscuous[@]}" ]]; then
    echo "FAIL: $name: promiscuity $promiscuity while capturing with '${promiscuous[*]}'"
    failed=1
  fi
  ip netns exec "$ns" tcpreplay -q -i i24b -t "$dir/play.pcap" >"$dir/tcpreplay.out" 2>&1 ||
    { echo "FAIL: tcpreplay $name"; cat "$dir/tcpreplay.out"; failed=1; }
  sleep 0.5
  status=0
  stop_and_wait "$live_pid" 10 || status=$?
  stop_and_wait "$tcpdump_pid" 10 || true
  [[ $status -eq 0 ]] || { echo "FAIL: sipmon live exited with $status on $name"; cat "$dir/live.err"; failed=1; continue; }
  promiscuity=$(ip -n "$ns" -d link show i24a | grep -o 'promiscuity [0-9]*' | awk '{print $2}')
  [[ $promiscuity == 0 ]] || { echo "FAIL: $name: promiscuity $promiscuity after capture stopped"; failed=1; }
  "$SIPMON" replay "$dir/rec.pcap" --ports "$ports" --json >"$dir/replay-rec.json"
  "$SIPMON" replay "$original" --ports "$ports" --json >"$dir/replay-orig.json"
  python3 "$here/live_tunnels_compare.py" --name "$name" --live "$dir/live.json" --replay-recording "$dir/replay-rec.json" \
    --replay-original "$dir/replay-orig.json" --recording "$dir/rec.pcap" --ports "$ports" || failed=1
done
[[ $failed -eq 0 ]] || exit 1
echo "PASS: tunnelled, SCTP and fragmented captures replayed onto a veth: live (ebpf) = replay of the recording = replay of the original"
