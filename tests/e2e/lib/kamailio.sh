# Shared by the end-to-end tests that run Debian's Kamailio on loopback (hep_kamailio_test.sh,
# hep_kamailio_tls_test.sh, hep_sipcapture_test.sh). Sourced after live_common.sh, by a test that
# has set `work` (its temporary directory) and `pids` (the processes its cleanup kills).

# kamailio_modules MODULE...: sets KAMAILIO_MODULES to the directory of Kamailio's modules; skips
# the test unless kamailio and every named module (a file such as siptrace.so, which may come from
# another package, e.g. tls.so from kamailio-tls-modules) are installed.
kamailio_modules() {
  require_tools kamailio
  KAMAILIO_MODULES=$(dirname "$(dpkg -L kamailio 2>/dev/null | grep -m1 '/modules/pv.so$' || true)")
  local module
  for module in "$@"; do
    [[ -f $KAMAILIO_MODULES/$module ]] || skip "kamailio's $module module not found (scripts/setup.sh installs it)"
  done
}

# kamailio_check CFG: fails the test, with Kamailio's own words, unless it accepts the configuration.
kamailio_check() {
  kamailio -c -f "$1" >"$1.check.log" 2>&1 && return 0
  echo "FAIL: kamailio rejects $1" >&2
  cat "$1.check.log" >&2
  exit 1
}

# kamailio_start CFG LOG PORT...: starts Kamailio with CFG in the foreground of a background job
# (its PID in KAMAILIO_PID and appended to pids), its runtime files in $work, and waits up to 5 s
# until it listens on every PORT (UDP or TCP); fails the test with its log otherwise.
kamailio_start() {
  local cfg=$1 log=$2 port i
  shift 2
  kamailio -f "$cfg" -DD -E -Y "$work" -w "$work" >"$log" 2>&1 &
  KAMAILIO_PID=$!
  pids+=("$KAMAILIO_PID")
  for port in "$@"; do
    for ((i = 0; i < 100; i++)); do
      ss -Hltun "sport = :$port" | grep -q . && break
      sleep 0.05
    done
    ss -Hltun "sport = :$port" | grep -q . && continue
    echo "FAIL: kamailio did not start listening on port $port" >&2
    cat "$log" >&2
    exit 1
  done
}

# sipp_calls TARGET UAS_PORT UAC_PORT CALLS RATE: SIPp's built-in UAS on 127.0.0.1:UAS_PORT and its
# UAC placing CALLS calls at RATE a second to TARGET (host:port) from UAC_PORT, both writing
# -trace_counts files into $work (tests/e2e/lib/sipp_counts.py reads them). Returns when the UAC is
# done and the UAS has stopped; a UAC that exits non-zero is noted, not fatal (failed calls are
# traffic too, and the test's own checks judge them).
sipp_calls() {
  local target=$1 uas_port=$2 uac_port=$3 calls=$4 rate=$5 uas_pid
  (cd "$work" && exec sipp -sn uas -i 127.0.0.1 -p "$uas_port" -nostdin -trace_counts -timeout 60s >uas.log 2>&1) &
  uas_pid=$!
  pids+=("$uas_pid")
  sleep 0.3
  (cd "$work" && timeout -k 5 60 sipp -sn uac "$target" -i 127.0.0.1 -p "$uac_port" -r "$rate" -m "$calls" \
    -nostdin -trace_counts -timeout 60s >uac.log 2>&1) || echo "note: SIPp uac exited with $? (failed calls are still traffic)"
  sleep 1
  kill -INT "$uas_pid" 2>/dev/null || true
  wait "$uas_pid" 2>/dev/null || true
}
