#!/usr/bin/env bash
# Tier 60: gnuplot charts (`dbnetio-report --plot DIR`).
#
# Renders the recorded captures of tests/fixtures/ and the synthetic one of
# tests/fixtures/charts/ (three processes, a name that needs quoting, a
# 5-second gap, a send spike), then checks what a reader relies on: the images
# are real PNG/SVG files of the size the templates ask for; each .gp names its
# own .dat and the threshold given on the command line; the .dat rates are the
# capture's counter deltas; missing seconds are a blank line (gnuplot breaks
# the line there); the .gp re-renders alone from any directory; and without
# gnuplot the data and scripts are still written with a message saying how to
# render them.
. "$(dirname "$0")/../lib.sh"

report=$BUILD/dbnetio-report
imginfo=$DBNETIO_ROOT/tests/report/imginfo.py
pngpixels=$DBNETIO_ROOT/tests/report/pngpixels.py
fixture=$DBNETIO_ROOT/tests/fixtures/charts/spike-gap.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$report" ]; then
	fail "dbnetio-report built" "missing $report (run make)"
	exit 0
fi
if ! have gnuplot; then
	skip "charts rendered by gnuplot" "gnuplot not installed (scripts/install-deps demo)"
	exit 0
fi
if ! have python3; then
	skip "chart image checks" "python3 not installed"
	exit 0
fi

# The size a template draws at: its `width`/`height` defaults.
tpl_size() {
	local w h
	w=$(sed -n 's/^if (!exists("width")) *width = \([0-9]*\).*/\1/p' "$DBNETIO_ROOT/plots/$1.gp")
	h=$(sed -n 's/^if (!exists("height")) *height = \([0-9]*\).*/\1/p' "$DBNETIO_ROOT/plots/$1.gp")
	echo "$w $h"
}

# ---------------------------------------------------------------- PNG, threshold
limit_spec='send>10MiB/s for 3s'
limit_bytes=$((10 * 1024 * 1024))
t0=$SECONDS
"$report" --plot "$tmp/png" -t "$limit_spec" "$fixture" >"$tmp/png.out" 2>"$tmp/png.err"
rc=$?
echo "render of the synthetic capture: $((SECONDS - t0))s"
check "--plot exit status with a crossed threshold" 2 "$rc"
for chart in timeseries stacked distribution; do
	check "$chart.png is a PNG of the template's size" "png $(tpl_size $chart)" \
		"$(python3 "$imginfo" "$tmp/png/$chart.png")"
	check "$chart.gp names its own data file" \
		"datafile = '$([ $chart = distribution ] && echo distribution || echo timeseries).dat'" \
		"$(grep -m1 -o 'datafile = .*' "$tmp/png/$chart.gp")"
	check "$chart.gp writes $chart.<term>, png by default" "outfile = '$chart.' . term, term = 'png'" \
		"$(grep -m1 -o "outfile = .*" "$tmp/png/$chart.gp"), $(grep -m1 -o "term = 'png'" "$tmp/png/$chart.gp")"
done
check "timeseries.gp carries the threshold in bytes/s" "send_threshold = $limit_bytes" \
	"$(grep -m1 -o 'send_threshold = [0-9.e+]*' "$tmp/png/timeseries.gp")"
check "timeseries.gp has no recv threshold" "recv_threshold = 0" \
	"$(grep -m1 -o 'recv_threshold = [0-9.e+]*' "$tmp/png/timeseries.gp")"
check "stdout still carries the summary table" 1 \
	"$(grep -c '^SERIES ' "$tmp/png.out")"

# A quote in a process name is doubled inside gnuplot's single quotes (and
# gnuplot accepted the result, or the PNG above would be missing).
check "process name quoted for gnuplot" 1 \
	"$(grep -c "'x<b>&''\"y \[5150\]'" "$tmp/png/timeseries.gp")"

# ------------------------------------------------------- .dat is the capture
# Expected rates straight from the capture with awk: per dump, the delta of
# each cumulative counter over the seconds since the previous dump, at the
# start of that interval (the previous dump's time).  Columns are ranked by
# bytes, so look the process up by the .dat's own header.
awk -v want='@send[4321, mariadbd]' '
	/^# dbnetio-final/ { exit }
	/^[0-9]+$/ { ts = $1; next }
	index($0, want ": ") == 1 { v = $NF
		if (have) printf "%d %.6f\n", lts, (v - last) / (ts - lts)
		have = 1; last = v; lts = ts }
' "$fixture" >"$tmp/expect.rates"
col=$(awk '/^# columns [0-9]+, [0-9]+: sent, received by mariadbd \[4321\]/ { sub(",", "", $3); print $3 }' \
	"$tmp/png/timeseries.dat")
awk -v c="$col" '!/^#/ && NF { printf "%d %.6f\n", $1, $c }' "$tmp/png/timeseries.dat" \
	| tail -n +2 >"$tmp/got.rates"
if [ -n "$col" ] && [ -s "$tmp/expect.rates" ]; then
	check "timeseries.dat send rates of mariadbd [4321] equal the capture's deltas" \
		"$(wc -l <"$tmp/expect.rates") rows equal" \
		"$(if cmp -s "$tmp/expect.rates" "$tmp/got.rates"; then echo "$(wc -l <"$tmp/got.rates") rows equal"; else diff "$tmp/expect.rates" "$tmp/got.rates" | head -3 | tr '\n' ' '; fi)"
