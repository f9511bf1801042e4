#!/usr/bin/env bash
# Builds the Debian package and proves it on a bare Debian 12: a clean root made by debootstrap
# (minbase), `apt-get install ./sipmon_*.deb` in it (dependencies from Debian's mirror), then there
# (scripts/lib/package_in_root.sh): `sipmon --version`, a replay of a sample whose report must
# equal the stored one byte for byte, the man page, `systemd-analyze verify` of the installed
# unit, and the installed `sipmon live --listen` (libpcap on lo) answering on /metrics. Needs root
# and the network (Debian's mirror); takes minutes; not part of scripts/test.sh.
#
#   scripts/package-test.sh              # leaves the .deb in build-package/
#
# Environment: PACKAGE_BUILD_DIR (default build-package), DEBIAN_MIRROR (default
# http://deb.debian.org/debian), KEEP_ROOT=1 keeps the installed root for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${PACKAGE_BUILD_DIR:-$ROOT/build-package}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SAMPLE=call-answered

[[ $(id -u) -eq 0 ]] || { echo "package-test: needs root (debootstrap, chroot)" >&2; exit 2; }
for tool in debootstrap dpkg-shlibdeps help2man unshare python3; do
  command -v "$tool" >/dev/null || { echo "package-test: $tool is missing (scripts/setup.sh installs it)" >&2; exit 2; }
done

echo "== building the package in $BUILD" >&2
. "$ROOT/scripts/lib/cmake_generator.sh"
cmake_generator "$BUILD"
cmake "${generator[@]}" -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DSIPMON_BUILD_TESTS=OFF -DSIPMON_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >&2
rm -f "$BUILD"/sipmon_*.deb
(cd "$BUILD" && cpack -G DEB >&2)
deb=$(ls "$BUILD"/sipmon_*.deb)
echo "== $(basename "$deb")"
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends Suggests
dpkg-deb --contents "$deb" | awk '$6 !~ /\/$/ {print "   " $6}'

# A bare Debian 12, made once and kept as a tarball; every run installs into a fresh copy.
base=$BUILD/debian12-minbase.tar
if [[ ! -f $base ]]; then
  echo "== debootstrap bookworm (minbase) from $MIRROR" >&2
  rm -rf "$BUILD/debootstrap"
  debootstrap --variant=minbase bookworm "$BUILD/debootstrap" "$MIRROR" >&2
  tar -C "$BUILD/debootstrap" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$BUILD/debootstrap"
fi
target=$(mktemp -d "$BUILD/root.XXXXXX")
cleanup() {
  if [[ ${KEEP_ROOT:-0} == 1 ]]; then echo "root kept in $target" >&2; else rm -rf "$target"; fi
}
trap cleanup EXIT
tar -C "$target" -xf "$base"
cp /etc/resolv.conf "$target/etc/resolv.conf"
mkdir -p "$target/root/samples"
cp "$deb" "$target/root/"
cp "$ROOT/samples/$SAMPLE.pcap" "$target/root/samples/"
cp "$ROOT/scripts/lib/package_in_root.sh" "$target/root/"
port=$(python3 "$ROOT/tests/e2e/lib/free_port.py")

# In a private mount namespace: /proc, /dev and /sys exist for the root's programs and vanish
# with the namespace, whatever happens.
echo "== installing into a clean Debian 12 root ($target)"
unshare --mount --propagation private sh -c '
  mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" && mount --rbind /sys "$1/sys" &&
  chroot "$1" /bin/sh /root/package_in_root.sh "$2" "$3" "$4"' sh "$target" "$(basename "$deb")" "$SAMPLE" "$port"

status=0
if cmp -s "$target/root/report.json" "$ROOT/samples/$SAMPLE.expected.json"; then
  echo "PASS: the installed sipmon's report of samples/$SAMPLE.pcap equals samples/$SAMPLE.expected.json"
else
  echo "FAIL: the installed sipmon's report differs from samples/$SAMPLE.expected.json"
  diff "$ROOT/samples/$SAMPLE.expected.json" "$target/root/report.json" | head -20 || true
  status=1
fi
if grep -q '^sipmon_sip_requests_total' "$target/root/metrics.txt"; then
  echo "PASS: the installed sipmon live --listen served /metrics"
else
  echo "FAIL: no sipmon_sip_requests_total on the installed sipmon's /metrics"
  status=1
fi
exit $status
