#!/usr/bin/env python3
"""Default tables hold 5 000 calls/s: no live transaction is evicted (issue 26).

bench/load_capture.cpp writes a capture of 300 000 calls at 5 000 calls/s with registrations
(30 % of the call rate), OPTIONS pings, failures, cancels and retransmissions, and computes the
figures itself. Calls talk 1-3 s (--talk) so that the 60 s capture reaches the steady state of
live transactions (each lives 32 s after its last message, whatever the talk time: the number
live at once depends on the rate) -- about 0.6 M at once. The capture is piped into
`sipmon replay --json -` with default settings (nothing on disk), which must report:
  - table_evictions.transactions == 0 (and no evicted session attempt or registration),
  - no media call or endpoint evicted either (a call's media entries are freed 5 s after its end,
    docs/media.md "Lifetime"), and no call judged no-media: every answered call's BYE comes 1-3 s
    after its ACK, before the 10 s media timeout, so none has lasted long enough to be judged,
  - the generator's request, response and retransmission counts, exactly: retransmission
    detection still works at that rate.
Not timed. Prints `P passed, F failed`; exits 1 on a failure, 77 (SKIPPED) without the generator.
"""
import json
import os
import subprocess
import sys

SKIP = int(os.environ.get("SIPMON_SKIP_CODE", "77"))
SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.path.abspath(os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon"))
GENERATOR = os.environ.get("SIPMON_LOAD_CAPTURE") or os.path.join(SOURCE_DIR, "build", "bench", "sipmon_load_capture")


def main():
    if not os.access(GENERATOR, os.X_OK):
        print(f"SKIPPED: no load generator at {GENERATOR}")
        return SKIP
    generator = subprocess.Popen([GENERATOR, "-", "--calls", "300000", "--rate", "5000", "--talk", "1:3", "--seed", "5000"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    replay = subprocess.run([SIPMON, "replay", "--json", "-"], stdin=generator.stdout, capture_output=True, text=True)
    generator.stdout.close()
    expected = json.loads(generator.stderr.read())
    if generator.wait() != 0 or replay.returncode != 0:
        print(f"FAIL: generator exit {generator.returncode}, replay exit {replay.returncode}: {replay.stderr[-500:]}")
        return 1
    report = json.loads(replay.stdout)
    passed = failed = 0

    def check(what, got, want):
        nonlocal passed, failed
        if got == want:
            passed += 1
            print(f"ok   {what}: {got}")
        else:
            failed += 1
            print(f"FAIL {what}: sipmon {got}, expected {want}")

    print(f"capture: {expected['packets']} packets, {expected['calls']} calls at {expected['calls_per_s']}/s, "
          f"{expected['registrations']} registrations, {expected['seconds']:.0f} s")
    evictions = report["table_evictions"]
    check("transaction evictions", evictions["transactions"], 0)
    check("session attempt evictions", evictions["session_attempts"], 0)
    check("registration attempt evictions", evictions["registration_attempts"], 0)
    check("dialog evictions", evictions["dialogs"], 0)
    check("media call evictions", evictions["media_calls"], 0)
    check("media endpoint evictions", evictions["media_endpoints"], 0)
    check("no-media calls", report["media"]["no_media_calls"], 0)
    check("SIP messages", report["capture"]["sip_messages"], expected["packets"])
    for field in ("requests", "responses", "retransmissions"):
        check(field, {k: v for k, v in report[field].items() if v}, expected[field])
    check("session attempts", report["rfc6076"]["session_attempts"], expected["calls"])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
