#!/usr/bin/env python3
"""manyconns.py: a server that serves more connections than a capture's
per-connection map can hold, and counts what its own calls returned.

The ground truth for the overflow check (tier 30): the process renames
itself NAME, waits for a line on stdin (so the capture can attach first),
then accepts N connections one after another from a client process on
127.0.0.2 (forked, renamed NAME-peer, so a name filter never counts it).
Connection i sends 1000 + i bytes to the server and the server answers with
2000 + 3 * i bytes.  It prints "PID SENT RECEIVED", the sums of its own
send and recv return values.

USAGE: manyconns.py NAME N
"""
import ctypes
import os
import socket
import sys


def rename(name):
    ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)


def recv_exactly(s, n):
    got = 0
    while got < n:
        b = s.recv(n - got)
        if not b:
            raise SystemExit("manyconns: early EOF")
        got += len(b)
    return got


def main():
    name, n = sys.argv[1], int(sys.argv[2])
    if not 1 <= n <= 10000:
        raise SystemExit("manyconns: N from 1 to 10000")
    rename(name)
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(16)
    port = lst.getsockname()[1]
    sys.stdin.readline()
    pid = os.fork()
    if pid == 0:
        rename(name + "-peer")
        for i in range(n):
            c = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
            c.sendall(b"q" * (1000 + i))
            recv_exactly(c, 2000 + 3 * i)
            c.close()
        os._exit(0)
    sent = recv = 0
    for i in range(n):
        a, _ = lst.accept()
        recv += recv_exactly(a, 1000 + i)
        data = b"r" * (2000 + 3 * i)
        off = 0
        while off < len(data):
            off += a.send(data[off:])
        sent += off
        a.close()
    os.waitpid(pid, 0)
    print(os.getpid(), sent, recv, flush=True)


if __name__ == "__main__":
    main()
