#!/usr/bin/env bash
# Tier 20: the capture side without tracing anything.
#  - the program generator refuses malformed sources, and every variant it
#    generated into build/programs/ holds what its name says;
#  - every one of those files compiles (bpftrace -d: parse, analyse and
#    generate code without attaching) with bpftrace 0.17, the primed ones
#    with 0.23 too, and a deliberately broken program fails the same check;
#  - the launcher runs exactly the file for each kernel generation's facts,
#    key and bpftrace version;
#  - dbnetio-kfacts agrees with an independent BTF reader;
#  - the launcher rejects each bad input with a clear message and exit code
#    before loading anything, and passes user text only as parameters;
#  - the launcher picks the engine (-E): the collector when it is there and
#    its --check attaches, else bpftrace, says why, and gives the collector
#    every option; make install puts both where the launcher finds them.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
chmod 755 "$tmp"	# the non-root test runs the fake bpftrace as nobody
helpers=()
trap 'for h in "${helpers[@]}"; do kill "$h" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
launcher=$DBNETIO_ROOT/scripts/dbnetio
kfacts=$BUILD/dbnetio-kfacts

# A stand-in for bpftrace that records its argv (NUL-separated) and prints a
# line, so the launcher's exact command can be inspected and then compiled.
# It answers --version (the launcher asks, to know whether sum() needs
# priming) with \$FAKEBT_VERSION and --info (whether trampolines work) with
# kfunc: \$FAKEBT_KFUNC, without recording anything.
cat > "$tmp/fakebt" <<EOF
#!/bin/sh
if [ "\$1" = --version ]; then echo "bpftrace \${FAKEBT_VERSION:-v0.17.0}"; exit 0; fi
if [ "\$1" = --info ]; then printf 'Kernel features\n  kfunc: %s\n' "\${FAKEBT_KFUNC:-no}"; exit 0; fi
for a; do printf '%s\0' "\$a"; done > "$tmp/argv"
echo fake-bpftrace-output
EOF
chmod +x "$tmp/fakebt"

# compiles NAME BPFTRACE-ARGS...: PASS when bpftrace -d accepts the program.
compiles() {
	local name=$1 out
	shift
	if out=$(timeout 120 bpftrace -d "$@" 2>&1 >/dev/null); then
		pass "$name"
	else
		fail "$name" "bpftrace -d failed: $(grep -m3 -E 'ERROR|error' <<<"$out" | tr '\n' ' ')"
	fi
}

# ------------------------------ generate ----------------------------------
# The generator refuses every malformed source instead of dropping lines.
gen=$DBNETIO_ROOT/scripts/gen-program
gen_rejects() {
	local name=$1 msg=$2 out rc
	printf '%b' "$3" > "$tmp/src.in"
	out=$(awk -f "$gen" -v vars="probe=kprobe key=client" "$tmp/src.in" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ] && [[ $out == *"$msg"* ]]; then
		pass "gen-program rejects $name ($out)"
	else
		fail "gen-program rejects $name" "expected a failure saying '$msg', measured exit $rc: $out"
	fi
}
gen_rejects "an #if without #endif" "#if without #endif" 'a\n#if key==client\nb\n'
gen_rejects "an #endif too many" "#endif without #if" 'a\n#endif\n'
gen_rejects "an unknown macro" "unknown macro or variable 'NOPE'" 'a @{NOPE} b\n'
gen_rejects "an unknown variable in a condition" "unknown variable 'nope'" '#if nope\n#endif\n'
gen_rejects "a wrong number of arguments" "M takes 2 arguments, got 1" '#define M(A, B)\n@{A}@{B}\n#enddef\n@{M(x)}\n'
gen_rejects "an unknown directive" "unknown directive" '#ifdef x\n'
gen_rejects "a macro without #enddef" "has no #enddef" '#define M\nx\n'
printf '#if key==client\nc\n#elif key==process\np\n#else\no\n#endif\n#define M(A, B)\n[@{A}|@{B}]\n#enddef\n\t@{M(1@{comma} 2, f(x, y))}\n' > "$tmp/src.in"
check "gen-program: #elif, macro arguments, commas inside parentheses" "c|	[1, 2|f(x, y)]|" \
	"$(awk -f "$gen" -v vars="probe=kprobe key=client" "$tmp/src.in" | tr '\n' '|')"

