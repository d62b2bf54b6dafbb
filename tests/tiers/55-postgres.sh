#!/usr/bin/env bash
# Tier 55: a real PostgreSQL under pgbench (4 clients over TCP), captured by
# process name with the tracepoint variant on this machine's kernel.  Every
# per-connection backend, forked after the probes were attached, must be in
# the capture with exactly the bytes a counting relay saw
# (tests/db/postgres-check).  Then: nothing is left behind.
. "$(dirname "$0")/../lib.sh"
. "$DBNETIO_ROOT/tests/db/tier.sh"

db_tier_can_run "postgres tracepoint" || exit 0
db_tier_check postgres -P tracepoint -t 10 -c 4
# The same check with the libbpf collector in the launcher's place: the
# server's own counters (and the relay) against build/dbnetio-collect.
if [ -x "$BUILD/dbnetio-collect" ]; then
	DBNETIO_LAUNCHER=$BUILD/dbnetio-collect "$DBNETIO_ROOT/tests/db/postgres-check" -P tracepoint -t 6 -c 4 2>&1 |
		sed -u -E 's/^(PASS|FAIL|SKIP) /\1 [collector] /'
else
	skip "postgres with the collector" "$BUILD/dbnetio-collect is not built (make)"
fi
# Sessions (dbnetio --db postgres): bytes per application_name and user,
# exact against two relays; interrupted too.
db_tier_check postgres-sessions -P tracepoint
