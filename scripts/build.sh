#!/usr/bin/env bash
# Configures and builds sipmon into build/ (binary: build/sipmon). Progress goes to stderr so
# that a command chained after it owns stdout. Each step says how long it took (scripts/lib/timed.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/timed.sh
configure() { cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo; }
compile() {
  set -o pipefail
  cmake --build build -j"$(nproc)" 2>&1 | tee build/build.log
}
{
  timed "build/ configured" configure
  timed "build/ built (gcc, RelWithDebInfo)" compile
} >&2
# gcc builds warn with the `dev` preset's -Wconversion -Wshadow too (CMakeLists.txt); there should
# be none, and `cmake --preset dev && cmake --build --preset dev` makes them errors.
warnings=$(grep -c 'warning:' build/build.log || true)
echo "build/: $warnings compiler warning(s)$([[ $warnings -gt 0 ]] && echo "; see build/build.log")" >&2
