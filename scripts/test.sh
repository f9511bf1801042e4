#!/usr/bin/env bash
# Runs the whole test suite, deterministically (the same result on every run of the same tree).
# Two lines of work run side by side, so that the CPU time the end-to-end tests spend waiting
# (on servers, SIPp, timers) goes to the sanitizer build:
#   - every test in build/ (built by scripts/build.sh): unit tests, root-only BPF tests,
#     end-to-end tests (the real binary against samples, tshark, the shared corpus, real
#     Prometheus/Pushgateway servers, the kernel's BPF);
#   - at a lower priority (nice), so that those tests keep the CPU they ask for:
#     1. build-asan/ (the `asan` preset: clang-14, ASan+UBSan, -DSIPMON_WITH_EBPF=OFF, which also
#        proves that configuration builds): the unit tests, sipmon and the libFuzzer targets, with
#        the engine compiled once for all of them;
#     2. scripts/fuzz-check.sh on those targets: each replays its seeds and the kept crashers
#        (tests/fuzz_regressions), then fuzzes with a fixed seed and a fixed number of runs;
#     3. the unit tests and the replay end-to-end tests under ASan+UBSan.
# Each step says how long it took. Tests that cannot run here (not root, a tool missing) are
# reported SKIPPED, and counted at the end. Expects scripts/setup.sh and scripts/build.sh to have
# run. Exploratory fuzzing is scripts/fuzz.sh, not part of this.
#
# Environment: FUZZ_CHECK=0 (or the older FUZZ_SECONDS=0) leaves out the fuzz check, SANITIZE=0
# the sanitizer tests, for a quick local run (with both 0, build-asan/ is not built); the test
# command runs everything.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
logs=$(mktemp -d /tmp/sipmon-test.XXXXXX)
trap 'rm -rf "$logs"' EXIT
started=$SECONDS
fuzz_check=$([[ ${FUZZ_CHECK:-1} != 0 && ${FUZZ_SECONDS:-1} != 0 ]] && echo 1 || echo 0)
sanitize=$([[ ${SANITIZE:-1} != 0 ]] && echo 1 || echo 0)

# took WHAT SINCE: one line saying how long a step took, so that a slow run shows where.
took() { echo "== $1: $((SECONDS - $2)) s"; }

# The sanitizer line: build-asan/, then the fuzz check, then the sanitizer tests.
sanitizer_line() {
  local status=0 step=$SECONDS
  echo "== build-asan/: ASan+UBSan with clang-14 (the \`asan\` preset): tests, sipmon, fuzz targets"
  if ! { cmake --preset asan >/dev/null && cmake --build --preset asan -j"$jobs" >"$logs/asan-build.log" 2>&1; }; then
    tail -60 "$logs/asan-build.log"
    echo "!! build-asan/ did not build"
    return 1
  fi
  took "build-asan/ built" "$step"
  if [[ $fuzz_check == 1 ]]; then
    step=$SECONDS
    echo "== fuzz: replay the corpus and the kept crashers, then fixed-seed runs (scripts/fuzz-check.sh)"
    FUZZ_BUILD_DIR=$PWD/build-asan scripts/fuzz-check.sh 2>&1 || status=1
    took "fuzz check" "$step"
  fi
  if [[ $sanitize == 1 ]]; then
    step=$SECONDS
    echo "== ASan+UBSan: unit tests and replay end-to-end tests (build-asan/)"
    # The `asan` test preset takes the `unit` and `replay` labels and makes leaks and every UBSan
    # report fail the test that caused them.
    if ctest --preset asan -j"$jobs" >"$logs/asan.log" 2>&1; then
      sed -n '/tests passed/,$p' "$logs/asan.log" | sed 's/^/asan: /'
    else
      status=1
      sed 's/^/asan: /' "$logs/asan.log"
    fi
    took "sanitizer tests" "$step"
  fi
  return $status
}

sanitizer_pid=
if [[ $fuzz_check == 1 || $sanitize == 1 ]]; then
  (renice -n 10 $BASHPID >/dev/null; sanitizer_line) >"$logs/sanitizer.out" 2>&1 &
  sanitizer_pid=$!
fi

status=0
step=$SECONDS
ctest --test-dir build --output-on-failure -j"$jobs" | tee "$logs/main.log" || status=1
took "tests in build/" "$step" >&2

if [[ -n $sanitizer_pid ]]; then
  wait "$sanitizer_pid" || status=1
  cat "$logs/sanitizer.out" >&2
fi

# ctest lists skipped tests among those that "did not run"; say how many, and which.
for log in "$logs"/asan.log "$logs"/main.log; do
  [[ -f $log ]] || continue
  tree=$([[ $log == *asan* ]] && echo build-asan || echo build)
  skipped=$(grep -cE '^\s+[0-9]+ - .*\(Skipped\)' "$log" || true)
  echo "skipped in $tree: $skipped test(s)"
  grep -E '^\s+[0-9]+ - .*\(Skipped\)' "$log" | sed 's/^\s*[0-9]* - /  /' || true
done
took "test command (after the build of build/)" "$started" >&2
exit $status