else
	fail "timeseries.dat has a column for mariadbd [4321]" "no such column header"
fi

# Gaps: every place where the capture's dumps are more than one interval
# apart must be a blank line right before the later dump's row.
expect_gaps=$(awk '/^# dbnetio-final/ { exit } /^[0-9]+$/ { if (p && $1 - p > 1) printf "%d ", $1; p = $1 }' "$fixture")
got_gaps=$(awk '/^#/ { next } !NF { blank = 1; next } { if (blank) printf "%d ", $1; blank = 0 }' "$tmp/png/timeseries.dat")
check "a blank line in timeseries.dat before each dump after a gap" "${expect_gaps:-none}" "${got_gaps:-none}"

# The over-threshold flag column marks exactly the dumps whose send rate of
# some process is above the limit.
expect_over=$(awk -v l=$limit_bytes '$2 > l { n++ } END { print n + 0 }' "$tmp/expect.rates")
flagcol=$(awk '/^# columns [0-9]+, [0-9]+: 1 when some process was over/ { sub(",", "", $3); print $3 }' \
	"$tmp/png/timeseries.dat")
check "over-threshold flags set on the seconds above the limit" "$expect_over" \
	"$(awk -v c="$flagcol" '!/^#/ && NF && $c == 1 { n++ } END { print n + 0 }' "$tmp/png/timeseries.dat")"

# Top-N: the fixture has three processes, all drawn (a "rest" of one would
# hide a name for nothing); the distribution is one block per direction.
check "timeseries.gp draws every process of a 3-process capture" "nseries = 3" \
	"$(grep -m1 -o 'nseries = [0-9]*' "$tmp/png/timeseries.gp")"
check "distribution.dat has a send and a recv block" 2 \
	"$(grep -c '^# block ' "$tmp/png/distribution.dat")"
# p95 on the chart is the quantile of the per-dump totals: with one process
# those are that process's rates, which the JSON summary states.
awk '/^@/ && !/4321, mariadbd/ { next } { print }' "$fixture" >"$tmp/one.txt"
"$report" --plot "$tmp/one" -f json "$tmp/one.txt" >"$tmp/one.json" 2>"$tmp/one.err"
p95_json=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(next(int(s["rate"]["p95"]) for s in d["series"] if s["direction"] == "send"))' "$tmp/one.json" 2>&1)
p95_gp=$(sed -n 's/.*send_p95 = \([0-9.e+]*\)$/\1/p' "$tmp/one/distribution.gp")
check "distribution.gp p95 equals the JSON summary's for one process" "$p95_json" \
	"$(printf '%.0f' "${p95_gp:-0}")"
check "no stacked chart for a single process" "absent" \
	"$([ -e "$tmp/one/stacked.gp" ] && echo present || echo absent)"

# ------------------------------------------------------- hostile names
# Names from the traced machine reach gnuplot only as quoted strings: one
# that tries `system(...)` must not run it, broken UTF-8 must not break the
# SVG's XML, and every chart must still render.
hostile=$DBNETIO_ROOT/tests/fixtures/charts/hostile-names.txt
mkdir -p "$tmp/hostile-cwd"
(cd "$tmp/hostile-cwd" && "$report" --plot "$tmp/hostile" --plot-format svg "$hostile" >/dev/null 2>"$tmp/hostile.err")
check "hostile names: exit status" 0 "$?"
check "hostile names: the name trying system() ran nothing" "" \
	"$(find "$tmp" "$DBNETIO_ROOT" -maxdepth 3 -name PWNED 2>/dev/null)"
for chart in timeseries stacked distribution; do
	check "hostile names: $chart.svg is well-formed" "svg $(tpl_size $chart)" \
		"$(python3 "$imginfo" "$tmp/hostile/$chart.svg")"
done
# The capture's file name is named in the .gp's first comment: a newline in
# it must not end the comment and run what follows.
injf=$tmp/inj$'\n''system("touch PWNED")'$'\n''.txt'
cp "$fixture" "$injf"
(cd "$tmp" && "$report" --plot "$tmp/inj" "$injf" >/dev/null 2>&1)
check "a file name with a newline and system() runs nothing, charts render" "absent png $(tpl_size timeseries)" \
	"$({ [ -e "$tmp/inj/PWNED" ] || [ -e "$tmp/PWNED" ]; } && echo present || echo absent) $(python3 "$imginfo" "$tmp/inj/timeseries.png")"
check "hostile names: broken UTF-8 replaced in the script by U+FFFD, as in the tables" 1 \
	"$(grep -c "'bad��utf8 \[202\]'" "$tmp/hostile/timeseries.gp")"

# ------------------------------------------------------- names from the wild
# Emoji, CJK, bytes that are not UTF-8 and a long name, and a host= in CJK
# and emoji (tests/fixtures/charts/wild-names.txt).  With only DejaVu Sans
# (a fontconfig configuration of its own, so the test does not depend on
# what this machine has), pango drew the emoji and CJK as black shapes over
# the chart and cut the legend there.  Now: replaced visibly, the [PID]
# kept, a warning on stderr naming them, the long name cut in the legend and
# whole in the .dat.
wild=$DBNETIO_ROOT/tests/fixtures/charts/wild-names.txt
dejavu=$(fc-list -f '%{file}\n' 'DejaVu Sans' 2>/dev/null | head -n 1)
if [ -z "$dejavu" ]; then
	skip "wild names with only DejaVu Sans" "no DejaVu Sans font (fonts-dejavu-core)"
