#!/usr/bin/env python3
"""domvsjson.py: do the numbers a reader sees in the HTML report equal the
JSON summary's?

USAGE: domvsjson.py CHROMECHECK.json SUMMARY.json

CHROMECHECK.json is chromecheck.py's output for the report (the data-stat
elements of the page as Chromium rendered it); SUMMARY.json is
`dbnetio-report --format json` of the same capture and options.  Every number
the JSON states per series (total bytes, mean, p50, p95, p99, max, seconds),
the per-direction totals and means, the per-process totals and the per-threshold
seconds above and alert counts must be on the page, with the same exact value
(data-value) and a visible text that rounds to it (3 significant digits, the
report's human units); and the page must carry no series the JSON lacks.

Prints "N numbers equal" and exits 0, or one line per mismatch and exits 1.
Single-source reports only (keys carry no source prefix).
"""

import json
import re
import sys

UNITS = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3, "TiB": 1024 ** 4}


def text_value(text):
    """The number a human-formatted cell shows: "12.5 MiB/s" -> bytes/s."""
    m = re.fullmatch(r"([0-9.]+)(?: ([KMGT]?i?B))?(?:/s)?(?: alerts?)?", text.strip())
    if not m:
        return None
    return float(m.group(1)) * UNITS.get(m.group(2) or "B", 1)


def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-6


def main():
    dom = json.load(open(sys.argv[1]))["stats"]
    js = json.load(open(sys.argv[2]))
    want = {}   # data-stat key -> exact value

    for s in js["series"]:
        raw = "%s[%s]" % (s["map"], s["key"]) if s["key"] else s["map"]
        want[raw + "|total_bytes"] = s["total_bytes"]
        want[raw + "|seconds"] = s["seconds"]
        if s.get("samples"):
            for f in ("mean", "p50", "p95", "p99", "max"):
                want["%s|%s" % (raw, f)] = s["rate"][f]
    procs = {}
    totals = {"send": 0, "recv": 0}
    alerts_all = 0
    per_th = {}
    for s in js["series"]:
        d = s.get("direction")
        if d in totals:
            totals[d] += s["total_bytes"]
            p = procs.setdefault((s["pid"], s["comm"]), {"sent": 0, "recv": 0})
            p["sent" if d == "send" else "recv"] += s["total_bytes"]
        for a in s.get("above", []):
            t = per_th.setdefault(a["threshold"], [0, 0])
            t[0] += a["seconds"]
            t[1] += a["alerts_total"]
            alerts_all += a["alerts_total"]
    want["source0|send_bytes"] = totals["send"]
    want["source0|recv_bytes"] = totals["recv"]
    # the headline mean: the series' full-interval bytes (mean x seconds)
    # over the capture's seconds, the one MEAN of README
    secs = js["sources"][0].get("seconds", 0)
    if secs > 0:
        for d in ("send", "recv"):
            want["source0|%s_mean" % d] = sum(
                s["rate"]["mean"] * s["seconds"] for s in js["series"]
                if s.get("direction") == d) / secs
    if js.get("thresholds"):
        want["source0|alerts"] = alerts_all
    for k, (secs, n) in per_th.items():
        want["threshold%d|seconds_above" % k] = secs
        want["threshold%d|alerts" % k] = n
    for (pid, comm), p in procs.items():
        key = "source0|%d|%s" % (pid, comm)
        want[key + "|sent"] = p["sent"]
        want[key + "|recv"] = p["recv"]
        want[key + "|total"] = p["sent"] + p["recv"]

    bad = []
    for key, v in sorted(want.items()):
        if key not in dom:
            # the top-talkers table lists at most 20 processes
            if "|sent" in key or "|recv" in key or "|total" in key:
                if len(procs) > 20:
                    continue
            bad.append("missing on the page: %s (JSON %s)" % (key, v))
            continue
        got = dom[key]
        try:
            exact = float(got["value"])
        except (TypeError, ValueError):
            bad.append("%s: data-value %r is not a number" % (key, got["value"]))
            continue
        if not close(exact, float(v), 1e-9):
            bad.append("%s: JSON %s, page data-value %s" % (key, v, got["value"]))
        shown = text_value(got["text"])
        if shown is None or not close(shown, float(v), 0.006):
            bad.append("%s: JSON %s, page shows %r" % (key, v, got["text"]))
    series_keys = {k.rsplit("|", 1)[0] for k in dom if k.startswith("@")}
    json_keys = {k.rsplit("|", 1)[0] for k in want if k.startswith("@")}
    for extra in sorted(series_keys - json_keys):
        bad.append("on the page but not in the JSON: %s" % extra)
    if bad:
        print("\n".join(bad))
        return 1
    print("%d numbers equal" % len(want))
    return 0


if __name__ == "__main__":
    sys.exit(main())
