#!/usr/bin/env bash
# Tier 65: the shareable report (`dbnetio-report --report FILE.html|FILE.md`).
#
# The HTML report is loaded in headless Chromium (driven over a DevTools pipe
# by tests/report/chromecheck.py) and screenshotted; the tests assert that the
# page asked for nothing but itself and nothing failed, that the numbers it
# shows are the JSON summary's (tests/report/domvsjson.py), that the three
# charts are inline SVG drawn at a readable size, and that a process name
# full of HTML metacharacters is shown as text, not markup.  The Markdown
# report links PNG charts that exist beside it.  The screenshot stays in
# build/report/ for a human to look at.
. "$(dirname "$0")/../lib.sh"

report=$BUILD/dbnetio-report
rt=$DBNETIO_ROOT/tests/report
fixture=$DBNETIO_ROOT/tests/fixtures/charts/spike-gap.txt
spec='send>10MiB/s for 3s'
tmp=$(mktemp -d)
keep=$BUILD/report
mkdir -p "$keep"
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$report" ]; then
	fail "dbnetio-report built" "missing $report (run make)"
	exit 0
fi
for tool in gnuplot python3; do
	if ! have $tool; then
		skip "HTML report" "$tool not installed (scripts/install-deps check)"
		exit 0
	fi
done

# ------------------------------------------------------ the file itself
touch "$tmp/marker"
sleep 0.01
"$report" --report "$tmp/r.html" -t "$spec" "$fixture" >"$tmp/table.out" 2>"$tmp/r.err"
check "--report exit status with a crossed threshold" 2 "$?"
"$report" -f json -t "$spec" "$fixture" >"$tmp/summary.json" 2>/dev/null
check "no script, stylesheet link, image, frame or object in the HTML" 0 \
	"$(grep -c -i -E '<(script|link|img|iframe|object|embed)[ >]' "$tmp/r.html")"
# xmlns values are names, not fetches; any src/href/url() pointing outside is
# a request a reader's browser would make (url(#id), a filter of the page's
# own, is not).
check "no reference to anything outside the file" 0 \
	"$(grep -c -i -E "(src|href)[[:space:]]*=[[:space:]]*[\"']?(https?:|//|file:)|url\\([^#]" "$tmp/r.html")"
check "three charts inlined as SVG" 3 "$(grep -c '<figure class="chart"' "$tmp/r.html")"
check "no XML prolog left inside the HTML" 0 "$(grep -c -E '<\?xml|<!DOCTYPE svg' "$tmp/r.html")"
check "no id used twice in the page (charts' ids are prefixed)" "" \
	"$(grep -o -E "id=['\"][^'\"]*['\"]" "$tmp/r.html" | sort | uniq -d | head -3 | tr '\n' ' ')"
check "no temporary chart directory left behind" 0 \
	"$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'dbnetio-report-*' -newer "$tmp/marker" 2>/dev/null | wc -l)"

# ------------------------------------------------------------ in Chromium
if ! have chromium; then
	skip "HTML report in Chromium" "chromium not installed (scripts/install-deps check)"
