#!/usr/bin/env bash
# Issue 22's agreement, short: 100 generated calls (200 RTP streams, 50 packets each, ~1 % loss the
# generator counts itself, bench/media_concurrent.py) replayed by tcpreplay over a veth pair
# between two namespaces, captured by `sipmon live` twice: RTP measured in the kernel filter's
# stream map (the default) and copied to user space (--rtp-in-user-space). Each run's media
# totals and every stream of its call records (packets, expected, lost, duplicates, late) must
# equal the generator's truth and the other run's, with no capture drops. bench/media_live_veth.py
# --check does it (the same script measures the cost at 10 000 streams, docs/performance.md); no
# figure here is pass/fail. Needs root, iproute2, tcpreplay.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
require_root
require_ebpf
require_tools ip tcpreplay python3
: "${SIPMON:?path to the sipmon binary}"
exec python3 "$here/../../bench/media_live_veth.py" --check --sipmon "$SIPMON" --calls 100 --packets 50 --pps 5000 --idle 0
