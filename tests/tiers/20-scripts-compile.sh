#!/usr/bin/env bash
# Tier 20: the capture side without tracing anything.
#  - every bpftrace program compiles (bpftrace -d: parse, analyse and generate
#    code without attaching), including the kprobe program in the exact form
#    the launcher builds for pre-6.5 and 6.5+ kernels, and a deliberately
#    broken program fails the same check;
#  - dbnetio-kfacts agrees with an independent BTF reader;
#  - the launcher rejects each bad input with a clear message and exit code
#    before loading anything, and passes user text only as parameters.
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
# priming) with \$FAKEBT_VERSION without recording anything.
cat > "$tmp/fakebt" <<EOF
#!/bin/sh
if [ "\$1" = --version ]; then echo "bpftrace \${FAKEBT_VERSION:-v0.17.0}"; exit 0; fi
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

# ------------------------------ compile -----------------------------------
params=(1 0 2 tcpwork comm:tcpwork '' host kernel 0 0 0 0 0 0 0 0 4 variant)
if ! have bpftrace; then
	skip "bpftrace -d compiles the programs" "bpftrace is not installed (scripts/install-deps demo)"
elif ! is_root; then
	skip "bpftrace -d compiles the programs" "needs root (bpftrace checks privileges even in dry-run)"
