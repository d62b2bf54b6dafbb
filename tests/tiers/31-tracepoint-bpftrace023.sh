#!/usr/bin/env bash
# Tier 31: the tracepoint lane with a newer bpftrace than Debian 12's.
#
# Users run the bpftrace their distribution ships (0.17 on Debian 12, 0.20 to
# 0.23 elsewhere); banners, time() output, lost-event messages and JSON
# differ between them.  Debian 13's bpftrace 0.23 runs here from a chroot
# (tests/chroot/bpftrace-trixie, tree built once into .cache/trixie).
#
#   1. tests/lanes/run-patterns -P tracepoint with BPFTRACE=bpftrace-trixie,
#      for every key: exact bytes per I/O pattern, per process, client and
#      connection, lines prefixed "[0.23]"
#   2. the same workload recorded at once by four captures (bpftrace 0.17 and
#      0.23, text and json): build/dbnetio-report must read each cleanly and
#      give the same per-process totals, equal to the workload's own count
. "$(dirname "$0")/../lib.sh"

name="bpftrace 0.23"
need_root "$name" || exit 0
if [ ! -x "$BUILD/tcpwork" ] || [ ! -x "$DBNETIO_ROOT/scripts/dbnetio" ]; then
	skip "$name" "$BUILD/tcpwork or scripts/dbnetio missing (run make first)"
	exit 0
fi
need_sock_tracepoints "$name" || exit 0

t0=$SECONDS
if ! err=$("$DBNETIO_ROOT/tests/chroot/prepare-trixie" 2>&1 >/dev/null); then
	skip "$name" "cannot build the Debian 13 tree: $(tail -n 2 <<<"$err" | tr '\n' ' ')"
	exit 0
fi
echo "tier 31: trixie tree ready in $((SECONDS - t0)) s"
bt023=$DBNETIO_ROOT/tests/chroot/bpftrace-trixie
v=$("$bt023" --version 2>/dev/null)
case $v in
"bpftrace v0.2"[0-9]*) pass "$name: the chroot's bpftrace is newer than 0.17 ($v)" ;;
*) fail "$name: the chroot's bpftrace" "expected v0.20 or later, measured '$v'"; exit 0 ;;
esac

# ---------------------------------------------------------------- 1
t1=$SECONDS
for key in process client connection; do
	BPFTRACE=$bt023 "$DBNETIO_ROOT/tests/lanes/run-patterns" -P tracepoint -K $key 2>&1 |
		sed -u -E 's/^(PASS|FAIL|SKIP) /\1 [0.23] /'
	rc=${PIPESTATUS[0]}
done
echo "tier 31: run-patterns with bpftrace 0.23 took $((SECONDS - t1)) s, exit $rc"

# ---------------------------------------------------------------- 2
report=$BUILD/dbnetio-report
if [ ! -x "$report" ]; then
	skip "$name: report agreement" "$report is not built (run make)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tier31.XXXXXX")
caps=() wl=()
cleanup() {
	local p
	for p in "${caps[@]}" "${wl[@]}"; do kill -INT -- "-$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Two workloads, blocked on their fifos so that the -c filter finds them.
# They run under a name of their own (the process name is the executable's),
# so a tcpwork another tier runs at the same time is not counted here.
comm=dbn31work
ln -s "$BUILD/tcpwork" "$tmp/$comm"
patterns=(send-recv writev-readv)
for pat in "${patterns[@]}"; do
	mkfifo "$tmp/go.$pat"
	"$tmp/$comm" -g "$tmp/go.$pat" "$pat" > "$tmp/out.$pat" 2> "$tmp/err.$pat" &
	wl+=($!)
done
sleep 0.3

# Four captures of the same bytes: {0.17, 0.23} x {text, json}.
labels=()
for bt in 0.17 0.23; do
	for fmt in text json; do
		l=$bt-$fmt
		labels+=("$l")
		if [ $bt = 0.23 ]; then b=$bt023; else b=${BPFTRACE:-$(command -v bpftrace)}; fi
		BPFTRACE=$b setsid "$DBNETIO_ROOT/scripts/dbnetio" -E bpftrace -P tracepoint -c $comm -f $fmt \
			-o "$tmp/cap.$l" 2> "$tmp/cap.$l.err" < /dev/null &
		caps+=($!)
	done
done
deadline=$((SECONDS + 120))
for l in "${labels[@]}"; do
	# the first dump's end: every probe is attached
	until grep -q 'dbnetio-dump-end' "$tmp/cap.$l" 2>/dev/null || [ $SECONDS -gt $deadline ]; do sleep 0.2; done
done
for pat in "${patterns[@]}"; do echo go > "$tmp/go.$pat"; done
wait "${wl[@]}"
wl=()
sleep 1.2		# one more dump in every capture (the final one repeats it anyway)
for p in "${caps[@]}"; do kill -INT -- "-$p" 2>/dev/null; done
for p in "${caps[@]}"; do wait "$p" 2>/dev/null; done
caps=()

# Ground truth: the workloads' own counts, per pid.
truth=$(for pat in "${patterns[@]}"; do awk '{ print $2, $3, $4 }' "$tmp/out.$pat"; done | sort)
echo "tier 31: workload truth (pid sent received): $(tr '\n' ';' <<<"$truth")"

for l in "${labels[@]}"; do
	if ! "$report" -f json "$tmp/cap.$l" > "$tmp/rep.$l" 2> "$tmp/rep.$l.err"; then
		fail "$name: dbnetio-report reads the $l capture" "$(head -n 3 "$tmp/rep.$l.err" | tr '\n' ' ')"
		continue
	fi
	# "pid sent received" per workload pid, and the report's problem counters.
	python3 - "$tmp/rep.$l" "$comm" > "$tmp/tot.$l" 2> "$tmp/bad.$l" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
tot = {}
for s in rep["series"]:
    if s.get("comm") != sys.argv[2]:
        continue
    d = tot.setdefault(s["pid"], {"send": 0, "recv": 0})
    d[s["direction"]] += s["total_bytes"]
for pid in sorted(tot, key=str):
    print(pid, tot[pid]["send"], tot[pid]["recv"])
bad = {k: v for src in rep["sources"] for k, v in src["counts"].items()
       if k in ("bad_lines", "warnings", "unsupported", "untimed", "truncated") and v}
print(" ".join("%s=%s" % kv for kv in sorted(bad.items())), file=sys.stderr)
PY
	check "$name: dbnetio-report reads the $l capture without complaint" "" "$(cat "$tmp/bad.$l")"
	sort "$tmp/tot.$l" | tr '\n' ';' > "$tmp/sum.$l"
	check "$name: $l capture totals equal the workload's (pid sent recv;...)" \
		"$(tr '\n' ';' <<<"$truth")" "$(cat "$tmp/sum.$l")"
done
sum() { cat "$tmp/sum.$1" 2>/dev/null || echo "no report"; }
check "$name: report totals agree, 0.17 text vs 0.23 text" "$(sum 0.17-text)" "$(sum 0.23-text)"
check "$name: report totals agree, 0.17 json vs 0.23 json" "$(sum 0.17-json)" "$(sum 0.23-json)"
check "$name: report totals agree, 0.23 text vs 0.23 json" "$(sum 0.23-text)" "$(sum 0.23-json)"
echo "tier 31: done in $((SECONDS - t0)) s"
