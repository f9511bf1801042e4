#!/usr/bin/env bash
# /metrics under attack and behind its web-config, and outputs that a hung gateway or a bad path
# cannot cost (issue 15), against real tools: a real Prometheus scrapes sipmon while 50 idle and
# 50 slowloris connections are held open, through basic auth (and refused without it), over TLS
# and over IPv6 loopback; curl checks HEAD and the 401s; a fake Pushgateway accepts and never
# answers. Every server listens on loopback on a free port chosen here and is stopped on exit;
# every wait is bounded. Prints "P passed, F failed"; exits 1 if anything failed.
set -u

SRC=${SIPMON_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIPMON=${SIPMON:-$SRC/build/sipmon}
HERE=$(cd "$(dirname "$0")" && pwd)
SAMPLE=$SRC/samples/call-answered.pcap
WORK=$(mktemp -d /tmp/issue15-metrics.XXXXXX)
source "$HERE/lib/check.sh"
source "$HERE/lib/prometheus.sh"

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in prometheus curl python3 openssl; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool is not installed (scripts/setup.sh installs it)"
    echo "0 passed, 1 failed"
    exit 1
  fi
done

free_port() { python3 "$SRC/tests/e2e/lib/free_port.py" --ipv6; }  # free on both 127.0.0.1 and ::1
wait_http() { # wait_http URL [curl options]: up to 20 s for any HTTP answer
  local url=$1 i
  shift
  for i in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url")" != 000 ] && return 0
    sleep 0.1
  done
  return 1
}
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
serve() { # serve LOGNAME ARGS...: sipmon replay of the sample, serving until stopped
  local name=$1
  shift
  "$SIPMON" replay "$SAMPLE" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=("$!")
}

# --- bad output paths are refused before the replay runs ---------------------------------------
RC=0
timeout 30 "$SIPMON" replay "$SAMPLE" --out "$WORK/no/such/dir/report.json" >"$WORK/out" 2>"$WORK/err" || RC=$?
check "--out in a missing directory: exit 2" test "$RC" -eq 2
check "--out in a missing directory: the message names the option and the path" \
  grep -q -- "--out $WORK/no/such/dir/report.json: cannot write: directory .* does not exist" "$WORK/err"
check "--out in a missing directory: refused before the replay (no summary printed)" test ! -s "$WORK/out"
RC=0
timeout 30 "$SIPMON" replay "$SAMPLE" --prom-file "$WORK" >"$WORK/out" 2>"$WORK/err" || RC=$?
check "--prom-file naming a directory: exit 2 before the replay" test "$RC" -eq 2 -a ! -s "$WORK/out"
# /dev/stdout itself is never handed over: a sipmon that renamed over it (as the old writer did)
# would replace the host's /dev/stdout. $WORK/stdout is the same link, /proc/self/fd/1.
ln -s /proc/self/fd/1 "$WORK/stdout"
RC=0
timeout 30 "$SIPMON" replay "$SAMPLE" --json --out "$WORK/stdout" >"$WORK/out" 2>"$WORK/err" || RC=$?
check "--out /dev/stdout (a link to /proc/self/fd/1) redirected to a file: both reports there (--json and --out)" \
  test "$RC" -eq 0 -a "$(grep -c '"sipmon_version"' "$WORK/out")" -eq 2
check "--out /dev/stdout: the link stays a link to the descriptor" test -L "$WORK/stdout"
RC=0
timeout 30 "$SIPMON" replay "$SAMPLE" --out "$WORK/stdout" 2>"$WORK/err" | cat >"$WORK/out" || RC=$?
check "--out /dev/stdout into a pipe: the report comes through the pipe" \
  test "$RC" -eq 0 -a "$(grep -c '"sipmon_version"' "$WORK/out")" -eq 1 -a -L "$WORK/stdout"

# The report reaches the disk before its name does: fsync of the temporary file, rename, fsync of
# the directory (what the kernel is asked, seen by strace).
if command -v strace >/dev/null; then
  mkdir "$WORK/durable"
  strace -f -e trace=fsync,rename,openat -o "$WORK/strace.txt" \
    "$SIPMON" replay "$SAMPLE" --out "$WORK/durable/report.json" >/dev/null 2>&1
  check "--out: fsync(file), rename, fsync(directory), in that order" python3 - "$WORK/strace.txt" "$WORK/durable" <<'PY'
