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
# one gap of 2 missing seconds; MEAN is the full intervals' bytes over their
# seconds: (1000 + 2000 + 6000 + 400 + 1000) / 7 = 1485.714286.
"$R" -f json $FX/edge-oddities.txt > "$tmp/e.json"
E() { jpath "$tmp/e.json" "$1"; }
S='[s for s in j["series"] if s["pid"]==4321 and s["direction"]=="send"][0]'
check "edge: total counts partial, duplicate and backwards bytes" 11100 "$(E "$S[\"total_bytes\"]")"
check "edge: rate samples exclude duplicate, backwards and final dumps" 5 "$(E "$S[\"samples\"]")"
check "edge: seconds observed include the gap" 7 "$(E "$S[\"seconds\"]")"
check "edge: rate min/mean/max" "400 1485.714286 2000" "$(E "' '.join(str(v) for v in ($S['rate']['min'], $S['rate']['mean'], $S['rate']['max']))")"
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
"$R" -f json -t 'recv>2500B/s for 2s' $F2 > "$tmp/f2a.json"
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
"$R" $FX/format2-stall.txt | grep -q '1 gap, 5 seconds without a dump' && pass "format 2 stall: the table notes the gap" || fail "format 2 stall: the table notes the gap" "$("$R" $FX/format2-stall.txt | grep note)"

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
"$R" -t 'send>1000B/s' $FX/edge-oddities.txt > /dev/null; check "exit 2 when a threshold is crossed" 2 "$?"
"$R" -t 'send>1GiB/s' $FX/edge-oddities.txt > /dev/null; check "exit 0 when none is" 0 "$?"
"$R" -t 'send>1000B/s for 5s' $FX/edge-oddities.txt > /dev/null; check "sustain longer than any run: exit 0" 0 "$?"
"$R" -f json -t 'send>1500B/s for 2s' $FX/edge-oddities.txt > "$tmp/a.json"; rc=$?
# 4321 send above 1500: @1 (2000, interval 0..1) and @4 (2000 over 1..4, 3 s),
# contiguous: alert from 0 to 4, peak 2000, bytes over (2000-1500)*(1+3) = 2000.
check "sustained alert: exit 2" 2 "$rc"
check "alert start, end, peak, bytes over" "1700000000 1700000004 2000 2000" \
	"$(jpath "$tmp/a.json" '" ".join(str(v) for v in [(a["start"], a["end"], a["peak"], a["bytes_over"]) for s in j["series"] for a in s["alerts"]][0])')"
"$R" -t 'sent>5B/s' $FX/edge-oddities.txt > /dev/null 2> "$tmp/err"; rc=$?
check "bad threshold: exit 1" 1 "$rc"
grep -q "unknown target" "$tmp/err" && pass "bad threshold: says what was expected" || fail "bad threshold message" "$(cat "$tmp/err")"
"$R" --top 0 $FX/edge-oddities.txt > /dev/null 2>&1; check "bad --top: exit 1" 1 "$?"
"$R" --bogus > /dev/null 2>&1; check "unknown option: exit 1" 1 "$?"
"$R" --help > /dev/null 2>&1; check "--help: exit 0" 0 "$?"
"$R" -f json --top 1 --sort peak $FX/edge-oddities.txt > "$tmp/top.json"
check "--top 1 --sort peak keeps the process of the highest peak, both its series" "4321 send 2" "$(jpath "$tmp/top.json" '"%d %s %d" % (j["series"][0]["pid"], j["series"][0]["direction"], len(j["series"]))')"

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
check "csv header: the client columns appended, older columns where they were" "epoch,source,map,pid,comm,direction,key,bytes,seconds,partial,client,client_port,local_port" "$(head -n 1 "$tmp/e.csv")"
check "csv: a process capture leaves the client columns empty" 0 "$(tail -n +2 "$tmp/e.csv" | grep -vc ",,,$")"
check "csv: one row per series per dump (3 series x 8 dumps)" 24 "$(tail -n +2 "$tmp/e.csv" | wc -l)"
check "csv: bytes column sums to the totals" "$(E 'sum(s["total_bytes"] for s in j["series"])')" "$(python3 -c "
import csv,sys; print(sum(int(r['bytes']) for r in csv.DictReader(open(sys.argv[1]))))" "$tmp/e.csv")"
check "csv: a comm with a comma is quoted" 1 "$(grep -c '"my, odd: proc"' "$tmp/e.csv" | awk '{print ($1>0)}')"
check "json: series carry pid, comm, direction, total_bytes, seconds, rate, alerts" "ok" "$(E '"ok" if all(all(k in s for k in ("pid","comm","direction","total_bytes","seconds","rate","alerts")) and all(k in s["rate"] for k in ("min","mean","max","p50","p95","p99")) for s in j["series"]) else "missing"')"
"$R" -f prom -t 'send>1000B/s' $FX/edge-oddities.txt > "$tmp/e.prom"; rc=$?
check "prom: exit status follows thresholds" 2 "$rc"
check "prom: sent bytes counter with HELP and TYPE" "1 1 11100" "$(grep -c '^# HELP dbnetio_sent_bytes_total ' "$tmp/e.prom") $(grep -c '^# TYPE dbnetio_sent_bytes_total counter' "$tmp/e.prom") $(grep '^dbnetio_sent_bytes_total{.*pid="4321"' "$tmp/e.prom" | awk '{print $2}')"
check "prom: every sample line is name{labels} value" 0 "$(grep -v '^#' "$tmp/e.prom" | grep -cvE '^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [0-9.e+-]+$')"
# atomic -o: a failed run leaves the previous file as it was, and no temp file
echo "previous" > "$tmp/out.prom"
"$R" -f prom -o "$tmp/out.prom" "$tmp/bad.txt" 2>/dev/null
check "-o: a failed run keeps the previous file, leaves no temp file" "previous 1" "$(cat "$tmp/out.prom") $(ls "$tmp" | grep -c '^out.prom')"
"$R" -f prom -o "$tmp/out.prom" $FX/edge-oddities.txt; rc=$?
check "-o: a good run replaces the file by rename" "0 11100 1" "$rc $(grep '^dbnetio_sent_bytes_total{.*pid="4321"' "$tmp/out.prom" | awk '{print $2}') $(ls "$tmp" | grep -c '^out.prom')"
if ! command -v strace >/dev/null 2>&1; then
	skip "-o: written by rename (strace)" "strace is not installed (scripts/install-deps check installs it)"
elif ! strace -o /dev/null true >/dev/null 2>&1; then
	skip "-o: written by rename (strace)" "strace cannot trace here (ptrace not permitted: $(strace -o /dev/null true 2>&1 | head -n 1))"
else
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
"$R" --live -t 'send>1000B/s' "$tmp/fifo" > "$tmp/live.out" 2>&1 &
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

# ---- format-1 outputs stay as they were --------------------------------------
# Every output on the format-1 and header-less fixtures (tests/fixtures/golden.sh:
# table, JSON, CSV, Prometheus, --live, thresholds, merges, --plot data and the
# Markdown report) hashed per section, against the sums recorded before
# per-client keys were added.  A FAIL names the sections that changed; see them
# with `tests/fixtures/golden.sh build/dbnetio-report`.
tests/fixtures/golden.sh --sums "$R" > "$tmp/golden.sha256"
changed=$(diff $FX/format1-golden.sha256 "$tmp/golden.sha256" | sed -n 's/^> [0-9a-f]* //p' | head -5 | tr '\n' ';')
if [ -s "$tmp/golden.sha256" ] && [ -z "$changed" ] && cmp -s $FX/format1-golden.sha256 "$tmp/golden.sha256"; then
	pass "format-1 fixtures: every output byte-identical to the recorded sums ($(wc -l < "$tmp/golden.sha256") sections)"
else
	fail "format-1 fixtures: every output byte-identical to the recorded sums" "changed: ${changed:-the section list}"
fi

