#!/usr/bin/env bash
# One command for the end-to-end benchmark (docs/performance.md, "Method"): builds what it needs
# in BUILD_DIR (default build-perf, RelWithDebInfo), writes a realistic load capture to a
# temporary directory and times libpcap, a read() walk and sipmon over it, alternately, with sipmon
# over the same calls at 10 calls/s (tables in cache) beside, then tshark and sngrep on its first
# 100 000 packets.
#
#   bench/run.sh [BUILD_DIR] [load_bench.py options: --calls N --rate R --rounds K --sipmon BIN ...]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-perf}
[ $# -gt 0 ] && shift
. "$here/scripts/lib/cmake_generator.sh"
cmake_generator "$build"
cmake "${generator[@]}" -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target sipmon sipmon_load_capture sipmon_read_floor >/dev/null
exec python3 "$here/bench/load_bench.py" --build "$build" "$@"