else
	mkdir -p "$tmp/fc-dejavu"
	printf '<?xml version="1.0"?>\n<fontconfig><dir>%s</dir><cachedir>%s</cachedir></fontconfig>\n' \
		"$(dirname "$dejavu")" "$tmp/fc-dejavu" >"$tmp/dejavu.conf"
	for fmt in png svg; do
		FONTCONFIG_FILE=$tmp/dejavu.conf "$report" --plot "$tmp/wild-$fmt" --plot-format $fmt "$wild" \
			>/dev/null 2>"$tmp/wild-$fmt.err"
		check "wild names ($fmt, DejaVu only): exit status" 0 "$?"
	done
	check "wild names: timeseries.png and stacked.png render" "png $(tpl_size timeseries) png $(tpl_size stacked)" \
		"$(python3 "$imginfo" "$tmp/wild-png/timeseries.png") $(python3 "$imginfo" "$tmp/wild-png/stacked.png")"
	for chart in timeseries stacked; do
		dark=$(python3 "$pngpixels" dark "$tmp/wild-png/$chart.png")
		check "wild names: $chart.png is not blotted out (under 5 % dark pixels; measured $dark)" yes \
			"$(python3 -c "print('yes' if $dark < 0.05 else 'no')")"
	done
	check "wild names: stderr names each one the fonts cannot draw, with its [PID]" "1 1 1" \
		"$(for n in 'db\u{1F525}\u{1F418} [200]' '\u{6570}\u{636E}\u{5E93} [201]' '\u{6570}db\u{1F525} (the capture'\''s label)'; do
			grep 'no installed font can draw' "$tmp/wild-png.err" | grep -c -F "$n"; done | sort -u | tr '\n' ' ' | sed 's/ $//') $(grep -c 'fonts-noto-cjk' "$tmp/wild-png.err") $(grep 'not UTF-8' "$tmp/wild-png.err" | grep -c -F 'bad\xFF\xFEutf8 [202]')"
	check "wild names: the legend of both SVG charts shows every [PID]" "200 201 202 203 204" \
		"$(python3 - "$tmp/wild-svg/timeseries.svg" "$tmp/wild-svg/stacked.svg" <<'PY'
import re, sys, xml.etree.ElementTree as ET
seen = None
for path in sys.argv[1:]:
    text = " ".join("".join(t.itertext()) for t in ET.parse(path).iter() if t.tag.endswith("}text"))
    pids = set(re.findall(r"\[(20[0-4])\]", text))
    seen = pids if seen is None else seen & pids
print(" ".join(sorted(seen)))
PY
)"
	check "wild names: each character replaced by one U+FFFD, each bad byte too, as in the tables" "1 1 1" \
		"$(grep -c -F "'db�� [200]'" "$tmp/wild-png/timeseries.gp") $(grep -c -F "'��� [201]'" "$tmp/wild-png/timeseries.gp") $(grep -c -F "'bad��utf8 [202]'" "$tmp/wild-png/timeseries.gp")"
	check "wild names: a long name is cut in the legend, whole in the .dat" "1 1" \
		"$(grep -c -F "'postgres: a very long b… [203]'" "$tmp/wild-png/timeseries.gp") $(grep -c -F 'by postgres: a very long backend title from the wild [203]' "$tmp/wild-png/timeseries.dat")"
fi
# With the fonts this machine has: what they can draw is drawn.
if [ -n "$(fc-list ':charset=6570' family 2>/dev/null)" ]; then
	"$report" --plot "$tmp/wild-sys" "$wild" >/dev/null 2>"$tmp/wild-sys.err"
	check "wild names: with a CJK font installed the CJK name is drawn as it is" 1 \
		"$(grep -c -F "'数据库 [201]'" "$tmp/wild-sys/timeseries.gp")"
else
	skip "wild names: CJK drawn with a CJK font" "no font here has U+6570 (scripts/install-deps check installs fonts-noto-cjk)"
fi

