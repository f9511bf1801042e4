#!/usr/bin/env bash
# A real SIP server exporting HEP: Debian's Kamailio with `siptrace` (trace_mode 1: every SIP
# message it receives and sends, as HEPv3 with an auth key) proxies SIPp calls on loopback, and
# one `sipmon live -i lo --hep-listen` both captures the two SIPp legs on loopback and receives
# Kamailio's HEP: an interface and a HEP listener in one process, one engine. Truth from outside sipmon:
# tshark on a tcpdump recording of both legs (SIPp UAC <-> Kamailio, Kamailio <-> SIPp UAS):
# Kamailio traces each message on each leg once, so the HEP part of sipmon's counts equals
# tshark's, and the captured part too: every method and status code counts exactly twice what
# tshark finds (the same message from the wire and from HEP is one transaction); session attempts and establishments must equal the calls SIPp made
# (all answered on loopback; SIPp's -trace_counts also shows the INVITEs it sent). Skipped
# (exit 77) without kamailio or root (tcpdump). Loopback only, random ports; run under the live lock.
# Knobs: CALLS (default 60), RATE (calls/s, default 30).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/kamailio.sh"
: "${SIPMON:?path to the sipmon binary}"
require_tools sipp tshark tcpdump
kamailio_modules pv.so siptrace.so
[[ $(id -u) -eq 0 ]] || skip "tcpdump on lo needs root"

calls=${CALLS:-60}
rate=${RATE:-30}
live_work issue25-kam

# Four distinct ports free for UDP and TCP on 127.0.0.1.
read -r hep_port kam_port uas_port uac_port < <(python3 "$here/lib/free_port.py" --udp --count 4)

key="issue25-$RANDOM"
cat >"$work/kamailio.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
children=2
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:$kam_port
mpath="$KAMAILIO_MODULES/"
loadmodule "pv.so"
loadmodule "siptrace.so"
modparam("siptrace", "duplicate_uri", "sip:127.0.0.1:$hep_port")
modparam("siptrace", "trace_to_database", 0)
modparam("siptrace", "hep_mode_on", 1)
modparam("siptrace", "hep_version", 3)
modparam("siptrace", "hep_capture_id", 2025)
modparam("siptrace", "auth_key", "$key")
modparam("siptrace", "trace_mode", 1)
modparam("siptrace", "trace_on", 1)

# A stateless proxy: every request goes on to the UAS, every reply back by its Via.
request_route {
  \$du = "sip:127.0.0.1:$uas_port";
  forward();
  exit;
}
CFG
kamailio_check "$work/kamailio.cfg"

"$SIPMON" live -i lo --ports "$uac_port,$uas_port" --hep-listen "127.0.0.1:$hep_port" --hep-key "$key" \
  --out "$work/hep.json" >"$work/sipmon.out" 2>"$work/sipmon.err" &
sipmon_pid=$!; pids+=("$sipmon_pid")
wait_for_line "$work/sipmon.err" "receiving HEP on" 10
wait_for_line "$work/sipmon.err" "capturing on lo" 10
tcpdump -i lo -n -U -w "$work/legs.pcap" "udp and (port $uac_port or port $uas_port)" 2>"$work/tcpdump.err" &
tcpdump_pid=$!; pids+=("$tcpdump_pid")
wait_for_line "$work/tcpdump.err" "listening on" 10

kamailio_start "$work/kamailio.cfg" "$work/kamailio.log" "$kam_port"
kam_pid=$KAMAILIO_PID

