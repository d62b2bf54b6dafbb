#!/usr/bin/env python3
"""interrupt.py: press Ctrl-C on a command at a chosen moment.

USAGE: interrupt.py PATTERN DELAY CMD [ARG...]
  Runs CMD in a new process group with SIGINT at its default (as a terminal
  would), copies its output to ours, and once a line containing PATTERN has
  appeared waits DELAY seconds and sends SIGINT to the whole group, like a
  Ctrl-C at the terminal.  Prints "interrupt.py: exit STATUS" (a negative
  status: killed by that signal) and exits 0 when the PATTERN was seen, 1
  otherwise.  Gives up after 300 s.
"""

import os
import signal
import subprocess
import sys
import threading
import time


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: interrupt.py PATTERN DELAY CMD [ARG...]\n")
        return 2
    pattern, delay, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = threading.Event()

    def fire():
        time.sleep(delay)
        try:
            os.killpg(proc.pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    timer = threading.Timer(300, lambda: os.killpg(proc.pid, signal.SIGKILL))
    timer.start()
    for raw in proc.stdout:
        line = raw.decode(errors="replace")
        sys.stdout.write(line)
        sys.stdout.flush()
        if not seen.is_set() and pattern in line:
            seen.set()
            threading.Thread(target=fire, daemon=True).start()
    rc = proc.wait()
    timer.cancel()
    print("interrupt.py: exit %d" % rc)
    return 0 if seen.is_set() else 1


if __name__ == "__main__":
    sys.exit(main())
