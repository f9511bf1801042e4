#!/usr/bin/env bash
# The table caps and timers on the command line (--max-dialogs, --max-session-attempts,
# --max-registrations, --max-transactions, --max-media-endpoints, --max-media-streams,
# --max-media-calls, --session-expires-default, --timer-b, --invite-timeout, --timer-f): taken by
# replay, check and
# live, out-of-range values refused with exit 2, and a cap that is too small for the traffic evicts
# undecided attempts and counts them in table_evictions.
#
# The samples are recorded one call after another, so a cap of one attempt loses nothing on any
# of them alone (a decided attempt is recycled without a count): the overlap is made here by
# replaying call-answered.pcap together with call-busy.pcap shifted to start 1 ms after it.
#
# Environment: SIPMON (binary; default build/sipmon), SIPMON_SOURCE_DIR (repository root).
# Needs python3, capinfos and editcap. Prints `P passed, F failed` last.
set -u

SOURCE_DIR=${SIPMON_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIPMON=${SIPMON:-$SOURCE_DIR/build/sipmon}
SAMPLES=$SOURCE_DIR/samples
WORK=$(mktemp -d /tmp/sipmon-calls-options-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

source "$(dirname "$0")/lib/check.sh"

run() {
  timeout 120 "$SIPMON" "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
}
exit_is() { [[ $RC -eq $1 ]]; }
err_has() { grep -qF -- "$1" "$WORK/err"; }
# json EXPR: a Python expression over the report `r` in $WORK/out.
json() { python3 "$SOURCE_DIR/tests/e2e/lib/json_eval.py" "$WORK/out" "$1"; }
json_is() { [[ $(json "$1") == "$2" ]]; }

first_packet() { capinfos -T -r -a -S "$1" | cut -f2; }

# call-busy.pcap moved to start 1 ms after call-answered.pcap. Its INVITEs then arrive while an
# answered call's INVITE is still waiting for its final response:
#   busy-1 INVITE at +1.000 ms, answered-1 undecided (its 200 comes at +2.363 ms) -> evicted
#   answered-2 INVITE at +299 ms finds busy-1 decided (486): recycled, not counted
#   busy-2 INVITE at +601.5 ms, answered-3 undecided (its 200 comes at +602.8 ms) -> evicted
# so exactly 2 evictions out of 5 attempts.
shift=$(awk -v a="$(first_packet "$SAMPLES/call-answered.pcap")" -v b="$(first_packet "$SAMPLES/call-busy.pcap")" \
  'BEGIN { printf "%.6f", a - b + 0.001 }')
editcap -t "$shift" "$SAMPLES/call-busy.pcap" "$WORK/busy-shifted.pcap" >/dev/null 2>&1
OVERLAP=("$SAMPLES/call-answered.pcap" "$WORK/busy-shifted.pcap")

run replay --json "${OVERLAP[@]}"
check "default caps: the overlapping calls lose nothing" \
  json_is 'r["table_evictions"]["session_attempts"], r["rfc6076"]["session_attempts"]' '0 5'

run replay --json --max-session-attempts 1 "${OVERLAP[@]}"
check "--max-session-attempts 1 exits 0" exit_is 0
check "--max-session-attempts 1: the two attempts overtaken while undecided are evicted and counted" \
  json_is 'r["table_evictions"]["session_attempts"], r["rfc6076"]["session_attempts"]' '2 5'
# An evicted attempt keeps its place in the denominator but has no outcome: 5 attempts,
# established only answered-2, busy only the two 486s.
check "--max-session-attempts 1: evicted attempts have no outcome" \
  json_is 'r["rfc6076"]["sessions_established"], r["rfc6076"]["sessions_effective"]' '1 3'

run replay --json --max-session-attempts 1 "$SAMPLES/call-answered.pcap"
check "--max-session-attempts 1 on calls one after another: decided attempts recycled, nothing evicted" \
  json_is 'r["table_evictions"]["session_attempts"], r["rfc6076"]["sessions_established"]' '0 3'

run check --max-session-attempts 1 "${OVERLAP[@]}" --expect 'table_evictions.session_attempts==2'
check "check takes the same option and sees the same evictions" exit_is 0

# The media call table. All five calls carry SDP (three answered: offer and answer; two busy: the
# offer) and a call's media entry stays 5 s after its end, so all five are in the table at once.
# With room for four, the fifth evicts the oldest: 1. With room for one, worked out from the
# capture's order: busy-1's INVITE evicts answered-1 (1); answered-1's 200 with SDP brings it back
# and evicts busy-1 (2); answered-2's INVITE evicts answered-1 (3); answered-3's INVITE evicts
# answered-2 (4); busy-2's INVITE evicts answered-3 (5); answered-3's 200 brings it back and evicts
# busy-2 (6).
run replay --json "${OVERLAP[@]}"
check "default media caps: nothing evicted" json_is 'r["table_evictions"]["media_calls"]' 0
run replay --json --max-media-calls 4 "${OVERLAP[@]}"
check "--max-media-calls 4: five calls with SDP at once, one evicted" json_is 'r["table_evictions"]["media_calls"]' 1
run replay --json --max-media-calls 1 "${OVERLAP[@]}"
check "--max-media-calls 1: six evictions, as worked out from the capture's order" \
  json_is 'r["table_evictions"]["media_calls"]' 6
# Every call of both captures uses the same two RTP/RTCP pairs (127.0.0.1:16000/16001 and
# 16100/16101, SIPp's), each one entry: two entries hold them all, one cannot.
run check --max-media-endpoints 1 "${OVERLAP[@]}" --expect 'table_evictions.media_endpoints>0'
check "check takes --max-media-endpoints: one entry cannot hold both sides' endpoints" exit_is 0

run replay --json "$SAMPLES/call-answered.pcap"
cp "$WORK/out" "$WORK/stored.json"
run check --report "$WORK/stored.json" --max-dialogs 10 --expect 'responses.200==6'
check "check --report with a table cap is a usage error (nothing is replayed)" \
  eval 'exit_is 2 && err_has "not to a stored --report"'

for option in --max-dialogs --max-session-attempts --max-registrations --max-transactions \
  --max-media-endpoints --max-media-streams --max-media-calls --session-expires-default; do
  run replay "$option" 0 "$SAMPLES/call-answered.pcap"
  check "replay $option 0 is a usage error naming the option" eval 'exit_is 2 && err_has "$option"'
done
run replay --max-dialogs 16777217 "$SAMPLES/call-answered.pcap"
check "replay --max-dialogs above the bound is a usage error" exit_is 2
run replay --session-expires-default 604801 "$SAMPLES/call-answered.pcap"
check "replay --session-expires-default above a week is a usage error" exit_is 2
run check --max-transactions abc "$SAMPLES/call-answered.pcap" --expect 'responses.200==6'
check "check --max-transactions abc is a usage error" exit_is 2
# Parsing fails before any capture is opened, so this needs no privileges and no interface.
run live -i lo --max-registrations 0 --duration 1s
check "live --max-registrations 0 is a usage error naming the option" \
  eval 'exit_is 2 && err_has --max-registrations'
run live --help
check "live --help lists the table options with their defaults" \
  eval 'grep -qF -- "--max-dialogs" "$WORK/out" && grep -qF -- "--session-expires-default" "$WORK/out" && grep -qF "1048576" "$WORK/out"'
check "live --help lists the media caps, which also size the kernel's media maps" \
  eval 'grep -qF -- "--max-media-endpoints" "$WORK/out" && grep -qF -- "--max-media-streams" "$WORK/out" && grep -qF -- "--max-media-calls" "$WORK/out"'

# RFC 3261 timers: --timer-b, --invite-timeout (Timer C), --timer-f.
run replay --json --timer-b 1 --invite-timeout 2 --timer-f 3 "$SAMPLES/call-long-ring.pcap"
check "replay reports the timers it ran with" \
  json_is 'r["timers"]' "{'timer_b_s': 1.0, 'timer_c_s': 2.0, 'timer_f_s': 3.0}"
# The 40-s ring with Timer C at 2 s: given up 2 s after the 180, a timeout. With the defaults
# (Timer C 181 s) the same capture is an established call: a ringing INVITE has no Timer B.
check "a 40-s ring outlives Timer C of 2 s: one timeout" json_is 'r["rfc6076"]["timeouts"]' 1
run replay --json "$SAMPLES/call-long-ring.pcap"
check "with the defaults (B 32 s, C 181 s) the 40-s ring is established, no timeout" \
  json_is '(r["rfc6076"]["sessions_established"], r["rfc6076"]["timeouts"], r["timers"]["timer_c_s"])' "1 0 181.0"
run replay --timer-b 40 --invite-timeout 39 "$SAMPLES/call-answered.pcap"
check "--invite-timeout below --timer-b is a usage error naming the option" \
  eval 'exit_is 2 && err_has --invite-timeout'
run live -i lo --timer-f 0 --duration 1s
check "live --timer-f 0 is a usage error" exit_is 2
run live --help
check "live --help names the RFC 3261 sections of the timers" \
  eval 'grep -qF "17.1.1.2" "$WORK/out" && grep -qF "16.7 step 2" "$WORK/out" && grep -qF "17.1.2.2" "$WORK/out"'

finish
