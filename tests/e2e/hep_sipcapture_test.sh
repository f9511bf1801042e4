#!/usr/bin/env bash
# sipmon's HEP output accepted by a real collector: Kamailio's `sipcapture` module (Homer's
# capture server before heplify-server) with `db_text` stores every packet `sipmon replay
# --hep-out` sends. Truth: the rows Kamailio parsed and stored (method or status code, addresses,
# ports, capture date) must match, message for message, what a plain replay of the same captures
# counts. Skipped (exit 77) without kamailio. Loopback only, random port; run under the live lock.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/live_common.sh"
source "$here/lib/kamailio.sh"
: "${SIPMON:?path to the sipmon binary}"
root=${SIPMON_SOURCE_DIR:-$here/../..}
kamailio_modules pv.so db_text.so sipcapture.so

live_work issue25-sipcap

port=$(python3 "$here/lib/free_port.py" --udp)
mkdir -p "$work/db"
# db_text tables: a header line of typed columns, then one row per line. Debian ships no
# sip_capture table for db_text; these are the columns sipcapture writes (its *_column params).
printf 'table_name(str) table_version(int)\nsip_capture:1\n' >"$work/db/version"
columns="id(int,auto) date(int) micro_ts(int,null) method(str,null) reply_reason(str,null) ruri(str,null)"
for c in ruri_user ruri_domain from_user from_domain from_tag to_user to_domain to_tag pid_user contact_user \
  auth_user callid callid_aleg via_1 via_1_branch cseq diversion reason content_type auth user_agent source_ip; do
  columns+=" $c(str,null)"
done
columns+=" source_port(int,null) destination_ip(str,null) destination_port(int,null) contact_ip(str,null)"
columns+=" contact_port(int,null) originator_ip(str,null) originator_port(int,null) expires(int,null)"
columns+=" correlation_id(str,null) custom_field1(str,null) custom_field2(str,null) custom_field3(str,null)"
columns+=" proto(int,null) family(int,null) rtp_stat(str,null) type(int,null) node(str,null) msg(blob,null)"
echo "$columns" >"$work/db/sip_capture"

cat >"$work/kamailio.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
children=1
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:$port
mpath="$KAMAILIO_MODULES/"
loadmodule "pv.so"
loadmodule "db_text.so"
loadmodule "sipcapture.so"
modparam("db_text", "db_mode", 1)
modparam("sipcapture", "db_url", "text://$work/db")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "capture_node", "sipmon-e2e")
# Every SIP message decapsulated from HEP is stored, requests and replies alike.
request_route { sip_capture(); exit; }
onreply_route { sip_capture(); drop; }
CFG
kamailio_check "$work/kamailio.cfg"
kamailio_start "$work/kamailio.cfg" "$work/kamailio.log" "$port"
kam_pid=$KAMAILIO_PID

captures=("$root/samples/call-answered.pcap" "$root/samples/call-cancel.pcap" "$root/samples/register-401.pcap"
          "$root/samples/options-ping.pcap" "$root/samples/call-ipv6.pcap")
"$SIPMON" replay "${captures[@]}" --json >"$work/replay.json"
"$SIPMON" replay "${captures[@]}" --hep-out "127.0.0.1:$port" --hep-id 9 --json >"$work/sender.json"
sleep 1  # Kamailio stores what it has received
kill -TERM "$kam_pid"; wait "$kam_pid" || true

python3 - "$work" <<'PY'
import collections, json, sys
work = sys.argv[1]
replay = json.load(open(f"{work}/replay.json"))
sender = json.load(open(f"{work}/sender.json"))["capture"]["hep_out"]
lines = open(f"{work}/db/sip_capture").read().splitlines()
header = [c.split("(")[0] for c in lines[0].split()]
rows = []
for line in lines[1:]:
    # db_text escapes ':' inside values as '\:'; split on the others.
    fields, value, i = [], "", 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            value += line[i:i + 2]; i += 2; continue
        if line[i] == ":":
            fields.append(value); value = ""; i += 1; continue
        value += line[i]; i += 1
    fields.append(value)
    rows.append(dict(zip(header, fields)))
stored = collections.Counter(r["method"] for r in rows)
expected = collections.Counter(replay["requests"]) + collections.Counter(replay["responses"])
print("stored by Kamailio sipcapture:", dict(sorted(stored.items())))
print("sipmon replay counts:         ", dict(sorted(expected.items())))
problems = []
if sender["sent"] != replay["capture"]["sip_messages"] or sender["dropped"]:
    problems.append(f"sender: {sender}")
if stored != expected:
    problems.append("stored messages differ from the replay's counts")
# The capture's time travels in HEP: sipcapture's date column is the message's capture second.
import datetime
def epoch(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
first, last = epoch(replay["capture"]["first_ts"]), epoch(replay["capture"]["last_ts"])
if any(not first <= int(r["date"]) <= last for r in rows):
    problems.append(f"dates outside the captures' {first}..{last}: {sorted(set(r['date'] for r in rows))[:5]}")
if any(r["node"] != "sipmon-e2e\\:9" for r in rows):  # sipcapture writes node:capture_id
    problems.append(f"capture id not stored: {set(r['node'] for r in rows)}")
ipv6 = [r for r in rows if r["family"] == "10"]
if not ipv6 or any(":" not in r["source_ip"] for r in ipv6):
    problems.append("IPv6 messages not stored with their addresses")
if problems:
    raise SystemExit("FAIL:\n  " + "\n  ".join(problems))
print(f"PASS: Kamailio sipcapture stored all {len(rows)} messages sipmon sent as HEP")
PY
