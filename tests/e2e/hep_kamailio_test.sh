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
: "${SIPMON:?path to the sipmon binary}"
command -v kamailio >/dev/null || { echo "SKIP: kamailio is not installed (scripts/setup.sh installs it)" >&2; exit 77; }
command -v sipp >/dev/null || { echo "SKIP: sipp is not installed" >&2; exit 77; }
modules=$(dirname "$(dpkg -L kamailio 2>/dev/null | grep -m1 '/modules/siptrace.so$' || true)")
[[ -f $modules/siptrace.so ]] || { echo "SKIP: kamailio's siptrace module not found" >&2; exit 77; }
command -v tshark >/dev/null && command -v tcpdump >/dev/null || { echo "SKIP: tshark/tcpdump missing" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || { echo "SKIP: tcpdump on lo needs root" >&2; exit 77; }

calls=${CALLS:-60}
rate=${RATE:-30}
work=$(mktemp -d /tmp/issue25-kam.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [[ -n "${KEEP_WORK:-}" ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# Four distinct ports free for UDP and TCP on 127.0.0.1.
read -r hep_port kam_port uas_port uac_port < <(python3 - <<'PY'
import socket
ports, held = [], []
while len(ports) < 4:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    held += [t, u]
    ports.append(port)
print(*ports)
PY
)

key="issue25-$RANDOM"
mkdir -p "$work/run"
cat >"$work/kamailio.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
children=2
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:$kam_port
mpath="$modules/"
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
kamailio -c -f "$work/kamailio.cfg" >"$work/kamailio-check.log" 2>&1 || { echo "FAIL: kamailio rejects the config" >&2; cat "$work/kamailio-check.log" >&2; exit 1; }

"$SIPMON" live -i lo --ports "$uac_port,$uas_port" --hep-listen "127.0.0.1:$hep_port" --hep-key "$key" \
  --out "$work/hep.json" >"$work/sipmon.out" 2>"$work/sipmon.err" &
sipmon_pid=$!; pids+=("$sipmon_pid")
wait_for_line "$work/sipmon.err" "receiving HEP on" 10
wait_for_line "$work/sipmon.err" "capturing on lo" 10
tcpdump -i lo -n -U -w "$work/legs.pcap" "udp and (port $uac_port or port $uas_port)" 2>"$work/tcpdump.err" &
tcpdump_pid=$!; pids+=("$tcpdump_pid")
wait_for_line "$work/tcpdump.err" "listening on" 10

kamailio -f "$work/kamailio.cfg" -DD -E -Y "$work/run" -w "$work" >"$work/kamailio.log" 2>&1 &
kam_pid=$!; pids+=("$kam_pid")
for _ in $(seq 100); do
  ss -Hlun "sport = :$kam_port" | grep -q . && break
  sleep 0.05
done
ss -Hlun "sport = :$kam_port" | grep -q . || { echo "FAIL: kamailio did not start" >&2; cat "$work/kamailio.log" >&2; exit 1; }

(cd "$work" && exec sipp -sn uas -i 127.0.0.1 -p "$uas_port" -nostdin -trace_counts -timeout 60s >uas.log 2>&1) &
uas_pid=$!; pids+=("$uas_pid")
sleep 0.3
(cd "$work" && timeout -k 5 60 sipp -sn uac "127.0.0.1:$kam_port" -i 127.0.0.1 -p "$uac_port" -r "$rate" -m "$calls" \
  -nostdin -trace_counts -timeout 60s >uac.log 2>&1) || echo "note: SIPp uac exited with $? (failed calls are still traffic)"
sleep 1
kill -INT "$uas_pid" 2>/dev/null || true
wait "$uas_pid" 2>/dev/null || true
sleep 0.5  # Kamailio's last traces in flight
kill -TERM "$kam_pid" 2>/dev/null || true
wait "$kam_pid" 2>/dev/null || true
stop_and_wait "$tcpdump_pid" 10 || true
python3 "$here/tshark_sip_counts.py" "$work/legs.pcap" "$uac_port" "$uas_port" "$kam_port" >"$work/tshark.json"
status=0
stop_and_wait "$sipmon_pid" 10 || status=$?
[[ $status -eq 0 ]] || { echo "FAIL: sipmon live exited with $status" >&2; cat "$work/sipmon.err" >&2; exit 1; }

python3 - "$work" "$calls" <<'PY'
import collections, csv, glob, json, sys
work, calls = sys.argv[1], int(sys.argv[2])

def sipp_counts(role):
    files = glob.glob(f"{work}/{role}_*_counts.csv")
    assert len(files) == 1, (role, files)
    rows = list(csv.reader(open(files[0]), delimiter=";"))
    header, last = rows[0], rows[-1]
    counts = collections.Counter()
    for name, value in zip(header, last):
        parts = name.split("_")
        if len(parts) != 3 or not value.strip():
            continue
        _, message, kind = parts
        if kind in ("Sent", "Recv", "Retrans"):
            counts[message] += int(value)
        if kind == "Unexp." and int(value):
            raise SystemExit(f"FAIL: SIPp {role} received {value} unexpected {message}")
    return counts

sipp_uac = sipp_counts("uac")
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
# Every call is answered on loopback (tshark's 200s: two per call and leg).
answered = wire["200"] // 4 if wire["200"] == 4 * calls else None
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
