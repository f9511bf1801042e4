#!/usr/bin/env bash
# Regenerate the sipmon sample captures in samples/.
#
# Every capture is real SIP traffic between two SIPp instances (a UAS on
# port 5070 and a UAC on port 5060) over the loopback interface, recorded
# with tcpdump.  No traffic ever leaves loopback (127.0.0.1 / ::1).
#
# Usage:
#   samples/record.sh            # record every capture
#   samples/record.sh NAME...    # record only NAME.pcap (e.g. call-busy)
#   samples/record.sh --list     # list capture names
#
# Requirements: root (tcpdump), sipp (tested with 3.6.1), tcpdump, tshark,
# GNU coreutils timeout.  Runs non-interactively (no stdin needed).
#
# Environment:
#   OUT_DIR   where the .pcap files go (default: the directory of this script)
#   SIPP      sipp binary (default: sipp)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCEN="$HERE/scenarios"
OUT_DIR=${OUT_DIR:-$HERE}
SIPP=${SIPP:-sipp}

UAS_PORT=5070
UAC_PORT=5060
# Only the two SIP ports are captured (no RTP, no SIPp control socket).
FILTER="udp port $UAC_PORT or udp port $UAS_PORT"
# Hard limits so that nothing can hang (seconds).
SIPP_TIMEOUT=30   # sipp -timeout (SIPp's own global timeout)
OUTER_TIMEOUT=60  # coreutils timeout around every sipp / tshark command
UAS_GRACE=10      # how long to wait for the UAS to finish after the UAC

ALL_CAPTURES=(
  call-answered call-busy register-401 options-ping call-ipv6
  call-answered-sll call-answered-sll2
  call-retransmit call-lost
  call-unavailable call-redirect call-cancel call-407-answered
  call-reinvite register-403 call-503 call-long-ring
  call-503-q850 call-bye-q850
)

WORK=$(mktemp -d /tmp/sipmon-record.XXXXXX)
BG_PIDS=()
FAILED=()

