#!/usr/bin/env python3
"""Prints ports that are free right now on loopback (the kernel picks them), for test servers.

    free_port.py                 one TCP port free on 127.0.0.1
    free_port.py --udp           ... free for both TCP and UDP on 127.0.0.1
    free_port.py --ipv6          ... free for TCP on both 127.0.0.1 and ::1
    free_port.py --count N       N distinct ports on one line, separated by spaces

With --count, every port is held until all are chosen, so the N are distinct.
"""
import argparse
import socket


def pick(udp, ipv6, held):
    """One port the kernel chose on 127.0.0.1 that is also free where asked; appends its sockets to held."""
    while True:
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind(("127.0.0.1", 0))
        port = tcp.getsockname()[1]
        extra = []
        try:
            if udp:
                extra.append(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                extra[-1].bind(("127.0.0.1", port))
            if ipv6:
                extra.append(socket.socket(socket.AF_INET6, socket.SOCK_STREAM))
                extra[-1].bind(("::1", port))
        except OSError:
            for s in [tcp] + extra:
                s.close()
            continue
        held += [tcp] + extra
        return port


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--udp", action="store_true", help="also free for UDP on 127.0.0.1")
    parser.add_argument("--ipv6", action="store_true", help="also free for TCP on ::1")
    parser.add_argument("--count", type=int, default=1, help="how many distinct ports")
    args = parser.parse_args()
    held = []
    print(*(pick(args.udp, args.ipv6, held) for _ in range(args.count)))


if __name__ == "__main__":
    main()
