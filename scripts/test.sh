#!/usr/bin/env bash
# Runs the whole test suite, deterministically (the same result on every run of the same tree):
#   1. builds build-asan/ (the `asan` preset: clang-14, ASan+UBSan, -DSIPMON_WITH_EBPF=OFF, which
#      also proves that configuration builds): the unit tests, sipmon and the libFuzzer targets,
#      the engine compiled once for all of them;
#   2. then, side by side (most end-to-end tests wait on servers, SIPp and timers, not on the CPU):
#      a. the sanitizer tree: scripts/fuzz-check.sh (every libFuzzer target replays its seeds and
#         the kept crashers in tests/fuzz_regressions, then fuzzes with a fixed seed and a fixed
#         number of runs), then the unit tests and the replay end-to-end tests under ASan+UBSan;
#      b. every test in build/: unit tests, root-only BPF tests, end-to-end tests (the real binary
#         against samples, tshark, the shared corpus, real Prometheus/Pushgateway servers, the
#         kernel's BPF).
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
took() { echo "== $1: $((SECONDS - $2)) s" >&2; }

if [[ $fuzz_check == 1 || $sanitize == 1 ]]; then
  step=$SECONDS
  echo "== build-asan/: ASan+UBSan with clang-14 (the \`asan\` preset): tests, sipmon, fuzz targets" >&2
  {
    cmake --preset asan >/dev/null
    cmake --build --preset asan -j"$jobs"
  } >&2
  took "build-asan/ built" "$step"
fi

# The sanitizer tree's checks, in the background; their output is shown once they are done.
sanitizer_checks() {
  local status=0 step
  if [[ $fuzz_check == 1 ]]; then
    step=$SECONDS
    echo "== fuzz: replay the corpus and the kept crashers, then fixed-seed runs (scripts/fuzz-check.sh)"
    FUZZ_BUILD_DIR=$PWD/build-asan scripts/fuzz-check.sh || status=1
    took "fuzz check" "$step" 2>&1
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
    took "sanitizer tests" "$step" 2>&1
  fi
  return $status
}
sanitizer_pid=
if [[ $fuzz_check == 1 || $sanitize == 1 ]]; then
  sanitizer_checks >"$logs/sanitizer.out" 2>&1 &
  sanitizer_pid=$!
fi

status=0
step=$SECONDS
ctest --test-dir build --output-on-failure -j"$jobs" | tee "$logs/main.log" || status=1
took "tests in build/" "$step"

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
took "test command (after the build of build/)" "$started"
exit $status
