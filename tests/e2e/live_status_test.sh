#!/usr/bin/env bash
# sipmon live's one-line status: every --status-interval when stderr is a terminal or journald
# (systemd's JOURNAL_STREAM naming stderr's device:inode, reproduced here for a file), with the
# packets, SIP messages, attempts, SER and drops so far; nothing when stderr is a plain file, or
# with --status-interval 0. The figures of the last line match the final report.
# Loopback only, on a port of its own (lib/lo_ports.sh). Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/lo_ports.sh"
require_root
: "${SIPMON:?path to the sipmon binary}"

# A block of ports no other test uses (lib/lo_ports.sh): the last status line must match the
# report, so no other test's packet may reach this capture.
port=$(lo_port live_status_test)
work=$(mktemp -d /tmp/issue12-status.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# run NAME ENV...: sipmon live for 3.5 s with a status every second, 20 OPTIONS sent meanwhile.
run() {
  local name=$1; shift
  : >"$work/$name.err"
  local journal
  journal=$(stat -c '%d:%i' "$work/$name.err")
  env "${@//@JOURNAL@/$journal}" "$SIPMON" live -i lo --ports "$port" --duration 3.5s --status-interval "${interval:-1s}" \
    --source pcap --out "$work/$name.json" >/dev/null 2>>"$work/$name.err" &
  local pid=$!
  wait_for_line "$work/$name.err" "capturing on lo" 10
  python3 "$here/live_send_sip.py" --src 127.0.0.1 --dst 127.0.0.1 --port "$port" --count 20 --interval 0.01 >/dev/null
  wait "$pid"
}

run journald JOURNAL_STREAM=@JOURNAL@
cat "$work/journald.err"
lines=$(grep -c '^sipmon: status: ' "$work/journald.err" || true)
[[ $lines -ge 2 ]] || fail "journald: expected a status line every second, found $lines"
last=$(grep '^sipmon: status: ' "$work/journald.err" | tail -n 1)
expected=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
c = r["capture"]
ser = r["rfc6076"]["ser"]
print("%d packets, %d SIP messages, %d attempts, SER %s, %d drops" % (
    c["packets"], c["sip_messages"], r["rfc6076"]["session_attempts"], "-" if ser is None else "%.1f%%" % ser,
    sum(c["drops"].values())))' "$work/journald.json")
[[ $last == "sipmon: status: $expected" ]] || fail "journald: last status '$last', the report says '$expected'"
echo "ok: journald: $lines status lines, the last one matching the report ($expected)"

run plain JOURNAL_STREAM=
! grep -q 'status:' "$work/plain.err" || fail "a plain file got status lines"
echo "ok: stderr a plain file: no status line"
run wrong JOURNAL_STREAM=1:1
! grep -q 'status:' "$work/wrong.err" || fail "a JOURNAL_STREAM naming another file gave status lines"
echo "ok: JOURNAL_STREAM naming another stream: no status line"
interval=0 run off JOURNAL_STREAM=@JOURNAL@
! grep -q 'status:' "$work/off.err" || fail "--status-interval 0 still printed"
echo "ok: --status-interval 0: no status line"
echo "PASS: live status lines"
