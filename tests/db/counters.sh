# tests/db/counters.sh: read MariaDB's own byte counters with an accounting
# that is exact.  Sourced after tests/db/mariadb.sh.
#
#   ctr_open          open one root connection over the UNIX socket
#   ctr_read          one snapshot into CTR_SENT, CTR_RECV, CTR_THREADS
#                     (Bytes_sent, Bytes_received, Threads_connected);
#                     CTR_N counts the reads on this connection
#   ctr_close         close it
#
# The accounting, which is why this file exists:
# - Bytes_sent/Bytes_received (SHOW GLOBAL STATUS) count every client byte,
#   UNIX socket clients included, while a TCP capture sees only TCP.  So the
#   counters are read over the UNIX socket: that traffic is never captured,
#   and only its effect on the counters must be taken out.
# - Each read changes the counters by a constant: the server counts the
#   query's bytes as it receives them (before the snapshot) and the result's
#   bytes as it sends them (after the snapshot).  So between two consecutive
#   snapshots the counters grow by c = (result of read i) + (query of read
#   i+1), plus whatever other clients did.  The query text never changes and
#   every value in the result is zero-padded to 20 digits, so the result's
#   length never changes either: c is a constant per connection.
# - One connection stays open for all reads, so no handshake or COM_QUIT of
#   the reader lands between two snapshots.
# - c is measured, not assumed: two back-to-back reads with no other client
#   give it (a test checks that a later back-to-back pair gives the same c).
# - Then, for snapshots A (read number a) and B (read number b > a):
#     other clients' bytes = (B - A) - (b - a) * c
#   for sent and received separately.
# shellcheck shell=bash disable=SC2034

CTR_N=0 CTR_SENT=0 CTR_RECV=0 CTR_THREADS=0
CTR_QUERY="SELECT LPAD(MAX(IF(VARIABLE_NAME='BYTES_SENT',VARIABLE_VALUE,NULL)),20,'0'),\
 LPAD(MAX(IF(VARIABLE_NAME='BYTES_RECEIVED',VARIABLE_VALUE,NULL)),20,'0'),\
 LPAD(MAX(IF(VARIABLE_NAME='THREADS_CONNECTED',VARIABLE_VALUE,NULL)),20,'0')\
 FROM information_schema.GLOBAL_STATUS\
 WHERE VARIABLE_NAME IN ('BYTES_SENT','BYTES_RECEIVED','THREADS_CONNECTED');"

# ctr_open: start the mariadb client as a coprocess; --unbuffered makes it
# print each result as soon as it has it.
ctr_open() {
	coproc CTR { exec mariadb --no-defaults -S "$MDB_SOCK" -u root -N -B --unbuffered 2>&1; }
	CTR_N=0
}

# ctr_read: one snapshot into CTR_SENT, CTR_RECV, CTR_THREADS.  Not for a
# subshell (it counts reads in CTR_N).  Fails (and prints what the client
# said) on anything but three numbers.
ctr_read() {
	local line
	printf '%s\n' "$CTR_QUERY" >&"${CTR[1]}" || return 1
	IFS= read -r -t 30 -u "${CTR[0]}" line || { echo "counters: no answer" >&2; return 1; }
	CTR_N=$((CTR_N + 1))
	if ! [[ $line =~ ^([0-9]{20})$'\t'([0-9]{20})$'\t'([0-9]{20})$ ]]; then
		echo "counters: unexpected answer: $line" >&2
		return 1
	fi
	CTR_SENT=$((10#${BASH_REMATCH[1]}))
	CTR_RECV=$((10#${BASH_REMATCH[2]}))
	CTR_THREADS=$((10#${BASH_REMATCH[3]}))
}

# ctr_close: end the client (EOF on its stdin; SIGTERM if it lingers).
ctr_close() {
	[ -n "${CTR_PID:-}" ] || return 0
	local pid=$CTR_PID i
	[ -n "${CTR[1]:-}" ] && eval "exec ${CTR[1]}>&-"
	for ((i = 0; i < 20; i++)); do
		proc_alive "$pid" || return 0
		sleep 0.1
	done
	proc_end "$pid" TERM 20
}
