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
