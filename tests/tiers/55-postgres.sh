#!/usr/bin/env bash
# Tier 55: a real PostgreSQL under pgbench (4 clients over TCP), captured by
# process name with the tracepoint variant on this machine's kernel.  Every
# per-connection backend, forked after the probes were attached, must be in
# the capture with exactly the bytes a counting relay saw
# (tests/db/postgres-check).  Then: nothing is left behind.
. "$(dirname "$0")/../lib.sh"

need_root "postgres tracepoint" || exit 0
if [ ! -x "$DBNETIO_ROOT/scripts/dbnetio" ] && [ -z "${DBNETIO_LAUNCHER:-}" ]; then
	skip "postgres tracepoint" "scripts/dbnetio (the capture launcher) is not there yet"
	exit 0
fi

# A private TMPDIR shows whether the check removed everything it created; the
# server runs as the postgres user, which must be able to enter it.
tmpdir=$(mktemp -d)
chmod 755 "$tmpdir"
trap 'rm -rf "$tmpdir" "$tmpdir.out"' EXIT
TMPDIR=$tmpdir "$DBNETIO_ROOT/tests/db/postgres-check" -P tracepoint -t 10 -c 4 | tee "$tmpdir.out"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$tmpdir.out"; then
	fail "postgres-check" "exited $rc without reporting a failure"
fi
check "postgres-check leaves nothing in TMPDIR" "" "$(ls -A "$tmpdir")"

# Ctrl-C in the middle of the workload: the server is stopped and its data
# removed all the same (the traps), and the status says it was interrupted.
out=$(TMPDIR=$tmpdir python3 "$DBNETIO_ROOT/tests/db/interrupt.py" '# capture attached' 2 \
	"$DBNETIO_ROOT/tests/db/postgres-check" -P tracepoint -t 10 2>&1)
check "postgres-check on Ctrl-C: exit status" "interrupt.py: exit 130" "$(printf '%s\n' "$out" | tail -n 1)"
check "postgres-check on Ctrl-C: nothing left in TMPDIR" "" "$(ls -A "$tmpdir")"
check "postgres-check on Ctrl-C: no process left using TMPDIR" "" "$(pgrep -f -- "$tmpdir/" || true)"