# Every variant the launcher can choose is a file, and it holds what its name
# says (grep on the generated text: the kernel-dependent probes and keys).
progs=("$BUILD"/programs/dbnetio-*.bt)
check "make generated every program variant (3 keys x (8 kprobe + 4 fexit + 4 tracepoint))" 48 "$(ls "$BUILD"/programs/dbnetio-*.bt 2>/dev/null | wc -l)"
bad=''
for f in "${progs[@]}"; do
	n=${f##*/}
	has() { grep -qE "$1" "$f"; }
	case $n in *-sendpage1-*) has '^k(ret)?(probe|func):tcp_sendpage' || bad+="$n:no-sendpage " ;; *-sendpage0-*) has '^k(ret)?(probe|func):tcp_sendpage' && bad+="$n:sendpage " ;; esac
	case $n in dbnetio-fexit-*) { has '^kretfunc:tcp_sendmsg' && has '^kretfunc:tcp_splice_read' && ! has '^(kprobe|tracepoint):'; } || bad+="$n:probes " ;; esac
	case $n in *-flags4-*) has 'arg4 & 0x2002' || bad+="$n:flags " ;; *-flags3-*) has 'arg3 & 0x2002' || bad+="$n:flags " ;; esac
	case $n in *-splice1-*) has '^tracepoint:syscalls:sys_exit_splice' || bad+="$n:no-splice " ;; *-splice0-*) has 'splice' && has '^tracepoint:syscalls' && bad+="$n:splice " ;; esac
	case $n in *-prime1*) has '= sum\(0\);' || bad+="$n:no-prime " ;; *-prime0*) has '= sum\(0\);' && bad+="$n:prime " ;; esac
	case $n in *-process-*) has '@psend\[pid|ntop\(' && bad+="$n:key " ;; *-client-*) { has '@psend\[pid' && has 'ntop\(' && ! has 'rport'; } || bad+="$n:key " ;;
		*-connection-*) { has '@psend' && has '\$rport, \$lport\]'; } || bad+="$n:key " ;; esac
	grep -q '^#if\|^#endif\|^#define\|@{' "$f" && bad+="$n:unexpanded "
done
check "each variant holds the probes, key and priming its name says" "" "$bad"

# ------------------------------ compile -----------------------------------
# bpftrace resolves kfuncs against the kernel's list of traceable functions,
# which a kernel without ftrace does not give (this machine's refuses reads):
# the fexit programs are then compiled and run in tier 40's 6.1/6.12 guests.
kfuncs_listed() { head -c 1 /sys/kernel/tracing/available_filter_functions >/dev/null 2>&1; }
fexit_gap="this kernel lists no traceable functions (no ftrace) for kretfunc; tier 40 compiles and runs the fexit programs in its 6.1 and 6.12 guests"
# The parameters the launcher passes: interval duration mode comm clock pids.
params=(1 0 2 tcpwork 1796000000000000000 0 0 0 0 0 0 0 0)
if ! have bpftrace; then
	skip "bpftrace -d compiles the programs" "bpftrace is not installed (scripts/install-deps demo)"
elif ! is_root; then
	skip "bpftrace -d compiles the programs" "needs root (bpftrace checks privileges even in dry-run)"
else
	for f in "${progs[@]}"; do
		[[ $f == */dbnetio-fexit-* ]] && ! kfuncs_listed && continue
		compiles "compile ${f##*/}" "$f" "${params[@]}"
	done
	kfuncs_listed || gap "compile the 12 fexit programs" "$fexit_gap"
	compiles "compile dbnetio-tracepoint-client-splice1-prime0.bt without parameters" \
		"$BUILD/programs/dbnetio-tracepoint-client-splice1-prime0.bt"

	# The broken program must fail the same check, or the checks prove nothing.
	sed 's/sum(\$n)/sum(args->no_such_field)/' "$BUILD/programs/dbnetio-tracepoint-client-splice1-prime0.bt" > "$tmp/broken.bt"
	if timeout 120 bpftrace -d "$tmp/broken.bt" "${params[@]}" >/dev/null 2>&1; then
		fail "bpftrace -d rejects a broken program" "a program reading args->no_such_field compiled"
	else
		pass "bpftrace -d rejects a broken program"
	fi
fi

