#!/usr/bin/env bash
# Tier 70: dbnetio as a service feeding Prometheus.
#   - make install DESTDIR: the unit, its default file, the dashboard and the
#     rules are installed; systemd-analyze verify is clean on the unit; the
#     rules pass promtool check rules, and --prom-rules maps every kind of
#     threshold (and refuses bad uses);
#   - --capture-dir: rotated files of a recorded capture, fed whole and
#     through a pipe that stalls inside lines, are identical, each reports
#     alone, and their totals add up to the unrotated capture's; --capture-keep;
#   - --live -f prom -o: a reader loop never sees a half-written or invalid
#     file, counters never go down, and the last file equals -f prom's;
#   - the service's wrapper (dbnetio-service) runs a capture, and exits
#     non-zero when the capture fails (so Restart=on-failure restarts it);
#   - a capture runs with exactly the unit's CapabilityBoundingSet and
#     NoNewPrivileges, with /, /sys and /proc/sys read-only;
#   - a real capture (scripts/dbnetio -P tracepoint -k client of
#     tests/live/dbload.py: 12 s of 1 MB/s out and 200 KB/s in to each of
#     two loopback clients) through --live -f prom into the textfile
#     directory of a real prometheus-node-exporter (127.0.0.1, a free port),
#     scraped every second by a real prometheus (temporary config and data):
#     the stored dbnetio_*_bytes_total series end at the capture's own
#     totals, a rule generated from a threshold the load crosses fires and
#     one above it never does, every Grafana dashboard query returns data
#     (its per-process rate near the load's), the textfile is never seen
#     half-written, and the rotated capture files add up to the stream.
# About a minute; every process it starts is stopped at exit.
. "$(dirname "$0")/../lib.sh"

