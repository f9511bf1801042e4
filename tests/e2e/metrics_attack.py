#!/usr/bin/env python3
"""Holds IDLE idle connections (connect, send nothing) and SLOW slowloris connections (a request
line, then one header byte every second, never the blank line) to HOST:PORT for SECONDS, opening a
new one whenever the server closes one, as a hostile peer would. Idle ones come from 127.0.0.2,
slow ones from 127.0.0.3 (both loopback), so the attack is two clients, neither of them the
scraper. Prints one JSON line: how many were open at the least and at the most (sampled every
0.2 s after the first second), and how many times the server closed an idle and a slow one."""
import json
import select
import socket
import sys
import time

host, port, idle, slow, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])


def connect(source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(2)
    try:
        s.connect((host, port))
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


idle_socks = [connect("127.0.0.2") for _ in range(idle)]
slow_socks = [connect("127.0.0.3") for _ in range(slow)]
for s in slow_socks:
    if s:
        s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
start = time.monotonic()
last_drip = start
closed = {"idle": 0, "slow": 0}
least, most = None, 0
while time.monotonic() - start < seconds:
    time.sleep(0.2)
    for group, source, kind in ((idle_socks, "127.0.0.2", "idle"), (slow_socks, "127.0.0.3", "slow")):
        for i, s in enumerate(group):
            dead = s is None
            if not dead:
                readable, _, _ = select.select([s], [], [], 0)
                if readable:
                    try:
                        dead = s.recv(4096) == b""
                    except OSError:
                        dead = True
            if dead:
                if s is not None:
                    s.close()
                    closed[kind] += 1
                s = connect(source)
                if s is not None and group is slow_socks:
                    s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                group[i] = s
    now = time.monotonic()
    if now - last_drip >= 1:
        last_drip = now
        for s in slow_socks:
            if s is not None:
                try:
                    s.send(b"X")  # one more byte of a header that never ends
                except OSError:
                    pass
    if now - start >= 1:
        open_now = sum(1 for s in idle_socks + slow_socks if s is not None)
        least = open_now if least is None else min(least, open_now)
        most = max(most, open_now)
print(json.dumps({"least_open": least, "most_open": most, "idle_closed_by_server": closed["idle"],
                  "slow_closed_by_server": closed["slow"]}))
