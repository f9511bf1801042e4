#!/usr/bin/env bash
# Runs the whole test suite, deterministically (the same result on every run of the same tree).
# Two lines of work run side by side, so that the CPU time the end-to-end tests spend waiting
# (on servers, SIPp, timers) goes to the sanitizer build:
#   - every test in build/ (built by scripts/build.sh): first the tests labelled `timing`
#     (tests/CMakeLists.txt: they assert on rates, scrape intervals and delays), one at a time,
#     then the others (unit tests, root-only BPF tests, end-to-end tests: the real binary against
#     samples, tshark, the shared corpus, real Prometheus/Pushgateway servers, the kernel's BPF);
#   - at a lower priority, so that those tests keep the CPU they ask for:
#     1. build-asan/ (the `asan` preset: clang-14, ASan+UBSan, -DSIPMON_WITH_EBPF=OFF, which also
#        proves that configuration builds): the unit tests, sipmon and the libFuzzer targets, with
#        the engine compiled once for all of them. The compilers run as SCHED_IDLE (chrt --idle):
#        the kernel runs them only on a core no other process wants, and a waking test process
#        takes its core back at once, so the `timing` tests, which mostly wait (11 s of CPU in
#        ~65 s), run beside this build as if alone, instead of after the whole line;
#     2. scripts/fuzz-check.sh on those targets: each replays its seeds and the kept crashers
#        (tests/fuzz_regressions), then fuzzes with a fixed seed and a fixed number of runs;
#     3. the unit tests and the input-driven replay end-to-end tests under ASan+UBSan.
#     Steps 2 and 3 run side by side, at nice 10 (not SCHED_IDLE: their tests have timeouts of
#     their own, and must not starve), and only once the `timing` tests are done: the fuzz check
#     keeps one core busy, one target at a time.
# Each step says how long it took (wall and CPU time, scripts/lib/timed.sh); the end lists the
# phases and the slowest tests of both trees. Tests that cannot run here (not root, a tool missing)
# are reported SKIPPED, and counted at the end. Expects scripts/setup.sh and scripts/build.sh to have
# run. Exploratory fuzzing is scripts/fuzz.sh, not part of this.
#
# Environment: FUZZ_CHECK=0 (or the older FUZZ_SECONDS=0) leaves out the fuzz check, SANITIZE=0
# the sanitizer tests, for a quick local run (with both 0, build-asan/ is not built); the test
# command runs everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/timed.sh
jobs=$(nproc)
logs=$(mktemp -d /tmp/sipmon-test.XXXXXX)
trap 'rm -rf "$logs"' EXIT
# A caller may pass its own TIMED_LOG and print the phases itself; otherwise this prints its own.
own_log=0
[[ -n ${TIMED_LOG:-} ]] || { export TIMED_LOG=$logs/phases; own_log=1; }
fuzz_check=$([[ ${FUZZ_CHECK:-1} != 0 && ${FUZZ_SECONDS:-1} != 0 ]] && echo 1 || echo 0)
sanitize=$([[ ${SANITIZE:-1} != 0 ]] && echo 1 || echo 0)
echo "== test command on $(machine_load)" >&2
# tshark, the oracle of many tests, takes over a second of CPU to start and the replay tests run in
# both trees: its outputs are remembered for this run only (tests/e2e/lib/tshark-cache/tshark).
mkdir "$logs/tshark-cache"
export SIPMON_TSHARK_CACHE=$logs/tshark-cache PATH=$PWD/tests/e2e/lib/tshark-cache:$PATH

