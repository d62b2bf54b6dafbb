# tests/db/postgres.sh: a throwaway PostgreSQL server.  Source it after
# tests/db/mariadb.sh (for proc_end, mdb_free_port, db_wait_ready and
# db_start_on_free_port), then:
#
#   pg_up             initdb into a fresh temp dir under ${TMPDIR:-/tmp},
#                     start postgres on 127.0.0.1 at a free port, with its
#                     UNIX socket in that dir
#   pg_sql SQL        run SQL over the UNIX socket (never traced: not TCP)
#   pg_bench ARGS...  run pgbench as the server's user over the UNIX socket
#                     (for -i); TCP runs pass -h/-p themselves
#   pg_down           stop the server, remove the dir; idempotent, for traps
#
# After pg_up: PG_DIR, PG_PORT, PG_PID (the postmaster), PG_BIN, PG_USER,
# PG_PASS (password of the database user "bench", for TCP clients).
#
# PostgreSQL refuses to run as root, so when we are root the server runs as
# the "postgres" system user (Debian's package creates it), via setpriv,
# which execs in place so PG_PID is the postmaster itself.  Host TCP
# connections need a SCRAM password (no "trust" on a TCP port); the UNIX
# socket, inside a directory only we can reach, uses peer-less trust.
# shellcheck shell=bash

PG_DIR='' PG_PORT='' PG_PID='' PG_BIN='' PG_USER='' PG_PASS=bench-pw

# pg_find_bin: the newest installed server's bin directory.
pg_find_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && [ -x "$d/postgres" ] && printf '%s\n' "$d"
}

# pg_as_user CMD...: run CMD as the server's user.
pg_as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid="$PG_USER" --regid="$PG_USER" --init-groups -- "$@"
	else
		"$@"
	fi
}

# pg_exec_as_user CMD...: the same, replacing the current (sub)shell, so that
# `(pg_exec_as_user postgres ...) &` leaves $! = the postmaster's pid.
pg_exec_as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		exec setpriv --reuid="$PG_USER" --regid="$PG_USER" --init-groups -- "$@"
	fi
	exec "$@"
}

pg_sql() {
	pg_as_user "$PG_BIN/psql" -X -q -A -t -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -c "$*"
}

pg_bench() {
	pg_as_user "$PG_BIN/pgbench" -h "$PG_DIR" -p "$PG_PORT" -U postgres "$@"
}

# pg_ping: true when the server answers on its UNIX socket.
pg_ping() {
	pg_sql 'SELECT 1' >/dev/null 2>&1
}

# pg_start PORT: start the postmaster on PORT in the background (PG_PID) and
# wait up to 30 s until it answers.
pg_start() {
	PG_PORT=$1
	(pg_exec_as_user "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" \
		-c listen_addresses=127.0.0.1 -c unix_socket_directories="$PG_DIR" \
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off \
		-c max_connections=50 -c shared_buffers=32MB -c logging_collector=off \
		</dev/null >"$PG_DIR/server.log" 2>&1) &
	PG_PID=$!
	db_wait_ready "$PG_PID" 30 pg_ping
}

# pg_up: create, start and provision the server.
pg_up() {
	PG_BIN=$(pg_find_bin) || { echo "postgres: no server in /usr/lib/postgresql" >&2; return 1; }
	if [ "$(id -u)" -eq 0 ]; then PG_USER=postgres; else PG_USER=$(id -un); fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dbnetio-postgres.XXXXXX") || return 1
	chown "$PG_USER": "$PG_DIR" || return 1
	chmod 700 "$PG_DIR"
	printf '%s\n' "$PG_PASS" >"$PG_DIR/pw"
	chown "$PG_USER": "$PG_DIR/pw"
	if ! pg_as_user "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust \
		--auth-host=scram-sha-256 --pwfile="$PG_DIR/pw" --no-sync -E UTF8 \
		>"$PG_DIR/initdb.log" 2>&1; then
		echo "postgres: initdb failed (as $PG_USER, in $PG_DIR):" >&2
		tail -n 20 "$PG_DIR/initdb.log" >&2
		return 1
	fi
	# distinct clients come from 127.0.0.2, 127.0.0.3, ... (relays)
	printf 'host all all 127.0.0.0/8 scram-sha-256\n' >>"$PG_DIR/data/pg_hba.conf"
	db_start_on_free_port postgres "$PG_DIR/server.log" pg_start pg_stop
}

# pg_stop: fast shutdown (SIGINT), SIGKILL after 30 s.
pg_stop() {
	[ -n "$PG_PID" ] || return 0
	proc_end "$PG_PID" INT 300
	PG_PID=
}

pg_down() {
	pg_stop
	if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
		rm -rf "$PG_DIR"
	fi
	PG_DIR=
}
