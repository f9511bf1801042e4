#!/usr/bin/env bash
# `sipmon live --user nobody`, started as root: once capture runs the process is uid/gid 65534
# with no capability, no_new_privs and the steady-state seccomp filter (Seccomp: 2), cannot read
# /etc/shadow any more, and still captures every SIP message sent on lo. A --user that cannot be
# honoured (unknown, root) exits 2 before capturing.
# Loopback only, on a port of its own (lib/lo_ports.sh). Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/lo_ports.sh"
require_root
: "${SIPMON:?path to the sipmon binary}"

port=${PORT:-$(lo_port live_user_test)}
live_work i16b-live-user
chmod 0777 "$work"  # nobody writes the report here
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { python3 "$here/lib/json_eval.py" "$@"; }
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)

echo "--- --user nobody: ids switched, nothing privileged left, SIP still captured"
"$SIPMON" live -i lo --ports "$port" --user nobody --duration 4s --out "$work/user.json" >/dev/null 2>"$work/user.err" &
pid=$!; pids+=("$pid")
wait_for_line "$work/user.err" "capturing on lo" 10
grep -E "^(Uid|Gid|Groups|CapEff|CapPrm|CapAmb|NoNewPrivs|Seccomp):" "/proc/$pid/status" | tee "$work/status"
grep -qE "^Uid:\s+$nobody_uid\s+$nobody_uid\s+$nobody_uid\s+$nobody_uid$" "$work/status" || fail "uid not switched to $nobody_uid"
grep -qE "^Gid:\s+$nobody_gid\s+$nobody_gid\s+$nobody_gid\s+$nobody_gid$" "$work/status" || fail "gid not switched to $nobody_gid"
grep -qE "^Groups:\s+$nobody_gid\s*$" "$work/status" || fail "supplementary groups not reduced to $nobody_gid"
[[ $(grep -cE "^Cap(Eff|Prm|Amb):\s*0000000000000000$" "$work/status") -eq 3 ]] || fail "capabilities left"
grep -qE "^NoNewPrivs:\s*1$" "$work/status" || fail "no_new_privs not set"
grep -qE "^Seccomp:\s*2$" "$work/status" || fail "no seccomp filter"
# Every thread, not only the main one (the metrics and push threads were started before the filter).
for task in /proc/"$pid"/task/*; do
  grep -qE "^Seccomp:\s*2$" "$task/status" || fail "thread ${task##*/} runs without the filter"
done
python3 "$here/live_send_sip.py" --src 127.0.0.1 --dst 127.0.0.1 --port "$port" --count 9 --interval 0.001
status=0; wait "$pid" || status=$?
cat "$work/user.err"
[[ $status -eq 0 ]] || fail "--user nobody run exited with $status"
[[ $(field "$work/user.json" "d['requests'].get('INVITE')") == 9 ]] || fail "counted $(field "$work/user.json" "d['requests']"), expected 9 INVITEs"
[[ $(stat -c %u "$work/user.json") == "$nobody_uid" ]] || fail "the report was not written by nobody"

echo "--- a --user that cannot be honoured exits 2 before capturing"
for user in root i16b-no-such-user; do
  status=0
  "$SIPMON" live -i lo --ports "$port" --user "$user" --duration 1s >/dev/null 2>"$work/bad.err" || status=$?
  echo "--user $user -> $status: $(head -1 "$work/bad.err")"
  [[ $status -eq 2 ]] || fail "--user $user exited with $status, expected 2"
  grep -q "capturing on" "$work/bad.err" && fail "--user $user captured anyway"
done
echo "--- --user without root: refused with exit 2"
status=0
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+bpf,+net_raw --ambient-caps=-all,+bpf,+net_raw \
  "$SIPMON" live -i lo --ports "$port" --source ebpf --user nobody --duration 1s >/dev/null 2>"$work/nr.err" || status=$?
echo "not root -> $status: $(head -1 "$work/nr.err")"
[[ $status -eq 2 ]] || fail "--user as non-root exited with $status, expected 2"
echo "PASS"
