#!/usr/bin/env python3
"""sipmon against tshark's `-z sip,stat` on every sample and every capture of the shared corpus.

For each capture, `sipmon replay F --json` must report the same per-method request counts, the
same per-status-code response counts and the same total ("Number of SIP messages" against
capture.sip_messages) as tshark. Every report must also add up (the sums docs/report.md promises).

The oracle:
  - samples/*.pcap, samples/*.pcapng: tshark is run live (`tshark -r F -q -z sip,stat`, plus the
    arguments in `F.tshark-args` when that file exists);
  - ../shared/corpus: the stored `F.sipstat.txt` (the recorded oracle, TShark 4.0.17). Where
    `F.tshark-args` exists the stored `F.sipstat.<variant>.txt` made with those arguments is used,
    or tshark is run live with them when there is none.

Exceptions, each by file name and each with its reason:
  - PENDING: captures whose SIP travels in ways the transports issue brings (TCP, IP fragments,
    tunnels, SCTP, WebSocket). They are replayed (sipmon must exit 0) and compared with tshark
    restricted by a tap filter that leaves out the pending transport: everything sipmon already
    decodes must agree. When a pending file agrees in full its entry must go (the test fails and
    says so), so this list shrinks to nothing as the transports land.
  - TSHARK_DIFFERS: disagreements whose cause is tshark's. The exact sipmon figures are asserted.
  - INPUT_ERRORS: captures nobody can read; sipmon must exit 2 naming the file.

Environment: SIPMON (the binary; default build/sipmon), SIPMON_SOURCE_DIR (the repository; default
two directories above this script). The corpus is `$SIPMON_SOURCE_DIR/../shared/corpus`, falling
back to /work/shared/corpus; when neither exists that part is skipped, loudly.
Prints `P passed, F failed` last; exits 1 on any failure.
"""
import glob
import json
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import sipstat  # noqa: E402  (the one sip,stat parser of the tests: lib/sipstat.py)

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")
CORPUS_CANDIDATES = [os.path.join(SOURCE_DIR, "..", "shared", "corpus"), "/work/shared/corpus"]
TIMEOUT_S = 300  # per process; the largest corpus file takes well under a second


# capture name -> (reason, tshark tap filter that leaves out the SIP carried the pending way).
# The reasons come from INDEX.tsv (columns transports, fragments, tcp_sip) and were checked frame
# by frame with `tshark -Y 'sip && (tcp || ip.fragments || ...)'`: the messages sipmon misses are
# exactly the ones carried that way.
PENDING = {}  # empty: the transports are decoded (docs/transports.md)

# capture name -> the exact figures sipmon must report where tshark's differ for tshark's reasons.
TSHARK_DIFFERS = {
    # None today. The fuzzed ndpi__fuzz-2006-06-26-2594.pcap used to be here: tshark's sip,stat
    # leaves out messages whose header dissection fails, and sipmon now does the same for the two
    # shapes that make tshark fail (a NUL in the start line, a header line cut by the end of the
    # payload: sip_bad_start_line, sip_header_cut_short), so the counts agree.
}

# capture name -> why it cannot be read; sipmon must exit 2 and name the file.
INPUT_ERRORS = {
    "pkts__cool_corrupt.pcap": "big-endian file header with little-endian records (tshark rc=2 too)",
}


class Outcome:
    def __init__(self, name, kind, lines=()):
        self.name = name
        self.kind = kind  # agree | pending | tshark-differs | input-error | FAIL
        self.lines = list(lines)

    @property
    def failed(self):
        return self.kind == "FAIL"


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, errors="replace")


def tshark_args_of(path):
    extra = path + ".tshark-args"
    if not os.path.exists(extra):
        return []
    with open(extra) as f:
        return shlex.split(f.read())


def tshark_sipstat(path, tap_filter=None):
    return sipstat.tshark_sipstat(path, tshark_args_of(path), tap_filter)


def stored_sipstat(path):
    """The recorded oracle; with .tshark-args the stored variant made with them (or a live run)."""
    if os.path.exists(path + ".tshark-args"):
        variants = sorted(set(glob.glob(path + ".sipstat.*.txt")))
        if len(variants) != 1:
            return tshark_sipstat(path), "tshark (live, with " + os.path.basename(path) + ".tshark-args)"
        stored = variants[0]
    else:
        stored = path + ".sipstat.txt"
    with open(stored, errors="replace") as f:
        parsed = sipstat.parse_sipstat(f.read())
    if parsed is None:
        raise RuntimeError(f"{stored}: no 'Number of SIP messages' line")
    return parsed, os.path.basename(stored)


