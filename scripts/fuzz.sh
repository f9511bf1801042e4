#!/usr/bin/env bash
# Exploratory fuzzing, outside the test command: builds the libFuzzer targets in their own clang
# tree and runs each for a bounded wall time with a random seed, seeded from the sample, test and
# shared corpus captures and the kept crashers, growing a corpus kept between runs. Exits non-zero
# if any target finds a crash, a leak or a sanitizer report; the input that did it is left in
# $OUT/artifacts/<target>/. What it finds becomes a regression input: minimize it
# (`<target> -minimize_crash=1 -runs=10000 <file>`), add it under tests/fuzz_regressions/<target>/
# (then scripts/fuzz-check.sh and the unit tests replay it on every test run) and fix the bug.
# The test command runs the deterministic scripts/fuzz-check.sh instead.
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh # longer
#   scripts/fuzz.sh frame_fuzzer    # one target
#
# Environment: FUZZ_SECONDS (default 60), FUZZ_BUILD_DIR (default build-fuzz), CXX/CC (default
# clang++-14/clang-14), CORPUS_DIR (default ../shared/corpus beside the checkout, if present).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. "$ROOT/scripts/lib/fuzz_common.sh"
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${FUZZ_TARGETS_ALL[@]}")

fuzz_build "${TARGETS[@]}"
OUT=$FUZZ_BUILD/fuzz-run
if [[ -z ${CORPUS_DIR:-} ]]; then
  for candidate in "$ROOT/../shared/corpus" /work/shared/corpus; do
    [[ -d $candidate ]] && { CORPUS_DIR=$candidate; break; }
  done
fi
mapfile -t captures < <(fuzz_repo_captures)
[[ -n ${CORPUS_DIR:-} && -d $CORPUS_DIR ]] && captures+=("$CORPUS_DIR"/*.pcap "$CORPUS_DIR"/*.pcapng)
fuzz_make_seeds "$OUT/seeds" "${captures[@]}"

status=0
for target in "${TARGETS[@]}"; do
  corpus=$OUT/corpus/$target
  artifacts=$OUT/artifacts/$target/
  mkdir -p "$corpus" "$artifacts"
  # Saved crashers are seeds too: a regression shows up at once.
  seeds=("$OUT/seeds/$target")
  [[ -d $ROOT/tests/fuzz_regressions/$target ]] && seeds+=("$ROOT/tests/fuzz_regressions/$target")
  echo "== $target: ${SECONDS_PER_TARGET}s, random seed"
  if ! "$FUZZ_BUILD/fuzz/$target" "$corpus" "${seeds[@]}" -dict="$ROOT/fuzz/sip.dict" \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -artifact_prefix="$artifacts" -print_final_stats=1 2>"$OUT/$target.log"; then
    echo "!! $target failed; see $OUT/$target.log and $artifacts" >&2
    tail -40 "$OUT/$target.log" >&2
    status=1
  fi
  grep -E "^INFO: Seed:" "$OUT/$target.log" | sed "s/^/   $target /" || true
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$OUT/$target.log" | sed "s/^/   $target /" || true
done
exit $status
