#!/usr/bin/env bash
# Proves that -DSIPMON_WITH_EBPF=OFF needs neither clang, bpftool nor libbpf: inside a private
# mount namespace where all three are hidden (LLVM's directory and the bpftool binary under empty
# mounts, libbpf's pkg-config file, headers and libraries emptied), configures sipmon with gcc in
# build-noebpf/ and, unless --configure-only, builds it and runs it (--version, a replay of a
# sample, and `live --source ebpf`, which must say the source was left out). The test suite runs
# the configure-only form (ctest: build.no_ebpf_configure); the full form is for CI runners and
# packagers (README, "Building without eBPF").
#
#   scripts/check-no-ebpf.sh [--configure-only] [BUILD_DIR]
#
# Needs root and unshare (util-linux); without them it exits 77 (skipped). Nothing outside the
# namespace changes: the mounts vanish with it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [[ ${SIPMON_NO_EBPF_INSIDE:-} != 1 ]]; then
  if [[ $(id -u) -ne 0 ]] || ! command -v unshare >/dev/null || ! unshare --mount true 2>/dev/null; then
    echo "SKIPPED: hiding clang, bpftool and libbpf needs root and a private mount namespace (unshare)"
    exit 77
  fi
  # What is mounted over the tools: made here, removed here once the namespace (and with it every
  # mount) is gone.
  SIPMON_NO_EBPF_EMPTY=$(mktemp -d /tmp/sipmon-noebpf.XXXXXX)
  trap 'rm -rf "$SIPMON_NO_EBPF_EMPTY"' EXIT
  status=0
  SIPMON_NO_EBPF_INSIDE=1 SIPMON_NO_EBPF_EMPTY=$SIPMON_NO_EBPF_EMPTY unshare --mount --propagation private "$0" "$@" || status=$?
  exit $status
fi

configure_only=0
[[ ${1:-} == --configure-only ]] && { configure_only=1; shift; }
build=${1:-$ROOT/build-noebpf}

# Hide: an empty directory over directories, an empty, non-executable file over files.
empty=$SIPMON_NO_EBPF_EMPTY
mkdir "$empty/dir"
: >"$empty/file"
shopt -s nullglob
for path in /usr/lib/llvm-* /usr/include/bpf /usr/sbin/bpftool /usr/bin/bpftool /usr/local/sbin/bpftool \
  /usr/lib/*/pkgconfig/libbpf.pc /usr/share/pkgconfig/libbpf.pc /usr/lib/*/libbpf.so* /usr/lib/*/libbpf.a; do
  if [[ -d $path ]]; then
    mount --bind "$empty/dir" "$path"
  elif [[ -e $path ]]; then
    mount --bind "$empty/file" "$path"
  fi
done
shopt -u nullglob

# The hiding must hold, or this proves nothing.
IFS=: read -ra path_dirs <<<"$PATH:/usr/sbin:/sbin"
for tool in clang clang-14 clang-15 clang-16 bpftool; do
  for dir in "${path_dirs[@]}"; do
    if [[ -x $dir/$tool && ! -d $dir/$tool ]]; then
      echo "FAIL: $dir/$tool is still there: cannot prove the build does without it" >&2
      exit 1
    fi
  done
done
if pkg-config --exists libbpf; then echo "FAIL: pkg-config still finds libbpf" >&2; exit 1; fi
if echo '#include <bpf/libbpf.h>' | cc -E -x c - >/dev/null 2>&1; then echo "FAIL: <bpf/libbpf.h> still compiles" >&2; exit 1; fi
echo "hidden: clang (all of LLVM), bpftool, libbpf (pkg-config, headers, libraries)"

rm -rf "$build"
. "$ROOT/scripts/lib/cmake_generator.sh"
cmake_generator "$build"
cmake "${generator[@]}" -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
  -DSIPMON_WITH_EBPF=OFF -DSIPMON_BUILD_TESTS=OFF -DSIPMON_BUILD_BENCH=OFF >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log" >&2; echo "FAIL: configuring with -DSIPMON_WITH_EBPF=OFF needs what was hidden" >&2; exit 1; }
mv "$build.configure.log" "$build/configure.log"
echo "PASS: configured without clang, bpftool or libbpf ($build)"
[[ $configure_only == 1 ]] && exit 0

cmake --build "$build" -j"$(nproc)" --target sipmon
"$build/sipmon" --version
report=$("$build/sipmon" replay "$ROOT/samples/call-answered.pcap" --json)
echo "$report" | python3 -c 'import json, sys; r = json.load(sys.stdin); assert r["requests"]["INVITE"] > 0, r["requests"]'
status=0
"$build/sipmon" live -i lo --source ebpf --out /dev/null >"$empty/live.out" 2>"$empty/live.err" || status=$?
if [[ $status -eq 0 ]] || ! grep -qi "ebpf" "$empty/live.err"; then
  echo "FAIL: live --source ebpf did not refuse with a reason (exit $status):" >&2
  cat "$empty/live.err" >&2
  exit 1
fi
echo "live --source ebpf: $(head -1 "$empty/live.err")"
if ldd "$build/sipmon" | grep -q libbpf; then echo "FAIL: sipmon links libbpf" >&2; exit 1; fi
echo "PASS: built and ran without clang, bpftool or libbpf: --version, a replay, and live --source ebpf refused"
