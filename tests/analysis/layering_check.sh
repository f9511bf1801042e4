#!/bin/sh
# The analysis library's two promises (docs/architecture.md), checked on its source text:
#  - it reads no clock: time comes from the frames and, live, from the caller's Engine::tick(now);
#  - it never includes a source, output, live-loop or command-line header (and no capture library).
# Fails naming every offending line, so a new one cannot slip in unnoticed.
set -u
dir="${1:-${SIPMON_SOURCE_DIR:-$(dirname "$0")/../..}/src/analysis}"
if [ ! -d "$dir" ]; then
  echo "layering_check: no directory $dir" >&2
  exit 2
fi
status=0
# Clock reads: std::chrono clocks, POSIX/C clocks. (Formatting a given time with <chrono>'s
# calendar types, as time_format.cpp does, reads no clock and is allowed.)
clocks='(steady_clock|system_clock|high_resolution_clock|utc_clock|file_clock)|\b(clock_gettime|gettimeofday|timespec_get)[[:space:]]*\(|(^|[^_[:alnum:].>:])(std::)?time[[:space:]]*\([[:space:]]*(nullptr|NULL|0)?[[:space:]]*\)|(^|[^_[:alnum:]])clock[[:space:]]*\([[:space:]]*\)'
if grep -rnE "$clocks" "$dir"; then
  echo "layering_check: src/analysis reads a clock (above); take the time from the caller (Engine::tick)" >&2
  status=1
fi
includes='#[[:space:]]*include[[:space:]]*[<"](sources|outputs|live|cli|check)/|#[[:space:]]*include[[:space:]]*<(pcap|bpf|microhttpd|curl|prometheus|nlohmann|CLI)[/.]'
if grep -rnE "$includes" "$dir"; then
  echo "layering_check: src/analysis includes an edge's header (above); the arrows point into analysis only" >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "layering_check: src/analysis reads no clock and includes no edge header ($(ls "$dir" | wc -l) files)"
exit "$status"
