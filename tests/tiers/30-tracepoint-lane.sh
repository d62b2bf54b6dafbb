#!/usr/bin/env bash
# Tier 30: the tracepoint lane — every ground-truth pattern of
# tests/lanes/tcpwork.c captured through scripts/dbnetio -P tracepoint on this
# machine's kernel, byte for byte, per process, client and connection
# (splice() receive is a known gap only on kernels without
# tcp:tcp_rcv_space_adjust); 30 paced wall-clock seconds under load, each
# exact (tests/lanes/run-paced); then the JSON stream's shape, the pid and
# cgroup filters, and a full per-connection map.  (A real MariaDB against its own counters is tier 50.)
. "$(dirname "$0")/../lib.sh"

need_root "tracepoint lane" || exit 0
if ! have bpftrace && [ -z "${BPFTRACE:-}" ]; then
	skip "tracepoint lane" "bpftrace is not installed (scripts/install-deps demo)"
	exit 0
fi
need_sock_tracepoints "tracepoint lane" || exit 0
# every key: per process, per client address, per connection
for key in process client connection; do
	"$DBNETIO_ROOT/tests/lanes/run-patterns" -P tracepoint -K $key
done
# per-second fidelity: 30 paced seconds under more CPU hogs than cores
"$DBNETIO_ROOT/tests/lanes/run-paced" -P tracepoint -s 30

