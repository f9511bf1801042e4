#!/usr/bin/env bash
# SIPp calls that play G.711 RTP (play_pcap_audio with the capture Debian's sip-tester ships)
# across a veth pair between two network namespaces this test creates. This kernel has no netem:
# an nftables rule on the sender drops a chosen share of the RTP at random (numgen random). The
# receiving side is recorded with tcpdump; `sipmon replay` of the recording must report the
# stream's packets, lost and mean jitter exactly as tshark's -z rtp,streams finds them in the same
# recording, the MOS must fall as the loss rises, and the clean call must score at least 4.3.
# Needs root, sipp, nft, tcpdump, tshark; exits 77 (SKIPPED) without them. Run it under
# `flock /tmp/sipmon-live.lock` when other live tests may run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/netns.sh"
: "${SIPMON:?path to the sipmon binary}"
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, nftables)"
require_tools sipp nft tcpdump tshark ip
audio=/usr/share/sip-tester/g711a.pcap
[[ -f $audio ]] || skip "$audio not found (Debian's sip-tester)"

# The three loss levels run side by side, each in its own pair of namespaces (the same addresses,
# which namespaces keep apart): the calls take 7 s each, whatever the level.
levels=(0 5 20)
ns_names=()
for i in "${!levels[@]}"; do ns_names+=("i21a$i-$$" "i21b$i-$$"); done
live_work i21-media-sipp
cleanup_more() { netns_delete "${ns_names[@]}"; }

# SIPp's built-in uac_pcap scenario plays "pcap/g711a.pcap" and then an RFC 2833 digit
# ("pcap/dtmf_2833_1.pcap") relative to its working directory.
mkdir -p "$work/pcap"
for capture in /usr/share/sip-tester/*.pcap; do ln -s "$capture" "$work/pcap/"; done

declare -A tcpdump_pid uas_pid uac_pid
for i in "${!levels[@]}"; do
  loss=${levels[$i]} ns_a=i21a$i-$$ ns_b=i21b$i-$$  # ns_a: UAS, receives RTP, recorded; ns_b: UAC, drops
  netns_delete "$ns_a" "$ns_b"
  veth_between "$ns_a" "i21va$i" "$ns_b" "i21vb$i"
  ip -n "$ns_a" addr add 10.221.0.1/24 dev "i21va$i"
  ip -n "$ns_b" addr add 10.221.0.2/24 dev "i21vb$i"
  media_port=$((20000 + (RANDOM % 10000) * 2))
  # On the device's egress hook, not the output hook: a packet dropped in "output" fails the
  # sender's sendto (EPERM) and SIPp then stops playing; dropped at egress, it is lost silently,
  # as on a network.
  ip netns exec "$ns_b" nft add table netdev i21
  ip netns exec "$ns_b" nft add chain netdev i21 egress "{ type filter hook egress device i21vb$i priority 0; }"
  ip netns exec "$ns_b" nft add rule netdev i21 egress udp dport "$media_port" numgen random mod 100 lt "$loss" drop

  ip netns exec "$ns_a" tcpdump -i "i21va$i" -n -U -w "$work/loss-$loss.pcap" udp 2>"$work/tcpdump-$loss.err" &
  tcpdump_pid[$i]=$!
  pids+=("${tcpdump_pid[$i]}")
  for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump-$loss.err" && break; sleep 0.1; done
  ip netns exec "$ns_a" sipp -sn uas -i 10.221.0.1 -p 5060 -mi 10.221.0.1 -mp "$media_port" -m 1 -nostdin \
    -timeout 60s >"$work/uas-$loss.log" 2>&1 &
  uas_pid[$i]=$!
  pids+=("${uas_pid[$i]}")
done
sleep 0.3
for i in "${!levels[@]}"; do
  (cd "$work" && exec ip netns exec "i21b$i-$$" timeout -k 5 60 sipp -sn uac_pcap 10.221.0.1:5060 -i 10.221.0.2 -p 5061 \
    -mi 10.221.0.2 -m 1 -nostdin -timeout 60s >"$work/uac-${levels[$i]}.log" 2>&1) &
  uac_pid[$i]=$!
  pids+=("${uac_pid[$i]}")
done
for i in "${!levels[@]}"; do
  wait "${uac_pid[$i]}" || echo "note: SIPp uac (loss ${levels[$i]} %) exited with $?"
  wait "${uas_pid[$i]}" 2>/dev/null || true
done
sleep 0.5
for i in "${!levels[@]}"; do
  kill -INT "${tcpdump_pid[$i]}"
  wait "${tcpdump_pid[$i]}" 2>/dev/null || true
done

failures=0
previous_mos=""
for loss in "${levels[@]}"; do
  recording="$work/loss-$loss.pcap"
  report=$("$SIPMON" replay "$recording" --json)
  tshark_out=$(tshark -r "$recording" -q -z rtp,streams 2>/dev/null)
  if ! python3 - "$loss" "$previous_mos" "$report" "$tshark_out" >"$work/verdict" <<'EOF'
import json, re, sys
loss, previous, report, tshark_out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
media = report.get("media")
problems = []
rows = []
for line in tshark_out.splitlines():
    f = line.split()
    if len(f) >= 16 and f[6].startswith("0x"):
        if f[-1] == "X":
            f = f[:-1]
        rows.append({"packets": int(f[8]), "lost": int(re.match(r"-?\d+", f[9]).group(0)), "jitter_mean_ms": float(f[-2])})
# The scenario plays the audio, then an RFC 2833 digit with an SSRC of its own: two streams.
if media is None:
    problems.append("no media object in the report")
elif not rows:
    problems.append("tshark found no RTP stream")
else:
    t = {"packets": sum(r["packets"] for r in rows), "lost": sum(r["lost"] for r in rows),
         "jitter_mean_ms": max(r["jitter_mean_ms"] for r in rows)}  # the event stream has no jitter
    if media["streams"] != len(rows): problems.append(f"streams: sipmon {media['streams']}, tshark {len(rows)}")
    if media["packets"] != t["packets"]: problems.append(f"packets: sipmon {media['packets']}, tshark {t['packets']}")
    if media["lost"] != t["lost"]: problems.append(f"lost: sipmon {media['lost']}, tshark {t['lost']}")
    if media["mos"]["count"] != 1: problems.append(f"MOS over {media['mos']['count']} streams, expected the audio one")
    if abs(media["jitter_ms"]["mean"] - t["jitter_mean_ms"]) > 0.0006:
        problems.append(f"jitter mean: sipmon {media['jitter_ms']['mean']}, tshark {t['jitter_mean_ms']}")
    mos = media["mos"]["mean"]
    if loss == "0" and mos < 4.3: problems.append(f"clean G.711 MOS {mos} < 4.3")
    if loss != "0" and media["lost"] <= 0: problems.append(f"{loss} % drop rule lost nothing")
    if previous and not mos < float(previous): problems.append(f"MOS {mos} did not fall below {previous} as loss rose")
    print(f"loss {loss} %: packets {media['packets']} lost {media['lost']} (tshark {t['packets']}/{t['lost']}) "
          f"jitter {media['jitter_ms']['mean']} ms (tshark {t['jitter_mean_ms']}) MOS {mos:.3f}")
    print(f"MOS={mos}")
for p in problems:
    print("FAIL: " + p)
sys.exit(1 if problems else 0)
EOF
  then
    failures=$((failures + 1))
  fi
  grep -v '^MOS=' "$work/verdict"
  previous_mos=$(sed -n 's/^MOS=//p' "$work/verdict")
done
[[ $failures -eq 0 ]] && echo "PASS" || { echo "$failures loss level(s) failed"; exit 1; }
