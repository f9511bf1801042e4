#!/usr/bin/env python3
"""One capture of live_tunnels_test.sh: the live report against replay of the recording and of the
original file, and the kernel's encapsulation counters against tshark's reading of the recording."""
import argparse
import json
import subprocess
import sys

# Kernel counter -> tshark display filter for the encapsulation (truth from outside sipmon).
ENCAPSULATIONS = {
    "gre": "gre",
    "erspan": "erspan",
    "gre_ppp": "gre and ppp",
    "vxlan": "vxlan",
    "gtpu": "gtp",
    "ip_in_ip": "ip.proto == 4 or ip.proto == 41 or ipv6.nxt == 4 or ipv6.nxt == 41",
    "sctp": "sctp",
    "vlan": "vlan",
    "pppoe": "pppoes",
    "mpls": "mpls",
}


def tshark_count(pcap, display_filter):
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                          "-d", "udp.port==4789,vxlan", "-Y", display_filter, "-T", "fields", "-e", "frame.number"],
                         check=True, capture_output=True, text=True).stdout.split()
    return len(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--live", required=True)
    parser.add_argument("--replay-recording", required=True)
    parser.add_argument("--replay-original", required=True)
    parser.add_argument("--recording", required=True)
    parser.add_argument("--ports", required=True)
    args = parser.parse_args()
    live, rec, orig = (json.load(open(p)) for p in (args.live, args.replay_recording, args.replay_original))
    failures = []

    def expect(what, got, want):
        if got != want:
            failures.append(f"{args.name}: {what}: {got} != {want}")

    lc = live["capture"]
    kernel = lc["kernel"]
    print(f"{args.name}: live {lc['sip_messages']} SIP messages in {lc['packets']} packets; replay of the recording "
          f"{rec['capture']['sip_messages']}, of the original {orig['capture']['sip_messages']}; kernel "
          + ", ".join(f"{k}={v}" for k, v in kernel.items() if v))
    if rec["capture"]["sip_messages"] == 0:
        failures.append(f"{args.name}: no SIP in the recording: nothing was compared")
    for other, label in ((rec, "recording"), (orig, "original")):
        for key in ("sip_messages", "sip_packets"):
            expect(f"live {key} vs replay of the {label}", lc[key], other["capture"][key])
        expect(f"live requests vs replay of the {label}", live["requests"], other["requests"])
        expect(f"live responses vs replay of the {label}", live["responses"], other["responses"])
    expect("drops", {k: v for k, v in lc["drops"].items() if v}, {})
    expect("kernel copied vs live packets", kernel["copied"], lc["packets"])

    ports = args.ports.split(",")
    sip_port = " or ".join(f"{proto}.port == {p}" for proto in ("udp", "tcp", "sctp") for p in ports)
    # ICMP errors quote the headers they answer: tshark's port fields match them, the filter does not.
    sip_frames = f"not icmp and not icmpv6 and ({sip_port})"
    for counter, display_filter in ENCAPSULATIONS.items():
        expect(f"kernel {counter} vs tshark '{display_filter}' with a SIP port", kernel.get(counter, 0),
               tshark_count(args.recording, f"({display_filter}) and {sip_frames}"))
    for failure in failures:
        print("FAIL:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
