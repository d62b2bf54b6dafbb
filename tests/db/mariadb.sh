# tests/db/mariadb.sh: a throwaway MariaDB server for the demo, the accuracy
# check and the overhead benchmark.  Source it, then:
#
#   mdb_up            start a server: data, socket and logs in a fresh temp dir
#                     under ${TMPDIR:-/tmp}, TCP on 127.0.0.1 at a free port
#   mdb_prepare N R   sysbench tables (N tables of R rows) for user sbtest
#   mdb_sysbench TEST SECONDS [ARGS...]   drive it over TCP (127.0.0.1)
#   mdb_sql SQL       run SQL as root over the UNIX socket (never traced: not TCP)
#   mdb_down          stop the server and remove its directory; idempotent,
#                     so callers put it in their EXIT trap
#
# After mdb_up: MDB_DIR, MDB_SOCK, MDB_PORT, MDB_PID (the mariadbd pid).
#
# Why these choices:
# - --no-defaults: nothing from /etc/mysql may leak in (a bind-address, a
#   port, a socket path under a read-only /run in the QEMU guests).
# - --user=root: works as root on the host and inside a chroot guest where the
#   mysql user may not own anything; MariaDB allows it when asked explicitly.
# - a real sysbench user with a password (no --skip-grant-tables), so the
#   TCP traffic includes the normal authentication handshake.
# - --skip-ssl: Bytes_sent/Bytes_received count the protocol's plaintext, the
#   capture counts what crosses the socket; with TLS (on by default from
#   MariaDB 11.4, with self-made certificates) they would differ by the
#   record overhead.
# - small redo log and buffer pool: the data dir is ~26 MB, which matters on
#   the guests' tmpfs.
# shellcheck shell=bash

MDB_DIR='' MDB_SOCK='' MDB_PORT='' MDB_PID=''
MDB_USER=sbtest MDB_PASS=sbtest-pw

