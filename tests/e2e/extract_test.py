#!/usr/bin/env python3
"""`sipmon extract` against tshark (docs/extract.md).

For each case, `sipmon extract IN --call-id ID... -o OUT` must write a file that tshark opens, and
`tshark -r OUT -Y sip` must list exactly the frames that `tshark -r IN -Y 'sip.Call-ID == "ID"'`
lists (same times, same lengths, nothing else). Every frame written must be a frame of the input,
in capture order. Cases: every Call-ID of every sample, corpus captures with TCP segments, IP
fragments (IPv4 and IPv6), tunnels and WebSocket, several Call-IDs in one pass, a generated
multi-call capture (tests/e2e/lib/gen_multicall_pcap.py, which also says which frames each call
must get), a merge of two link types (pcapng out), --calls records, and the exit-2 errors.

Where tshark itself cannot agree the reason is written beside the case (and in docs/extract.md).
Environment: SIPMON, SIPMON_SOURCE_DIR. Prints `P passed, F failed`; exits 1 on any failure.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

SOURCE_DIR = os.environ.get("SIPMON_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIPMON = os.environ.get("SIPMON") or os.path.join(SOURCE_DIR, "build", "sipmon")
CORPUS_CANDIDATES = [os.path.join(SOURCE_DIR, "..", "shared", "corpus"), "/work/shared/corpus"]
GENERATOR = os.path.join(SOURCE_DIR, "tests", "e2e", "lib", "gen_multicall_pcap.py")

# Corpus captures whose SIP came in pieces or through tunnels, and the tshark options both sides are
# read with. Every Call-ID of each is extracted on its own, then all of them in one pass.
CORPUS = {
    "pkts__fragmented_tcp_sip.pcap": [],  # a message in several TCP segments
    "pkts__fragmented_udp_sip.pcap": [],  # IPv4 fragments
    "packetnet__udp-ip-fragmented.pcap": [],
    "sngrep__ipv6frag.pcap": [],  # IPv6 fragments
    "gprshome__sip.pcap": [],  # IPv4 fragments, seven calls
    "goffinet__private-test-sip-2.pcapng": [],  # fragments, pcapng in and out
    "heplify__sip_ipv4_tcp.pcap": [],
    "heplify__sip_ipv4_tcp_retrans.pcap": [],
    "suricata__sip-body-large.pcap": [],  # a large body over many segments
    "suricata__sip-tcp-method.pcap": [],
    "heplify__sip_tcp_websocket.pcap": [],  # WebSocket: the HTTP Upgrade frames go along
    "sngrep__ipip.pcap": [],
    "pcapplusplus__sip_resp.pcap": [],
    # Three TCP connections on the same addresses and ports. The extract has no SYN to tell
    # Wireshark where one ends and the next begins, so with sequence analysis on it takes the later
    # ones' segments for retransmissions and hides their SIP (docs/extract.md). Both files are
    # read with that analysis off.
    "arkime__gtp-iphone.pcap": ["-o", "tcp.analyze_sequence_numbers:FALSE"],
}

results = {"passed": 0, "failed": 0}


def check(ok, what):
    results["passed" if ok else "failed"] += 1
    if not ok:
        print("FAIL: " + what)
    return ok


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


_dissections = {}


def dissect(path, options=()):
    """Every frame as tshark sees it: ((time, length), protocols, Call-IDs). One tshark run per
    file; the display filters below are applied to this table, as tshark would apply them."""
    key = (path, tuple(options), os.path.getmtime(path))
    if key not in _dissections:
        out = run(["tshark", "-n", *options, "-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len",
                   "-e", "frame.protocols", "-e", "sip.Call-ID"])
        if out.returncode != 0:
            return None
        table = []
        for line in out.stdout.splitlines():
            time, length, protocols, ids = (line.split("\t") + [""] * 4)[:4]
            table.append(((time, length), protocols.split(":"), set(i for i in ids.split(",") if i)))
        _dissections[key] = table
    return _dissections[key]


def sip_frames(path, options=(), ids=None):
    """`tshark -Y sip`, or with `ids` `-Y '(sip.Call-ID == "ID" || ...) && !icmp && !icmpv6'`: SIP
    quoted inside an ICMP error is not a message that was carried, and extract leaves it out."""
    table = dissect(path, options)
    if table is None:
        return None
    if ids is None:
        return [frame for frame, protocols, _ in table if "sip" in protocols]
    return [frame for frame, protocols, found in table
            if "sip" in protocols and "icmp" not in protocols and "icmpv6" not in protocols and found & set(ids)]


def all_frames(path, options=()):
    return [frame for frame, _, _ in dissect(path, options)]


def call_ids(path, options=()):
    ids = set()
    for _, protocols, found in dissect(path, options):
        if "sip" in protocols and "icmp" not in protocols and "icmpv6" not in protocols:
            ids |= found
    return sorted(ids)


def extract_and_compare(path, ids, options=(), workdir=None, label=None):
    label = label or "%s %s" % (os.path.basename(path), ids)
    out = os.path.join(workdir, "out-%d.cap" % abs(hash(label)))
    result = run([SIPMON, "extract", path, "--call-id", *ids, "-o", out])
    if not check(result.returncode == 0, "%s: exit %d: %s" % (label, result.returncode, result.stderr.strip())):
        return
    expected = sip_frames(path, options, ids)
    got = sip_frames(out, options)
    check(got is not None, label + ": tshark cannot read the extract")
    check(expected == got, "%s: tshark -Y sip on the extract\n  got      %s\n  expected %s" % (label, got, expected))
    written = all_frames(out, options)
    times = [float(t) for t, _ in written]
    check(times == sorted(times), label + ": frames not in capture order")
    check(set(written) <= set(all_frames(path, options)), label + ": a frame written is not a frame of the input")
    os.unlink(out)


def capinfos(path):
    return run(["capinfos", "-t", "-E", "-i", path]).stdout  # file type, encapsulation, interfaces


def main():
    if not shutil.which("tshark") or not shutil.which("capinfos"):
        print("SKIP: tshark/capinfos are not installed; extract not compared")
        return 0
    workdir = tempfile.mkdtemp(prefix="i18-extract-")
    jobs = []
    for sample in sorted(glob.glob(os.path.join(SOURCE_DIR, "samples", "*.pcap"))):
        jobs.append((sample, call_ids(sample)[:1], ()))
    corpus = next((c for c in CORPUS_CANDIDATES if os.path.isdir(c)), None)
    if corpus:
        for name, options in CORPUS.items():
            path = os.path.join(corpus, name)
            ids = call_ids(path, options)
            check(len(ids) > 0, name + ": tshark finds no Call-ID")
            jobs.extend((path, [cid], options) for cid in ids[:3])
            if len(ids) > 1:
                jobs.append((path, ids[: len(ids) // 2 + 1], options))  # several in one pass
    else:
        print("SKIP: the shared corpus was not found; only samples and generated files were compared")
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda job: extract_and_compare(job[0], job[1], job[2], workdir), jobs))
    print("tshark comparisons: %d cases" % len(jobs))

    generated_file(workdir)
    formats(workdir, corpus)
    call_records(workdir)
    errors(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


def generated_file(workdir):
    gen = os.path.join(workdir, "gen.pcap")
    truth = json.loads(run([sys.executable, GENERATOR, gen]).stdout)
    frames = all_frames(gen)
    a, b, c = sorted(truth)
    # Calls a and b: tshark agrees in full (fragments out of order, a message over three segments
    # with another direction's ACK between them, a segment shared with the next call's message).
    extract_and_compare(gen, [a], (), workdir)
    extract_and_compare(gen, [b], (), workdir)
    extract_and_compare(gen, [a, b], (), workdir)
    # Every call, including c: exactly the frames the generator says carried its messages.
    for cid, t in truth.items():
        out = os.path.join(workdir, "gen-one.pcap")
        result = run([SIPMON, "extract", gen, "--call-id", cid, "-o", out, "--force"])
        check(result.returncode == 0, "generated %s: %s" % (cid, result.stderr))
        expected = [frames[n - 1] for n in t["frames"]]
        check(all_frames(out) == expected, "generated %s: frames %s, expected %s" % (cid, all_frames(out), expected))
        check(("carrying %d SIP message" % t["messages"]) in result.stderr, "generated %s: message count: %s" %
              (cid, result.stderr))
    # Call c's third message begins in the segment that ends call b's: without b's earlier segment
    # (another call's message, so not written) tshark cannot find where it starts and shows the
    # segment as SIP continuation data; the two messages before it are dissected.
    out = os.path.join(workdir, "gen-c.pcap")
    run([SIPMON, "extract", gen, "--call-id", c, "-o", out])
    check(len(sip_frames(out, (), [c])) == truth[c]["messages"] - 1,
          "generated %s: tshark should dissect the two messages that start a segment" % c)


def formats(workdir, corpus):
    sample = os.path.join(SOURCE_DIR, "samples", "call-answered.pcap")
    sll = os.path.join(SOURCE_DIR, "samples", "call-answered-sll.pcap")
    out = os.path.join(workdir, "f.pcap")
    run([SIPMON, "extract", sample, "--call-id", call_ids(sample)[0], "-o", out])
    info = capinfos(out)
    check("pcap" in info and "pcapng" not in info and "Ethernet" in info, "pcap in, pcap out: " + info)
    check(run(["capinfos", "-a", "-S", out]).stdout.count(".") > 0 and "microseconds" in run(["capinfos", out]).stdout,
          "microsecond pcap in, microsecond pcap out")
    # Two link types merged: pcapng with both, every message of both files.
    merged = os.path.join(workdir, "merged.pcapng")
    ids = sorted(set(call_ids(sample)) | set(call_ids(sll)))
    result = run([SIPMON, "extract", sample, sll, "--call-id", *ids, "-o", merged])
    check(result.returncode == 0, "merge: " + result.stderr)
    info = capinfos(merged)
    check("pcapng" in info and "Ethernet" in info and "Linux cooked" in info, "two link types -> pcapng: " + info)
    expected = sorted(sip_frames(sample) + sip_frames(sll), key=lambda f: float(f[0]))
    check(sip_frames(merged) == expected, "merge: every SIP frame of both, in time order")
    if corpus:
        ng = os.path.join(corpus, "goffinet__private-test-sip-2.pcapng")
        out = os.path.join(workdir, "ng.pcapng")
        run([SIPMON, "extract", ng, "--call-id", call_ids(ng)[0], "-o", out])
        check("pcapng" in capinfos(out), "pcapng in, pcapng out")


def call_records(workdir):
    sample = os.path.join(SOURCE_DIR, "samples", "call-busy.pcap")
    answered = os.path.join(SOURCE_DIR, "samples", "call-answered.pcap")
    busy_id, answered_id = call_ids(sample)[0], call_ids(answered)[0]
    records = os.path.join(workdir, "records.jsonl")
    with open(records, "w") as f:
        f.write(json.dumps({"call_id": busy_id, "outcome": "busy"}) + "\n\n")
        f.write(json.dumps({"call_id": answered_id, "outcome": "answered", "other": 1}) + "\n")
    out = os.path.join(workdir, "records.pcap")
    result = run([SIPMON, "extract", sample, answered, "--calls", records, "--outcome", "busy", "-o", out])
    check(result.returncode == 0, "--calls: " + result.stderr)
    check(sip_frames(out) == sip_frames(sample, (), [busy_id]), "--calls --outcome busy: only the busy call")
    result = run([SIPMON, "extract", sample, answered, "--calls", records, "-o", out, "--force"])
    check(len(sip_frames(out)) == len(sip_frames(sample, (), [busy_id])) + len(sip_frames(answered, (), [answered_id])),
          "--calls without --outcome: every record")
    with open(records, "a") as f:
        f.write("{not json\n")
    result = run([SIPMON, "extract", sample, "--calls", records, "-o", out, "--force"])
    check(result.returncode == 2 and "records.jsonl:4" in result.stderr, "a broken record line: " + result.stderr)


def errors(workdir):
    sample = os.path.join(SOURCE_DIR, "samples", "call-busy.pcap")
    cid = call_ids(sample)[0]
    out = os.path.join(workdir, "e.pcap")
    result = run([SIPMON, "extract", sample, "--call-id", "no-such-call", "-o", out])
    check(result.returncode == 2 and "no-such-call" in result.stderr and not os.path.exists(out),
          "unknown Call-ID: exit 2, named, no file: %s" % result.stderr)
    check(not glob.glob(out + ".tmp.*"), "unknown Call-ID: no temporary file left")
    result = run([SIPMON, "extract", sample, "--call-id", cid, "missing-too", "-o", out])
    check(result.returncode == 0 and "missing-too" in result.stderr and "warning" in result.stderr,
          "some Call-IDs found: warning naming the missing: %s" % result.stderr)
    before = os.path.getsize(out)
    result = run([SIPMON, "extract", sample, "--call-id", cid, "-o", out])
    check(result.returncode == 2 and "--force" in result.stderr and os.path.getsize(out) == before,
          "existing output without --force: exit 2, untouched: %s" % result.stderr)
    check(run([SIPMON, "extract", sample, "--call-id", cid, "-o", out, "--force"]).returncode == 0, "--force replaces")
    text = os.path.join(workdir, "not-a-capture.pcap")
    with open(text, "w") as f:
        f.write("hello\n")
    result = run([SIPMON, "extract", text, "--call-id", cid, "-o", os.path.join(workdir, "x.pcap")])
    check(result.returncode == 2 and "not-a-capture.pcap" in result.stderr, "not a capture: " + result.stderr)
    result = run([SIPMON, "extract", sample, "-o", os.path.join(workdir, "y.pcap")])
    check(result.returncode == 2, "no --call-id nor --calls: exit 2")
    result = run([SIPMON, "extract", sample, "--call-id", cid, "-o", sample, "--force"])
    check(result.returncode == 2 and "input" in result.stderr, "output = input refused: " + result.stderr)


if __name__ == "__main__":
    sys.exit(main())
