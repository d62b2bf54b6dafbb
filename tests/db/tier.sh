# tests/db/tier.sh: what tiers 50 (MariaDB) and 55 (PostgreSQL) do alike with
# their tests/db/DB-check script.  Source it after tests/lib.sh, then:
#
#   db_tier_can_run NAME   false (after a SKIP line) when the tier cannot run
#   db_tier_check DB ARGS...
#       run tests/db/DB-check ARGS under a private TMPDIR ($tmpdir, removed
#       on exit), then once more interrupted by Ctrl-C right after the capture
#       is attached; check that both leave nothing behind and that the
#       interrupted one says so in its exit status
# shellcheck shell=bash

db_tier_can_run() {
	need_root "$1" || return 1
	if [ ! -x "$DBNETIO_ROOT/scripts/dbnetio" ] && [ -z "${DBNETIO_LAUNCHER:-}" ]; then
		skip "$1" "scripts/dbnetio (the capture launcher) is not there yet"
		return 1
	fi
}

db_tier_check() {
	local db=$1 out rc
	shift
	# A private TMPDIR shows whether the check removed everything it
	# created; a PostgreSQL server runs as the postgres user, which must be
	# able to enter it.
	# a tier may check several DBs: the last one's dir is left for it
	[ -n "${tmpdir:-}" ] && rm -rf "$tmpdir" "$tmpdir.out"
	tmpdir=$(mktemp -d)
	chmod 755 "$tmpdir"
	trap 'rm -rf "$tmpdir" "$tmpdir.out"' EXIT
	TMPDIR=$tmpdir "$DBNETIO_ROOT/tests/db/$db-check" "$@" | tee "$tmpdir.out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$tmpdir.out"; then
		fail "$db-check" "exited $rc without reporting a failure"
	fi
	check "$db-check leaves nothing in TMPDIR" "" "$(ls -A "$tmpdir")"

	# Ctrl-C in the middle of the workload: the server is stopped and its
	# data removed all the same (the traps), and the status says it was
	# interrupted.
	out=$(TMPDIR=$tmpdir python3 "$DBNETIO_ROOT/tests/db/interrupt.py" '# capture attached' 2 \
		"$DBNETIO_ROOT/tests/db/$db-check" "$@" 2>&1)
	check "$db-check on Ctrl-C: exit status" "interrupt.py: exit 130" "$(printf '%s\n' "$out" | tail -n 1)"
	check "$db-check on Ctrl-C: nothing left in TMPDIR" "" "$(ls -A "$tmpdir")"
	check "$db-check on Ctrl-C: no process left using TMPDIR" "" "$(pgrep -f -- "$tmpdir/" || true)"
}
