#!/usr/bin/env python3
"""report-totals.py: the send and receive totals in a `dbnetio-report -f json`
summary, for the database checks to compare with their own parse of the
capture stream.

USAGE: report-totals.py SUMMARY.json COMM [PID...]
  Prints "SEND RECV": the sums of total_bytes over the series whose comm is
  COMM (and whose pid is one of PID..., when given), by direction.
"""

import json
import sys


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: report-totals.py SUMMARY.json COMM [PID...]\n")
        return 2
    with open(sys.argv[1]) as f:
        summary = json.load(f)
    comm = sys.argv[2]
    pids = {int(p) for p in sys.argv[3:]}
    totals = {"send": 0, "recv": 0}
    for s in summary.get("series", []):
        if s.get("comm") != comm or (pids and s.get("pid") not in pids):
            continue
        if s.get("direction") in totals:
            totals[s["direction"]] += int(s["total_bytes"])
    print(totals["send"], totals["recv"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