import re, sys
lines = [l.split(None, 1)[1] for l in open(sys.argv[1]) if "ENOENT" not in l]
directory = sys.argv[2]
fds, order = {}, []
for l in lines:
    m = re.match(r'openat\(AT_FDCWD, "([^"]+)".* = (\d+)', l)
    if m:
        fds[m.group(2)] = m.group(1)
        continue
    m = re.match(r'fsync\((\d+)\)\s+= 0', l)
    if m and fds.get(m.group(1), "").startswith(directory):
        order.append("fsync dir" if fds[m.group(1)] == directory else "fsync file")
    if l.startswith("rename(") and directory in l and l.rstrip().endswith("= 0"):
        order.append("rename")
print("    " + ", ".join(order))
sys.exit(0 if order == ["fsync file", "rename", "fsync dir"] else 1)
PY
else
  echo "SKIPPED: --out fsync order (strace is not installed; scripts/setup.sh installs it)"
fi

# --- a bare --listen in replay binds loopback only ----------------------------------------------
# 9160 may be busy (another run): then the refusal names the address it tried, which is as good.
"$SIPMON" replay "$SAMPLE" --listen >/dev/null 2>"$WORK/bare.err" &
BARE=$!
for _ in $(seq 1 100); do
  grep -q "serving\|cannot serve" "$WORK/bare.err" && break
  sleep 0.1
done
kill "$BARE" 2>/dev/null
wait "$BARE" 2>/dev/null
check "a bare replay --listen binds 127.0.0.1:9160" grep -q "serving http://127.0.0.1:9160/metrics\|--listen 127.0.0.1:9160: cannot serve" "$WORK/bare.err"

# --- a Pushgateway that accepts and never answers ------------------------------------------------
HUNG=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
held = []
while True:
    held.append(s.accept()[0])  # read nothing, answer nothing' "$HUNG" &
PIDS+=("$!")
for _ in $(seq 1 100); do # up to 10 s for the fake gateway to listen
  (exec 3<>"/dev/tcp/127.0.0.1/$HUNG") 2>/dev/null && break
  sleep 0.1
done
RC=0
started=$(date +%s.%N)
timeout 60 "$SIPMON" replay "$SAMPLE" --push "http://127.0.0.1:$HUNG" --push-timeout 2 --out "$WORK/hung.json" \
  --prom-file "$WORK/hung.prom" >"$WORK/out" 2>"$WORK/err" || RC=$?
elapsed=$(python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$started")
echo "    replay against the hung gateway took ${elapsed} s"
check "hung gateway: replay ends by itself within --push-timeout (2 s) plus the replay" \
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 10 else 1)" "$elapsed"
check "hung gateway: exit 3 (an output was lost)" test "$RC" -eq 3
check "hung gateway: one line says the push timed out, naming the URL" \
  grep -q "push to http://127.0.0.1:$HUNG/metrics/job/sipmon timed out after 2 s" "$WORK/err"
check "hung gateway: the JSON report is still written" grep -q '"sipmon_version"' "$WORK/hung.json"
check "hung gateway: the exposition file is still written" grep -q '^sipmon_sip_requests_total' "$WORK/hung.prom"

# --- listeners: attacked, IPv6, basic auth, TLS; one real Prometheus scrapes them all --------------
# Credentials: Openwall's published bcrypt vector ("U*U"), as a web-config would hold it.
HASH='$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'
printf 'basic_auth_users:\n  prometheus: "%s"\n' "$HASH" >"$WORK/auth.yml"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: "%s"\n' \
  "$WORK/cert.pem" "$WORK/key.pem" "$HASH" >"$WORK/tls.yml"

