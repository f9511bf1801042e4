#!/usr/bin/env python3
"""RFC 6076 per peer (--peers): an SBC's capture with three carriers, written by this script, whose
per-peer truth this script computes.

The capture (Ethernet/IPv4/UDP, hand-written pcap) is what an SBC at 10.0.0.1 sees over 40 minutes:
  - calls in both directions: each carrier sends INVITEs to the SBC, and the SBC sends INVITEs to
    each carrier; a few local phones (unlisted, 172.16.0.0/24) call through the SBC too;
  - three carriers with different outcome mixes, hence different SERs: carrier_a answers most
    calls, carrier_b is often busy and the SBC itself answers some of its INVITEs with 503,
    carrier_c has a 5-minute outage (minutes 20 to 25) in which it answers nothing: the SBC's
    INVITEs to it are retransmitted and time out (Timer B), and it sends no INVITE itself;
  - BYEs from either side, CANCELs, 3xx, re-INVITEs from the callee, INVITE retransmissions;
  - the SBC registering to every carrier every 60 s (401 challenge, then 200), timing out to
    carrier_c during its outage, and the phones registering to the SBC.

The rule it checks (docs/prometheus.md, "Per peer"): an attempt belongs to the peer that sent its
first INVITE (or REGISTER) if that address is listed, else to the peer it was sent to, else to
`other`, for its whole life; responses, CANCEL, ACK and BYE inherit it. The script applies the rule
itself to each call it generated, with two peers files: the three carriers, and the three
carriers plus the SBC itself (then the SBC's own INVITEs and the phones' count for the SBC).

For each, `sipmon replay --peers FILE --json` must give, for every peer and `other`, the counts,
ratios and delays the script computed (counts and ratios exactly, percentiles within 1 %, min/max
to the microsecond); the peers must add up to the top level; `--prom-file` must carry the same
per-peer counts under a `peer` label; the text summary must have one line per peer. Then
`--hosts` with carrier_a's network alone must give carrier_a's figures as the whole report.

Environment: SIPMON (default build/sipmon), SIPMON_SOURCE_DIR. Prints `P passed, F failed`.
"""
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402  (the pass/fail tally)

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")

SBC = "10.0.0.1"
CARRIERS = {"carrier_a": ("192.0.2.0/24", "192.0.2.10"),
            "carrier_b": ("198.51.100.0/24", "198.51.100.20"),
            "carrier_c": ("203.0.113.0/24", "203.0.113.30")}
PHONES = ["172.16.0.%d" % n for n in range(2, 8)]
START_US = 1_750_000_000_000_000
DURATION_S = 2400
OUTAGE_S = (1200, 1500)  # carrier_c answers nothing, sends nothing
TIMER_B_US = 32_000_000
TIMER_F_US = 32_000_000


# --- pcap writing ------------------------------------------------------------------------------

def ip_checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def frame(src, dst, payload):
    udp = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                               bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))))
    ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + bytes(ip) + udp