# The launcher runs exactly one of those files: facts of three kernel
# generations, before 5.19 (flags is argument 4), 5.19 to 6.4 such as
# Debian 12's 6.1 (flags 3, tcp_sendpage), 6.5+; each key; both bpftrace ages.
printf 'tcp_sendpage=1\ntcp_recvmsg_flags=4\ntcp_cleanup_rbuf_copied=1\n' > "$tmp/facts-5.10"
printf 'tcp_sendpage=1\ntcp_recvmsg_flags=3\ntcp_cleanup_rbuf_copied=1\n' > "$tmp/facts-6.1"
printf 'tcp_sendpage=0\ntcp_recvmsg_flags=3\ntcp_cleanup_rbuf_copied=1\n' > "$tmp/facts-6.12"
declare -A want_variant=([5.10]=sendpage1-flags4 [6.1]=sendpage1-flags3 [6.12]=sendpage0-flags3)
for k in 5.10 6.1 6.12; do
	printf '#!/bin/sh\n[ "$1" = -t ] && exec %q -t\ncat %s\n' "$kfacts" "$tmp/facts-$k" > "$tmp/kfacts-$k"
	chmod +x "$tmp/kfacts-$k"
	for key in process client connection; do
		for ver in v0.17.0:0 v0.23.2:1; do
			rm -f "$tmp/argv"
			FAKEBT_VERSION=${ver%:*} DBNETIO_ASSUME_KPROBES=1 DBNETIO_KFACTS=$tmp/kfacts-$k BPFTRACE=$tmp/fakebt \
				"$launcher" -E bpftrace -P kprobe -k $key -p $$ >/dev/null 2>"$tmp/err"
			argv=()
			mapfile -d '' argv < "$tmp/argv" 2>/dev/null
			check "launcher runs the generated kprobe program for $k facts, -k $key, bpftrace ${ver%:*}" \
				"$(readlink -f "$BUILD/programs/dbnetio-kprobe-$key-${want_variant[$k]}-prime${ver#*:}.bt")" \
				"$(readlink -f "${argv[0]:-none}")"
		done
	done
done

# The fexit program: the sendpage variant where BTF has tcp_sendpage.
for k in 6.1 6.12; do
	rm -f "$tmp/argv"
	DBNETIO_ASSUME_FEXIT=1 DBNETIO_KFACTS=$tmp/kfacts-$k BPFTRACE=$tmp/fakebt \
		"$launcher" -E bpftrace -k client -p $$ >/dev/null 2>"$tmp/err"
	argv=()
	mapfile -d '' argv < "$tmp/argv" 2>/dev/null
	[ $k = 6.1 ] && sp=1 || sp=0
	check "auto prefers fexit where trampolines work ($k facts)" \
		"dbnetio: probe=fexit $(readlink -f "$BUILD/programs/dbnetio-fexit-client-sendpage$sp-prime0.bt")" \
		"$(grep -m1 'probe=' "$tmp/err" | cut -d' ' -f1-2) $(readlink -f "${argv[0]:-none}")"
done
# The tracepoint program on a kernel with sock_*_length but without
# tcp_rcv_space_adjust (a fake tracefs): the splice0 variant, and a warning.
mkdir -p "$tmp/tracefs/events/sock/sock_send_length" "$tmp/tracefs/events/sock/sock_recv_length"
rm -f "$tmp/argv"
DBNETIO_TRACEFS=$tmp/tracefs BPFTRACE=$tmp/fakebt "$launcher" -E bpftrace -P tracepoint -p $$ >"$tmp/out" 2>"$tmp/err"
argv=()
mapfile -d '' argv < "$tmp/argv" 2>/dev/null
check "launcher runs the splice0 variant without tcp_rcv_space_adjust" \
	"$(readlink -f "$BUILD/programs/dbnetio-tracepoint-client-splice0-prime0.bt")" "$(readlink -f "${argv[0]:-none}")"
check "its header variant says so" 1 "$(grep -c '^# dbnetio-capture 2 .* variant=sock_length collector=bpftrace$' "$tmp/out")"
check "the launcher warns that splice receive is not counted" 1 \
	"$(grep -c 'splice() receive is not counted' "$tmp/err")"

# Newer bpftrace (Debian 13's 0.23, from the tree tier 31 also uses; built
# once into .cache, ~30 s): every variant it would be given (prime1) must
# compile without warnings.  Its --dry-run goes on to attach kprobes, which
# this kernel refuses, so "compiled" means it got as far as "Attaching".
if ! is_root; then
	skip "compile with bpftrace 0.23" "needs root (debootstrap and chroot)"
elif ! "$DBNETIO_ROOT/tests/chroot/prepare-trixie" >/dev/null 2>"$tmp/trixie.err"; then
	skip "compile with bpftrace 0.23" "cannot build the Debian 13 tree: $(tail -n 2 "$tmp/trixie.err" | tr '\n' ' ')"
else
	for f in "$BUILD"/programs/dbnetio-*-prime1.bt; do
		[[ $f == */dbnetio-fexit-* ]] && ! kfuncs_listed && continue
		out=$(timeout 120 "$DBNETIO_ROOT/tests/chroot/bpftrace-trixie" --dry-run "$f" "${params[@]}" 2>&1)
		# (the memlock and "not traceable" warnings are about this kernel)
		warn=$(grep WARNING <<<"$out" | grep -v -e RLIMIT_MEMLOCK -e 'not traceable')
		if grep -q '^Attaching [0-9]* probes' <<<"$out" && [ -z "$warn" ]; then
			pass "compile ${f##*/} with bpftrace 0.23, no warnings"
		else
			fail "compile ${f##*/} with bpftrace 0.23, no warnings" "$( (grep ERROR <<<"$out"; echo "$warn") | head -n 3 | tr '\n' ' ')"
		fi
	done
	kfuncs_listed || gap "compile the 6 primed fexit programs with bpftrace 0.23" "$fexit_gap"
fi

# ------------------------------ kernel facts ------------------------------
if [ ! -x "$kfacts" ]; then
	skip "dbnetio-kfacts" "$kfacts is missing (run make)"
elif [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip "dbnetio-kfacts" "this kernel exposes no BTF (/sys/kernel/btf/vmlinux)"
else
	check "dbnetio-kfacts agrees with an independent BTF reader" \
		"$(python3 "$DBNETIO_ROOT/tests/lanes/btf-facts.py" | tr '\n' ' ')" "$("$kfacts" | tr '\n' ' ')"
	if is_root; then
		# kallsyms names what exists in the running kernel: tcp_sendpage in
		# BTF iff in kallsyms (it is exported, so never inlined away).
		inksyms=$(awk '$3 == "tcp_sendpage" { f = 1 } END { print f + 0 }' /proc/kallsyms)
		check "kfacts tcp_sendpage matches /proc/kallsyms" "tcp_sendpage=$inksyms" "$("$kfacts" | grep '^tcp_sendpage=')"
	fi
	out=$("$kfacts" -b "$tmp/none" 2>&1)
	rc=$?
	check "kfacts on a missing BTF file fails with a message" "1 yes" \
		"$rc $(grep -q 'cannot read kernel BTF' <<<"$out" && echo yes || echo "no: $out")"
fi

# --------------------------- launcher: bad input --------------------------
# rejects NAME EXIT-CODE MESSAGE-FRAGMENT ARGS...: the launcher must exit with
# EXIT-CODE and say MESSAGE-FRAGMENT on stderr, without running bpftrace.
rejects() {
	local name=$1 code=$2 msg=$3 out rc
	shift 3
	rm -f "$tmp/argv"
	out=$(BPFTRACE=$tmp/fakebt "$launcher" -E bpftrace "$@" 2>&1 >/dev/null)
	rc=$?
	if [ -e "$tmp/argv" ]; then
		fail "launcher rejects $name" "bpftrace was run"
	elif [ "$rc" != "$code" ] || [[ $out != *"$msg"* ]]; then
		fail "launcher rejects $name" "expected exit $code and '$msg', measured exit $rc and '$out'"
	else
		pass "launcher rejects $name (exit $rc: ${out#dbnetio: })"
	fi
}

# A process that is surely gone: a child that has been reaped.
sh -c 'exit 0' &
dead=$!
wait $dead
# A thread that is not a thread-group leader.
python3 -c 'import threading, time
t = threading.Thread(target=time.sleep, args=(60,)); t.start(); t.join()' &
threaded=$!
helpers+=("$threaded")
for _ in $(seq 100); do	# python takes a moment to start its thread
	[ "$(ls "/proc/$threaded/task" 2>/dev/null | wc -l)" -gt 1 ] && break
	sleep 0.1
done
tid=$(ls "/proc/$threaded/task" 2>/dev/null | grep -vx "$threaded" | head -n 1)

rejects "a non-numeric pid" 2 "-p: 'abc' is not a process id" -p abc
rejects "pid 0" 2 "-p: '0' is not a process id" -p 0
rejects "a negative pid" 2 "is not a process id" -p -5
rejects "a pid that is not running" 2 "-p: no running process $dead" -p "$dead"
if [ -n "$tid" ]; then
	rejects "a thread id" 2 "-p: $tid is a thread of process $threaded; use -p $threaded" -p "$tid"
else
	fail "launcher rejects a thread id" "could not start a threaded helper"
fi
rejects "more than 8 pids with -E bpftrace" 2 "at most 8 -p options with -E bpftrace (got 9)" -p 1 -p 1 -p 1 -p 1 -p 1 -p 1 -p 1 -p 1 -p 1
rejects "-p with -c" 2 "use one of -p, -c and -g" -p $$ -c bash
rejects "-g with -c" 2 "use one of -p, -c and -g" -g /sys/fs/cgroup -c bash
rejects "-g on a path that does not exist" 2 "-g: '$tmp/nocg' is not a directory" -g "$tmp/nocg"
rejects "-g on a directory that is no cgroup v2" 2 "-g: '$tmp' is not on a cgroup v2 file system" -g "$tmp"
rejects "two -g" 2 "-g given twice" -g /sys/fs/cgroup -g /sys/fs/cgroup
rejects "an unknown process name" 2 "-c: no running process is named 'no-such-proc'" -c no-such-proc
rejects "a name longer than 15 bytes" 2 "longer than 15 bytes" -c abcdefghijklmnopq
rejects "an empty name" 2 "-c needs a process name" -c ''
rejects "-P fexit where trampolines are refused" 1 "-P fexit: this kernel or bpftrace cannot attach BPF trampolines" \
	-P fexit -p $$
rejects "an unknown probe variant" 2 "-P must be auto, fexit, kprobe or tracepoint, not 'uprobe'" -P uprobe
rejects "interval 0" 2 "-i must be a whole number of seconds from 1 to 3600, not '0'" -i 0
rejects "a fractional interval" 2 "not '0.5'" -i 0.5
rejects "a huge interval" 2 "not '99999999999'" -i 99999999999
rejects "a negative duration" 2 "-d must be a whole number of seconds" -d -1
rejects "an unknown format" 2 "-f must be text or json, not 'xml'" -f xml
rejects "an unknown option" 2 "unknown argument '--bogus'" --bogus
rejects "an option without its value" 2 "option -i needs an argument" -i
rejects "-o into a missing directory" 2 "-o: directory '$tmp/no/such' does not exist" -o "$tmp/no/such/file"
# (even root cannot open a sysfs file that has no write method)
[ -e /sys/kernel/btf/vmlinux ] && rejects "-o to a file it cannot write" 2 "-o: cannot write '/sys/kernel/btf/vmlinux'" -P tracepoint -o /sys/kernel/btf/vmlinux
if [ -e /sys/bus/event_source/devices/kprobe/type ] || [ -e /sys/kernel/tracing/kprobe_events ]; then
	skip "launcher rejects -P kprobe on a kernel without kprobes" "this kernel has kprobes"
else
	rejects "-P kprobe on a kernel without kprobes" 1 "-P kprobe: this kernel cannot attach kprobes" -P kprobe
fi
out=$(BPFTRACE=$tmp/nope "$launcher" -E bpftrace -P tracepoint 2>&1)
rc=$?
check "launcher rejects BPFTRACE that does not exist" "1 dbnetio: BPFTRACE='$tmp/nope' is not an executable" \
	"$rc $(grep -v 'engine=' <<<"$out")"

if is_root && have runuser && runuser -u nobody -- test -x "$launcher" 2>/dev/null; then
	out=$(runuser -u nobody -- env BPFTRACE="$tmp/fakebt" "$launcher" -P tracepoint 2>&1)
	check "launcher rejects a non-root user" "1 dbnetio: must be run as root (it loads eBPF programs)" "$? $out"
else
	skip "launcher rejects a non-root user" "needs root, runuser and a tree readable by nobody"
fi

# --------------------------- launcher: good input -------------------------
if ! is_root; then
	skip "launcher command line" "needs root"
	exit 0
fi
expect_probe=tracepoint
{ [ -e /sys/bus/event_source/devices/kprobe/type ] || [ -e /sys/kernel/tracing/kprobe_events ]; } && expect_probe=kprobe

rm -f "$tmp/argv"
out=$(BPFTRACE=$tmp/fakebt "$launcher" -E bpftrace -p $$ -p "$threaded" -p $$ -i 5 -d 7 -f json -o "$tmp/cap" 2>"$tmp/err")
argv=()
mapfile -d '' argv < "$tmp/argv"
check "launcher says which probe auto picked" "dbnetio: probe=$expect_probe" "$(grep -m1 'probe=' "$tmp/err" | cut -d' ' -f1-2)"
hdr="# dbnetio-capture 2 probe=$expect_probe key=client filter=pid:$$,$threaded interval=5 counters=cumulative host="
check "launcher -o writes its JSON header, then bpftrace's stdout" \
	"{\"type\": \"printf\", \"data\": \"$hdr|fake-bpftrace-output" \
	"$(sed -n '1s/host=.*/host=/p; 2p' "$tmp/cap" | tr '\n' '|' | sed 's/|$//')"
check "the JSON header line is valid JSON whose data is the header" "$hdr" \
	"$(head -n 1 "$tmp/cap" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"].split("host=")[0] + "host=")')"
