#!/usr/bin/env python3
"""byteproxy.py: a TCP relay that counts, per connection, the bytes each way.

The ground truth for the PostgreSQL check.  PostgreSQL keeps no byte counters
of its own, so pgbench connects to this relay and the relay to the server:
every byte the server received went through the relay's write to it, and
every byte the server sent arrived at the relay's read from it, so the
relay's per-connection counts are exactly what the server's socket calls
returned, independent of any tracing.

It also reads the server's BackendKeyData message ('K', which carries the
backend's pid) from the first bytes of each connection, so the counts can be
compared per backend process, not only in total.  That needs a plain
protocol stream from the start: the client must not try SSL or GSS
encryption (PGSSLMODE=disable, PGGSSENCMODE=disable), whose one-byte answers
are not framed as messages.

It is also the ground truth per client address: with --source ADDR its
connections to the server come from ADDR (a loopback address such as
127.0.0.2), so the server, and a capture keyed by client, sees every client
of this relay as ADDR, and the relay's counts are what that client moved.

USAGE: byteproxy.py [--source ADDR] UPSTREAM_PORT PORT_FILE REPORT_FILE
  Listens on 127.0.0.1 at a free port and writes that port to PORT_FILE.  On
  SIGTERM or SIGINT it stops accepting, waits up to 10 s for open connections
  to finish, and writes REPORT_FILE: one line per connection,
  "PID UP DOWN STATE PORT": client-to-server bytes, server-to-client bytes
  (PID 0 when no BackendKeyData was seen), STATE "closed" when both
  directions reached EOF, "open" otherwise (counts may then be short), and
  the relay's own port on its connection to the server (the client port the
  server sees); then exits.
"""

import os
import signal
import socket
import struct
import sys
import threading
import time


class Conn:
    """One relayed connection and its counts."""

    def __init__(self):
        self.up = 0        # client -> server, i.e. what the server received
        self.down = 0      # server -> client, i.e. what the server sent
        self.pid = 0       # backend pid from BackendKeyData, 0 if unseen
        self.head = b""    # server bytes kept until BackendKeyData is found
        self.open_pumps = 2
        self.port = 0      # the relay's port towards the server: the client
                           # port the server (and a capture) sees

    def scan_for_pid(self, data):
        """Walk the server's first messages (type byte, int32 length that
        includes itself) until BackendKeyData; stop looking after it or
        after 64 KiB."""
        if self.pid or self.head is None:
            return
        self.head += data
        buf = self.head
        off = 0
        while len(buf) - off >= 5:
            mtype = buf[off:off + 1]
            (length,) = struct.unpack("!I", buf[off + 1:off + 5])
            if length < 4:
                self.head = None          # not a protocol stream we understand
                return
            if len(buf) - off < 1 + length:
                break
            if mtype == b"K" and length >= 12:
                (self.pid,) = struct.unpack("!I", buf[off + 5:off + 9])
                self.head = None
                return
            off += 1 + length
        self.head = buf[off:]
        if len(self.head) > 65536:
            self.head = None


lock = threading.Lock()
conns = []
stopping = threading.Event()


def pump(src, dst, conn, direction):
    """Copy src to dst until EOF, counting; then half-close dst so the other
    side sees the EOF too.  Errors end the pump like an EOF."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            with lock:
                if direction == "up":
                    conn.up += len(data)
                else:
                    conn.down += len(data)
                    conn.scan_for_pid(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    with lock:
        conn.open_pumps -= 1
        done = conn.open_pumps == 0
    if done:
        src.close()
        dst.close()


def serve(listener, upstream_port, source):
    """Accept clients until stopping; relay each to the upstream server,
    from the address SOURCE (None: the system's choice)."""
    listener.settimeout(0.2)
    while not stopping.is_set():
        try:
            client, _ = listener.accept()
        except socket.timeout:
            continue
        except OSError:
            break
        client.settimeout(None)
        try:
            server = socket.create_connection(("127.0.0.1", upstream_port),
                                              source_address=(source, 0) if source else None)
        except OSError:
            client.close()
            continue
        for s in (client, server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Conn()
        conn.port = server.getsockname()[1]
        with lock:
            conns.append(conn)
        threading.Thread(target=pump, args=(client, server, conn, "up"), daemon=True).start()
        threading.Thread(target=pump, args=(server, client, conn, "down"), daemon=True).start()


def main():
    args = sys.argv[1:]
    source = None
    if len(args) == 5 and args[0] == "--source":
        source = args[1]
        args = args[2:]
        if not source.startswith("127."):
            sys.stderr.write("byteproxy.py: --source must be a loopback address (127.x.y.z)\n")
            return 2
    if len(args) != 3:
        sys.stderr.write("usage: byteproxy.py [--source ADDR] UPSTREAM_PORT PORT_FILE REPORT_FILE\n")
        return 2
    upstream_port = int(args[0])
    port_file, report_file = args[1], args[2]

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stop_signal = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_signal.set())
    signal.signal(signal.SIGINT, lambda *_: stop_signal.set())

    acceptor = threading.Thread(target=serve, args=(listener, upstream_port, source), daemon=True)
    acceptor.start()
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % listener.getsockname()[1])
    os.rename(tmp, port_file)

    while not stop_signal.wait(0.2):
        pass
    stopping.set()
    acceptor.join()
    listener.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with lock:
            if all(c.open_pumps == 0 for c in conns):
                break
        time.sleep(0.05)
    with lock:
        lines = ["%d %d %d %s %d\n" % (c.pid, c.up, c.down, "closed" if c.open_pumps == 0 else "open", c.port)
                 for c in conns]
    tmp = report_file + ".tmp"
    with open(tmp, "w") as f:
        f.writelines(lines)
    os.rename(tmp, report_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
