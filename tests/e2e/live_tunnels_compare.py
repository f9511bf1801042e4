#!/usr/bin/env python3
"""One capture of live_tunnels_test.sh: the live report against replay of the recording and of the
original file, and the kernel's encapsulation counters against tshark's reading of the recording."""
import argparse
import json
import subprocess
import sys

# Kernel counter -> whether tshark's dissection of a frame crossed that encapsulation (truth from
# outside sipmon): `protocols` is frame.protocols split on ':', `ip_protocols` every ip.proto and
# ipv6.nxt value of the frame.
ENCAPSULATIONS = {
    "gre": lambda protocols, ip_protocols: "gre" in protocols,
    "erspan": lambda protocols, ip_protocols: "erspan" in protocols,
    "gre_ppp": lambda protocols, ip_protocols: "gre" in protocols and "ppp" in protocols[protocols.index("gre"):],
    "vxlan": lambda protocols, ip_protocols: "vxlan" in protocols,
    "gtpu": lambda protocols, ip_protocols: "gtp" in protocols,
    "ip_in_ip": lambda protocols, ip_protocols: bool({"4", "41"} & ip_protocols),
    "sctp": lambda protocols, ip_protocols: "sctp" in protocols,
    "vlan": lambda protocols, ip_protocols: "vlan" in protocols,
    "pppoe": lambda protocols, ip_protocols: "pppoes" in protocols,
    "mpls": lambda protocols, ip_protocols: "mpls" in protocols,
}


def tshark_encapsulations(pcap, ports):
    """Frames with a SIP port at any layer, counted by the encapsulations they crossed; and the UDP frames
    without one (media candidates: the kernel also matches RTP to a call's endpoints once user space has
    read the SDP), counted the same way, with their total. One tshark run."""
    fields = ["frame.protocols", "udp.port", "tcp.port", "sctp.port", "ip.proto", "ipv6.nxt"]
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                          "-d", "udp.port==4789,vxlan", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                          *[arg for f in fields for arg in ("-e", f)]],
                         check=True, capture_output=True, text=True).stdout
    sip = dict.fromkeys(ENCAPSULATIONS, 0)
    media = dict.fromkeys(ENCAPSULATIONS, 0)
    media_total = 0
    for line in out.splitlines():
        columns = line.split("\t") + [""] * len(fields)
        protocols = columns[0].split(":")
        # ICMP errors quote the headers they answer: tshark's port fields match them, the filter does not.
        if "icmp" in protocols or "icmpv6" in protocols:
            continue
        frame_ports = {p for column in columns[1:4] for p in column.split(",") if p}
        if frame_ports & ports:
            counts = sip
        elif "udp" in protocols:
            counts = media
            media_total += 1
        else:
            continue
        ip_protocols = {p for column in columns[4:6] for p in column.split(",") if p}
        for counter, crossed in ENCAPSULATIONS.items():
            counts[counter] += crossed(protocols, ip_protocols)
    return sip, media, media_total


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

    # The kernel matches SIP ports, and UDP to or from a call's media endpoint from the moment user space
    # has read the SDP and put the endpoint in the filter's map: with tcpreplay at top speed, some of a
    # capture's RTP arrives before that and some after (a race this test does not control). The
    # encapsulation counters therefore count tshark's SIP-port frames plus the media the kernel matched
    # (its `media` counter, M) that crossed them. With no media matched this is strict equality; else
    # each counter's surplus over the SIP frames lies between M less the media candidates (UDP frames
    # without a SIP port, from tshark) outside that encapsulation and M or the candidates inside it,
    # whichever is smaller: when every candidate crossed it (GTP-U), that is exactly M.
    sip, media, media_total = tshark_encapsulations(args.recording, set(args.ports.split(",")))
    matched_media = kernel.get("media", 0)
    if matched_media > media_total:
        failures.append(f"{args.name}: kernel media {matched_media} > {media_total}, tshark's UDP frames "
                        "without a SIP port")
    for counter, want in sip.items():
        surplus = kernel.get(counter, 0) - want
        low, high = max(0, matched_media - (media_total - media[counter])), min(matched_media, media[counter])
        if not low <= surplus <= high:
            failures.append(f"{args.name}: kernel {counter} {kernel.get(counter, 0)}: tshark's frames with a SIP port "
                            f"that crossed it are {want}, and the media the kernel matched adds {low} to {high} "
                            f"(media {matched_media}, candidates {media[counter]} inside, {media_total} in all)")
    for failure in failures:
        print("FAIL:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
