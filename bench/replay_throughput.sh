#!/bin/sh
# Replay throughput: builds a large synthetic capture from the recorded samples (each doubling
# appends a copy shifted one hour later, so the transactions repeat as new ones) and times
# `sipmon replay` over it. Prints messages/s and ns per SIP message, end to end (libpcap read,
# decode, parse, count, report). A measuring script, not a test: numbers vary with the machine.
#
#   bench/replay_throughput.sh [SIPMON_BINARY] [TARGET_MESSAGES]
#   e.g. bench/replay_throughput.sh build-perf/sipmon 900000   (~1M messages, ~400 MB in $TMPDIR)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
sipmon=${1:-$here/build/sipmon}
target=${2:-900000}
work=${TMPDIR:-/tmp}/sipmon-replay-throughput.$$
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT INT TERM

# One seed capture holding every Ethernet sample (libpcap reads one link type per file).
ether=$(capinfos -T -E -r "$here"/samples/*.pcap | awk -F'\t' '$2 == "ether" {print $1}')
# shellcheck disable=SC2086 # sample names hold no spaces
mergecap -F pcap -w "$work/seed.pcap" $ether
messages_in() { "$sipmon" replay --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["capture"]["sip_messages"])'; }
seed_messages=$(messages_in "$work/seed.pcap")
[ "$seed_messages" -gt 0 ] || { echo "no SIP messages in the samples" >&2; exit 2; }

current=$work/seed.pcap
messages=$seed_messages
shift_s=3600
doublings=0
while [ "$messages" -lt "$target" ] && [ "$doublings" -lt 24 ]; do
  editcap -t "$shift_s" "$current" "$work/shifted.pcap"
  mergecap -a -F pcap -w "$work/next.pcap" "$current" "$work/shifted.pcap"
  mv "$work/next.pcap" "$work/big.pcap"
  rm -f "$work/shifted.pcap"
  current=$work/big.pcap
  messages=$((messages * 2))
  shift_s=$((shift_s * 2))
  doublings=$((doublings + 1))
done

# Warm the page cache, then time the best of three runs.
"$sipmon" replay "$current" >/dev/null
best_ns=
for run in 1 2 3; do
  start=$(date +%s%N)
  "$sipmon" replay --json "$current" > "$work/report.json"
  end=$(date +%s%N)
  ns=$((end - start))
  if [ -z "$best_ns" ] || [ "$ns" -lt "$best_ns" ]; then best_ns=$ns; fi
done
counted=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["sip_messages"])' "$work/report.json")
packets=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$work/report.json")
bytes=$(stat -c %s "$current")
python3 - "$counted" "$packets" "$best_ns" "$bytes" <<'PY'
import sys
messages, packets, ns, size = (int(x) for x in sys.argv[1:])
print(f"capture:  {packets} packets, {messages} SIP messages, {size / 1e6:.1f} MB")
print(f"best of 3: {ns / 1e9:.3f} s  ->  {messages / (ns / 1e9):,.0f} messages/s, {ns / messages:.0f} ns/message "
      f"({ns / packets:.0f} ns/packet), whole process")
PY