cleanup() {
  local p
  for p in "${BG_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${BG_PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

log() { printf '==> %s\n' "$*" >&2; }

forget_pid() {
  local p keep=()
  for p in "${BG_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  BG_PIDS=("${keep[@]}")
}

# Wait up to $2 seconds for background pid $1; SIGTERM it afterwards.
# Returns the process' exit status (or 124 if it had to be killed).
wait_bounded() {
  local pid=$1 secs=$2 i rc=0
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rc=124
  else
    wait "$pid" || rc=$?
  fi
  forget_pid "$pid"
  return "$rc"
}

# Per-capture settings, filled in by configure().
configure() {
  IFACE=lo          # capture interface
  DLT=""            # tcpdump -y link type ("" = interface default)
  IP=127.0.0.1      # address both SIPp instances bind to
  CALLS=2           # -m for both sides
  UAS_SCEN=()       # -sf FILE or -sn NAME
  UAC_SCEN=()
  UAC_EXTRA=()      # extra UAC flags
  EXPECT=""         # expected message summary ("" = do not check)
  ALLOW_UAC_FAIL=0  # SIPp may report failed calls (packet loss test)
  MIN_REQ_RESEND=0  # minimum retransmitted requests (tshark sip.resend==1)
  MIN_RSP_RESEND=0  # minimum retransmitted responses
  ATTEMPTS=1        # recordings to try until the checks pass
  SIPP_TIMEOUT=30   # the global limits, raised by captures that take longer
  OUTER_TIMEOUT=60

  local builtin_uac=(-sn uac -d 200)
  case "$1" in
    call-answered)
      CALLS=3; UAS_SCEN=(-sf "$SCEN/uas-answer.xml"); UAC_SCEN=("${builtin_uac[@]}")
      EXPECT="INVITE=3 ACK=3 BYE=3 100=3 180=3 200=6" ;;
    call-busy)
      UAS_SCEN=(-sf "$SCEN/uas-busy.xml"); UAC_SCEN=(-sf "$SCEN/uac-reject.xml")
      EXPECT="INVITE=2 ACK=2 100=2 486=2" ;;
    register-401)
      UAS_SCEN=(-sf "$SCEN/uas-register.xml"); UAC_SCEN=(-sf "$SCEN/uac-register.xml")
      UAC_EXTRA=(-au alice -ap secret)
      EXPECT="REGISTER=4 200=2 401=2" ;;
    options-ping)
      CALLS=5; UAS_SCEN=(-sf "$SCEN/uas-options.xml"); UAC_SCEN=(-sf "$SCEN/uac-options.xml")
      EXPECT="OPTIONS=5 200=5" ;;
    call-ipv6)
      IP=::1; UAS_SCEN=(-sf "$SCEN/uas-answer.xml"); UAC_SCEN=("${builtin_uac[@]}")
      EXPECT="INVITE=2 ACK=2 BYE=2 100=2 180=2 200=4" ;;
    call-answered-sll)
      IFACE=any; DLT=LINUX_SLL
      UAS_SCEN=(-sf "$SCEN/uas-answer.xml"); UAC_SCEN=("${builtin_uac[@]}")
      EXPECT="INVITE=2 ACK=2 BYE=2 100=2 180=2 200=4" ;;
    call-answered-sll2)
      IFACE=any; DLT=LINUX_SLL2
      UAS_SCEN=(-sf "$SCEN/uas-answer.xml"); UAC_SCEN=("${builtin_uac[@]}")
      EXPECT="INVITE=2 ACK=2 BYE=2 100=2 180=2 200=4" ;;
    call-retransmit)
      # UAS waits 1.8 s before answering: INVITE retransmitted at +0.5 s
      # and +1.5 s, i.e. 3 INVITEs per call.
      UAS_SCEN=(-sf "$SCEN/uas-slow-answer.xml"); UAC_SCEN=("${builtin_uac[@]}")
      EXPECT="INVITE=6 ACK=2 BYE=2 100=2 180=2 200=4"; MIN_REQ_RESEND=4 ;;
    call-lost)
      # SIPp drops ~10% of the UAC's sent and received messages; the
      # resulting retransmissions are random, so the exact content is not
      # checked, but the capture must contain at least one retransmitted
      # request and one retransmitted response (re-recorded up to 4 times).
      CALLS=10; UAS_SCEN=(-sf "$SCEN/uas-answer.xml"); UAC_SCEN=("${builtin_uac[@]}")
      UAC_EXTRA=(-lost 10); ALLOW_UAC_FAIL=1
      MIN_REQ_RESEND=1; MIN_RSP_RESEND=1; ATTEMPTS=4 ;;
    call-unavailable)
      UAS_SCEN=(-sf "$SCEN/uas-unavailable.xml"); UAC_SCEN=(-sf "$SCEN/uac-reject.xml")
      EXPECT="INVITE=2 ACK=2 100=2 480=2" ;;
    call-redirect)
      UAS_SCEN=(-sf "$SCEN/uas-redirect.xml"); UAC_SCEN=(-sf "$SCEN/uac-reject.xml")
      EXPECT="INVITE=2 ACK=2 100=2 302=2" ;;
    call-cancel)
      UAS_SCEN=(-sf "$SCEN/uas-cancel.xml"); UAC_SCEN=(-sf "$SCEN/uac-cancel.xml")
      EXPECT="INVITE=2 CANCEL=2 ACK=2 100=2 180=2 200=2 487=2" ;;
    call-407-answered)
      # -auth_uri: make the digest uri= equal the INVITE Request-URI (SIPp's
      # default is sip:remote_ip:remote_port).
      UAS_SCEN=(-sf "$SCEN/uas-407.xml"); UAC_SCEN=(-sf "$SCEN/uac-407.xml")
      UAC_EXTRA=(-au alice -ap secret -auth_uri "service@$IP:$UAS_PORT")
      EXPECT="INVITE=4 ACK=4 BYE=2 100=2 180=2 200=4 407=2" ;;
    call-reinvite)
      UAS_SCEN=(-sf "$SCEN/uas-reinvite.xml"); UAC_SCEN=(-sf "$SCEN/uac-reinvite.xml")
      EXPECT="INVITE=4 ACK=4 BYE=2 100=2 180=2 200=6" ;;
    register-403)
      UAS_SCEN=(-sf "$SCEN/uas-register-403.xml"); UAC_SCEN=(-sf "$SCEN/uac-register.xml")
      UAC_EXTRA=(-au alice -ap secret)
      EXPECT="REGISTER=4 401=2 403=2" ;;
    call-503)
      UAS_SCEN=(-sf "$SCEN/uas-503.xml"); UAC_SCEN=(-sf "$SCEN/uac-reject.xml")
      EXPECT="INVITE=2 ACK=2 100=2 503=2" ;;
    call-503-q850)
      UAS_SCEN=(-sf "$SCEN/uas-503-q850.xml"); UAC_SCEN=(-sf "$SCEN/uac-reject.xml")
      EXPECT="INVITE=2 ACK=2 100=2 503=2" ;;
    call-bye-q850)
      UAS_SCEN=(-sf "$SCEN/uas-answer.xml"); UAC_SCEN=(-sf "$SCEN/uac-bye-q850.xml")
      EXPECT="INVITE=2 ACK=2 BYE=2 100=2 180=2 200=4" ;;
    call-long-ring)
      # The UAS rings 40 s (longer than Timer B) before answering: one call.
      CALLS=1; UAS_SCEN=(-sf "$SCEN/uas-long-ring.xml"); UAC_SCEN=("${builtin_uac[@]}")
      SIPP_TIMEOUT=80; OUTER_TIMEOUT=110
      EXPECT="INVITE=1 ACK=1 BYE=1 100=1 180=1 200=2" ;;
    *)
      echo "unknown capture: $1 (see --list)" >&2; return 1 ;;
  esac
}

