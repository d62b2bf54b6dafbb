#!/usr/bin/env python3
"""slowfeed.py: write a capture to stdout in pieces, pausing between them,
as a stalling pipe from bpftrace would.

USAGE: slowfeed.py [--pause SECONDS] [--max-seconds N] FILE CUT...

Each CUT is where a pause goes, in the file's own lines (1-based):
  L      before line L (between two lines)
  L+K    K bytes into line L (inside it)
  L-K    K bytes before line L's newline (inside it, e.g. among a value's digits)
The pieces are written in file order, each flushed, then the pause
(default 1.1 s, longer than the 1 s a dump takes).  Bounded in time: the
pauses may not add up to more than --max-seconds (default 20), so a test
using it cannot hang on it; the tiers also run it under timeout(1).
Exits 0, or 2 with a message for a bad CUT.
"""
import sys
import time


def main():
    args = sys.argv[1:]
    pause, limit = 1.1, 20.0
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--pause":
            pause = float(args.pop(0))
        elif opt == "--max-seconds":
            limit = float(args.pop(0))
        else:
            sys.exit("slowfeed.py: unknown option %s" % opt)
    if not args:
        sys.exit(__doc__)
    data = open(args[0], "rb").read()
    starts = [0]
    for i, b in enumerate(data):
        if b == 0x0A:
            starts.append(i + 1)
    cuts = []
    for spec in args[1:]:
        try:
            if "+" in spec:
                line, k = spec.split("+")
                off = starts[int(line) - 1] + int(k)
            elif "-" in spec:
                line, k = spec.split("-")
                off = starts[int(line)] - 1 - int(k)
            else:
                off = starts[int(spec) - 1]
        except (ValueError, IndexError):
            print("slowfeed.py: bad cut '%s' (expected L, L+K or L-K within the file)" % spec,
                  file=sys.stderr)
            sys.exit(2)
        if not 0 < off < len(data):
            print("slowfeed.py: cut '%s' is outside the file" % spec, file=sys.stderr)
            sys.exit(2)
        cuts.append(off)
    cuts.sort()
    if pause * len(cuts) > limit:
        print("slowfeed.py: %d pauses of %.1f s exceed --max-seconds %.0f" % (len(cuts), pause, limit),
              file=sys.stderr)
        sys.exit(2)
    out = sys.stdout.buffer
    pos = 0
    for off in cuts + [len(data)]:
        out.write(data[pos:off])
        out.flush()
        pos = off
        if off < len(data):
            time.sleep(pause)


main()
