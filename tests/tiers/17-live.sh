#!/usr/bin/env bash
# Tier 17: `dbnetio-report --live` on a pipe that stalls says what reading the
# saved capture afterwards says.
#
# tests/live/slowfeed.py writes a capture into the pipe with pauses of 1.1 s
# (longer than a dump interval) between a dump's maps, inside lines (one of
# them among a value's digits), between dumps and inside a time line.  A dump
# closes only at its dump-end marker, the next time line, "# dbnetio-final"
# or the end of input (spec/capture-format-2.md), so the stalled run must
# print, line for line, what `--live FILE` prints, and end with the summary
# `dbnetio-report FILE` gives: the same per-second values, alerts and
# totals.  Once for a format-1 capture (dumps end at the next time line), a
# format-2 text one (at their dump-end markers) and its bpftrace -f json twin.
. "$(dirname "$0")/../lib.sh"
cd "$DBNETIO_ROOT" || exit 1
R=$BUILD/dbnetio-report
FEED=tests/live/slowfeed.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$R" ]; then
	make -s "$R" >/dev/null 2>&1 || { fail "build dbnetio-report" "make failed"; exit 0; }
fi
if ! have python3; then
	skip "live pipe tests" "python3 not installed"
	exit 0
fi

# cuts FILE TIME-REGEX: the pauses, from the 2nd, 3rd and 4th time lines T2..T4
# (in the JSON twin the printf events holding them): after a dump's first map
# (T2+2), inside a line of that dump (T2+3, 7 bytes in), among the digits of
# its first value (T2+1, 2 bytes before the newline), between dumps (T3) and
# inside a time line (T4, 4 bytes in).
cuts() {
	local t2 t3 t4
	read -r t2 t3 t4 < <(grep -nE "$2" "$1" | sed -n '2p;3p;4p' | cut -d: -f1 | tr '\n' ' ')
	echo "$((t2 + 2)) $((t2 + 3))+7 $((t2 + 1))-2 $t3 $t4+4"
}

# same NAME A B: PASS when the (long) strings are equal, else the first difference.
same() {
	if [ "$2" = "$3" ] && [ -n "$2" ]; then pass "$1"
	else fail "$1" "$(diff <(printf '%s\n' "$2" | tr ',' '\n') <(printf '%s\n' "$3" | tr ',' '\n') | head -4 | tr '\n' ' ')"; fi
}

# summary FILE: the JSON summary without what names the input (a pipe is "-").
summary() { python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
for s in j['sources']: s.pop('file', None)
print(json.dumps(j, sort_keys=True))" "$1"; }

# live_vs_file NAME FILE TIME-REGEX SPEC
live_vs_file() {
	local name=$1 f=$2 spec=$4 c t0 rc
	c=$(cuts "$f" "$3")
	t0=$SECONDS
	# shellcheck disable=SC2086
	timeout 60 python3 "$FEED" "$f" $c | timeout 60 "$R" --live -f json -t "$spec" > "$tmp/pipe.out" 2> "$tmp/pipe.err"
	rc=$?
	echo "$name: fed with pauses at lines $c in $((SECONDS - t0)) s"
	"$R" --live -f json -t "$spec" "$f" > "$tmp/file.out" 2>/dev/null
	"$R" -f json -t "$spec" "$f" > "$tmp/file.json" 2>/dev/null
	"$R" -f csv "$f" > "$tmp/file.csv" 2>/dev/null
	check "$name: stalled pipe, exit status (2: the threshold is crossed)" 2 "$rc"
	# the live lines come before the summary, which starts at {"sources"
	sed '/^{"sources"/,$d' "$tmp/pipe.out" > "$tmp/pipe.live"
	sed '/^{"sources"/,$d' "$tmp/file.out" > "$tmp/file.live"
	sed -n '/^{"sources"/,$p' "$tmp/pipe.out" > "$tmp/pipe.json"
	if [ -s "$tmp/pipe.live" ] && cmp -s "$tmp/pipe.live" "$tmp/file.live"; then
		pass "$name: every live line (interval, alert) equals --live on the saved file ($(wc -l < "$tmp/pipe.live") lines)"
	else
		fail "$name: every live line equals --live on the saved file" "$(diff "$tmp/file.live" "$tmp/pipe.live" | head -4 | tr '\n' ' ')"
	fi
	check "$name: no dump closed early (no map entries taken as untimed)" "0 0" \
		"$(grep -c 'without a time line' "$tmp/pipe.live") $(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["sources"][0]["counts"]["untimed"])' "$tmp/pipe.json" 2>&1)"
	same "$name: per-second values, alerts and totals equal the saved file's summary" \
		"$(summary "$tmp/file.json")" "$(summary "$tmp/pipe.json")"
	# one live line per full interval, labelled by its start, as the CSV says
	same "$name: live interval lines are the CSV's seconds" \
		"$(python3 -c 'import csv, sys, time
print(" ".join(sorted({time.strftime("%H:%M:%S", time.gmtime(int(r["epoch"]))) for r in csv.DictReader(open(sys.argv[1])) if r["partial"] == "0"})))' "$tmp/file.csv")" \
		"$(grep -E '^[0-9:]{8}( \[[^]]*\])? send ' "$tmp/pipe.live" | cut -c1-8 | sort | tr '\n' ' ' | sed 's/ $//')"
	check "$name: the alert lines are there" 1 "$(grep -q ' ALERT ' "$tmp/pipe.live" && echo 1)"
}