check "launcher passes -f json" "-f json" "${argv[*]:0:2}"
# parameters after the program: interval duration mode comm clock pids
check "launcher parameters for -p (duplicates dropped)" "5 7 1 -" "${argv[*]:3:4}"
check "launcher passes the realtime-monotonic offset from dbnetio-kfacts -t" \
	"$("$kfacts" -t | sed 's/^clock_offset_ns=\(.*\)......$/\1/')" "${argv[7]:0:${#argv[7]}-6}"
check "launcher pid slots, then no cgroup" "$$ $threaded 0 0 0 0 0 0 0 0" "${argv[*]:8:10}"

# The dry run prints the header and the command, runs nothing, and needs a
# valid command line.
rm -f "$tmp/argv"
out=$(BPFTRACE=$tmp/fakebt "$launcher" -E bpftrace -n -c bash -P tracepoint -k process 2>/dev/null)
rc=$?
if [ $rc -eq 0 ] && [ ! -e "$tmp/argv" ] && [[ $out == "# dbnetio-capture 2 probe=tracepoint key=process filter=comm:bash "*"BPFTRACE_MAP_KEYS_MAX=4096 $tmp/fakebt $BUILD/programs/dbnetio-tracepoint-process-splice"?"-prime0.bt 1 0 2 bash "* ]]; then
	pass "launcher --dry-run prints the header and the bpftrace command"
