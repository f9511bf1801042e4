#!/usr/bin/env bash
# Measures the highest call rate `sipmon live` captures on loopback without loss: SIPp calls at a
# rising rate, tcpdump records the same traffic, and a step is lossless when the live report
# counts exactly the frames of the recording (and the recording itself lost nothing). Bounded:
# a fixed list of rates, SECONDS of calls each, stopping at the first loss.
#
#   sudo scripts/measure_live_rate.sh [build/sipmon]
#   RATES="1000 2000 4000" SECONDS_PER_STEP=5 SOURCE=ebpf RINGBUF=8M scripts/measure_live_rate.sh
#
# Not a test: figures depend on the machine and its load. Results go in docs/live.md.
set -euo pipefail
sipmon=${1:-${SIPMON:-build/sipmon}}
rates=${RATES:-"1000 2000 3000 4000 5000 6000 8000 10000"}
seconds=${SECONDS_PER_STEP:-5}
source=${SOURCE:-ebpf}
ringbuf=${RINGBUF:-64M}
uas_port=${PORT_BASE:-27060}
uac_port=$((uas_port + 1))
ports="$uas_port,$uac_port"
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tests/e2e/live_common.sh"
require_root

work=$(mktemp -d /tmp/sipmon-rate.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

printf "%-9s %-10s %-10s %-10s %-10s %-10s %-28s %s\n" "rate" "peak INV/s" "peak fr/s" "frames" "live" "tcpdump" "drops" "result"
echo "(rate: SIPp -r; peak INV/s, peak fr/s: INVITEs and frames recorded in the busiest second;"
echo " frames: in the tcpdump recording; live: counted by sipmon live; tcpdump: its kernel drops)"
for rate in $rates; do
  calls=$((rate * seconds))
  rm -f "$work"/*
  tcpdump -i lo -n -U -B 262144 -w "$work/rec.pcap" "udp port $uas_port or udp port $uac_port" 2>"$work/tcpdump.err" &
  tcpdump_pid=$!; pids+=("$tcpdump_pid")
  "$sipmon" live -i lo --ports "$ports" --source "$source" --ringbuf-size "$ringbuf" --out "$work/live.json" \
    >/dev/null 2>"$work/live.err" &
  live_pid=$!; pids+=("$live_pid")
  wait_for_line "$work/tcpdump.err" "listening on" 10
  wait_for_line "$work/live.err" "capturing on" 10
  sipp -sn uas -i 127.0.0.1 -p "$uas_port" -nostdin -timeout $((seconds * 4 + 30))s >/dev/null 2>&1 &
  uas_pid=$!; pids+=("$uas_pid")
  sleep 0.3
  # SIPp's own -timeout does not always fire under overload: timeout(1) bounds the run for sure.
  timeout -k 5 $((seconds * 4 + 30)) sipp -sn uac "127.0.0.1:$uas_port" -i 127.0.0.1 -p "$uac_port" -r "$rate" -m "$calls" -l $((rate * 4)) \
    -nostdin -timeout $((seconds * 4 + 20))s >/dev/null 2>&1 || true
  # Silence the uas (it would retransmit unanswered responses), then let both captures catch up
  # before stopping them: tcpdump exits on SIGINT without reading what is still in its buffer.
  kill -INT "$uas_pid" 2>/dev/null || true
  sleep 3
  stop_and_wait "$live_pid" 20 || true
  stop_and_wait "$tcpdump_pid" 20 || true
  "$sipmon" replay "$work/rec.pcap" --ports "$ports" --json >"$work/replay.json"
  python3 - "$work" "$rate" >"$work/line" <<'PY'
import collections, json, re, struct, sys
work, rate = sys.argv[1], int(sys.argv[2])
live = json.load(open(f"{work}/live.json"))
replay = json.load(open(f"{work}/replay.json"))
lc, rc = live["capture"], replay["capture"]
text = open(f"{work}/tcpdump.err").read()
m = re.search(r"^(\d+) packets dropped by kernel", text, re.M)
tcpdump_dropped = int(m.group(1)) if m else -1
drops = {k: v for k, v in lc["drops"].items() if v}
# The pace SIPp achieved, from the recording: frames and INVITEs (UDP payload starting with
# "INVITE ", Ethernet/IPv4/UDP on lo) in the busiest second. Under overload SIPp falls behind the
# requested rate and retransmits; the comparison is with the recording either way.
frames_per_second, invites_per_second = collections.Counter(), collections.Counter()
with open(f"{work}/rec.pcap", "rb") as pcap:
    endian = "<" if pcap.read(24)[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    while len(record := pcap.read(16)) == 16:
        seconds, _, caplen, _ = struct.unpack(endian + "IIII", record)
        data = pcap.read(caplen)
        frames_per_second[seconds] += 1
        invites_per_second[seconds] += data[42:49] == b"INVITE "
peak_invites = max(invites_per_second.values(), default=0)
peak_frames = max(frames_per_second.values(), default=0)
same = (lc["packets"] == rc["packets"] and lc["sip_messages"] == rc["sip_messages"]
        and live["requests"] == replay["requests"] and live["responses"] == replay["responses"])
if tcpdump_dropped != 0:
    verdict = "reference-lost"
else:
    verdict = "lossless" if same and not drops else "LOSS"
print(f"{rate:<9} {peak_invites:<10} {peak_frames:<10} {rc['packets']:<10} {lc['packets']:<10} "
      f"{tcpdump_dropped:<10} {str(drops or '-'):<28} {verdict}")
PY
  line=$(cat "$work/line")
  echo "$line"
  [[ $line == *lossless* ]] || break
done