def sipmon_json(path):
    proc = run([SIPMON, "replay", path, "--json"])
    if proc.returncode != 0:
        raise RuntimeError(f"sipmon replay exited {proc.returncode}: {proc.stderr.strip()}")
    report = json.loads(proc.stdout)
    return (report["requests"], report["responses"], report["capture"]["sip_messages"]), report


# Message-level reasons whose message is not counted: the frame itself ends as malformed.
FRAME_LEVEL_SIP_REASONS = {"sip_bad_start_line", "sip_header_cut_short"}


def invariant_problems(report):
    """The sums docs/report.md promises, checked on every capture."""
    capture, problems = report["capture"], []
    messages = sum(report["requests"].values()) + sum(report["responses"].values())
    if messages != capture["sip_messages"]:
        problems.append(f"    sip_messages {capture['sip_messages']} != sum of requests and responses {messages}")
    if sum(capture["malformed_by_reason"].values()) != capture["malformed"]:
        problems.append(f"    malformed {capture['malformed']} != sum of malformed_by_reason")
    if sum(capture["unsupported_link_by_type"].values()) != capture["unsupported_link"]:
        problems.append(f"    unsupported_link {capture['unsupported_link']} != sum of unsupported_link_by_type")
    # Every packet ends in exactly one outcome. Frame-level malformed reasons are those not about
    # a SIP message, plus a start line that could not be read (no message is counted for it).
    malformed_frames = sum(count for reason, count in capture["malformed_by_reason"].items()
                           if not reason.startswith("sip_") or reason in FRAME_LEVEL_SIP_REASONS)
    if malformed_frames != capture["malformed_packets"]:
        problems.append(f"    malformed_packets {capture['malformed_packets']} != frame-level malformed reasons"
                        f" {malformed_frames}")
    outcomes = (capture["sip_packets"] + capture["keepalives"] + capture["non_sip"] + capture["malformed_packets"]
                + capture["unsupported_link"])
    if outcomes != capture["packets"]:
        problems.append(f"    packets {capture['packets']} != sip_packets + keepalives + non_sip + malformed_packets"
                        f" + unsupported_link = {outcomes}")
    if capture["sip_packets"] > capture["sip_messages"]:
        problems.append(f"    sip_packets {capture['sip_packets']} > sip_messages {capture['sip_messages']}")
    return problems


def diff_lines(expected, actual, expected_label):
    """Readable differences between two (requests, responses, messages) triples."""
    lines = []
    for index, what in ((0, "requests"), (1, "responses")):
        for key in sorted(set(expected[index]) | set(actual[index])):
            want, got = expected[index].get(key, 0), actual[index].get(key, 0)
            if want != got:
                lines.append(f"    {what} {key!r}: {expected_label} {want}, sipmon {got}")
    if expected[2] != actual[2]:
        lines.append(f"    sip messages: {expected_label} {expected[2]}, sipmon {actual[2]}")
    return lines


def check_input_error(path, reason):
    name = os.path.basename(path)
    proc = run([SIPMON, "replay", path, "--json"])
    lines = [f"    stderr: {proc.stderr.strip()}"]
    if proc.returncode != 2:
        return Outcome(name, "FAIL", [f"  expected exit 2 ({reason}), got {proc.returncode}"] + lines)
    if path not in proc.stderr:
        return Outcome(name, "FAIL", ["  the error message does not name the file"] + lines)
    if proc.stdout:
        return Outcome(name, "FAIL", ["  a report was printed for an unreadable file"] + lines)
    return Outcome(name, "input-error", [f"  exit 2 as expected ({reason})"] + lines)


