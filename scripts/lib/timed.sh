# shellcheck shell=bash
# Sourced by scripts/build.sh and scripts/test.sh: one line per phase saying how long it
# took, and summaries at the end, so that a slow run shows where the time went, on any machine.
#
#   timed LABEL COMMAND...   runs COMMAND (a program or a function), then prints to stderr
#                            "== time: LABEL: W s wall, C s CPU" and returns COMMAND's status.
#                            With TIMED_LOG set, also appends "LABEL<TAB>W<TAB>C" to that file.
#   timed_total LABEL        the same line and log entry for the whole script so far ($SECONDS,
#                            and the CPU time of the shell and its children, `times`).
#   timed_summary [FILE]     the phases logged in FILE (default $TIMED_LOG), as a table.
#   ctest_slowest N LOG...   the N slowest tests of the ctest outputs LOG..., each named by its
#                            tree (LOG's file name without .log), and each tree's summed test time.
#   machine_load             one line: cores and load average (timings on a shared machine grow).
#
# CPU is user+system time of COMMAND and every child it waited for (compilers under make, tests
# under ctest; not servers that detach): on a loaded machine the wall time grows but the CPU time
# hardly does, and on a quiet machine with N cores a phase that keeps them busy takes about CPU/N
# of wall time. A phase whose CPU is far below cores x wall spent its time waiting (timers, SIPp).
timed() {
  local label=$1 report status=0
  shift
  report=$(mktemp /tmp/sipmon-timed.XXXXXX)
  local TIMEFORMAT='%R %U %S'
  { time "$@" 2>&5; } 5>&2 2>"$report" || status=$?
  local wall user sys cpu
  # `time` writes its line last; anything before it is the command's own stderr, kept in order
  # only when the command writes nothing there (it goes to fd 5, the caller's stderr, otherwise).
  read -r wall user sys < <(tail -n 1 "$report") || true
  rm -f "$report"
  cpu=$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { printf "%.0f", u + s }')
  wall=$(awk -v w="${wall:-0}" 'BEGIN { printf "%.0f", w }')
  echo "== time: $label: $wall s wall, $cpu s CPU" >&2
  [[ -z ${TIMED_LOG:-} ]] || printf '%s\t%s\t%s\n' "$label" "$wall" "$cpu" >>"$TIMED_LOG"
  return $status
}

timed_total() {
  local cpu report
  report=$(mktemp /tmp/sipmon-timed.XXXXXX)
  times >"$report"  # in this shell: in $(...) it would time the subshell
  cpu=$(awk '{ for (i = 1; i <= NF; i++) { split($i, t, /[ms]/); sum += t[1] * 60 + t[2] } }
    END { printf "%.0f", sum }' "$report")
  rm -f "$report"
  echo "== time: $1: $SECONDS s wall, $cpu s CPU" >&2
  [[ -z ${TIMED_LOG:-} ]] || printf '%s\t%s\t%s\n' "$1" "$SECONDS" "$cpu" >>"$TIMED_LOG"
}

timed_summary() {
  local file=${1:-${TIMED_LOG:-}}
  [[ -n $file && -s $file ]] || return 0
  awk -F '\t' 'BEGIN { printf "%-56s %8s %8s\n", "phase", "wall s", "CPU s" }
    { printf "%-56s %8d %8d\n", $1, $2, $3 }' "$file"
}

# ctest prints one line per test: "  12/380 Test  #45: e2e.cli_test ......   Passed   23.45 sec".
ctest_slowest() {
  local count=$1
  shift
  awk -v n="$count" '
    FNR == 1 { tree = FILENAME; sub(/.*\//, "", tree); sub(/\.log$/, "", tree) }
    / Test +#[0-9]+: / && / sec$/ {
      name = $0; sub(/.* Test +#[0-9]+: /, "", name); sub(/ .*/, "", name)
      secs = $(NF - 1) + 0
      total[tree] += secs; tests[tree]++
      printf "%10.2f  %s  %s\n", secs, tree, name | "sort -rn | head -n " n
    }
    END {
      close("sort -rn | head -n " n)
      for (t in total) printf "  %s: %d tests, %.0f s of test time summed\n", t, tests[t], total[t]
    }' "$@"
}

machine_load() {
  echo "$(nproc) core(s), load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
}
