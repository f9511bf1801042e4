#!/usr/bin/env bash
# Regenerates samples/NAME.expected.json for every samples/NAME.pcap(ng) from the current binary,
# and docs/report.md's example (the report of samples/call-answered.pcap).
# Use it when the report changes on purpose (new fields, a fixed count, re-recorded samples), then
# review `git diff samples/` and run tests/e2e/corpus_tshark_test.py, which checks the counts
# against tshark: the expected files must never just follow the binary blindly.
#
# Usage: scripts/update-expected.sh            (binary: $SIPMON, default build/sipmon)
# Paths are given relative to the repository root, as samples/NAME.pcap, so capture.files in the
# stored reports does not depend on where the repository is checked out.
set -euo pipefail
cd "$(dirname "$0")/.."
SIPMON=${SIPMON:-build/sipmon}
if [[ ! -x $SIPMON ]]; then
  echo "update-expected: no sipmon binary at $SIPMON (build it or set SIPMON)" >&2
  exit 2
fi

shopt -s nullglob
captures=(samples/*.pcap samples/*.pcapng)
if ((${#captures[@]} == 0)); then
  echo "update-expected: no captures in samples/" >&2
  exit 2
fi

for capture in "${captures[@]}"; do
  name=${capture%.pcapng}
  name=${name%.pcap}
  expected=$name.expected.json
  tmp=$expected.tmp
  if ! "$SIPMON" replay "$capture" --json >"$tmp"; then
    rm -f "$tmp"
    echo "update-expected: sipmon failed on $capture" >&2
    exit 1
  fi
  if [[ -f $expected ]] && cmp -s "$tmp" "$expected"; then
    rm -f "$tmp"
    echo "unchanged  $expected"
  else
    mv "$tmp" "$expected"
    echo "written    $expected"
  fi
done

# docs/report.md shows the report of samples/call-answered.pcap as its example: the same bytes
# (tests/e2e/report_doc_test.py compares them).
python3 - docs/report.md samples/call-answered.expected.json <<'PY'
import sys
doc_path, report_path = sys.argv[1:]
doc, report = open(doc_path).read(), open(report_path).read()
start = doc.index("```json\n") + len("```json\n")
end = doc.index("```", start)
if doc[start:end] != report:
    open(doc_path, "w").write(doc[:start] + report + doc[end:])
    print("written    " + doc_path + " (example)")
else:
    print("unchanged  " + doc_path + " (example)")
PY

for expected in samples/*.expected.json; do
  name=${expected%.expected.json}
  [[ -f $name.pcap || -f $name.pcapng ]] || echo "update-expected: warning: $expected has no capture beside it" >&2
done
echo "Review with 'git diff samples/' and check the counts with tests/e2e/corpus_tshark_test.py."
