#!/usr/bin/env python3
"""A realistic call mix, written as a pcap by this script, whose truth this script computes.

The generator builds every message of a few thousand calls byte by byte (Ethernet/IPv4/UDP frames
in a hand-written pcap, no library needed): answered calls that ring up to a minute (some with
only a 100 Trying before the 200), calls cancelled after long rings, 480s after a minute of
ringing, busy 486s, 503s and 408s, redirections, and, in the second mix, calls that ring and are
never answered, which Timer C (181 s) must give up. It knows each call's outcome and every delay,
so it computes RFC 6076's counts, every ratio (SER, SEER, ISA, SCR, ASR, NER) and the exact
nearest-rank percentiles itself, and asserts that `sipmon replay --json` says the same: counts and
ratios exactly, percentiles within 1 % (docs/metrics.md, "Delays"), min and max to the microsecond,
and 0 timeouts where the truth has none. Every call is over when the capture ends, so the
closed-attempt ratios (rfc6076.closed) must equal the RFC 6076 ones.

Environment: SIPMON (default build/sipmon), SIPMON_SOURCE_DIR. Prints `P passed, F failed`.
"""
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402  (the pass/fail tally)

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")
TIMER_C_US = 181_000_000

CALLER = ("10.1.0.1", 5060)
CALLEE = ("10.2.0.1", 5060)
MAC_A, MAC_B = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"


# --- pcap writing ------------------------------------------------------------------------------

def ip_checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def frame(src, dst, payload):
    udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                               bytes(map(int, src[0].split("."))), bytes(map(int, dst[0].split(".")))))
    ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
    eth = (MAC_B + MAC_A) if src == CALLER else (MAC_A + MAC_B)
    return eth + b"\x08\x00" + bytes(ip) + udp