else
	compiles "compile dbnetio-tp.bt" "$DBNETIO_ROOT/scripts/dbnetio-tp.bt" "${params[@]}"
	compiles "compile dbnetio-tp.bt without parameters" "$DBNETIO_ROOT/scripts/dbnetio-tp.bt"
	compiles "compile dbnetio.bt as shipped (tcp_sendpage, flags=arg4)" "$DBNETIO_ROOT/scripts/dbnetio.bt" "${params[@]}"

	# The broken program must fail the same check, or the checks prove nothing.
	sed 's/sum(args->ret)/sum(args->no_such_field)/' "$DBNETIO_ROOT/scripts/dbnetio-tp.bt" > "$tmp/broken.bt"
	if timeout 120 bpftrace -d "$tmp/broken.bt" "${params[@]}" >/dev/null 2>&1; then
		fail "bpftrace -d rejects a broken program" "a program reading args->no_such_field compiled"
	else
		pass "bpftrace -d rejects a broken program"
	fi

	# The programs exactly as the launcher passes them (-e TEXT + parameters).
	# Facts of three kernel generations: before 5.19 (flags is argument 4),
	# 5.19 to 6.4 such as Debian 12's 6.1 (flags 3, tcp_sendpage), 6.5+.
	printf 'tcp_sendpage=1\ntcp_recvmsg_flags=4\ntcp_cleanup_rbuf_copied=1\n' > "$tmp/facts-5.10"
	printf 'tcp_sendpage=1\ntcp_recvmsg_flags=3\ntcp_cleanup_rbuf_copied=1\n' > "$tmp/facts-6.1"
	printf 'tcp_sendpage=0\ntcp_recvmsg_flags=3\ntcp_cleanup_rbuf_copied=1\n' > "$tmp/facts-6.12"
	for k in 5.10 6.1 6.12; do
		printf '#!/bin/sh\ncat %s\n' "$tmp/facts-$k" > "$tmp/kfacts-$k"
		chmod +x "$tmp/kfacts-$k"
		rm -f "$tmp/argv"
		DBNETIO_ASSUME_KPROBES=1 DBNETIO_KFACTS=$tmp/kfacts-$k BPFTRACE=$tmp/fakebt \
			"$launcher" -P kprobe -p $$ >/dev/null 2>"$tmp/err"
		argv=()
		mapfile -d '' argv < "$tmp/argv" 2>/dev/null
		if [ ${#argv[@]} -lt 3 ]; then
			fail "launcher kprobe command for $k facts" "no command: $(cat "$tmp/err")"
			continue
		fi
		compiles "compile launcher's kprobe program for $k facts" "${argv[@]}"
		n=$(grep -c 'tcp_sendpage' <<<"${argv[1]}")
		if [ $k != 6.12 ]; then
			[ "$n" -gt 0 ] && pass "kprobe program keeps tcp_sendpage where the kernel has it ($k)" ||
				fail "kprobe program keeps tcp_sendpage where the kernel has it ($k)" "no tcp_sendpage probe"
			check "kprobe flags parameter for $k facts" "$(sed -n 's/^tcp_recvmsg_flags=//p' "$tmp/facts-$k")" "${argv[18]}"
		else
			check "kprobe program has no tcp_sendpage probe on 6.5+ facts" 0 \
				"$(grep -cE '^k(ret)?probe:tcp_sendpage' <<<"${argv[1]}")"
			check "kprobe flags parameter for $k facts" 3 "${argv[18]}"
		fi
	done

	# The tracepoint program on a kernel with sock_*_length but without
	# tcp_rcv_space_adjust (a fake tracefs): the splice block must go.
	mkdir -p "$tmp/tracefs/events/sock/sock_send_length" "$tmp/tracefs/events/sock/sock_recv_length"
	rm -f "$tmp/argv"
	DBNETIO_TRACEFS=$tmp/tracefs BPFTRACE=$tmp/fakebt "$launcher" -P tracepoint -p $$ >/dev/null 2>"$tmp/err"
	argv=()
	mapfile -d '' argv < "$tmp/argv" 2>/dev/null
	if [ ${#argv[@]} -lt 3 ]; then
		fail "launcher tracepoint command without tcp_rcv_space_adjust" "no command: $(cat "$tmp/err")"
	else
		compiles "compile launcher's tracepoint program without the splice block" "${argv[@]}"
		check "tracepoint program without tcp_rcv_space_adjust has no splice probes" 0 \
			"$(grep -c '^tracepoint:syscalls' <<<"${argv[1]}")"
		check "its header variant says so" sock_length "${argv[19]}"
		check "the launcher warns that splice receive is not counted" 1 \
			"$(grep -c 'splice() receive is not counted' "$tmp/err")"
	fi
fi

# Newer bpftrace (Debian 13's 0.23, from the tree tier 31 also uses; built
# once into .cache, ~30 s): both programs must still compile.  Its --dry-run
# goes on to attach kprobes, which this kernel refuses, so "compiled" means it
# got as far as "Attaching".
if ! is_root; then
	skip "compile with bpftrace 0.23" "needs root (debootstrap and chroot)"
elif ! "$DBNETIO_ROOT/tests/chroot/prepare-trixie" >/dev/null 2>"$tmp/trixie.err"; then
	skip "compile with bpftrace 0.23" "cannot build the Debian 13 tree: $(tail -n 2 "$tmp/trixie.err" | tr '\n' ' ')"
else
	for prog in dbnetio-tp.bt dbnetio.bt; do
		text=$(sed '\#^// dbnetio:sendpage-begin#,\#^// dbnetio:sendpage-end#d' "$DBNETIO_ROOT/scripts/$prog")
		out=$(timeout 120 "$DBNETIO_ROOT/tests/chroot/bpftrace-trixie" --dry-run -e "$text" "${params[@]}" 2>&1)
		# (the memlock and "not traceable" warnings are about this kernel)
		warn=$(grep WARNING <<<"$out" | grep -v -e RLIMIT_MEMLOCK -e 'not traceable')
		if grep -q '^Attaching [0-9]* probes' <<<"$out" && [ -z "$warn" ]; then
			pass "compile $prog with bpftrace 0.23, no warnings"
		else
			fail "compile $prog with bpftrace 0.23, no warnings" "$( (grep ERROR <<<"$out"; echo "$warn") | head -n 3 | tr '\n' ' ')"
		fi
	done
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
	out=$(BPFTRACE=$tmp/fakebt "$launcher" "$@" 2>&1 >/dev/null)
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
rejects "more than 8 pids" 2 "at most 8 -p options (got 9)" -p 1 -p 1 -p 1 -p 1 -p 1 -p 1 -p 1 -p 1 -p 1
rejects "-p with -c" 2 "use either -p or -c" -p $$ -c bash
rejects "an unknown process name" 2 "-c: no running process is named 'no-such-proc'" -c no-such-proc
rejects "a name longer than 15 bytes" 2 "longer than 15 bytes" -c abcdefghijklmnopq
rejects "an empty name" 2 "-c needs a process name" -c ''
rejects "an unknown probe variant" 2 "-P must be auto, kprobe or tracepoint, not 'uprobe'" -P uprobe
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
out=$(BPFTRACE=$tmp/nope "$launcher" -P tracepoint 2>&1)
check "launcher rejects BPFTRACE that does not exist" "1 dbnetio: BPFTRACE='$tmp/nope' is not an executable" "$? $out"

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
out=$(BPFTRACE=$tmp/fakebt "$launcher" -p $$ -p "$threaded" -p $$ -i 5 -d 7 -f json -o "$tmp/cap" 2>"$tmp/err")
argv=()
mapfile -d '' argv < "$tmp/argv"
check "launcher says which probe auto picked" "dbnetio: probe=$expect_probe" "$(cut -d' ' -f1-2 "$tmp/err")"
check "launcher -o writes bpftrace's stdout to the file" "fake-bpftrace-output" "$(cat "$tmp/cap")"
check "launcher passes -f json" "-f json -e" "${argv[*]:0:3}"
# parameters after the program: interval duration mode comm filter1 filter2
check "launcher parameters for -p (duplicates dropped)" "5 7 1 - pid:$$,$threaded " "${argv[*]:4:6}"
check "launcher pid slots" "$$ $threaded 0 0 0 0 0 0" "${argv[*]:12:8}"
check "launcher does not prime sum() for bpftrace 0.17" 0 "${argv[22]}"
rm -f "$tmp/argv"
FAKEBT_VERSION=v0.23.2 BPFTRACE=$tmp/fakebt "$launcher" -p $$ -o "$tmp/cap" 2>/dev/null
mapfile -d '' argv023 < "$tmp/argv"
check "launcher primes sum() for bpftrace 0.23 (first-insert race)" 1 "${argv023[${#argv023[@]}-1]}"
if [ "$expect_probe" = tracepoint ] && [ -d /sys/kernel/tracing/events/tcp/tcp_rcv_space_adjust ]; then
	check "launcher passes dbnetio-tp.bt unchanged as the program" \
		"$(cksum < "$DBNETIO_ROOT/scripts/dbnetio-tp.bt")" "$(printf '%s\n' "${argv[3]}" | cksum)"
fi

# The dry run prints the command, runs nothing, and needs a valid command line.
rm -f "$tmp/argv"
out=$(BPFTRACE=$tmp/fakebt "$launcher" -n -c bash -P tracepoint 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ ! -e "$tmp/argv" ] && [[ $out == "$tmp/fakebt -e "*" 1 0 2 bash comm:bash ''"* ]]; then
	pass "launcher --dry-run prints the bpftrace command"
else
	fail "launcher --dry-run prints the bpftrace command" "exit $rc, ran=$([ -e "$tmp/argv" ] && echo yes || echo no), output ${out:0:200}"
fi

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
BPFTRACE=$tmp/fakebt "$launcher" -c "$evil" -P tracepoint >/dev/null 2>"$tmp/err"
argv=()
mapfile -d '' argv < "$tmp/argv" 2>/dev/null
if [ ${#argv[@]} -lt 8 ]; then
	fail "launcher passes a hostile name as a parameter" "not run: $(cat "$tmp/err")"
else
	check "hostile name is parameter \$4 verbatim" "$evil" "${argv[5]}"
	check "hostile name is percent-encoded in the header filter" 'comm:x%22%29%3Bsystem%28%22id' "${argv[6]}"
	check "hostile name is not in the program text" 0 "$(grep -cF "$evil" <<<"${argv[1]}")"
fi

# --help documents every option; the installed launcher finds its programs.
out=$("$launcher" --help 2>&1)
rc=$?
missing=
for o in -p -c -P -i -d -f -o -n --dry-run BPFTRACE; do
	grep -q -- " $o" <<<"$out" || missing+="$o "
done
check "launcher --help exits 0 and documents every option" "0 " "$rc $missing"
if make -s -C "$DBNETIO_ROOT" install-scripts DESTDIR="$tmp/dest" PREFIX=/opt/dbnetio >"$tmp/install.log" 2>&1; then
	inst=$tmp/dest/opt/dbnetio
	check "installed launcher knows LIBEXECDIR" 'libexecdir=${DBNETIO_LIBEXECDIR:-/opt/dbnetio/libexec/dbnetio}' \
		"$(grep '^libexecdir=' "$inst/bin/dbnetio")"
	rm -f "$tmp/argv"
	DBNETIO_LIBEXECDIR=$inst/libexec/dbnetio BPFTRACE=$tmp/fakebt "$inst/bin/dbnetio" -P tracepoint -p $$ >/dev/null 2>"$tmp/err"
	argv=()
	mapfile -d '' argv < "$tmp/argv" 2>/dev/null
	check "installed launcher runs the installed tracepoint program" \
		"$(cksum < "$inst/libexec/dbnetio/dbnetio-tp.bt")" "$(printf '%s\n' "${argv[1]:-}" | cksum)"
else
	fail "make install for the launcher" "$(tail -n 3 "$tmp/install.log")"
fi