# ---- format 2: per-client and per-connection keys (tests/fixtures/keys) -------
# Written by tests/fixtures/keys/make.py: each capture in text and as its
# JSON twin.  Expected numbers come from the capture itself (keyfx below):
# a client's total is the sum of the last values of its keys (the counters
# never go down there; ::ffff:a.b.c.d is a.b.c.d), a process's total is its
# last @psend/@precv, its overflow that minus its keys' sum.
KX=$FX/keys
keyfx() { # FILE EXPR: evaluate EXPR over the capture's counters
	python3 - "$1" "$2" <<'PY'
import ipaddress, re, sys
last = {}
for line in open(sys.argv[1]):
    m = re.match(r"^@(p?)(send|recv)\[(.*)\]: (\d+)$", line.rstrip("\n"))
    if m:
        last[(m.group(1), m.group(2), m.group(3))] = int(m.group(4))
def norm(a):
    ip = ipaddress.ip_address(a)
    return str(ip.ipv4_mapped) if ip.version == 6 and ip.ipv4_mapped else str(ip)
conn = {}       # (pid, comm, client, rport, lport, dir) -> bytes
client = {}     # (pid, comm, client, dir) -> bytes
proc = {}       # (pid, comm, dir) -> @psend/@precv
keyed = {}      # (pid, comm, dir) -> sum of its keys
for (p, d, k), v in last.items():
    f = k.split(", ")
    if p:
        proc[(int(f[0]), ", ".join(f[1:]), d)] = v
        continue
    if re.fullmatch(r"\d+", f[-1]) and re.fullmatch(r"\d+", f[-2]):
        pid, comm, addr, rp, lp = int(f[0]), ", ".join(f[1:-3]), norm(f[-3]), int(f[-2]), int(f[-1])
        conn[(pid, comm, addr, rp, lp, d)] = conn.get((pid, comm, addr, rp, lp, d), 0) + v
    else:
        pid, comm, addr = int(f[0]), ", ".join(f[1:-1]), norm(f[-1])
    client[(pid, comm, addr, d)] = client.get((pid, comm, addr, d), 0) + v
    keyed[(pid, comm, d)] = keyed.get((pid, comm, d), 0) + v
overflow = {k: proc[k] - keyed.get(k, 0) for k in proc if proc[k] > keyed.get(k, 0)}
print(eval(sys.argv[2]))
PY
}
# jrows FILE: "pid|comm|client|ports|direction total" per series of a JSON summary
jrows() { python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["series"]:
    print("%s|%s|%s|%s|%s %d" % (s["pid"], s["comm"], s.get("client", "-"),
          "%s>%s" % (s["client_port"], s["local_port"]) if "client_port" in s else "-",
          s["direction"], s["total_bytes"]))' "$1" | sort; }

for cap in client connection; do
	t=$KX/$cap-text.txt j=$KX/$cap-json.json
	"$R" -f json "$t" > "$tmp/k-$cap-t.json"; rc1=$?
	"$R" -f json "$j" > "$tmp/k-$cap-j.json"; rc2=$?
	check "key=$cap: text and JSON twins parse" "0 0" "$rc1 $rc2"
	same "key=$cap: text and JSON twins give identical summaries" "$(strip "$tmp/k-$cap-t.json")" "$(strip "$tmp/k-$cap-j.json")"
	for by in process client; do
		"$R" -f json --by $by "$t" > "$tmp/k-t.json"
		"$R" -f json --by $by "$j" > "$tmp/k-j.json"
		same "key=$cap --by $by: text and JSON twins identical" "$(strip "$tmp/k-t.json")" "$(strip "$tmp/k-j.json")"
	done
	check "key=$cap: the source says its key" "$cap" "$(jpath "$tmp/k-$cap-t.json" 'j["sources"][0]["key"]')"
	check "key=$cap: every series has a client" 0 "$(jpath "$tmp/k-$cap-t.json" 'sum("client" not in s for s in j["series"])')"
	# the process totals are @psend/@precv, whatever the grouping
	"$R" -f json --by process "$t" > "$tmp/k-$cap-p.json"
	check "key=$cap --by process: each process's total is its last @psend/@precv" \
		"$(keyfx "$t" '" ".join("%d|%s|%s=%d" % (k + (v,)) for k, v in sorted(proc.items()))')" \
		"$(jpath "$tmp/k-$cap-p.json" '" ".join("%d|%s|%s=%d" % k for k in sorted((s["pid"], s["comm"], s["direction"], s["total_bytes"]) for s in j["series"]))')"
	check "key=$cap --by process: no client fields" 0 "$(jpath "$tmp/k-$cap-p.json" 'sum("client" in s or "client_port" in s for s in j["series"])')"
	check "key=$cap: the overflow is @psend/@precv minus their keys" \
		"$(keyfx "$t" '" ".join("%d|%s|%s=%d" % (k + (v,)) for k, v in sorted(overflow.items()))')" \
		"$(jpath "$tmp/k-$cap-t.json" '" ".join("%d|%s|%s=%d" % k for k in sorted((s["pid"], s["comm"], s["direction"], s["total_bytes"]) for s in j["series"] if s["client"] == "overflow"))')"
	"$R" -f json --by client "$t" > "$tmp/k-$cap-c.json"
	check "key=$cap --by client: each client's total is the sum of its counters" \
		"$(keyfx "$t" '" ".join("%d|%s|%s|%s=%d" % (k + (v,)) for k, v in sorted(client.items()))')" \
		"$(jpath "$tmp/k-$cap-c.json" '" ".join("%d|%s|%s|%s=%d" % k for k in sorted((s["pid"], s["comm"], s["client"], s["direction"], s["total_bytes"]) for s in j["series"] if s["client"] != "overflow"))')"
	check "key=$cap --by client: no ports" 0 "$(jpath "$tmp/k-$cap-c.json" 'sum("client_port" in s for s in j["series"])')"
done
check "key=connection: each connection's total is its counter (mapped peer as IPv4)" \
	"$(keyfx $KX/connection-text.txt '" ".join("%d|%s|%s|%d>%d|%s=%d" % (k + (v,)) for k, v in sorted(conn.items()))')" \
	"$(jpath "$tmp/k-connection-t.json" '" ".join("%d|%s|%s|%d>%d|%s=%d" % k for k in sorted((s["pid"], s["comm"], s["client"], s["client_port"], s["local_port"], s["direction"], s["total_bytes"]) for s in j["series"] if s["client"] != "overflow"))')"
check "key=connection: the overflow has no ports" 0 \
	"$(jpath "$tmp/k-connection-t.json" 'sum("client_port" in s for s in j["series"] if s["client"] == "overflow")')"
check "key=client: the mapped ::ffff:10.0.0.7 and 10.0.0.7 are one client" 2 \
	"$(jpath "$tmp/k-client-t.json" 'sum(s["client"] == "10.0.0.7" for s in j["series"])')"
check "key=client: a comm holding ', ' keeps its clients" "127.0.0.3 ::1" \
	"$(jpath "$tmp/k-client-t.json" '" ".join(sorted({s["client"] for s in j["series"] if s["comm"] == "my, odd: proc"}))')"
# statistics of a group are its summed samples': the process's peak is not
# the sum of its clients' peaks (their peaks fall in different seconds)
check "key=client --by process: the peak is the summed samples' (CSV), not a sum of peaks" \
	"$("$R" -f csv --by process $KX/client-text.txt | python3 -c '
import csv, sys
print(max(int(r["bytes"]) for r in csv.DictReader(sys.stdin) if r["pid"] == "4321" and r["direction"] == "send" and r["partial"] == "0"))')" \
	"$(jpath "$tmp/k-client-p.json" '"%d" % [s for s in j["series"] if s["pid"] == 4321 and s["direction"] == "send"][0]["rate"]["max"]')"

# the table labels, the header-less inference, errors
"$R" $KX/connection-text.txt > "$tmp/k.tab"
check "table: a connection's label is pid comm client:port>port direction" 1 \
	"$(grep -c '^4321 mariadbd 127.0.0.2:53124>3306 send ' "$tmp/k.tab")"
check "table: an IPv6 connection in brackets, the source line says the key" "1 1" \
	"$(grep -c '^4321 mariadbd \[::1\]:40000>3306 recv ' "$tmp/k.tab") $(head -n 1 "$tmp/k.tab" | grep -c ', key connection,')"
grep -v '^# dbnetio-capture' $KX/client-text.txt > "$tmp/headerless.txt"
"$R" -f json "$tmp/headerless.txt" > "$tmp/hl.json"
check "header-less: a client key is inferred from the first @send key" \
	"$(jrows "$tmp/k-client-t.json" | md5sum)" "$(jrows "$tmp/hl.json" | md5sum)"
"$R" --by connection $KX/client-text.txt > /dev/null 2> "$tmp/err"; rc=$?
check "--by connection of a client capture: exit 1, the message names its key" "1 1" \
	"$rc $(grep -c 'client-text.txt has key=client' "$tmp/err")"
"$R" --by client $FX/edge-oddities.txt > /dev/null 2> "$tmp/err"; rc=$?
check "--by client of a format-1 capture: exit 1, says key=process" "1 1" "$rc $(grep -c 'has key=process' "$tmp/err")"
"$R" --by schema $KX/client-text.txt > /dev/null 2> "$tmp/err"; rc=$?
check "--by schema: exit 1, says what --by takes" "1 1" "$rc $(grep -c 'expected process, client, connection, user, database or application' "$tmp/err")"
"$R" -f prom --by connection $KX/connection-text.txt > /dev/null 2> "$tmp/err"; rc=$?
check "-f prom --by connection: refused (no port labels)" "1 1" "$rc $(grep -c 'carry no ports' "$tmp/err")"
printf '# dbnetio-capture 2 key=client interval=1\n1700000000\n@send[1, db, 10.0.0.1]: 5\n@send[1, db]: 7\n' > "$tmp/badkey.txt"
"$R" "$tmp/badkey.txt" > /dev/null 2> "$tmp/err"; rc=$?
check "a process key in a key=client capture: exit 1 at file:line, says the shape" "1 1" \
	"$rc $(grep -c 'badkey.txt:4: @send: expected a key \[PID, COMM, ADDR\] (key=client)' "$tmp/err")"

# Prometheus and CSV carry the client; thresholds watch each group
"$R" -f prom $KX/connection-text.txt > "$tmp/k.prom"
check "prom: a connection capture is shown per client, with a client label and no port" "yes 0" \
	"$(grep -q '^dbnetio_sent_bytes_total{source="db1",host="db1",pid="4321",comm="mariadbd",client="127.0.0.2",direction="send"} ' "$tmp/k.prom" && echo yes) $(grep -c '_port=' "$tmp/k.prom")"
check "prom: every sample line is name{labels} value" 0 "$(grep -v '^#' "$tmp/k.prom" | grep -cvE '^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [0-9.e+-]+$')"
"$R" -f csv $KX/connection-text.txt > "$tmp/k.csv"
check "csv: client and both ports on a connection's rows, the overflow without ports" "0 yes" \
	"$(python3 -c '
import csv, sys
print(sum(1 for r in csv.DictReader(open(sys.argv[1])) if not r["client"] or (r["client"] != "overflow") != bool(r["client_port"] and r["local_port"])))' "$tmp/k.csv") $(grep -q ',127.0.0.2,53124,3306$' "$tmp/k.csv" && echo yes)"
"$R" -f json -t 'send>40KiB/s' $KX/client-text.txt > "$tmp/k-th.json"; rc=$?
check "thresholds: each client is watched (exit 2; alerts on client series only)" "2 True" \
	"$rc $(jpath "$tmp/k-th.json" 'all(s.get("client") for s in j["series"] if s["alerts"]) and any(s["alerts"] for s in j["series"])')"
"$R" -f json --by process -t 'send>40KiB/s' $KX/client-text.txt > "$tmp/k-thp.json"
check "thresholds --by process: the process's summed rate is watched" "True" \
	"$(jpath "$tmp/k-thp.json" '[s for s in j["series"] if s["pid"] == 4321 and s["direction"] == "send"][0]["rate"]["max"] > 40 * 1024 and [s for s in j["series"] if s["pid"] == 4321 and s["direction"] == "send"][0]["alerts"] != []')"
"$R" --live $KX/client-text.txt > "$tmp/k.live"
check "--live: each full interval names its top client (the first format-2 dump is partial)" "5 5" "$(grep -c '^[0-9:]\{8\} send ' "$tmp/k.live") $(grep -cE '^[0-9:]{8} send .* top [0-9]+ .* ([0-9]+\.[0-9.]+|[0-9a-f]*:[0-9a-f:.]*|overflow) (send|recv) [0-9.]+ [KMG]?i?B/s$' "$tmp/k.live")"
sed 's/host=db1/host=db2/' $KX/client-text.txt > "$tmp/db2k.txt"
"$R" -f json $KX/client-text.txt "$tmp/db2k.txt" > "$tmp/km.json"
check "merge: two hosts keep their clients" "$(jrows "$tmp/k-client-t.json" | wc -l) $(jrows "$tmp/k-client-t.json" | wc -l) 0" \
	"$(jpath "$tmp/km.json" '"%d %d %d" % (sum(s["source"] == "db1" for s in j["series"]), sum(s["source"] == "db2" for s in j["series"]), sum("client" not in s for s in j["series"]))')"

# Property, every fixture: a process's total is the same under every grouping.
# The sum over its series (clients and overflow, or connections) of total_bytes
# per source, process and direction equals the process total of --by process,
# in JSON, in CSV (the bytes column) and in Prometheus.
mkdir -p "$tmp/prop"
nfx=0
for f in $FX/*.txt $FX/*.json $FX/bpftrace-0.23/*.txt $FX/bpftrace-0.23/*.json $FX/charts/*.txt $KX/*.txt $KX/*.json; do
	case $f in *generic-clock*) continue ;; esac   # no @send/@recv
	nfx=$((nfx + 1))
	echo "$f" > "$tmp/prop/$nfx.name"
	for fmt in json csv prom; do
		"$R" -f $fmt "$f" > "$tmp/prop/$nfx.$fmt.own" 2>/dev/null
		"$R" -f $fmt --by process "$f" > "$tmp/prop/$nfx.$fmt.process" 2>/dev/null
	done
done
bad_prop=$(python3 - "$tmp/prop" "$nfx" <<'PY'
import csv, json, re, sys
d, n = sys.argv[1], int(sys.argv[2])
def add(t, k, v): t[k] = t.get(k, 0) + v
def sums_json(path):
    t = {}
    for s in json.load(open(path))["series"]:
        if s.get("direction"):
            add(t, (s["source"], s["pid"], s["comm"], s["direction"]), s["total_bytes"])
    return t
def sums_csv(path):
    t = {}
    for r in csv.DictReader(open(path)):
        if r["direction"]:
            add(t, (r["source"], r["pid"], r["comm"], r["direction"]), int(r["bytes"]))
    return t
prom = re.compile(r'dbnetio_(sent|received)_bytes_total\{source="(.*?)",host="(?:[^"\\]|\\.)*",pid="(\d+)",'
                  r'comm="((?:[^"\\]|\\.)*)"(?:,client="[^"]*")?,direction="(?:send|recv)"\} (\d+)$')
def sums_prom(path):
    t = {}
    for l in open(path):
        m = prom.match(l)
        if m:
            add(t, (m.group(2), m.group(3), m.group(4), m.group(1)), int(m.group(5)))
    return t
bad = []
for i in range(1, n + 1):
    name = open("%s/%d.name" % (d, i)).read().strip().rsplit("/", 1)[-1]
    for fmt, fn in (("json", sums_json), ("csv", sums_csv), ("prom", sums_prom)):
        own, proc = fn("%s/%d.%s.own" % (d, i, fmt)), fn("%s/%d.%s.process" % (d, i, fmt))
        if not own or own != proc:
            bad.append("%s:%s" % (name, fmt))
print(" ".join(bad))
PY
)
check "property: per process and direction, the series' totals sum to the --by process total (JSON, CSV, prom; $nfx fixtures)" "" "$bad_prop"
check "property: the key fixtures' --by process totals are their @psend/@precv" \
	"$(keyfx $KX/connection-text.txt 'sum(proc.values())')" \
	"$(jpath "$tmp/k-connection-p.json" 'sum(s["total_bytes"] for s in j["series"])')"

# ---- one MEAN: the full intervals' bytes over their seconds ------------------
# MEAN = the bytes of the rate intervals / SECS (README, "What the outputs
# mean"), in every output.  From the CSV alone (each full row's bytes and
# real seconds), per series of every fixture: JSON rate.mean, Prometheus
# stat="mean" and the table's MEAN cell are that number.  It differs from
# the mean of the samples wherever a gap (edge-oddities, spike-gap, stall)
# or format 2's jitter weighs an interval by more or less than a second.
mean_check() { # FILE: the series whose outputs disagree, or nothing
	python3 - "$R" "$1" <<'PY'
import csv, io, json, re, subprocess, sys
R, f = sys.argv[1], sys.argv[2]
run = lambda *a: subprocess.run([R, *a, f], capture_output=True, text=True).stdout
def ident(d):
    return (d["map"], d["key"], d.get("client") or "", str(d.get("client_port", "")) if d.get("client_port", -1) != -1 else "")
want = {}
for r in csv.DictReader(io.StringIO(run("-f", "csv"))):
    if r["partial"] == "0":
        b, s = want.setdefault(ident(r), [0, 0.0])
        want[ident(r)] = [b + int(r["bytes"]), s + float(r["seconds"])]
def human(v):   # units_format_bytes() + "/s"
    names, i = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"], 0
    while abs(v) >= 1024 and i < 6:
        v, i = v / 1024, i + 1
    return ("%.0f B" % v if i == 0 else "%.*f %s" % (2 if abs(v) < 10 else 1 if abs(v) < 100 else 0, v, names[i])) + "/s"
j = json.loads(run("-f", "json"))
prom = {}
for l in run("-f", "prom").splitlines():
    if l.startswith("dbnetio_rate_bytes_per_second{") and 'stat="mean"' in l:
        lab, v = l[len("dbnetio_rate_bytes_per_second{"):].rsplit("} ", 1)
        lab = re.sub(r',host="(?:[^"\\]|\\.)*"', "", lab, count=1)   # not in the JSON
        prom[lab.replace(',stat="mean"', "")] = float(v)
table = {}
for l in run().splitlines()[2:]:
    c = re.split(r"  +", l.strip())
    if len(c) >= 6:
        table[c[0]] = c[4]
bad = []
def close(a, b): return abs(a - b) <= 1e-6 + 1e-9 * abs(b)
for s in j["series"]:
    if not s["samples"]:
        continue
    b, secs = want.get(ident(s), (None, None))
    if b is None:
        bad.append("%s: no full CSV rows" % s["key"]); continue
    m = b / secs
    if not close(s["rate"]["mean"], m):
        bad.append("%s json mean %s != %d B / %g s" % (s["key"], s["rate"]["mean"], b, secs))
    lab = 'source="%s",' % s["source"] + ('pid="%d",comm="%s",' % (s["pid"], s["comm"].replace("\\", "\\\\").replace('"', '\\"')) +
          ('client="%s",' % s["client"] if s.get("client") else "") if s.get("direction") else
          'map="%s",key="%s",' % (s["map"], s["key"])) + 'direction="%s"' % (s.get("direction") or "")
    if s.get("client_port", -1) != -1:
        pass    # prom shows a connection capture per client
    elif lab in prom and not close(prom[lab], m):
        bad.append("%s prom mean %s != %s" % (s["key"], prom[lab], m))
    elif lab not in prom and '"' not in s["comm"] and "\\" not in s["comm"]:
        bad.append("%s: no prom mean (%s)" % (s["key"], lab))
    label = next((k for k in table if k.endswith(" " + s["direction"]) and k.startswith("%d " % s["pid"])), None) if s.get("direction") and not s.get("client") else None
    if label and len([k for k in table if k.startswith("%d " % s["pid"]) and k.endswith(" " + s["direction"])]) == 1 and table[label] != human(m):
        bad.append("%s table MEAN %s != %s" % (s["key"], table[label], human(m)))
print("; ".join(bad))
PY
}
bad_mean=""
nmean=0
for f in $FX/*.txt $FX/*.json $FX/bpftrace-0.23/*.txt $FX/bpftrace-0.23/*.json $FX/charts/*.txt $KX/*.txt $KX/*.json; do
	case $f in *generic-clock*) continue ;; esac   # HH:MM:SS, needs --counters interval
	nmean=$((nmean + 1))
	out=$(mean_check "$f")
	[ -n "$out" ] && bad_mean="$bad_mean $(basename "$f"): $out"
done
check "MEAN: JSON rate.mean, prom stat=\"mean\" and the table's MEAN are the full intervals' bytes over their seconds (CSV), $nmean fixtures" "" "$bad_mean"
check "MEAN: edge-oddities' send mean is 10400 B over 7 s, the gap's interval weighing 3 s" "1485.714286 10400" \
	"$(jpath "$tmp/e.json" '"%.6f %.0f" % ('"$S"'["rate"]["mean"], '"$S"'["rate"]["mean"] * '"$S"'["seconds"])')"
check "MEAN: format 2's jittered recv is 9620 B over 5.02 s, not the samples' mean 2100" "1916.334661" \
	"$(jpath "$tmp/f2t.json" '"%.6f" % '"$F2R"'["rate"]["mean"]')"
check "MEAN: a source's seconds are its full intervals' real seconds (format 2: 5.02)" "5.02" \
	"$(jpath "$tmp/f2t.json" '"%.2f" % j["sources"][0]["seconds"]')"
# the report's headline mean is the same definition over the capture's
# seconds: for a capture of one process it is the per-series MEAN
for f in $FX/format2-jitter.txt $FX/dbnetio-tp-text.txt $FX/charts/spike-gap.txt; do
	"$R" --report "$tmp/mean.md" "$f" > /dev/null 2>&1
	got=$(python3 - "$tmp/mean.md" "$R" "$f" <<'PY'
import json, re, subprocess, sys
md = open(sys.argv[1]).read()
j = json.loads(subprocess.run([sys.argv[2], "-f", "json", sys.argv[3]], capture_output=True, text=True).stdout)
secs = j["sources"][0].get("seconds", j["sources"][0]["duration"])
out = []
for d, name in (("send", "Sent"), ("recv", "Received")):
    m = re.search(r"\*\*%s\*\* by the server: .*? — mean ([0-9.]+ [KMGT]?i?B/s)" % name, md)
    want = sum(s["rate"]["mean"] * s["seconds"] for s in j["series"] if s.get("direction") == d) / secs
    out.append("%s %s" % (m.group(1) if m else "none", "ok" if m else ""))
    if m:
        v, u = m.group(1).split(" ")
        scale = {"B/s": 1, "KiB/s": 1024, "MiB/s": 1024 ** 2, "GiB/s": 1024 ** 3}[u]
        out[-1] = "ok" if abs(float(v) * scale - want) <= 0.006 * want + 0.5 else "%s (want %.0f B/s)" % (m.group(1), want)
print(" ".join(out))
PY
)
	check "MEAN: the report's headline means are the series' full-interval bytes over the capture's seconds ($(basename "$f"))" "ok ok" "$got"
done

# ---- two captures in one stream: a second header starts a new source -------
# `cat a.txt b.txt | dbnetio-report` is two captures, as if given as two
# files: each keeps its own time line, counters, key and labels, in both
# orders (before, the second header changed nothing: the first capture's
# series went on into the second's, with gaps or backwards dumps).
strip_stream() { python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
for s in j['sources']: del s['file'], s['counts']['lines']
print(json.dumps(j, sort_keys=True))" "$1"; }
for pair in "edge-oddities.txt format2-stall.txt" "format2-stall.txt edge-oddities.txt" \
	"dbnetio-tp-json.json format2-jitter.json" "bcc-legacy.txt keys/client-text.txt"; do
	set -- $pair
	cat "$FX/$1" "$FX/$2" | "$R" -f json > "$tmp/cat.json"; rc1=$?
	"$R" -f json - "$FX/$2" < "$FX/$1" > "$tmp/two.json"; rc2=$?
	check "one stream, $1 then $2: exit status" "0 0" "$rc1 $rc2"
	same "one stream, $1 then $2: the summary of the two files given apart" \
		"$(strip_stream "$tmp/two.json")" "$(strip_stream "$tmp/cat.json")"
done
check "one stream: two sources labelled by their hosts" "db1 db3" \
	"$(cat $FX/edge-oddities.txt $FX/format2-stall.txt | "$R" -f json | python3 -c 'import json, sys; print(" ".join(s["label"] for s in json.load(sys.stdin)["sources"]))')"
sed '/^# dbnetio-capture/s/ host=[^ ]*//' $FX/dbnetio-tp-text.txt > "$tmp/nohost.txt"
cat "$tmp/nohost.txt" "$tmp/nohost.txt" | "$R" -f json > "$tmp/cat2.json"
check "one stream, no host=: the second capture is 'stdin #2', with the same numbers" "stdin|stdin #2 True" \
	"$(jpath "$tmp/cat2.json" '"|".join(s["label"] for s in j["sources"]), [(s["total_bytes"], s["rate"]) for s in j["series"] if s["source"] == "stdin"] == [(s["total_bytes"], s["rate"]) for s in j["series"] if s["source"] == "stdin #2"]')"
cat $FX/dbnetio-tp-text.txt $FX/dbnetio-tp-text.txt | "$R" > "$tmp/cat2.tab"
check "one stream, one host twice: 'vm' and 'vm (stdin #2)', a SOURCE column, no gap" "vm|vm (stdin #2) 1 0" \
	"$(grep -E '^vm( \(stdin #2\))?: ' "$tmp/cat2.tab" | sed 's/: .*//' | paste -sd'|') $(grep -c '^SOURCE ' "$tmp/cat2.tab") $(grep -c 'gap' "$tmp/cat2.tab")"
cat $FX/edge-oddities.txt $FX/charts/spike-gap.txt | PATH=/nonexistent "$R" --plot "$tmp/catplot" > /dev/null 2>&1
check "one stream --plot: each capture's charts under its own name, none overwritten" "1-db1-timeseries.dat 2-chart_fixture-timeseries.dat" \
	"$(cd "$tmp/catplot" 2>/dev/null && ls *-timeseries.dat | paste -sd' ')"
cat $FX/edge-oddities.txt $FX/format2-stall.txt | "$R" --live > "$tmp/cat.live"
check "one stream --live: the second capture's lines (7 dumps) carry its label" "7 0" \
	"$(grep -c '^[0-9:]* \[db3\] ' "$tmp/cat.live") $(grep -c '^[0-9:]* \[db1\]' "$tmp/cat.live")"

# ---- Prometheus: every -f prom output valid and free of duplicate series -----
# node_exporter's textfile collector fails the whole scrape on two samples
# with one name and label set ("collected before with the same name and
# label values"), which promtool check metrics does not catch (measured: an
# `any>` threshold's send and recv samples of one process, exit 0).  So each
# output below passes promtool AND prom_dups: no sample twice (labels in any
# order), every sample after its family's TYPE, each family in one block.
prom_dups() { # FILE: the problems, or nothing
	python3 - "$1" <<'PY'
import re, sys
seen, typed, done, bad, cur = set(), {}, set(), [], None
lab = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if line.startswith("# TYPE "):
        name = line.split()[2]
        if name in typed:
            bad.append("%d: second TYPE for %s" % (n, name))
        typed[name] = n
        continue
    if not line or line.startswith("#"):
        continue
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
    if not m:
        bad.append("%d: not name{labels} value: %s" % (n, line[:80])); continue
    name, labels = m.group(1), m.group(2) or ""
    pairs = lab.findall(labels)
    if ",".join('%s="%s"' % p for p in pairs) != labels:
        bad.append("%d: labels do not parse: %s" % (n, labels[:80]))
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):
        bad.append("%d: a label twice: %s" % (n, labels[:80]))
    key = (name, frozenset(pairs))
    if key in seen:
        bad.append("%d: duplicate sample %s{%s}" % (n, name, labels[:120]))
    seen.add(key)
    if name not in typed:
        bad.append("%d: %s before its TYPE" % (n, name))
    if name != cur:
        if name in done:
            bad.append("%d: %s in two blocks" % (n, name))
        if cur:
            done.add(cur)
        cur = name
print("; ".join(bad[:5]))
PY
}
if ! have promtool; then
	skip "prom: every output passes promtool check metrics" "promtool not installed (scripts/install-deps check: Debian's prometheus)"