else
	t0=$SECONDS
	if timeout 120 python3 "$rt/chromecheck.py" "$tmp/r.html" "$keep/report-screenshot.png" 1280 900 \
		>"$tmp/cc.json" 2>"$tmp/cc.err"; then
		echo "chromium load + screenshot: $((SECONDS - t0))s (screenshot: $keep/report-screenshot.png)"
		q() { python3 -c "import json,sys; d=json.load(open('$tmp/cc.json')); print($1)"; }
		check "Chromium requested only the page itself" "file://$tmp/r.html" "$(q "' '.join(d['requests'])")"
		check "no failed request" "[]" "$(q "d['failed']")"
		check "no script error or console error" "[]" "$(q "d['errors']")"
		check "summary numbers on the page equal the JSON summary" ok \
			"$(out=$(python3 "$rt/domvsjson.py" "$tmp/cc.json" "$tmp/summary.json") && echo ok || echo "$out" | head -3 | tr '\n' ';')"
		check "charts drawn: timeseries, stacked, distribution, each over 1000 px wide" \
			"timeseries stacked distribution" \
			"$(q "' '.join(c['kind'] for c in d['charts'] if c['width'] > 1000 and c['height'] > 300)")"
		check "hostile process name shown as text" True \
			"$(q "'x<b>&\'\"y' in d['text']")"
		check "hostile process name injected no element" False \
			"$(q "any(e in d['elements'] for e in ('b', 'script', 'img', 'iframe'))")"
		check "alert visible with its start time" True \
			"$(q "'send>10MiB/s for 3s' in d['text'] and '$(python3 -c "import json,time; d=json.load(open('$tmp/summary.json')); a=[a for s in d['series'] for a in s['alerts']][0]; print(time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(a['start'])))")' in d['text']")"
		check "the page carries its Content-Security-Policy, as Chromium reads it" \
			"default-src 'none'; style-src 'unsafe-inline'; img-src data:" "$(q "d['csp']")"
		check "the policy is enforced: an image from file:, a stylesheet and a frame from https: refused" \
			"frame-src img-src style-src-elem" "$(q "' '.join(sorted(v[0] for v in d['csp_probe']))")"
		check "the page itself breaks none of it (no console error: asserted above), and says what it traced" True \
			"$(q "'Traced processes named mariadbd on chart fixture' in d['text']")"
		shot=$(python3 "$rt/imginfo.py" "$keep/report-screenshot.png")
		check "screenshot is a full-page PNG 1280 px wide" "png 1280 $(q "max(900, d['height'])")" "$shot"
	else
		fail "HTML report loads in Chromium" "$(tail -n 2 "$tmp/cc.err")"
	fi

	# Names and a host that are HTML, gnuplot code and broken UTF-8.
	hostile=$DBNETIO_ROOT/tests/fixtures/charts/hostile-names.txt
	"$report" --report "$tmp/hostile.html" "$hostile" >/dev/null 2>"$tmp/hostile.err"
	if timeout 120 python3 "$rt/chromecheck.py" "$tmp/hostile.html" "$tmp/hostile.png" >"$tmp/h-cc.json" 2>"$tmp/h-cc.err"; then
		hq() { python3 -c "import json,sys; d=json.load(open('$tmp/h-cc.json')); print($1)"; }
		check "hostile names page: no script, b or img element, no error, the policy in force" "False [] 3" \
			"$(hq "any(e in d['elements'] for e in ('b', 'script', 'img', 'iframe')), d['errors'] + d['failed'], len(d['csp_probe'])")"
		check "hostile names page: names and host shown as text (the legend cuts the long name)" True \
			"$(hq "all(t in d['text'] for t in ('<script>alert(1)</script>', '<script>alert(1)</scrip… [203]', 'hostile <b>host</b>', 'café', 'bad\ufffd\ufffdutf8'))")"
	else
		fail "hostile names report loads in Chromium" "$(tail -n 2 "$tmp/h-cc.err")"
	fi

	# Alerts: the table numbers them by start, the time-series chart marks
	# the same numbers, and the card says what each of its numbers counts
	# (tests/fixtures/charts/alert-dips.txt: three runs over the limit with
	# 'merge 0s', 17 s above it in all, a 2 s one too short to alert).
	dspec='send>10MiB/s for 3s merge 0s'
	"$report" --report "$tmp/dips.html" -t "$dspec" "$DBNETIO_ROOT/tests/fixtures/charts/alert-dips.txt" >/dev/null 2>&1
	"$report" -f json -t "$dspec" "$DBNETIO_ROOT/tests/fixtures/charts/alert-dips.txt" >"$tmp/dips.json" 2>/dev/null
	if timeout 120 python3 "$rt/chromecheck.py" "$tmp/dips.html" "$tmp/dips.png" >"$tmp/dips-cc.json" 2>/dev/null; then
		check "alert table: numbered 1, 2, 3 by start, as the JSON's alerts" ok \
			"$(python3 - "$tmp/dips-cc.json" "$tmp/dips.json" <<'PY'