# tshark with a bound, minus its "Running as user root" warning.
ts() {
  local rc=0
  timeout "$OUTER_TIMEOUT" tshark "$@" 2>"$WORK/tshark.err" || rc=$?
  grep -v '^Running as user' "$WORK/tshark.err" >&2 || true
  return "$rc"
}

# "INVITE=3 ACK=3 ... 100=3 200=6": requests in order of first appearance,
# then response codes in numeric order.
summarize() {
  local f=$1
  {
    ts -n -r "$f" -Y 'sip.Method && !sip.Status-Code' -T fields -e sip.Method \
      | awk '{ if (!($1 in n)) o[k++] = $1; n[$1]++ } END { for (i = 0; i < k; i++) printf "%s=%d ", o[i], n[o[i]] }'
    ts -n -r "$f" -Y 'sip.Status-Code' -T fields -e sip.Status-Code \
      | sort -n | uniq -c | awk '{ printf "%s=%d ", $2, $1 }'
  } | sed 's/ $//'
}

record() {
  local name=$1
  configure "$name"
  local out="$OUT_DIR/$name.pcap" tmp="$WORK/$name.pcap" dir="$WORK/$name"
  mkdir -p "$dir"

  local remote="$IP:$UAS_PORT"
  [[ $IP == *:* ]] && remote="[$IP]:$UAS_PORT"

  log "$name: recording on $IFACE${DLT:+ ($DLT)}, $CALLS call(s)"

  # 1. tcpdump (SIGINT makes it flush and exit; timeout forwards SIGINT).
  local tcpdump_args=(-i "$IFACE" -n -U -w "$tmp")
  [ -n "$DLT" ] && tcpdump_args+=(-y "$DLT")
  timeout -s INT 120 tcpdump "${tcpdump_args[@]}" "$FILTER" 2>"$dir/tcpdump.log" &
  local tcpdump_pid=$!
  BG_PIDS+=("$tcpdump_pid")
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q "listening on" "$dir/tcpdump.log" 2>/dev/null && break
    sleep 0.1
  done
  sleep 1

  # 2. UAS in the background.  Run in its own directory so that any
  #    SIPp log files stay out of the tree.
  local common=(-t u1 -m "$CALLS" -timeout "${SIPP_TIMEOUT}s" -timeout_error -nostdin)
  (cd "$dir" && exec timeout "$OUTER_TIMEOUT" "$SIPP" "${UAS_SCEN[@]}" \
      -i "$IP" -p "$UAS_PORT" -mp 16000 "${common[@]}" </dev/null >uas.log 2>&1) &
  local uas_pid=$!
  BG_PIDS+=("$uas_pid")
  sleep 0.5

