# tests/db/verdict.sh: reporting helpers shared by the database checks, on top
# of tests/lib.sh.  Source after it.
#
# fail/check are redefined to count failures in NFAIL, so that a check can
# end with `exit $((NFAIL > 0))`: the QEMU guest runner passes the status on.
# shellcheck shell=bash

NFAIL=0
fail() { NFAIL=$((NFAIL + 1)); printf 'FAIL %s: %s\n' "$1" "${2:-failed}"; }
check() {
	if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1" "expected $2, measured $3"; fi
}

# pct E M: the relative difference |M - E| / E in percent, 4 decimals.
pct() { awk -v e="$1" -v m="$2" 'BEGIN { d = m - e; if (d < 0) d = -d; printf "%.4f", e ? 100 * d / e : (d ? 100 : 0) }'; }

# compare NAME EXPECTED MEASURED: one PASS/FAIL line with both numbers, the
# difference in bytes and in percent.  The README promises the byte, so the
# limit is 0 bytes; and EXPECTED must be > 0, since an empty workload proves
# nothing.
compare() {
	local what=$1 e=$2 m=$3 detail
	detail="expected $e, measured $m, diff $((m - e)) bytes = $(pct "$e" "$m")%"
	if [ "$e" -gt 0 ] && [ "$e" = "$m" ]; then
		pass "$what ($detail)"
	else
		fail "$what" "$detail (limit 0 bytes)"
	fi
}