# The stream itself, in JSON: a process that starts AFTER the capture is still
# matched by name, -d ends the capture by itself, and the events are exactly
# header, time+maps per interval, final marker, time+maps, nothing else.
tcpwork=$BUILD/tcpwork
[ -x "$tcpwork" ] || { skip "json stream" "$tcpwork is missing (run make)"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tier30.XXXXXX")
trap 'kill $early 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
mkfifo "$tmp/go"
"$tcpwork" -g "$tmp/go" unix > "$tmp/early.out" &
early=$!
sleep 0.2
"$DBNETIO_ROOT/scripts/dbnetio" -E bpftrace -P tracepoint -c tcpwork -f json -i 1 -d 3 -o "$tmp/cap.json" 2>"$tmp/err" &
cap=$!
# (the header is the launcher's; the first dump comes once probes are live)
for _ in $(seq 300); do grep -q 'dbnetio-dump-end' "$tmp/cap.json" 2>/dev/null && break; sleep 0.1; done
late=$(echo go | "$tcpwork" send-recv)
echo go > "$tmp/go"
wait $early
t0=$SECONDS
wait $cap
rc=$?
check "capture with -d 3 exits by itself with status 0" 0 "$rc"
check "bpftrace's RLIMIT_MEMLOCK error is kept off stderr (explained once instead)" "0 $(ulimit -l unlimited 2>/dev/null && echo 0 || echo 1)" \
	"$(grep -c "couldn't set RLIMIT_MEMLOCK" "$tmp/err") $(grep -c 'RLIMIT_MEMLOCK cannot be raised here; harmless' "$tmp/err")"
[ $((SECONDS - t0)) -le 5 ] && pass "capture with -d 3 stopped in time" ||
	fail "capture with -d 3 stopped in time" "took $((SECONDS - t0)) s after the workloads"
read -r _ lpid lsent lrecv _ <<<"$late"
python3 - "$tmp/cap.json" "$lpid" "$lsent" "$lrecv" <<'PY' | sed 's/^/    /; s/^    \(PASS\|FAIL\|SKIP\)/\1/'
import json, sys
path, pid, sent, recv = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def check(name, exp, got):
    print(("PASS %s (%s)" % (name, got)) if exp == got else ("FAIL %s: expected %s, measured %s" % (name, exp, got)))
events, bad = [], 0
for line in open(path):
    if not line.strip():
        continue
    try:
        events.append(json.loads(line))
    except ValueError:
        bad += 1
check("json stream: every line is a JSON object", 0, bad)
ev = [e for e in events if e.get("type") != "attached_probes"]
kinds = [e["type"] for e in ev]
import re
check("json stream: first event is the header printf", True,
      bool(ev) and ev[0]["type"] == "printf" and ev[0]["data"].startswith("# dbnetio-capture 2 probe=tracepoint key=client filter=comm:tcpwork interval=1 counters=cumulative "))
timeline = re.compile(r"^[0-9]{10}\.[0-9]{6}\n$")
times = [e for e in ev if e["type"] == "printf" and timeline.match(e["data"])]
check("json stream: time lines are printf events with microseconds", True, len(times) >= 3)
check("json stream: no time events (the programs print their own clock)", 0, kinds.count("time"))
ends = [i for i, e in enumerate(ev) if e["type"] == "printf" and e["data"] == "# dbnetio-dump-end\n"]
check("json stream: every dump ends with its marker", len(times), len(ends))
finals = [i for i, e in enumerate(ev) if e["type"] == "printf" and e["data"] == "# dbnetio-final\n"]
check("json stream: one final marker", 1, len(finals))
tail = ev[finals[0] + 1:] if finals else []
check("json stream: after the marker a time, the four maps and the end marker",
      ["printf", "map", "map", "map", "map", "printf"], [e["type"] for e in tail])
names = sorted({k for e in ev if e["type"] == "map" for k in e["data"]})
check("json stream: only @send, @recv and the process totals", ["@precv", "@psend", "@recv", "@send"], names)
final = {k: v for e in tail if e["type"] == "map" for k, v in e["data"].items()}
key = "%s,tcpwork" % pid
check("json stream: process started after the capture, send", sent, final.get("@psend", {}).get(key, 0))
check("json stream: process started after the capture, recv", recv, final.get("@precv", {}).get(key, 0))
check("json stream: its client key, send", sent, final.get("@send", {}).get(key + ",127.0.0.1", 0))
# dumps fall on wall-clock seconds: each time line a few ms after one
fracs = [float(e["data"]) % 1 for e in times[:-1]]
check("json stream: dumps within 50 ms after a wall-clock second", True, bool(fracs) and max(fracs) < 0.05)
PY

# Filter by pid: the listed process counts exactly, an unlisted one with the
# same name not at all.
mkfifo "$tmp/goA" "$tmp/goB"
"$tcpwork" -g "$tmp/goA" waitall > "$tmp/A.out" &
a=$!
"$tcpwork" -g "$tmp/goB" send-recv > "$tmp/B.out" &
b=$!
sleep 0.2
"$DBNETIO_ROOT/scripts/dbnetio" -E bpftrace -P tracepoint -k process -p "$a" -d 2 -o "$tmp/cap.txt" 2>"$tmp/err" &
cap=$!
for _ in $(seq 300); do grep -q 'dbnetio-dump-end' "$tmp/cap.txt" 2>/dev/null && break; sleep 0.1; done
echo go > "$tmp/goA"; echo go > "$tmp/goB"
wait $a $b
wait $cap
check "pid filter: header" "filter=pid:$a" "$(grep -o 'filter=[^ ]*' "$tmp/cap.txt")"
read -r _ _ asent arecv _ < "$tmp/A.out"
check "pid filter: listed process send" "$asent" "$(awk -v k="@send[$a," 'index($0, k) == 1 { v = $NF } END { print v + 0 }' "$tmp/cap.txt")"
check "pid filter: listed process recv" "$arecv" "$(awk -v k="@recv[$a," 'index($0, k) == 1 { v = $NF } END { print v + 0 }' "$tmp/cap.txt")"
check "pid filter: nothing from other pids" "" "$(grep '^@' "$tmp/cap.txt" | grep -v "^@[a-z]*\[$a, ")"

# More connections than the per-connection map holds (DBNETIO_MAP_KEYS=24,
# 60 connections): the process totals stay exact, and what found no key of
# its own is reported as the client "overflow", never lost.
report=$BUILD/dbnetio-report
mkfifo "$tmp/goM"
python3 "$DBNETIO_ROOT/tests/lanes/manyconns.py" dbnovf 60 < "$tmp/goM" > "$tmp/M.out" &
m=$!
exec 8>"$tmp/goM"	# held open: the workload reads its go line from here
for _ in $(seq 300); do pgrep -x dbnovf >/dev/null && break; sleep 0.1; done
DBNETIO_MAP_KEYS=24 "$DBNETIO_ROOT/scripts/dbnetio" -E bpftrace -P tracepoint -k connection -c dbnovf -o "$tmp/ovf.txt" 2>"$tmp/ovf.err" &
cap=$!
for _ in $(seq 300); do grep -q 'dbnetio-dump-end' "$tmp/ovf.txt" 2>/dev/null && break; sleep 0.1; done
echo go >&8
exec 8>&-
wait $m
sleep 1.2
kill -INT $cap
wait $cap
read -r mpid msent mrecv < "$tmp/M.out"
check "map full: the capture's @psend is the process's own send total" "$msent" \
	"$(awk -v k="@psend[$mpid," 'index($0, k) == 1 { v = $NF } END { print v + 0 }' "$tmp/ovf.txt")"
check "map full: the capture's @precv is the process's own recv total" "$mrecv" \
	"$(awk -v k="@precv[$mpid," 'index($0, k) == 1 { v = $NF } END { print v + 0 }' "$tmp/ovf.txt")"
if [ -x "$report" ]; then
	"$report" -f json "$tmp/ovf.txt" > "$tmp/ovf.json" 2>"$tmp/ovf.rep.err"
	python3 - "$tmp/ovf.json" "$mpid" "$msent" "$mrecv" <<'PY'
import json, sys
rep, pid, sent, recv = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def check(name, exp, got):
    print(("PASS %s (%s)" % (name, got)) if exp == got else ("FAIL %s: expected %s, measured %s" % (name, exp, got)))
ser = [s for s in rep["series"] if s.get("pid") == pid]
for d, truth in (("send", sent), ("recv", recv)):
    conns = [s for s in ser if s["direction"] == d and s.get("client") != "overflow"]
    ovf = [s for s in ser if s["direction"] == d and s.get("client") == "overflow"]
    check("map full: %s: fewer connection series than connections" % d, True, 0 < len(conns) < 60)
    check("map full: %s: an overflow series holds the rest" % d, True, len(ovf) == 1 and ovf[0]["total_bytes"] > 0)
    check("map full: %s: connections + overflow = the process's total, exact" % d, truth,
          sum(s["total_bytes"] for s in conns + ovf))
PY
else
	skip "map full: the report's overflow series" "$report is not built (run make)"
fi

# -g CGROUP: every process in a cgroup v2 directory or below it.
"$DBNETIO_ROOT/tests/lanes/cgroup-filter" -E bpftrace
