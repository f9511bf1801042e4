#!/usr/bin/env bash
# Two builds give the same answers: the JSON report and the call records of each capture, byte for
# byte. Run before and after a change made for speed (docs/performance.md).
#
#   bench/same_reports.sh OLD_SIPMON NEW_SIPMON [CAPTURE...]
#
# Always compares the samples; SIPMON_CORPUS (default ../shared/corpus beside the checkout, when
# present) adds every capture there; further captures (the load captures) come as arguments.
set -uo pipefail
old=${1:?usage: same_reports.sh OLD_SIPMON NEW_SIPMON [CAPTURE...]}
new=${2:?usage: same_reports.sh OLD_SIPMON NEW_SIPMON [CAPTURE...]}
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${SIPMON_CORPUS:-$here/../shared/corpus}
work=$(mktemp -d /tmp/sipmon-same.XXXXXX)
trap 'rm -rf "$work"' EXIT
captures=("$here"/samples/*.pcap*)
[[ -d $corpus ]] && captures+=("$corpus"/*.pcap "$corpus"/*.pcapng "$corpus"/*.cap)
captures+=("$@")
compared=0 differ=0
for capture in "${captures[@]}"; do
  [[ -f $capture ]] || continue
  compared=$((compared + 1))
  rm -f "$work"/*.calls
  "$old" replay -q --json --calls "$work/old.calls" "$capture" >"$work/old.json" 2>/dev/null
  old_exit=$?
  "$new" replay -q --json --calls "$work/new.calls" "$capture" >"$work/new.json" 2>/dev/null
  new_exit=$?
  if [[ $old_exit != "$new_exit" ]] || ! cmp -s "$work/old.json" "$work/new.json" ||
    ! cmp -s "$work/old.calls" "$work/new.calls"; then
    differ=$((differ + 1))
    echo "DIFFERS: $capture (exit $old_exit, $new_exit)"
    diff <(python3 -m json.tool "$work/old.json" 2>/dev/null) <(python3 -m json.tool "$work/new.json" 2>/dev/null) | head -20
  fi
done
echo "$compared captures compared, $differ differ"
[[ $differ == 0 ]]
