#!/usr/bin/env bash
# Tier 15: the libFuzzer target over dbnetio-report's input side
# (tests/fuzz/fuzz_parse.c: line reader, parser, series, stats, thresholds,
# writers, and the fast path against the general path) under ASan+UBSan,
# for a bounded time (FUZZ_CHECK_SECONDS, default 60).  `make fuzz` runs it longer.  The committed corpus in tests/fuzz/corpus
# is replayed first, so a past finding stays fixed.
. "$(dirname "$0")/../lib.sh"
cd "$DBNETIO_ROOT" || exit 1
secs=${FUZZ_CHECK_SECONDS:-60}

if ! have clang; then
	skip "fuzz target builds" "clang not installed (scripts/install-deps check installs it)"
	exit 0
fi
if ! out=$(make -s fuzz-build 2>&1); then
	fail "fuzz target builds" "$(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
	exit 0
fi
pass "fuzz target builds (clang -fsanitize=fuzzer,address,undefined)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/corpus" "$tmp/findings"

# Replay: every committed seed once.
build/fuzz/fuzz_parse -runs=0 -artifact_prefix="$tmp/findings/" tests/fuzz/corpus > "$tmp/replay.log" 2>&1
rc=$?
check "fuzz corpus replays clean ($(ls tests/fuzz/corpus | wc -l) seeds)" 0 "$rc"
# The target counts the lines its fast-path runs took (fuzz_parse.c): the
# corpus must reach both of the fast path's loops, or the differential check
# (fast path against general path) compares nothing.
counts=$(sed -n 's/^fuzz_parse: fast path took \([0-9]*\) lines (\([0-9]*\) by its wide loop).*/\1 \2/p' "$tmp/replay.log")
if [ -n "$counts" ] && [ "${counts% *}" -gt 0 ] && [ "${counts#* }" -gt 0 ]; then
	pass "fuzz corpus reaches the fast path: ${counts% *} lines, ${counts#* } by its wide loop"
else
	fail "fuzz corpus reaches the fast path" "counts '${counts}': $(tail -n 2 "$tmp/replay.log" | tr '\n' ' ')"
fi

# Explore for a bounded time; new inputs go to a scratch corpus, not to git.
timeout $((secs + 60)) build/fuzz/fuzz_parse -max_total_time="$secs" -max_len=4096 -timeout=10 \
	-rss_limit_mb=1024 -artifact_prefix="$tmp/findings/" "$tmp/corpus" tests/fuzz/corpus > "$tmp/fuzz.log" 2>&1
rc=$?
runs=$(grep -o 'Done [0-9]* runs' "$tmp/fuzz.log" | awk '{print $2}')
if [ $rc -eq 0 ] && [ -n "$runs" ] && [ -z "$(ls "$tmp/findings")" ]; then
	pass "fuzzing ${secs}s: $runs inputs, no crash, leak or sanitizer report"
else
	mkdir -p "$CACHE/fuzz-findings"
	cp "$tmp"/findings/* "$CACHE/fuzz-findings/" 2>/dev/null
	fail "fuzzing ${secs}s" "exit $rc, findings copied to $CACHE/fuzz-findings: $(grep -m1 -E 'ERROR|runtime error|paths differ' "$tmp/fuzz.log")"
fi