fi
pbad="" pdup="" nprom=0
prom_case() { # ARGS...: one -f prom run, checked
	nprom=$((nprom + 1))
	"$R" -f prom "$@" > "$tmp/case.prom" 2> "$tmp/case.err"
	local rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
		pbad="$pbad [$*: exit $rc $(head -c 120 "$tmp/case.err")]"
		return
	fi
	if have promtool && ! out=$(promtool check metrics < "$tmp/case.prom" 2>&1); then
		pbad="$pbad [$*: $(printf '%s' "$out" | head -c 160)]"
	fi
	out=$(prom_dups "$tmp/case.prom")
	[ -n "$out" ] && pdup="$pdup [$*: $out]"
}
TH=(-t 'send>1B/s' -t 'recv>1B/s for 2s' -t 'any>=1B/s' -t 'any>500KiB/s' -t '@send>1B/s' -t '@recv>=1B/s for 1s')
for f in $FX/*.txt $FX/*.json $FX/bpftrace-0.23/*.txt $FX/bpftrace-0.23/*.json $FX/charts/*.txt; do
	case $f in *generic-clock*) continue ;; esac
	prom_case "$f"
	prom_case "${TH[@]}" "$f"
done
for f in $KX/*.txt $KX/*.json; do
	prom_case "${TH[@]}" "$f"
	prom_case "${TH[@]}" --by process "$f"
	prom_case "${TH[@]}" --by client --top 2 "$f"
done
prom_case --counters interval -t '@bytes>1B/s' -t 'any>1B/s' $FX/generic-clock.txt
prom_case "${TH[@]}" $FX/charts/spike-gap.txt $FX/edge-oddities.txt $KX/client-text.txt    # several sources, processes, clients
prom_case "${TH[@]}" $FX/edge-oddities.txt $FX/edge-oddities.txt $FX/edge-oddities.txt    # one host three times
prom_case "${TH[@]}" $FX/bcc-legacy.txt $FX/bcc-legacy.txt $FX/bcc-legacy.txt
prom_case "${TH[@]}" - < <(cat $FX/dbnetio-tp-text.txt $FX/dbnetio-tp-text.txt)   # one stream, two captures
have promtool && check "prom: every output passes promtool check metrics ($nprom outputs: every threshold kind, several processes, clients, merges)" "" "$pbad"
check "prom: no two samples with one name and label set in any output ($nprom outputs)" "" "$pdup"
"$R" -f prom -t 'any>500KiB/s' $FX/dbnetio-tp-text.txt > "$tmp/any.prom"
check "prom: an any> threshold's samples say their direction" "recv send" \
	"$(grep '^dbnetio_threshold_seconds_above{' "$tmp/any.prom" | sed 's/.*direction="\([a-z]*\)".*/\1/' | sort | paste -sd' ')"