  # 3. UAC in the foreground; calls are placed one at a time (-l 1) so the
  #    message order is the same on every run.
  local uac_rc=0
  (cd "$dir" && exec timeout "$OUTER_TIMEOUT" "$SIPP" "${UAC_SCEN[@]}" "$remote" \
      -i "$IP" -p "$UAC_PORT" -mp 16100 -l 1 -cid_str "$name-%u@%s" \
      "${common[@]}" "${UAC_EXTRA[@]}" </dev/null >uac.log 2>&1) || uac_rc=$?

  # 4. Let the UAS finish its timewait, then stop tcpdump.
  local uas_rc=0
  wait_bounded "$uas_pid" "$UAS_GRACE" || uas_rc=$?
  sleep 0.5
  kill -INT "$tcpdump_pid" 2>/dev/null || true
  wait_bounded "$tcpdump_pid" 10 || true

  local ok=1
  if [ "$uac_rc" -ne 0 ]; then
    if [ "$ALLOW_UAC_FAIL" = 1 ] && [ "$uac_rc" -eq 1 ]; then
      log "$name: UAC reported failed calls (rc=1), expected with -lost"
    else
      log "$name: UAC exited with $uac_rc"; tail -n 30 "$dir/uac.log" >&2 || true; ok=0
    fi
  fi
  if [ "$uas_rc" -ne 0 ] && [ "$ALLOW_UAC_FAIL" != 1 ]; then
    log "$name: UAS exited with $uas_rc"; tail -n 30 "$dir/uas.log" >&2 || true; ok=0
  fi
  if [ ! -s "$tmp" ]; then
    log "$name: no capture written"; cat "$dir/tcpdump.log" >&2; return 1
  fi

  # 5. Check and report; the capture replaces samples/NAME.pcap only if
  #    every check passed.
  ts -n -r "$tmp" -q -z sip,stat
  local got req_resend rsp_resend
  got=$(summarize "$tmp")
  req_resend=$(ts -n -r "$tmp" -Y 'sip.resend == 1 && sip.Request-Line' | wc -l)
  rsp_resend=$(ts -n -r "$tmp" -Y 'sip.resend == 1 && sip.Status-Line' | wc -l)
  log "$name: $(stat -c %s "$tmp") bytes, messages: $got" \
      "(sip.resend==1: $((req_resend + rsp_resend)) = $req_resend requests + $rsp_resend responses)"
  if [ -n "$EXPECT" ] && [ "$got" != "$EXPECT" ]; then
    log "$name: MISMATCH, expected: $EXPECT"; ok=0
  fi
  if [ "$req_resend" -lt "$MIN_REQ_RESEND" ] || [ "$rsp_resend" -lt "$MIN_RSP_RESEND" ]; then
    log "$name: too few retransmissions (need >= $MIN_REQ_RESEND requests, >= $MIN_RSP_RESEND responses)"
    ok=0
  fi
  [ "$ok" = 1 ] || return 1
  cp "$tmp" "$out"
  chmod 0644 "$out"
  log "$name: wrote $out"
}

main() {
  if [ "${1:-}" = "--list" ]; then printf '%s\n' "${ALL_CAPTURES[@]}"; return 0; fi
  if [ "$(id -u)" -ne 0 ]; then echo "must run as root (tcpdump)" >&2; exit 1; fi
  local c names=("$@")
  [ ${#names[@]} -eq 0 ] && names=("${ALL_CAPTURES[@]}")
  for c in "${names[@]}"; do
    c=${c%.pcap}; c=${c##*/}
    configure "$c" >/dev/null   # validate the name before recording
    local attempt=1
    until record "$c"; do
      if [ "$attempt" -ge "$ATTEMPTS" ]; then FAILED+=("$c"); break; fi
      attempt=$((attempt + 1))
      log "$c: retrying (attempt $attempt of $ATTEMPTS)"
    done
  done
  if [ ${#FAILED[@]} -ne 0 ]; then
    log "FAILED: ${FAILED[*]}"; exit 1
  fi
  log "all done: ${names[*]}"
}

main "$@"