R=$BUILD/dbnetio-report
FEED=$DBNETIO_ROOT/tests/live/slowfeed.py
READ=$DBNETIO_ROOT/tests/live/promread.py
KX=$DBNETIO_ROOT/tests/fixtures/keys
FX=$DBNETIO_ROOT/tests/fixtures
[ -x "$R" ] || { skip "prometheus tier" "$R is missing (run make)"; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tier70.XXXXXX")
pids=()
cleanup() {
	local p
	exec 8>&- 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	# TIER70_KEEP=1 keeps the logs, the captures and Prometheus's data
	[ -n "${TIER70_KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

# per-series totals of JSON summaries, "pid|comm|client|direction=bytes ..."
sum_totals() {
	python3 -c '
import json, sys
t = {}
for f in sys.argv[1:]:
    for s in json.load(open(f))["series"]:
        if s.get("direction"):
            k = "%s|%s|%s|%s" % (s["pid"], s["comm"], s.get("client", ""), s["direction"])
            t[k] = t.get(k, 0) + s["total_bytes"]
print(" ".join("%s=%d" % kv for kv in sorted(t.items())))' "$@"
}

# ===== install, the unit, the rules =====
dest=$tmp/root
if make -s -C "$DBNETIO_ROOT" install DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1; then
	unit=$dest/usr/lib/systemd/system/dbnetio.service
	check "make install: unit, wrapper, default file, dashboard, rules" "5" \
		"$(ls "$unit" "$dest/usr/libexec/dbnetio/dbnetio-service" "$dest/etc/default/dbnetio" \
			"$dest/usr/share/dbnetio/grafana/dbnetio.json" \
			"$dest/usr/share/dbnetio/prometheus/dbnetio-rules.yml" 2>/dev/null | wc -l)"
	check "the unit names what is installed (ExecStart, EnvironmentFile)" "yes yes" \
		"$(grep -qx 'ExecStart=/usr/libexec/dbnetio/dbnetio-service' "$unit" && echo yes) $(grep -qx 'EnvironmentFile=-/etc/default/dbnetio' "$unit" && echo yes)"
	if have systemd-analyze; then
		# systemd-analyze resolves the default dependencies (sysinit.target...)
		# under --root: give the tree the host's targets
		cp -n /usr/lib/systemd/system/*.target "$dest/usr/lib/systemd/system/" 2>/dev/null
		out=$(systemd-analyze verify --man=no --root="$dest" /usr/lib/systemd/system/dbnetio.service 2>&1)
		check "systemd-analyze verify: the installed unit is clean (exit 0, no message)" "0:" "$?:$out"
		sed 's/^ProtectSystem=strict/ProtectSystem=bogus/' "$unit" > "$dest/usr/lib/systemd/system/dbnetio-bad.service"
		out=$(systemd-analyze verify --man=no --root="$dest" /usr/lib/systemd/system/dbnetio-bad.service 2>&1)
		check "systemd-analyze verify: a broken copy of it is not clean (the check can fail)" "1" \
			"$(grep -c 'protect system value' <<<"$out")"
		rm -f "$dest/usr/lib/systemd/system/dbnetio-bad.service"
	else
		skip "systemd-analyze verify" "systemd-analyze is not installed"
	fi
	check "Documentation= man pages are installed" "2" \
		"$(ls "$dest/usr/share/man/man8/dbnetio.8" "$dest/usr/share/man/man1/dbnetio-report.1" 2>/dev/null | wc -l)"
	check "hardening: Restart=on-failure, NoNewPrivileges, ProtectSystem=strict, ProtectHome, capabilities" "5" \
		"$(grep -cxE 'Restart=on-failure|NoNewPrivileges=yes|ProtectSystem=strict|ProtectHome=yes|CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_RESOURCE' "$unit")"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dest/usr/share/dbnetio/grafana/dbnetio.json" &&
		pass "the dashboard is JSON" || fail "the dashboard is JSON"
else
	fail "make install DESTDIR" "$(tail -n 3 "$tmp/install.log")"
fi

if have promtool; then
	out=$(promtool check rules "$dest/usr/share/dbnetio/prometheus/dbnetio-rules.yml" 2>&1)
	check "promtool check rules: the installed rules" "1" "$(grep -c 'SUCCESS: 2 rules found' <<<"$out")"
	"$R" --prom-rules -t 'send>50MiB/s for 5m' -t 'recv >= 1.5 GB for 90s' -t 'any>1KiB/s' \
		-t '@psend>1MB/s for 1h' -t '@mymap>10B/s' -t 'send>1MiB/s merge 10s' -t 'recv>1B/s merge 0s' \
		--prom-window 30s -o "$tmp/rules.yml"
	out=$(promtool check rules "$tmp/rules.yml" 2>&1)
	check "promtool check rules: every kind of threshold" "1" "$(grep -c 'SUCCESS: 7 rules found' <<<"$out")"
	python3 - "$tmp/rules.yml" <<'PY' | sed 's/^/    /; s/^    \(PASS\|FAIL\)/\1/'
import sys, re
text = open(sys.argv[1]).read()
rules = re.findall(r"- alert: (\S+)\n        expr: (.*)\n(?:        for: (\S+)\n)?", text)
want = [
    ("rate(dbnetio_sent_bytes_total[30s]) > 52428800", "5m", "5s"),
    ("rate(dbnetio_received_bytes_total[30s]) >= 1500000000", "90s", "5s"),
    ('rate({__name__=~"dbnetio_(sent|received)_bytes_total"}[30s]) > 1024', "", "5s"),
    ("sum without (client) (rate(dbnetio_sent_bytes_total[30s])) > 1000000", "1h", "5s"),
    ('rate(dbnetio_map_value_total{map="@mymap"}[30s]) > 10', "", "5s"),
    ("rate(dbnetio_sent_bytes_total[30s]) > 1048576", "", "10s"),
    ("rate(dbnetio_received_bytes_total[30s]) > 1", "", None),
]
# merge M (default 5s): the alert keeps firing while its own ALERTS series
# is firing and some evaluation within M was above (keep_firing_for in 2.42)
want = [(e if m is None else
         '%s or (max_over_time((%s)[%s:]) and ignoring (alertname, alertstate, severity, threshold) '
         'ALERTS{alertname="DbnetioThreshold%d", alertstate="firing"})' % (e, e, m, i + 1), f)
        for i, (e, f, m) in enumerate(want)]
got = [(e, f) for _, e, f in rules]
print(("PASS" if got == want else "FAIL") + " --prom-rules: each target, OP, limit, window and sustain as documented" +
      ("" if got == want else ": %r" % got))
names = [n for n, _, _ in rules]
print(("PASS" if len(set(names)) == 7 else "FAIL") + " --prom-rules: one alert name per threshold (%s)" % " ".join(names))
PY
else
	skip "promtool check rules" "promtool is not installed (scripts/install-deps check)"
fi
"$R" --prom-rules > /dev/null 2> "$tmp/err"; rc=$?
check "--prom-rules without -t: exit 1, says so" "1 1" "$rc $(grep -c 'needs at least one -t' "$tmp/err")"
"$R" --prom-rules -t 'send>1MiB/s' "$KX/client-text.txt" > /dev/null 2> "$tmp/err"; rc=$?
check "--prom-rules with an input: exit 1, it reads none" "1 1" "$rc $(grep -c 'reads no input' "$tmp/err")"
"$R" --prom-rules -t 'send>1MiB' > /dev/null 2> "$tmp/err"; rc=$?
check "--prom-rules -t 'send>1MiB': takes the report's grammar ('/s' optional)" "0" "$rc"
"$R" --prom-rules -t 'send>50' > /dev/null 2> "$tmp/err"; rc=$?
check "--prom-rules -t 'send>50': the grammar's error, exit 1" "1 1" "$rc $(grep -c "threshold 'send>50'" "$tmp/err")"
"$R" --prom-window 5s "$KX/client-text.txt" > /dev/null 2> "$tmp/err"; rc=$?
check "--prom-window without --prom-rules: exit 1" "1 1" "$rc $(grep -c 'needs --prom-rules' "$tmp/err")"
"$R" --prom-rules -t 'send>1MiB/s' --prom-window 0s > /dev/null 2> "$tmp/err"; rc=$?
check "--prom-window 0s: exit 1" "1 1" "$rc $(grep -c 'longer than 0s' "$tmp/err")"

# ===== --capture-dir on recorded captures =====
for fx in "$KX/client-text.txt" "$FX/format2-jitter.txt" "$KX/connection-text.txt"; do
	n=$(basename "$fx" .txt)
	"$R" -f json "$fx" > "$tmp/$n.whole.json"
	"$R" --capture-dir "$tmp/rot-$n" --rotate 2s -f json "$fx" > "$tmp/$n.teed.json"
	check "$n: --capture-dir leaves the report's own output unchanged" "yes" \
		"$(cmp -s "$tmp/$n.whole.json" "$tmp/$n.teed.json" && echo yes)"
	files=("$tmp/rot-$n"/capture-*.txt)
	ok=0 hdr=0
	for f in "${files[@]}"; do
		"$R" -f json "$f" > "$f.json" 2> "$f.err" && ok=$((ok + 1))
		grep -m1 -v '^Attaching' "$f" | grep -q '^# dbnetio-capture 2 ' && hdr=$((hdr + 1))
	done
	check "$n: rotated into files, each with the header, each reported alone" \
		"${#files[@]} ${#files[@]} 0" "$ok $hdr $(ls "$tmp/rot-$n" | grep -c '\.part$')"
	[ "${#files[@]}" -ge 3 ] && pass "$n: at least 3 files (${#files[@]})" || fail "$n: at least 3 files" "${#files[@]}"
	check "$n: the rotated files' totals add up to the unrotated capture's, per series" \
		"$(sum_totals "$tmp/$n.whole.json")" "$(sum_totals "${files[@]/%/.json}")"
done
# the same through a pipe that stalls between lines and inside them
timeout 30 python3 "$FEED" --pause 0.2 "$KX/client-text.txt" 4+3 20 25-2 47+1 60 |
	"$R" --capture-dir "$tmp/rot-pipe" --rotate 2s > /dev/null
check "a stalling pipe rotates into the same files as the whole file" "yes" \
	"$(diff -r <(cd "$tmp/rot-client-text" && for f in capture-*.txt; do echo "== $f"; cat "$f"; done) \
		<(cd "$tmp/rot-pipe" && for f in capture-*.txt; do echo "== $f"; cat "$f"; done) > /dev/null && echo yes)"
"$R" --capture-dir "$tmp/rot-keep" --rotate 2s --capture-keep 2 "$KX/client-text.txt" > /dev/null
check "--capture-keep 2: the two newest files stay" "2 $(ls "$tmp/rot-client-text" | grep '\.txt$' | tail -n 2 | tr '\n' ' ')" \
	"$(ls "$tmp/rot-keep" | wc -l) $(ls "$tmp/rot-keep" | tr '\n' ' ')"
"$R" --capture-dir "$tmp/rot-one" --rotate 0s "$KX/client-text.txt" > /dev/null
check "--rotate 0s: one file, the stream unchanged (counters relative to nothing)" "1 yes" \
	"$(ls "$tmp/rot-one" | wc -l) $(cmp -s "$tmp/rot-one"/capture-*.txt "$KX/client-text.txt" && echo yes)"
"$R" --capture-dir "$tmp/rot-nested/a/b" --rotate 0s "$KX/client-text.txt" > /dev/null
check "--capture-dir makes missing parents" 1 "$(ls "$tmp/rot-nested/a/b" 2>/dev/null | grep -c '^capture-.*\.txt$')"
"$R" --capture-dir "$tmp/rot-json" "$KX/client-json.json" > /dev/null 2> "$tmp/err"; rc=$?
check "--capture-dir on a JSON capture: exit 1, says to capture text" "1 1" "$rc $(grep -c 'JSON capture (-f json) cannot be rotated' "$tmp/err")"
"$R" --rotate 1h "$KX/client-text.txt" > /dev/null 2> "$tmp/err"; rc=$?
check "--rotate without --capture-dir: exit 1" "1 1" "$rc $(grep -c 'need --capture-dir' "$tmp/err")"
"$R" --capture-dir /proc/nope "$KX/client-text.txt" > /dev/null 2> "$tmp/err"; rc=$?
check "--capture-dir that cannot be made: exit 1 before reading, naming it" "1 1" "$rc $(grep -c '/proc/nope' "$tmp/err")"

# ===== --live -f prom -o: a stalling pipe, a reader loop =====
mkdir -p "$tmp/tf0" "$tmp/seen0"
python3 "$READ" "$tmp/tf0/d.prom" "$tmp/stop0" 60 "$tmp/seen0" > "$tmp/read0" 2> "$tmp/read0.err" &
rd=$!
pids+=("$rd")
timeout 60 python3 "$FEED" --pause 0.15 --max-seconds 30 "$KX/client-text.txt" $(seq 3 5 160) |
	"$R" --live -f prom -o "$tmp/tf0/d.prom" > "$tmp/live0.out"
touch "$tmp/stop0"
wait "$rd"
read -r _ reads _ distinct _ bad _ nonmono _ missing < "$tmp/read0"
[ "${reads:-0}" -ge 20 ] && [ "${distinct:-0}" -ge 5 ] && pass "reader loop: $reads reads, $distinct distinct files while a stalling pipe ran" ||
	fail "reader loop read the file while it changed" "$(cat "$tmp/read0")"
check "reader loop: never half-written or invalid, no counter down, never missing" "0 0 0" "$bad $nonmono $missing"
# each file seen is the counters of the saved capture up to one of its dumps
python3 - "$R" "$KX/client-text.txt" "$tmp/seen0" <<'PY' | sed 's/^/    /; s/^    \(PASS\|FAIL\)/\1/'
import glob, os, re, subprocess, sys
report, cap, seen = sys.argv[1:4]
ctr = re.compile(r'^(dbnetio_\w+_total\{.*\}) (\d+)$', re.M)
lines = open(cap).read().splitlines(keepends=True)
prefixes = []
for i, l in enumerate(lines):
    if l.startswith("# dbnetio-dump-end"):
        out = subprocess.run([report, "-f", "prom", "-"], input="".join(lines[:i + 1]), capture_output=True, text=True).stdout
        prefixes.append(dict(ctr.findall(out)))
files = sorted(glob.glob(os.path.join(seen, "*.prom")))
bad = [os.path.basename(f) for f in files if dict(ctr.findall(open(f).read())) not in prefixes]
ok = files and not bad
print(("PASS" if ok else "FAIL") + " every textfile seen (%d) holds the saved capture's counters after one of its %d dumps%s" %
      (len(files), len(prefixes), "" if ok else ": not " + " ".join(bad[:5])))
PY
"$R" -f prom "$KX/client-text.txt" > "$tmp/whole.prom"
check "the last textfile is what -f prom writes for the saved capture (and the last dump's time)" "yes" \
	"$(cmp -s "$tmp/whole.prom" <(grep -v 'dbnetio_last_dump_timestamp_seconds' "$tmp/tf0/d.prom") && echo yes)"
"$R" --live -f prom -o "$tmp/tf0/whole-live.prom" "$KX/client-text.txt" > "$tmp/live0.whole"
check "the live lines went to stdout, as from the whole file; none into the textfile" "yes 0" \
	"$(cmp -s "$tmp/live0.whole" "$tmp/live0.out" && [ -s "$tmp/live0.out" ] && echo yes) $(grep -vc '^#\|^dbnetio_' "$tmp/tf0/d.prom")"
rm -f "$tmp/tf0/whole-live.prom"
check "no temporary file is left beside the textfile" "d.prom" "$(ls "$tmp/tf0" | tr '\n' ' ' | sed 's/ $//')"
"$R" --live -f prom --top 1 -o "$tmp/tf0/t.prom" "$KX/client-text.txt" > /dev/null 2> "$tmp/err"; rc=$?
check "--live -f prom -o with --top: refused (series would vanish at the end)" "1 1" "$rc $(grep -c 'top cannot be applied' "$tmp/err")"

# ===== what needs root and bpftrace =====
need_root "live capture into Prometheus" || exit 0
if ! have bpftrace && [ -z "${BPFTRACE:-}" ]; then
	skip "live capture into Prometheus" "bpftrace is not installed (scripts/install-deps demo)"
	exit 0
fi
need_sock_tracepoints "live capture into Prometheus" || exit 0

# the unit's capabilities and read-only file systems are enough to capture
if [ -f "${unit:-}" ] && have setpriv && have unshare; then
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
	mkdir -p "$tmp/rw"
	timeout 60 unshare -m --propagation private bash -c '
		mount --bind / / && mount -o remount,bind,ro / &&
		mount --bind /sys /sys && mount -o remount,bind,ro /sys &&
		mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys &&
		mount -t tmpfs tmpfs "$1" || exit 99
		setpriv --no-new-privs --bounding-set=-all,"$2" --inh-caps=-all \
			"$3/scripts/dbnetio" -P tracepoint -k client -p $$ -d 2 -o "$1/cap.txt" 2> "$1/err"
		echo "rc=$? dumps=$(grep -c dump-end "$1/cap.txt") ro=$(touch "$3/.tier70-ro" 2>/dev/null && echo no || echo yes)"
		cat "$1/err" >&2' _ "$tmp/rw" "$caps" "$DBNETIO_ROOT" > "$tmp/caps.out" 2> "$tmp/caps.err"
	rm -f "$DBNETIO_ROOT/.tier70-ro"
	dumps=$(sed -n 's/.*dumps=\([0-9]*\).*/\1/p' "$tmp/caps.out")
	check "a capture with only the unit's capabilities ($caps), no new privileges, / /sys /proc/sys read-only" \
		"rc=0 ro=yes yes" "$(grep -o 'rc=[0-9]*' "$tmp/caps.out") $(grep -o 'ro=[a-z]*' "$tmp/caps.out") $([ "${dumps:-0}" -ge 2 ] && echo yes)"
else
	skip "capture under the unit's capabilities" "no installed unit, setpriv or unshare"
fi

# the service's own wrapper, from the installed tree
if [ -x "$dest/usr/libexec/dbnetio/dbnetio-service" ]; then
	mkdir -p "$tmp/svc"
	DBNETIO_BINDIR=$dest/usr/bin DBNETIO_LIBEXECDIR=$dest/usr/libexec/dbnetio \
	DBNETIO_TRACE="-P tracepoint -p $$ -d 3" DBNETIO_TEXTFILE=$tmp/svc/dbnetio.prom \
	DBNETIO_CAPTURE_DIR=$tmp/svc/cap DBNETIO_ROTATE=1h \
		timeout 60 "$dest/usr/libexec/dbnetio/dbnetio-service" > "$tmp/svc/out" 2> "$tmp/svc/err"; rc=$?
	check "dbnetio-service: a capture into the textfile and a capture file, exit 0" "0 yes 1" \
		"$rc $(have promtool && promtool check metrics < "$tmp/svc/dbnetio.prom" 2>/dev/null && echo yes) $(ls "$tmp/svc/cap" | grep -c '\.txt$')"
	DBNETIO_BINDIR=$dest/usr/bin DBNETIO_LIBEXECDIR=$dest/usr/libexec/dbnetio \
	DBNETIO_TRACE="-P tracepoint -c no-such-process-x" DBNETIO_TEXTFILE=$tmp/svc/bad.prom \
		timeout 60 "$dest/usr/libexec/dbnetio/dbnetio-service" > /dev/null 2> "$tmp/svc/err"; rc=$?
	[ "$rc" -ne 0 ] && pass "dbnetio-service: a capture that fails exits non-zero ($rc), so Restart=on-failure restarts it" ||
		fail "dbnetio-service: a failed capture exits non-zero" "exit 0"
	DBNETIO_TRACE= timeout 10 "$dest/usr/libexec/dbnetio/dbnetio-service" > /dev/null 2> "$tmp/svc/err"; rc=$?
	check "dbnetio-service: nothing to trace: exit 1, says where to say it" "1 1" "$rc $(grep -c 'DBNETIO_TRACE is empty' "$tmp/svc/err")"
fi

# ===== a real capture into a real node_exporter and Prometheus =====
ne=$(command -v prometheus-node-exporter || command -v node_exporter)
if [ -z "$ne" ] || ! have prometheus; then
	skip "Prometheus end to end" "needs prometheus-node-exporter and prometheus (scripts/install-deps check)"
	exit 0
fi
read -r p_ne p_prom < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
mkdir -p "$tmp/tf" "$tmp/data"
"$R" --prom-rules -t 'send>500KiB/s for 3s merge 0s' -t 'send>100MiB/s' -t 'send>500KiB/s for 3s merge 12s' \
	--prom-window 3s -o "$tmp/prom-rules.yml"
cat > "$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["$tmp/prom-rules.yml"]
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:$p_ne"]
EOF
"$ne" --web.listen-address="127.0.0.1:$p_ne" --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$tmp/tf" > "$tmp/ne.log" 2>&1 &
pids+=($!)
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address="127.0.0.1:$p_prom" > "$tmp/prom.log" 2>&1 &
pids+=($!)
API="http://127.0.0.1:$p_prom"
# q PATH [KEY=VALUE...]: GET the Prometheus API, print the JSON
q() {
	python3 - "$API" "$@" <<'PY'
import json, sys, urllib.parse, urllib.request
api, path, args = sys.argv[1], sys.argv[2], [tuple(a.split("=", 1)) for a in sys.argv[3:]]
url = api + path + ("?" + urllib.parse.urlencode(args) if args else "")
try:
    print(urllib.request.urlopen(url, timeout=5).read().decode())
except Exception as e:
    print(json.dumps({"status": "error", "error": str(e)}))
PY
}
for _ in $(seq 150); do q /-/ready | grep -q 'Ready' && break; sleep 0.2; done
q /api/v1/status/config | grep -q '"success"' && pass "prometheus and node_exporter are up (ports $p_prom, $p_ne)" ||
	{ fail "prometheus starts" "$(tail -n 3 "$tmp/prom.log")"; exit 0; }

# a server-like load: 1 MB/s out and 200 KB/s in, to each of two clients
secs=12 bytes=1000003 rbytes=200003
mkfifo "$tmp/go"
python3 "$DBNETIO_ROOT/tests/live/dbload.py" dbnload "$secs" "$bytes" "$rbytes" 127.0.0.20 127.0.0.21 \
	< "$tmp/go" > "$tmp/truth" &
w=$!
pids+=("$w")
exec 8>"$tmp/go"
for _ in $(seq 600); do pgrep -x dbnload >/dev/null && break; sleep 0.1; done
python3 "$READ" "$tmp/tf/dbnetio.prom" "$tmp/stop" 120 > "$tmp/read" 2> "$tmp/read.err" &
rd=$!
pids+=("$rd")
# the launcher's stream is kept (tee) as the unrotated capture
{ "$DBNETIO_ROOT/scripts/dbnetio" -P tracepoint -k client -c dbnload -d $((secs + 9)) 2> "$tmp/cap.err" |
	tee "$tmp/cap.txt" |
	"$R" --live -f prom -o "$tmp/tf/dbnetio.prom" --capture-dir "$tmp/caps" --rotate 5s > "$tmp/live.out" 2> "$tmp/live.err"; } &
cap=$!
pids+=("$cap")
for _ in $(seq 300); do grep -q 'dbnetio-dump-end' "$tmp/cap.txt" 2>/dev/null && break; sleep 0.1; done
t_start=$(date +%s)
echo go >&8
# the rules while the load runs and after: the low threshold must fire, the
# high one never; after the load, the merge 12s one must outlast the merge
# 0s one by most of its window (its keep-firing clause)
fired=no high=inactive end0= end12= t_end=
for _ in $(seq $(((secs + 26) * 4))); do
	st=$(q /api/v1/rules | python3 -c '
import json, sys
r = {x["name"]: x["state"] for g in json.load(sys.stdin)["data"]["groups"] for x in g["rules"]}
print(r.get("DbnetioThreshold1", "none"), r.get("DbnetioThreshold2", "none"), r.get("DbnetioThreshold3", "none"))' 2>/dev/null)
	read -r s1 s2 s3 <<<"$st"
	now=$(date +%s.%N)
	[ "$s1" = firing ] && fired=yes
	[ "$s2" != inactive ] && high=$s2
	if [ -z "$t_end" ] && ! kill -0 "$w" 2>/dev/null; then
		wait "$w"
		t_end=$(date +%s)
	fi
	if [ -n "$t_end" ] && [ "$fired" = yes ]; then
		[ -z "$end0" ] && [ "$s1" = inactive ] && end0=$now
		[ -z "$end12" ] && [ "$s3" = inactive ] && end12=$now
		[ -n "$end0" ] && [ -n "$end12" ] && break
	fi
	sleep 0.25
done
[ -z "$t_end" ] && { wait "$w"; t_end=$(date +%s); }
wait "$cap"
touch "$tmp/stop"
wait "$rd"
check "the alert generated from 'send>500KiB/s for 3s' fired while 1 MB/s per client ran (rules API)" yes "$fired"
check "the one from 'send>100MiB/s' stayed inactive" inactive "$high"
gap=$(awk -v a="${end0:-0}" -v b="${end12:-0}" 'BEGIN { printf "%.1f", (a > 0 && b > 0) ? b - a : -1 }')
awk -v g="$gap" 'BEGIN { exit !(g >= 8 && g <= 20) }' &&
	pass "after the load, 'merge 12s' kept firing $gap s after 'merge 0s' ended (keep_firing_for in PromQL)" ||
	fail "after the load, 'merge 12s' kept firing 8..20 s after 'merge 0s' ended" "$gap s (ends at ${end0:-never}, ${end12:-never})"

"$R" -f json "$tmp/cap.txt" > "$tmp/cap.json"
want=$(sum_totals "$tmp/cap.json")
check "the capture holds the load's own bytes, per client and direction" \
	"$(awk '{printf "%s|recv=%d %s|send=%d ", $1, $3, $1, $2}' "$tmp/truth" | sed 's/ $//')" \
	"$(tr ' ' '\n' <<<"$want" | grep '|dbnload|' | cut -d'|' -f3- | tr '\n' ' ' | sed 's/ $//')"
# the last values Prometheus stored: wait for the final file's scrape
got=
for _ in $(seq 40); do
	got=$(q /api/v1/query 'query={__name__=~"dbnetio_(sent|received)_bytes_total"}' | python3 -c '
import json, sys
t = {}
for r in json.load(sys.stdin)["data"]["result"]:
    m = r["metric"]
    k = "%s|%s|%s|%s" % (m["pid"], m["comm"], m.get("client", ""), m["direction"])
    t[k] = t.get(k, 0) + int(float(r["value"][1]))
print(" ".join("%s=%d" % kv for kv in sorted(t.items())))' 2>/dev/null)
	[ "$got" = "$want" ] && break
	sleep 0.5
done
check "Prometheus's dbnetio_*_bytes_total end at the capture's own totals" "$want" "$got"
out=$(q /api/v1/query 'query=max_over_time(node_textfile_scrape_error[2m])' | python3 -c '
import json, sys; print(" ".join(r["value"][1] for r in json.load(sys.stdin)["data"]["result"]))')
check "node_exporter never failed to read the textfile (node_textfile_scrape_error)" 0 "$out"
read -r _ reads _ distinct _ bad _ nonmono _ missing < "$tmp/read"
[ "${reads:-0}" -ge 100 ] && [ "${distinct:-0}" -ge $((secs / 2)) ] &&
	pass "reader loop during the capture: $reads reads, $distinct distinct files" ||
	fail "reader loop during the capture" "$(cat "$tmp/read")"
check "reader loop: never half-written or invalid, no counter down, never missing" "0 0 0" "$bad $nonmono $missing"

# every dashboard query, at a moment inside the load
mid=$(( (t_start + t_end) / 2 ))
python3 - "$API" "$mid" "$dest/usr/share/dbnetio/grafana/dbnetio.json" "$bytes" <<'PY' | sed 's/^/    /; s/^    \(PASS\|FAIL\)/\1/'
import json, sys, urllib.parse, urllib.request
api, mid, path, load = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
dash = json.load(open(path))
sub = {"$__rate_interval": "4s", "$__range": "8s", "$host": ".*", "$comm": ".*"}
def query(path, **a):
    return json.loads(urllib.request.urlopen(api + path + "?" + urllib.parse.urlencode(a), timeout=5).read())
# The moment: the last stored sample at which the load's counters still
# rose, so the panels' 4 s windows hold stored samples of the load only
# (its first seconds reach Prometheus only after bpftrace has started and
# the first dump is scraped, which on a busy machine is well after the
# wall-clock middle of the load).
raw = query("/api/v1/query", query='sum(dbnetio_sent_bytes_total{comm="dbnload"})[120s:1s]',
            time=int(mid) + 60)["data"]["result"]
pts = raw[0]["values"] if raw else []
rising = [pts[i][0] for i in range(1, len(pts)) if float(pts[i][1]) > float(pts[i - 1][1])]
if rising:
    mid = rising[-1]
n = 0
for p in dash["panels"]:
    for t in p.get("targets", []):
        e = t["expr"]
        for k, v in sub.items():
            e = e.replace(k, v)
        r = query("/api/v1/query", query=e, time=mid)
        res = r.get("data", {}).get("result", [])
        ok = r.get("status") == "success" and len(res) > 0
        n += 1
        print(("PASS" if ok else "FAIL") + " dashboard panel '%s' returns data (%d series)" % (p["title"], len(res)) +
              ("" if ok else ": %s" % r.get("error", "no series")))
        if p["title"] == "Sent per process":
            # The panel's rate is bytes per second: the slope of the raw
            # samples Prometheus stored over the same window (which the
            # load's own pacing on a busy machine cannot skew), and near
            # the load's nominal rate.
            v = [float(x["value"][1]) for x in res if x["metric"].get("comm") == "dbnload"]
            raw = query("/api/v1/query", query='sum by (comm) (dbnetio_sent_bytes_total{comm="dbnload"})[4s:1s]',
                        time=mid)["data"]["result"]
            pts = raw[0]["values"] if raw else []
            slope = (float(pts[-1][1]) - float(pts[0][1])) / (pts[-1][0] - pts[0][0]) if len(pts) >= 2 else 0
            ok = len(v) == 1 and slope > 0 and 0.75 * slope < v[0] < 1.34 * slope
            print(("PASS" if ok else "FAIL") + " dashboard: dbnload's sent rate is the slope of its stored samples (%s B/s, samples %.0f B/s)" % (v, slope))
            ok = len(v) == 1 and 0.5 * 2 * load < v[0] < 1.5 * 2 * load
            print(("PASS" if ok else "FAIL") + " dashboard: dbnload's sent rate is near the load's (%s B/s, load 2 x %d B/s, at %s)" % (v, load, mid))
        if p["title"] == "Sent per client":
            ok = sorted(x["metric"].get("client") for x in res if x["metric"].get("client", "").startswith("127.0.0.2")) == ["127.0.0.20", "127.0.0.21"]
            print(("PASS" if ok else "FAIL") + " dashboard: per client, the two clients")
for v in dash["templating"]["list"]:
    e = v["query"]["query"]
    name = e[len("label_values("):-1].rsplit(",", 1)
    match, label = name[0].strip(), name[1].strip()
    for k, s in sub.items():
        match = match.replace(k, s)
    r = query("/api/v1/label/%s/values" % label, **{"match[]": match})
    ok = r.get("status") == "success" and len(r["data"]) > 0
    print(("PASS" if ok else "FAIL") + " dashboard variable '%s' has values (%s)" % (v["name"], " ".join(r.get("data", []))))
print(("PASS" if n >= 8 else "FAIL") + " dashboard: %d queries run" % n)
PY

# the rotated files of the real stream add up to it
files=("$tmp/caps"/capture-*.txt)
for f in "${files[@]}"; do "$R" -f json "$f" > "$f.json" 2>> "$tmp/rot.err"; done
[ "${#files[@]}" -ge 3 ] && pass "the live capture rotated into ${#files[@]} files (--rotate 5s)" ||
	fail "the live capture rotated" "${#files[@]} files"
check "their totals add up to the unrotated capture's, per series" "$want" "$(sum_totals "${files[@]/%/.json}")"
check "no .part file is left once the capture ended" 0 "$(ls "$tmp/caps" | grep -c '\.part$')"
promtool check metrics < "$tmp/tf/dbnetio.prom" > "$tmp/pc.out" 2>&1 &&
	pass "the final textfile passes promtool check metrics" || fail "promtool check metrics" "$(head -3 "$tmp/pc.out")"