ATTACKED=$(free_port)
AUTH=$(free_port)
TLS=$(free_port)
V6=$(free_port)
V6ANY=$(free_port)
serve attacked --listen "127.0.0.1:$ATTACKED"
serve auth --listen "127.0.0.1:$AUTH" --web-config "$WORK/auth.yml"
serve tls --listen "127.0.0.1:$TLS" --web-config "$WORK/tls.yml"
serve v6 --listen "[::1]:$V6"
serve v6any --listen "[::]:$V6ANY"
check "listener starts: plain" wait_http "http://127.0.0.1:$ATTACKED/healthz"
check "listener starts: basic auth" wait_http "http://127.0.0.1:$AUTH/healthz"
check "listener starts: TLS" wait_http "https://127.0.0.1:$TLS/healthz" --cacert "$WORK/cert.pem"
check "listener starts: [::1]" wait_http "http://[::1]:$V6/healthz" -g
check "listener starts: [::]" wait_http "http://[::1]:$V6ANY/healthz" -g

check "IPv6: curl -g http://[::1]:PORT/metrics serves the figures" \
  sh -c "curl -sgf --max-time 5 'http://[::1]:$V6/metrics' | grep -q '^sipmon_sip_requests_total'"
check "IPv6: --listen [::]:PORT answers on ::1" \
  sh -c "curl -sgf --max-time 5 'http://[::1]:$V6ANY/metrics' | grep -q '^sipmon_sip_requests_total'"
check "IPv6: the log names the bracketed address" grep -q "serving http://\[::1\]:$V6/metrics" "$WORK/v6.err"

curl -s -I --max-time 5 "http://127.0.0.1:$ATTACKED/metrics" >"$WORK/head.txt"
check "HEAD /metrics: 200 with GET's content type" \
  sh -c "grep -q '^HTTP/1.1 200' '$WORK/head.txt' && grep -qi '^Content-Type: text/plain; version=0.0.4' '$WORK/head.txt'"
check "HEAD /metrics: no body" test "$(curl -s --head --max-time 5 "http://127.0.0.1:$ATTACKED/metrics" -o /dev/null -w '%{size_download}')" -eq 0
check "POST /metrics: 405" test "$(http_code -X POST "http://127.0.0.1:$ATTACKED/metrics")" = 405

check "basic auth: no credentials -> 401" test "$(http_code "http://127.0.0.1:$AUTH/metrics")" = 401
check "basic auth: 401 asks for Basic credentials" \
  sh -c "curl -s -D - -o /dev/null --max-time 5 'http://127.0.0.1:$AUTH/metrics' | grep -qi '^WWW-Authenticate: Basic realm=\"sipmon\"'"
check "basic auth: wrong password -> 401" test "$(http_code -u 'prometheus:U*U*' "http://127.0.0.1:$AUTH/metrics")" = 401
check "basic auth: unknown user -> 401" test "$(http_code -u 'grafana:U*U' "http://127.0.0.1:$AUTH/metrics")" = 401
check "basic auth: right credentials -> 200" test "$(http_code -u 'prometheus:U*U' "http://127.0.0.1:$AUTH/metrics")" = 200
check "basic auth: HEAD and /healthz are behind it too" \
  test "$(http_code -I "http://127.0.0.1:$AUTH/metrics")" = 401 -a "$(http_code "http://127.0.0.1:$AUTH/healthz")" = 401
check "TLS: plain HTTP is not answered with metrics" \
  sh -c "! curl -sf --max-time 5 'http://127.0.0.1:$TLS/metrics' >/dev/null"
check "TLS: https with the CA and credentials -> 200" \
  test "$(http_code --cacert "$WORK/cert.pem" -u 'prometheus:U*U' "https://127.0.0.1:$TLS/metrics")" = 200

# The attack: 50 idle and 50 slowloris connections, held (and reopened when closed) for the whole
# time Prometheus scrapes.
python3 "$HERE/metrics_attack.py" 127.0.0.1 "$ATTACKED" 50 50 16 >"$WORK/attack.json" &
ATTACK_PID=$!
PIDS+=("$ATTACK_PID")
sleep 2

