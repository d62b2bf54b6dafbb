#!/usr/bin/env bash
# Tier 10: the post-processor's C unit tests (tests/unit/test_*.c) — parser,
# series, statistics, thresholds, line reader — built twice and run twice:
# the normal build, and SAN=1 (AddressSanitizer + UndefinedBehaviorSanitizer,
# any report aborts the binary and counts as a failure).
. "$(dirname "$0")/../lib.sh"
cd "$DBNETIO_ROOT" || exit 1

run_build() { # LABEL MAKEARGS...
	local label=$1 dir out rc t
	shift
	# tests/lib.sh exports BUILD; make must pick its own (build/ or build/san/)
	if ! out=$(env -u BUILD make -s "$@" unit-tests 2>&1); then
		fail "$label unit tests build" "$(printf '%s\n' "$out" | tail -n 5 | tr '\n' ' ')"
		return
	fi
	dir=$(env -u BUILD make -s --no-print-directory "$@" -f Makefile -f - print-build <<<'print-build: ; @echo $(BUILD)')
	case $dir in /*) ;; *) dir=$DBNETIO_ROOT/$dir ;; esac
	if [ "$label" = san ] && ! nm "$dir/tests/test_parse" 2>/dev/null | grep -q __asan_init; then
		fail "[san] unit tests are built with ASan" "no __asan_init in $dir/tests/test_parse"
		return
	fi
	for t in tests/unit/test_*.c; do
		t=$(basename "$t" .c)
		out=$("$dir/tests/$t" 2>&1)
		rc=$?
		# prefix every line's test name with the build, so both runs are counted
		printf '%s\n' "$out" | sed -E "s/^(PASS|FAIL|SKIP) /\1 [$label] $t: /"
		if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^FAIL '; then
			fail "[$label] $t" "exited $rc without a FAIL line: $(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
		fi
	done
}

run_build plain
run_build san SAN=1
