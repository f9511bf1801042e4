#!/usr/bin/env bash
# TLS measured through HEP. Debian's SIPp has no TLS, so two Kamailio instances make the TLS hop:
#   SIPp UAC -> UDP -> Kamailio A -> TLS -> Kamailio B -> UDP -> SIPp UAS
# (stateless proxies; `tls` module from kamailio-tls-modules, a throw-away certificate). Both
# export every message they receive and send with `siptrace` (HEPv3) to `sipmon live
# --hep-listen`, which captures nothing itself. Truth from outside sipmon:
# - tshark on a recording of the two UDP legs (SIPp <-> Kamailio): each message crosses each UDP
#   leg once (A and B trace one side each) and the TLS leg once (traced by both A and B), so
#   sipmon must count each method and status code exactly twice what tshark finds on the UDP
#   legs; a replay of that recording by sipmon must find what tshark finds;
# - SIPp: the UAC sent one INVITE per call and the UAS received them all;
# - tshark on the TLS leg: TLS records and not one readable SIP message.
# Loopback only (the legs are told apart by their ports), random ports; run under the live lock.
# Skipped (exit 77) without kamailio's tls module. Knobs: CALLS (default 40), RATE (default 20).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/kamailio.sh"
: "${SIPMON:?path to the sipmon binary}"
require_tools sipp tcpdump tshark openssl
kamailio_modules pv.so siptrace.so tls.so
[[ $(id -u) -eq 0 ]] || skip "tcpdump on lo needs root"

calls=${CALLS:-40}
rate=${RATE:-20}
live_work issue25-tls

read -r hep_port a_udp a_tls b_udp b_tls uas_port uac_port < <(python3 "$here/lib/free_port.py" --udp --count 7)

openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
cat >"$work/tls.cfg" <<CFG
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = $work/key.pem
certificate = $work/cert.pem

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
CFG

# kamailio_cfg NAME UDP_PORT TLS_PORT NEXT_HOP_URI
kamailio_cfg() {
  cat >"$work/$1.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
children=2
tcp_children=2
enable_tls=yes
auto_aliases=no
listen=udp:127.0.0.1:$2
listen=tls:127.0.0.1:$3
mpath="$KAMAILIO_MODULES/"
loadmodule "pv.so"
loadmodule "tls.so"
loadmodule "siptrace.so"
modparam("tls", "config", "$work/tls.cfg")
modparam("siptrace", "trace_to_database", 0)
modparam("siptrace", "duplicate_uri", "sip:127.0.0.1:$hep_port")
modparam("siptrace", "hep_mode_on", 1)
modparam("siptrace", "hep_version", 3)
modparam("siptrace", "hep_capture_id", $2)
modparam("siptrace", "trace_mode", 1)
modparam("siptrace", "trace_on", 1)

# Stateless: every request goes to the next hop, every reply back by its Via.
request_route {
  \$du = "$4";
  forward();
  exit;
}
CFG
  kamailio_check "$work/$1.cfg"
}
kamailio_cfg a "$a_udp" "$a_tls" "sip:127.0.0.1:$b_tls;transport=tls"
kamailio_cfg b "$b_udp" "$b_tls" "sip:127.0.0.1:$uas_port"

"$SIPMON" live --hep-listen "127.0.0.1:$hep_port" --out "$work/hep.json" >"$work/sipmon.out" 2>"$work/sipmon.err" &
sipmon_pid=$!; pids+=("$sipmon_pid")
wait_for_line "$work/sipmon.err" "receiving HEP on" 10
tcpdump -i lo -n -U -w "$work/udp-legs.pcap" "udp and (port $uac_port or port $uas_port)" 2>"$work/tcpdump-udp.err" &
pids+=($!); tcpdump_udp=$!
tcpdump -i lo -n -U -w "$work/tls-leg.pcap" "tcp and (port $a_tls or port $b_tls)" 2>"$work/tcpdump-tls.err" &
pids+=($!); tcpdump_tls=$!
wait_for_line "$work/tcpdump-udp.err" "listening on" 10
wait_for_line "$work/tcpdump-tls.err" "listening on" 10
kamailio_start "$work/a.cfg" "$work/a.log" "$a_udp" "$a_tls"
kam_a=$KAMAILIO_PID
kamailio_start "$work/b.cfg" "$work/b.log" "$b_udp" "$b_tls"
kam_b=$KAMAILIO_PID

