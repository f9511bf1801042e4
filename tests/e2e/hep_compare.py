#!/usr/bin/env python3
"""Compares the SIP figures of a report built from HEP (`sipmon live --hep-listen`) with a
reference report (`sipmon replay` of the captures the HEP was made from, or SIPp's statistics
turned into counts). Exits 1 with the differences listed."""
import argparse
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hep", required=True, help="JSON report of sipmon live --hep-listen")
    parser.add_argument("--replay", required=True, help="JSON report of the reference replay")
    parser.add_argument("--sender", help="JSON report of the sipmon that sent the HEP (its hep_out section)")
    parser.add_argument("--retransmissions", action="store_true",
                        help="also compare retransmissions (timestamps kept across HEP)")
    args = parser.parse_args()
    hep, replay = load(args.hep), load(args.replay)
    problems = []

    def same(name, got, want):
        if got != want:
            problems.append(f"{name}: HEP {got!r} != reference {want!r}")

    for key in ("requests", "responses", "responses_by_method"):
        same(key, hep.get(key), replay.get(key))
    same("sip_messages", hep["capture"]["sip_messages"], replay["capture"]["sip_messages"])
    if args.retransmissions:
        same("retransmissions", hep.get("retransmissions"), replay.get("retransmissions"))
    hep_in = hep["capture"].get("hep_in")
    if hep_in is None:
        problems.append("the HEP report has no capture.hep_in section")
    else:
        refused = sum(v for k, v in hep_in["errors"].items() if k != "unknown_chunk")
        same("hep_in.sip_payloads", hep_in["sip_payloads"], replay["capture"]["sip_messages"])
        same("hep_in packets = payloads + refused", hep_in["packets"], hep_in["sip_payloads"] + refused)
        same("hep_in.errors", hep_in["errors"], {})
        same("hep_in.socket_drops", hep_in["socket_drops"], 0)
    if args.sender:
        out = load(args.sender)["capture"].get("hep_out")
        if out is None:
            problems.append("the sender's report has no capture.hep_out section")
        else:
            same("hep_out.sent", out["sent"], replay["capture"]["sip_messages"])
            same("hep_out.dropped", out["dropped"], {})
    if problems:
        print("FAIL:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"same figures: {replay['capture']['sip_messages']} SIP messages, "
          f"{sum(replay['requests'].values())} requests, {sum(replay['responses'].values())} responses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
