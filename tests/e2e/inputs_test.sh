#!/usr/bin/env bash
# Capture inputs other than a plain file: standard input (`sipmon replay -`), gzip and zstd
# compressed captures (by content, whatever the name), on stdin too. Each must give the JSON report
# of the plain file byte for byte, except capture.files, which names what was given. Damaged
# compressed files are reported like damaged captures: the packets before the damage count.
# Compression is done by the gzip and zstd programs, so the truth comes from outside sipmon.
#
# Environment: SIPMON (binary; default build/sipmon), SIPMON_SOURCE_DIR (repository root).
set -u

SOURCE_DIR=${SIPMON_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIPMON=${SIPMON:-$SOURCE_DIR/build/sipmon}
SAMPLES=$SOURCE_DIR/samples
WORK=$(mktemp -d /tmp/issue12-inputs.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
source "$(dirname "$0")/lib/check.sh"

for tool in gzip zstd python3 editcap; do
  command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed"; exit 0; }
done

# same_report A B: the two JSON reports are identical once capture.files is left out; the
# rest is compared as text, so that "byte-identical" means it.
same_report() {
  python3 - "$1" "$2" <<'PY'
import json, sys
texts = []
for path in sys.argv[1:]:
    report = json.load(open(path), object_pairs_hook=dict)
    del report["capture"]["files"]
    texts.append(json.dumps(report, indent=2))
sys.exit(0 if texts[0] == texts[1] and len(texts[0]) > 100 else 1)
PY
}
files_are() { python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["capture"]["files"] != sys.argv[2:])' "$@"; }

RC=0
for sample in call-cancel call-answered register-401 call-lost; do
  plain=$SAMPLES/$sample.pcap
  "$SIPMON" replay "$plain" --json >"$WORK/$sample.json" 2>"$WORK/err"
  gzip -c "$plain" >"$WORK/$sample.pcap.gz"
  zstd -q -c "$plain" >"$WORK/$sample.pcap.zst"
  cp "$WORK/$sample.pcap.gz" "$WORK/$sample.gz-without-a-telling-name"

  "$SIPMON" replay - --json <"$plain" >"$WORK/stdin.json" 2>"$WORK/err"
  check "$sample: stdin (redirected file) gives the plain file's report" same_report "$WORK/$sample.json" "$WORK/stdin.json"
  check "$sample: stdin is named '-' in capture.files" files_are "$WORK/stdin.json" -
  cat "$plain" | "$SIPMON" replay - --json >"$WORK/pipe.json" 2>"$WORK/err"
  check "$sample: stdin (a pipe) gives the plain file's report" same_report "$WORK/$sample.json" "$WORK/pipe.json"
  "$SIPMON" replay "$WORK/$sample.pcap.gz" --json >"$WORK/gz.json" 2>"$WORK/err"
  check "$sample: .gz gives the plain file's report" same_report "$WORK/$sample.json" "$WORK/gz.json"
  "$SIPMON" replay "$WORK/$sample.gz-without-a-telling-name" --json >"$WORK/gzname.json" 2>"$WORK/err"
  check "$sample: gzip recognized by content, not by name" same_report "$WORK/$sample.json" "$WORK/gzname.json"
  "$SIPMON" replay "$WORK/$sample.pcap.zst" --json >"$WORK/zst.json" 2>"$WORK/err"
  check "$sample: .zst gives the plain file's report" same_report "$WORK/$sample.json" "$WORK/zst.json"
  gzip -c "$plain" | "$SIPMON" replay - --json >"$WORK/gzpipe.json" 2>"$WORK/err"
  check "$sample: gzip on stdin gives the plain file's report" same_report "$WORK/$sample.json" "$WORK/gzpipe.json"
  check "$sample: nothing on stderr" test ! -s "$WORK/err"
done

# pcapng, gzip members concatenated (`cat a.gz b.gz` is one valid gzip file), several inputs.
plain=$SAMPLES/call-answered.pcap
editcap -F pcapng "$plain" "$WORK/answered.pcapng"
"$SIPMON" replay "$WORK/answered.pcapng" --json >"$WORK/ng.json"
gzip -c "$WORK/answered.pcapng" >"$WORK/answered.pcapng.gz"
"$SIPMON" replay "$WORK/answered.pcapng.gz" --json >"$WORK/nggz.json"
check "pcapng.gz gives the pcapng's report" same_report "$WORK/ng.json" "$WORK/nggz.json"
size=$(stat -c %s "$plain")
{ head -c $((size / 2)) "$plain" | gzip -c; tail -c +$((size / 2 + 1)) "$plain" | gzip -c; } >"$WORK/members.pcap.gz"
"$SIPMON" replay "$WORK/members.pcap.gz" --json >"$WORK/members.json" 2>"$WORK/err"
check "two gzip members read as one capture" same_report "$WORK/call-answered.json" "$WORK/members.json"
"$SIPMON" replay "$SAMPLES/call-cancel.pcap" "$SAMPLES/call-busy.pcap" --json >"$WORK/two.json"
gzip -c "$SAMPLES/call-busy.pcap" | "$SIPMON" replay "$WORK/call-cancel.pcap.gz" - --json >"$WORK/two-mixed.json"
check "a .gz and stdin merged by time as the plain files are" same_report "$WORK/two.json" "$WORK/two-mixed.json"

# check reads stdin too: the plain file's report as baseline passes.
"$SIPMON" check - --baseline "$WORK/call-cancel.json" <"$SAMPLES/call-cancel.pcap" >"$WORK/out" 2>"$WORK/err"
RC=$?
check "check - (stdin) passes against the plain file's baseline" test "$RC" -eq 0

# Damage: a cut gzip file counts the packets before the cut and says why; exit 0, as for pcap.
packets=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$WORK/call-lost.json")
head -c $(($(stat -c %s "$WORK/call-lost.pcap.gz") * 2 / 3)) "$WORK/call-lost.pcap.gz" >"$WORK/cut.pcap.gz"
"$SIPMON" replay "$WORK/cut.pcap.gz" --json >"$WORK/cut.json" 2>"$WORK/err"
RC=$?
check "cut .gz: exit 0 with a report" test "$RC" -eq 0
check "cut .gz: the warning names the cut" grep -q "gzip stream cut short" "$WORK/err"
check "cut .gz: read_errors has it, fewer packets than the whole file ($packets)" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["capture"]
sys.exit(not (c["read_errors"] and "gzip" in c["read_errors"][0]["error"] and 0 < c["packets"] < int(sys.argv[2])))' \
  "$WORK/cut.json" "$packets"
# zstd decodes whole blocks: two frames (valid when concatenated, as for gzip), the second cut.
lost=$SAMPLES/call-lost.pcap
lost_size=$(stat -c %s "$lost")
head -c $((lost_size / 2)) "$lost" | zstd -q -c >"$WORK/cut.pcap.zst"
tail -c +$((lost_size / 2 + 1)) "$lost" | zstd -q -c >"$WORK/second-frame.zst"
head -c $(($(stat -c %s "$WORK/second-frame.zst") / 2)) "$WORK/second-frame.zst" >>"$WORK/cut.pcap.zst"
"$SIPMON" replay "$WORK/cut.pcap.zst" --json >"$WORK/cutz.json" 2>"$WORK/err"
RC=$?
check "cut .zst: exit 0, damage reported" eval '[[ $RC -eq 0 ]] && grep -q "zstd stream cut short" "$WORK/err"'
printf 'not a capture at all\n' | gzip -c >"$WORK/text.gz"
"$SIPMON" replay "$WORK/text.gz" >"$WORK/out" 2>"$WORK/err"
RC=$?
check "gzip of something else: exit 2 naming the file and the compression" \
  eval '[[ $RC -eq 2 ]] && grep -qF "text.gz (gzip-compressed): not a readable pcap or pcapng capture" "$WORK/err"'
"$SIPMON" replay - - <"$SAMPLES/call-cancel.pcap" >"$WORK/out" 2>"$WORK/err"
RC=$?
check "stdin twice: exit 2, says so" eval '[[ $RC -eq 2 ]] && grep -q "only once" "$WORK/err"'
"$SIPMON" replay - </dev/null >"$WORK/out" 2>"$WORK/err"
RC=$?
check "empty stdin: exit 2 naming '-'" eval '[[ $RC -eq 2 ]] && grep -q "^sipmon: -: not a readable" "$WORK/err"'
if command -v script >/dev/null; then
  # script(1) gives the command a terminal as stdin: refused at once rather than waiting for a capture.
  timeout 20 script -qec "$SIPMON replay -" "$WORK/tty.log" >/dev/null 2>&1
  RC=$?
  check "stdin a terminal: exit 2 at once, saying to pipe a capture" \
    eval '[[ $RC -eq 2 ]] && grep -q "is a terminal: pipe a capture into it" "$WORK/tty.log"'
fi
finish