# ------------------------------------------------------------- time tics
# Captures of 2 min, 1 h, 23 h 53 min, 24 h (at 1 s) and a week (at 10 s),
# each starting at an odd second, drawn with long legend names (a narrower
# plot).  gnuplot's own tics for a day put "11-24 14:00" every 2 h, labels
# running into each other; dbnetio-report now chooses them.  Each chart's
# .gp lists its tics, and the PNG must show that many separate labels on the
# first line under each panel, and as many dates on the second line as the
# list has: two labels that touch or overlap would read as one.
ticcap() { # FILE SECONDS INTERVAL START
	awk -v n="$(($2 / $3))" -v iv="$3" -v t0="$4" 'BEGIN {
		print "# dbnetio-capture 1 probe=tracepoint filter=all interval=" iv " counters=cumulative host=db1"
		split("mysqld_exporter postgres: walsnd mariadbd", name, " ")
		name[1] = "mysqld_exporter"; name[2] = "postgres: walsender"; name[3] = "mariadbd"
		for (k = 0; k <= n; k++) {
			print t0 + k * iv
			for (i = 1; i <= 3; i++) {
				s[i] += iv * (i * 300000 + (k * 7919 * i) % 200000)
				printf "@send[%d, %s]: %d\n@recv[%d, %s]: %d\n", 104520 + i, name[i], s[i], 104520 + i, name[i], s[i] / 9
			}
			print ""
		}
	}' >"$1"
}
for spec in "2min 120 1 1795558097" "1h 3600 1 1795558117" "23h53m 85980 1 1795510031" \
	"24h 86400 1 1795510031" "week 604800 10 1795210031"; do
	set -- $spec
	ticcap "$tmp/tics-$1.txt" "$2" "$3" "$4"
	t0=$SECONDS
	"$report" --plot "$tmp/tics-$1" "$tmp/tics-$1.txt" >/dev/null 2>"$tmp/tics-$1.err"
	echo "render of the $1 capture: $((SECONDS - t0)) s"
	for chart in timeseries stacked; do
		gp=$tmp/tics-$1/$chart.gp
		n=$(sed -n 's/^if (!exists("xtic_n")) xtic_n = \([0-9]*\)$/\1/p' "$gp")
		d=$(grep -m1 'array xtic_label' "$gp" | grep -o '\\n' | wc -l)
		labels=$(python3 "$pngpixels" xlabels "$tmp/tics-$1/$chart.png")
		got=$(printf '%s\n' "$labels" | awk -F'|' '
			{ n1 = split($2, a, " "); printf "%s%d", (NR > 1 ? " " : ""), n1 }
			NR == 1 { n2 = split($3, b, " ") } END { printf " dates %d", n2 }')
		check "time tics, $1 capture, $chart.png: every label separate (labels per panel, dates)" \
			"${n:-no tic list} ${n:-no tic list} dates ${d:-0}" "$got"
		# whatever the list: no run of label text wider than the widest
		# label ("22:08:30", 55 px), as two labels run together are
		# (the first line of every panel, the dates of the top one: under
		# the lowest, the axis title follows)
		wide=$(printf '%s\n' "$labels" | awk -F'|' '{ print $2; if (NR == 1) print $3 }' \
			| tr ' ' '\n' | awk -F- 'NF == 2 && $2 - $1 + 1 > 62 { n++ } END { print n + 0 }')
		check "time tics, $1 capture, $chart.png: no two labels run together (runs over 62 px)" 0 "$wide"
	done
	check "time tics, $1 capture: at least 3 labelled tics" yes \
		"$([ "${n:-0}" -ge 3 ] && echo yes || echo "no: ${n:-none}")"
done
check "time tics: a day from 08:47:11 has %H:%M every 2 h, the date on its first and at midnight" \
	'["10:00\n11-24", "12:00", "14:00", "16:00", "18:00", "20:00", "22:00", "00:00\n11-25", "02:00", "04:00", "06:00", "08:00"]' \
	"$(grep -m1 'array xtic_label' "$tmp/tics-24h/timeseries.gp" | sed 's/.*= //')"
check "time tics: a week is labelled by day" \
	'["11-21", "11-22", "11-23", "11-24", "11-25", "11-26", "11-27"]' \
	"$(grep -m1 'array xtic_label' "$tmp/tics-week/timeseries.gp" | sed 's/.*= //')"
check "time tics: 2 min from an odd second, every 15 s, the date on the first" \
	'["22:08:30\n11-24", "22:08:45", "22:09:00", "22:09:15", "22:09:30", "22:09:45", "22:10:00", "22:10:15"]' \
	"$(grep -m1 'array xtic_label' "$tmp/tics-2min/timeseries.gp" | sed 's/.*= //')"

# ------------------------------------------------------------------ axes
# Synthetic captures: "zero" is a busy process (10-50 MiB/s) and a backup
# (80-160 KiB/s, so the send panel is a log axis) with one silent second;
# "flat" is a steady 8 MiB/s and 2 MiB/s (a total of 10, on a tic); "wide"
# is three processes of exponentially distributed rates summed, with three
# nearly silent seconds (a byte each).
python3 - "$tmp" <<'PY'
import random, sys
def capture(path, seconds, procs, silent=(), quiet=0):
    out = ["# dbnetio-capture 1 probe=tracepoint filter=all interval=1 counters=cumulative host=db1"]
    tot = [rate(0) for _, rate in procs]
    for k in range(seconds + 1):
        out.append(str(1795558097 + k))
        for i, (name, rate) in enumerate(procs):
            out.append("@send[%d, %s]: %d" % (i + 1, name, tot[i]))
            out.append("@recv[%d, %s]: %d" % (i + 1, name, tot[i] // 9))
            tot[i] += quiet if k + 1 in silent else rate(k)
        out.append("")
    open(path, "w").write("\n".join(out) + "\n")
random.seed(3)
capture(sys.argv[1] + "/zero.txt", 300, [("mariadbd", lambda k: int(random.uniform(10, 50) * 2**20)),
                                          ("backup", lambda k: int(random.uniform(80, 160) * 2**10))], {151})
capture(sys.argv[1] + "/flat.txt", 60, [("mariadbd", lambda k: 8 * 2**20), ("backup", lambda k: 2 * 2**20)])
capture(sys.argv[1] + "/wide.txt", 900, [(n, lambda k, i=i: int(random.expovariate(1) * (i + 1) * 2e6))
                                         for i, n in enumerate(("redis", "postgres", "mariadbd"))], {100, 400, 700}, 1)
PY
# svg_rates SVG: the rate tic labels an SVG chart shows ("10 MiB/s", "≤10 KiB/s")
svg_rates() { python3 - "$1" <<'PY'
import re, sys, xml.etree.ElementTree as ET
print(" ".join("".join(t.itertext()).strip() for t in ET.parse(sys.argv[1]).iter()
               if t.tag.endswith("}text") and re.match(r"^≤?[\d.]+ [KMGT]?i?B/s$", "".join(t.itertext()).strip())))
PY
}
"$report" --plot "$tmp/ax-zero" --plot-format svg "$tmp/zero.txt" >/dev/null 2>&1
check "log axis: floored at the lowest series' 1st percentile, down to a tic (not 1 B/s for one silent second)" \
	"send_yfloor = 10240" "$(grep -m1 -o 'send_yfloor = [0-9.e+-]*' "$tmp/ax-zero/timeseries.gp")"
check "log axes: their decades are the data's, the floor labelled as holding the zeros (send, recv)" \
	"≤10 KiB/s 100 KiB/s 1 MiB/s 10 MiB/s ≤1 KiB/s 10 KiB/s 100 KiB/s 1 MiB/s" \
	"$(svg_rates "$tmp/ax-zero/timeseries.svg")"
# Headroom: the flat line, and a threshold above it, stay off the top of the
# plot (at least 5 % of the panel's height below it).
"$report" --plot "$tmp/ax-flat" "$tmp/flat.txt" >/dev/null 2>&1
"$report" --plot "$tmp/ax-flatt" -t 'send>12MiB/s' "$tmp/flat.txt" >/dev/null 2>&1
below_top() { # PNG RRGGBB: how far under the top of the first panel the colour's
	# first row is, in % of the panel's height
	python3 - "$pngpixels" "$1" "$2" <<'PY'
import sys, importlib.util
spec = importlib.util.spec_from_file_location("pp", sys.argv[1]); pp = importlib.util.module_from_spec(spec); spec.loader.exec_module(pp)
top, bottom = pp.yaxes(sys.argv[2])[0]
rows = [y for y in pp.hrows(sys.argv[2], sys.argv[3]) if top <= y <= bottom]
print("%d" % (100 * (rows[0] - top) / (bottom - top)) if rows else "none")
PY
}
for c in "timeseries flat 0072b2 ax-flat" "stacked flat-total e69f00 ax-flat" "timeseries threshold c00000 ax-flatt"; do
	set -- $c
	pct=$(below_top "$tmp/$4/$1.png" "$3")
	check "linear axis headroom: the $2 line of $1.png is ${pct}% of the panel under its top (at least 5)" yes \
		"$([ "$pct" != none ] && [ "$pct" -ge 5 ] && echo yes || echo no)"
done
# The distribution's rate axis is labelled where the data are: at least
# three labels within a factor of 10 of each direction's median.
"$report" --plot "$tmp/ax-wide" --plot-format svg "$tmp/wide.txt" >/dev/null 2>&1
for d in send recv; do
	p50=$(sed -n "s/^if (!exists(\"${d}_p50\")) ${d}_p50 = \([0-9.e+]*\)$/\1/p" "$tmp/ax-wide/distribution.gp")
	check "distribution: at least 3 rate labels within 10x of the $d median" yes \
		"$(svg_rates "$tmp/ax-wide/distribution.svg" | python3 -c "
import sys
u = {'B/s': 1, 'KiB/s': 1024, 'MiB/s': 1024**2, 'GiB/s': 1024**3}
w = sys.stdin.read().split(); p50 = float('${p50:-0}')
v = [float(w[i].lstrip('≤')) * u[w[i + 1]] for i in range(0, len(w) - 1, 2)]
n = sum(1 for x in v if p50 / 10 <= x <= p50 * 10)
print('yes' if n >= 3 else 'no: %d of %s' % (n, ' '.join(w)))")"
done

# ---------------------------------------------------------------- alerts
# A day at 1 s (drawn in 60 s buckets) with one 5 s episode over the limit
# (an alert of 'for 3s') and four crossings of 1 and 2 s that are not.  The
# shading of the seconds over the limit was a sub-pixel line at this scale
# and looked the same for both; now the alert is a band at least a few
# pixels wide, numbered as in the report, and the brief crossings are not.
python3 - "$tmp/alert24.txt" <<'PY'
import random, sys
random.seed(5)
out = ["# dbnetio-capture 1 probe=tracepoint filter=all interval=1 counters=cumulative host=db1"]
s = [0, 0]
for k in range(86401):
    out += [str(1795510031 + k), "@send[1, mariadbd]: %d" % s[0], "@recv[1, mariadbd]: %d" % (s[0] // 9),
            "@send[2, backup]: %d" % s[1], "@recv[2, backup]: %d" % (s[1] // 9), ""]
    r = random.uniform(1, 4) * 2**20
    if 50000 <= k < 50005:
        r = 30 * 2**20
    if k in (20000, 20001, 30000, 70000, 70001):
        r = 25 * 2**20
    s[0] += int(r)
    s[1] += int(random.uniform(0.5, 1) * 2**20)
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
"$report" --plot "$tmp/a24" -t 'send>10MiB/s for 3s' "$tmp/alert24.txt" >/dev/null 2>&1
"$report" --plot "$tmp/a24s" --plot-format svg -t 'send>10MiB/s for 3s' "$tmp/alert24.txt" >/dev/null 2>&1
"$report" -f json -t 'send>10MiB/s for 3s' "$tmp/alert24.txt" >"$tmp/a24.json" 2>/dev/null
a24_start=$(python3 -c 'import json,sys; print(" ".join(str(a["start"]) for s in json.load(open(sys.argv[1]))["series"] for a in s["alerts"]))' "$tmp/a24.json")
check "24 h chart: the one alert (5 s) is marked with number 1 at its start" "1 1 $a24_start" \
	"$(sed -n 's/^if (!exists("alert_n")) alert_n = \([0-9]*\).*/\1/p' "$tmp/a24/timeseries.gp") $(sed -n 's/^if (!exists("alert_num")) array alert_num\[1\] = \[\(.*\)\]$/\1/p' "$tmp/a24/timeseries.gp") $(sed -n 's/^if (!exists("alert_start")) array alert_start\[1\] = \[\(.*\)\]$/\1/p' "$tmp/a24/timeseries.gp")"
# where a time is on the chart: its fraction of the .dat's x range
xfrac() { awk -v t="$2" '!/^#/ && NF { if (!n++) a = $1; b = $1 } END { printf "%.6f", (t - a) / (b - a) }' "$1"; }
marked_at() { python3 "$pngpixels" marked "$tmp/a24/timeseries.png" 0 "$(xfrac "$tmp/a24/timeseries.dat" "$1")" e38c8c; }
m=$(marked_at $((1795510031 + 50002)))
check "24 h chart: the 5 s alert's band covers the panel at its time in the PNG ($m of its height)" yes \
	"$(python3 -c "print('yes' if $m >= 0.8 else 'no')")"
brief=$(for k in 20000 30000 70000; do marked_at $((1795510031 + k)); done | tr '\n' ' ')
check "24 h chart: brief crossings of 1 and 2 s are not drawn as alerts (${brief% })" yes \
	"$(python3 -c "print('yes' if max(float(v) for v in '$brief'.split()) < 0.1 else 'no')")"
check "24 h chart in SVG: the alert band is drawn, at least 5 px wide" yes \
	"$(python3 - "$tmp/a24s/timeseries.svg" <<'PY'
import re, sys
w = [max(xs) - min(xs) for pts in re.findall(r"fill = 'rgb\(192,\s*0,\s*0\)' fill-opacity = '0\.45\d*' points = '([^']*)'", open(sys.argv[1]).read())
     for xs in [[float(p.split(",")[0]) for p in pts.split()]] if max(float(p.split(",")[1]) for p in pts.split()) - min(float(p.split(",")[1]) for p in pts.split()) > 100]
print("yes" if w and min(w) >= 5 else "no: %s" % w)
PY
)"
# The merge window in the charts: the bands are the alerts the JSON lists,
# one for an episode with dips shorter than the window, one per run above
# with 'merge 0s'.
dips=$DBNETIO_ROOT/tests/fixtures/charts/alert-dips.txt
for spec in 'send>10MiB/s for 3s merge 4s' 'send>10MiB/s for 3s merge 0s'; do
	"$report" --plot "$tmp/dips" -t "$spec" "$dips" >/dev/null 2>&1
	check "charts mark the alerts the JSON lists, '$spec'" \
		"$("$report" -f json -t "$spec" "$dips" | python3 -c 'import json, sys
a = [x for s in json.load(sys.stdin)["series"] for x in s["alerts"]]
print(" ".join("%d-%d" % (x["start"], x["end"]) for x in sorted(a, key=lambda x: x["start"])))')" \
		"$(paste -d- <(sed -n 's/^if (!exists("alert_start")) array alert_start\[[0-9]*\] = \[\(.*\)\]$/\1/p' "$tmp/dips/timeseries.gp" | tr -d ' ' | tr ',' '\n') \
			<(sed -n 's/^if (!exists("alert_end")) array alert_end\[[0-9]*\] = \[\(.*\)\]$/\1/p' "$tmp/dips/timeseries.gp" | tr -d ' ' | tr ',' '\n') | tr '\n' ' ' | sed 's/ $//')"
done
# The legend has the "seconds over the limit" entry only when some are.
"$report" --plot "$tmp/none-over" --plot-format svg -t 'send>12MiB/s' "$tmp/flat.txt" >/dev/null 2>&1
# svg_texts SVG: the text an SVG chart draws, one element a line (its
# <title>s, for mouse-over, are not drawn)
svg_texts() { python3 -c 'import sys, xml.etree.ElementTree as ET
for t in ET.parse(sys.argv[1]).iter():
    if t.tag.endswith("}text"): print("".join(t.itertext()).strip())' "$1"; }
check "legend: no 'seconds over' entry without seconds over the limit, one with them" "0 1" \
	"$(svg_texts "$tmp/none-over/timeseries.svg" | grep -c 'seconds over') $(svg_texts "$tmp/a24s/timeseries.svg" | grep -c 'seconds over the limit')"

# ---------------------------------------------------------------- per client
# A key=client capture is drawn per client (each labelled with its process):
# the top ones by bytes, its overflow among them, the rest summed.  The .dat
# column of a client is its per-second bytes as the CSV gives them.
keys=$DBNETIO_ROOT/tests/fixtures/keys
"$report" --plot "$tmp/client" "$keys/client-text.txt" >/dev/null 2>"$tmp/client.err"
check "client capture: timeseries.png and stacked.png render" "png $(tpl_size timeseries) png $(tpl_size stacked)" \
	"$(python3 "$imginfo" "$tmp/client/timeseries.png") $(python3 "$imginfo" "$tmp/client/stacked.png")"
check "client capture: series titled by client and process, overflow included, the rest are clients summed" "1 1 1" \
	"$(grep -c "'127.0.0.2 (mariadbd \[4321\])'" "$tmp/client/timeseries.gp") $(grep -c "'overflow (mariadbd \[4321\])'" "$tmp/client/timeseries.gp") $(grep -c "'rest ([0-9]* clients summed)'" "$tmp/client/timeseries.gp")"
check "client capture: the stacked chart is by client" 1 "$(grep -c "^if (!exists(\"title\")) title = 'TCP bytes per second by client, " "$tmp/client/stacked.gp")"
col=$(awk '/^# columns [0-9]+, [0-9]+: sent, received by 127.0.0.2 \(mariadbd \[4321\]\)/ { sub(",", "", $3); print $3 }' \
	"$tmp/client/timeseries.dat")
"$report" -f csv "$keys/client-text.txt" | python3 -c 'import csv, sys
for r in csv.DictReader(sys.stdin):
    if r["client"] == "127.0.0.2" and r["pid"] == "4321" and r["map"] == "@send" and r["partial"] == "0":
        print(r["epoch"], r["bytes"])' >"$tmp/client.expect"
awk -v c="${col:-0}" '!/^#/ && NF { print $1, $c }' "$tmp/client/timeseries.dat" >"$tmp/client.got"
check "client capture: the 127.0.0.2 column is that client's bytes per second" \
	"$(wc -l <"$tmp/client.expect") rows equal" \
	"$(if [ -n "$col" ] && cmp -s "$tmp/client.expect" "$tmp/client.got"; then echo "$(wc -l <"$tmp/client.got") rows equal"; else diff "$tmp/client.expect" "$tmp/client.got" | head -3 | tr '\n' ' '; fi)"
"$report" --plot "$tmp/conn" "$keys/connection-text.txt" >/dev/null 2>"$tmp/conn.err"
check "connection capture: an IPv6 connection titled [addr]:port>port (process)" 1 \
	"$(grep -c "'\[::1\]:40000>3306 (mariadbd \[4321\])'" "$tmp/conn/timeseries.gp")"

# ------------------------------------------------------------------- SVG
"$report" --plot "$tmp/svg" --plot-format svg "$fixture" >/dev/null 2>"$tmp/svg.err"
for chart in timeseries stacked distribution; do
	check "$chart.svg is well-formed SVG of the template's size" "svg $(tpl_size $chart)" \
		"$(python3 "$imginfo" "$tmp/svg/$chart.svg")"
done

# ------------------------------------------------------ re-render by hand
# The written .gp alone re-renders, from another directory, as SVG too.
cp -r "$tmp/png" "$tmp/copy"
rm -f "$tmp/copy"/*.png
(cd / && gnuplot -e 'term="svg"' "$tmp/copy/timeseries.gp") 2>"$tmp/copy.err"
check "written timeseries.gp re-renders alone from another directory" \
	"svg $(tpl_size timeseries)" "$(python3 "$imginfo" "$tmp/copy/timeseries.svg" 2>&1)"

# The templates in plots/ run by hand on those data files, from any
# directory, with nothing but the data file named.
mkdir -p "$tmp/byhand"
for chart in timeseries stacked distribution; do
	dat=$([ $chart = distribution ] && echo distribution || echo timeseries)
	(cd "$tmp/byhand" && gnuplot -e "datafile='$tmp/png/$dat.dat'" "$DBNETIO_ROOT/plots/$chart.gp") \
		2>"$tmp/byhand/$chart.err"
	check "plots/$chart.gp runs by hand on a written .dat" "png $(tpl_size $chart)" \
		"$(python3 "$imginfo" "$tmp/byhand/$chart.png" 2>&1)"
done

# --------------------------------------------------------------- local time
# A POSIX TZ string (UTC+05:30, no DST) needs no tzdata package.
TZ=IST-5:30 "$report" --plot "$tmp/local" --local-time "$fixture" >/dev/null 2>&1
check "--local-time shifts the axis by the zone's offset" "tzoffset = 19800" \
	"$(grep -m1 -o 'tzoffset = [0-9-]*' "$tmp/local/timeseries.gp")"
check "--local-time labels the axis with the offset" 1 \
	"$(grep -c "tzlabel = 'local time, UTC+05:30" "$tmp/local/timeseries.gp")"
check "UTC by default" "tzoffset = 0" "$(grep -m1 -o 'tzoffset = [0-9-]*' "$tmp/png/timeseries.gp")"

# ----------------------------------------------------------- no gnuplot
# PATH without gnuplot: data and scripts are written, no image, and the
# message says how to render them.
PATH=/nonexistent "$report" --plot "$tmp/nognuplot" "$fixture" >/dev/null 2>"$tmp/nognuplot.err"
check "without gnuplot: exit status" 0 "$?"
check "without gnuplot: the same .dat and .gp written, no image" \
	"$(cd "$tmp/png" && ls *.dat *.gp | tr '\n' ' ')no image" \
	"$(cd "$tmp/nognuplot" && ls *.dat *.gp | tr '\n' ' ')$(ls "$tmp/nognuplot" | grep -q -E '\.(png|svg)$' && echo images || echo no image)"
check "without gnuplot: the message names gnuplot and the command" 2 \
	"$(grep -c -e 'gnuplot not found in PATH' -e "gnuplot $tmp/nognuplot/timeseries.gp" "$tmp/nognuplot.err")"

# ----------------------------------------------------- recorded captures
# Every real capture under tests/fixtures/ renders to valid images.
n=0
for cap in "$DBNETIO_ROOT"/tests/fixtures/*.txt "$DBNETIO_ROOT"/tests/fixtures/*.json; do
	[ -f "$cap" ] || continue
	name=$(basename "$cap")
	out="$tmp/rec-$name"
	"$report" --plot "$out" "$cap" >/dev/null 2>"$out.err"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		fail "recorded capture $name renders" "exit $rc: $(tail -n 1 "$out.err")"
		continue
	fi
	# Charts are of dbnetio's send/recv maps; a capture of other maps only
	# says so.
	sendrecv=$("$report" -f json "$cap" 2>/dev/null | python3 -c 'import json,sys
print(sum(1 for s in json.load(sys.stdin)["series"] if s.get("direction") in ("send", "recv") and s.get("samples")))')
	if [ "${sendrecv:-0}" -gt 0 ]; then
		check "recorded capture $name: timeseries.png" "png $(tpl_size timeseries)" \
			"$(python3 "$imginfo" "$out/timeseries.png")"
	else
		check "recorded capture $name (no send/recv map): says no charts" 1 \
			"$(grep -c 'no @send/@recv rate samples, no charts written' "$out.err")"
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "recorded captures render" "no capture in tests/fixtures/"

# ----------------------------------------------------------- bounded memory
# Samples stream to a temporary file: the peak RSS of an 80-hour capture is
# close to that of a 4-hour one (charts not rendered: PATH without gnuplot).
# Keeping the 864,000 samples in memory would cost over 10 MiB more.  Each
# is measured twice and the higher counts (polling can only miss growth).
# Peak RSS in KiB of a command run with a PATH without gnuplot: its VmHWM,
# polled until it exits (getrusage or /usr/bin/time would also count the RSS
# of the process that forked it, which exec carries into maxrss).
maxrss() {
	PATH=/nonexistent "$@" >/dev/null 2>&1 &
	local pid=$! v m=0
	while v=$(grep -m1 '^VmHWM:' "/proc/$pid/status" 2>/dev/null) && [ -n "$v" ]; do
		v=${v#VmHWM:}; v=${v% kB}; m=$((v + 0))
		sleep 0.002
	done
	wait "$pid"
	echo "$m"
}
{
	gen() {
		awk -v n="$1" 'BEGIN {
			print "# dbnetio-capture 1 probe=tracepoint filter=all interval=1 counters=cumulative host=long"
			for (i = 1; i <= n; i++) {
				s += 1000 + i % 977; r += 300 + i % 131
				print 1795558096 + i; print "@send[1, a]: " s; print "@recv[1, a]: " r
				print "@send[2, b]: " i * 10; print ""
			}
		}'
	}
	gen 14400 >"$tmp/short.txt"
	gen 288000 >"$tmp/long.txt"
	rss1() { maxrss "$report" --plot "$tmp/mem-$1" "$tmp/$1.txt"; }
	rss() { local a b; a=$(rss1 "$1") b=$(rss1 "$1"); echo $((a > b ? a : b)); }
	short=$(rss short) long=$(rss long)
	echo "peak RSS: 4 h capture ${short} KiB, 80 h capture ${long} KiB"
	if [ "${short:-0}" -gt 0 ] && [ "${long:-0}" -gt 0 ] && [ "$long" -lt $((short + 4096)) ]; then
		pass "memory stays bounded: 80 h capture ${long} KiB vs 4 h ${short} KiB"
	else
		fail "memory stays bounded" "expected under $((short + 4096)) KiB for 20x the dumps, measured $long KiB (4 h: $short KiB)"
	fi
	# A long capture is drawn in buckets (at most 1500 rows): each row of
	# timeseries.dat is the highest second of its bucket, computed here
	# from the capture with awk.
	k=$(sed -n 's/.*interval = \([0-9]*\)$/\1/p' "$tmp/mem-long/timeseries.gp")
	rows=$(grep -vc -e '^#' -e '^$' "$tmp/mem-long/timeseries.dat")
	if [ "${k:-0}" -gt 1 ] && [ "$rows" -le 1500 ]; then
		pass "long capture drawn in $rows buckets of $k s"
	else
		fail "long capture drawn in buckets" "expected at most 1500 rows of k > 1 s, measured $rows rows, k=$k"
	fi
	awk -v k="${k:-1}" '/^[0-9]+$/ { ts = $1; next }
		/^@send\[1, a\]: / { v = $NF; if (have) { d = v - last; e = int(lts / k) * k
			if (!(e in m) || d > m[e]) m[e] = d; if (!(e in seen)) { seen[e] = 1; order[++n] = e } }
			have = 1; last = v; lts = ts }
		END { for (i = 1; i <= n; i++) printf "%d %d\n", order[i], m[order[i]] }' "$tmp/long.txt" >"$tmp/long.expect"
	awk '!/^#/ && NF { printf "%d %d\n", $1, $2 }' "$tmp/mem-long/timeseries.dat" >"$tmp/long.got"
	check "long capture: each bucket shows its highest second" \
		"$(wc -l <"$tmp/long.expect") buckets equal" \
		"$(if cmp -s "$tmp/long.expect" "$tmp/long.got"; then echo "$(wc -l <"$tmp/long.got") buckets equal"; else diff "$tmp/long.expect" "$tmp/long.got" | head -3 | tr '\n' ' '; fi)"
	check "long capture: stacked chart reads the bucket means" "datafile = 'stacked.dat'" \
		"$(grep -m1 -o "datafile = .*" "$tmp/mem-long/stacked.gp")"
}