"$R" -t 'send>1KiB/s' -t 'send > 1024 B/s' $FX/edge-oddities.txt > /dev/null 2> "$tmp/err"; rc=$?
check "the same threshold twice: exit 1, says so" "1 1" "$rc $(grep -c "threshold 'send > 1024 B/s' is the same as 'send>1KiB/s'" "$tmp/err")"

# ---- gates that cannot pass by accident ---------------------------------------
# A cron job or CI step acts on the exit status: a threshold that watches
# nothing, or an input with nothing in it, is an error (exit 1), never a
# quiet "0 alerts" and exit 0.
gate() { # NAME EXPECTED-MESSAGE ARGS...: exit 1 and the message on stderr, nothing on stdout
	local name=$1 msg=$2
	shift 2
	"$R" "$@" > "$tmp/gate.out" 2> "$tmp/gate.err"
	local rc=$?
	check "gate: $name: exit 1, says why, writes no summary" "1 1 0" \
		"$rc $(grep -c -F -- "$msg" "$tmp/gate.err") $(wc -c < "$tmp/gate.out")"
}
gate "a map not in the capture" "threshold '@bogus>1B/s' watches nothing in the capture: no map @bogus (the capture has @send, @recv)" \
	-t '@bogus>1B/s' $FX/edge-oddities.txt