def check_capture(path, oracle):
    """oracle: 'live' (tshark now) or 'stored' (the corpus's recorded sip,stat)."""
    name = os.path.basename(path)
    try:
        if name in INPUT_ERRORS:
            return check_input_error(path, INPUT_ERRORS[name])
        actual, report = sipmon_json(path)
        problems = invariant_problems(report)
        if problems:
            return Outcome(name, "FAIL", ["  the report's own sums do not add up:"] + problems)
        if oracle == "live":
            expected, label = tshark_sipstat(path), "tshark"
        else:
            expected, label = stored_sipstat(path)
        agrees = expected == actual

        if name in PENDING:
            reason, tap_filter = PENDING[name]
            if agrees:
                return Outcome(name, "FAIL", [f"  pending entry can be removed: sipmon now agrees with tshark ({reason})"])
            partial = tshark_sipstat(path, tap_filter)
            if partial != actual:
                return Outcome(name, "FAIL", [f"  pending ({reason}), but disagrees beyond it: against tshark -z 'sip,stat,{tap_filter}'"]
                               + diff_lines(partial, actual, "tshark"))
            return Outcome(name, "pending", [f"  ({reason}); agrees with tshark -z 'sip,stat,{tap_filter}'"])

        if name in TSHARK_DIFFERS:
            want = TSHARK_DIFFERS[name]
            asserted = (want["requests"], want["responses"], want["sip_messages"])
            if agrees:
                return Outcome(name, "FAIL", ["  TSHARK_DIFFERS entry can be removed: sipmon agrees with tshark"])
            if actual != asserted:
                return Outcome(name, "FAIL", ["  sipmon differs from the figures asserted in TSHARK_DIFFERS:"]
                               + diff_lines(asserted, actual, "asserted")
                               + ([f"    hint: {want['on_failure']}"] if "on_failure" in want else []))
            return Outcome(name, "tshark-differs", ["  sipmon reports the asserted figures (see TSHARK_DIFFERS)"])

        if not agrees:
            return Outcome(name, "FAIL", [f"  disagrees with {label}:"] + diff_lines(expected, actual, "tshark"))
        return Outcome(name, "agree")
    except (RuntimeError, ValueError, KeyError, subprocess.TimeoutExpired) as error:
        return Outcome(name, "FAIL", [f"  {error}"])


def captures_in(directory):
    return sorted(p for p in glob.glob(os.path.join(directory, "*")) if p.endswith((".pcap", ".pcapng")))


def report(outcomes):
    for outcome in outcomes:
        label = {"agree": "ok", "pending": "pending", "tshark-differs": "tshark-differs",
                 "input-error": "ok", "FAIL": "FAIL"}[outcome.kind]
        print(f"{label}: {outcome.name}" + (f" {outcome.lines[0].strip()}" if outcome.kind == "pending" else ""))
        for line in outcome.lines[1 if outcome.kind == "pending" else 0:]:
            print(line)


def main():
    failures = []
    if not os.access(SIPMON, os.X_OK):
        print(f"FAIL: sipmon binary not found at {SIPMON} (set SIPMON)")
        print("0 passed, 1 failed")
        return 1
    if run(["tshark", "--version"]).returncode != 0:
        print("FAIL: tshark is not installed (scripts/setup.sh installs it)")
        print("0 passed, 1 failed")
        return 1

    samples = captures_in(os.path.join(SOURCE_DIR, "samples"))
    corpus_dir = next((d for d in CORPUS_CANDIDATES if os.path.isdir(d)), None)
    corpus = captures_in(corpus_dir) if corpus_dir else []

    with ThreadPoolExecutor(max_workers=2) as pool:
        sample_outcomes = list(pool.map(lambda p: check_capture(p, "live"), samples))
        corpus_outcomes = list(pool.map(lambda p: check_capture(p, "stored"), corpus))

    print(f"== samples ({len(samples)} captures in {os.path.join(SOURCE_DIR, 'samples')}, tshark run live)")
    report(sample_outcomes)
    if not samples:
        failures.append("no samples/*.pcap found")
        print("FAIL: no captures in samples/")

    if corpus_dir is None:
        print("!" * 78)
        print("SKIPPED: the shared corpus was not found (looked in " + ", ".join(CORPUS_CANDIDATES) + ");")
        print("SKIPPED: only the samples were compared with tshark.")
        print("!" * 78)
    else:
        print(f"== corpus ({len(corpus)} captures in {os.path.realpath(corpus_dir)}, stored sip,stat)")
        report(corpus_outcomes)
        names = {os.path.basename(p) for p in corpus}
        for table, entries in (("PENDING", PENDING), ("TSHARK_DIFFERS", TSHARK_DIFFERS), ("INPUT_ERRORS", INPUT_ERRORS)):
            for stale in sorted(set(entries) - names):
                failures.append(stale)
                print(f"FAIL: {table} names {stale}, which is not in the corpus")

    outcomes = sample_outcomes + corpus_outcomes
    failed = [o for o in outcomes if o.failed]
    count = lambda outcomes, kind: sum(1 for o in outcomes if o.kind == kind)
    print(f"samples: {count(sample_outcomes, 'agree')} agree, {count(sample_outcomes, 'FAIL')} failed")
    if corpus_dir is not None:
        print(f"corpus: {count(corpus_outcomes, 'agree') + count(corpus_outcomes, 'input-error')} agree, "
              f"{count(corpus_outcomes, 'pending')} pending, {count(corpus_outcomes, 'tshark-differs')} tshark-differs, "
              f"{count(corpus_outcomes, 'FAIL')} failed")
    else:
        print("corpus: SKIPPED (not found)")
    passed = len(outcomes) - len(failed)
    total_failed = len(failed) + len(failures)
    print(f"{passed} passed, {total_failed} failed")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
