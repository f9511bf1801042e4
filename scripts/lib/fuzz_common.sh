# Shared by scripts/fuzz-check.sh (deterministic, part of the test command) and scripts/fuzz.sh
# (exploratory): builds the libFuzzer targets in a clang sanitizer tree and makes seed corpora from
# capture files. Sourced, not run; expects ROOT to be the checkout.

FUZZ_TARGETS_ALL=(sip_parser_fuzzer frame_fuzzer packet_decoder_fuzz pcap_file_fuzzer hep_decoder_fuzzer)
FUZZ_BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}

# fuzz_build TARGET...: builds the targets in $FUZZ_BUILD, configuring it first (clang-14 unless
# CXX/CC say otherwise; the `fuzz` preset's settings) unless it is already a fuzz tree, such as
# build-asan, which scripts/test.sh configures with the `asan` preset (sanitizer tests and fuzz
# targets in one tree).
fuzz_build() {
  if ! grep -q '^SIPMON_BUILD_FUZZ:BOOL=ON$' "$FUZZ_BUILD/CMakeCache.txt" 2>/dev/null; then
    local cxx=${CXX:-clang++-14} cc=${CC:-clang-14}
    command -v "$cxx" >/dev/null || cxx=clang++
    command -v "$cc" >/dev/null || cc=clang
    . "$ROOT/scripts/lib/cmake_generator.sh"
    cmake_generator "$FUZZ_BUILD"
    cmake "${generator[@]}" -S "$ROOT" -B "$FUZZ_BUILD" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DCMAKE_C_FLAGS_DEBUG="-O1 -g" \
      -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DSIPMON_SANITIZE=address,undefined -DSIPMON_BUILD_FUZZ=ON \
      -DSIPMON_WITH_EBPF=OFF -DSIPMON_BUILD_TESTS=OFF -DSIPMON_BUILD_BENCH=OFF >/dev/null
  fi
  cmake --build "$FUZZ_BUILD" -j"$(nproc)" --target "$@"
}

# fuzz_make_seeds OUT CAPTURE...: OUT/<target>/ seed files for every target, from the captures
# that exist (missing paths are ignored). Same captures in, same seeds out.
fuzz_make_seeds() {
  local out=$1 capture
  shift
  local existing=()
  for capture in "$@"; do [[ -f $capture ]] && existing+=("$capture"); done
  rm -rf "$out"
  mkdir -p "$out"
  python3 "$ROOT/fuzz/make_seed_corpus.py" "$out" "${existing[@]}"
  # packet_decoder_fuzz reads its own record format (with a time step per frame).
  python3 "$ROOT/fuzz/pcap_to_seeds.py" "$out/packet_decoder_fuzz" "${existing[@]}" >/dev/null
  # pcap_file_fuzzer reads whole files: the small captures themselves are its seeds.
  mkdir -p "$out/pcap_file_fuzzer"
  for capture in "${existing[@]}"; do
    if [[ $(stat -c %s "$capture") -le 65536 ]]; then cp "$capture" "$out/pcap_file_fuzzer/"; fi
  done
}

# The captures kept in the repository: the same on every machine.
fuzz_repo_captures() {
  local capture
  for capture in "$ROOT"/samples/*.pcap "$ROOT"/tests/data/*.pcap*; do
    [[ -f $capture ]] && echo "$capture"
  done
}
