#!/usr/bin/env python3
"""`sipmon replay --html`, checked in a real browser (Debian's headless Chromium).

This script writes a capture of a call mix whose truth it computes itself (answered, busy,
503 with a Q.850 cause, cancelled, unanswered until Timer B, redirected) plus one failed call
whose reason phrase, User-Agent and Reason text carry markup that would run if the page ever
treated wire bytes as HTML. It renders the report, loads it in Chromium with no network (a
network namespace of its own when root), and asserts on the DOM Chromium dumps (`--dump-dom`):

  - the page drew itself (data-rendered) with no script error and no console message (a request
    leaving the page would be refused by its Content-Security-Policy and logged);
  - the headline figures equal the JSON report's and the generator's truth;
  - the ladder of a chosen failed call (`#call=ID`) has its messages in the generator's order,
    the ACK of its final response included, the retransmission marked (and a CANCEL/487/ACK
    ladder with `--html-calls all`);
  - the raw text beside a ladder equals the UDP payloads read back from the pcap file (not from
    sipmon, not from the generator's strings), a message past 4096 bytes is cut and says so, the
    `<script>` and `<img onerror>` in raw headers show as text and never run, and the page holds
    the raw text of the listed calls only;
  - with `--interval 30s` the charts draw one point per interval, counted from the capture's
    packet times;
  - the failed-calls table lists exactly the generator's failed, ineffective and timed-out calls;
  - the injected markup shows as text and never runs (no data-pwned attribute, no <img> added);
  - `--html-calls all` lists every call; a sample's report draws too; a screenshot is taken.

Environment: SIPMON, SIPMON_SKIP_CODE (exit code when Chromium is missing),
SIPMON_HTML_SCREENSHOT (copy the screenshot there: how docs/html-report.png is made). Prints
`P passed, F failed`.
"""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402  (the pass/fail tally)
from gen_multicall_pcap import checksum  # noqa: E402  (the IPv4 header checksum)

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")
SKIP = int(os.environ.get("SIPMON_SKIP_CODE", "77"))
BASE_TS = 1764547200  # 2025-12-01T00:00:00Z

check = Checks(print_passes=True)


# --- capture ---------------------------------------------------------------------------------

def frame(src, dst, payload):
    (sip, sport), (dip, dport) = src, dst
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes(map(int, sip.split("."))), bytes(map(int, dip.split("."))))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp


def read_pcap(path):
    """(time, UDP payload) of every packet of a pcap of Ethernet/IPv4/UDP frames, in file order."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    at = 24
    while at + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack_from("<IIII", data, at)
        pkt = data[at + 16:at + 16 + incl]
        at += 16 + incl
        ihl = (pkt[14] & 0x0F) * 4
        udp = pkt[14 + ihl:]
        length = struct.unpack_from("!H", udp, 4)[0]
        out.append((sec + usec / 1e6, udp[8:length]))
    return out


def write_pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, data in sorted(packets, key=lambda p: p[0]):
            sec, usec = divmod(round(ts * 1e6), 1_000_000)
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


CALLER = ("10.1.0.1", 5060)
CALLEE = ("10.2.0.1", 5060)
PHRASES = {100: "Trying", 180: "Ringing", 200: "OK", 302: "Moved Temporarily", 486: "Busy Here",
           487: "Request Terminated", 503: "Service Unavailable"}
INJECTED_PHRASE = '<script>document.body.setAttribute("data-pwned","script")</script>'
INJECTED_UA = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"


class Call:
    def __init__(self, index, kind, start):
        self.id = f"call-{index}-{kind}@mix.example"
        self.kind = kind
        self.start = start
        self.messages = []  # (ts, src, dst, text, summary, retransmission)
        self.injected = False

    def request(self, ts, method, cseq, branch, src=CALLER, dst=CALLEE, to_tag="", extra=""):
        to = f"<sip:bob@10.2.0.1>" + (f";tag={to_tag}" if to_tag else "")
        ua = f"User-Agent: {INJECTED_UA}\r\n" if self.injected and method == "INVITE" else ""
        text = (f"{method} sip:bob@10.2.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {src[0]}:{src[1]};branch={branch}\r\n"
                f"From: <sip:alice@10.1.0.1>;tag=a{len(self.id)}\r\nTo: {to}\r\nCall-ID: {self.id}\r\n"
                f"CSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n{ua}{extra}Content-Length: 0\r\n\r\n")
        self.messages.append((ts, src, dst, text, method, False))

    def response(self, ts, code, method, cseq, branch, to_tag="b1", phrase=None, extra="", src=CALLEE, dst=CALLER):
        phrase = phrase or PHRASES[code]
        to = "<sip:bob@10.2.0.1>" + (f";tag={to_tag}" if code != 100 else "")
        text = (f"SIP/2.0 {code} {phrase}\r\nVia: SIP/2.0/UDP {dst[0]}:{dst[1]};branch={branch}\r\n"
                f"From: <sip:alice@10.1.0.1>;tag=a{len(self.id)}\r\nTo: {to}\r\nCall-ID: {self.id}\r\n"
                f"CSeq: {cseq} {method}\r\n{extra}Content-Length: 0\r\n\r\n")
        summary = f"{code} {PHRASES[code]}" + ("" if method == "INVITE" else f" ({method})")
        self.messages.append((ts, src, dst, text, summary, False))


def build_mix():
    """60 calls, one every 10 s, kinds in a fixed cycle; returns (calls, truth)."""
    kinds = ["answered", "answered", "busy", "q850", "answered", "cancel", "timeout", "answered", "redirect", "answered"]
    calls = []
    for i in range(60):
        kind = kinds[i % len(kinds)]
        t = BASE_TS + 10 * i + 0.25
        c = Call(i, kind, t)
        br = f"z9hG4bK{i}"
        # The first busy call's INVITE is longer than the page keeps of a message (4096 bytes).
        c.request(t, "INVITE", 1, br, extra="X-Padding: " + "x" * 5000 + "\r\n" if i == 2 else "")
        if kind == "timeout":
            # No answer at all: Timer B (32 s) ends the transaction; one retransmission at T1.
            c.request(t + 0.5, "INVITE", 1, br)
            c.messages[-1] = c.messages[-1][:5] + (True,)
            calls.append(c)
            continue
        c.response(t + 0.01, 100, "INVITE", 1, br)
        if kind == "answered":
            c.response(t + 0.2, 180, "INVITE", 1, br)
            c.response(t + 2.0, 200, "INVITE", 1, br)
            c.request(t + 2.01, "ACK", 1, br + "a", to_tag="b1")
            c.request(t + 8.0, "BYE", 2, br + "b", to_tag="b1")
            c.response(t + 8.01, 200, "BYE", 2, br + "b")
        elif kind == "busy":
            c.response(t + 0.2, 486, "INVITE", 1, br)
            c.request(t + 0.21, "ACK", 1, br, to_tag="b1")
        elif kind == "q850":
            injected = i == 3
            c.injected = injected
            if injected:
                c.messages.clear()
                c.request(t, "INVITE", 1, br)
                c.response(t + 0.01, 100, "INVITE", 1, br)
            c.response(t + 0.3, 503, "INVITE", 1, br, phrase=INJECTED_PHRASE if injected else None,
                       extra='Reason: Q.850;cause=34;text="' + ("<b>no circuit</b>" if injected else "no circuit") + '"\r\n')
            c.request(t + 0.31, "ACK", 1, br, to_tag="b1")
        elif kind == "cancel":
            c.response(t + 0.2, 180, "INVITE", 1, br)
            c.request(t + 5.0, "CANCEL", 1, br)
            c.response(t + 5.01, 200, "CANCEL", 1, br)
            c.response(t + 5.02, 487, "INVITE", 1, br)
            c.request(t + 5.03, "ACK", 1, br, to_tag="b1")
        elif kind == "redirect":
            c.response(t + 0.1, 302, "INVITE", 1, br, extra="Contact: <sip:bob@10.3.0.1>\r\n")
            c.request(t + 0.11, "ACK", 1, br, to_tag="b1")
        calls.append(c)
    count = lambda k: sum(1 for c in calls if c.kind == k)
    attempts = len(calls)
    truth = {
        "attempts": attempts,
        "established": count("answered"),
        "failed_ids": sorted(c.id for c in calls if c.kind in ("busy", "q850", "timeout")),
        "ser": 100.0 * count("answered") / (attempts - count("redirect")),
    }
    return calls, truth


# --- the browser -----------------------------------------------------------------------------

class Dom(html.parser.HTMLParser):
    """Just enough of the dumped DOM: elements with their attributes, text and nesting."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = {"tag": "#root", "attrs": {}, "children": [], "text": ""}
        self.stack = [self.root]

    VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "source", "wbr"}

    def handle_starttag(self, tag, attrs):
        node = {"tag": tag, "attrs": dict(attrs), "children": [], "text": ""}
        self.stack[-1]["children"].append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1]["children"].append({"tag": tag, "attrs": dict(attrs), "children": [], "text": ""})

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1]["children"].append(data)


