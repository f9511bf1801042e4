#!/usr/bin/env bash
# The command line as a user meets it: exit codes (0 ok, 1 check failed, 2 usage or input error)
# with a message naming the problem and the file, help and version, damaged captures, pcapng
# input, several files merged by time, --out, the text summary, --ports and unsupported link types.
# Figures are compared with tshark/capinfos on the same input, never hard-coded.
#
# Environment: SIPMON (binary; default build/sipmon), SIPMON_SOURCE_DIR (repository root).
# Needs python3, tshark, editcap, mergecap, capinfos. Prints `P passed, F failed` last.
set -u

SOURCE_DIR=${SIPMON_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIPMON=${SIPMON:-$SOURCE_DIR/build/sipmon}
SAMPLES=$SOURCE_DIR/samples
WORK=$(mktemp -d /tmp/sipmon-cli-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

source "$(dirname "$0")/lib/check.sh"

# run ARGS...: runs sipmon with a bounded time; sets RC, stdout in $WORK/out, stderr in $WORK/err.
run() {
  timeout 120 "$SIPMON" "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
}

err_has() { grep -qF -- "$1" "$WORK/err"; }
out_has() { grep -qF -- "$1" "$WORK/out"; }
# The first line of stderr names the problem (a hint may follow on the next line).
first_err_line_has() { head -n 1 "$WORK/err" | grep -qF -- "$1"; }

# json FILE EXPR: prints a Python expression evaluated over the report `r` loaded from FILE.
json() { python3 "$SOURCE_DIR/tests/e2e/lib/json_eval.py" "$1" "$2"; }
# counts FILE: requests and responses of a report, in a canonical form for comparison.
counts() { json "$1" 'json.dumps([r["requests"], r["responses"]], sort_keys=True)'; }
# tshark_counts [--damaged] FILE [TAP_FILTER]: tshark's sip,stat figures in the same form as counts.
tshark_counts() { python3 "$SOURCE_DIR/tests/e2e/lib/sipstat.py" "$@"; }

if [[ ! -x $SIPMON ]]; then
  echo "FAIL: sipmon binary not found at $SIPMON (set SIPMON)"
  echo "0 passed, 1 failed"
  exit 1
fi
for tool in python3 tshark editcap mergecap capinfos; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIPPED: $tool is not installed (scripts/setup.sh installs it)"
    exit "${SIPMON_SKIP_CODE:-77}"
  fi
done

# Inputs: two recorded samples (any two will do; prefer these for their variety).
pick_sample() {
  local name
  for name in "$@"; do
    [[ -f $SAMPLES/$name ]] && { echo "$SAMPLES/$name"; return; }
  done
  local all=("$SAMPLES"/*.pcap)
  [[ -f ${all[0]} ]] && echo "${all[0]}"
}
CALL=$(pick_sample call-answered.pcap call-busy.pcap)
OTHER=$(pick_sample register-401.pcap options-ping.pcap call-busy.pcap)
if [[ -z $CALL || -z $OTHER ]]; then
  echo "FAIL: no samples/*.pcap to test with"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "# inputs: $CALL, $OTHER"

# ---- usage errors and messages ---------------------------------------------------------------
run
check "no arguments: exit 2" test "$RC" -eq 2
check "no arguments: a message on stderr" test -s "$WORK/err"

run --bogus-flag
check "unknown global flag: exit 2" test "$RC" -eq 2
check "unknown global flag: the message names the flag" first_err_line_has --bogus-flag

run replay "$CALL" --bogus-flag
check "unknown replay flag: exit 2" test "$RC" -eq 2
check "unknown replay flag: the message names the flag" first_err_line_has --bogus-flag
check "unknown replay flag: no report printed" test ! -s "$WORK/out"

run replay
check "replay without a file: exit 2" test "$RC" -eq 2
check "replay without a file: a message on stderr" test -s "$WORK/err"

run replay "$WORK/no-such-file.pcap"
check "missing file: exit 2" test "$RC" -eq 2
check "missing file: the message names the file" first_err_line_has "$WORK/no-such-file.pcap"

printf 'this is a text file, not a capture\n' >"$WORK/notes.txt"
run replay "$WORK/notes.txt"
check "text file: exit 2" test "$RC" -eq 2
check "text file: the message names the file" first_err_line_has "$WORK/notes.txt"
check "text file: a one-line message" test "$(wc -l <"$WORK/err")" -eq 1

# A file among good ones that cannot be read still fails the whole run (no partial report).
run replay "$CALL" "$WORK/notes.txt" --json
check "good file plus a text file: exit 2" test "$RC" -eq 2
check "good file plus a text file: the message names the bad file" first_err_line_has "$WORK/notes.txt"

if [[ $(id -u) -ne 0 ]]; then
  cp "$CALL" "$WORK/unreadable.pcap" && chmod 000 "$WORK/unreadable.pcap"
  run replay "$WORK/unreadable.pcap"
  check "unreadable file: exit 2" test "$RC" -eq 2
  check "unreadable file: the message names the file" first_err_line_has "$WORK/unreadable.pcap"
fi

# ---- help and version ------------------------------------------------------------------------
run --version
check "--version: exit 0" test "$RC" -eq 0
check "--version: prints 'sipmon <version>'" grep -qE '^sipmon [0-9]+\.[0-9]+\.[0-9]+' "$WORK/out"

run --help
check "--help: exit 0" test "$RC" -eq 0
check "--help: an example for replay" out_has "sipmon replay "
check "--help: an example for live" out_has "sipmon live "
check "--help: an example for check" out_has "sipmon check "
check "--help: the exit codes" grep -qi 'exit code' "$WORK/out"

run replay --help
check "replay --help: exit 0" test "$RC" -eq 0
check "replay --help: shows an example" out_has "sipmon replay "

# A usage error points at the help that lists the options in question: the command's.
run replay --bogus "$CALL"
check "replay --bogus: the hint names 'sipmon replay --help'" eval '[[ $RC -eq 2 ]] && err_has "(see '"'"'sipmon replay --help'"'"')"'
run check --tolerance
check "check --tolerance without a value: the hint names 'sipmon check --help'" eval '[[ $RC -eq 2 ]] && err_has "(see '"'"'sipmon check --help'"'"')"'
run live --bogus
check "live --bogus: the hint names 'sipmon live --help'" eval '[[ $RC -eq 2 ]] && err_has "(see '"'"'sipmon live --help'"'"')"'
run --bogus
check "no command: the hint names 'sipmon --help'" eval '[[ $RC -eq 2 ]] && err_has "(see '"'"'sipmon --help'"'"')"'
# live takes no files, so its --listen help does not tell where to put it relative to them.
run live --help
check "live --help: no advice about files" eval '[[ $RC -eq 0 ]] && ! out_has "after the files"'
run replay --help
check "replay --help: --listen without ADDR goes after the files" out_has "put --listen after the files"

# ---- a damaged capture -------------------------------------------------------------------------
# Cuts a classic pcap in the middle of record K (1-based): prints "K OFFSET" for the record that
# holds the middle of the file, and CUT_AT, a byte offset inside that record's data.
read -r DAMAGED_RECORD CUT_AT < <(python3 - "$CALL" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
offset, record, records = 24, 0, []
while offset + 16 <= len(data):
    caplen = struct.unpack(endian + "I", data[offset + 8 : offset + 12])[0]
    record += 1
    records.append((record, offset, caplen))
    offset += 16 + caplen
number, start, caplen = records[len(records) // 2]
print(number, start + 16 + caplen // 2)
PY
)
head -c "$CUT_AT" "$CALL" >"$WORK/cut.pcap"
INTACT=$((DAMAGED_RECORD - 1))
run replay "$WORK/cut.pcap" --json
cp "$WORK/out" "$WORK/cut.json"
check "cut capture: exit 0" test "$RC" -eq 0
check "cut capture: a warning names the file" err_has "$WORK/cut.pcap"
check "cut capture: the warning names packet $DAMAGED_RECORD" grep -qE "packet $DAMAGED_RECORD\b" "$WORK/err"
check "cut capture: the report counts the $INTACT packets before the damage" \
  test "$(json "$WORK/cut.json" 'r["capture"]["packets"]')" = "$INTACT"
check "cut capture: capinfos agrees on the packet count" \
  test "$(capinfos -T -r -c "$WORK/cut.pcap" 2>/dev/null | cut -f2)" = "$INTACT"
check "cut capture: requests/responses equal tshark's on the cut file" \
  test "$(counts "$WORK/cut.json")" = "$(tshark_counts --damaged "$WORK/cut.pcap")"
check "cut capture: read_errors names the file and packet" \
  test "$(json "$WORK/cut.json" '[(e["file"], e["packet"]) for e in r["capture"]["read_errors"]]')" = "[('$WORK/cut.pcap', $DAMAGED_RECORD)]"

# The same cut inside a record header (16 bytes) rather than its data.
python3 - "$CALL" "$WORK/cut-header.pcap" "$DAMAGED_RECORD" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
offset = 24
for _ in range(int(sys.argv[3]) - 1):
    offset += 16 + struct.unpack(endian + "I", data[offset + 8 : offset + 12])[0]
open(sys.argv[2], "wb").write(data[: offset + 7])
PY
run replay "$WORK/cut-header.pcap" --json
check "capture cut in a record header: exit 0" test "$RC" -eq 0
check "capture cut in a record header: a warning names the file and packet $DAMAGED_RECORD" \
  grep -qE "cut-header.pcap.*packet $DAMAGED_RECORD\b" "$WORK/err"
check "capture cut in a record header: $INTACT packets counted" \
  test "$(json "$WORK/out" 'r["capture"]["packets"]')" = "$INTACT"

# A corrupt record length (far beyond any snaplen) in record K: the same outcome as a cut.
python3 - "$CALL" "$WORK/corrupt.pcap" "$DAMAGED_RECORD" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
offset = 24
for _ in range(int(sys.argv[3]) - 1):
    offset += 16 + struct.unpack(endian + "I", data[offset + 8 : offset + 12])[0]
data[offset + 8 : offset + 12] = struct.pack(endian + "I", 0x7FFFFFF0)
open(sys.argv[2], "wb").write(data)
PY
run replay "$WORK/corrupt.pcap" --json
check "corrupt record length: exit 0" test "$RC" -eq 0
check "corrupt record length: a warning names the file and packet $DAMAGED_RECORD" \
  grep -qE "corrupt.pcap.*packet $DAMAGED_RECORD\b" "$WORK/err"
check "corrupt record length: $INTACT packets counted" \
  test "$(json "$WORK/out" 'r["capture"]["packets"]')" = "$INTACT"

# Cut inside the first record: not one packet can be read, an input error.
head -c 60 "$CALL" >"$WORK/cut-first.pcap"
run replay "$WORK/cut-first.pcap" --json
check "capture cut in its first record: exit 2" test "$RC" -eq 2
check "capture cut in its first record: the message names the file" first_err_line_has "$WORK/cut-first.pcap"

# ---- pcapng -----------------------------------------------------------------------------------
editcap -F pcapng "$CALL" "$WORK/call.pcapng"
run replay "$CALL" --json
cp "$WORK/out" "$WORK/call.json"
run replay "$WORK/call.pcapng" --json
cp "$WORK/out" "$WORK/call-ng.json"
check "pcapng: exit 0" test "$RC" -eq 0
check "pcapng: same requests/responses as the pcap" test "$(counts "$WORK/call-ng.json")" = "$(counts "$WORK/call.json")"
check "pcapng: same packets, bytes, times and SIP figures as the pcap" test \
  "$(json "$WORK/call-ng.json" '{k: v for k, v in r["capture"].items() if k != "files"}')" = \
  "$(json "$WORK/call.json" '{k: v for k, v in r["capture"].items() if k != "files"}')"

# A pcapng cut in the middle: the same as a pcap cut, counted against capinfos.
head -c "$(($(stat -c %s "$WORK/call.pcapng") / 2))" "$WORK/call.pcapng" >"$WORK/cut.pcapng"
NG_INTACT=$(capinfos -T -r -c "$WORK/cut.pcapng" 2>/dev/null | cut -f2)
run replay "$WORK/cut.pcapng" --json
check "cut pcapng: exit 0" test "$RC" -eq 0
check "cut pcapng: a warning names the file and packet $((NG_INTACT + 1))" \
  grep -qE "cut.pcapng.*packet $((NG_INTACT + 1))\b" "$WORK/err"
check "cut pcapng: the report counts the $NG_INTACT packets capinfos reads" \
  test "$(json "$WORK/out" 'r["capture"]["packets"]')" = "$NG_INTACT"

# A damaged file among good ones: everything readable is counted, the damage is named.
run replay "$WORK/cut.pcap" "$OTHER" --json
check "damaged file plus a good one: exit 0" test "$RC" -eq 0
check "damaged file plus a good one: the good file is counted in full" test \
  "$(json "$WORK/out" 'r["capture"]["packets"]')" = "$((INTACT + $(capinfos -T -r -c "$OTHER" 2>/dev/null | cut -f2)))"
check "damaged file plus a good one: the warning names the damaged file" err_has "$WORK/cut.pcap"

# ---- several files ----------------------------------------------------------------------------
run replay "$OTHER" --json
cp "$WORK/out" "$WORK/other.json"
run replay "$CALL" "$OTHER" --json
cp "$WORK/out" "$WORK/ab.json"
check "two files: exit 0" test "$RC" -eq 0
run replay "$OTHER" "$CALL" --json
cp "$WORK/out" "$WORK/ba.json"
SUM=$(python3 "$SOURCE_DIR/tests/e2e/lib/merged_reports.py" counts "$WORK/call.json" "$WORK/other.json")
check "two files: requests/responses are the sum of each file's" test "$(counts "$WORK/ab.json")" = "$SUM"
check "two files: packets are the sum" test "$(json "$WORK/ab.json" 'r["capture"]["packets"]')" = \
  "$(($(json "$WORK/call.json" 'r["capture"]["packets"]') + $(json "$WORK/other.json" 'r["capture"]["packets"]')))"
check "two files: first_ts/last_ts span both files" test \
  "$(json "$WORK/ab.json" '[r["capture"]["first_ts"], r["capture"]["last_ts"]]')" = \
  "$(python3 "$SOURCE_DIR/tests/e2e/lib/merged_reports.py" span "$WORK/call.json" "$WORK/other.json")"
check "two files: files listed as given" test "$(json "$WORK/ab.json" 'r["capture"]["files"]')" = "['$CALL', '$OTHER']"
check "two files: the order on the command line does not change the report (files aside)" test \
  "$(json "$WORK/ab.json" '[{k: v for k, v in r["capture"].items() if k != "files"}, r["requests"], r["responses"]]')" = \
  "$(json "$WORK/ba.json" '[{k: v for k, v in r["capture"].items() if k != "files"}, r["requests"], r["responses"]]')"

# One call split into two files by alternating packets: merged by timestamp, it is the call again.
python3 - "$CALL" "$WORK/odd.pcap" "$WORK/even.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
parts = [bytearray(data[:24]), bytearray(data[:24])]
offset, index = 24, 0
while offset + 16 <= len(data):
    size = 16 + struct.unpack(endian + "I", data[offset + 8 : offset + 12])[0]
    parts[index % 2] += data[offset : offset + size]
    offset, index = offset + size, index + 1
for path, part in zip(sys.argv[2:4], parts):
    open(path, "wb").write(part)
PY
run replay "$WORK/even.pcap" "$WORK/odd.pcap" --json
check "a call split into alternate packets, merged back: the same report as the original (files aside)" test \
  "$(json "$WORK/out" '[{k: v for k, v in r["capture"].items() if k != "files"}, {k: v for k, v in r.items() if k != "capture"}]')" = \
  "$(json "$WORK/call.json" '[{k: v for k, v in r["capture"].items() if k != "files"}, {k: v for k, v in r.items() if k != "capture"}]')"

# ---- outputs ----------------------------------------------------------------------------------
run replay "$CALL" --json --out "$WORK/report.json"
check "--out with --json: exit 0" test "$RC" -eq 0
check "--out writes the same JSON as --json prints" cmp -s "$WORK/out" "$WORK/report.json"
run replay "$CALL" --out "$WORK/report2.json"
check "--out without --json: the file holds the JSON report" cmp -s "$WORK/call.json" "$WORK/report2.json"
check "--out without --json: stdout holds the summary, not JSON" test "$(head -c 1 "$WORK/out")" != "{"
run replay "$CALL" --json
check "identical input gives a byte-identical report" cmp -s "$WORK/out" "$WORK/call.json"

run replay "$CALL"
check "summary: exit 0" test "$RC" -eq 0
check "summary: a few lines (2 to 30)" test "$(wc -l <"$WORK/out")" -ge 2 -a "$(wc -l <"$WORK/out")" -le 30
check "summary: not JSON" test "$(head -c 1 "$WORK/out")" != "{"
check "summary: names the file" out_has "$CALL"
# The summary lists the most frequent methods first, and responses per method (the INVITE's
# codes in numeric order); tests/e2e/text_summary_test.py checks every line against tshark.
TOP_METHOD=$(json "$WORK/call.json" '" ".join(map(str, min(r["requests"].items(), key=lambda kv: (-kv[1], kv[0]))))')
INVITE_CODES=$(json "$WORK/call.json" '"INVITE: " + ", ".join(f"{c} {n}" for c, n in sorted(r["responses_by_method"]["INVITE"].items()))')
check "summary: shows the most frequent request ($TOP_METHOD)" out_has "$TOP_METHOD"
check "summary: shows the INVITE's responses ($INVITE_CODES)" out_has "$INVITE_CODES"

# ---- --ports ----------------------------------------------------------------------------------
# The samples all run between ports 5060 and 5070. A copy of the second sample moved to ports
# 15060/15070 (UDP checksums cleared, which IPv4 allows; tshark finds SIP there by its heuristic,
# where 5072 would be AYIYA to it) is merged with the first so the filter has something to leave out.
python3 - "$OTHER" "$WORK/moved.pcap" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
linktype = struct.unpack(endian + "I", data[20:24])[0]
link_header = {1: 14, 113: 16, 276: 20}[linktype]
offset, moved = 24, 0
while offset + 16 <= len(data):
    caplen = struct.unpack(endian + "I", data[offset + 8 : offset + 12])[0]
    ip = offset + 16 + link_header
    if data[ip] >> 4 == 4 and data[ip + 9] == 17:
        udp = ip + (data[ip] & 0x0F) * 4
        for field in (udp, udp + 2):
            port = struct.unpack(">H", data[field : field + 2])[0]
            data[field : field + 2] = struct.pack(">H", port + 10000)
        data[udp + 6 : udp + 8] = b"\0\0"
        moved += 1
    offset += 16 + caplen
assert moved > 0, "no IPv4 UDP packet to move"
open(sys.argv[2], "wb").write(data)
PY
mergecap -F pcap -w "$WORK/two-ports.pcap" "$CALL" "$WORK/moved.pcap"
run replay "$WORK/two-ports.pcap" --json --ports 5070
check "--ports 5070: exit 0" test "$RC" -eq 0
check "--ports 5070: the same counts as tshark on udp.port==5070" \
  test "$(counts "$WORK/out")" = "$(tshark_counts "$WORK/two-ports.pcap" 'udp.port==5070')"
check "--ports 5070: the moved copy is left out (equals the first sample alone)" \
  test "$(counts "$WORK/out")" = "$(counts "$WORK/call.json")"
run replay "$WORK/two-ports.pcap" --json --ports 15070
check "--ports 15070: the same counts as tshark on udp.port==15070" \
  test "$(counts "$WORK/out")" = "$(tshark_counts "$WORK/two-ports.pcap" 'udp.port==15070')"
check "--ports 15070: only the moved copy (equals the second sample alone)" \
  test "$(counts "$WORK/out")" = "$(counts "$WORK/other.json")"
run replay "$WORK/two-ports.pcap" --json --ports 5070,15070
check "--ports 5070,15070: everything, as without --ports" \
  test "$(counts "$WORK/out")" = "$(tshark_counts "$WORK/two-ports.pcap")"

# ---- an unsupported link type -----------------------------------------------------------------
# LINKTYPE_USER0 (147) with one packet holding a SIP request: not decodable, counted as such.
python3 - "$WORK/user0.pcap" <<'PY'
import struct, sys
payload = b"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n\r\n"
header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 147)
record = struct.pack("<IIII", 1700000000, 0, len(payload), len(payload)) + payload
open(sys.argv[1], "wb").write(header + record)
PY
run replay "$WORK/user0.pcap" --json
check "link type 147: exit 0" test "$RC" -eq 0
check "link type 147: counted in capture.unsupported_link" test "$(json "$WORK/out" 'r["capture"]["unsupported_link"]')" = 1
check "link type 147: listed by type" test "$(json "$WORK/out" 'r["capture"]["unsupported_link_by_type"]')" = "{'147': 1}"
check "link type 147: no SIP counted" test "$(json "$WORK/out" 'r["capture"]["sip_messages"]')" = 0
check "link type 147: a warning names the file and the link type" grep -qE "user0.pcap.*147" "$WORK/err"

finish