gate "no dump at all (/dev/null)" "no dump in the input, so no threshold could be crossed" -t 'send>1B/s' /dev/null
gate "no dump at all (stdin)" "no dump in the input" -t 'send>1B/s' - < /dev/null
gate "a header and no dump" "no dump in the input" -t 'send>1B/s' - < <(head -n 2 $FX/edge-oddities.txt)
gate "send> on a capture without @send" "threshold 'send>1B/s' watches nothing in the capture: no send series (the capture has @bytes)" \
	--counters interval -t 'send>1B/s' $FX/generic-clock.txt
gate "only the first, partial format-2 dump" "threshold 'send>1B/s': the 1 series it watches has no full interval" \
	-t 'send>1B/s' - < <(head -n 4 $FX/format2-jitter.txt)
gate "one of two thresholds watches nothing" "threshold '@sned>1B/s' watches nothing" -f json -t 'send>1B/s' -t '@sned>1B/s' $FX/edge-oddities.txt
"$R" -t '@send>1B/s' $FX/edge-oddities.txt > /dev/null 2>&1; check "gate: a map that is there (@send) is watched: exit 2" 2 "$?"
"$R" -t '@bytes>1B/s' --counters interval $FX/generic-clock.txt > /dev/null 2>&1; check "gate: a generic script's map is watched: exit 2" 2 "$?"
"$R" < /dev/null > /dev/null 2>&1; check "no threshold, no dump: still a summary and exit 0" 0 "$?"

