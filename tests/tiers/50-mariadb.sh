#!/usr/bin/env bash
# Tier 50: a real MariaDB under sysbench, captured on this machine's kernel
# with the tracepoint variant; the capture's totals must match the server's
# own Bytes_sent/Bytes_received (tests/db/mariadb-check, which the QEMU guest
# tier also runs with -P kprobe).  Then: nothing is left behind.
. "$(dirname "$0")/../lib.sh"

need_root "mariadb tracepoint" || exit 0
if [ ! -x "$DBNETIO_ROOT/scripts/dbnetio" ] && [ -z "${DBNETIO_LAUNCHER:-}" ]; then
	skip "mariadb tracepoint" "scripts/dbnetio (the capture launcher) is not there yet"
	exit 0
fi

# A private TMPDIR shows whether the check removed everything it created.
tmpdir=$(mktemp -d)
trap 'rm -rf "$tmpdir" "$tmpdir.out"' EXIT
TMPDIR=$tmpdir "$DBNETIO_ROOT/tests/db/mariadb-check" -P tracepoint -t 10 | tee "$tmpdir.out"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$tmpdir.out"; then
	fail "mariadb-check" "exited $rc without reporting a failure"
fi
check "mariadb-check leaves nothing in TMPDIR" "" "$(ls -A "$tmpdir")"

# Ctrl-C in the middle of the workload: the server is stopped and its data
# removed all the same (the traps), and the status says it was interrupted.
out=$(TMPDIR=$tmpdir python3 "$DBNETIO_ROOT/tests/db/interrupt.py" '# capture attached' 2 \
	"$DBNETIO_ROOT/tests/db/mariadb-check" -P tracepoint -t 10 2>&1)
check "mariadb-check on Ctrl-C: exit status" "interrupt.py: exit 130" "$(printf '%s\n' "$out" | tail -n 1)"
check "mariadb-check on Ctrl-C: nothing left in TMPDIR" "" "$(ls -A "$tmpdir")"
check "mariadb-check on Ctrl-C: no process left using TMPDIR" "" "$(pgrep -f -- "$tmpdir/" || true)"

# make demo's script, shortened: it must print the summary table with the
# server in it and write every file the README promises.
outdir=$(mktemp -d)
TMPDIR=$tmpdir "$DBNETIO_ROOT/scripts/demo" -t 6 -o "$outdir" >"$outdir.stdout" 2>"$outdir.stderr"
rc=$?
check "demo exit status" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/# demo: /' "$outdir.stderr" | tail -n 15
if grep -q '^[0-9]* mariadbd send ' "$outdir.stdout" && grep -q '^[0-9]* mariadbd recv ' "$outdir.stdout"; then
	pass "demo prints the summary table with the server's send and recv"
else
	fail "demo summary table" "no 'PID mariadbd send/recv' rows in: $(head -c 300 "$outdir.stdout")"
fi
if [ -x "$BUILD/dbnetio-report" ]; then
	missing=
	for f in capture.txt summary.txt rates.csv summary.json report.html charts/timeseries.png; do
		[ -s "$outdir/$f" ] || missing="$missing $f"
	done
	check "demo writes capture, summary, CSV, JSON, charts and report" "" "${missing# }"
fi
check "demo leaves nothing in TMPDIR" "" "$(ls -A "$tmpdir")"
rm -rf "$outdir" "$outdir.stdout" "$outdir.stderr"
