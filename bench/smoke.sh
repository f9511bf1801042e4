#!/usr/bin/env bash
# The benchmarks' CI smoke run (issue 26), ctest's perf.bench_smoke: every test command builds
# bench/, and this runs each harness briefly. No figure is judged (times are never pass/fail in a
# test); it fails when a harness does not run to its end, or when the load replay's counts differ
# from what the generator computed (bench/load_bench.py checks them).
#
#   bench/smoke.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: smoke.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
# Every Google Benchmark micro-benchmark, for about a millisecond each.
"$build/bench/sipmon_bench" --benchmark_min_time=0.001 >/dev/null
# The end-to-end harness on a small load capture: one round of libpcap, read(), sipmon, sipmon on
# the tables-in-cache reference capture, and the subset table (tshark and sngrep when installed).
python3 "$here/load_bench.py" --build "$build" --calls 300 --rounds 1
# The split-by-Call-ID harness on the same kind of capture: the split replays' counts must add up.
python3 "$here/partition_bench.py" --build "$build" --calls 300 --parts 4 --rounds 1 >/dev/null
# The A/B timer on a sample, the build against itself: it runs to its end and finds the reports
# the same.
python3 "$here/ab.py" --rounds 1 "$here/../samples/call-answered.pcap" "$build/sipmon" "$build/sipmon" >/dev/null
