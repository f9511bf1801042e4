#!/usr/bin/env bash
# Runs the whole test suite: unit tests, end-to-end tests against the real binary, tshark and the
# shared corpus. Expects scripts/setup.sh and scripts/build.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure -j"$(nproc)"
