#!/usr/bin/env bash
# The replay progress line: shown on stderr when it is a terminal and the replay takes more than a
# second; never when stderr is a file or a pipe, nor with --quiet; and never on stdout, so the
# report stays clean. The terminal is a pseudo-terminal made by script(1); the slow replay is a
# capture written to stdin in two halves, a pause between them.
#
# Environment: SIPMON (binary; default build/sipmon), SIPMON_SOURCE_DIR (repository root).
set -u

SOURCE_DIR=${SIPMON_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIPMON=${SIPMON:-$SOURCE_DIR/build/sipmon}
WORK=$(mktemp -d /tmp/issue12-progress.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
source "$(dirname "$0")/lib/check.sh"
command -v script >/dev/null || { echo "SKIPPED: script(1) is not installed"; exit 0; }

# A pcap on stdout: the records of a sample repeated to 40000 frames, a 1.5 s pause in the middle.
cat >"$WORK/slow_writer.py" <<'PY'
import struct, sys, time
data = open(sys.argv[1], "rb").read()
header, records, offset = data[:24], [], 24
while offset < len(data):
    incl = struct.unpack_from("<I", data, offset + 8)[0]
    records.append(data[offset + 16:offset + 16 + incl])
    offset += 16 + incl
out = sys.stdout.buffer
out.write(header)
for i in range(40000):
    if i == 20000:
        out.flush()
        time.sleep(1.5)
    payload = records[i % len(records)]
    out.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(payload), len(payload)) + payload)
out.flush()
PY
sample=$SOURCE_DIR/samples/call-answered.pcap
printf 'python3 %q %q | %q replay - --json >%q\n' "$WORK/slow_writer.py" "$sample" "$SIPMON" "$WORK/tty.json" >"$WORK/tty.sh"
script -qec "bash $WORK/tty.sh" "$WORK/tty.log" >/dev/null 2>&1
RC=$?
check "on a terminal: exit 0" test "$RC" -eq 0
check "on a terminal, after a second: a progress line (MB read, packets/s; no total on stdin)" \
  grep -qaE 'sipmon: [0-9.]+ MB, [0-9]+ packets/s' "$WORK/tty.log"
check "on a terminal: the line is erased at the end" grep -qaF $'\r\033[K' "$WORK/tty.log"
check "on a terminal: stdout holds the report only" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/tty.json"

printf 'python3 %q %q | %q replay - --json --quiet >%q\n' "$WORK/slow_writer.py" "$sample" "$SIPMON" "$WORK/quiet.json" >"$WORK/quiet.sh"
script -qec "bash $WORK/quiet.sh" "$WORK/quiet.log" >/dev/null 2>&1
check "--quiet on a terminal: no progress line" eval '! grep -qa "packets/s" "$WORK/quiet.log"'
check "--quiet: the same report" cmp -s "$WORK/tty.json" "$WORK/quiet.json"

python3 "$WORK/slow_writer.py" "$sample" | "$SIPMON" replay - --json >"$WORK/out" 2>"$WORK/err"
RC=$?
check "stderr a file: exit 0, nothing on stderr" eval '[[ $RC -eq 0 && ! -s $WORK/err ]]'
check "stderr a file: the same report" cmp -s "$WORK/tty.json" "$WORK/out"

# With a regular file the line also gives the total and an ETA: tests/cli/progress_test.cpp
# checks that form with a driven clock (a file slow enough to read here would be hundreds of MB).
finish