def walk(node):
    yield node
    for child in node["children"]:
        if isinstance(child, dict):
            yield from walk(child)


def text(node):
    return "".join(c if isinstance(c, str) else text(c) for c in node["children"])


def find(node, pred):
    return [n for n in walk(node) if pred(n)]


def has_class(n, cls):
    return cls in n["attrs"].get("class", "").split()


def figure_of(dom, label):
    cards = find(dom, lambda n: n["attrs"].get("data-figure") == label)
    values = [text(v) for v in find(cards[0], lambda n: has_class(n, "value"))] if cards else []
    return values[0] if values else None


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browse(chromium, url, tmp, extra=("--dump-dom",)):
    """Runs headless Chromium on `url` (by default dumping its DOM once the page's script ran);
    returns (stdout, console lines, the run)."""
    profile = tempfile.mkdtemp(dir=tmp)
    command = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-extensions", "--disable-background-networking", "--enable-logging=stderr", "--v=0",
               f"--user-data-dir={profile}", *extra, url]
    # No network at all where we can: a network namespace of our own (root), so a page that tried
    # to fetch anything would fail.
    if os.geteuid() == 0 and shutil.which("unshare"):
        command = ["unshare", "--net", "--"] + command
    # Bytes, decoded here: text=True would turn the CRLFs of the raw SIP text into LFs.
    run = subprocess.run(command, capture_output=True, timeout=90)
    stdout = run.stdout.decode("utf-8", "replace")
    run.stderr = run.stderr.decode("utf-8", "replace")
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or ":INFO:CONSOLE" in line]
    return stdout, console, run


def dom_of(dumped):
    parser = Dom()
    parser.feed(dumped)
    return parser.root


def ladder_summaries(panel):
    ladder = find(panel[0], lambda n: n["tag"] == "svg") if panel else []
    return [text(t) for t in find(ladder[0], lambda n: n["tag"] == "text" and has_class(n, "summary"))] if ladder else []


def raw_texts(panel):
    """The raw text of each message shown beside the ladder, in order."""
    if not panel:
        return []
    return [text(p) for p in find(panel[0], lambda n: n["tag"] == "pre" and has_class(n, "raw-text"))]


def payloads_of(wire, call_id):
    """The call's UDP payloads in capture order, as text."""
    needle = f"Call-ID: {call_id}\r\n".encode()
    return [p.decode("utf-8") for _, p in wire if needle in p]


def extract_block(page, block_id):
    start = page.index(f'id="{block_id}">') + len(f'id="{block_id}">')
    return page[start:page.index("</script>", start)]