PROM=$(free_port)
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: attacked
    static_configs: [{targets: ["127.0.0.1:$ATTACKED"]}]
  - job_name: auth_ok
    basic_auth: {username: prometheus, password: "U*U"}
    static_configs: [{targets: ["127.0.0.1:$AUTH"]}]
  - job_name: auth_missing
    static_configs: [{targets: ["127.0.0.1:$AUTH"]}]
  - job_name: tls
    scheme: https
    tls_config: {ca_file: "$WORK/cert.pem"}
    basic_auth: {username: prometheus, password: "U*U"}
    static_configs: [{targets: ["127.0.0.1:$TLS"]}]
  - job_name: ipv6
    static_configs: [{targets: ["[::1]:$V6"]}]
EOF
prometheus_start "$WORK" "$PROM"
PIDS+=("$PROMETHEUS_PID")
check "prometheus starts" prometheus_ready
promql() { prometheus_query "$@"; }
at_least() { python3 -c 'import sys; a, b = sys.argv[1:]; sys.exit(0 if a != "absent" and float(a) >= float(b) else 1)' "$1" "$2" || { echo "    got $1, wanted >= $2"; return 1; }; }
below() { python3 -c 'import sys; a, b = sys.argv[1:]; sys.exit(0 if a != "absent" and float(a) < float(b) else 1)' "$1" "$2" || { echo "    got $1, wanted < $2"; return 1; }; }
sleep 12 # twelve scrape intervals, all under attack

SCRAPES=$(promql 'count_over_time(up{job="attacked"}[10s])')
CONTROL=$(promql 'count_over_time(up{job="ipv6"}[10s])') # a target nobody attacks, same Prometheus
echo "    under attack: $SCRAPES scrapes in 10 s (unattacked target: $CONTROL), up min $(promql 'min_over_time(up{job="attacked"}[10s])'), longest $(promql 'max_over_time(scrape_duration_seconds{job="attacked"}[10s])') s"
# As many scrapes as the unattacked target got (a loaded machine may delay Prometheus itself).
check "under attack: scraped as often as an unattacked target (and at least 5 times in 10 s)" \
  sh -c "python3 -c 'import sys; a, c = map(float, sys.argv[1:]); sys.exit(0 if a >= 5 and a >= c - 1 else 1)' '$SCRAPES' '$CONTROL' 2>/dev/null"
check "under attack: every scrape succeeded (min up = 1)" at_least "$(promql 'min_over_time(up{job="attacked"}[10s])')" 1
check "under attack: every scrape took under 0.5 s" below "$(promql 'max_over_time(scrape_duration_seconds{job="attacked"}[10s])')" 0.5
check "under attack: the scrapes carried sipmon's figures" \
  at_least "$(promql 'sum(sipmon_sip_requests_total{job="attacked"})')" 1
wait "$ATTACK_PID"
echo "    attack: $(cat "$WORK/attack.json")"
check "the attack really held its connections (at least 90 of 100 open throughout)" \
  python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["least_open"] >= 90 else 1)' "$WORK/attack.json"
# 16 s of attack with 5 s limits: every idle and every slowloris connection is closed by sipmon at
# least once (normally two or three times; before the limits, never).
check "idle connections are closed after 5 s of silence (>= 50 closes in 16 s)" \
  python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["idle_closed_by_server"] >= 50 else 1)' "$WORK/attack.json"
check "slowloris connections are closed 5 s after opening, though never silent (>= 50 closes in 16 s)" \
  python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["slow_closed_by_server"] >= 50 else 1)' "$WORK/attack.json"

check "basic auth: Prometheus with credentials scrapes (up = 1)" at_least "$(promql 'min_over_time(up{job="auth_ok"}[10s])')" 1
check "basic auth: Prometheus without credentials is refused (up = 0)" \
  test "$(promql 'max_over_time(up{job="auth_missing"}[10s])')" = 0
check "TLS: Prometheus scrapes over https with basic auth (up = 1)" at_least "$(promql 'min_over_time(up{job="tls"}[10s])')" 1
check "IPv6: Prometheus scrapes [::1] (up = 1)" at_least "$(promql 'min_over_time(up{job="ipv6"}[10s])')" 1
check "TLS: the scraped figures are sipmon's" at_least "$(promql 'sum(sipmon_sip_requests_total{job="tls"})')" 1

finish
