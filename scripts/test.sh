#!/usr/bin/env bash
# Runs the whole test suite, deterministically (the same result on every run of the same tree):
#   1. scripts/fuzz-check.sh: every libFuzzer target replays its seeds and the kept crashers
#      (tests/fuzz_regressions), then fuzzes with a fixed seed and a fixed number of runs;
#   2. the sanitizer run: the unit tests and the replay end-to-end tests built with ASan+UBSan in
#      build-asan/ (configured with -DSIPMON_WITH_EBPF=OFF, which also proves that build works);
#   3. every test in build/: unit tests, root-only BPF tests, end-to-end tests (the real binary
#      against samples, tshark, the shared corpus, real Prometheus/Pushgateway servers, the
#      kernel's BPF).
# Tests that cannot run here (not root, a tool missing) are reported SKIPPED, and counted at the
# end. Expects scripts/setup.sh and scripts/build.sh to have run. Exploratory fuzzing is
# scripts/fuzz.sh, not part of this.
#
# Environment: FUZZ_CHECK=0 (or the older FUZZ_SECONDS=0) leaves out step 1, SANITIZE=0 step 2,
# for a quick local run; the test command runs all three.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
logs=$(mktemp -d /tmp/sipmon-test.XXXXXX)
trap 'rm -rf "$logs"' EXIT
status=0

if [[ ${FUZZ_CHECK:-1} != 0 && ${FUZZ_SECONDS:-1} != 0 ]]; then
  echo "== fuzz: replay the corpus and the kept crashers, then fixed-seed runs (scripts/fuzz-check.sh)" >&2
  scripts/fuzz-check.sh >&2 || status=1
fi

if [[ ${SANITIZE:-1} != 0 ]]; then
  echo "== ASan+UBSan: unit tests and replay end-to-end tests (build-asan/)" >&2
  # The `asan` preset (CMakePresets.json): Debug at -O1, -DSIPMON_WITH_EBPF=OFF (which also
  # proves that configuration builds); its test preset takes the `unit` and `replay` labels and
  # makes leaks and every UBSan report fail the test that caused them.
  {
    cmake --preset asan >/dev/null
    cmake --build --preset asan -j"$jobs"
  } >&2
  if ctest --preset asan -j"$jobs" >"$logs/asan.log" 2>&1; then
    sed -n '/tests passed/,$p' "$logs/asan.log" | sed 's/^/asan: /' >&2
  else
    status=1
    sed 's/^/asan: /' "$logs/asan.log" >&2
  fi
fi

ctest --test-dir build --output-on-failure -j"$jobs" | tee "$logs/main.log" || status=1

# ctest lists skipped tests among those that "did not run"; say how many, and which.
for log in "$logs"/asan.log "$logs"/main.log; do
  [[ -f $log ]] || continue
  tree=$( [[ $log == *asan* ]] && echo build-asan || echo build )
  skipped=$(grep -cE '^\s+[0-9]+ - .*\(Skipped\)' "$log" || true)
  echo "skipped in $tree: $skipped test(s)"
  grep -E '^\s+[0-9]+ - .*\(Skipped\)' "$log" | sed 's/^\s*[0-9]* - /  /' || true
done
exit $status
