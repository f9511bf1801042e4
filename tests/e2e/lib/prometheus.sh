# Shared by the end-to-end tests that run a real Prometheus (or Pushgateway) on loopback
# (prometheus_test.sh, metrics_http_test.sh, prometheus_live_rules_test.sh). Sourced; needs curl
# and python3.

_prometheus_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# prometheus_start DIR PORT: starts Prometheus on 127.0.0.1:PORT with the configuration the test
# wrote to DIR/prometheus.yml, keeping every bit of its state in DIR (TSDB in DIR/tsdb, log in
# DIR/prometheus.log). Its PID is left in PROMETHEUS_PID for the test's cleanup; PROMETHEUS_PORT
# is what prometheus_query asks. Wait for it with prometheus_ready.
prometheus_start() {
  local dir=$1
  PROMETHEUS_PORT=$2
  mkdir -p "$dir/tsdb"
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" >"$dir/prometheus.log" 2>&1 &
  PROMETHEUS_PID=$!
}

# http_ready URL: up to 20 s for a 2xx answer from URL (a server the test started).
http_ready() {
  local i
  for ((i = 0; i < 200; i++)); do
    curl -sf -o /dev/null --max-time 2 "$1" && return 0
    sleep 0.1
  done
  return 1
}

# prometheus_ready: up to 20 s for the server started by prometheus_start to say it is ready.
prometheus_ready() { http_ready "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"; }

# prometheus_query QUERY: the first sample's value of an instant PromQL query, or "absent".
prometheus_query() {
  curl -s --max-time 5 --data-urlencode "query=$1" "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/query" |
    python3 "$_prometheus_lib/promql_value.py"
}
