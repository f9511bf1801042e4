#!/usr/bin/env python3
"""Compares what `sipmon live` counted with the recording of the same traffic: `sipmon replay`
of the recording and tshark's dissection of it must agree with every live report, exactly."""
import argparse
import collections
import datetime
import json
import subprocess
import sys


def tshark_counts(pcap, ports):
    decode = []
    for port in ports:
        decode += ["-d", f"udp.port=={port},sip", "-d", f"tcp.port=={port},sip"]
    frames = subprocess.run(["tshark", "-n", "-r", pcap, "-T", "fields", "-e", "frame.number"],
                            check=True, capture_output=True, text=True).stdout.split()
    lines = subprocess.run(["tshark", "-n", "-r", pcap, *decode, "-Y", "sip", "-T", "fields",
                            "-e", "sip.Method", "-e", "sip.Status-Code", "-E", "occurrence=f"],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    requests, responses = collections.Counter(), collections.Counter()
    for line in lines:
        method, _, status = line.partition("\t")
        if method:
            requests[method] += 1
        elif status:
            responses[status] += 1
    return len(frames), dict(requests), dict(responses)


def epoch(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--live", action="append", required=True, help="JSON report of sipmon live")
    parser.add_argument("--replay", required=True, help="JSON report of sipmon replay of the recording")
    parser.add_argument("--pcap", required=True, help="the recording")
    parser.add_argument("--ports", required=True)
    parser.add_argument("--min-messages", type=int, default=1)
    args = parser.parse_args()
    ports = [int(p) for p in args.ports.split(",")]

    replay = json.load(open(args.replay))
    frames, requests, responses = tshark_counts(args.pcap, ports)
    failures = []

    def expect(what, got, want):
        if got != want:
            failures.append(f"{what}: {got} != {want}")

    rc = replay["capture"]
    print(f"recording: {frames} frames; tshark: {sum(requests.values())} requests {requests}, "
          f"{sum(responses.values())} responses {responses}")
    print(f"replay:    {rc['packets']} packets, {rc['sip_messages']} SIP messages")
    expect("replay packets vs tshark frames", rc["packets"], frames)
    expect("replay requests vs tshark", replay["requests"], requests)
    expect("replay responses vs tshark", replay["responses"], responses)
    if rc["sip_messages"] < args.min_messages:
        failures.append(f"only {rc['sip_messages']} SIP messages in the recording, expected >= {args.min_messages}")

    for path in args.live:
        live = json.load(open(path))
        lc = live["capture"]
        name = f"live[{lc.get('source')}]"
        print(f"{name}: {lc['packets']} packets, {lc['sip_messages']} SIP messages, kernel {lc.get('kernel')}, "
              f"drops {lc.get('drops')}")
        for key in ("packets", "bytes", "sip_messages", "sip_packets", "keepalives", "non_sip", "malformed",
                    "unsupported_link"):
            expect(f"{name} {key} vs replay", lc[key], rc[key])
        expect(f"{name} requests vs replay", live["requests"], replay["requests"])
        expect(f"{name} responses vs replay", live["responses"], replay["responses"])
        expect(f"{name} drops", {k: v for k, v in lc["drops"].items() if v}, {})
        # Kernel time (CLOCK_MONOTONIC in the filter) must come out as wall-clock time: the live
        # first/last packet times match the recording's to well within a scheduling delay.
        for key in ("first_ts", "last_ts"):
            if lc[key] and rc[key] and abs(epoch(lc[key]) - epoch(rc[key])) > 0.1:
                failures.append(f"{name} {key} {lc[key]} is not the recording's {rc[key]}")
        if lc.get("source") == "ebpf":
            expect(f"{name} kernel copied vs frames", lc["kernel"]["copied"], frames)
            expect(f"{name} kernel matched vs frames", lc["kernel"]["matched"], frames)

    for failure in failures:
        print("FAIL:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