import json, sys, time
rows = [l.split("\t") for l in json.load(open(sys.argv[1]))["text"].split("\n") if l.split("\t")[0].isdigit() and "send>10MiB/s" in l]
want = sorted((a["start"], a["end"]) for s in json.load(open(sys.argv[2]))["series"] for a in s["alerts"])
t = lambda v: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(v))
got = [(r[0], r[3], r[4]) for r in rows]
exp = [(str(i + 1), t(a), t(b)) for i, (a, b) in enumerate(want)]
print("ok" if got == exp and len(exp) == 3 else "table %s, JSON %s" % (got, exp))
PY
)"
		check "the time-series chart marks alerts 1, 2, 3" "1 2 3" \
			"$(python3 - "$tmp/dips.html" <<'PY'
import re, sys
fig = re.search(r'<figure class="chart" data-chart="timeseries">(.*?)</figure>', open(sys.argv[1]).read(), re.S).group(1)
seen = []
for n in re.findall(r"filter:url\(#c\d+-textbox\)'>\s*<text><tspan[^>]*>([^<]*)</tspan>", fig):
    if n not in seen:
        seen.append(n)
print(" ".join(seen))
PY
)"
		check "the card says what it counts: alerts, their time from start to end, all time above" ok \
			"$(python3 - "$tmp/dips-cc.json" "$tmp/dips.json" <<'PY'
import json, sys
text = json.load(open(sys.argv[1]))["text"]
j = json.load(open(sys.argv[2]))
alerts = [a for s in j["series"] for a in s["alerts"]]
dur = sum(a["end"] - a["start"] for a in alerts)
above = sum(x["seconds"] for s in j["series"] for x in s.get("above", []))
want = ["%d alerts" % len(alerts), "%ds in alerts, from each one's start to its end" % dur,
        "%ds above a limit in all, brief crossings included" % round(above)]
missing = [w for w in want if w not in text]
print("ok" if not missing and dur != round(above) else "missing %s (alerts %d s, above %s s)" % (missing, dur, above))
PY
)"
	else
		fail "alert report loads in Chromium" "chromecheck failed"
	fi

	# Eight processes: the charts draw five and "rest", the other three
	# summed; the top-talkers table shows each row's chart colour, the
	# three as rest, each the colour of its line in the chart.
	python3 - "$tmp/eight.txt" <<'PY'