else
	fail "launcher --dry-run prints the header and the bpftrace command" "exit $rc, ran=$([ -e "$tmp/argv" ] && echo yes || echo no), output ${out:0:300}"
fi
# ------------------------------ launcher: engine --------------------------
# A stand-in for dbnetio-collect: --check answers as $FAKECOLLECT_CHECK says
# (ok: attaches with tracepoints; anything else: fails with a reason), a run
# records its argv (NUL-separated) in $tmp/cargv.
cat > "$tmp/fakecollect" <<EOC
#!/bin/sh
if [ "\$1" = --check ]; then
	if [ "\${FAKECOLLECT_CHECK:-ok}" = ok ]; then echo 'dbnetio-collect: probe=tracepoint' >&2; exit 0; fi
	echo 'dbnetio-collect: tracepoint: cannot load the programs: Operation not permitted' >&2; exit 1
fi
for a; do printf '%s\0' "\$a"; done > "$tmp/cargv"
EOC
chmod +x "$tmp/fakecollect"
# engine_run ARGS...: run the launcher with both stand-ins; sets $erc, $eerr
# (the first line of its stderr), $cargv (the collector's argv, space-joined) and $ran
# (collect, bpftrace or nothing).
engine_run() {
	rm -f "$tmp/argv" "$tmp/cargv"
	BPFTRACE=$tmp/fakebt DBNETIO_COLLECT=${DBNETIO_COLLECT-$tmp/fakecollect} "$launcher" "$@" >/dev/null 2>"$tmp/eerr"
	erc=$?
	eerr=$(grep -m1 '^dbnetio: ' "$tmp/eerr")	# the choice, or the error
	cargv=
	if [ -e "$tmp/cargv" ]; then
		mapfile -d '' a < "$tmp/cargv"
		cargv="${a[*]}"
	fi
	ran=nothing
	[ -e "$tmp/cargv" ] && ran=collect
	[ -e "$tmp/argv" ] && ran=bpftrace
}
engine_run -p $$ -p "$threaded" -p $$ -k connection -P tracepoint -i 5 -d 7 -f json -o "$tmp/ecap"
check "auto picks the collector when its --check attaches, and says so" \
	"collect 0 dbnetio: engine=collect ($tmp/fakecollect, probe=tracepoint)" "$ran $erc $eerr"
