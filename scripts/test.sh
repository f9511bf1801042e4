#!/usr/bin/env bash
# Runs the whole test suite: a bounded libFuzzer run of each fuzz target, then the unit tests and
# the end-to-end tests (the real binary against samples, tshark, the shared corpus, real
# Prometheus/Pushgateway servers, the kernel's BPF). Expects scripts/setup.sh and
# scripts/build.sh to have run. FUZZ_SECONDS=0 skips the fuzz run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Fuzzing first, in its own clang build tree: crashers it ever found live in
# tests/fuzz_regressions and are replayed by the ctest run below, whose summary ends the output.
if [[ ${FUZZ_SECONDS:-60} != 0 ]]; then
  FUZZ_SECONDS=${FUZZ_SECONDS:-60} scripts/fuzz.sh >&2
fi
ctest --test-dir build --output-on-failure -j"$(nproc)"