import sys
names = ["mariadbd", "postgres", "redis", "pgbouncer", "mysqld", "sshd", "cron", "backup"]
out, tot = ["# dbnetio-capture 1 probe=tracepoint filter=all interval=1 counters=cumulative host=db1"], [0] * 8
for k in range(31):
    out.append(str(1795558097 + k))
    for i, n in enumerate(names):
        out += ["@send[%d, %s]: %d" % (100 + i, n, tot[i]), "@recv[%d, %s]: %d" % (100 + i, n, tot[i] // 5)]
        tot[i] += (8 - i) * 100000 + k * 1000
    out.append("")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
	"$report" --report "$tmp/eight.html" "$tmp/eight.txt" >/dev/null 2>&1
	if timeout 120 python3 "$rt/chromecheck.py" "$tmp/eight.html" "$tmp/eight.png" >"$tmp/eight-cc.json" 2>/dev/null; then
		check "rest: the legend says the rest is summed" 1 \
			"$(python3 -c "import json; print(sum(1 for l in json.load(open('$tmp/eight-cc.json'))['legend'] if l['kind'] == 'timeseries' and l['title'] == 'rest (3 processes summed)' and l['stroke']) // 2)")"
		check "top talkers: each row's swatch is its line's colour in the chart, the rest marked" ok \
			"$(python3 - "$tmp/eight-cc.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
line = {l["title"]: l["stroke"] for l in d["legend"] if l["kind"] == "timeseries" and l["stroke"]}
bad, rest = [], 0
for sw in d["swatches"]:
    if sw["table"] != "talkers":
        continue
    c = sw["cells"]
    title = "rest (3 processes summed)" if c[1] == "rest" else "%s [%s]" % (c[2], c[3])
    rest += c[1] == "rest"
    if line.get(title) != sw["colour"]:
        bad.append("%s: swatch %s, line %s" % (title, sw["colour"], line.get(title)))
print("ok" if not bad and rest == 3 and len(line) >= 6 else "; ".join(bad) or "rest rows: %d" % rest)
PY
)"
	else
		fail "eight-process report loads in Chromium" "chromecheck failed"
	fi

	# Time labels in the browser: the report of a 2 min, a 1 h and a 24 h
	# capture starting at odd seconds, every text of every chart as Chromium
	# lays it out, and no two overlapping.
	for spec in "2min 120 1795558097" "1h 3600 1795558117" "24h 86400 1795510031"; do
		set -- $spec
		awk -v n="$2" -v t0="$3" 'BEGIN {
			print "# dbnetio-capture 1 probe=tracepoint filter=all interval=1 counters=cumulative host=db1"
			name[1] = "mysqld_exporter"; name[2] = "postgres: walsender"; name[3] = "mariadbd"
			for (k = 0; k <= n; k++) {
				print t0 + k
				for (i = 1; i <= 3; i++) {
					s[i] += i * 300000 + (k * 7919 * i) % 200000
					printf "@send[%d, %s]: %d\n@recv[%d, %s]: %d\n", 104520 + i, name[i], s[i], 104520 + i, name[i], s[i] / 9
				}
			}
		}' >"$tmp/t-$1.txt"
		"$report" --report "$tmp/t-$1.html" -t 'send>2MiB/s for 3s' "$tmp/t-$1.txt" >/dev/null 2>&1
		if timeout 120 python3 "$rt/chromecheck.py" "$tmp/t-$1.html" "$tmp/t-$1.png" >"$tmp/t-$1-cc.json" 2>/dev/null; then
			check "$1 capture from an odd second: no two texts of any chart overlap in Chromium" \
				"timeseries [] stacked [] distribution []" \
				"$(python3 -c "import json; print(' '.join('%s %s' % (c['kind'], c['overlaps'][:3]) for c in json.load(open('$tmp/t-$1-cc.json'))['charts']))")"
		else
			fail "$1 capture report loads in Chromium" "chromecheck failed"
		fi
	done

	# A recorded capture too, to hold the DOM/JSON equality on real data.
	rec=$DBNETIO_ROOT/tests/fixtures/dbnetio-tp-text.txt
	[ -f "$rec" ] || rec=$(ls "$DBNETIO_ROOT"/tests/fixtures/*.txt 2>/dev/null | head -n 1)
	if [ -n "$rec" ] && [ -f "$rec" ]; then
		"$report" --report "$tmp/rec.html" "$rec" >/dev/null 2>"$tmp/rec.err"
		"$report" -f json "$rec" >"$tmp/rec.json" 2>/dev/null
		if timeout 120 python3 "$rt/chromecheck.py" "$tmp/rec.html" "$tmp/rec.png" >"$tmp/rec-cc.json" 2>"$tmp/rec-cc.err"; then
			check "recorded capture $(basename "$rec"): page numbers equal the JSON" ok \
				"$(out=$(python3 "$rt/domvsjson.py" "$tmp/rec-cc.json" "$tmp/rec.json") && echo ok || echo "$out" | head -3 | tr '\n' ';')"
		else
			fail "recorded capture report loads in Chromium" "$(tail -n 2 "$tmp/rec-cc.err")"
		fi
	else
		skip "recorded capture report" "no capture in tests/fixtures/"
	fi

	# Per-client captures: the Who section's numbers are the JSON summary's
	# (a client's send and recv series summed; its peak the higher of their
	# two), the rest of the page too, and a hostile name stays text.
	keys=$DBNETIO_ROOT/tests/fixtures/keys
	for cap in client connection; do
		"$report" --report "$tmp/$cap.html" "$keys/$cap-text.txt" >/dev/null 2>"$tmp/$cap.err"
		"$report" -f json "$keys/$cap-text.txt" >"$tmp/$cap.json" 2>/dev/null
		if timeout 120 python3 "$rt/chromecheck.py" "$tmp/$cap.html" "$tmp/$cap.png" >"$tmp/$cap-cc.json" 2>"$tmp/$cap-cc.err"; then
			check "key=$cap report: page numbers equal the JSON" ok \
				"$(out=$(python3 "$rt/domvsjson.py" "$tmp/$cap-cc.json" "$tmp/$cap.json") && echo ok || echo "$out" | head -3 | tr '\n' ';')"
			check "key=$cap report: Who lists every client with the JSON's bytes and peak" ok \
				"$(python3 - "$tmp/$cap-cc.json" "$tmp/$cap.json" <<'PY'
import json, sys
dom = json.load(open(sys.argv[1]))["stats"]
want = {}
for s in json.load(open(sys.argv[2]))["series"]:
    c = s["client"]
    if "client_port" in s:
        c = ("[%s]" if ":" in c else "%s") % c + ":%d>%d" % (s["client_port"], s["local_port"])
    w = want.setdefault("source0|client|%d|%s|%s" % (s["pid"], s["comm"], c), {"sent": 0, "recv": 0, "peak": 0})
    w["sent" if s["direction"] == "send" else "recv"] += s["total_bytes"]
    w["peak"] = max(w["peak"], s["rate"]["max"])
bad = []
for k, w in want.items():
    w["total"] = w["sent"] + w["recv"]
    for f, v in w.items():
        got = dom.get(k + "|" + f)
        if not got or abs(float(got["value"]) - v) > 1e-6 * max(1, v):
            bad.append("%s|%s: JSON %s, page %s" % (k, f, v, got and got["value"]))
print("ok" if want and not bad else "; ".join(bad[:3]) or "no clients")
PY
)"
			check "key=$cap report: charts drawn" "timeseries stacked distribution" \
				"$(python3 -c "import json; print(' '.join(c['kind'] for c in json.load(open('$tmp/$cap-cc.json'))['charts']))")"
		else
			fail "key=$cap report loads in Chromium" "$(tail -n 2 "$tmp/$cap-cc.err")"
		fi
	done
	printf '# dbnetio-capture 2 key=client interval=1\n1795558096\n@send[7, <script>alert(2)</script>, ::1]: 5\n@psend[7, <script>alert(2)</script>]: 9\n1795558097\n@send[7, <script>alert(2)</script>, ::1]: 10\n@psend[7, <script>alert(2)</script>]: 20\n' >"$tmp/hk.txt"
	"$report" --report "$tmp/hk.html" "$tmp/hk.txt" >/dev/null 2>&1
	if timeout 120 python3 "$rt/chromecheck.py" "$tmp/hk.html" "$tmp/hk.png" >"$tmp/hk-cc.json" 2>/dev/null; then
		check "hostile name in Who: shown as text, no element injected" "True False" \
			"$(python3 -c "import json; d=json.load(open('$tmp/hk-cc.json')); print('<script>alert(2)</script> [7]' in d['text'], 'script' in d['elements'])")"
	else
		fail "hostile client capture report loads in Chromium" "chromecheck failed"
	fi
fi
"$report" --report "$tmp/nowho.html" "$fixture" >/dev/null 2>&1
check "a process capture's report has no Who section" 0 "$(grep -c '<h2 id="who">' "$tmp/nowho.html")"

# ------------------------------------------------------------ small things
# An idle process has no peak, and no time for one; "Traced every process";
# the distribution of two processes is "both ... summed"; a chart prints a
# rate as the tables do (1.40 MiB/s, not 1.4).
printf '# dbnetio-capture 1 probe=tracepoint filter=all interval=1 counters=cumulative host=db1\n1795558097\n@send[1, busy]: 100\n@recv[1, busy]: 10\n@send[2, idle]: 0\n@recv[2, idle]: 0\n1795558098\n@send[1, busy]: 2000\n@recv[1, busy]: 100\n@send[2, idle]: 0\n@recv[2, idle]: 0\n1795558099\n@send[1, busy]: 5000\n@recv[1, busy]: 300\n@send[2, idle]: 0\n@recv[2, idle]: 0\n' >"$tmp/idle.txt"
"$report" --report "$tmp/idle.md" -t 'send>1.4KiB/s' "$tmp/idle.txt" >/dev/null 2>&1
check "an idle process's rows have no peak time" 2 "$(grep -c -E '^\| 2 idle (send|recv) \|.*\| – \| 3 \|$' "$tmp/idle.md")"
check "'Traced every process on db1', not 'Traced all'" 1 "$(grep -c '^Traced every process on db1' "$tmp/idle.md")"
# edge-oddities has one gap, one reset and one warning, and 17 lost events
"$report" --report "$tmp/odd.md" "$DBNETIO_ROOT/tests/fixtures/edge-oddities.txt" >/dev/null 2>&1
check "data quality in the singular where a count is 1, the plural elsewhere" \
	"Data quality: 1 gap (2 missing seconds), 17 lost events, 1 counter reset, 1 bpftrace warning, 0 bad lines skipped." \
	"$(grep '^Data quality' "$tmp/odd.md")"
check "distribution of two processes: 'both traced processes summed'" 1 \
	"$(grep -c "subject = 'both traced processes summed" "$tmp/idle-charts/distribution.gp")"
check "charts print rates as the tables: threshold 1.40 KiB/s, percentiles with three digits" \
	"threshold 1.40 KiB/s|$(sed -n 's/^| 1 busy send | [^|]* | [^|]* | \([^|]*\) |.*/\1/p' "$tmp/idle.md" | sed 's/ $//')" \
	"$(sed -n "s/^if (!exists(\"send_threshold_text\")) send_threshold_text = '\(.*\)'$/threshold \1/p" "$tmp/idle-charts/timeseries.gp")|$(sed -n "s/^if (!exists(\"send_p50_text\")) send_p50_text = '\(.*\)'$/\1/p" "$tmp/idle-charts/distribution.gp")"

# ----------------------------------------------------------- Markdown
mkdir -p "$tmp/md"
"$report" --report "$tmp/md/r.md" "$fixture" >/dev/null 2>"$tmp/md.err"
links=$(grep -o '](r-charts/[a-z]*\.png)' "$tmp/md/r.md" | sed 's/^](//; s/)$//')
ok=0
for l in $links; do
	case $(python3 "$rt/imginfo.py" "$tmp/md/$l") in png*) ok=$((ok + 1)) ;; esac
done
check "Markdown links three PNG charts that exist beside it" "3 of 3" "$ok of $(echo "$links" | grep -c .)"
check "Markdown escapes markup in process names, & too" 1 "$(grep -c -F '| x\<b\>\&'"'"'"y |' "$tmp/md/r.md")"
# "a&b&amp;c" must read as itself: an unescaped "&amp;" renders as "&".
printf '# dbnetio-capture 1 interval=1 filter=all\n1795558097\n@send[9, a&b&amp;c]: 5\n1795558098\n@send[9, a&b&amp;c]: 10\n' >"$tmp/amp.txt"
"$report" --report "$tmp/amp.md" "$tmp/amp.txt" >/dev/null 2>&1
check "Markdown: a&b&amp;c is written a\&b\&amp;c, so it renders as itself" 1 \
	"$(grep -c -F '| a\&b\&amp;c |' "$tmp/amp.md")"
mkdir -p "$tmp/mdk"
"$report" --report "$tmp/mdk/r.md" "$DBNETIO_ROOT/tests/fixtures/keys/client-text.txt" >/dev/null 2>&1
check "Markdown of a client capture: a Who section, 10.0.0.7 first by bytes and by peak, in blue as in the charts" "1 2" \
	"$(grep -c '^## Who$' "$tmp/mdk/r.md") $(grep -c -F '| 1 | blue | 10.0.0.7 | mariadbd \[4321\] |' "$tmp/mdk/r.md")"
check "Markdown summary table has a row per series" \
	"$(python3 -c "import json; print(len(json.load(open('$tmp/summary.json'))['series']))")" \
	"$(grep -c -E '^\| [0-9]+ .* (send|recv) \|' "$tmp/md/r.md")"

# ----------------------------------------------------------- no gnuplot
PATH=/nonexistent "$report" --report "$tmp/nognuplot.html" "$fixture" >/dev/null 2>"$tmp/nognuplot.err"
check "without gnuplot: report still written" 0 "$?"
check "without gnuplot: the report says charts were not rendered" 1 \
	"$(grep -c 'Charts not rendered: gnuplot was not found' "$tmp/nognuplot.html")"
check "without gnuplot: stderr says so" 1 "$(grep -c 'gnuplot not found in PATH' "$tmp/nognuplot.err")"

# A name that is neither .html nor .md is refused before reading anything.
"$report" --report "$tmp/r.pdf" "$fixture" >/dev/null 2>"$tmp/pdf.err"
check "--report with an unknown extension fails" "1: expected a file name ending in .html or .md" \
	"$?: $(grep -o 'expected a file name ending in .html or .md' "$tmp/pdf.err")"