check "the collector gets every option (duplicate pids dropped)" \
	"-P tracepoint -k connection -i 5 -d 7 -f json -p $$ -p $threaded -o $tmp/ecap" "$cargv"
engine_run -c bash -k process
check "the collector gets -c and the defaults" "-P auto -k process -i 1 -d 0 -f text -c bash" "$cargv"
FAKECOLLECT_CHECK=fail engine_run -P tracepoint -p $$
check "auto falls back to bpftrace when the collector cannot attach, saying why" \
	"bpftrace 0 dbnetio: engine=bpftrace ($tmp/fakecollect cannot attach here: tracepoint: cannot load the programs: Operation not permitted)" \
	"$ran $erc $eerr"
DBNETIO_COLLECT=none engine_run -P tracepoint -p $$
check "auto uses bpftrace when the collector is not installed" \
	"bpftrace 0 yes" "$ran $erc $(grep -q '^dbnetio: engine=bpftrace (dbnetio-collect is not installed' <<<"$eerr" && echo yes || echo "no: $eerr")"
engine_run -E bpftrace -P tracepoint -p $$
check "-E bpftrace uses bpftrace even where the collector works" \
	"bpftrace 0 dbnetio: engine=bpftrace (asked with -E bpftrace)" "$ran $erc $eerr"