# proc_alive PID: true while PID runs.  A zombie counts as gone: within a
# trap bash may not have reaped it yet, and kill -0 succeeds on zombies.
proc_alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# proc_end PID SIG TENTHS: send SIG to PID (a negative PID: a process group),
# poll for up to TENTHS tenths of a second, then SIGKILL.  No `wait`: called
# from EXIT traps, where waiting for a pid bash has already reaped (a child
# that died of the same Ctrl-C) blocks until every other child exits.
proc_end() {
	local pid=$1 sig=$2 n=$3 target=${1#-} i
	kill -"$sig" -- "$pid" 2>/dev/null || return 0
	for ((i = 0; i < n; i++)); do
		proc_alive "$target" || return 0
		sleep 0.1
	done
	kill -KILL -- "$pid" 2>/dev/null
	for ((i = 0; i < 20; i++)); do
		proc_alive "$target" || return 0
		sleep 0.1
	done
}

# mdb_free_port: print a TCP port on 127.0.0.1 that nobody listens on now.
# The kernel picks it (bind to port 0); a tiny race with other programs is
# possible, so db_start_on_free_port retries with a new port if the server
# fails to bind.
mdb_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# db_wait_ready PID SECONDS CMD...: wait up to SECONDS until CMD succeeds;
# false at once if PID (the server) dies meanwhile.
db_wait_ready() {
	local pid=$1 deadline=$((SECONDS + $2))
	shift 2
	while [ $SECONDS -lt $deadline ]; do
		proc_alive "$pid" || return 1
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# db_start_on_free_port NAME LOG START STOP: START PORT starts a server on a
# free PORT and waits until it answers.  Up to three tries, each on a new
# port: another program may take the port between mdb_free_port and the
# server's bind.  After a failed try, LOG's tail goes to stderr and STOP
# stops what START began.
db_start_on_free_port() {
	local name=$1 log=$2 start=$3 stop=$4 try port
	for try in 1 2 3; do
		port=$(mdb_free_port) || return 1
		"$start" "$port" && return 0
		echo "$name: server did not start on port $port (try $try):" >&2
		tail -n 5 "$log" >&2
		"$stop"
	done
	return 1
}

# mdb_sql SQL...: run SQL as root over the UNIX socket, tab-separated, no headers.
mdb_sql() {
	mariadb --no-defaults -S "$MDB_SOCK" -u root -N -B -e "$*"
}

# mdb_ping: true when the server answers on its socket.
mdb_ping() {
	[ -S "$MDB_SOCK" ] && mdb_sql 'SELECT 1' >/dev/null 2>&1
}

# mdb_start PORT: start mariadbd on PORT in the background (MDB_PID) and
# wait up to 60 s until it answers.
mdb_start() {
	MDB_PORT=$1
	mariadbd --no-defaults --user=root --datadir="$MDB_DIR/data" \
		--socket="$MDB_SOCK" --port="$MDB_PORT" --bind-address=127.0.0.1 \
		--pid-file="$MDB_DIR/mariadbd.pid" --log-error="$MDB_DIR/error.log" \
		--skip-name-resolve --skip-log-bin --skip-ssl --max-connections=200 \
		--innodb-log-file-size=8M --innodb-buffer-pool-size=64M \
		--innodb-flush-log-at-trx-commit=0 \
		</dev/null >/dev/null 2>&1 &
	MDB_PID=$!
	db_wait_ready "$MDB_PID" 60 mdb_ping
}

# mdb_up: create, start and provision the server.  Returns non-zero (and
# prints the server's error log to stderr) on failure; the caller's EXIT trap
# must still call mdb_down, which removes whatever was created.
mdb_up() {
	MDB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dbnetio-mariadb.XXXXXX") || return 1
	MDB_SOCK=$MDB_DIR/mysqld.sock
	if ! mariadb-install-db --no-defaults --datadir="$MDB_DIR/data" --user=root \
		--auth-root-authentication-method=normal --skip-test-db \
		--innodb-log-file-size=8M --innodb-buffer-pool-size=32M \
		>"$MDB_DIR/install.log" 2>&1; then
		echo "mariadb: mariadb-install-db failed:" >&2
		tail -n 20 "$MDB_DIR/install.log" >&2
		return 1
	fi
	db_start_on_free_port mariadb "$MDB_DIR/error.log" mdb_start mdb_stop || return 1
	# The sysbench user connects over TCP from loopback addresses only
	# (distinct clients are 127.0.0.2, 127.0.0.3, ... through relays).
	mdb_sql "CREATE DATABASE sbtest;
		CREATE USER '$MDB_USER'@'127.0.0.%' IDENTIFIED BY '$MDB_PASS';
		GRANT ALL ON sbtest.* TO '$MDB_USER'@'127.0.0.%';" || return 1
}

# mdb_sysbench_args: the connection options every sysbench run uses (TCP);
# MDB_CONNECT_PORT, when set, is a relay's port to go through instead.
mdb_sysbench_args() {
	printf '%s\n' --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="${MDB_CONNECT_PORT:-$MDB_PORT}" \
		--mysql-user="$MDB_USER" --mysql-password="$MDB_PASS" --mysql-db=sbtest
}

# mdb_prepare TABLES ROWS: create the sysbench tables.  Run it before any
# capture starts: its traffic is not part of what a test measures.
mdb_prepare() {
	local -a conn
	mapfile -t conn < <(mdb_sysbench_args)
	sysbench oltp_read_write "${conn[@]}" --tables="$1" --table-size="$2" \
		prepare >"$MDB_DIR/prepare.log" 2>&1 || {
		echo "mariadb: sysbench prepare failed:" >&2
		tail -n 20 "$MDB_DIR/prepare.log" >&2
		return 1
	}
}

# mdb_sysbench TEST SECONDS [ARGS...]: run a sysbench test over TCP; its
# output goes to stdout.  ARGS are passed through (--threads, --tables, ...).
mdb_sysbench() {
	local test=$1 secs=$2
	local -a conn
	shift 2
	mapfile -t conn < <(mdb_sysbench_args)
	sysbench "$test" "${conn[@]}" --time="$secs" --report-interval=0 "$@" run
}

# mdb_client PORT SQL: run SQL as the sysbench user over TCP to 127.0.0.1:PORT
# (a relay's port), one connection; the password goes through the
# environment, not the command line.
mdb_client() {
	MYSQL_PWD=$MDB_PASS mariadb --no-defaults -h 127.0.0.1 -P "$1" -u "$MDB_USER" -N -B sbtest -e "$2"
}

# mdb_stop: stop the server (clean shutdown on SIGTERM, SIGKILL after 30 s).
# Only the pid this library started is ever signalled.
mdb_stop() {
	[ -n "$MDB_PID" ] || return 0
	proc_end "$MDB_PID" TERM 300
	MDB_PID=
}

# mdb_down: stop the server and remove its directory.  Safe to call twice
# and before mdb_up.
mdb_down() {
	mdb_stop
	if [ -n "$MDB_DIR" ] && [ -d "$MDB_DIR" ]; then
		rm -rf "$MDB_DIR"
	fi
	MDB_DIR=
}
