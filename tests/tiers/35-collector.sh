#!/usr/bin/env bash
# Tier 35: the libbpf collector, build/dbnetio-collect, on this machine's
# kernel (tracepoints here; fexit and kprobes in the QEMU guests).
#   - every ground-truth pattern of tests/lanes/tcpwork.c exact to the byte,
#     per process, per client and per connection, through
#     tests/lanes/run-patterns -E collect -K process|client|connection, and
#     through scripts/dbnetio -E collect and -E auto (which must pick it);
#   - -k process and -k client/connection keys: the right shape, the peer's
#     address (an IPv4 client of a dual-stack listener shows as IPv4) and
#     ports;
#   - the stream: header fields, time lines aligned on the interval,
#     # dbnetio-dump-end after every dump, the final dump on SIGINT/SIGTERM
#     and at -d, JSON events;
#   - -g: the cgroup filter through the launcher (tests/lanes/cgroup-filter);
#   - bad options: exit status 2 and a message, nothing on stdout;
#   - the same workload captured at the same time by scripts/dbnetio
#     (bpftrace) and the collector gives the same totals.
. "$(dirname "$0")/../lib.sh"

collect=$BUILD/dbnetio-collect
tcpwork=$BUILD/tcpwork
need_root "collector" || exit 0
for b in "$collect" "$tcpwork"; do
	[ -x "$b" ] || { skip "collector" "$b is missing (run make)"; exit 0; }
done
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null

for key in client connection process; do
	"$DBNETIO_ROOT/tests/lanes/run-patterns" -E collect -K "$key"
done
# The same patterns through the launcher, which must pick the collector both
# when asked (-E collect) and by itself (auto) on this kernel.
"$DBNETIO_ROOT/tests/lanes/run-patterns" -E launcher-collect -K connection
# -g: the cgroup filter, through the launcher
"$DBNETIO_ROOT/tests/lanes/cgroup-filter" -E collect
"$DBNETIO_ROOT/tests/lanes/run-patterns" -E launcher-auto -K process

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tier35.XXXXXX")
bg=()
trap 'for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
# The sections below filter by name; a copy of tcpwork under a name of this
# run's own keeps other runs' tcpwork processes on the machine out of them.
tw=tw35-$$
cp "$tcpwork" "$tmp/$tw" || { fail "collector" "cannot copy $tcpwork"; exit 1; }
tcpwork=$tmp/$tw

# wait_line FILE PID REGEX SECONDS: wait (at most SECONDS) until FILE has a
# line matching REGEX; false when capture PID died first.
wait_line() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		grep -q "$3" "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# wait_header FILE PID: the header line, printed once the probes are live.
wait_header() { wait_line "$1" "$2" 'dbnetio-capture' 30; }
# wait_dump FILE PID: the capture's first "# dbnetio-dump-end".  The
# launcher prints its header before bpftrace has attached, so for
# scripts/dbnetio only the first dump says the probes are live (the
# collector prints its header after attaching).
wait_dump() { wait_line "$1" "$2" '^# dbnetio-dump-end' 120; }