engine_run -E collect -p $$
check "-E collect runs the collector" "collect 0" "$ran $erc"
FAKECOLLECT_CHECK=fail engine_run -E collect -p $$
check "-E collect fails, with the collector's reason, when it cannot attach" \
	"nothing 1 dbnetio: -E collect: $tmp/fakecollect cannot attach here: tracepoint: cannot load the programs: Operation not permitted; try -E bpftrace" \
	"$ran $erc $eerr"
DBNETIO_COLLECT=none engine_run -E collect -p $$
check "-E collect fails when the collector is not installed" "nothing 1 yes" \
	"$ran $erc $(grep -q -- '-E collect: dbnetio-collect is not installed' <<<"$eerr" && echo yes || echo "no: $eerr")"
engine_run -E llvm
check "an unknown engine is refused" "nothing 2 dbnetio: -E must be auto, collect or bpftrace, not 'llvm'" "$ran $erc $eerr"
nine=(); for _ in 1 2 3 4 5 6 7 8 9; do nine+=(-p 1); done
nine+=(-p $$)
engine_run "${nine[@]}" -P tracepoint
check "more than 8 pids go to the collector" "collect 0 -p 1 -p $$" "$ran $erc ${cargv#*-f text }"
FAKECOLLECT_CHECK=fail engine_run "${nine[@]}" -P tracepoint
check "more than 8 pids without a working collector: refused, with both reasons" "nothing 2 yes" \
	"$ran $erc $(grep -q 'bpftrace takes at most 8 -p options (got 10), and the collector cannot run: .*Operation not permitted' <<<"$eerr" && echo yes || echo "no: $eerr")"
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$cg2" ]; then
	engine_run -g "$cg2" -P tracepoint
	check "-g goes to the collector, with the cgroup's real path" \
		"collect 0 -g $(cd "$cg2" && pwd -P)" "$ran $erc $(grep -o -- '-g [^ ]*' <<<"$cargv")"
else
	skip "-g goes to the collector" "no cgroup v2 file system mounted"
fi
rm -f "$tmp/cargv"
out=$(BPFTRACE=$tmp/fakebt DBNETIO_COLLECT=$tmp/fakecollect "$launcher" -n -k process -p $$ -o "$tmp/ecap" 2>/dev/null)
check "--dry-run with the collector prints its command and runs nothing" \
	"$(printf '%q' "$tmp/fakecollect") -P auto -k process -i 1 -d 0 -f text -p $$ -o $(printf '%q' "$tmp/ecap") |no" \
	"$out|$([ -e "$tmp/cargv" ] && echo ran || echo no)"