# ---- output paths are checked before any input is read ---------------------------
# Each run reads a FIFO nobody writes: a run that got as far as its input
# would wait there (timeout: 124), so exit 1 at once proves the path was
# checked first, plainly and under --live; the message names the path the
# user gave, not a temporary file.
mkfifo "$tmp/never"
printf 'x\n' > "$tmp/afile"
outpath() { # NAME PATH-IN-MESSAGE ARGS...
	local name=$1 want=$2 mode rc
	shift 2
	for mode in plain --live; do
		if [ $mode = plain ]; then
			timeout 5 "$R" "$@" "$tmp/never" > /dev/null 2> "$tmp/op.err"; rc=$?
		else
			timeout 5 "$R" --live "$@" "$tmp/never" > /dev/null 2> "$tmp/op.err"; rc=$?
		fi
		check "output path, $name ($mode): exit 1 before reading, names '$want', no temporary file" "1 1 0" \
			"$rc $(grep -c -F -- "$want" "$tmp/op.err") $(grep -c '\.tmp\.\|\.tmp[0-9]\|XXXXXX\|mkstemp\|mkdtemp' "$tmp/op.err")"
	done
}
outpath "-o into a missing directory" "-o /nonexistent-dir/x.csv: cannot write there: /nonexistent-dir: No such file or directory" \
	-f csv -o /nonexistent-dir/x.csv
outpath "-o onto a directory" "-o $tmp: is a directory" -o "$tmp"
outpath "--report into /proc" "--report /proc/nope.html: cannot create a file in /proc" --report /proc/nope.html
outpath "--report .md into a missing directory" "--report $tmp/no/r.md: cannot write there" --report "$tmp/no/r.md"
outpath "--plot into a file" "--plot $tmp/afile: exists and is not a directory" --plot "$tmp/afile"
outpath "--plot below a file" "--plot $tmp/afile/charts: cannot make it: $tmp/afile is not a directory" --plot "$tmp/afile/charts"
outpath "--plot into /proc" "--plot /proc/nope/charts: cannot make it in /proc" --plot /proc/nope/charts
"$R" --plot "$tmp/new/charts" -f json $FX/edge-oddities.txt > /dev/null 2>&1; rc=$?
check "output path: --plot into a directory still to make works (exit 0, made)" "0 yes" "$rc $([ -d "$tmp/new/charts" ] && echo yes)"

# ---- one threshold grammar (THRESHOLD_GRAMMAR; README; man; --help) -----------
# Every case of the grammar is a unit test (tests/unit/test_threshold.c);
# these are the issue's cases from the command line: refused with exit 1
# and a message saying what was expected, or accepted.
grammar() { # SPEC EXPECTED-EXIT [MESSAGE]
	"$R" -f json -t "$1" $FX/edge-oddities.txt > /dev/null 2> "$tmp/g.err"
	local rc=$?
	if [ -n "${3:-}" ]; then
		check "grammar: '$1' refused, exit 1, says '$3'" "1 1" "$rc $(grep -c -F -- "$3" "$tmp/g.err")"
	else
		check "grammar: '$1' accepted (exit $2)" "$2" "$rc"
	fi
}
grammar 'send>50' 1 "threshold 'send>50': expected a unit after 50"
grammar 'send>0x10B/s' 1 "expected a decimal number, got '0x10B/s' (no hex)"
grammar 'send>-1B/s' 1 "no sign (a rate is never negative)"
grammar 'send>5kB/s' 1 "unknown unit 'kB' (expected B, KB, MB, GB, TB (1000-based), KiB, MiB, GiB, TiB (1024-based))"
grammar 'send>1KiB/s for 5' 1 "after 'for': expected a unit after 5: s, m or h"
grammar 'send>1KiB/s for 2d' 1 "unknown duration unit 'd' (expected s, m or h)"
grammar 'send>1KiB/s for 5h' 0
grammar 'send>1KiB/s for 5m' 0
grammar 'send>1KiB/s for 3s' 2
grammar 'send>1KB for 1s' 2
grammar 'send>1TB/s' 0
grammar 'send>1TiB/s' 0
grammar 'recv >= 100 B for 2 s' 2
json_limit() { "$R" -f json -t "$1" $FX/edge-oddities.txt 2>/dev/null | python3 -c 'import json, sys; t = json.load(sys.stdin)["thresholds"][0]; print("%.0f %d" % (t["limit"], t["sustain"]))'; }
check "grammar: 1000-based and 1024-based units, s/m/h durations" "1500000 3600 1536 120 3000000000000 0" \
	"$(json_limit 'send>1.5MB/s for 1h') $(json_limit 'send>1.5KiB for 2m') $(json_limit 'any>3TB/s')"
"$R" --help > "$tmp/help.txt" 2>&1
check "--help prints the grammar, every unit and duration unit" "1 1 1 1" \
	"$(grep -c 'SPEC      TARGET OP RATE \[for DURATION\]' "$tmp/help.txt") $(grep -c 'UNIT      B; KB MB GB TB (1000-based); KiB MiB GiB TiB (1024-based);$' "$tmp/help.txt") $(grep -c 'DURATION  a whole number and s, m or h' "$tmp/help.txt") $(grep -c "'/s' may be left out" "$tmp/help.txt")"

# ---- options that mean what they say --------------------------------------------
"$R" -h > "$tmp/h.txt" 2>&1; rc=$?
check "-h: exit 0 and the --help text" "0 yes" "$rc $(cmp -s "$tmp/h.txt" "$tmp/help.txt" && [ -s "$tmp/h.txt" ] && echo yes)"
"$R" --plot-format svg $FX/edge-oddities.txt > "$tmp/pf.out" 2> "$tmp/err"; rc=$?
check "--plot-format without --plot: exit 1, says it needs --plot, no summary" "1 1 0" \
	"$rc $(grep -c -- '--plot-format needs --plot DIR' "$tmp/err") $(wc -c < "$tmp/pf.out")"
PATH=/nonexistent "$R" --plot-format svg --plot "$tmp/pf" $FX/edge-oddities.txt > /dev/null 2>&1; rc=$?
check "--plot-format with --plot: exit 0, its .gp says svg" "0 1" "$rc $(grep -l 'svg' "$tmp"/pf/timeseries.gp 2>/dev/null | wc -l)"
# --interval is for captures without one in their header: the header's wins
# and a different --interval says it was ignored; --counters wins over the
# header and says so.  Both on stderr, stdout unchanged.
"$R" -f json --interval 5 $FX/edge-oddities.txt > "$tmp/iv.json" 2> "$tmp/err"; rc=$?
check "--interval against a header's interval=: ignored, said on stderr" "0 1 1" \
	"$rc $(grep -c 'warning: tests/fixtures/edge-oddities.txt:2: --interval 5 ignored: the header says interval=1' "$tmp/err") $(jpath "$tmp/iv.json" 'j["sources"][0]["interval"]')"