# stop_capture PID SIGNAL: signal the capture and wait (at most 60 s) for
# it to end; its exit status is left in $stopped (not printed: a $(...)
# subshell cannot wait for this shell's children).  A capture that outlives
# that is killed and reported, never waited for forever.
stop_capture() {
	local i
	kill -"$2" "$1" 2>/dev/null
	for ((i = 0; i < 600; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		fail "capture $1 ends on SIG$2" "still running 60 s after the signal; killed"
	fi
	wait "$1"
	stopped=$?
}

# go FIFO: release a workload waiting on FIFO; gives up after 30 s if it is
# gone (nothing would ever open the fifo's other end).
go() {
	timeout 30 sh -c 'echo go > "$1"' _ "$1" ||
		fail "release the workload on ${1##*/}" "nothing read its start fifo within 30 s"
}

# ---------------------------- -k process --------------------------------
mkfifo "$tmp/go1"
"$tcpwork" -g "$tmp/go1" send-recv > "$tmp/p.out" &
w=$!
sleep 0.2
"$collect" -k process -p "$w" -o "$tmp/p.cap" 2>"$tmp/p.err" &
cap=$!
bg+=("$cap")
if wait_header "$tmp/p.cap" "$cap"; then
	go "$tmp/go1"
	wait "$w"
	read -r _ pid sent recv _ < "$tmp/p.out"
	stop_capture "$cap" INT
	check "-k process: capture stops on SIGINT with status 0" 0 "$stopped"
	final=$(sed -n '/^# dbnetio-final/,$p' "$tmp/p.cap")
	check "-k process: @send[PID, COMM]" "@send[$pid, $tw]: $sent" "$(grep '^@send\[' <<<"$final")"
	check "-k process: @recv[PID, COMM]" "@recv[$pid, $tw]: $recv" "$(grep '^@recv\[' <<<"$final")"
	check "-k process: no @psend/@precv maps" 0 "$(grep -c '^@p' "$tmp/p.cap")"
	check "-k process: header key=process filter=pid:$pid" "key=process filter=pid:$pid" \
		"$(grep -o 'key=[a-z]* filter=[^ ]*' "$tmp/p.cap")"
else
	fail "-k process: capture start" "no header: $(tr '\n' ' ' < "$tmp/p.err")"
fi

# ----------------- -k connection, IPv4 client of a dual-stack listener -----
# The traced process listens on [::] without IPV6_V6ONLY; its client (another
# process) connects over IPv4, so the kernel's peer address is
# ::ffff:127.0.0.1, which the stream must show as 127.0.0.1.
cat > "$tmp/dual.py" <<'PY'
import os, socket, sys
N_SEND, N_RECV = 123457, 76543
srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
srv.bind(("::", 0))
srv.listen(1)
port = srv.getsockname()[1]
print(os.getpid(), flush=True)
sys.stdin.readline()
child = os.fork()
if child == 0:
    c = socket.create_connection(("127.0.0.1", port))
    got = 0
    while got < N_SEND:
        got += len(c.recv(65536))
    c.sendall(b"y" * N_RECV)
    c.close()
    os._exit(0)
conn, peer = srv.accept()
conn.sendall(b"x" * N_SEND)
got = 0
while got < N_RECV:
    b = conn.recv(65536)
    if not b:
        break
    got += len(b)
os.waitpid(child, 0)
print(peer[0], peer[1], port, N_SEND, got, flush=True)
PY
if have python3; then
	mkfifo "$tmp/go2"
	python3 "$tmp/dual.py" < "$tmp/go2" > "$tmp/dual.out" &
	w=$!
	exec 7>"$tmp/go2"
	for _ in $(seq 50); do [ -s "$tmp/dual.out" ] && break; sleep 0.1; done
	dpid=$(head -n1 "$tmp/dual.out")
	"$collect" -k connection -p "$dpid" -o "$tmp/c.cap" 2>"$tmp/c.err" &
	cap=$!
	bg+=("$cap")
	if wait_header "$tmp/c.cap" "$cap"; then
		echo go >&7
		exec 7>&-
		wait "$w"
		read -r peer rport lport dsent drecv < <(sed -n 2p "$tmp/dual.out")
		check "dual-stack: the kernel's peer is IPv4-mapped" "::ffff:127.0.0.1" "$peer"
		stop_capture "$cap" TERM
		check "-k connection: capture stops on SIGTERM with status 0" 0 "$stopped"
		final=$(sed -n '/^# dbnetio-final/,$p' "$tmp/c.cap")
		check "-k connection: @send[PID, COMM, ADDR, RPORT, LPORT], mapped peer as IPv4" \
			"@send[$dpid, python3, 127.0.0.1, $rport, $lport]: $dsent" "$(grep '^@send\[' <<<"$final")"
		check "-k connection: @recv likewise" \
			"@recv[$dpid, python3, 127.0.0.1, $rport, $lport]: $drecv" "$(grep '^@recv\[' <<<"$final")"
		check "-k connection: @psend[PID, COMM]" "@psend[$dpid, python3]: $dsent" "$(grep '^@psend\[' <<<"$final")"
		check "-k connection: @precv[PID, COMM]" "@precv[$dpid, python3]: $drecv" "$(grep '^@precv\[' <<<"$final")"
	else
		exec 7>&-
		fail "-k connection: capture start" "no header: $(tr '\n' ' ' < "$tmp/c.err")"
	fi
else
	skip "-k connection dual-stack" "python3 is not installed"
fi

# ------------------------------ -c NAME ---------------------------------
# The name must match whole: a capture of the name less its last byte, and
# one of the name plus a byte, run beside the real one and count nothing.
mkfifo "$tmp/go5"
"$tcpwork" -g "$tmp/go5" send-recv > "$tmp/n.out" &
w=$!
sleep 0.2
"$collect" -k process -c "$tw" -o "$tmp/n.cap" 2>"$tmp/n.err" &
cap=$!
"$collect" -k process -c "${tw%?}" -o "$tmp/n1.cap" 2>/dev/null &
cap1=$!
"$collect" -k process -c "${tw}x" -o "$tmp/n2.cap" 2>/dev/null &
cap2=$!
bg+=("$cap" "$cap1" "$cap2")
if wait_header "$tmp/n.cap" "$cap" && wait_header "$tmp/n1.cap" "$cap1" && wait_header "$tmp/n2.cap" "$cap2"; then
	go "$tmp/go5"
	wait "$w"
	stop_capture "$cap" INT
	stop_capture "$cap1" INT
	stop_capture "$cap2" INT
	read -r _ pid sent recv _ < "$tmp/n.out"
	check "-c NAME: the process named NAME" "@send[$pid, $tw]: $sent" "$(sed -n '/^# dbnetio-final/,$p' "$tmp/n.cap" | grep '^@send\[')"
	check "-c NAME: a prefix of the name matches nothing" "" "$(grep '^@' "$tmp/n1.cap")"
	check "-c NAME: the name plus a byte matches nothing" "" "$(grep '^@' "$tmp/n2.cap")"
else
	fail "-c NAME: capture start" "no header: $(tr '\n' ' ' < "$tmp/n.err")"
fi

# ----------------------------- many -p ----------------------------------
# -p takes any number of pids (a map, not a fixed set of slots): 40 idle
# processes and one workload, all listed in the header, the workload exact.
many=()
for _ in $(seq 40); do sleep 60 & many+=($!); bg+=($!); done
mkfifo "$tmp/go4"
"$tcpwork" -g "$tmp/go4" sendmsg-recvmsg > "$tmp/m.out" &
w=$!
sleep 0.2
args=()
for p in "${many[@]}" "$w"; do args+=(-p "$p"); done
"$collect" -k process "${args[@]}" -o "$tmp/m.cap" 2>"$tmp/m.err" &
cap=$!
bg+=("$cap")
if wait_header "$tmp/m.cap" "$cap"; then
	go "$tmp/go4"
	wait "$w"
	stop_capture "$cap" INT
	read -r _ pid sent recv _ < "$tmp/m.out"
	check "41 -p options: all in the header's filter" "pid:$(IFS=,; echo "${many[*]},$w")" \
		"$(grep -o 'filter=[^ ]*' "$tmp/m.cap" | cut -d= -f2)"
	check "41 -p options: the workload exact" "@send[$pid, $tw]: $sent @recv[$pid, $tw]: $recv" \
		"$(sed -n '/^# dbnetio-final/,$p' "$tmp/m.cap" | grep '^@' | tr '\n' ' ' | sed 's/ $//')"
else
	fail "41 -p options: capture start" "no header: $(tr '\n' ' ' < "$tmp/m.err")"
fi
kill "${many[@]}" 2>/dev/null

# ------------------------ a full per-client map -------------------------
# The per-client map shrunk to 2 keys (test hook), 4 connections of one
# process: two keys count, the other bytes are missing from @send/@recv but
# never from @psend/@precv, which stay exact.
mkfifo "$tmp/go3"
"$tcpwork" -g "$tmp/go3" threads > "$tmp/f.out" &
w=$!
sleep 0.2
DBNETIO_COLLECT_FLOWS_MAX=2 "$collect" -k connection -p "$w" -o "$tmp/f.cap" 2>"$tmp/f.err" &
cap=$!
bg+=("$cap")
if wait_header "$tmp/f.cap" "$cap"; then
	go "$tmp/go3"
	wait "$w"
	stop_capture "$cap" INT
	read -r _ pid sent recv _ < "$tmp/f.out"
	final=$(sed -n '/^# dbnetio-final/,$p' "$tmp/f.cap")
	check "full map: @psend exact" "@psend[$pid, $tw]: $sent" "$(grep '^@psend\[' <<<"$final")"
	check "full map: @precv exact" "@precv[$pid, $tw]: $recv" "$(grep '^@precv\[' <<<"$final")"
	check "full map: only 2 connection keys" 2 "$(grep '^@send\[' <<<"$final" | wc -l)"
	ksum=$(grep '^@send\[' <<<"$final" | awk '{ s += $NF } END { print s + 0 }')
	[ "$ksum" -gt 0 ] && [ "$ksum" -lt "$sent" ] && pass "full map: the keys hold part of the bytes ($ksum of $sent)" ||
		fail "full map: the keys hold part of the bytes" "expected 0 < $ksum < $sent"
else
	fail "full map: capture start" "no header: $(tr '\n' ' ' < "$tmp/f.err")"
fi

# ------------------- the stream: header, time lines, markers --------------
# -c before any process has the name: a process started later is matched;
# -i 2 -d 5: dumps at the even seconds, then the final one at 5 s.
"$collect" -c "$tw" -i 2 -d 5 -o "$tmp/s.cap" 2>"$tmp/s.err" &
cap=$!
bg+=("$cap")
if wait_header "$tmp/s.cap" "$cap"; then
	late=$(echo go | "$tcpwork" send-recv)
	wait "$cap"
	check "-d 5: capture exits by itself with status 0" 0 "$?"
	read -r _ lpid lsent lrecv _ <<<"$late"
	python3 - "$tmp/s.cap" "$lpid" "$lsent" "$lrecv" "$tw" <<'PY'
import re, sys
path, pid, sent, recv, name = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
lines = open(path).read().split("\n")
def check(name, exp, got):
    print(("PASS %s (%s)" % (name, got)) if exp == got else ("FAIL %s: expected %s, measured %s" % (name, exp, got)))
hdr = re.compile(r"^# dbnetio-capture 2 probe=(fexit|tracepoint|kprobe) key=client filter=comm:" + name + " "
                 r"interval=2 counters=cumulative host=\S+ kernel=\S+ variant=[a-z_,=0-9]+ collector=dbnetio-collect$")
check("stream: the first line is the format-2 header", True, bool(hdr.match(lines[0])))
times = [i for i, l in enumerate(lines) if re.match(r"^\d+\.\d+$", l)]
check("stream: every time line has exactly six decimals", True,
      all(re.match(r"^\d{10,}\.\d{6}$", lines[i]) for i in times))
finals = [i for i, l in enumerate(lines) if l == "# dbnetio-final"]
check("stream: one # dbnetio-final", 1, len(finals))
regular = [float(lines[i]) for i in times if not finals or i < finals[0]]
check("stream: two or three interval dumps in 5 s at -i 2", True, len(regular) in (2, 3))
# aligned: just after a multiple of the interval (the spec allows a few tens of ms)
check("stream: interval time lines within 50 ms after an even second", True,
      bool(regular) and all(t % 2 < 0.05 for t in regular))
check("stream: consecutive time lines 2 s apart", True,
      all(abs((b - a) - 2) < 0.05 for a, b in zip(regular, regular[1:])))
ends = [i for i, l in enumerate(lines) if l == "# dbnetio-dump-end"]
check("stream: one # dbnetio-dump-end per dump", len(times), len(ends))
# every dump: the time line, then @send, @recv, @psend, @precv in that order,
# each one's lines (none when empty) closed by one blank line, then the marker
order = ["@send", "@recv", "@psend", "@precv"]
ok, bad_dump = True, None
for t, e in zip(times, ends):
    maps, cur = [], []
    for l in lines[t + 1:e]:
        if l == "":
            maps.append(cur)
            cur = []
        else:
            cur.append(l)
    good = not cur and len(maps) == 4 and all(
        all(l.startswith(order[i] + "[") and re.search(r"\]: \d+$", l) for l in m)
        for i, m in enumerate(maps))
    if not good and ok:
        ok, bad_dump = False, lines[t:e + 1]
if bad_dump:
    print("    offending dump: %r" % bad_dump)
check("stream: each dump is maps with a blank line after each, then the marker", True, ok)
check("stream: nothing after the final dump's marker", [""], lines[ends[-1] + 1:] if ends else None)
fin = lines[finals[0]:] if finals else []
def val(prefix):
    for l in fin:
        if l.startswith(prefix):
            return l.rsplit(": ", 1)[1]
    return "0"
check("stream: a process started after the capture, @psend", sent, val("@psend[%s, %s]" % (pid, name)))
check("stream: ... and its one client, @send", sent, val("@send[%s, %s, 127.0.0.1]" % (pid, name)))
check("stream: ... @precv", recv, val("@precv[%s, %s]" % (pid, name)))
# The process exits during the capture, so the collector moves its keys out
# of the kernel's map at a dump: no dump may count them twice, or lose them.
series = {}
for t, e in zip(times, ends):
    for l in lines[t + 1:e]:
        m = re.match(r"^(@[a-z]+\[%s, %s[^]]*\]): (\d+)$" % (pid, name), l)
        if m:
            series.setdefault(m.group(1), []).append(int(m.group(2)))
truth = {"@send": int(sent), "@psend": int(sent), "@recv": int(recv), "@precv": int(recv)}
bad = {k: v for k, v in series.items()
       if v != sorted(v) or max(v) > truth[k.split("[")[0]] or v[-1] != truth[k.split("[")[0]]}
check("stream: after the process exited, no dump counts it twice or loses it", ({}, 4), (bad, len(series)))
PY
else
	fail "stream: capture start" "no header: $(tr '\n' ' ' < "$tmp/s.err")"
fi

# ------------------------------- JSON ------------------------------------
"$collect" -c "$tw" -f json -d 2 -o "$tmp/j.cap" 2>"$tmp/j.err" &
cap=$!
bg+=("$cap")
if wait_header "$tmp/j.cap" "$cap"; then
	late=$(echo go | "$tcpwork" ipv6)
	wait "$cap"
	read -r _ lpid lsent lrecv _ <<<"$late"
	python3 - "$tmp/j.cap" "$lpid" "$lsent" "$lrecv" "$tw" <<'PY'
import json, re, sys
path, pid, sent, recv, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def check(name, exp, got):
    print(("PASS %s (%s)" % (name, got)) if exp == got else ("FAIL %s: expected %s, measured %s" % (name, exp, got)))
events, bad = [], 0
for line in open(path):
    try:
        events.append(json.loads(line))
    except ValueError:
        bad += 1
check("json: every line is a JSON object", 0, bad)
check("json: only printf and map events", set(), {e["type"] for e in events} - {"printf", "map"})
pr = [e["data"] for e in events if e["type"] == "printf"]
check("json: the header is the first printf event", True,
      bool(pr) and pr[0].startswith("# dbnetio-capture 2 probe=") and pr[0].endswith(" collector=dbnetio-collect\n"))
check("json: time lines are printf events with six decimals", True,
      any(re.match(r"^\d+\.\d{6}\n$", d) for d in pr))
check("json: markers", True, "# dbnetio-final\n" in pr and pr[-1] == "# dbnetio-dump-end\n")
fin = {}
seen = False
for e in events:
    if e["type"] == "printf" and e["data"] == "# dbnetio-final\n":
        seen = True
    elif seen and e["type"] == "map":
        fin.update(e["data"])
check("json: @send key PID,COMM,ADDR for an IPv6 peer", {"%s,%s,::1" % (pid, name): sent}, fin.get("@send"))
check("json: @recv likewise", {"%s,%s,::1" % (pid, name): recv}, fin.get("@recv"))
check("json: @psend key PID,COMM", {"%s,%s" % (pid, name): sent}, fin.get("@psend"))
check("json: @precv key PID,COMM", {"%s,%s" % (pid, name): recv}, fin.get("@precv"))
PY
else
	fail "json: capture start" "no header: $(tr '\n' ' ' < "$tmp/j.err")"
fi

# ---------------------------- bad options --------------------------------
sleep 30 &
single=$!
bg+=("$single")
python3 -c 'import threading, time; threading.Thread(target=time.sleep, args=(30,)).start(); time.sleep(30)' &
multi=$!
bg+=("$multi")
sleep 0.3
thread=$(ls "/proc/$multi/task" 2>/dev/null | grep -vx "$multi" | head -n1)
# rejected NAME ARGS...: exit status 2, a message naming the problem on
# stderr, nothing on stdout.
rejected() {
	local name=$1 out err rc
	shift
	out=$("$collect" "$@" 2>"$tmp/bad.err")
	rc=$?
	err=$(head -n1 "$tmp/bad.err")
	if [ $rc -eq 2 ] && [ -z "$out" ] && [[ $err == dbnetio-collect:* ]]; then
		pass "bad option: $name ($err)"
	else
		fail "bad option: $name" "expected status 2, a message and no output; got status $rc, stderr '$err', stdout '${out:0:80}'"
	fi
}
rejected "-i 0" -i 0
rejected "-i 3601" -i 3601
rejected "-i 1x" -i 1x
rejected "-i empty" -i ''
rejected "-i 99999999999999999999 (overflow)" -i 99999999999999999999
rejected "-d -1" -d -1
rejected "-d 31536001" -d 31536001
rejected "-k host" -k host
rejected "-P uprobe" -P uprobe
rejected "-f xml" -f xml
rejected "-p 0" -p 0
rejected "-p abc" -p abc
rejected "-p +5" -p +5
rejected "-p a pid that is not running" -p 2147483647
[ -n "$thread" ] && rejected "-p a thread, not a process" -p "$thread"
rejected "-c a 16-byte name" -c 0123456789abcdef
rejected "-c empty" -c ''
rejected "-p and -c together" -p "$single" -c sleep
rejected "an unexpected argument" -p "$single" extra
rejected "an unknown option" -x
rejected "-o in a missing directory" -o "$tmp/no/such/dir/cap"

# -------------- the same workload, bpftrace and the collector -------------
# Both capture at the same time, so they see the very same bytes; the
# post-processor's totals per process must agree.
if [ -n "${BPFTRACE:-}" ] || have bpftrace; then
	pats=(send-recv ipv6 splice threads peek)
	for p in "${pats[@]}"; do mkfifo "$tmp/cmp.$p"; done
	for p in "${pats[@]}"; do "$tcpwork" -g "$tmp/cmp.$p" "$p" > "$tmp/cmp.$p.out" & done
	sleep 0.3
	"$DBNETIO_ROOT/scripts/dbnetio" -E bpftrace -P tracepoint -c "$tw" -o "$tmp/bt.cap" 2>"$tmp/bt.err" &
	bt=$!
	"$collect" -c "$tw" -o "$tmp/col.cap" 2>"$tmp/col.err" &
	col=$!
	bg+=("$bt" "$col")
	if wait_dump "$tmp/bt.cap" "$bt" && wait_header "$tmp/col.cap" "$col"; then
		# one after another (two cores shared); a workload prints its line last
		for p in "${pats[@]}"; do
			go "$tmp/cmp.$p"
			for _ in $(seq 300); do [ -s "$tmp/cmp.$p.out" ] && break; sleep 0.1; done
		done
		stop_capture "$bt" INT
		stop_capture "$col" INT
		report=$BUILD/dbnetio-report
		if [ -x "$report" ] && "$report" -f json "$tmp/bt.cap" > "$tmp/bt.json" 2>"$tmp/bt.rep" &&
		   "$report" -f json "$tmp/col.cap" > "$tmp/col.json" 2>"$tmp/col.rep"; then
			how=report
		else
			how=final
			gap "same workload through dbnetio-report" "this tree's dbnetio-report cannot read both streams yet ($(cat "$tmp/col.rep" "$tmp/bt.rep" 2>/dev/null | head -n1 | sed "s|$tmp/||")); comparing the final dumps' per-process totals instead"
		fi
		python3 - "$how" "$tmp" "${pats[@]}" <<'PY'
import json, re, sys
how, tmp, pats = sys.argv[1], sys.argv[2], sys.argv[3:]
def check(name, exp, got):
    print(("PASS %s (%s)" % (name, got)) if exp == got else ("FAIL %s: expected %s, measured %s" % (name, exp, got)))
def from_report(path):
    tot = {}
    for s in json.load(open(path))["series"]:
        if s.get("map") in ("@send", "@recv"):
            k = (str(s["pid"]), s["direction"])
            tot[k] = tot.get(k, 0) + s["total_bytes"]
    return tot
def from_final(path):
    lines = open(path).read().split("\n")
    fin = lines[lines.index("# dbnetio-final"):]
    have_p = any(l.startswith("@psend[") or l.startswith("@precv[") for l in fin)
    tot = {}
    for l in fin:
        m = re.match(r"^@(p?)(send|recv)\[(\d+), .*\]: (\d+)$", l)
        if m and bool(m.group(1)) == have_p:
            k = (m.group(3), m.group(2))
            tot[k] = tot.get(k, 0) + int(m.group(4))
    return tot
get = from_report if how == "report" else from_final
bt = get(tmp + ("/bt.json" if how == "report" else "/bt.cap"))
col = get(tmp + ("/col.json" if how == "report" else "/col.cap"))
for p in pats:
    f = open("%s/cmp.%s.out" % (tmp, p)).read().split()
    pid, sent, recv = f[1], int(f[2]), int(f[3])
    for d, truth in (("send", sent), ("recv", recv)):
        check("same workload (%s): %s %s, bpftrace and collector agree" % (how, p, d),
              bt.get((pid, d), 0), col.get((pid, d), 0))
        check("same workload (%s): %s %s, collector exact" % (how, p, d), truth, col.get((pid, d), 0))
check("same workload (%s): the same processes in both" % how, sorted(bt), sorted(col))
PY
	else
		fail "same workload: capture start" "bpftrace: $(tail -n2 "$tmp/bt.err" | tr '\n' ' ') collector: $(tail -n2 "$tmp/col.err" | tr '\n' ' ')"
	fi
else
	skip "same workload, bpftrace and the collector" "bpftrace is not installed (scripts/install-deps demo)"
fi