def main():
    chromium = chromium_binary()
    if not chromium:
        print("SKIPPED: no chromium (Debian package chromium; scripts/setup.sh installs it)")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="sipmon-html-")
    try:
        calls, truth = build_mix()
        packets = [(m[0], frame(m[1], m[2], m[3].encode())) for c in calls for m in c.messages]
        # The capture runs on past the last Timer B (32 s): a trailing OPTIONS keeps time going.
        last = max(p[0] for p in packets)
        tail = Call(999, "options", last + 40)
        tail.request(last + 40, "OPTIONS", 1, "z9hG4bKopt")
        packets += [(m[0], frame(m[1], m[2], m[3].encode())) for m in tail.messages]
        pcap = os.path.join(tmp, "mix.pcap")
        write_pcap(pcap, packets)

        page = os.path.join(tmp, "mix.html")
        json_path = os.path.join(tmp, "mix.json")
        run = subprocess.run([SIPMON, "replay", pcap, "--html", page, "--out", json_path], capture_output=True, text=True)
        check("replay --html exits 0", run.returncode == 0, run.stderr)
        report = json.load(open(json_path))
        r = report["rfc6076"]
        check("the JSON agrees with the generator (attempts, established, SER)",
              r["session_attempts"] == truth["attempts"] and r["sessions_established"] == truth["established"]
              and abs(r["ser"] - truth["ser"]) < 1e-4,
              f'{r["session_attempts"]} {r["sessions_established"]} {r["ser"]} vs {truth}')
        raw = open(page, encoding="utf-8").read()
        check("the page holds no address to fetch (no http:, https:, // in src or href)",
              not any(s in raw for s in ('src="http', "src='http", 'href="http', "src=\"//", "@import", "url(http")))
        check("the injected markup is never in the page as markup", INJECTED_PHRASE not in raw and "<img src=x" not in raw)

        failed_call = next(c for c in calls if c.kind == "q850" and not c.injected)
        dumped, console, browser = browse(chromium, "file://" + page + "#call=" + failed_call.id, tmp)
        check("chromium dumped the page", "<main" in dumped, browser.stderr[-2000:])
        dom = dom_of(dumped)
        body = find(dom, lambda n: n["tag"] == "body")
        body = body[0] if body else {"attrs": {}, "children": []}
        check("the page drew itself", body["attrs"].get("data-rendered") == "yes")
        check("no script error", "data-errors" not in body["attrs"], body["attrs"].get("data-errors", ""))
        check("no console message (a refused request would log one)", not console, "\n".join(console))
        check("the injected markup never ran", "data-pwned" not in body["attrs"], body["attrs"].get("data-pwned"))
        check("no element came from wire bytes (no <img>, one inline <script>)",
              not find(dom, lambda n: n["tag"] == "img")
              and len(find(dom, lambda n: n["tag"] == "script" and n["attrs"].get("type") != "application/json")) == 1)

        def figure(label):
            return figure_of(dom, label)

        check("headline attempts = JSON = generator", figure("Attempts") == f'{truth["attempts"]:,}', figure("Attempts"))
        check("headline SER = JSON's ratio", figure("SER") == f'{r["ser"]:.1f} %', f'{figure("SER")} vs {r["ser"]}')
        check("headline SEER and ISA = JSON's", figure("SEER") == f'{r["seer"]:.1f} %' and figure("ISA") == f'{r["isa"]:.1f} %',
              f'{figure("SEER")} {figure("ISA")}')
        check("headline timeouts = JSON's", figure("Timeouts") == f'{r["timeouts"]:,}', figure("Timeouts"))

        rows = find(dom, lambda n: n["tag"] == "tr" and has_class(n, "call"))
        listed = sorted(n["attrs"].get("data-call-id") for n in rows)
        check("the failed-calls table lists exactly the generator's failed calls", listed == truth["failed_ids"],
              f"{len(listed)} listed vs {len(truth['failed_ids'])}")

        panel = find(dom, lambda n: n["attrs"].get("id") == "ladder")
        # The whole call, the ACK of its 503 included (RFC 3261 17.1.1.3; docs/calls.md).
        want = [m[4] + (" (retransmission)" if m[5] else "") for m in failed_call.messages]
        check("#call=ID opens that call's ladder", panel and panel[0]["attrs"].get("data-call-id") == failed_call.id)
        summaries = ladder_summaries(panel)
        check("the ladder has the call's messages in order, ending with the ACK", summaries == want and want[-1] == "ACK",
              f"{summaries} vs {want}")
        wire = read_pcap(pcap)
        check("the raw text beside the ladder is the call's bytes in the capture", raw_texts(panel) == payloads_of(wire, failed_call.id),
              f"{raw_texts(panel)[:1]} vs {payloads_of(wire, failed_call.id)[:1]}")
        opened = find(dom, lambda n: n["tag"] == "details" and has_class(n, "raw-msg") and "open" in n["attrs"])
        check("the first message's text is open", [n["attrs"].get("data-index") for n in opened] == ["0"])
        dom_m = dom_of(browse(chromium, "file://" + page + "#call=" + failed_call.id + "&msg=3", tmp)[0])
        opened = find(dom_m, lambda n: n["tag"] == "details" and has_class(n, "raw-msg") and "open" in n["attrs"])
        check("#call=ID&msg=3 opens the ACK's text (a click on its arrow does the same)",
              len(opened) == 1 and opened[0]["attrs"].get("data-index") == "3" and text(opened[0]).count("ACK sip:") == 1)

        long_call = next(c for c in calls if c.kind == "busy")
        dom_l = dom_of(browse(chromium, "file://" + page + "#call=" + long_call.id, tmp)[0])
        panel_l = find(dom_l, lambda n: n["attrs"].get("id") == "ladder")
        truth_l = payloads_of(wire, long_call.id)
        texts_l = raw_texts(panel_l)
        cut = find(panel_l[0], lambda n: has_class(n, "cut")) if panel_l else []
        check("a message past 4096 bytes shows its first 4096, marked as cut with its size",
              len(truth_l[0]) > 5000 and texts_l and texts_l[0] == truth_l[0][:4096] and texts_l[1:] == truth_l[1:]
              and len(cut) == 1 and f"{len(truth_l[0]):,}" in text(cut[0]), f"{[len(t) for t in texts_l]} {len(cut)}")

        view = json.loads(extract_block(raw, "sipmon-view"))
        listed_with_ladder = [c for c in calls if c.id in truth["failed_ids"]]
        want_bytes = sum(min(4096, len(p)) for c in listed_with_ladder for p in payloads_of(wire, c.id))
        check("the page holds the raw text of its listed calls only (sum of their capped payloads)",
              view.get("raw_text_bytes") == want_bytes and "call-0-answered@mix.example" not in raw,
              f'{view.get("raw_text_bytes")} vs {want_bytes}')

        timeout_call = next(c for c in calls if c.kind == "timeout")
        dumped_t, _, _ = browse(chromium, "file://" + page + "#call=" + timeout_call.id, tmp)
        dom_t = dom_of(dumped_t)
        retr = find(dom_t, lambda n: n["tag"] == "g" and has_class(n, "retr"))
        check("a retransmission is marked on its ladder", len(retr) == 1 and "(retransmission)" in text(retr[0]))

        injected_call = next(c for c in calls if c.injected)
        dumped_i, console_i, _ = browse(chromium, "file://" + page + "#call=" + injected_call.id, tmp)
        dom_i = dom_of(dumped_i)
        body_i = find(dom_i, lambda n: n["tag"] == "body")[0]
        shown = text(body_i)
        # The record keeps each string up to its budget (docs/calls.md): the start of each shows.
        check("the injected reason phrase, User-Agent and Reason text show as text",
              INJECTED_PHRASE[:24] in shown and INJECTED_UA[:24] in shown and "<b>no circuit</b>" in shown, shown[-600:])
        check("...and never ran, with the call opened", "data-pwned" not in body_i["attrs"] and not console_i
              and not find(dom_i, lambda n: n["tag"] in ("img", "b")))
        panel_i = find(dom_i, lambda n: n["attrs"].get("id") == "ladder")
        texts_i = raw_texts(panel_i)
        check("the raw text with <script> and <img onerror> headers shows those bytes as text",
              texts_i == payloads_of(wire, injected_call.id) and any(INJECTED_PHRASE in t for t in texts_i)
              and any(INJECTED_UA in t for t in texts_i), f"{texts_i[:1]}")
        # Each message that carries the markup (the INVITE's User-Agent, the 503's phrase and Reason),
        # opened on its own: a browser start each, so not the 100 and the ACK, which hold nothing
        # that could run.
        marked = [k for k, t in enumerate(texts_i) if INJECTED_PHRASE in t or INJECTED_UA in t or "<b>" in t]
        check("two of the call's messages carry the markup", len(marked) == 2, f"{marked}")
        for i in marked:
            dumped_k, console_k, _ = browse(chromium, "file://" + page + "#call=" + injected_call.id + f"&msg={i}", tmp)
            body_k = find(dom_of(dumped_k), lambda n: n["tag"] == "body")[0]
            check(f"...message {i} opened: nothing ran", "data-pwned" not in body_k["attrs"] and not console_k
                  and "<img" not in dumped_k and "<script>document" not in dumped_k)

        shot = os.path.join(tmp, "mix.png")
        browse(chromium, "file://" + page + "#call=" + failed_call.id, tmp, ("--screenshot=" + shot, "--window-size=1280,2900", "--hide-scrollbars"))
        check("a screenshot was taken", os.path.exists(shot) and os.path.getsize(shot) > 20_000,
              os.path.getsize(shot) if os.path.exists(shot) else "missing")
        # docs/html-report.png is this screenshot: SIPMON_HTML_SCREENSHOT=docs/html-report.png.
        if os.environ.get("SIPMON_HTML_SCREENSHOT") and os.path.exists(shot):
            shutil.copyfile(shot, os.environ["SIPMON_HTML_SCREENSHOT"])

        all_page = os.path.join(tmp, "all.html")
        subprocess.run([SIPMON, "replay", pcap, "--html", all_page, "--html-calls", "all"], capture_output=True, check=True)
        dom_a = dom_of(browse(chromium, "file://" + all_page, tmp)[0])
        rows_a = find(dom_a, lambda n: n["tag"] == "tr" and has_class(n, "call"))
        check("--html-calls all lists every call", len(rows_a) == truth["attempts"], len(rows_a))
        cancel_call = next(c for c in calls if c.kind == "cancel")
        dom_x = dom_of(browse(chromium, "file://" + all_page + "#call=" + cancel_call.id, tmp)[0])
        panel_x = find(dom_x, lambda n: n["attrs"].get("id") == "ladder")
        want_x = [m[4] for m in cancel_call.messages]
        check("a CANCEL/487/ACK ladder is whole, with each message's bytes",
              ladder_summaries(panel_x) == want_x and raw_texts(panel_x) == payloads_of(wire, cancel_call.id),
              f"{ladder_summaries(panel_x)} vs {want_x}")

        # --interval: the charts draw the report's series, one point per interval from the first
        # packet's to the last's (counted here from the pcap's own times).
        interval = 30
        series_page = os.path.join(tmp, "series.html")
        subprocess.run([SIPMON, "replay", pcap, "--interval", f"{interval}s", "--html", series_page], capture_output=True, check=True)
        dom_v = dom_of(browse(chromium, "file://" + series_page, tmp)[0])
        times = [t for t, _ in wire]
        first_bin = int(min(times) // interval)
        want_points = int(max(times) // interval) - first_bin + 1
        points = {}
        for chart in ("chart-attempts", "chart-ser", "chart-concurrent"):
            fig = find(dom_v, lambda n, c=chart: n["attrs"].get("id") == c)
            svgs = find(fig[0], lambda n: n["tag"] == "svg") if fig else []
            points[chart] = svgs[0]["attrs"].get("data-points") if svgs else None
        check(f"--interval {interval}s: every chart has one point per interval ({want_points})",
              all(v == str(want_points) for v in points.values()), f"{points}")
        import datetime
        first_label = datetime.datetime.fromtimestamp(first_bin * interval, datetime.timezone.utc).strftime("%H:%M:%S")
        fig = find(dom_v, lambda n: n["attrs"].get("id") == "chart-attempts")
        labels = [text(t) for t in find(fig[0], lambda n: n["tag"] == "text")] if fig else []
        check("--interval: the first point is the first packet's interval", first_label in labels, f"{first_label} {labels}")

        sample = os.path.join(SOURCE_DIR, "samples", "call-503-q850.pcap")
        sample_page = os.path.join(tmp, "sample.html")
        sample_json = json.loads(subprocess.run([SIPMON, "replay", sample, "--json"], capture_output=True, text=True).stdout)
        subprocess.run([SIPMON, "replay", sample, "--html", sample_page], capture_output=True, check=True)
        dom_s = dom_of(browse(chromium, "file://" + sample_page, tmp)[0])
        cards = find(dom_s, lambda n: n["attrs"].get("data-figure") == "Attempts")
        value = text(find(cards[0], lambda n: has_class(n, "value"))[0]) if cards else None
        check("a sample's report draws, its attempts = its JSON's",
              value == f'{sample_json["rfc6076"]["session_attempts"]:,}', value)

        check_page = os.path.join(tmp, "check.html")
        gate = subprocess.run([SIPMON, "check", pcap, "--expect", "rfc6076.ser>=99", "--expect", "rfc6076.session_attempts==60",
                               "--html", check_page], capture_output=True, text=True)
        check("check --html: exit 1 for the failed threshold", gate.returncode == 1, gate.stderr)
        dom_c = dom_of(browse(chromium, "file://" + check_page, tmp)[0])
        verdict = find(dom_c, lambda n: n["attrs"].get("id") == "check-verdict")
        rows_c = find(dom_c, lambda n: n["attrs"].get("id") == "check")
        cells = [text(td) for td in find(rows_c[0], lambda n: n["tag"] == "td")] if rows_c else []
        check("check --html: the verdict and the failed figure are on top of the report",
              verdict and text(verdict[0]) == "failed" and "rfc6076.ser" in cells and figure_of(dom_c, "Attempts") == "60",
              f"{cells}")

        bad = subprocess.run([SIPMON, "replay", sample, "--html", sample_page, "--html-calls", "many"], capture_output=True, text=True)
        check("--html-calls many is refused with a clear message", bad.returncode == 2 and "--html-calls" in bad.stderr, bad.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
