#!/usr/bin/env bash
# Tier 00: the ground every other tier stands on — the runner counts honestly
# and the set-up script is idempotent.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The runner must turn a failing tier, a silent tier and a crashing tier into
# failures, and print the closing line in the form CI reads.
mkdir -p "$tmp/tiers"
printf '. "%s/tests/lib.sh"\npass a\nfail b "expected 1, measured 2"\nskip c "not here"\n' "$DBNETIO_ROOT" > "$tmp/tiers/01-mixed.sh"
printf 'echo nothing\n' > "$tmp/tiers/02-silent.sh"
printf 'exit 3\n' > "$tmp/tiers/03-crash.sh"
out=$(CI=false BUILD=$tmp/build DBNETIO_TIERS=$tmp/tiers "$DBNETIO_ROOT/tests/run" 2>&1)
rc=$?
check "runner exit status on failures" 1 "$rc"
check "runner closing line" "1 passed, 3 failed, 1 skipped" "$(printf '%s\n' "$out" | tail -n 1)"

# Under CI=true a plain skip is a failure, a documented gap is not.
printf '. "%s/tests/lib.sh"\npass a\nskip b "not root"\ngap c "splice receive"\n' "$DBNETIO_ROOT" > "$tmp/tiers/01-mixed.sh"
rm "$tmp/tiers/02-silent.sh" "$tmp/tiers/03-crash.sh"
out=$(CI=true BUILD=$tmp/build DBNETIO_TIERS=$tmp/tiers "$DBNETIO_ROOT/tests/run" 2>&1)
check "runner in CI fails plain skips" "1 passed, 1 failed, 1 skipped" "$(printf '%s\n' "$out" | tail -n 1)"

# A word selects tiers by name; a selection that matches nothing runs nothing.
out=$(BUILD=$tmp/build DBNETIO_TIERS=$tmp/tiers "$DBNETIO_ROOT/tests/run" nomatch 2>&1)
check "runner selection by word" "0 passed, 0 failed, 0 skipped" "$(printf '%s\n' "$out" | tail -n 1)"

# install-deps: a second run on a machine that has everything installs nothing.
if out=$("$DBNETIO_ROOT/scripts/install-deps" check 2>&1); then
	check "install-deps idempotent (no output when complete)" "" "$out"
else
	skip "install-deps idempotent" "packages missing and not root: $out"
fi
out=$("$DBNETIO_ROOT/scripts/install-deps" bogus 2>&1)
check "install-deps rejects an unknown tier" "1:install-deps: unknown tier 'bogus' (expected build, demo or check)" "$?:$out"

# make install honours PREFIX and DESTDIR, and uninstall removes what it put;
# the one file outside PREFIX is the service's /etc/default/dbnetio (SYSCONFDIR).
if make -s -C "$DBNETIO_ROOT" install DESTDIR="$tmp/dest" PREFIX=/opt/dbnetio >"$tmp/install.log" 2>&1; then
	n=$(find "$tmp/dest" -type f 2>/dev/null | wc -l)
	outside=$(find "$tmp/dest" -type f ! -path "$tmp/dest/opt/dbnetio/*" ! -path "$tmp/dest/etc/default/dbnetio" | wc -l)
	if [ "$n" -gt 0 ] && [ "$outside" -eq 0 ]; then
		pass "make install puts $n files under DESTDIR/PREFIX"
	else
		fail "make install under DESTDIR/PREFIX" "$n files, $outside outside the prefix"
	fi
	make -s -C "$DBNETIO_ROOT" uninstall DESTDIR="$tmp/dest" PREFIX=/opt/dbnetio >>"$tmp/install.log" 2>&1
	check "make uninstall leaves no files" 0 "$(find "$tmp/dest" -type f | wc -l)"
else
	fail "make install" "$(tail -n 3 "$tmp/install.log")"
fi
