#!/usr/bin/env bash
# Tier 30: the tracepoint lane — every ground-truth pattern of
# tests/lanes/tcpwork.c captured through scripts/dbnetio -P tracepoint on this
# machine's kernel, byte for byte.  splice() receive is the tracepoint
# program's documented gap (reported as a known gap, not a pass).
. "$(dirname "$0")/../lib.sh"

need_root "tracepoint lane" || exit 0
if ! have bpftrace && [ -z "${BPFTRACE:-}" ]; then
	skip "tracepoint lane" "bpftrace is not installed (scripts/install-deps demo)"
	exit 0
fi
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
if [ ! -d /sys/kernel/tracing/events/sock/sock_send_length ]; then
	skip "tracepoint lane" "this kernel has no sock:sock_send_length tracepoint (5.19+)"
	exit 0
fi
"$DBNETIO_ROOT/tests/lanes/run-patterns" -P tracepoint
