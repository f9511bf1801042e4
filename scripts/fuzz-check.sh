#!/usr/bin/env bash
# The deterministic fuzz step of the test command (scripts/test.sh): for each libFuzzer target,
#   1. replays every seed made from the repository's captures (and the shared corpus when it is
#      present) and every kept crasher in tests/fuzz_regressions/<target>/, once each;
#   2. fuzzes from the repository's seeds and the crashers with a fixed seed (-seed) and a fixed
#      number of runs (-runs), into a fresh directory: the same inputs on every machine, so the
#      outcome does not depend on luck or on what an earlier run left behind.
# Exits non-zero on any crash, leak, timeout or sanitizer report. Exploratory fuzzing (random
# seeds, time-boxed) is scripts/fuzz.sh.
#
#   scripts/fuzz-check.sh                    # every target
#   scripts/fuzz-check.sh frame_fuzzer       # one target
#
# Environment: FUZZ_SEED (default 1), FUZZ_RUNS (mutations per target after the replay; default per
# target, below), FUZZ_BUILD_DIR (default build-fuzz), CXX/CC (default clang++-14/clang-14), CORPUS_DIR
# (default: the shared corpus beside the checkout, as tests/e2e/corpus_tshark_test.py finds it;
# replayed only, never a source of mutations, since not every machine has it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. "$ROOT/scripts/lib/fuzz_common.sh"
. "$ROOT/scripts/lib/timed.sh"
# Runs a command with its output in a log file (so that `timed` still writes its line to stderr).
logged_to() {
  local log=$1
  shift
  "$@" >"$log" 2>&1
}
SEED=${FUZZ_SEED:-1}
# Runs per target: each about 10 s of CPU on the development machine (the whole engine per input
# in frame_fuzzer is ~20 times slower than the parser alone).
declare -A DEFAULT_RUNS=([sip_parser_fuzzer]=100000 [frame_fuzzer]=5000 [packet_decoder_fuzz]=10000 [pcap_file_fuzzer]=5000 [hep_decoder_fuzzer]=2000)
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${FUZZ_TARGETS_ALL[@]}")

fuzz_build "${TARGETS[@]}"
OUT=$FUZZ_BUILD/fuzz-check
mapfile -t repo_captures < <(fuzz_repo_captures)
fuzz_make_seeds "$OUT/seeds" "${repo_captures[@]}"
if [[ -z ${CORPUS_DIR:-} ]]; then
  for candidate in "$ROOT/../shared/corpus" /work/shared/corpus; do
    [[ -d $candidate ]] && { CORPUS_DIR=$candidate; break; }
  done
fi
shared=()
if [[ -n ${CORPUS_DIR:-} && -d $CORPUS_DIR ]]; then
  fuzz_make_seeds "$OUT/shared-seeds" "$CORPUS_DIR"/*.pcap "$CORPUS_DIR"/*.pcapng
  shared=("$OUT/shared-seeds")
fi

# Repeatable runs need the same addresses every time (pointer comparisons feed libFuzzer's
# mutations and a few coverage counters): run without address-space randomization. The tables'
# hash seed is fixed in the fuzz build (fuzz/CMakeLists.txt). With both, the same -seed gives
# the same corpus, byte for byte.
NO_ASLR=(setarch "$(uname -m)" -R)
if ! "${NO_ASLR[@]}" true 2>/dev/null; then
  echo "fuzz-check: warning: cannot disable address-space randomization here; runs may differ slightly" >&2
  NO_ASLR=()
fi

# Flags common to both steps. -reload=0: never pick up files written while running.
FLAGS=(-dict="$ROOT/fuzz/sip.dict" -timeout=30 -rss_limit_mb=2048 -max_len=8192 -reload=0 -print_final_stats=1)
status=0
for target in "${TARGETS[@]}"; do
  binary=$FUZZ_BUILD/fuzz/$target
  RUNS=${FUZZ_RUNS:-${DEFAULT_RUNS[$target]:-10000}}
  regressions=()
  [[ -d $ROOT/tests/fuzz_regressions/$target ]] && regressions=("$ROOT/tests/fuzz_regressions/$target")
  artifacts=$OUT/artifacts/$target/
  rm -rf "$artifacts" "$OUT/new/$target"
  mkdir -p "$artifacts" "$OUT/new/$target"
  shared_dirs=()
  [[ ${#shared[@]} -gt 0 && -d ${shared[0]}/$target ]] && shared_dirs=("${shared[0]}/$target")
  inputs=$(find "$OUT/seeds/$target" "${shared_dirs[@]}" "${regressions[@]}" -type f | wc -l)

  echo "== $target: replay $inputs inputs, then $RUNS runs with -seed=$SEED"
  # -runs=0 with corpus directories runs each input once and stops.
  # Each step says its wall and CPU time (not in the test command's table of phases: TIMED_LOG='').
  if ! TIMED_LOG='' timed "$target: replay" logged_to "$OUT/$target.replay.log" "${NO_ASLR[@]}" "$binary" -runs=0 "${FLAGS[@]}" -artifact_prefix="$artifacts" "$OUT/seeds/$target" "${shared_dirs[@]}" \
      "${regressions[@]}"; then
    echo "!! $target: replaying the corpus and the kept crashers failed; see $OUT/$target.replay.log and $artifacts" >&2
    tail -40 "$OUT/$target.replay.log" >&2
    status=1
    continue
  fi
  # -runs counts the initial corpus too: add it so that every target mutates RUNS times.
  seeds=$(find "$OUT/seeds/$target" "${regressions[@]}" -type f | wc -l)
  if ! TIMED_LOG='' timed "$target: $RUNS runs" logged_to "$OUT/$target.log" "${NO_ASLR[@]}" "$binary" -seed="$SEED" -runs=$((seeds + RUNS)) "${FLAGS[@]}" -artifact_prefix="$artifacts" \
      "$OUT/new/$target" "$OUT/seeds/$target" "${regressions[@]}"; then
    echo "!! $target: fuzzing with -seed=$SEED found a failure; see $OUT/$target.log and $artifacts" >&2
    echo "   minimize it, add it under tests/fuzz_regressions/$target/ and fix the bug (tests/fuzz_regressions/README.md)" >&2
    tail -40 "$OUT/$target.log" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$OUT/$target.log" | sed "s/^/   $target /" || true
done
exit $status