def write_pcap(path, packets):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts_us, data in packets:
            out.write(struct.pack("<IIII", ts_us // 1_000_000, ts_us % 1_000_000, len(data), len(data)))
            out.write(data)


# --- SIP messages --------------------------------------------------------------------------------

class Call:
    def __init__(self, n):
        self.n = n
        self.call_id = "mix-%d@gen.test" % n
        self.from_tag = "caller%d" % n
        self.to_tag = "callee%d" % n
        self.branch = "z9hG4bK-mix-%d" % n
        self.events = []  # (time in µs, sequence, frame)

    def headers(self, method, cseq, to_tag, branch=None):
        to = "<sip:bob@gen.test>" + (";tag=" + to_tag if to_tag else "")
        return ("Via: SIP/2.0/UDP %s:%d;branch=%s\r\n" % (CALLER[0], CALLER[1], branch or self.branch) +
                "From: <sip:alice@gen.test>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n" %
                (self.from_tag, to, self.call_id, cseq, method))

    def request(self, t, method, cseq=1, to_tag=None, branch=None, from_callee=False):
        text = "%s sip:bob@%s:%d SIP/2.0\r\n" % (method, CALLEE[0], CALLEE[1])
        if from_callee:  # the callee's BYE: its own tags and Via, in the other direction
            text = "%s sip:alice@%s:%d SIP/2.0\r\n" % (method, CALLER[0], CALLER[1])
            text += ("Via: SIP/2.0/UDP %s:%d;branch=%s-bye\r\nFrom: <sip:bob@gen.test>;tag=%s\r\n"
                     "To: <sip:alice@gen.test>;tag=%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n" %
                     (CALLEE[0], CALLEE[1], self.branch, self.to_tag, self.from_tag, self.call_id, cseq, method))
        else:
            text += self.headers(method, cseq, to_tag, branch)
        text += "Max-Forwards: 70\r\nContact: <sip:x@%s>\r\nContent-Length: 0\r\n\r\n" % (CALLEE[0] if from_callee else CALLER[0])
        self.add(t, CALLEE if from_callee else CALLER, CALLER if from_callee else CALLEE, text)

    def response(self, t, code, reason, method="INVITE", cseq=1, tagged=True, branch=None, from_callee=True,
                 bye_from_callee=False):
        text = "SIP/2.0 %d %s\r\n" % (code, reason)
        if bye_from_callee:  # the caller answers the callee's BYE
            text += ("Via: SIP/2.0/UDP %s:%d;branch=%s-bye\r\nFrom: <sip:bob@gen.test>;tag=%s\r\n"
                     "To: <sip:alice@gen.test>;tag=%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n" %
                     (CALLEE[0], CALLEE[1], self.branch, self.to_tag, self.from_tag, self.call_id, cseq, method))
            from_callee = False
        else:
            text += self.headers(method, cseq, self.to_tag if tagged else None, branch)
        text += "Content-Length: 0\r\n\r\n"
        self.add(t, CALLEE if from_callee else CALLER, CALLER if from_callee else CALLEE, text)

    def add(self, t, src, dst, text):
        self.events.append((t, len(self.events), frame(src, dst, text.encode())))


# --- the mix and its truth ------------------------------------------------------------------------

def us(seconds):
    return int(round(seconds * 1_000_000))


def generate(seed, calls, with_never_answered):
    rnd = random.Random(seed)
    kinds = [("answered", 40), ("answered_long_ring", 12), ("answered_after_100", 6), ("cancel_long_ring", 10),
             ("480_after_a_minute", 6), ("486", 6), ("503", 5), ("408", 3), ("302", 2), ("answered_callee_bye", 6)]
    if with_never_answered:
        kinds.append(("never_answered", 4))
    names = [k for k, w in kinds for _ in range(w)]
    truth = {"attempts": 0, "established": 0, "redirected": 0, "effective": 0, "ineffective": 0, "completed": 0,
             "cancelled": 0, "failed": 0, "timeouts": 0}
    delays = {"srd": [], "srd_failed": [], "sdd": [], "sdt": []}
    # The truth per Call-ID, for the call records (docs/calls.md): outcome, final code, SRD and
    # SDT in µs (None when the RFC gives none), who sent the BYE.
    per_call = {}
    all_calls = []
    end = 0
    for n in range(calls):
        kind = rnd.choice(names)
        c = Call(n)
        t0 = us(rnd.uniform(0, 900)) + 1_700_000_000_000_000
        c.request(t0, "INVITE")
        truth["attempts"] += 1
        trying = t0 + us(rnd.uniform(0.0005, 0.05))
        ring = trying + us(rnd.uniform(0.05, 3))
        if kind == "503":
            final = t0 + us(rnd.uniform(0.01, 2))
            c.response(final, 503, "Service Unavailable")
            c.request(final + 500, "ACK")
            truth["ineffective"] += 1
            delays["srd_failed"].append(final - t0)
            per_call[c.call_id] = ("ineffective", 503, final - t0, None, None)
        elif kind == "302":
            c.response(trying, 100, "Trying", tagged=False)
            final = ring
            c.response(final, 302, "Moved Temporarily")
            c.request(final + 500, "ACK")
            truth["redirected"] += 1
            per_call[c.call_id] = ("redirected", 302, None, None, None)
        elif kind == "answered_after_100":
            # Only a 100, then the 200 45-150 s later: Proceeding, so Timer B must not fire.
            c.response(trying, 100, "Trying", tagged=False)
            answer = t0 + us(rnd.uniform(45, 150))
            c.response(answer, 200, "OK")
            c.request(answer + 800, "ACK", to_tag=c.to_tag, branch=c.branch + "-ack")
            bye = answer + us(rnd.uniform(5, 120))
            c.request(bye, "BYE", cseq=2, to_tag=c.to_tag, branch=c.branch + "-bye")
            ok = bye + us(rnd.uniform(0.001, 0.2))
            c.response(ok, 200, "OK", method="BYE", cseq=2, branch=c.branch + "-bye")
            truth["established"] += 1
            truth["effective"] += 1
            truth["completed"] += 1
            delays["srd"].append(answer - t0)
            delays["sdt"].append(bye - answer)
            delays["sdd"].append(ok - bye)
            per_call[c.call_id] = ("established", 200, answer - t0, bye - answer, "caller")
            final = ok
        else:
            c.response(trying, 100, "Trying", tagged=False)
            c.response(ring, 180, "Ringing")
            if kind in ("answered", "answered_long_ring", "answered_callee_bye"):
                ring_time = rnd.uniform(0.5, 10) if kind != "answered_long_ring" else rnd.uniform(33, 60)
                answer = ring + us(ring_time)
                c.response(answer, 200, "OK")
                c.request(answer + 800, "ACK", to_tag=c.to_tag, branch=c.branch + "-ack")
                bye = answer + us(rnd.uniform(1, 300))
                ok = bye + us(rnd.uniform(0.00003, 0.3))
                if kind == "answered_callee_bye":
                    c.request(bye, "BYE", cseq=1, from_callee=True)
                    c.response(ok, 200, "OK", method="BYE", cseq=1, bye_from_callee=True)
                else:
                    c.request(bye, "BYE", cseq=2, to_tag=c.to_tag, branch=c.branch + "-bye")
                    c.response(ok, 200, "OK", method="BYE", cseq=2, branch=c.branch + "-bye")
                truth["established"] += 1
                truth["effective"] += 1
                truth["completed"] += 1
                delays["srd"].append(ring - t0)
                delays["sdt"].append(bye - answer)
                delays["sdd"].append(ok - bye)
                per_call[c.call_id] = ("established", 200, ring - t0, bye - answer,
                                       "callee" if kind == "answered_callee_bye" else "caller")
                final = ok
            elif kind == "cancel_long_ring":
                cancel = ring + us(rnd.uniform(20, 60))
                c.request(cancel, "CANCEL")
                c.response(cancel + 300, 200, "OK", method="CANCEL", tagged=True)
                final = cancel + 600
                c.response(final, 487, "Request Terminated")
                c.request(final + 400, "ACK")
                truth["cancelled"] += 1
                per_call[c.call_id] = ("cancelled", 487, None, None, None)
            elif kind in ("480_after_a_minute", "486", "408"):
                code, reason = {"480_after_a_minute": (480, "Temporarily Unavailable"), "486": (486, "Busy Here"),
                                "408": (408, "Request Timeout")}[kind]
                wait = rnd.uniform(58, 62) if code == 480 else rnd.uniform(0.5, 40)
                final = ring + us(wait)
                c.response(final, code, reason)
                c.request(final + 400, "ACK")
                if code == 408:
                    truth["ineffective"] += 1
                else:
                    truth["failed"] += 1
                    truth["effective"] += 1
                delays["srd_failed"].append(final - t0)
                per_call[c.call_id] = ("ineffective" if code == 408 else "failed", code, final - t0, None, None)
            elif kind == "never_answered":
                c.response(ring + us(20), 180, "Ringing")  # a second 180 restarts Timer C
                final = ring + us(20) + TIMER_C_US
                truth["timeouts"] += 1
                truth["ineffective"] += 1
                per_call[c.call_id] = ("timeout", None, None, None, None)
        end = max(end, max(t for t, _, _ in c.events), final)
        all_calls.append(c)
    # A last packet after every deadline, so that every attempt is decided when the input ends.
    tail = Call(calls)
    tail.request(end + us(5), "OPTIONS")
    all_calls.append(tail)
    packets = sorted((e for c in all_calls for e in c.events), key=lambda e: (e[0], e[1]))
    return [(t, f) for t, _, f in packets], truth, delays, per_call


def percent(num, den):
    return None if den == 0 else round(100.0 * num / den, 6)


def nearest_rank(values, q):
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


check = Checks(print_passes=True)


def same_ratio(got, want):
    return (got is None and want is None) or (got is not None and want is not None and abs(got - want) <= 1e-6)


def run_mix(name, seed, calls, with_never_answered, tmp):
    packets, truth, delays, _ = generate(seed, calls, with_never_answered)
    path = os.path.join(tmp, name + ".pcap")
    write_pcap(path, packets)
    result = subprocess.run([SIPMON, "replay", path, "--json"], capture_output=True, text=True, timeout=120)
    check("%s: replay exits 0" % name, result.returncode == 0, result.stderr[-300:])
    if result.returncode != 0:
        return
    r = json.loads(result.stdout)["rfc6076"]
    t = truth
    for key, json_key in [("attempts", "session_attempts"), ("established", "sessions_established"),
                          ("redirected", "sessions_redirected"), ("effective", "sessions_effective"),
                          ("ineffective", "sessions_ineffective"), ("completed", "sessions_completed"),
                          ("cancelled", "sessions_cancelled"), ("failed", "sessions_failed"), ("timeouts", "timeouts")]:
        check("%s: %s = %d" % (name, json_key, t[key]), r[json_key] == t[key], "sipmon says %s" % r[json_key])
    check("%s: nothing pending" % name, r["pending"] == 0, str(r["pending"]))
    a, not_redirected = t["attempts"], t["attempts"] - t["redirected"]
    ratios = {"ser": percent(t["established"], not_redirected), "seer": percent(t["effective"], not_redirected),
              "isa": percent(t["ineffective"], a), "scr": percent(t["completed"], a),
              "asr": percent(t["established"], a), "ner": percent(a - t["ineffective"], a)}
    for key, want in ratios.items():
        check("%s: %s = %s %%" % (name, key, want), same_ratio(r[key], want), "sipmon says %s" % r[key])
        check("%s: closed.%s = %s %% (every call is closed)" % (name, key, want), same_ratio(r["closed"][key], want),
              "sipmon says %s" % r["closed"][key])
    check("%s: closed.session_attempts = attempts" % name, r["closed"]["session_attempts"] == a)
    for key, values in delays.items():
        got = r[key]
        check("%s: %s.count = %d" % (name, key, len(values)), got["count"] == len(values), str(got["count"]))
        if not values:
            continue
        seconds = [v / 1e6 for v in values]
        check("%s: %s.min = %.6f" % (name, key, min(seconds)), abs(got["min"] - min(seconds)) <= 1.5e-6, str(got["min"]))
        check("%s: %s.max = %.6f" % (name, key, max(seconds)), abs(got["max"] - max(seconds)) <= 1.5e-6, str(got["max"]))
        mean = sum(seconds) / len(seconds)
        check("%s: %s.mean = %.6f" % (name, key, mean), abs(got["mean"] - mean) <= 1e-6 * max(1, mean), str(got["mean"]))
        for q, p in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")]:
            exact = nearest_rank(seconds, q)
            check("%s: %s.%s within 1 %% of the exact %.6f" % (name, key, p, exact),
                  abs(got[p] - exact) <= 0.01 * exact + 1e-6 and min(seconds) - 1e-6 <= got[p] <= max(seconds) + 1e-6,
                  "sipmon says %s" % got[p])


def main():
    if not os.access(SIPMON, os.X_OK):
        print("FAIL: %s is not built" % SIPMON)
        print("0 passed, 1 failed")
        return 1
    with tempfile.TemporaryDirectory(prefix="i11mix") as tmp:
        run_mix("mix", 11, 3000, False, tmp)
        run_mix("mix-with-unanswered", 12, 1500, True, tmp)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
