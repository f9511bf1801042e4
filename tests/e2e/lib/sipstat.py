#!/usr/bin/env python3
"""tshark's `-z sip,stat` for the tests: the one parser of its output, and a runner.

As a module (tests/e2e/corpus_tshark_test.py, tests/e2e/transports/compare_sipstat.py):
    parse_sipstat(text) -> (requests, responses, messages) or None
    tshark_sipstat(capture, tshark_args=(), tap_filter=None) -> the same, from a tshark run
As a command (tests/e2e/cli_test.sh):
    sipstat.py [--damaged] CAPTURE [TAP_FILTER]
prints `[requests, responses]` as canonical JSON (sorted keys), the form the shell tests compare
with sipmon's report. --damaged: the capture is cut or corrupt on purpose, so tshark's non-zero
exit status is expected; its statistics block is still required.
"""
import json
import re
import subprocess
import sys

TIMEOUT_S = 300

# "  SIP 407 Proxy Authentication Required :     1 Packets" (reason phrases vary, and some
# tshark versions list one code twice with different phrases: the counts are summed).
_RESPONSE_LINE = re.compile(r"^\s+SIP (\d+)\b.*:\s*(\d+) Packets\s*$")
_REQUEST_LINE = re.compile(r"^\s+(\S+)\s*:\s*(\d+) Packets\s*$")
_MESSAGES_LINE = re.compile(r"Number of SIP messages:\s*(\d+)")


def parse_sipstat(text):
    """(requests, responses, messages) from `-z sip,stat` output; None where there is no block."""
    requests, responses, messages, section = {}, {}, None, None
    for line in text.splitlines():
        match = _MESSAGES_LINE.match(line)
        if match:
            messages = int(match.group(1))
        if line.startswith("* SIP Status Codes"):
            section = responses
            continue
        if line.startswith("* List of SIP Request methods"):
            section = requests
            continue
        if line.startswith(("*", "===")):
            section = None
            continue
        if section is None:
            continue
        match = (_RESPONSE_LINE if section is responses else _REQUEST_LINE).match(line)
        if match:
            section[match.group(1)] = section.get(match.group(1), 0) + int(match.group(2))
    if messages is None:
        return None
    return requests, responses, messages


def tshark_sipstat(capture, tshark_args=(), tap_filter=None, damaged=False):
    """Runs tshark on CAPTURE; raises RuntimeError when it prints no statistics, or when it
    fails on a capture not known to be damaged."""
    stat = "sip,stat" + ("," + tap_filter if tap_filter else "")
    proc = subprocess.run(["tshark", "-n", "-r", capture, "-q", *tshark_args, "-z", stat],
                          capture_output=True, text=True, timeout=TIMEOUT_S, errors="replace")
    parsed = parse_sipstat(proc.stdout)
    if parsed is None or (proc.returncode != 0 and not damaged):
        raise RuntimeError(f"tshark failed on {capture} (rc={proc.returncode}): {proc.stderr.strip()[-300:]}")
    return parsed


def main(argv):
    args = argv[1:]
    damaged = bool(args) and args[0] == "--damaged"
    if damaged:
        args = args[1:]
    if len(args) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    requests, responses, _ = tshark_sipstat(args[0], tap_filter=args[1] if len(args) == 2 else None, damaged=damaged)
    print(json.dumps([requests, responses], sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
