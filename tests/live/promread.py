#!/usr/bin/env python3
"""promread.py: read a Prometheus textfile over and over while it is being
rewritten, as node_exporter's textfile collector does, and check that every
read is a whole, valid file.

USAGE: promread.py FILE STOPFILE [MAX_SECONDS [SAVEDIR]]

Until STOPFILE exists (or MAX_SECONDS, default 120, pass), every ~10 ms:
open FILE, read it all, and check it: it ends with a newline; every line is
a '# HELP', '# TYPE' or a sample `name{labels} value`; each sample's name has
had its TYPE line; no name and label set twice; and every *_total counter is
at least what the previous read showed (monotonic within a run).  A missing
FILE is fine before its first appearance, an error after it.  Prints one
line, "reads N distinct D bad B nonmonotonic M missing K", and on stderr the
first few problems.  With SAVEDIR, each distinct valid file read is saved
there as N.prom, for the caller to compare.  Exits 0 (the caller judges
the numbers).
"""
import os
import re
import sys
import time

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? '
                    r'(-?[0-9.e+-]+|NaN|[+-]Inf)$')


def check(text, problems):
    """The samples {(name, labels): value} of a valid file, or None."""
    if not text.endswith("\n"):
        problems.append("no final newline (%d bytes)" % len(text))
        return None
    typed, seen = set(), {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append("bad line: %r" % line[:120])
            return None
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        if name not in typed:
            problems.append("sample before its TYPE: %s" % name)
            return None
        if (name, labels) in seen:
            problems.append("duplicate: %s%s" % (name, labels))
            return None
        seen[(name, labels)] = float(value)
    return seen


def main():
    path, stop = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
    save = sys.argv[4] if len(sys.argv) > 4 else None
    t0 = time.time()
    reads = bad = nonmono = missing = 0
    appeared = False
    last, distinct, problems = {}, set(), []
    while not os.path.exists(stop) and time.time() - t0 < limit:
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            if appeared:
                missing += 1
                problems.append("file missing after it appeared")
            time.sleep(0.01)
            continue
        appeared = True
        reads += 1
        new = hash(text) not in distinct
        distinct.add(hash(text))
        samples = check(text, problems)
        if samples is None:
            bad += 1
        elif new and save:
            with open(os.path.join(save, "%d.prom" % len(distinct)), "w") as f:
                f.write(text)
        else:
            for k, v in samples.items():
                if k[0].endswith("_total") and k in last and v < last[k]:
                    nonmono += 1
                    problems.append("%s%s went from %s to %s" % (k[0], k[1], last[k], v))
            last.update(samples)
        time.sleep(0.01)
    for p in problems[:5]:
        print("promread: %s" % p, file=sys.stderr)
    print("reads %d distinct %d bad %d nonmonotonic %d missing %d" % (reads, len(distinct), bad, nonmono, missing))


if __name__ == "__main__":
    main()