# The real collector's --check: attaches, says which probes, writes no capture.
if [ -x "$BUILD/dbnetio-collect" ]; then
	out=$(DBNETIO_COLLECT= "$launcher" -n -k process -p $$ 2>"$tmp/eerr")
	check "auto with the built collector: its --check attaches on this kernel" \
		"dbnetio: engine=collect ($BUILD/dbnetio-collect, probe=" \
		"$(grep -o "^dbnetio: engine=collect ($BUILD/dbnetio-collect, probe=" "$tmp/eerr" || cat "$tmp/eerr")"
	check "the dry run names the built collector" "$BUILD/dbnetio-collect -P auto -k process" "$(cut -d' ' -f1-5 <<<"$out")"
	out=$("$BUILD/dbnetio-collect" --check -k process -p $$ -o "$tmp/never" 2>"$tmp/eerr")
	check "dbnetio-collect --check: exit 0, nothing on stdout, no -o file, the probe on stderr" "0||no|1" \
		"$?|$out|$([ -e "$tmp/never" ] && echo made || echo no)|$(grep -c '^dbnetio-collect: probe=' "$tmp/eerr")"
else
	skip "the built collector's --check" "$BUILD/dbnetio-collect is not built"
fi

rejects "an unknown key" 2 "-k must be process, client or connection, not 'port'" -k port
rejects "two -c names" 2 "-c given twice" -c bash -c sh
rejects "a second pid without its -p" 2 "give each process its own -p (-p $$ -p 2)" -p $$ 2
rejects "--db with an unknown database" 2 "--db must be mariadb or postgres, not 'oracle'" --db oracle -o "$tmp/c"
rejects "--db with a coarser key" 2 "--db needs -k connection" --db mariadb -k client -o "$tmp/c"
rejects "--db without -o or --sessions" 2 "--db needs -o FILE (the sessions go to FILE.sessions) or --sessions FILE" --db mariadb
rejects "--sessions without --db" 2 "--sessions and --session-poll need --db" --sessions "$tmp/s"
rejects "--session-poll out of range" 2 "--session-poll must be milliseconds from 1 to 10000, not '0'" --db postgres -o "$tmp/c" --session-poll 0
rejects "--sessions in a missing directory" 2 "--sessions: directory '/nonexistent' does not exist" --db mariadb --sessions /nonexistent/s
# the dry run shows the poller's command: the sessions beside -o, key connection
out=$(BPFTRACE=$tmp/fakebt "$launcher" -E bpftrace -n -c bash -P tracepoint --db mariadb -o "$tmp/c" 2>&1)
check "launcher --db --dry-run: key=connection and the poller's command" "1 1" \
	"$(grep -c '^# dbnetio-capture 2 .*key=connection' <<<"$out") $(grep -c "dbnetio-sessions --db mariadb -o $tmp/c.sessions --poll-ms 5" <<<"$out")"
check "launcher --version names the capture format" "dbnetio 0.2.0 (capture format 2, bpftrace programs and dbnetio-collect)" "$("$launcher" --version)"

# Nothing from the command line becomes program text: a process whose name is
# a bpftrace injection attempt is matched by that name, passed as $4 only.
evil='x");system("id'
python3 -c 'import ctypes, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0); time.sleep(60)' "$evil" &
helpers+=("$!")
for _ in $(seq 100); do
	[ "$(cat "/proc/$!/comm" 2>/dev/null)" = "$evil" ] && break
	sleep 0.1
done
rm -f "$tmp/argv"
BPFTRACE=$tmp/fakebt "$launcher" -E bpftrace -c "$evil" -P tracepoint >"$tmp/out" 2>"$tmp/err"
argv=()
mapfile -d '' argv < "$tmp/argv" 2>/dev/null
if [ ${#argv[@]} -lt 8 ]; then
	fail "launcher passes a hostile name as a parameter" "not run: $(cat "$tmp/err")"
else
	check "hostile name is parameter \$4 verbatim" "$evil" "${argv[4]}"
	check "hostile name is percent-encoded in the header filter" 'filter=comm:x%22%29%3Bsystem%28%22id' \
		"$(grep -o 'filter=[^ ]*' "$tmp/out")"
	check "the program is an unchanged generated file" "$(cksum < "$BUILD/programs/${argv[0]##*/}")" "$(cksum < "${argv[0]}")"
fi

# --help documents every option; the installed launcher finds its programs.
out=$("$launcher" --help 2>&1)
rc=$?
missing=
for o in -p -c -g -k -P -i -d -f -o --db --sessions --session-poll -n --dry-run --version BPFTRACE; do
	grep -q -- " $o" <<<"$out" || missing+="$o "
done
check "launcher --help exits 0 and documents every option" "0 " "$rc $missing"
if make -s -C "$DBNETIO_ROOT" install-scripts install-collect DESTDIR="$tmp/dest" PREFIX=/opt/dbnetio >"$tmp/install.log" 2>&1; then
	inst=$tmp/dest/opt/dbnetio
	check "installed launcher knows LIBEXECDIR" 'libexecdir=${DBNETIO_LIBEXECDIR:-/opt/dbnetio/libexec/dbnetio}' \
		"$(grep '^libexecdir=' "$inst/bin/dbnetio")"
	rm -f "$tmp/argv"
	DBNETIO_LIBEXECDIR=$inst/libexec/dbnetio BPFTRACE=$tmp/fakebt "$inst/bin/dbnetio" -E bpftrace -P tracepoint -p $$ >/dev/null 2>"$tmp/err"
	argv=()
	mapfile -d '' argv < "$tmp/argv" 2>/dev/null
	check "installed launcher runs the installed tracepoint program" \
		"$inst/libexec/dbnetio/programs/" "${argv[0]%/*}/"
	check "make install installs every generated variant" "$(ls "$BUILD"/programs/*.bt | wc -l)" \
		"$(ls "$inst"/libexec/dbnetio/programs/*.bt 2>/dev/null | wc -l)"
	# beside it, the installed collector (the source tree's is never used)
	DBNETIO_LIBEXECDIR=$inst/libexec/dbnetio "$inst/bin/dbnetio" -n -k process -p $$ >"$tmp/out" 2>"$tmp/err"
	check "installed launcher finds the installed collector beside it" "$inst/bin/dbnetio-collect -P auto" \
		"$(cut -d' ' -f1-3 "$tmp/out")"
else
	fail "make install for the launcher" "$(tail -n 3 "$tmp/install.log")"
fi
