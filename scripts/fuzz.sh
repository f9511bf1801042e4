#!/usr/bin/env bash
# Builds the libFuzzer targets in their own clang tree and runs each for a bounded time, seeded
# from the sample and corpus captures. Exits non-zero if any target finds a crash, a leak or a
# sanitizer report; the input that did it is left in $OUT/artifacts/<target>/ (minimize it with
# `<target> -minimize_crash=1 <file>` and add it under tests/fuzz_regressions/<target>/).
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   FUZZ_SECONDS=10 scripts/fuzz.sh # shorter
#   scripts/fuzz.sh frame_fuzzer    # one target
#
# Environment: FUZZ_SECONDS (default 60), FUZZ_BUILD_DIR (default build-fuzz), CXX/CC (default
# clang++-14/clang-14), CORPUS_DIR (default ../shared/corpus beside the checkout, if present).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
CXX_BIN=${CXX:-clang++-14}
CC_BIN=${CC:-clang-14}
command -v "$CXX_BIN" >/dev/null || CXX_BIN=clang++
command -v "$CC_BIN" >/dev/null || CC_BIN=clang
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(sip_parser_fuzzer frame_fuzzer packet_decoder_fuzz pcap_file_fuzzer)

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$CC_BIN" \
  -DCMAKE_CXX_COMPILER="$CXX_BIN" -DSIPMON_BUILD_FUZZ=ON -DSIPMON_BUILD_TESTS=OFF -DSIPMON_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j2 --target "${TARGETS[@]}"

OUT=$BUILD/fuzz-run
rm -rf "$OUT/seeds"
mkdir -p "$OUT/seeds"
CORPUS_DIR=${CORPUS_DIR:-$ROOT/../shared/corpus}
captures=("$ROOT"/samples/*.pcap)
[ -d "$ROOT/tests/data" ] && captures+=("$ROOT"/tests/data/*.pcap*)
[ -d "$CORPUS_DIR" ] && captures+=("$CORPUS_DIR"/*.pcap "$CORPUS_DIR"/*.pcapng)
existing=()
for c in "${captures[@]}"; do [ -f "$c" ] && existing+=("$c"); done
python3 "$ROOT/fuzz/make_seed_corpus.py" "$OUT/seeds" "${existing[@]}"
# packet_decoder_fuzz reads its own record format (with a time step per frame).
python3 "$ROOT/fuzz/pcap_to_seeds.py" "$OUT/seeds/packet_decoder_fuzz" "${existing[@]}" >/dev/null
# pcap_file_fuzzer reads whole files: the small captures themselves are its seeds.
mkdir -p "$OUT/seeds/pcap_file_fuzzer"
for c in "${existing[@]}"; do
  if [ "$(stat -c %s "$c")" -le 65536 ]; then cp "$c" "$OUT/seeds/pcap_file_fuzzer/"; fi
done

status=0
for target in "${TARGETS[@]}"; do
  corpus=$OUT/corpus/$target
  artifacts=$OUT/artifacts/$target/
  mkdir -p "$corpus" "$artifacts"
  # Saved crashers are seeds too: a regression shows up at once.
  seeds=("$OUT/seeds/$target")
  [ -d "$ROOT/tests/fuzz_regressions/$target" ] && seeds+=("$ROOT/tests/fuzz_regressions/$target")
  echo "== $target: ${SECONDS_PER_TARGET}s"
  if ! "$BUILD/fuzz/$target" "$corpus" "${seeds[@]}" -dict="$ROOT/fuzz/sip.dict" \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -artifact_prefix="$artifacts" -print_final_stats=1 2>"$OUT/$target.log"; then
    echo "!! $target failed; see $OUT/$target.log and $artifacts" >&2
    tail -40 "$OUT/$target.log" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$OUT/$target.log" | sed "s/^/   $target /" || true
done
exit $status
