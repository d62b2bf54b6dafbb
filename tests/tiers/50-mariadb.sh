#!/usr/bin/env bash
# Tier 50: a real MariaDB under sysbench, captured on this machine's kernel
# with the tracepoint variant; the capture's totals must match the server's
# own Bytes_sent/Bytes_received (tests/db/mariadb-check, which the QEMU guest
# tier also runs with -P kprobe).  Then: nothing is left behind.
. "$(dirname "$0")/../lib.sh"
. "$DBNETIO_ROOT/tests/db/tier.sh"

db_tier_can_run "mariadb tracepoint" || exit 0
db_tier_check mariadb -P tracepoint -t 10
# The same check with the libbpf collector in the launcher's place: the
# server's own counters (and the relay) against build/dbnetio-collect.
if [ -x "$BUILD/dbnetio-collect" ]; then
	DBNETIO_LAUNCHER=$BUILD/dbnetio-collect "$DBNETIO_ROOT/tests/db/mariadb-check" -P tracepoint -t 6 2>&1 |
		sed -u -E 's/^(PASS|FAIL|SKIP) /\1 [collector] /'
else
	skip "mariadb with the collector" "$BUILD/dbnetio-collect is not built (make)"
fi

# Sessions (dbnetio --db mariadb): bytes per database user, exact against
# three relays; hostile names escaped; failing credentials.  Interrupted
# too: the poller must go with the capture.
db_tier_check mariadb-sessions -P tracepoint

# make demo's script, shortened: it must print the summary table with the
# server in it and write every file the README promises.
outdir=$(mktemp -d)
TMPDIR=$tmpdir "$DBNETIO_ROOT/scripts/demo" -t 6 -o "$outdir" >"$outdir.stdout" 2>"$outdir.stderr"
rc=$?
check "demo exit status" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/# demo: /' "$outdir.stderr" | tail -n 15
# by user and client: rows "PID mariadbd CLIENT user=USER send|recv"
for cu in '127.0.0.1 user=sbtest' '127.0.0.3 user=reports'; do
	if grep -q "^[0-9]* mariadbd $cu send " "$outdir.stdout" && grep -q "^[0-9]* mariadbd $cu recv " "$outdir.stdout"; then
		pass "demo prints the summary table with $cu's send and recv"
	else
		fail "demo summary table" "no 'PID mariadbd $cu send/recv' rows in: $(head -c 600 "$outdir.stdout")"
	fi
done
if [ -x "$BUILD/dbnetio-report" ]; then
	missing=
	for f in capture.txt capture.txt.sessions summary.txt rates.csv summary.json report.html charts/timeseries.png; do
		[ -s "$outdir/$f" ] || missing="$missing $f"
	done
	check "demo writes capture, summary, CSV, JSON, charts and report" "" "${missing# }"
	check "demo's summary.json carries the client and user of each series" "127.0.0.1/sbtest 127.0.0.3/reports" \
		"$(python3 -c 'import json, sys; print(" ".join(sorted({"%s/%s" % (s.get("client", "-"), s.get("user", "-")) for s in json.load(open(sys.argv[1]))["series"] if s.get("client") != "overflow"})))' "$outdir/summary.json")"
	check "demo's report has a Who section naming both clients and both users" "1 1 1 1 1" \
		"$(for w in Who '127\.0\.0\.1' '127\.0\.0\.3' '<td>sbtest</td>' '<td>reports</td>'; do grep -c "$w" "$outdir/report.html" | sed 's/[1-9][0-9]*/1/'; done | paste -sd' ')"
fi
check "demo leaves nothing in TMPDIR" "" "$(ls -A "$tmpdir")"
rm -rf "$outdir" "$outdir.stdout" "$outdir.stderr"
