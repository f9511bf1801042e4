#!/usr/bin/env bash
# The shipped alerting rules (docs/prometheus/alerts.yml, on the recording rules of
# recording_rules.yml) tested with Prometheus's own rule tester, `promtool test rules`, on the
# fixtures of tests/e2e/prometheus_alerts/: every alert fires on its fixture and stays quiet on
# its near-misses, and an outage of one peer fires SipmonPeerDown for that peer and nothing else.
# Also checks that every alert has a summary and a runbook annotation and is seen firing in some
# fixture. Fast (no server, no capture). Prints PASS/FAIL lines; exits 1 on any failure.
set -u

SRC=${SIPMON_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RULES=$SRC/docs/prometheus
FIXTURES=$SRC/tests/e2e/prometheus_alerts

for tool in promtool python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIPPED: $tool is not installed (scripts/setup.sh installs it)"
    exit "${SIPMON_SKIP_CODE:-77}"
  fi
done
if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "SKIPPED: python3-yaml is not installed (scripts/setup.sh installs it)"
  exit "${SIPMON_SKIP_CODE:-77}"
fi

passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
  local description=$1
  shift
  if "$@"; then
    echo "PASS: $description"
    passed=$((passed + 1))
  else
    echo "FAIL: $description"
    failed=$((failed + 1))
  fi
}

check "promtool check rules: recording_rules.yml" promtool check rules "$RULES/recording_rules.yml"
check "promtool check rules: alerts.yml" promtool check rules "$RULES/alerts.yml"
for fixture in "$FIXTURES"/*_test.yml; do
  check "promtool test rules: $(basename "$fixture")" promtool test rules "$fixture"
done

check "every alert has summary and runbook, and fires in a fixture" python3 - "$RULES/alerts.yml" "$FIXTURES" <<'PY'
import glob, os, re, sys
import yaml
alerts_path, fixtures = sys.argv[1:]
rules = [r for g in yaml.safe_load(open(alerts_path))["groups"] for r in g["rules"]]
alerts = [r for r in rules if "alert" in r]
fixture_text = "".join(open(p).read() for p in sorted(glob.glob(os.path.join(fixtures, "*_test.yml"))))
problems = []
if len(alerts) < 8:
    problems.append("expected at least 8 alerts, found %d" % len(alerts))
for rule in alerts:
    name = rule["alert"]
    annotations = rule.get("annotations", {})
    for key in ("summary", "runbook"):
        if not annotations.get(key, "").strip():
            problems.append(name + ": no " + key + " annotation")
    if not re.search(r'alertname="%s",alertstate="firing"' % re.escape(name), fixture_text):
        problems.append(name + ": no fixture expects it to fire")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
