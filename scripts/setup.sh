#!/usr/bin/env bash
# Installs every Debian 12 package that sipmon's build, tests and tools need.
# Idempotent: a second run installs nothing new. Works on a bare Debian 12 (no compiler) as root.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang llvm libbpf-dev bpftool
  libpcap-dev zlib1g-dev libzstd-dev prometheus-cpp-dev libcli11-dev nlohmann-json3-dev catch2 libexpected-dev
  libbenchmark-dev libclang-rt-14-dev libseccomp-dev
  libmicrohttpd-dev libyaml-cpp-dev libcrypt-dev libcurl4-openssl-dev
  # packaging: the man page from --help, the .deb's dependencies (dpkg-shlibdeps), the clean
  # Debian 12 root of scripts/package-test.sh, the format check
  help2man dpkg-dev debootstrap clang-format
  # tests and tools
  sip-tester tshark tcpdump tcpreplay prometheus prometheus-pushgateway iproute2 libxml2-utils
  python3 python3-yaml procps curl strace nftables
  sngrep  # compared with in the benchmark harness (bench/load_bench.py)
  chromium  # the HTML report opened headless (tests/e2e/html_report_test.py)
  systemd  # systemd-analyze verify of the shipped unit (tests/e2e/systemd_unit_test.sh)
  # HEP tests: a real SIP server exporting HEP (siptrace) and storing it (sipcapture, db_text),
  # TLS between two instances (docs/hep.md)
  kamailio kamailio-tls-modules openssl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer once, without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq >&2
  # The prometheus packages start their own services on the default ports when installed
  # (where an init system runs); policy-rc.d keeps them from starting: tests start their own.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: installed ${#missing[@]} package(s)" >&2
fi
