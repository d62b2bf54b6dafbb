#!/usr/bin/env bash
# Tier 16: dbnetio-report from the command line — recorded bpftrace 0.17
# captures (text and json of the same run give identical summaries), the
# bpftrace 0.24 shapes, hand-written edge cases, every output format, exit
# statuses, error messages naming file:line, --lenient, atomic -o, merged
# multi-file input and --live.  Expected numbers come from the fixtures
# themselves (awk over the cumulative values) or are derived by hand in the
# comments from the semantics in README and postproc/series.c.
. "$(dirname "$0")/../lib.sh"
cd "$DBNETIO_ROOT" || exit 1
R=$BUILD/dbnetio-report
FX=tests/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$R" ]; then
	make -s "$R" >/dev/null 2>&1 || { fail "build dbnetio-report" "make failed"; exit 0; }
fi

# same NAME A B: PASS when the (long) strings are equal, else the first difference.
same() {
	if [ "$2" = "$3" ] && [ -n "$2" ]; then pass "$1"
	else fail "$1" "$(diff <(printf '%s\n' "$2" | tr ',' '\n') <(printf '%s\n' "$3" | tr ',' '\n') | head -4 | tr '\n' ' ')"; fi
}

# jpath FILE EXPR: evaluate a Python expression over the JSON summary `j`.
jpath() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# ---- recorded captures -------------------------------------------------------
# scripts/dbnetio -P tracepoint recorded in text and json at the same time
# (tests/fixtures/record.sh): the summaries must be identical but for the
# file name, the input kind and the line count.
"$R" -f json $FX/dbnetio-tp-text.txt > "$tmp/t.json"; rc1=$?
"$R" -f json $FX/dbnetio-tp-json.json > "$tmp/j.json"; rc2=$?
check "recorded text capture: exit status" 0 "$rc1"
check "recorded json capture: exit status" 0 "$rc2"
strip() { python3 -c "
import json,sys; j=json.load(open(sys.argv[1]))
for s in j['sources']: del s['file'], s['input'], s['counts']['lines']
print(json.dumps(j, sort_keys=True))" "$1"; }
if [ "$(strip "$tmp/t.json")" = "$(strip "$tmp/j.json")" ] && [ -s "$tmp/t.json" ]; then
	pass "recorded dbnetio text and json captures give identical summaries"
else
	fail "recorded dbnetio text and json captures give identical summaries" "$(diff <(strip "$tmp/t.json" | tr ',' '\n') <(strip "$tmp/j.json" | tr ',' '\n') | head -5 | tr '\n' ' ')"
fi
"$R" $FX/dbnetio-tp-text.txt > "$tmp/t.tab"
"$R" $FX/dbnetio-tp-json.json > "$tmp/j.tab"
same "recorded text and json: identical tables (after the source line)" "$(tail -n +2 "$tmp/t.tab")" "$(tail -n +2 "$tmp/j.tab")"

# Totals and per-second deltas against awk over the cumulative values.
for f in $FX/dbnetio-tp-text.txt $FX/bpftrace017-text.txt; do
	b=$(basename "$f")
	exp_total=$(awk '/^@send\[/ { v=$NF } END { print v }' "$f")
	check "$b: send total = last cumulative value" "$exp_total" \
		"$("$R" -f json "$f" | python3 -c 'import json,sys; print([s["total_bytes"] for s in json.load(sys.stdin)["series"] if s["direction"]=="send"][0])')"
	# a sample is labelled by its interval's start: the previous dump's
	# time, and one interval before the first dump for the first
	exp=$(awk '/^[0-9]+$/ { k = n++ ? t : $1 - 1; t = $1 } /^# dbnetio-final/ { fin=1 } /^@send\[/ { if (!fin) printf "%s %d\n", k, $NF-prev; prev=$NF }' "$f")
	got=$("$R" -f csv "$f" | python3 -c 'import csv,sys
for r in csv.DictReader(sys.stdin):
    if r["map"] == "@send" and r["partial"] == "0": print(r["epoch"], r["bytes"])')
	check "$b: per-second send deltas equal awk's" "$exp" "$got"
	exp_n=$(awk '/^[0-9]+$/ { n++ } /^# dbnetio-final/ { n-- } END { print n }' "$f")
	check "$b: rate samples = dumps before the final one" "$exp_n" \
		"$("$R" -f json "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["series"][0]["samples"])')"
done
# Old captures keep their numbers; only the labels moved (README, "What the
# outputs mean"): every CSV row equals an independent reading of the capture
# where a sample is second k = [k, k+1), k the previous dump's time (one
# before the first dump's), its seconds the time since that dump, and the
# dump after "# dbnetio-final" is partial.
format1_rows() { python3 - "$1" <<'PY'
import re, sys
last, prev, rows, fin = {}, None, [], False
for line in open(sys.argv[1], errors="replace"):
    line = line.rstrip("\n")
    if re.fullmatch(r"[0-9]+", line):
        t = int(line)
        part = fin or (prev is not None and t <= prev)
        start = (t - 1) if prev is None else prev
        secs = 0 if part else t - start
        if not part or prev is None:
            prev = t
        fin = False
    elif line == "# dbnetio-final":
        fin = True
    elif line.startswith("@") and re.search(r": [0-9]+$", line):
        key, v = line.rsplit(": ", 1)
        d = int(v) - last.get(key, 0) if int(v) >= last.get(key, 0) else int(v)
        last[key] = int(v)
        rows.append("%d %s %d %s %d" % (start, key, d, secs, 1 if part else 0))
print("\n".join(rows))
PY
}
csv_rows() { "$R" -f csv "$1" | python3 -c 'import csv, sys
for r in csv.DictReader(sys.stdin):
    k = "%s[%s]" % (r["map"], r["key"]) if r["key"] else r["map"]
    print(r["epoch"], k, r["bytes"], r["seconds"], r["partial"])'; }
for f in $FX/dbnetio-tp-text.txt $FX/bpftrace017-text.txt $FX/bpftrace024-text.txt \
	$FX/charts/spike-gap.txt $FX/bpftrace-0.23/bare-text.txt $FX/bpftrace-0.23/dbnetio-tp-text.txt; do
	[ -f "$f" ] || continue
	same "$(basename "$f"): every CSV row is the capture's delta at its interval's start" \
		"$(format1_rows "$f")" "$(csv_rows "$f")"
done

"$R" -f json $FX/bpftrace017-json.json > "$tmp/b.json"
check "bpftrace 0.17 json capture: send total = last cumulative value" \
	"$(grep '"@send"' $FX/bpftrace017-json.json | tail -n 1 | sed 's/.*: \([0-9]*\)}}}/\1/')" \
	"$(jpath "$tmp/b.json" '[s["total_bytes"] for s in j["series"] if s["direction"]=="send"][0]')"

# ---- real bpftrace 0.23.2 captures (tests/fixtures/bpftrace-0.23) -----------
F23=$FX/bpftrace-0.23
if [ -f $F23/dbnetio-tp-text.txt ]; then
	"$R" -f json $F23/dbnetio-tp-text.txt > "$tmp/23t.json"; rc1=$?
	"$R" -f json $F23/dbnetio-tp-json.json > "$tmp/23j.json"; rc2=$?
	check "bpftrace 0.23: text and json captures parse" "0 0" "$rc1 $rc2"
	same "bpftrace 0.23: text and json of the same run give identical summaries" "$(strip "$tmp/23t.json")" "$(strip "$tmp/23j.json")"
	for f in $F23/bare-text.txt $F23/dbnetio-tp-text.txt; do
		check "bpftrace 0.23 $(basename "$f"): send total = last cumulative value" \
			"$(awk '/^@send\[/ { v=$NF } END { print v }' "$f")" \
			"$("$R" -f json "$f" | python3 -c 'import json,sys; print([s["total_bytes"] for s in json.load(sys.stdin)["series"] if s["direction"]=="send"][0])')"
	done
	# 0.23 prints an empty line for an empty map; a dump with no entries is no sample
	check "bpftrace 0.23: an empty first dump gives no sample" \
		"$(awk '/^@send\[/ && !fin { n++ } /^# dbnetio-final/ { fin=1 } END { print n }' $F23/bare-text.txt)" \
		"$("$R" -f json $F23/bare-text.txt | python3 -c 'import json,sys; print([s["samples"] for s in json.load(sys.stdin)["series"] if s["direction"]=="send"][0])')"
	# stderr merged into the stream (2>&1): its WARNING line is counted, not an error
	cat $F23/bare-text.stderr $F23/bare-text.txt > "$tmp/23m.txt"
	check "bpftrace 0.23 with stderr merged: warning counted" "0 1" \
		"$("$R" -f json "$tmp/23m.txt" > "$tmp/23m.json"; echo $?) $(jpath "$tmp/23m.json" 'j["sources"][0]["counts"]["warnings"]')"
else
	skip "bpftrace 0.23 captures" "tests/fixtures/bpftrace-0.23 not present"
fi

# ---- bpftrace 0.24 shapes: no banner, large integers quoted in json ----------
"$R" -f json $FX/bpftrace024-text.txt > "$tmp/n1.json"
"$R" -f json $FX/bpftrace024-json.json > "$tmp/n2.json"
check "0.24 text: 2^64-1 total" 18446744073709551615 "$(jpath "$tmp/n1.json" 'j["series"][0]["total_bytes"]')"
same "0.24 text and json (quoted integers, unknown event) identical" "$(strip "$tmp/n1.json")" "$(strip "$tmp/n2.json")"

# ---- hand-written edge cases (tests/fixtures/edge-oddities.txt) -------------
# 4321 send: 1000 @0 (second -1, the interval before the first dump), 3000 @1
# (+2000, second 0), 9000 @4 (gap, +6000 over 3 s, second 1), 9500 @4
# (duplicate, +500 total only), 9600 @3 (backwards, +100 total only), 400 @5
# (reset, +400, measured from the last good dump @4: 1 s, second 4), 1400 @6
# (+1000, second 5), final 1500 (+100): total 11100, rates 1000 2000 2000
# 400 1000 -> 5 samples over 7 s (the capture's -1 .. 6), max 2000, min 400,
# mean 1280, one gap of 2 missing seconds.
"$R" -f json $FX/edge-oddities.txt > "$tmp/e.json"
E() { jpath "$tmp/e.json" "$1"; }
S='[s for s in j["series"] if s["pid"]==4321 and s["direction"]=="send"][0]'
check "edge: total counts partial, duplicate and backwards bytes" 11100 "$(E "$S[\"total_bytes\"]")"
check "edge: rate samples exclude duplicate, backwards and final dumps" 5 "$(E "$S[\"samples\"]")"
check "edge: seconds observed include the gap" 7 "$(E "$S[\"seconds\"]")"
check "edge: rate min/mean/max" "400 1280 2000" "$(E "' '.join(str(v) for v in ($S['rate']['min'], $S['rate']['mean'], $S['rate']['max']))")"
check "edge: counter reset counted, not negative" "1" "$(E "$S[\"resets\"]")"
check "edge: lost events counted" 17 "$(E 'j["sources"][0]["counts"]["lost_events"]')"
check "edge: gaps and missing seconds" "1 2" "$(E '"%d %d" % (j["sources"][0]["counts"]["gaps"], j["sources"][0]["counts"]["missing_seconds"])')"
check "edge: duplicates and backwards counted" "1 1" "$(E '"%d %d" % (j["sources"][0]["counts"]["duplicates"], j["sources"][0]["counts"]["backwards"])')"
check "edge: warnings and histogram lines counted" "1 2" "$(E '"%d %d" % (j["sources"][0]["counts"]["warnings"], j["sources"][0]["counts"]["unsupported"])')"
check "edge: comm with ', ' split at the first separator" "my, odd: proc" "$(E '[s for s in j["series"] if s["pid"]==77][0]["comm"]')"
"$R" $FX/edge-oddities.txt > "$tmp/e.tab"
grep -q '17 events lost' "$tmp/e.tab" && pass "edge: the summary says events were lost" || fail "edge: the summary says events were lost" "no '17 events lost' in the table"

# ---- format 2: exact times, boundaries, the first dump partial ------------
# tests/fixtures/format2-jitter.txt, hand-written to spec/capture-format-2.md
# (.json: the same dumps as bpftrace -f json prints them: the time and the
# markers as printf events).  Dumps 0.98 s, 1.03 s, 1.49 s (the one for
# boundary ...099 is 0.5 s late: a tie goes to the earlier boundary, dumps are
# never early), 0.5 s and 1.02 s apart.  4321 sends 10000 B/s throughout
# (9800 B in 0.98 s, 10300 in 1.03 s...) and receives 500, 2000, 1000, 3000,
# 4000 B/s.  The first dump (attach to the first boundary) and the final one
# are partial: totals only.  The capture is seconds ...096 to ...100.
F2=$FX/format2-jitter.txt
"$R" -f csv $F2 > "$tmp/f2.csv"; rc1=$?
"$R" -f json $F2 > "$tmp/f2t.json"; rc2=$?
"$R" -f json $FX/format2-jitter.json > "$tmp/f2j.json"; rc3=$?
check "format 2: text and json captures parse" "0 0 0" "$rc1 $rc2 $rc3"
check "format 2: CSV epoch is each interval's start, seconds the real time between dumps" \
	"1795558095 send 5000 0 1|1795558096 send 9800 0.980000 0|1795558097 send 10300 1.030000 0|1795558098 send 14900 1.490000 0|1795558099 send 5000 0.500000 0|1795558100 send 10200 1.020000 0|1795558101 send 4310 0 1|" \
	"$(python3 -c 'import csv, sys
print("".join("%s %s %s %s %s|" % (r["epoch"], r["direction"], r["bytes"], r["seconds"], r["partial"]) for r in csv.DictReader(open(sys.argv[1])) if r["direction"] == "send"))' "$tmp/f2.csv")"
check "format 2: per-second rates are bytes over real seconds" \
	"send 10000 10000 10000 10000 10000 recv 500 2000 1000 3000 4000" \
	"$(python3 -c 'import csv, sys
out = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["partial"] == "0":
        out.setdefault(r["direction"], []).append("%.6g" % (int(r["bytes"]) / float(r["seconds"])))
print("send", " ".join(out["send"]), "recv", " ".join(out["recv"]))' "$tmp/f2.csv")"
F2S='[s for s in j["series"] if s["direction"]=="send"][0]'
F2R='[s for s in j["series"] if s["direction"]=="recv"][0]'
check "format 2: JSON rates, samples and seconds" "10000.000 10000.000 5 5.02 59510" \
	"$(jpath "$tmp/f2t.json" '"%.3f %.3f %d %.2f %d" % ('"$F2S"'["rate"]["min"], '"$F2S"'["rate"]["max"], '"$F2S"'["samples"], '"$F2S"'["seconds"], '"$F2S"'["total_bytes"])')"
check "format 2: JSON peak_ts is the start of the peak second" "4000 1795558100" \
	"$(jpath "$tmp/f2t.json" '"%.0f %d" % ('"$F2R"'["rate"]["max"], '"$F2R"'["peak_ts"])')"
check "format 2: capture start/end are the first full interval's start and the last one's end" \
	"1795558096 1795558101 5 2 0 0" \
	"$(jpath "$tmp/f2t.json" '" ".join(str(v) for v in (j["sources"][0]["start"], j["sources"][0]["end"], j["sources"][0]["duration"], j["sources"][0]["counts"]["partial_dumps"], j["sources"][0]["counts"]["gaps"], j["sources"][0]["counts"]["duplicates"]))')"
same "format 2: text and json of the same dumps give identical summaries" "$(strip "$tmp/f2t.json")" "$(strip "$tmp/f2j.json")"
"$R" -f json -t 'recv>2500 for 2s' $F2 > "$tmp/f2a.json"
check "format 2: an alert starts at its first second over and ends after its last" "1795558099 1795558101 1795558100 4000" \
	"$(jpath "$tmp/f2a.json" '" ".join(str(v) for v in [(a["start"], a["end"], a["peak_ts"], int(a["peak"])) for s in j["series"] for a in s["alerts"]][0])')"

# tests/fixtures/format2-stall.txt: the program stalled for 5 s, so the
# dumps of boundaries ...203 to ...207 never came.  The rule: one gap, its
# missing seconds b(t1) - b(t0) - I = 208 - 202 - 1 = 5; the interval is
# second ...202 (to ...208), its rate the bytes over the real 6.000015 s;
# no sample is invented for the missing seconds and none is hidden.
"$R" -f json $FX/format2-stall.txt > "$tmp/st.json"
check "format 2 stall: one gap of 5 missing seconds" "1 5" \
	"$(jpath "$tmp/st.json" '"%d %d" % (j["sources"][0]["counts"]["gaps"], j["sources"][0]["counts"]["missing_seconds"])')"
check "format 2 stall: the gap is one sample, second ...202, 24000 B over 6.000015 s" \
	"1795558200 1795558201 1795558202 1795558208 1795558209 | 1795558202 24000 6.000015" \
	"$("$R" -f csv $FX/format2-stall.txt | python3 -c 'import csv, sys
rows = [r for r in csv.DictReader(sys.stdin) if r["key"] == "4321, mariadbd" and r["direction"] == "send" and r["partial"] == "0"]
g = [r for r in rows if float(r["seconds"]) > 1.5][0]
print(" ".join(r["epoch"] for r in rows), "|", g["epoch"], g["bytes"], g["seconds"])')"
ST='[s for s in j["series"] if s["pid"]==4321 and s["direction"]=="send"][0]'
check "format 2 stall: 5 samples, the gap's averaged one among them, all 4000 B/s" "5 4000 4000 6" \
	"$(jpath "$tmp/st.json" '"%d %.0f %.0f %.0f" % ('"$ST"'["samples"], '"$ST"'["rate"]["min"], '"$ST"'["rate"]["max"], '"$ST"'["seconds"] - 4)')"
"$R" $FX/format2-stall.txt | grep -q '1 gaps, 5 seconds without a dump' && pass "format 2 stall: the table notes the gap" || fail "format 2 stall: the table notes the gap" "$("$R" $FX/format2-stall.txt | grep note)"

# HH:MM:SS generic script with clear() (per-interval counters) over midnight,
# and a last map print without a time line (bpftrace's exit print):
# nginx 100+300+200+50 = 650 in 4 rate samples, +5 untimed = 655.
"$R" -f json --counters interval $FX/generic-clock.txt > "$tmp/g.json"
check "generic HH:MM:SS script: nginx total incl. exit print" 655 "$(jpath "$tmp/g.json" '[s for s in j["series"] if s["key"]=="nginx"][0]["total_bytes"]')"
check "generic HH:MM:SS script: 4 samples across midnight" 4 "$(jpath "$tmp/g.json" '[s for s in j["series"] if s["key"]=="nginx"][0]["samples"]')"
check "generic HH:MM:SS script: map name kept" "@bytes" "$(jpath "$tmp/g.json" 'j["series"][0]["map"]')"
# The BCC original: cumulative per (pid, type): 4321 send 1000, 5000, 5500.
"$R" -f json $FX/bcc-legacy.txt > "$tmp/l.json"
check "BCC lines: totals and samples" "5500 3 70" "$(jpath "$tmp/l.json" '"%d %d %d" % ([s for s in j["series"] if s["pid"]==4321 and s["direction"]=="send"][0]["total_bytes"], [s for s in j["series"] if s["pid"]==4321][0]["samples"], [s for s in j["series"] if s["pid"]==999][0]["total_bytes"])')"

# ---- exit statuses, thresholds -------------------------------------------
"$R" -t 'send>1000' $FX/edge-oddities.txt > /dev/null; check "exit 2 when a threshold is crossed" 2 "$?"
"$R" -t 'send>1GiB/s' $FX/edge-oddities.txt > /dev/null; check "exit 0 when none is" 0 "$?"
"$R" -t 'send>1000 for 5s' $FX/edge-oddities.txt > /dev/null; check "sustain longer than any run: exit 0" 0 "$?"
"$R" -f json -t 'send>1500 for 2s' $FX/edge-oddities.txt > "$tmp/a.json"; rc=$?
# 4321 send above 1500: @1 (2000, interval 0..1) and @4 (2000 over 1..4, 3 s),
# contiguous: alert from 0 to 4, peak 2000, bytes over (2000-1500)*(1+3) = 2000.
check "sustained alert: exit 2" 2 "$rc"
check "alert start, end, peak, bytes over" "1700000000 1700000004 2000 2000" \
	"$(jpath "$tmp/a.json" '" ".join(str(v) for v in [(a["start"], a["end"], a["peak"], a["bytes_over"]) for s in j["series"] for a in s["alerts"]][0])')"
"$R" -t 'sent>5' $FX/edge-oddities.txt > /dev/null 2> "$tmp/err"; rc=$?
check "bad threshold: exit 1" 1 "$rc"
grep -q "unknown target" "$tmp/err" && pass "bad threshold: says what was expected" || fail "bad threshold message" "$(cat "$tmp/err")"
"$R" --top 0 $FX/edge-oddities.txt > /dev/null 2>&1; check "bad --top: exit 1" 1 "$?"
"$R" --bogus > /dev/null 2>&1; check "unknown option: exit 1" 1 "$?"
"$R" --help > /dev/null 2>&1; check "--help: exit 0" 0 "$?"
"$R" -f json --top 1 --sort peak $FX/edge-oddities.txt > "$tmp/top.json"
check "--top 1 --sort peak keeps the highest peak" "4321 send 1" "$(jpath "$tmp/top.json" '"%d %s %d" % (j["series"][0]["pid"], j["series"][0]["direction"], len(j["series"]))')"

# ---- bad input: error names file:line and what was expected; --lenient --------
bad() { # NAME CONTENT EXPECTED-IN-MESSAGE  (bad line is line 3)
	printf '# dbnetio-capture 1 interval=1\n1700000000\n%b\n@send[1, a]: 5\n' "$2" > "$tmp/bad.txt"
	"$R" "$tmp/bad.txt" > /dev/null 2> "$tmp/err"; local rc=$?
	if [ $rc -eq 1 ] && grep -q "bad.txt:3: .*$3" "$tmp/err"; then
		pass "bad input, $1: exit 1, error names file:3"
	else
		fail "bad input, $1" "expected exit 1 and 'bad.txt:3: ...$3', measured $rc '$(head -c 200 "$tmp/err")'"
	fi
	"$R" --lenient -f json "$tmp/bad.txt" > "$tmp/len.json" 2>/dev/null; rc=$?
	check "bad input, $1: --lenient skips and counts it" "0 1 5" \
		"$rc $(jpath "$tmp/len.json" '"%d %d" % (j["sources"][0]["counts"]["bad_lines"], j["series"][0]["total_bytes"])' 2>/dev/null)"
}
bad "garbage" 'hello world' "expected a map entry"
bad "number past 2^64" '@send[1, a]: 18446744073709551616' "out of range"
bad "negative value" '@recv[1, a]: -3' "non-negative"
bad "binary data" '\x7fELF\x01\x00\x02' 'expected'
bad "map name with a space" '@se nd[1, a]: 5' "expected a map entry"
bad "broken json" '{"type": "map", "data": {' "JSON"
bad "json value past 2^64" '{"type": "map", "data": {"@x": 1e40}}' "integer"
bad "bad header field" '# dbnetio-capture 1 interval=zero' "interval="
long=$(head -c 100000 /dev/zero | tr '\0' 'x')
bad "very long line" "$long" "longer than"
printf '1700000000\n@send[1, a]: 5\n1700000001\n@send[1, a]: 9\n@send[1, a]: 1' > "$tmp/trunc.txt"
"$R" -f json "$tmp/trunc.txt" > "$tmp/tr.json" 2> "$tmp/err"; rc=$?
check "truncated last line: ignored, counted, warned, total from complete lines" "0 1 9" \
	"$rc $(jpath "$tmp/tr.json" '"%d %d" % (j["sources"][0]["counts"]["truncated"], j["series"][0]["total_bytes"])')"
grep -q 'trunc.txt:5: last line has no newline' "$tmp/err" && pass "truncated last line: warning names file:line" || fail "truncated warning" "$(cat "$tmp/err")"
"$R" /nonexistent/capture.txt > /dev/null 2> "$tmp/err"; rc=$?
check "missing file: exit 1 and says which" "1 yes" "$rc $(grep -q '/nonexistent/capture.txt' "$tmp/err" && echo yes)"
head -c 300000 /dev/urandom > "$tmp/random.bin"
"$R" --lenient "$tmp/random.bin" > /dev/null 2>&1; rc=$?
check "random binary input under --lenient: no crash" 0 "$rc"

# ---- output formats ----------------------------------------------------------
"$R" -f csv $FX/edge-oddities.txt > "$tmp/e.csv"
check "csv header" "epoch,source,map,pid,comm,direction,key,bytes,seconds,partial" "$(head -n 1 "$tmp/e.csv")"
check "csv: one row per series per dump (3 series x 8 dumps)" 24 "$(tail -n +2 "$tmp/e.csv" | wc -l)"
check "csv: bytes column sums to the totals" "$(E 'sum(s["total_bytes"] for s in j["series"])')" "$(python3 -c "
import csv,sys; print(sum(int(r['bytes']) for r in csv.DictReader(open(sys.argv[1]))))" "$tmp/e.csv")"
check "csv: a comm with a comma is quoted" 1 "$(grep -c '"my, odd: proc"' "$tmp/e.csv" | awk '{print ($1>0)}')"
check "json: series carry pid, comm, direction, total_bytes, seconds, rate, alerts" "ok" "$(E '"ok" if all(all(k in s for k in ("pid","comm","direction","total_bytes","seconds","rate","alerts")) and all(k in s["rate"] for k in ("min","mean","max","p50","p95","p99")) for s in j["series"]) else "missing"')"
"$R" -f prom -t 'send>1000' $FX/edge-oddities.txt > "$tmp/e.prom"; rc=$?
check "prom: exit status follows thresholds" 2 "$rc"
check "prom: sent bytes counter with HELP and TYPE" "1 1 11100" "$(grep -c '^# HELP dbnetio_sent_bytes_total ' "$tmp/e.prom") $(grep -c '^# TYPE dbnetio_sent_bytes_total counter' "$tmp/e.prom") $(grep '^dbnetio_sent_bytes_total{.*pid="4321"' "$tmp/e.prom" | awk '{print $2}')"
check "prom: every sample line is name{labels} value" 0 "$(grep -v '^#' "$tmp/e.prom" | grep -cvE '^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [0-9.e+-]+$')"
# atomic -o: a failed run leaves the previous file as it was, and no temp file
echo "previous" > "$tmp/out.prom"
"$R" -f prom -o "$tmp/out.prom" "$tmp/bad.txt" 2>/dev/null
check "-o: a failed run keeps the previous file, leaves no temp file" "previous 1" "$(cat "$tmp/out.prom") $(ls "$tmp" | grep -c '^out.prom')"
"$R" -f prom -o "$tmp/out.prom" $FX/edge-oddities.txt; rc=$?
check "-o: a good run replaces the file by rename" "0 11100 1" "$rc $(grep '^dbnetio_sent_bytes_total{.*pid="4321"' "$tmp/out.prom" | awk '{print $2}') $(ls "$tmp" | grep -c '^out.prom')"
if command -v strace >/dev/null 2>&1; then
	strace -f -e trace=rename,renameat,renameat2 -o "$tmp/strace" "$R" -f prom -o "$tmp/out.prom" $FX/edge-oddities.txt
	grep -q 'rename.*out.prom.tmp.*out.prom' "$tmp/strace" && pass "-o: written by rename (strace)" || fail "-o by rename" "$(cat "$tmp/strace")"
fi

# ---- several files merged, labelled by host or file -------------------------
sed 's/host=db1/host=db2/' $FX/edge-oddities.txt > "$tmp/db2.txt"
"$R" -f json $FX/edge-oddities.txt "$tmp/db2.txt" > "$tmp/m.json"
check "merge: two sources labelled by host" "db1 db2" "$(jpath "$tmp/m.json" '" ".join(s["label"] for s in j["sources"])')"
check "merge: series of both, each with its source" "3 3" "$(jpath "$tmp/m.json" '"%d %d" % (sum(s["source"]=="db1" for s in j["series"]), sum(s["source"]=="db2" for s in j["series"]))')"
"$R" -f json $FX/bcc-legacy.txt $FX/bcc-legacy.txt > "$tmp/m2.json"
check "merge: the same file twice gets distinct labels" 2 "$(jpath "$tmp/m2.json" 'len(set(s["label"] for s in j["sources"]))')"
"$R" $FX/edge-oddities.txt "$tmp/db2.txt" | grep -q '^SOURCE ' && pass "merge: table has a SOURCE column" || fail "merge: table SOURCE column" "none"

# ---- --live: a line per interval as it is complete, then Ctrl-C -------------
# A dump is complete at its dump-end marker (or the next time line), never
# because the input paused: tests/tiers/17-live.sh stalls the pipe anywhere.
mkfifo "$tmp/fifo"
"$R" --live -t 'send>1000' "$tmp/fifo" > "$tmp/live.out" 2>&1 &
lpid=$!
exec 7> "$tmp/fifo"
printf '# dbnetio-capture 1 interval=1\n1700000000\n@send[1, db]: 5000\n@recv[1, db]: 10\n' >&7
sleep 0.6
check "--live: a quiet input does not end the dump" 0 "$(grep -c '^[0-9:]* send ' "$tmp/live.out")"
printf '# dbnetio-dump-end\n' >&7
for i in $(seq 1 40); do grep -q '^[0-9:]* send ' "$tmp/live.out" && break; sleep 0.05; done
check "--live: a line for the dump at its dump-end marker, before more input comes" 1 "$(grep -c '^[0-9:]* send ' "$tmp/live.out")"
check "--live: the alert is printed as it fires" 1 "$(grep -c 'ALERT send>1000' "$tmp/live.out")"
kill -INT $lpid
for i in $(seq 1 60); do kill -0 $lpid 2>/dev/null || break; sleep 0.05; done
exec 7>&-
wait $lpid; rc=$?
check "--live: Ctrl-C prints the summary so far, exit 2 (crossed)" "2 1" "$rc $(grep -c 'interrupted: summary so far' "$tmp/live.out")"

# ---- names from the traced machine are arbitrary bytes -------------------------
# A process can name itself with bytes that are not UTF-8; JSON, Prometheus and
# CSV readers reject such output, so the writers replace them with U+FFFD.
hostile=$FX/charts/hostile-names.txt
utf8ok() { python3 -c "import sys; sys.stdin.buffer.read().decode('utf-8')" 2>/dev/null && echo valid || echo invalid; }
check "broken UTF-8 name: the input really holds a non-UTF-8 byte" invalid "$(utf8ok < "$hostile")"
for f in json prom csv; do
	check "broken UTF-8 name: -f $f output is valid UTF-8" valid "$("$R" -f "$f" "$hostile" 2>/dev/null | utf8ok)"
done
check "broken UTF-8 name: JSON carries U+FFFD in its place" 1 \
	"$("$R" -f json "$hostile" | python3 -c "import json,sys; print(int(any('\ufffd' in s.get('comm','') for s in json.load(sys.stdin)['series'])))")"

# ---- the reader: a regular file is mapped, a pipe is read ---------------------
# A file given by name is mapped 2 MiB at a time (postproc/input.c), stdin is
# read(2); both must see the same lines.  The file spans several windows and
# holds over-long lines (spread through it, one near 8 MiB), counter resets
# and a cut last line; the outputs must match except for the file's name.
python3 - "$tmp/big.txt" <<'PY'
import random, sys
random.seed(7)
out = open(sys.argv[1], "w")
out.write("# dbnetio-capture 1 interval=1 counters=cumulative host=big\n")
tot, size, t, edge = {}, 0, 1700000000, 8 << 20
while size < 18 << 20:
    lines = ["%d\n" % t]
    for i in range(200):
        k = "@send[%d, pg]" % (1000 + i)
        tot[k] = tot.get(k, 0) + random.randint(0, 5000)
        if random.random() < 0.0005:
            tot[k] = random.randint(0, 10)
        lines.append("%s: %d\n" % (k, tot[k]))
        if size < edge < size + 9000 and i == 100:
            lines.append("x" * 70000 + "\n")
        elif random.random() < 0.0001:
            lines.append("y" * 100000 + "\n")
    s = "".join(lines)
    out.write(s)
    size += len(s)
    t += 1
out.write("@send[1000, pg]: 12")
PY
"$R" --lenient -f json "$tmp/big.txt" > "$tmp/big-map.json" 2> "$tmp/big-map.err"; rc1=$?
"$R" --lenient -f json - < "$tmp/big.txt" > "$tmp/big-read.json" 2> "$tmp/big-read.err"; rc2=$?
check "reader: mapped file and pipe, exit status" "0 0" "$rc1 $rc2"
check "reader: the file really spans several 2 MiB windows" 1 "$([ "$(stat -c %s "$tmp/big.txt")" -gt $((16 << 20)) ] && echo 1)"
strip_src() { python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
for s in j['sources']: s.pop('file', None); s.pop('label', None)
print(json.dumps(j, sort_keys=True))" "$1"; }
same "reader: mapped file and pipe give the same statistics" "$(strip_src "$tmp/big-map.json")" "$(strip_src "$tmp/big-read.json")"
check "reader: mapped file and pipe give the same warnings" "$(sed 's/^[^:]*: [^:]*: [^:]*://' "$tmp/big-read.err" | md5sum)" \
	"$(sed 's/^[^:]*: [^:]*: [^:]*://' "$tmp/big-map.err" | md5sum)"
check "reader: over-long lines and the cut last line seen" "yes yes" \
	"$(grep -q 'longer than' "$tmp/big-map.err" && echo yes) $(grep -q 'no newline' "$tmp/big-map.err" && echo yes)"