sipp_calls "127.0.0.1:$a_udp" "$uas_port" "$uac_port" "$calls" "$rate"
sleep 0.5
kill -TERM "$kam_a" "$kam_b" 2>/dev/null || true
wait "$kam_a" "$kam_b" 2>/dev/null || true
stop_and_wait "$tcpdump_udp" 10 || true
stop_and_wait "$tcpdump_tls" 10 || true
status=0
stop_and_wait "$sipmon_pid" 10 || status=$?
[[ $status -eq 0 ]] || { echo "FAIL: sipmon live exited with $status" >&2; cat "$work/sipmon.err" >&2; exit 1; }

"$SIPMON" replay "$work/udp-legs.pcap" --json >"$work/udp-replay.json"
python3 "$here/lib/sipp_counts.py" "$work" uac >"$work/uac-counts.json"
python3 "$here/lib/sipp_counts.py" "$work" uas >"$work/uas-counts.json"
python3 "$here/tshark_sip_counts.py" "$work/udp-legs.pcap" "$uac_port" "$uas_port" "$a_udp" "$b_udp" >"$work/tshark.json"
tls_records=$(tshark -n -r "$work/tls-leg.pcap" -d "tcp.port==$a_tls,tls" -d "tcp.port==$b_tls,tls" -Y tls.app_data 2>/dev/null | wc -l)
# Decoded as SIP by force, encrypted bytes are only "Continuation": no method, no status code,
# and no SIP keyword anywhere in the bytes.
sip_on_tls=$(tshark -n -r "$work/tls-leg.pcap" -d "tcp.port==$a_tls,sip" -d "tcp.port==$b_tls,sip" \
  -Y 'sip.Method or sip.Status-Code or frame contains "SIP/2.0"' 2>/dev/null | wc -l)

python3 - "$work" "$calls" "$tls_records" "$sip_on_tls" <<'PY'
import collections, json, sys
work, calls, tls_records, sip_on_tls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
uac, uas = (collections.Counter(json.load(open(f"{work}/{role}-counts.json"))) for role in ("uac", "uas"))
report = json.load(open(f"{work}/hep.json"))
replay = json.load(open(f"{work}/udp-replay.json"))
truth = collections.Counter(json.load(open(f"{work}/tshark.json")))
hep = collections.Counter(report["requests"]) + collections.Counter(report["responses"])
udp = collections.Counter(replay["requests"]) + collections.Counter(replay["responses"])
expected = collections.Counter({k: 2 * v for k, v in truth.items()})
print("tshark on the UDP legs:", dict(sorted(truth.items())))
print("replay of the UDP legs:", dict(sorted(udp.items())))
print("sipmon from HEP:       ", dict(sorted(hep.items())))
print(f"TLS leg: {tls_records} TLS application-data records, {sip_on_tls} readable SIP messages")
problems = []
if uac["INVITE"] < calls or uas["INVITE"] != uac["INVITE"]:
    problems.append(f"SIPp: {uac['INVITE']} INVITEs sent, {uas['INVITE']} received, for {calls} calls")
if truth["INVITE"] != 2 * uac["INVITE"]:
    problems.append(f"tshark sees {truth['INVITE']} INVITEs on the UDP legs, SIPp sent {uac['INVITE']}")
if hep != expected:
    problems.append(f"HEP counts != 2 x tshark: {dict(hep - expected)} more, {dict(expected - hep)} fewer")
if udp != truth:
    problems.append("sipmon's replay of the UDP legs differs from tshark")
if {k: v for k, v in report["capture"]["hep_in"]["errors"].items() if k != "unknown_chunk"}:
    problems.append(f"HEP errors: {report['capture']['hep_in']['errors']}")
if tls_records < uac["INVITE"] or sip_on_tls != 0:
    problems.append("the A-B leg is not TLS-only")
if report["rfc6076"]["session_attempts"] != calls:
    problems.append(f"{report['rfc6076']['session_attempts']} session attempts for {calls} calls")
if problems:
    raise SystemExit("FAIL:\n  " + "\n  ".join(problems))
print(f"PASS: {calls} calls over a TLS hop measured through HEP: 2 x tshark's counts on the UDP legs, "
      "and nothing readable on the TLS leg")
PY
