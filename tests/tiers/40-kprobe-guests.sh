#!/usr/bin/env bash
# Tier 40: the kprobe capture program on real kernels that have kprobes.
#
# This machine's kernel has none, so each kernel (Debian's 6.1, which still
# has tcp_sendpage, and 6.12, which does not) is booted once in a QEMU guest
# (tests/vm/run-in-guest) that runs tests/vm/guest-suite: the launcher's
# kernel detection against the kernel's own facts, the exact-bytes pattern
# lane and the MariaDB check, all with -P kprobe.  Their lines are relayed
# here with the kernel in front: "PASS [6.1] kprobe sendfile send (3000017)".
#
# First use downloads each kernel package (~70 MB) into .cache/vm/; later
# runs reuse it.  Per-guest timing is printed.  DBNETIO_GUEST_KERNELS picks
# the kernels (default "6.1 6.12"), DBNETIO_GUEST_TIMEOUT the seconds per
# guest (default 900).
. "$(dirname "$0")/../lib.sh"

kernels=${DBNETIO_GUEST_KERNELS:-6.1 6.12}
limit=${DBNETIO_GUEST_TIMEOUT:-1500}

need_root "kprobe guests" || exit 0
if ! have qemu-system-x86_64 || ! have busybox; then
	skip "kprobe guests" "qemu-system-x86_64 or busybox missing (scripts/install-deps check)"
	exit 0
fi
if [ ! -x "$BUILD/tcpwork" ] || [ ! -x "$DBNETIO_ROOT/scripts/dbnetio" ]; then
	skip "kprobe guests" "$BUILD/tcpwork or scripts/dbnetio missing (run make first)"
	exit 0
fi

for k in $kernels; do
	t0=$SECONDS
	if ! err=$("$DBNETIO_ROOT/tests/vm/prepare" "$k" 2>&1 >/dev/null); then
		skip "[$k] kprobe guest" "cannot prepare the $k kernel (download?): $(tail -n 2 <<<"$err" | tr '\n' ' ')"
		continue
	fi
	tprep=$((SECONDS - t0))
	out=$(mktemp)
	# The guest writes nothing back; its own /tmp is a fresh tmpfs.
	"$DBNETIO_ROOT/tests/vm/run-in-guest" --kernel "$k" --timeout "$limit" \
		--env "BUILD=$BUILD" -- "$DBNETIO_ROOT/tests/vm/guest-suite" 2>&1 |
		sed -u -E "s/^(PASS|FAIL|SKIP) /\1 [$k] /" | tee "$out"
	rc=${PIPESTATUS[0]}
	n=$(grep -cE '^(PASS|FAIL) ' "$out")
	case $rc in
	0) ;;
	124) fail "[$k] kprobe guest" "timed out after ${limit}s (see the console tail above)" ;;
	*) grep -q '^FAIL ' "$out" || fail "[$k] kprobe guest" "exited $rc without reporting a failure" ;;
	esac
	[ "$n" -gt 0 ] || fail "[$k] kprobe guest" "the guest reported no test"
	rm -f "$out"
	echo "tier 40: [$k] prepare ${tprep}s, guest $((SECONDS - t0 - tprep))s, $n results, exit $rc"
done
