# Helpers shared by the live capture end-to-end tests (sourced, not run). Every wait is bounded.

# wait_for_line FILE PATTERN SECONDS: waits until FILE contains a line matching PATTERN.
wait_for_line() {
  local file=$1 pattern=$2 seconds=$3 i
  for ((i = 0; i < seconds * 20; i++)); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out after ${seconds}s waiting for '$pattern' in $file:" >&2
  cat "$file" >&2 || true
  return 1
}

# live_work NAME: makes the test's temporary directory, $work (/tmp/NAME.XXXXXX; KEEP_WORK=1 keeps
# it), and $pids, the processes to kill when the test exits, however it exits. A test with more
# to undo (namespaces...) defines cleanup_more, which runs first.
live_work() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  pids=()
  trap _live_cleanup EXIT
}
_live_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  # Reaped before the directory goes, so that nothing still writes into it.
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if declare -F cleanup_more >/dev/null; then cleanup_more; fi
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}

# stop_and_wait PID SECONDS: SIGINT, then SIGKILL if it does not exit in time; returns its status.
stop_and_wait() {
  local pid=$1 seconds=$2 i
  kill -INT "$pid" 2>/dev/null || true
  for ((i = 0; i < seconds * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "process $pid ignored SIGINT for ${seconds}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  local status=0
  wait "$pid" || status=$?
  return $status
}

# A test that cannot run here exits with ctest's skip code (tests/CMakeLists.txt), so it is
# reported skipped, never passed.
skip() {
  echo "SKIPPED: $*"
  exit "${SIPMON_SKIP_CODE:-77}"
}

require_root() {
  [[ $(id -u) -eq 0 ]] || skip "live capture tests need root"
}

# require_tools TOOL...: skips unless every tool is installed (scripts/setup.sh installs them).
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/setup.sh installs it)"
  done
}

# The eBPF source is left out of builds configured with -DSIPMON_WITH_EBPF=OFF.
require_ebpf() {
  [[ ${SIPMON_WITH_EBPF:-1} == 1 ]] || skip "this build has no eBPF source (SIPMON_WITH_EBPF=OFF)"
}
