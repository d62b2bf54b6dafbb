#!/usr/bin/env python3
"""paced.py: the ground truth for per-second fidelity.

It renames itself NAME, waits for a line on stdin (so a capture can attach
first), then for SECONDS wall-clock seconds sends exactly BYTES bytes over
loopback TCP in the middle of each second (at k + 0.5, well away from both
boundaries) to a peer process (forked, renamed NAME-peer, which reads and
discards).  It prints one line per second it sent in, "EPOCH_SECOND BYTES",
where EPOCH_SECOND is the whole second k (UTC) the bytes moved in: second k
of a capture's series must hold exactly BYTES.

USAGE: paced.py NAME SECONDS BYTES
"""
import ctypes
import os
import socket
import sys
import time


def rename(name):
    ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)


def main():
    name, secs, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if not (1 <= secs <= 600 and 1 <= nbytes <= 1 << 30):
        raise SystemExit("paced: SECONDS from 1 to 600, BYTES from 1 to 1 GiB")
    rename(name)
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    sys.stdin.readline()
    pid = os.fork()
    if pid == 0:
        rename(name + "-peer")
        c = socket.create_connection(lst.getsockname())
        while c.recv(1 << 20):
            pass
        os._exit(0)
    a, _ = lst.accept()
    data = b"p" * nbytes
    start = int(time.time()) + 1
    lines = []
    for k in range(start, start + secs):
        delay = k + 0.5 - time.time()
        if delay > 0:
            time.sleep(delay)
        if int(time.time()) != k:      # too late for this second (a stall)
            continue
        a.sendall(data)
        if int(time.time()) == k:      # all of it within second k
            lines.append("%d %d" % (k, nbytes))
    a.close()
    os.waitpid(pid, 0)
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