"$R" -f json --interval 1 $FX/edge-oddities.txt > /dev/null 2> "$tmp/err"
check "--interval equal to the header's: no warning" 0 "$(wc -c < "$tmp/err")"
"$R" -f json --interval 2 $FX/bcc-legacy.txt > "$tmp/iv.json" 2> "$tmp/err"
check "--interval without a header: used, no warning" "2 0" "$(jpath "$tmp/iv.json" 'j["sources"][0]["interval"]') $(wc -c < "$tmp/err")"
"$R" -f json --counters interval $FX/edge-oddities.txt > "$tmp/cn.json" 2> "$tmp/err"
check "--counters against the header's counters=: overrides, said on stderr" "1 interval" \
	"$(grep -c "warning: tests/fixtures/edge-oddities.txt:2: --counters interval overrides the header's counters=cumulative" "$tmp/err") $(jpath "$tmp/cn.json" 'j["sources"][0]["counters"]')"
"$R" -f json --counters cumulative $FX/edge-oddities.txt > /dev/null 2> "$tmp/err"
check "--counters equal to the header's: no warning" 0 "$(wc -c < "$tmp/err")"
# --local-time is every date and clock printed: the table (its zone named),
# the alert lines, --live, the report (its footer names the zone).  XST-3
# is a POSIX TZ, three hours east of UTC, so no tzdata is needed.
# edge-oddities: 1700000000 is 2023-11-14 22:13:20 UTC, 01:13:20 in XST.
TZ=XST-3 "$R" --local-time -t 'send>1500B/s' $FX/edge-oddities.txt > "$tmp/lt.tab"
check "--local-time: the table's span in local time, the zone named" 1 \
	"$(grep -c '^db1: 2023-11-15 01:13:19 .. 2023-11-15 01:13:26 XST, 7 s' "$tmp/lt.tab")"
check "--local-time: PEAK AT and the alert line in local time" "1 1" \
	"$(grep -c '^4321 mariadbd send .* 2023-11-15 01:13:20 ' "$tmp/lt.tab") $(grep -c 'ALERT 4321 mariadbd send: 2023-11-15 01:13:20 .. 01:13:24 (4 s), peak 1.95 KiB/s at 01:13:20' "$tmp/lt.tab")"
TZ=XST-3 "$R" -t 'send>1500B/s' $FX/edge-oddities.txt > "$tmp/ut.tab"
check "without --local-time: UTC, whatever TZ says" "1 1" \
	"$(grep -c '^db1: 2023-11-14 22:13:19 .. 2023-11-14 22:13:26 UTC, 7 s' "$tmp/ut.tab") $(grep -c 'ALERT 4321 mariadbd send: 2023-11-14 22:13:20 .. 22:13:24' "$tmp/ut.tab")"
TZ=XST-3 "$R" --local-time --live -t 'send>1500B/s' $FX/edge-oddities.txt > "$tmp/lt.live"
check "--local-time --live: interval and alert lines in local time" "01:13:19 01:13:20" \
	"$(head -n 1 "$tmp/lt.live" | cut -c1-8) $(grep -m1 ' ALERT ' "$tmp/lt.live" | cut -c1-8)"
TZ=XST-3 "$R" --local-time --report "$tmp/lt.md" $FX/edge-oddities.txt > /dev/null 2>&1
"$R" --report "$tmp/ut.md" $FX/edge-oddities.txt > /dev/null 2>&1
check "--report's footer names the zone of its times" "1 1" \
	"$(grep -c 'XST\. Times are local time (XST, UTC+0300)\.' "$tmp/lt.md") $(grep -c 'UTC\. Times are UTC\.' "$tmp/ut.md")"
# --top N keeps what the user ranks: N processes (both directions of each),
# or N clients (connections) when the series are grouped so, by --sort, in
# every format, CSV included; each output is the full one with the others'
# rows left out.  Expected from the full JSON: an entry's bytes are its
# series' summed, its peak their highest.
top_want() { # FULL.json N SORT: the kept entries' series, as "pid|comm|client|ports|direction"
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
j, n, by = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
key = lambda s: (s["source"], s["pid"], s["comm"], s.get("client", ""), s.get("client_port", -1), s.get("local_port", -1))
ent = {}
for i, s in enumerate(j["series"]):
    e = ent.setdefault(key(s), [0, -1, i])
    e[0] += s["total_bytes"]
    e[1] = max(e[1], s["rate"]["max"] if s["samples"] else -1)
rank = sorted(ent, key=lambda k: (-ent[k][0], ent[k][2]) if by == "total" else (-ent[k][1], ent[k][2]) if by == "peak" else ent[k][2])
keep = set(rank[:n])
print(" ".join("%s|%s|%s|%s|%s" % (s["pid"], s["comm"], s.get("client", "-"), s.get("client_port", "-"), s["direction"]) for s in j["series"] if key(s) in keep))
PY
}
jseries() { python3 -c 'import json, sys
print(" ".join("%s|%s|%s|%s|%s" % (s["pid"], s["comm"], s.get("client", "-"), s.get("client_port", "-"), s["direction"]) for s in json.load(open(sys.argv[1]))["series"]))' "$1"; }
for c in "edge-oddities.txt 1 total" "charts/spike-gap.txt 2 peak" "charts/spike-gap.txt 1 name" "keys/client-text.txt 2 total" "keys/client-text.txt 3 peak" "keys/connection-text.txt 2 total"; do
	set -- $c
	"$R" -f json --sort "$3" "$FX/$1" > "$tmp/full.json"
	"$R" -f json --sort "$3" --top "$2" "$FX/$1" > "$tmp/topn.json"
	check "--top $2 --sort $3 ($1): JSON keeps the $2 first entries' series, both directions" \
		"$(top_want "$tmp/full.json" "$2" "$3")" "$(jseries "$tmp/topn.json")"
	keep=$(jseries "$tmp/topn.json")
	"$R" -f csv --sort "$3" --top "$2" "$FX/$1" > "$tmp/topn.csv"
	"$R" -f csv --sort "$3" "$FX/$1" > "$tmp/full.csv"
	check "--top $2 --sort $3 ($1): CSV is the full CSV's rows of those series" \
		"$(python3 - "$tmp/full.csv" "$keep" <<'PY'
import csv, sys
keep = set(sys.argv[2].split())
rows = list(csv.reader(open(sys.argv[1])))
h = rows[0]
i = {k: h.index(k) for k in h}
print(sum(1 for r in rows[1:] if "%s|%s|%s|%s|%s" % (r[i["pid"]], r[i["comm"]], r[i["client"]] or "-", r[i["client_port"]] or "-", r[i["direction"]]) in keep))
print("\n".join(",".join(r) for r in rows[:1] + [r for r in rows[1:] if "%s|%s|%s|%s|%s" % (r[i["pid"]], r[i["comm"]], r[i["client"]] or "-", r[i["client_port"]] or "-", r[i["direction"]]) in keep]))
PY
)" "$(python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
print(len(rows) - 1)
print("\n".join(",".join(r) for r in rows))' "$tmp/topn.csv")"
done
"$R" --top 1 $FX/edge-oddities.txt > "$tmp/top.tab"
check "--top 1 (table): the process's send and recv rows, and says what it ranked" "2 1" \
	"$(grep -c '^4321 mariadbd ' "$tmp/top.tab") $(grep -c '^(top 1 of 2 processes: 2 of 3 series)$' "$tmp/top.tab")"
"$R" -f prom --top 1 $FX/edge-oddities.txt > "$tmp/top.prom"
check "--top 1 (prom): only the kept process's samples" "0 2" \
	"$(grep -c 'pid="77"' "$tmp/top.prom") $(grep -c '^dbnetio_\(sent\|received\)_bytes_total{.*pid="4321"' "$tmp/top.prom")"
check "--top (JSON): says what it ranked" "clients 2 7" \
	"$("$R" -f json --top 2 $KX/client-text.txt | python3 -c 'import json, sys; t = json.load(sys.stdin)["top"]; print(t["ranked"], t["kept"], t["total"])')"
# table columns are padded by what a terminal shows: a name in UTF-8 (é is
# two bytes, 数 three bytes and two columns, a combining accent none) must
# not push its row's columns out of line.
printf '# dbnetio-capture 1 interval=1\n1700000000\n@send[1, cafe\xcc\x81]: 5\n@send[2, db]: 5\n@send[3, \xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93]: 9\n@send[4, caf\xc3\xa9]: 7\n1700000001\n@send[1, cafe\xcc\x81]: 50\n@send[2, db]: 55\n@send[3, \xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93]: 90\n@send[4, caf\xc3\xa9]: 70\n' > "$tmp/mb.txt"
"$R" "$tmp/mb.txt" > "$tmp/mb.tab"
check "table: columns line up for multibyte names (every row's columns at the same display positions)" "1 4" \
	"$(python3 - "$tmp/mb.tab" <<'PY'
import re, sys, unicodedata
def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
rows = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")][1:6]
# the display column where each right-aligned field ends (all but the
# left-aligned SERIES)
ends = set()
for r in rows[1:]:
    ends.add(tuple(width(r[:m.end()]) for m in re.finditer(r"\S(?=  |$)", r))[1:])
print(len(ends), len(rows) - 1)
PY
)"
# counts in the table's words agree with them: 1 dump, 1 notice, 2 dumps
printf '1700000000\n@send[1, a]: 5\n' | "$R" > "$tmp/one.tab"
check "plurals: '1 dump' for one dump" 1 "$(head -n 1 "$tmp/one.tab" | grep -c ', 1 dump, ')"
check "plurals: edge-oddities' notes in the singular where the count is 1" "1 1 1 1 1 1 1" \
	"$(for p in '17 events lost (1 notice)' '1 gap, 2 seconds without a dump: rates averaged over the gap' '1 dump repeated' '1 dump went back' '1 counter reset ' '1 WARNING/ERROR line from' '2 histogram/stats lines'; do grep -c -F "$p" "$tmp/e.tab"; done | paste -sd' ')"
