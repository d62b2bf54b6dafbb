# tests/lib.sh: the reporting protocol every test tier speaks.
#
# A tier is a bash script in tests/tiers/.  It reports each test as one line on
# stdout, which tests/run counts:
#   PASS <name>                  the assertion held
#   FAIL <name>: <why>           it did not (print expected vs measured)
#   SKIP <name>: <why>           it could not run here (not root, no bpftrace…)
#   SKIP <name>: known gap: <why>  a documented limitation of the subject
# Under CI=true every tier must run, so tests/run counts a plain SKIP as a
# failure there; only a documented "known gap" stays a skip.
# Anything else a tier prints is commentary and is kept in its log.

# shellcheck shell=bash
DBNETIO_ROOT=${DBNETIO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-$DBNETIO_ROOT/build}
CACHE=${DBNETIO_CACHE:-$DBNETIO_ROOT/.cache}
export DBNETIO_ROOT BUILD CACHE

pass() { printf 'PASS %s\n' "$1"; }
fail() { printf 'FAIL %s: %s\n' "$1" "${2:-failed}"; }
skip() { printf 'SKIP %s: %s\n' "$1" "${2:-skipped}"; }
gap()  { printf 'SKIP %s: known gap: %s\n' "$1" "$2"; }

# check NAME EXPECTED MEASURED: PASS when equal, FAIL with both values otherwise.
check() {
	if [ "$2" = "$3" ]; then
		printf 'PASS %s (%s)\n' "$1" "$3"
	else
		printf 'FAIL %s: expected %s, measured %s\n' "$1" "$2" "$3"
	fi
}

is_root() { [ "$(id -u)" -eq 0 ]; }
have() { command -v "$1" >/dev/null 2>&1; }

# need_root NAME: print a SKIP and return 1 when not root.
need_root() {
	is_root && return 0
	skip "$1" "needs root (run make check as root)"
	return 1
}

# need_sock_tracepoints NAME: mount tracefs if needed; print a SKIP and return
# 1 when the kernel lacks the sock:sock_*_length tracepoints the tracepoint
# program needs.
need_sock_tracepoints() {
	[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -d /sys/kernel/tracing/events/sock/sock_send_length ] && return 0
	skip "$1" "this kernel has no sock:sock_send_length tracepoint (added in Linux 6.3)"
	return 1
}