def write_pcap(path, packets):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts_us, data in packets:
            out.write(struct.pack("<IIII", ts_us // 1_000_000, ts_us % 1_000_000, len(data), len(data)))
            out.write(data)


def us(seconds):
    return int(round(seconds * 1_000_000))


# --- SIP dialogs ---------------------------------------------------------------------------------

class Exchange:
    """The messages of one call or one registration binding, between `caller` and `callee`."""

    def __init__(self, name, caller, callee, events):
        self.id = name + "@gen.test"
        self.caller, self.callee = caller, callee
        self.from_tag, self.to_tag = "f-" + name, "t-" + name
        self.events = events  # shared list: (time in µs, sequence, frame)

    def add(self, t, src, dst, text):
        self.events.append((t, len(self.events), frame(src, dst, text.encode())))

    def request(self, t, method, cseq, branch, to_tag=None, from_callee=False, uri_user="bob"):
        src, dst = (self.callee, self.caller) if from_callee else (self.caller, self.callee)
        ftag, ttag = (self.to_tag, self.from_tag) if from_callee else (self.from_tag, to_tag)
        text = ("%s sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s\r\nMax-Forwards: 70\r\n"
                "From: <sip:a@%s>;tag=%s\r\nTo: <sip:%s@%s>%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
                "Contact: <sip:c@%s>\r\nContent-Length: 0\r\n\r\n" %
                (method, uri_user, dst, src, branch, src, ftag, uri_user, dst, ";tag=" + ttag if ttag else "",
                 self.id, cseq, method, src))
        self.add(t, src, dst, text)

    def response(self, t, code, reason, method, cseq, branch, to_tag=None, to_caller=True):
        # to_caller: the answer to the caller's request; else to the callee's (a BYE or re-INVITE).
        src, dst = (self.callee, self.caller) if to_caller else (self.caller, self.callee)
        via_host = dst
        ftag, ttag = (self.from_tag, to_tag) if to_caller else (self.to_tag, self.from_tag)
        text = ("SIP/2.0 %d %s\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s\r\nFrom: <sip:a@%s>;tag=%s\r\n"
                "To: <sip:bob@%s>%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nContent-Length: 0\r\n\r\n" %
                (code, reason, via_host, branch, dst, ftag, src, ";tag=" + ttag if ttag else "", self.id, cseq, method))
        self.add(t, src, dst, text)


def empty_truth():
    return {"attempts": 0, "established": 0, "redirected": 0, "effective": 0, "ineffective": 0, "completed": 0,
            "cancelled": 0, "failed": 0, "timeouts": 0, "reg_attempts": 0, "reg_succeeded": 0, "reg_ineffective": 0,
            "reg_timeouts": 0, "dialogs": 0, "srd": [], "srd_failed": [], "sdd": [], "sdt": [], "rrd": [],
            # (count, packet time in µs) when each count is decided, for the series (series_test.py);
            # a timer's is its deadline: the first packet after it decides.
            "at": []}


def call(events, n, t0, caller, callee, kind, rnd):
    """One call; returns its contribution to a truth (counts and delays in µs)."""
    x = Exchange("call%d" % n, caller, callee, events)
    r = empty_truth()
    r["attempts"] = 1
    b = "c%d" % n
    x.request(t0, "INVITE", 1, b)
    r["at"].append(("attempts", t0))
    if kind == "timeout":
        # Nothing comes back: the caller retransmits (RFC 3261 Timer A), then gives up at Timer B.
        for k, delay in enumerate([0.5, 1.5, 3.5, 7.5, 15.5, 31.5]):
            x.request(t0 + us(delay), "INVITE", 1, b)
        r["timeouts"] = r["ineffective"] = 1
        r["at"] += [("timeouts", ("timer", t0 + TIMER_B_US)), ("ineffective", ("timer", t0 + TIMER_B_US))]
        return r, t0 + TIMER_B_US
    trying = t0 + us(rnd.uniform(0.001, 0.05))
    x.response(trying, 100, "Trying", "INVITE", 1, b)
    if kind in ("503", "404", "486", "480", "408", "302"):
        code, reason = {"503": (503, "Service Unavailable"), "404": (404, "Not Found"), "486": (486, "Busy Here"),
                        "480": (480, "Temporarily Unavailable"), "408": (408, "Request Timeout"),
                        "302": (302, "Moved Temporarily")}[kind]
        final = trying + us(rnd.uniform(0.01, 8))
        x.response(final, code, reason, "INVITE", 1, b, to_tag=x.to_tag)
        x.request(final + 300, "ACK", 1, b, to_tag=x.to_tag)
        if code == 302:
            r["redirected"] = 1
            r["at"].append(("redirected", final))
            return r, final
        if code in (503, 408):
            r["ineffective"] = 1
            r["at"].append(("ineffective", final))
        else:
            r["failed"] = 1
            r["effective"] = 1 if code in (480, 486) else 0
            r["at"].append(("failed", final))
        r["srd_failed"].append(final - t0)
        r["at"].append(("srd_failed", final))
        return r, final
    ring = trying + us(rnd.uniform(0.05, 4))
    x.response(ring, 180, "Ringing", "INVITE", 1, b, to_tag=x.to_tag)
    if kind == "cancel":
        cancel = ring + us(rnd.uniform(2, 30))
        x.request(cancel, "CANCEL", 1, b)
        x.response(cancel + 400, 200, "OK", "CANCEL", 1, b, to_tag=x.to_tag)
        final = cancel + 800
        x.response(final, 487, "Request Terminated", "INVITE", 1, b, to_tag=x.to_tag)
        x.request(final + 300, "ACK", 1, b, to_tag=x.to_tag)
        r["cancelled"] = 1
        r["at"].append(("cancelled", final))
        return r, final
    # Answered: 200, ACK, perhaps a re-INVITE from the callee, then a BYE from either side.
    answer = ring + us(rnd.uniform(0.5, 20))
    x.response(answer, 200, "OK", "INVITE", 1, b, to_tag=x.to_tag)
    x.request(answer + 500, "ACK", 1, b + "a", to_tag=x.to_tag)
    bye = answer + us(rnd.uniform(2, 400))
    if rnd.random() < 0.3:
        re_invite = answer + (bye - answer) // 2
        x.request(re_invite, "INVITE", 1, b + "r", from_callee=True)
        x.response(re_invite + 20_000, 200, "OK", "INVITE", 1, b + "r", to_caller=False)
        x.request(re_invite + 20_500, "ACK", 1, b + "ra", from_callee=True)
    ok = bye + us(rnd.uniform(0.0005, 0.3))
    if rnd.random() < 0.4:
        x.request(bye, "BYE", 2, b + "b", from_callee=True)
        x.response(ok, 200, "OK", "BYE", 2, b + "b", to_caller=False)
    else:
        x.request(bye, "BYE", 2, b + "b", to_tag=x.to_tag)
        x.response(ok, 200, "OK", "BYE", 2, b + "b", to_tag=x.to_tag)
    r["established"] = r["effective"] = r["completed"] = r["dialogs"] = 1
    # SRD is measured to the 180 but counted at the 2xx, once the attempt is known to succeed.
    r["at"] += [("established", answer), ("completed", ok), ("srd", answer), ("sdt", bye)]
    r["srd"].append(ring - t0)
    r["sdt"].append(bye - answer)
    r["sdd"].append(ok - bye)
    return r, ok


def registration(events, n, t0, client, registrar, cseq, answered, rnd):
    """One REGISTER attempt on binding `n` (a Call-ID kept across refreshes): challenged, then 200."""
    x = Exchange("reg%d" % n, client, registrar, events)
    r = empty_truth()
    r["reg_attempts"] = 1
    b = "r%d-%d" % (n, cseq)
    x.request(t0, "REGISTER", cseq, b, uri_user="reg")
    r["at"].append(("reg_attempts", t0))
    if not answered:
        for delay in (0.5, 1.5, 3.5, 7.5, 15.5, 31.5):
            x.request(t0 + us(delay), "REGISTER", cseq, b, uri_user="reg")
        r["reg_timeouts"] = r["reg_ineffective"] = 1
        r["at"].append(("reg_timeouts", ("timer", t0 + TIMER_F_US)))
        return r, cseq + 1, t0 + TIMER_F_US
    challenge = t0 + us(rnd.uniform(0.002, 0.2))
    x.response(challenge, 401, "Unauthorized", "REGISTER", cseq, b, to_tag=x.to_tag)
    retry = challenge + us(rnd.uniform(0.001, 0.05))
    x.request(retry, "REGISTER", cseq + 1, b + "x", uri_user="reg")
    ok = retry + us(rnd.uniform(0.002, 0.2))
    x.response(ok, 200, "OK", "REGISTER", cseq + 1, b + "x", to_tag=x.to_tag)
    r["reg_succeeded"] = 1
    r["at"] += [("reg_succeeded", ok), ("rrd", ok)]
    r["rrd"].append(ok - t0)
    return r, cseq + 2, ok


# Outcome mixes (weights): the carriers' SERs differ on purpose.
MIX = {
    "carrier_a": [("answered", 80), ("cancel", 8), ("486", 6), ("404", 2), ("503", 2), ("302", 2)],
    "carrier_b": [("answered", 45), ("cancel", 10), ("486", 15), ("480", 8), ("503", 15), ("408", 4), ("timeout", 3)],
    "carrier_c": [("answered", 65), ("cancel", 10), ("486", 10), ("503", 5), ("404", 5), ("302", 5)],
    "phones": [("answered", 70), ("cancel", 15), ("486", 10), ("404", 5)],
}


def generate(seed):
    """Every packet, and each attempt's truth with the addresses of its first message."""
    rnd = random.Random(seed)
    events = []
    attempts = []  # (first request's source, its destination, truth)
    end = 0
    n = 0

    def in_outage(t_us):
        return OUTAGE_S[0] <= (t_us - START_US) / 1e6 < OUTAGE_S[1]

    def pick(mix):
        return rnd.choices([k for k, _ in mix], [w for _, w in mix])[0]

    # Calls: per carrier, one every ~6 s on average in each direction; phones every ~20 s.
    for name, (_, address) in CARRIERS.items():
        for direction in ("in", "out"):
            t = START_US + us(rnd.uniform(0, 5))
            while t < START_US + us(DURATION_S - 600):
                kind = pick(MIX[name])
                down = name == "carrier_c" and in_outage(t)
                if direction == "in":
                    if not down:  # a carrier in outage sends nothing
                        if name == "carrier_b" and kind == "503":
                            pass  # the SBC's own 503 to carrier_b: still carrier_b's attempt
                        r, last = call(events, n, t, address, SBC, kind, rnd)
                        attempts.append((address, SBC, r))
                        end = max(end, last)
                        n += 1
                else:
                    r, last = call(events, n, t, SBC, address, "timeout" if down else kind, rnd)
                    attempts.append((SBC, address, r))
                    end = max(end, last)
                    n += 1
                t += us(rnd.expovariate(1 / 6.0))
    t = START_US + us(1)
    while t < START_US + us(DURATION_S - 600):
        phone = rnd.choice(PHONES)
        r, last = call(events, n, t, phone, SBC, pick(MIX["phones"]), rnd)
        attempts.append((phone, SBC, r))
        end = max(end, last)
        n += 1
        t += us(rnd.expovariate(1 / 20.0))
    # Registrations: the SBC to every carrier every 60 s, each phone to the SBC every 120 s.
    binding = 0
    for client, registrar, period in ([(SBC, a, 60) for _, a in CARRIERS.values()] + [(p, SBC, 120) for p in PHONES]):
        cseq = 1
        t = START_US + us(rnd.uniform(0, 30))
        while t < START_US + us(DURATION_S - 300):
            answered = not (registrar == CARRIERS["carrier_c"][1] and in_outage(t))
            r, cseq, last = registration(events, binding, t, client, registrar, cseq, answered, rnd)
            attempts.append((client, registrar, r))
            end = max(end, last)
            t += us(period)
        binding += 1
    # A last packet after every deadline, so that every attempt is decided when the input ends.
    Exchange("tail", PHONES[0], SBC, events).request(end + us(200), "OPTIONS", 1, "tail")
    packets = sorted(events, key=lambda e: (e[0], e[1]))
    return [(t, f) for t, _, f in packets], attempts


# --- the rule, applied by this script --------------------------------------------------------------

def in_network(address, cidr):
    net, length = cidr.split("/") if "/" in cidr else (cidr, "32")
    to_int = lambda a: struct.unpack("!I", bytes(map(int, a.split("."))))[0]
    mask = (0xFFFFFFFF << (32 - int(length))) & 0xFFFFFFFF
    return to_int(address) & mask == to_int(net) & mask


def peer_of_address(peers, address):
    for name, cidrs in peers.items():
        if any(in_network(address, c) for c in cidrs):
            return name
    return None


def peer_of_attempt(peers, src, dst):
    return peer_of_address(peers, src) or peer_of_address(peers, dst) or "other"


def truths(peers, attempts):
    per_peer = {name: empty_truth() for name in list(peers) + ["other"]}
    total = empty_truth()
    for src, dst, r in attempts:
        for t in (per_peer[peer_of_attempt(peers, src, dst)], total):
            for key, value in r.items():
                t[key] += value
    return per_peer, total


# --- checks ----------------------------------------------------------------------------------------

check = Checks()


def percent(num, den):
    return None if den == 0 else 100.0 * num / den


def same_ratio(got, want):
    return (got is None and want is None) or (got is not None and want is not None and abs(got - want) <= 1e-4)


def nearest_rank(values, q):
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


COUNTS = [("attempts", "session_attempts"), ("established", "sessions_established"),
          ("redirected", "sessions_redirected"), ("effective", "sessions_effective"),
          ("ineffective", "sessions_ineffective"), ("completed", "sessions_completed"),
          ("cancelled", "sessions_cancelled"), ("failed", "sessions_failed"), ("timeouts", "timeouts"),
          ("reg_attempts", "registration_attempts"), ("reg_succeeded", "registrations_succeeded"),
          ("reg_ineffective", "registrations_ineffective"), ("reg_timeouts", "registration_timeouts")]


def ratios(t):
    a, not_redirected = t["attempts"], t["attempts"] - t["redirected"]
    return {"ser": percent(t["established"], not_redirected), "seer": percent(t["effective"], not_redirected),
            "isa": percent(t["ineffective"], a), "scr": percent(t["completed"], a),
            "asr": percent(t["established"], a), "ner": percent(a - t["ineffective"], a),
            "ira": percent(t["reg_ineffective"], t["reg_attempts"])}


def check_figures(label, r, t, dialogs=None):
    for key, json_key in COUNTS:
        check("%s: %s = %d" % (label, json_key, t[key]), r[json_key] == t[key], "sipmon says %s" % r[json_key])
    check("%s: nothing pending" % label, r["pending"] == 0 and r["registrations_pending"] == 0,
          "%s %s" % (r["pending"], r["registrations_pending"]))
    for key, want in ratios(t).items():
        check("%s: %s = %s %%" % (label, key, want), same_ratio(r[key], want), "sipmon says %s" % r[key])
        if key != "ira":
            check("%s: closed.%s = %s %% (every attempt is closed)" % (label, key, want),
                  same_ratio(r["closed"][key], want), "sipmon says %s" % r["closed"][key])
    for key in ("srd", "srd_failed", "sdd", "sdt", "rrd"):
        values, got = t[key], r[key]
        check("%s: %s.count = %d" % (label, key, len(values)), got["count"] == len(values), str(got["count"]))
        if not values or got["count"] != len(values):
            continue
        seconds = [v / 1e6 for v in values]
        check("%s: %s.min" % (label, key), abs(got["min"] - min(seconds)) <= 1.5e-6, "%s vs %s" % (got["min"], min(seconds)))
        check("%s: %s.max" % (label, key), abs(got["max"] - max(seconds)) <= 1.5e-6, "%s vs %s" % (got["max"], max(seconds)))
        mean = sum(seconds) / len(seconds)
        check("%s: %s.mean" % (label, key), abs(got["mean"] - mean) <= 1e-6 * max(1, mean), "%s vs %s" % (got["mean"], mean))
        for q, p in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")]:
            exact = nearest_rank(seconds, q)
            check("%s: %s.%s within 1 %% of %.6f" % (label, key, p, exact), abs(got[p] - exact) <= 0.01 * exact + 1e-6,
                  "sipmon says %s" % got[p])
    if dialogs is not None:
        check("%s: dialogs.established = %d" % (label, t["dialogs"]), dialogs["established"] == t["dialogs"],
              str(dialogs["established"]))
        check("%s: dialogs.terminated_bye_2xx = %d" % (label, t["dialogs"]), dialogs["terminated_bye_2xx"] == t["dialogs"],
              str(dialogs["terminated_bye_2xx"]))
        check("%s: no dialog active" % label, dialogs["active"] == 0, str(dialogs["active"]))


def exposition(path):
    """{(metric, frozenset(labels)): value} of a Prometheus text file."""
    series = {}
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    with open(path) as f:
        for line in f:
            m = line_re.match(line)
            if m:
                series[(m.group(1), frozenset(label_re.findall(m.group(3) or "")))] = float(m.group(4))
    return series


def run_peers(name, peers, pcap, attempts, tmp):
    per_peer, total = truths(peers, attempts)
    peers_file = os.path.join(tmp, name + ".peers")
    with open(peers_file, "w") as f:
        f.write("# %s\n" % name)
        for peer, cidrs in peers.items():
            f.write("%s %s\n" % (peer, " ".join(cidrs)))
    prom = os.path.join(tmp, name + ".prom")
    result = subprocess.run([SIPMON, "replay", pcap, "--peers", peers_file, "--json", "--prom-file", prom],
                            capture_output=True, text=True, timeout=300)
    check("%s: replay exits 0" % name, result.returncode == 0, result.stderr[-300:])
    if result.returncode != 0:
        return
    report = json.loads(result.stdout)
    check_figures(name + " total", report["rfc6076"], total, report["dialogs"])
    check("%s: every peer and other listed" % name, set(report["peers"]) == set(per_peer), str(sorted(report["peers"])))
    for peer, t in per_peer.items():
        got = report["peers"].get(peer, {})
        check("%s: peers.%s has rfc6076 and dialogs" % (name, peer), "rfc6076" in got and "dialogs" in got)
        if "rfc6076" in got:
            check("%s: peers.%s.rfc6076 has the top level's keys" % (name, peer),
                  set(got["rfc6076"]) == set(report["rfc6076"]))
            check_figures("%s %s" % (name, peer), got["rfc6076"], t, got["dialogs"])
    # The peers partition the attempts: their counts add up to the top level's.
    for _, json_key in COUNTS:
        s = sum(p["rfc6076"][json_key] for p in report["peers"].values() if "rfc6076" in p)
        check("%s: peers add up to %s" % (name, json_key), s == report["rfc6076"][json_key], "%d" % s)
    # The same per-peer figures in the exposition, under a `peer` label.
    series = exposition(prom)
    for peer, t in per_peer.items():
        def value(metric, **labels):
            return series.get((metric, frozenset(dict(labels, peer=peer).items())))
        if t["attempts"] + t["reg_attempts"] == 0:
            continue
        for metric, key in [("sipmon_session_attempts_total", "attempts"),
                            ("sipmon_sessions_established_total", "established"),
                            ("sipmon_session_attempts_ineffective_total", "ineffective"),
                            ("sipmon_session_timeouts_total", "timeouts"),
                            ("sipmon_registration_attempts_total", "reg_attempts"),
                            ("sipmon_registration_timeouts_total", "reg_timeouts")]:
            check("%s: %s{peer=%s} = %d" % (name, metric, peer, t[key]), value(metric) == t[key], str(value(metric)))
        check("%s: sipmon_session_request_delay_seconds_count{peer=%s,outcome=success}" % (name, peer),
              value("sipmon_session_request_delay_seconds_count", outcome="success") == len(t["srd"]))
        check("%s: sipmon_dialogs_active{peer=%s} = 0" % (name, peer), value("sipmon_dialogs_active") == 0)
    check("%s: no unlabelled session family with --peers" % name,
          ("sipmon_session_attempts_total", frozenset()) not in series)
    # The text summary: one line per peer.
    text = subprocess.run([SIPMON, "replay", pcap, "--peers", peers_file], capture_output=True, text=True, timeout=300)
    for peer, t in per_peer.items():
        ser = ratios(t)["ser"]
        want = "%s: %d attempts, SER %s" % (peer, t["attempts"], "-" if ser is None else "%.1f%%" % ser)
        check("%s: text summary line '%s'" % (name, want), want in text.stdout)
    return per_peer


def run_hosts(pcap, per_peer, tmp):
    """--hosts with carrier_a's network only: the whole report is carrier_a's attempts."""
    result = subprocess.run([SIPMON, "replay", pcap, "--hosts", CARRIERS["carrier_a"][0], "--json"],
                            capture_output=True, text=True, timeout=300)
    check("--hosts: replay exits 0", result.returncode == 0, result.stderr[-300:])
    if result.returncode != 0:
        return
    report = json.loads(result.stdout)
    check_figures("--hosts carrier_a", report["rfc6076"], per_peer["carrier_a"], report["dialogs"])
    check("--hosts: what it turns away is counted as host_filtered",
          report["capture"]["non_sip_by_reason"].get("host_filtered", 0) > 0,
          str(report["capture"]["non_sip_by_reason"]))
    bad = subprocess.run([SIPMON, "replay", pcap, "--hosts", "10.0.0.0/33"], capture_output=True, text=True, timeout=60)
    check("--hosts: a bad prefix is a usage error (exit 2) naming it", bad.returncode == 2 and "10.0.0.0/33" in bad.stderr,
          "%d %s" % (bad.returncode, bad.stderr[-200:]))


def main():
    if not os.access(SIPMON, os.X_OK):
        print("FAIL: %s is not built" % SIPMON)
        print("0 passed, 1 failed")
        return 1
    packets, attempts = generate(19)
    carriers = {name: [cidr] for name, (cidr, _) in CARRIERS.items()}
    with tempfile.TemporaryDirectory(prefix="i19peers") as tmp:
        pcap = os.path.join(tmp, "sbc.pcap")
        write_pcap(pcap, packets)
        per_peer = run_peers("carriers", carriers, pcap, attempts, tmp)
        # The SBC listed too: its own INVITEs and REGISTERs (and the phones') are then the SBC's.
        run_peers("carriers+sbc", dict(carriers, sbc=[SBC]), pcap, attempts, tmp)
        if per_peer:
            # The figures really differ between carriers, and the outage shows in carrier_c's.
            sers = [ratios(per_peer[c])["ser"] for c in CARRIERS]
            check("the carriers' SERs differ", len({round(s, 1) for s in sers}) == 3, str(sers))
            check("carrier_c's outage timed out attempts and registrations",
                  per_peer["carrier_c"]["timeouts"] > 0 and per_peer["carrier_c"]["reg_timeouts"] > 0)
            run_hosts(pcap, per_peer, tmp)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
