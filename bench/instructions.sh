#!/usr/bin/env bash
# Instructions per packet of a replay, counted by callgrind: deterministic, so two builds compare
# on a loaded machine where their times do not (docs/performance.md, "Where the time goes on this
# VM"). Prints the total and the inclusive count of the engine's main parts.
#
#   bench/instructions.sh SIPMON_BINARY CAPTURE
#
# The figures in docs/performance.md use the first 200 000 packets of the default load capture:
#   build/bench/sipmon_load_capture /tmp/load.pcap && editcap -r /tmp/load.pcap /tmp/sub200k.pcap 1-200000
set -euo pipefail
bin=${1:?usage: instructions.sh SIPMON_BINARY CAPTURE}
capture=${2:?usage: instructions.sh SIPMON_BINARY CAPTURE}
out=$(mktemp /tmp/sipmon-callgrind.XXXXXX)
trap 'rm -f "$out" "$out.err"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" replay -q --json "$capture" >/dev/null 2>"$out.err" ||
  { tail "$out.err" >&2; exit 1; }
packets=$(capinfos -c -M "$capture" | awk '/Number of packets/ {print $NF}')
callgrind_annotate --inclusive=yes "$out" 2>/dev/null | awk -v packets="$packets" '
  /PROGRAM TOTALS/ { gsub(",", "", $1); printf "%-40s %8.0f instructions a packet\n", "total", $1 / packets }
  /:sipmon::(parse_sip_message|parse_sdp|name_addr_tag|transaction_key|call_id_hash|Engine::begin_frame|MediaTracker::on_sip_message|CallTracker::on_message|CallTracker::prefetch|Engine::track_transaction|Engine::count_sip_message)\(/ {
    count = $1; gsub(",", "", count); name = $0; sub(/.*:sipmon::/, "", name); sub(/\(.*/, "", name)
    if (!(name in seen)) { seen[name] = 1; printf "%-40s %8.0f\n", name, count / packets }
  }'