# A format-1 capture: three processes, a 5 s gap, a send spike.
live_vs_file "format 1 (charts/spike-gap.txt)" tests/fixtures/charts/spike-gap.txt '^[0-9]+$' 'send>10MiB/s for 3s'
# Format 2: exact time lines, dump-end markers, the first dump partial.
live_vs_file "format 2 text (format2-jitter.txt)" tests/fixtures/format2-jitter.txt '^[0-9]+\.[0-9]{6}$' 'recv>2500B/s for 2s'
live_vs_file "format 2 json (format2-jitter.json)" tests/fixtures/format2-jitter.json '"data": "[0-9]+\.[0-9]{6}' 'recv>2500B/s for 2s'

# The first dump of a format-2 capture is partial, and so is the last; only
# the last is called final.
"$R" --live tests/fixtures/format2-jitter.txt > "$tmp/f2.live"
check "format 2: the first live line is the first, partial interval" 1 \
	"$(head -n 1 "$tmp/f2.live" | grep -c '(first, partial interval: ')"
check "format 2: one final partial interval, the last live line" "1 1" \
	"$(grep -c 'final partial interval' "$tmp/f2.live") $(sed -n '/^[0-9:]* (final partial interval/=' "$tmp/f2.live" | awk -v n="$(grep -c '^[0-9][0-9]:' "$tmp/f2.live")" '{ print ($1 == n) }')"

# ---- the alert merge window ------------------------------------------------
# tests/fixtures/charts/alert-dips.txt, format 2, 60 s from an odd second:
# 20 MiB/s over seconds 10-21 with a 1 s dip (14) and a 2 s dip (17-18), 6 s
# at 1 MiB/s, 20 MiB/s over 28-33, and a 2 s spike (40-41) too short for
# 'for 3s'; 1 MiB/s elsewhere.
cp tests/fixtures/charts/alert-dips.txt "$tmp/dips.txt"
# alerts_of SPEC: "START-END ..." (UTC clock times) from the table, the JSON
# and --live, each ended by " |".
alerts_of() {
	"$R" -t "$1" "$tmp/dips.txt" 2>/dev/null \
		| sed -n 's/^  ALERT .*: [0-9-]* *\([0-9:]\{8\}\) \.\. \([0-9:]\{8\}\).*/\1-\2/p' | sort | tr '\n' ' '
	echo "|"
	"$R" -f json -t "$1" "$tmp/dips.txt" 2>/dev/null | python3 -c 'import json, sys, time
t = lambda v: time.strftime("%H:%M:%S", time.gmtime(v))
print(" ".join(sorted("%s-%s" % (t(a["start"]), t(a["end"])) for s in json.load(sys.stdin)["series"] for a in s["alerts"])) + " |")'
	"$R" --live -t "$1" "$tmp/dips.txt" 2>/dev/null \
		| sed -n 's/^\([0-9:]\{8\}\) END .* from \([0-9:]\{8\}\),.*/\2-\1/p' | sort | tr '\n' ' '
	echo "|"
}
dips() { # NAME SPEC EXPECTED: the same alerts in the table, JSON and --live
	local got
	got=$(alerts_of "$2" | tr '\n' ' ')
	check "merge window, $1: table, JSON and --live give the same alerts" \
		"$3 | $3 | $3 | " "$got"
}
t() { python3 -c "import time; print(time.strftime('%H:%M:%S', time.gmtime(1795558097 + $1)))"; }
dips "dips of 1 and 2 s, shorter than 'merge 4s': one alert; a 6 s dip ends it" \
	'send>10MiB/s for 3s merge 4s' "$(t 10)-$(t 22) $(t 28)-$(t 34)"
dips "the default window (5 s) merges the same dips" \
	'send>10MiB/s for 3s' "$(t 10)-$(t 22) $(t 28)-$(t 34)"
dips "a 2 s dip as long as 'merge 2s' ends the alert" \
	'send>10MiB/s for 3s merge 2s' "$(t 10)-$(t 17) $(t 19)-$(t 22) $(t 28)-$(t 34)"
dips "'merge 0s': every dip ends an alert, as before the window" \
	'send>10MiB/s for 3s merge 0s' "$(t 10)-$(t 14) $(t 19)-$(t 22) $(t 28)-$(t 34)"
check "merge window: the JSON states it" "4 5" \
	"$("$R" -f json -t 'send>10MiB/s for 3s merge 4s' -t 'send>1GiB/s' "$tmp/dips.txt" | python3 -c 'import json, sys
print(" ".join(str(t["merge"]) for t in json.load(sys.stdin)["thresholds"]))')"

# The helper refuses what would make it slow or wrong.
python3 "$FEED" --pause 5 --max-seconds 4 tests/fixtures/format2-jitter.txt 3 > /dev/null 2>&1
check "slowfeed: pauses beyond --max-seconds are refused" 2 "$?"
python3 "$FEED" tests/fixtures/format2-jitter.txt 99999 > /dev/null 2>&1
check "slowfeed: a cut outside the file is refused" 2 "$?"