sipp_calls "127.0.0.1:$kam_port" "$uas_port" "$uac_port" "$calls" "$rate"
sleep 0.5  # Kamailio's last traces in flight
kill -TERM "$kam_pid" 2>/dev/null || true
wait "$kam_pid" 2>/dev/null || true
stop_and_wait "$tcpdump_pid" 10 || true
python3 "$here/tshark_sip_counts.py" "$work/legs.pcap" "$uac_port" "$uas_port" "$kam_port" >"$work/tshark.json"
# Calls answered on the wire: Call-IDs with a 2xx to their INVITE (Kamailio keeps the Call-ID on
# both legs). Counted, not derived from the 200s: a loaded machine makes SIPp retransmit a BYE,
# whose second 200 is one more 200 but not one more call.
tshark -n -r "$work/legs.pcap" -d "udp.port==$uac_port,sip" -d "udp.port==$uas_port,sip" -d "udp.port==$kam_port,sip" \
  -Y 'sip.Status-Code >= 200 && sip.Status-Code < 300 && sip.CSeq.method == "INVITE"' -T fields -e sip.Call-ID |
  sort -u | grep -c . >"$work/answered.txt" || true
python3 "$here/lib/sipp_counts.py" "$work" uac >"$work/uac-counts.json"
status=0
stop_and_wait "$sipmon_pid" 10 || status=$?
[[ $status -eq 0 ]] || { echo "FAIL: sipmon live exited with $status" >&2; cat "$work/sipmon.err" >&2; exit 1; }

python3 - "$work" "$calls" <<'PY'
import collections, json, sys
work, calls = sys.argv[1], int(sys.argv[2])
sipp_uac = collections.Counter(json.load(open(f"{work}/uac-counts.json")))
wire = collections.Counter(json.load(open(f"{work}/tshark.json")))
expected = collections.Counter({k: 2 * v for k, v in wire.items()})
report = json.load(open(f"{work}/hep.json"))
got = collections.Counter(report["requests"]) + collections.Counter(report["responses"])
hep = report["capture"]["hep_in"]
print("tshark on both legs:", dict(sorted(wire.items())))
print("sipmon (lo + HEP): ", dict(sorted(got.items())))
print("hep_in:", json.dumps(hep))
problems = []
if got != expected:
    problems.append(f"counts differ: {dict(got - expected)} more, {dict(expected - got)} fewer")
if wire["INVITE"] != 2 * sipp_uac["INVITE"] or sipp_uac["INVITE"] < calls:
    problems.append(f"tshark: {wire['INVITE']} INVITEs on the legs; SIPp sent {sipp_uac['INVITE']} for {calls} calls")
if hep["sip_payloads"] != sum(wire.values()):
    problems.append(f"{hep['sip_payloads']} SIP payloads from HEP, tshark saw {sum(wire.values())} messages")
if report["capture"].get("source") not in ("ebpf", "pcap"):
    problems.append("no live capture section: the interface did not run beside the listener")
sessions = report["rfc6076"]
# Every call is answered on loopback: tshark's answered Call-IDs are the calls.
answered = int(open(f"{work}/answered.txt").read().strip() or 0)
if answered != calls:
    problems.append(f"tshark: {answered} calls answered on the wire, SIPp made {calls}")
if sessions["session_attempts"] != calls or sessions["sessions_established"] != answered:
    problems.append(f"sessions: {sessions['session_attempts']} attempts, {sessions['sessions_established']} "
                    f"established; {calls} calls, {answered} answered on the wire")
if hep["by_version"] != {"3": hep["packets"]}:
    problems.append(f"not all HEPv3: {hep['by_version']}")
if {k: v for k, v in hep["errors"].items() if k != "unknown_chunk"}:
    problems.append(f"HEP errors: {hep['errors']}")
if report["capture"]["sip_messages"] != 2 * hep["sip_payloads"]:
    problems.append("captured + HEP messages != 2 x HEP messages")
if hep["timestamps_replaced"] != 0:
    problems.append(f"{hep['timestamps_replaced']} timestamps replaced: Kamailio's clock is this host's")
if problems:
    raise SystemExit("FAIL:\n  " + "\n  ".join(problems))
print(f"PASS: {calls} calls through Kamailio, captured on lo and received as HEP in one sipmon: twice tshark's counts; "
      "session attempts and establishments equal the calls")
PY
