#!/usr/bin/env bash
# `sipmon check` as a CI job meets it: exit codes (0 pass, 1 regression or failed threshold,
# 2 usage or input error), a table that names every failing figure, --update-baseline, --junit
# validated with xmllint against tests/data/junit.xsd, and byte-identical reports for identical
# input. Baselines are recorded with `sipmon replay --json` from the samples and edited with
# python; figures are read from the reports, never hard-coded. Ratio and delay cases inject a
# hand-made rfc6076 section (figures chosen for the rules under test) into both a baseline and a
# current report and compare them with `check --report`; the "section new / gone" cases remove it.
#
# Environment: SIPMON (binary; default build/sipmon), SIPMON_SOURCE_DIR (repository root).
# Needs python3 and xmllint (Debian libxml2-utils). Prints `P passed, F failed` last.
set -u

SOURCE_DIR=${SIPMON_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIPMON=${SIPMON:-$SOURCE_DIR/build/sipmon}
SAMPLES=$SOURCE_DIR/samples
XSD=$SOURCE_DIR/tests/data/junit.xsd
WORK=$(mktemp -d /tmp/sipmon-check-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

source "$(dirname "$0")/lib/check.sh"

# run ARGS...: runs sipmon with a bounded time; sets RC, stdout in $WORK/out, stderr in $WORK/err.
RC=0
run() {
  timeout 120 "$SIPMON" "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
}

rc_is() { [[ $RC -eq $1 ]]; }
out_has() { grep -qF -- "$1" "$WORK/out"; }
err_has() { grep -qF -- "$1" "$WORK/err"; }
# A line of the table that names PATH and says FAIL.
fails_on() { grep -E "^$1 " "$WORK/out" | grep -qF "FAIL"; }

# edit IN OUT PYTHON: writes OUT, the report IN after running PYTHON statements over it as `r`.
edit() { python3 "$SOURCE_DIR/tests/e2e/lib/json_edit.py" "$1" "$2" "$3"; }
# value FILE EXPR: prints a Python expression over the report `r` in FILE.
value() { python3 "$SOURCE_DIR/tests/e2e/lib/json_eval.py" "$1" "$2"; }

# An rfc6076 section shaped as docs/report.md describes it, with figures chosen so that ratio and
# delay rules can be tested whatever the samples give. Counts are consistent with the ratios; registrations are absent, so
# ira and rrd are null.
RFC6076='
def delay(count, mean, p50, p90, p99, mx):
    if count == 0:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "p99": None, "max": None}
    return {"count": count, "mean": mean, "p50": p50, "p90": p90, "p99": p99, "max": mx}
r["rfc6076"] = {
    "session_attempts": 20, "sessions_established": 19, "sessions_redirected": 0,
    "sessions_effective": 19, "sessions_ineffective": 1, "sessions_completed": 19,
    "sessions_cancelled": 0, "sessions_failed": 0, "timeouts": 0, "pending": 0,
    "ser": 95.0, "seer": 95.0, "isa": 5.0, "scr": 95.0, "asr": 95.0, "ner": 95.0,
    "registration_attempts": 0, "registrations_succeeded": 0, "registrations_ineffective": 0,
    "registration_timeouts": 0, "registrations_pending": 0, "ira": None,
    "srd": delay(19, 0.120, 0.110, 0.180, 0.240, 0.250),
    "srd_failed": delay(1, 0.050, 0.050, 0.050, 0.050, 0.050),
    "sdd": delay(19, 0.002, 0.002, 0.003, 0.004, 0.004),
    "sdd_timeouts": 0,
    "sdt": delay(19, 5.0, 5.0, 5.0, 5.0, 5.0),
    "rrd": delay(0, 0, 0, 0, 0, 0),
}'

ANSWERED=$SAMPLES/call-answered.pcap
BUSY=$SAMPLES/call-busy.pcap
for f in "$ANSWERED" "$BUSY"; do
  [[ -f $f ]] || { echo "missing sample $f"; echo "0 passed, 1 failed"; exit 1; }
done

# --- Own baseline -----------------------------------------------------------------------------
# Every sample passes against the baseline `replay --json` records from it.
for sample in "$SAMPLES"/*.pcap "$SAMPLES"/*.pcapng; do
  [[ -f $sample ]] || continue
  name=$(basename "$sample")
  "$SIPMON" replay "$sample" --json >"$WORK/base-$name.json" 2>/dev/null
  run check "$sample" --baseline "$WORK/base-$name.json"
  check "$name passes against its own baseline" eval 'rc_is 0 && out_has "PASS: " && out_has " 0 regressions"'
done

"$SIPMON" replay "$ANSWERED" --json >"$WORK/base.json"
edit "$WORK/base.json" "$WORK/no-rfc.json" "r.pop('rfc6076', None)"
# Compared figures: every scalar leaf that is not metadata (docs/ci.md lists the metadata).
figures=$(python3 "$SOURCE_DIR/tests/e2e/lib/report_figures.py" "$WORK/base.json")
run check "$ANSWERED" --baseline "$WORK/base.json"
check "the summary counts every figure but the metadata ($figures)" out_has "PASS: $figures figures compared"
run check "$ANSWERED" --baseline "$WORK/base.json" --verbose
check "--verbose lists every compared figure" eval '[[ $(grep -c " ok" "$WORK/out") -eq $figures ]]'

# Same input options as replay: several files and --ports.
"$SIPMON" replay "$ANSWERED" "$BUSY" --ports 5060,5070 --json >"$WORK/two.json"
run check "$ANSWERED" "$BUSY" --ports 5060,5070 --baseline "$WORK/two.json"
check "several files and --ports are read as replay reads them" rc_is 0
run check "$ANSWERED" --ports 5060,5070 --baseline "$WORK/two.json"
check "one file less than the baseline is a regression" rc_is 1

# --- Count changes ----------------------------------------------------------------------------
code=$(value "$WORK/base.json" 'sorted(r["responses"])[-1]')
edit "$WORK/base.json" "$WORK/count.json" "r['responses']['$code'] += 1"
run check "$ANSWERED" --baseline "$WORK/count.json"
check "a changed response count fails (exit 1) naming responses.$code" eval 'rc_is 1 && fails_on "responses\\.$code" && out_has "counts must match exactly"'
run check "$ANSWERED" --baseline "$WORK/count.json" --tolerance 0.9
check "a global tolerance does not cover counts" rc_is 1
run check "$ANSWERED" --baseline "$WORK/count.json" --ignore "responses.$code"
check "--ignore PATH leaves the count out" rc_is 0
run check "$ANSWERED" --baseline "$WORK/count.json" --ignore responses
check "--ignore SECTION leaves the section out" eval 'rc_is 0 && ! out_has "responses."'

edit "$WORK/base.json" "$WORK/packets.json" "r['capture']['packets'] -= 1"
run check "$ANSWERED" --baseline "$WORK/packets.json"
check "a changed packet count fails naming capture.packets" eval 'rc_is 1 && fails_on "capture\\.packets"'

edit "$WORK/base.json" "$WORK/meta.json" "r['sipmon_version'] = '0.0.0-other'; r['capture']['files'] = ['elsewhere.pcap']; r['capture']['first_ts'] = None"
run check "$ANSWERED" --baseline "$WORK/meta.json"
check "metadata (version, file names, timestamps) is never compared" rc_is 0

# --- Ratios and delays (stored reports with an rfc6076 section) --------------------------------
edit "$WORK/base.json" "$WORK/rfc-base.json" "$RFC6076"
run check --report "$WORK/rfc-base.json" --baseline "$WORK/rfc-base.json"
check "a report with rfc6076 passes against itself" rc_is 0

edit "$WORK/rfc-base.json" "$WORK/ser-worse.json" "r['rfc6076']['ser'] = 80.0"
run check --report "$WORK/ser-worse.json" --baseline "$WORK/rfc-base.json"
check "a worse SER fails (exit 1) naming rfc6076.ser" eval 'rc_is 1 && fails_on "rfc6076\\.ser" && out_has "higher is better"'
run check --report "$WORK/ser-worse.json" --baseline "$WORK/rfc-base.json" --tolerance rfc6076.ser=0.2
check "a per-path tolerance admits it" rc_is 0
run check --report "$WORK/ser-worse.json" --baseline "$WORK/rfc-base.json" --tolerance 0.2
check "a global tolerance admits it" rc_is 0

edit "$WORK/rfc-base.json" "$WORK/isa-worse.json" "r['rfc6076']['isa'] = 10.0"
run check --report "$WORK/isa-worse.json" --baseline "$WORK/rfc-base.json"
check "a higher ISA fails naming rfc6076.isa" eval 'rc_is 1 && fails_on "rfc6076\\.isa" && out_has "lower is better"'

edit "$WORK/rfc-base.json" "$WORK/srd-worse.json" "r['rfc6076']['srd']['p90'] = 0.3"
run check --report "$WORK/srd-worse.json" --baseline "$WORK/rfc-base.json"
check "a longer SRD p90 fails naming rfc6076.srd.p90" eval 'rc_is 1 && fails_on "rfc6076\\.srd\\.p90"'
run check --report "$WORK/srd-worse.json" --baseline "$WORK/rfc-base.json" --tolerance rfc6076.srd=1
check "a section tolerance (rfc6076.srd=1) admits it" rc_is 0

edit "$WORK/rfc-base.json" "$WORK/srd-slightly.json" "r['rfc6076']['srd']['p90'] = 0.185"
run check --report "$WORK/srd-slightly.json" --baseline "$WORK/rfc-base.json"
check "a delay worse by less than the default 5 % passes" rc_is 0

edit "$WORK/rfc-base.json" "$WORK/better.json" "r['rfc6076']['srd']['p90'] = 0.09; r['rfc6076']['sdd']['max'] = 0.001"
run check --report "$WORK/better.json" --baseline "$WORK/rfc-base.json"
check "improvements pass and are listed" eval 'rc_is 0 && out_has "improved" && out_has " 2 improvements"'
run check --report "$WORK/better.json" --baseline "$WORK/rfc-base.json" --strict
check "improvements fail with --strict" eval 'rc_is 1 && fails_on "rfc6076\\.srd\\.p90" && out_has "--strict"'

edit "$WORK/rfc-base.json" "$WORK/ira-measured.json" "r['rfc6076']['ira'] = 0.0"
run check --report "$WORK/ira-measured.json" --baseline "$WORK/rfc-base.json"
check "a ratio null in the baseline and measured now fails and says null" eval 'rc_is 1 && fails_on "rfc6076\\.ira" && out_has "was null"'

run check --report "$WORK/rfc-base.json" --baseline "$WORK/no-rfc.json"
check "a section new since the baseline passes and is listed" eval 'rc_is 0 && out_has "not in the baseline"'
run check --report "$WORK/no-rfc.json" --baseline "$WORK/rfc-base.json"
check "a section gone since the baseline fails" eval 'rc_is 1 && out_has "missing from the current report"'

# --- Thresholds --------------------------------------------------------------------------------
packets=$(value "$WORK/base.json" 'r["capture"]["packets"]')
run check "$ANSWERED" --expect "capture.packets==$packets" --expect "capture.packets >= $packets" --expect "responses.$code > 0"
check "thresholds that hold pass without a baseline" eval 'rc_is 0 && out_has "3 thresholds (0 failed)"'
run check --expect "capture.packets==$packets" "$ANSWERED" --ignore capture --tolerance 0.1
check "a capture after --expect/--ignore/--tolerance stays a capture" rc_is 0
run check "$ANSWERED" --expect "capture.packets > $packets"
check "a threshold that does not hold fails (exit 1) and says why" eval 'rc_is 1 && out_has "capture.packets is $packets"'
run check "$ANSWERED" --expect "responses.699 == 0"
check "a code absent from the report counts as 0" rc_is 0
run check "$ANSWERED" --baseline "$WORK/base.json" --expect "capture.packets < $packets"
check "a failing threshold fails a run whose baseline passes" rc_is 1
run check --report "$WORK/rfc-base.json" --expect 'rfc6076.ser>=95' --expect 'rfc6076.srd.p90 <= 0.2'
check "ratio and delay thresholds hold" rc_is 0
run check --report "$WORK/rfc-base.json" --expect 'rfc6076.ira <= 5'
check "a null figure fails a numeric threshold and says so" eval 'rc_is 1 && out_has "rfc6076.ira is null"'
run check --report "$WORK/no-rfc.json" --expect 'rfc6076.ser>=95'
check "a path the report lacks is an error (exit 2), not a pass" eval 'rc_is 2 && err_has "rfc6076.ser" && err_has "no '"'"'rfc6076'"'"' section"'
run check "$ANSWERED" --expect 'capture.pakets>1'
check "a misspelt path is an error naming it" eval 'rc_is 2 && err_has "no figure capture.pakets"'
run check "$ANSWERED" --expect 'capture.packets = 1'
check "bad threshold syntax is a usage error" eval 'rc_is 2 && err_has "invalid --expect" && err_has "=="'

# --- Input errors --------------------------------------------------------------------------------
echo 'this is not json {' >"$WORK/broken.json"
run check "$ANSWERED" --baseline "$WORK/broken.json"
check "a malformed baseline is an input error naming the file" eval 'rc_is 2 && err_has "$WORK/broken.json: not a JSON report"'
echo '{"hello": 1}' >"$WORK/alien.json"
run check "$ANSWERED" --baseline "$WORK/alien.json"
check "a JSON file that is no report is an input error naming the file" eval 'rc_is 2 && err_has "$WORK/alien.json: not a sipmon report"'
run check "$ANSWERED" --baseline "$WORK/nonexistent.json"
check "a missing baseline is an input error naming the file" eval 'rc_is 2 && err_has "$WORK/nonexistent.json: cannot read"'
edit "$WORK/base.json" "$WORK/schema2.json" "r['schema_version'] = 2"
run check "$ANSWERED" --baseline "$WORK/schema2.json"
check "a different schema_version is an input error" eval 'rc_is 2 && err_has "schema_version 2"'
run check "$ANSWERED"
check "nothing to check is a usage error" eval 'rc_is 2 && err_has "nothing to check"'
run check --baseline "$WORK/base.json"
check "no captures and no --report is a usage error" rc_is 2
run check "$ANSWERED" --report "$WORK/base.json" --baseline "$WORK/base.json"
check "captures and --report together are a usage error" rc_is 2
run check --report "$WORK/base.json" --ports 5060 --baseline "$WORK/base.json"
check "--ports with a stored --report is a usage error" eval 'rc_is 2 && err_has "--ports"'
run check "$WORK/no.pcap" --baseline "$WORK/base.json"
check "a missing capture is an input error" eval 'rc_is 2 && err_has "no.pcap"'
run check "$ANSWERED" --baseline "$WORK/base.json" --tolerance fast
check "a bad tolerance is a usage error" eval 'rc_is 2 && err_has "invalid --tolerance"'

# --- --update-baseline ---------------------------------------------------------------------------
run check "$ANSWERED" --baseline "$WORK/new-base.json" --update-baseline
check "--update-baseline exits 0 and says so on stderr, nothing on stdout" eval 'rc_is 0 && err_has "baseline $WORK/new-base.json written" && [[ ! -s $WORK/out ]]'
run check "$ANSWERED" --baseline "$WORK/gated-base.json" --update-baseline --expect "capture.packets>$packets"
check "--update-baseline still checks thresholds" eval 'rc_is 1 && [[ -f $WORK/gated-base.json ]] && out_has "1 threshold (1 failed)"'
check "--update-baseline writes what replay --json prints" cmp -s "$WORK/new-base.json" "$WORK/base.json"
cp "$WORK/broken.json" "$WORK/overwritten.json"
run check "$ANSWERED" --baseline "$WORK/overwritten.json" --update-baseline
check "--update-baseline replaces a broken baseline" cmp -s "$WORK/overwritten.json" "$WORK/base.json"
run check "$ANSWERED" --baseline "$WORK/new-base.json"
check "the updated baseline passes" rc_is 0

# --- JUnit -------------------------------------------------------------------------------------
junit_valid() { xmllint --noout --schema "$XSD" "$1" 2>"$WORK/xmllint.err"; }
xpath() { xmllint --xpath "$2" "$1" 2>/dev/null; }

run check "$ANSWERED" --baseline "$WORK/base.json" --expect "capture.packets==$packets" --junit "$WORK/pass.xml"
check "JUnit of a passing run validates against junit.xsd" junit_valid "$WORK/pass.xml"
check "it has one test case per compared figure and threshold" \
  eval '[[ $(xpath "$WORK/pass.xml" "count(//testcase)") -eq $((figures + 1)) ]]'
check "and no failure" eval '[[ $(xpath "$WORK/pass.xml" "count(//failure) + count(//error)") -eq 0 ]]'

run check "$ANSWERED" --baseline "$WORK/count.json" --expect "capture.packets>$packets" --junit "$WORK/fail.xml"
check "JUnit is written when the check fails (exit 1)" eval 'rc_is 1 && junit_valid "$WORK/fail.xml"'
check "its failures name the count and the threshold" eval '
  [[ $(xpath "$WORK/fail.xml" "count(//failure)") -eq 2 ]] &&
  [[ $(xpath "$WORK/fail.xml" "string((//testcase[failure])[1]/@name)") == "responses.$code" ]] &&
  xpath "$WORK/fail.xml" "string((//testcase[failure])[2]/failure/@message)" | grep -qF "capture.packets is $packets"'
check "the totals agree with the test cases" eval '
  [[ $(xpath "$WORK/fail.xml" "string(/testsuites/@failures)") -eq 2 ]] &&
  [[ $(xpath "$WORK/fail.xml" "string(/testsuites/@tests)") -eq $(xpath "$WORK/fail.xml" "count(//testcase)") ]]'

run check --report "$WORK/srd-worse.json" --baseline "$WORK/rfc-base.json" --expect 'rfc6076.nope > 1' --junit "$WORK/error.xml"
check "a threshold error is an <error> in a valid JUnit file" eval 'rc_is 2 && junit_valid "$WORK/error.xml" &&
  [[ $(xpath "$WORK/error.xml" "count(//error)") -eq 1 ]]'

run check "$ANSWERED" --baseline "$WORK/base.json" --junit "$WORK/no-such-dir/out.xml"
check "an unwritable JUnit path is an error naming it" eval 'rc_is 2 && err_has "$WORK/no-such-dir/out.xml"'

# --- Determinism -------------------------------------------------------------------------------
for sample in "$SAMPLES"/*.pcap "$SAMPLES"/*.pcapng; do
  [[ -f $sample ]] || continue
  "$SIPMON" replay "$sample" --json >"$WORK/first.json" 2>/dev/null
  "$SIPMON" replay "$sample" --json >"$WORK/second.json" 2>/dev/null
  check "$(basename "$sample"): two replays give byte-identical reports" cmp -s "$WORK/first.json" "$WORK/second.json"
done
run check "$ANSWERED" --baseline "$WORK/count.json" --junit "$WORK/j1.xml"
cp "$WORK/out" "$WORK/table1"
run check "$ANSWERED" --baseline "$WORK/count.json" --junit "$WORK/j2.xml"
check "two check runs give identical tables and JUnit files" eval 'cmp -s "$WORK/j1.xml" "$WORK/j2.xml" && cmp -s "$WORK/table1" "$WORK/out"'

finish