check "plurals: no '1 <plural>' anywhere in the table notes" 0 \
	"$(grep -cE '(^|[^0-9.])1 (dumps|notices|gaps|seconds|events|resets|lines|entries|alerts)' "$tmp/e.tab")"

# ---- sessions: --by user|database|application --------------------------------
# $KX/connection-text.txt.sessions (found beside the capture by itself):
# 53124 is app1's throughout, 53125 a hostile user's (quotes, a newline,
# HTML, an invalid byte, the key separators) until 22:10:02.3, 53126 app1's
# again from 22:10:02.8; ::1 and the pg worker have no session; the list
# could not be read from 22:10:03.5 to 22:10:04.5.
SX=$KX/connection-text.txt
"$R" --by user -f json $SX > "$tmp/su.json"; rc=$?
check "sessions: --by user finds CAPTURE.sessions by itself" 0 "$rc"
"$R" --by process -f json $SX > "$tmp/sp.json"
# per process and direction: the groups' bytes against --by process's
sums() { jpath "$1" '" ".join("%d:%s=%d" % (p, d, sum(s["total_bytes"] for s in j["series"] if (s["pid"], s["direction"]) == (p, d))) for p, d in sorted({(s["pid"], s["direction"]) for s in j["series"]}))'; }
check "sessions: every byte once: the groups sum to each process's total" "$(sums "$tmp/sp.json")" "$(sums "$tmp/su.json")"
check "sessions: JSON series of pid 4321 (client:user:session)" \
	"-:app1:known|-:x\"y<NL><b>&"$'\ufffd'", =]:known|10.0.0.9:None:unknown|127.0.0.2:None:unknown|::1:None:unknown|overflow:-:-" \
	"$(jpath "$tmp/su.json" '"|".join(sorted({"%s:%s:%s" % (s.get("client", "-"), s.get("user", "-"), s.get("session", "-")) for s in j["series"] if s["pid"] == 4321})).replace("\n", "<NL>")')"
check "sessions: the gap and its reason in JSON" "1795558203.5-1795558204.5 Access denied" \
	"$(jpath "$tmp/su.json" '" ".join("%.1f-%.1f %s" % (g["from"], g["to"], g["reason"]) for g in j["sources"][0]["sessions"]["gaps"])')"
"$R" --by user $SX > "$tmp/su.tab"
check "sessions: the table escapes the hostile user" 2 "$(grep -cF 'user=x\x22y\x0a<b>&\xff,\x20\x3d] ' "$tmp/su.tab")"
check "sessions: the table says when sessions are missing" 1 "$(grep -c '^  sessions missing from .*: Access denied$' "$tmp/su.tab")"
"$R" --by user,database -f csv $SX > "$tmp/su.csv"
check "sessions: CSV header has the session columns last" "client,client_port,local_port,user,database,application,session" \
	"$(head -n 1 "$tmp/su.csv" | cut -d, -f11-)"
check "sessions: CSV: the hostile user is one quoted field" "x\"y|<b>&"$'\ufffd'", =]|shop|known" \
	"$(python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8", errors="replace")))
print(sorted({"%s|%s|%s" % (r["user"].replace("\n", "|"), r["database"], r["session"]) for r in rows if r["user"].startswith("x")})[0])' "$tmp/su.csv")"
"$R" --by user,database -f prom $SX > "$tmp/su.prom"
check "sessions: Prometheus db_user and database labels, escaped" 1 \
	"$(grep -cF 'comm="mariadbd",db_user="x\"y\n<b>&'$'\xef\xbf\xbd'', =]",database="shop"' "$tmp/su.prom" | sed 's/[1-9][0-9]*/1/')"
check "sessions: Prometheus unknown sessions carry session=\"unknown\" and their client" 1 \
	"$(grep -c 'client="::1",session="unknown"' "$tmp/su.prom" | sed 's/[1-9][0-9]*/1/')"
"$R" --by user --report "$tmp/su.html" $SX > /dev/null
check "sessions: HTML Who shows users, escaped" "1 0 1" \
	"$(grep -c '<td>app1</td>' "$tmp/su.html" | sed 's/[1-9][0-9]*/1/') $(grep -c '<b>&' "$tmp/su.html") $(grep -c '&lt;b&gt;&amp;' "$tmp/su.html" | sed 's/[1-9][0-9]*/1/')"
"$R" --by user -t 'send>30KiB/s' $SX > "$tmp/st.tab"; rc=$?
check "sessions: thresholds per user: exit 2" 2 "$rc"
check "sessions: the hostile user crossed, app1 (20 KiB/s at most) did not" "1 0" \
	"$(grep -c '^  ALERT 4321 mariadbd user=x' "$tmp/st.tab") $(grep -c 'ALERT.*user=app1' "$tmp/st.tab")"
"$R" --by application -f json $SX > "$tmp/sa.json"
check "sessions: --by application (MariaDB has none: empty)" '' \
	"$(jpath "$tmp/sa.json" '"".join(sorted({s["application"] for s in j["series"] if s.get("session") == "known"}))')"
cat $SX | "$R" --by user -f json --sessions $SX.sessions > "$tmp/ss.json"
same "sessions: --sessions FILE for stdin gives the same series" \
	"$(jpath "$tmp/su.json" 'sorted((s["key"], s["total_bytes"]) for s in j["series"])')" \
	"$(jpath "$tmp/ss.json" 'sorted((s["key"], s["total_bytes"]) for s in j["series"])')"
cat $SX | "$R" --by user - > /dev/null 2> "$tmp/err"; rc=$?
check "sessions: bad: stdin without --sessions: exit 1, says what to give" "1 1" \
	"$rc $(grep -c 'no sessions to join.*--sessions FILE' "$tmp/err")"
"$R" --sessions $SX.sessions $SX > /dev/null 2> "$tmp/err"; rc=$?
check "sessions: bad: --sessions without --by user" "1 1" "$rc $(grep -c 'needs --by user' "$tmp/err")"
printf '# dbnetio-sessions 1 db=mariadb\nok 1\n+ -1 1 7 1.2.3.4 5 0 zz - -\n' > "$tmp/bad.sessions"
"$R" --by user --sessions "$tmp/bad.sessions" - < $SX > /dev/null 2> "$tmp/err"; rc=$?
check "sessions: bad: a bad sessions file names file:line" "1 1" "$rc $(grep -c 'bad.sessions:3: expected hex' "$tmp/err")"
"$R" --by user $KX/client-text.txt > /dev/null 2> "$tmp/err"; rc=$?
check "sessions: bad: --by user on a client capture" "1 1" "$rc $(grep -c 'key=client' "$tmp/err")"
