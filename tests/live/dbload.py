#!/usr/bin/env python3
"""dbload.py: a steady two-way load, like a server's, for the Prometheus tier.

It renames itself NAME, starts one peer per ADDR (forked, renamed NAME-peer,
listening on that loopback address), waits for a line on stdin (so a capture
can attach first), then for SECONDS wall-clock seconds, in the middle of
each second (k + 0.5), sends SEND bytes to every peer and reads the RECV
bytes every peer answers.  Each ADDR is a distinct client of NAME (the
address its sockets talk to).  At the end it prints one line per peer,
"ADDR SENT RECEIVED", the bytes its own calls moved (the ground truth).

USAGE: dbload.py NAME SECONDS SEND RECV ADDR...
Bounded: SECONDS 1..120, SEND and RECV at most 64 MiB, at most 8 peers.
"""
import ctypes
import os
import socket
import sys
import time


def rename(name):
    ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)


def recv_exactly(s, n):
    got = 0
    while got < n:
        b = s.recv(min(1 << 20, n - got))
        if not b:
            raise SystemExit("dbload: peer closed early")
        got += len(b)
    return got


def peer(lst, name, nsend, nrecv, secs):
    rename(name + "-peer")
    c, _ = lst.accept()
    data = b"r" * nrecv
    for _ in range(secs):
        recv_exactly(c, nsend)
        c.sendall(data)
    c.close()
    os._exit(0)


def main():
    name, secs, nsend, nrecv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    addrs = sys.argv[5:]
    if not (1 <= secs <= 120 and 1 <= nsend <= 64 << 20 and 1 <= nrecv <= 64 << 20 and 1 <= len(addrs) <= 8):
        raise SystemExit("dbload: SECONDS 1..120, SEND and RECV 1..64 MiB, 1 to 8 ADDRs")
    rename(name)
    conns, kids = [], []
    for a in addrs:
        lst = socket.socket()
        lst.bind((a, 0))
        lst.listen(1)
        pid = os.fork()
        if pid == 0:
            peer(lst, name, nsend, nrecv, secs)
        kids.append(pid)
        conns.append((a, lst.getsockname()))
        lst.close()
    sys.stdin.readline()
    socks = [(a, socket.create_connection(sa)) for a, sa in conns]
    data = b"s" * nsend
    sent = {a: 0 for a in addrs}
    got = {a: 0 for a in addrs}
    start = int(time.time()) + 1
    for k in range(secs):
        time.sleep(max(0.0, start + k + 0.5 - time.time()))
        for a, s in socks:
            s.sendall(data)
            sent[a] += nsend
        for a, s in socks:
            got[a] += recv_exactly(s, nrecv)
    for _, s in socks:
        s.close()
    for pid in kids:
        os.waitpid(pid, 0)
    for a in addrs:
        print(a, sent[a], got[a])


if __name__ == "__main__":
    main()
