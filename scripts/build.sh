#!/usr/bin/env bash
# Configures and builds sipmon into build/ (binary: build/sipmon). Progress goes to stderr so
# that a command chained after it owns stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build -j"$(nproc)"
} >&2