build_asan() {
  echo "== build-asan/: ASan+UBSan with clang-14 (the \`asan\` preset): tests, sipmon, fuzz targets"
  # The presets use Ninja; a build-asan/ configured with another generator is rebuilt from scratch
  # (CMake refuses to switch one, and this tree is always derived).
  if [[ -f build-asan/CMakeCache.txt ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' build-asan/CMakeCache.txt; then
    rm -rf build-asan
  fi
  if ! { cmake --preset asan >/dev/null && $idle cmake --build --preset asan -j"$jobs" >"$logs/asan-build.log" 2>&1; }; then
    tail -60 "$logs/asan-build.log"
    echo "!! build-asan/ did not build"
    return 1
  fi
}

fuzz_check_step() {
  echo "== fuzz: replay the corpus and the kept crashers, then fixed-seed runs (scripts/fuzz-check.sh)"
  FUZZ_BUILD_DIR=$PWD/build-asan scripts/fuzz-check.sh >"$logs/fuzz.out" 2>&1
}

sanitizer_tests() {
  # The `asan` test preset takes the `unit` tests (one process per test file there) and the replay
  # tests labelled `sanitize` (those about what sipmon computes from its input: tests/CMakeLists.txt;
  # not `timing`, nor `scale`: the million-packet load test), and makes leaks and every UBSan report
  # fail the test that caused them.
  ctest --preset asan -j"$jobs" >"$logs/build-asan.log" 2>&1
}

# SCHED_IDLE where the kernel has it (Linux 2.6.23 and later); nice alone otherwise.
idle=
chrt --idle 0 true 2>/dev/null && idle="chrt --idle 0"

# The sanitizer line: build-asan/, then the fuzz check beside the sanitizer tests, once the
# `timing` tests are done (they leave $logs/timing-done).
sanitizer_line() {
  local status=0 fuzz_pid=
  timed "build-asan/ (clang ASan+UBSan) built${idle:+, SCHED_IDLE}" build_asan || return 1
  # Also ends if this script is gone ($logs removed by its exit trap), instead of polling forever.
  until [[ -e $logs/timing-done || ! -d $logs ]]; do sleep 1; done
  [[ -d $logs ]] || return 1
  if [[ $fuzz_check == 1 ]]; then
    timed "fuzz check (build-asan/)" fuzz_check_step &
    fuzz_pid=$!
  fi
  if [[ $sanitize == 1 ]]; then
    echo "== ASan+UBSan: unit tests and replay end-to-end tests (build-asan/)"
    if timed "sanitizer tests (build-asan/)" sanitizer_tests; then
      sed -n '/tests passed/,$p' "$logs/build-asan.log" | sed 's/^/asan: /'
    else
      status=1
      sed 's/^/asan: /' "$logs/build-asan.log"
    fi
  fi
  if [[ -n $fuzz_pid ]]; then
    wait "$fuzz_pid" || status=1
    cat "$logs/fuzz.out"
  fi
  return $status
}

sanitizer_pid=
if [[ $fuzz_check == 1 || $sanitize == 1 ]]; then
  (renice -n 10 $BASHPID >/dev/null; sanitizer_line) >"$logs/sanitizer.out" 2>&1 &
  sanitizer_pid=$!
fi

# Tests labelled `timing` (tests/CMakeLists.txt) assert on rates, scrape intervals and delays: they
# run first, one at a time, with nothing beside them but the SCHED_IDLE compilers.
timing_tests() {
  ctest --test-dir build --output-on-failure -L timing | tee "$logs/build-timing.log"
}
main_tests() {
  ctest --test-dir build --output-on-failure -j"$jobs" -LE timing | tee "$logs/build.log"
}

status=0
timed "timing-sensitive tests in build/${idle:+, beside SCHED_IDLE compilers only}" timing_tests || status=1
touch "$logs/timing-done"
timed "tests in build/" main_tests || status=1

if [[ -n $sanitizer_pid ]]; then
  timed "waiting for the sanitizer line after build/'s tests" wait "$sanitizer_pid" || status=1
  cat "$logs/sanitizer.out" >&2
fi

# ctest lists skipped tests among those that "did not run"; say how many, and which.
for log in "$logs"/build-asan.log "$logs"/build.log "$logs"/build-timing.log; do
  [[ -f $log ]] || continue
  tree=$(basename "$log" .log)
  skipped=$(grep -cE '^\s+[0-9]+ - .*\(Skipped\)' "$log" || true)
  echo "skipped in $tree: $skipped test(s)"
  grep -E '^\s+[0-9]+ - .*\(Skipped\)' "$log" | sed 's/^\s*[0-9]* - /  /' || true
done
{
  echo "== the slowest tests (seconds, tree, test) on $(machine_load):"
  ctest_logs=("$logs/build.log" "$logs/build-timing.log")
  [[ -f $logs/build-asan.log ]] && ctest_logs+=("$logs/build-asan.log")
  ctest_slowest 15 "${ctest_logs[@]}"
  if [[ $own_log == 1 ]]; then
    timed_total "test command (total)" 2>/dev/null
    echo "== phases of the test command (the sanitizer line runs beside build/'s tests):"
    timed_summary
  fi
} >&2
exit $status
