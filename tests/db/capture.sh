# tests/db/capture.sh: start and stop a dbnetio capture around a workload,
# and read a capture's totals independently of dbnetio-report.  Sourced by
# tests/db/*-check, scripts/demo and tests/bench/overhead.
#
#   cap_start OUT [LAUNCHER ARGS...]  run $DBNETIO_LAUNCHER ARGS -o OUT, or
#                     scripts/dbnetio -E $CAP_ENGINE (default bpftrace) ARGS -o OUT, in its
#                     own process group; return once the first dump is out,
#                     i.e. every probe is attached (the header is the
#                     launcher's and comes before)
#   cap_stop          Ctrl-C the capture and let it print its final dump
#   cap_totals FILE [COMM [PID]]   print "SEND RECV NPIDS" from the last dump
#                     of a text capture (the totals, since counters are
#                     cumulative), over entries whose process name is COMM and
#                     pid is PID (empty or absent: any)
#   cap_clients FILE PID   print "CLIENT SEND RECV" per client address of PID
#                     from the last dump of a client- or connection-keyed
#                     capture
#
# Honours $BPFTRACE (passed on to the launcher).  Needs root.  Source
# tests/db/mariadb.sh first (proc_alive, proc_end).
# shellcheck shell=bash

CAP_PID='' CAP_OUT=''
: "${DBNETIO_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# cap_start OUT ARGS...: start the capture; fail (with its stderr) if it has
# not printed its first dump within 180 s (a bpftrace compile takes ~20 s in
# the emulated guests).
cap_start() {
	CAP_OUT=$1
	shift
	: >"$CAP_OUT"
	# setsid: the capture gets its own process group, so one signal reaches
	# the launcher and its bpftrace whatever the launcher's shape.
	local launcher=("$DBNETIO_ROOT/scripts/dbnetio" -E "${CAP_ENGINE:-bpftrace}")
	[ -n "${DBNETIO_LAUNCHER:-}" ] && launcher=("$DBNETIO_LAUNCHER")
	setsid "${launcher[@]}" "$@" -o "$CAP_OUT" \
		</dev/null 2>"$CAP_OUT.err" &
	CAP_PID=$!
	local deadline=$((SECONDS + 180))
	while [ $SECONDS -lt $deadline ]; do
		if grep -q '^# dbnetio-dump-end' "$CAP_OUT" 2>/dev/null; then
			return 0
		fi
		if ! proc_alive "$CAP_PID"; then
			echo "capture: exited before attaching:" >&2
			tail -n 20 "$CAP_OUT.err" >&2
			CAP_PID=
			return 1
		fi
		sleep 0.2
	done
	echo "capture: no first dump after 180 s" >&2
	cap_stop
	return 1
}

# cap_stop: SIGINT the capture's process group (bpftrace then runs END, which
# prints the final dump) and give it 60 s before SIGKILL.
cap_stop() {
	[ -n "$CAP_PID" ] || return 0
	proc_end "-$CAP_PID" INT 600
	CAP_PID=
}

# cap_totals FILE [COMM [PID]]: an independent reading of the capture format
# (README "The capture format"): a time line starts a dump; "@send[PID, NAME]:
# N" and "@recv[...]" lines are cumulative, so the last dump holds the
# totals.  Client- and connection-keyed captures also hold each process's own
# totals in @psend/@precv ([PID, NAME], exact whatever the per-client map
# holds): those are read there.  Prints "SEND RECV NPIDS" (NPIDS: distinct
# pids counted).
cap_totals() {
	local maps='send|recv'
	grep -q '^@psend\[' "$1" && maps='psend|precv'
	awk -v comm="${2:-}" -v want="${3:-}" -v maps="$maps" '
	/^[0-9]+(\.[0-9]+)?$/ { delete s; delete r; delete p; next }
	$0 ~ ("^@(" maps ")[[]") {
		line = $0
		sub(/^@p?/, "", line)
		map = substr(line, 1, 4)
		key = line; sub(/^[a-z]+\[/, "", key); sub(/\]: [0-9]+$/, "", key)
		val = line; sub(/^.*\]: /, "", val)
		pid = key; sub(/,.*/, "", pid)
		name = key; sub(/^[0-9]+, /, "", name)
		if (comm != "" && name != comm) next
		if (want != "" && pid != want) next
		if (map == "send") s[key] = val; else r[key] = val
		p[pid] = 1
	}
	END {
		ts = 0; tr = 0; n = 0
		for (k in s) ts += s[k]
		for (k in r) tr += r[k]
		for (k in p) n++
		printf "%d %d %d\n", ts, tr, n
	}' "$1"
}

# cap_clients FILE PID: "CLIENT SEND RECV" for each client address of PID in
# the last dump (connection keys summed per address), sorted by address.
cap_clients() {
	awk -v want="$2" '
	/^[0-9]+(\.[0-9]+)?$/ { delete s; delete r; delete c; next }
	/^@(send|recv)\[/ {
		map = substr($0, 2, 4)
		key = $0; sub(/^@[a-z]+\[/, "", key); sub(/\]: [0-9]+$/, "", key)
		n = split(key, f, ", ")
		if (f[1] != want || n < 3) next
		# [pid, name, addr] or [pid, name, addr, rport, lport]; the name
		# may hold ", " itself, so the address is counted from the end
		a = (n >= 5 && f[n] ~ /^[0-9]+$/ && f[n - 1] ~ /^[0-9]+$/) ? f[n - 2] : f[n]
		if (map == "send") s[key] = $NF; else r[key] = $NF
		addr[key] = a
		c[a] = 1
	}
	END {
		for (k in s) ts[addr[k]] += s[k]
		for (k in r) tr[addr[k]] += r[k]
		for (a in c) printf "%s %d %d\n", a, ts[a], tr[a]
	}' "$1" | sort
}
