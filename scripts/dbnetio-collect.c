// SPDX-License-Identifier: GPL-2.0
/*
 * dbnetio-collect: count the TCP bytes each traced process sends and
 * receives, per process and per client, and write the dbnetio capture stream
 * (format 2, /work/spec/capture-format-2.md; README "The capture format") at
 * every wall-clock boundary of the interval.
 *
 * It is the libbpf counterpart of scripts/dbnetio's bpftrace programs: the
 * same stream, so dbnetio-report reads it unchanged, at a fraction of the
 * cost (no LLVM at start-up, a few MB of memory, one map update per socket
 * call).  The kernel side is dbnetio-collect.bpf.c; the types both sides
 * share are in dbnetio-collect.h.
 *
 * Flow: parse and check the command line; learn the kernel's facts from BTF;
 * load and attach one probe set (fexit, else tracepoints, else kprobes);
 * print the header; then, at every boundary, read the per-CPU maps, sum
 * them, and print one dump; on SIGINT/SIGTERM or when -d expires, print the
 * final dump and exit.
 *
 * Test hook (tests/tiers/35-collector.sh; not for production):
 *   DBNETIO_COLLECT_FLOWS_MAX=N   size the per-client map to N keys, so a
 *                                 test can fill it with a few connections
 */
#include <argp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/btf.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "dbnetio-collect.h"
#include "fexit.lskel.h"
#include "fexit-sendpage.lskel.h"
#include "tracepoint.lskel.h"
#include "kprobe.lskel.h"

#define PROG "dbnetio-collect"
#define MAX_INTERVAL 3600		/* the launcher's bounds, kept identical */
#define MAX_DURATION 31536000
#define THREADS_MAX 16384		/* threads of traced processes mid-call (kprobe, splice) */

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* long-only options */
enum { OPT_CHECK = 256 };

enum probe_set { PROBE_AUTO, PROBE_FEXIT, PROBE_TRACEPOINT, PROBE_KPROBE };
static const char *const probe_names[] = { "auto", "fexit", "tracepoint", "kprobe" };
static const char *const key_names[] = { "process", "client", "connection" };

/* ============================== options ================================= */

static struct env {
	__u32 *pids;
	size_t npids;
	char comm[COLLECT_COMM_LEN];
	char *cgroup;		/* -g: its real path, id and depth */
	__u64 cgroup_id;
	__u32 cgroup_level;
	enum collect_key_mode key;
	enum probe_set probe;
	long interval;
	long duration;
	const char *outfile;
	bool json;
	bool verbose;
	bool check;		/* --check: attach, say which probes, exit */
} env = {
	.key = COLLECT_KEY_CLIENT,
	.probe = PROBE_AUTO,
	.interval = 1,
};

static volatile sig_atomic_t exiting;

const char *argp_program_version = PROG " (dbnetio) capture format 2";
static const char argp_program_doc[] =
	"Count the TCP bytes each traced process sends and receives, per process\n"
	"and per client, and print the cumulative totals at every interval\n"
	"boundary in the dbnetio capture format, ready for dbnetio-report.\n"
	"\n"
	"USAGE: dbnetio-collect [-p PID]... [-c COMM] [-g CGROUP]\n"
	"                       [-k process|client|connection]\n"
	"                       [-P auto|fexit|tracepoint|kprobe] [-i SECONDS]\n"
	"                       [-d SECONDS] [-f text|json] [-o FILE] [-v] [--check]\n"
	"\n"
	"EXAMPLES:\n"
	"    dbnetio-collect -c mariadbd -d 60 -o cap.txt  # MariaDB for a minute\n"
	"    dbnetio-collect -c postgres | dbnetio-report --live\n"
	"    dbnetio-collect -p 4321 -p 4322 -k process -i 5\n"
	"    dbnetio-collect -k connection -f json         # all, per connection\n"
	"    dbnetio-collect -g /sys/fs/cgroup/system.slice/mariadb.service\n"
	"\n"
	"Without -p, -c or -g every process is traced.  Needs root.";

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Trace this process (repeatable, any number); must be running", 0 },
	{ "comm", 'c', "COMM", 0,
	  "Trace processes named COMM (the thread-group leader's /proc/PID/comm), "
	  "including ones started later", 0 },
	{ "cgroup", 'g', "CGROUP", 0,
	  "Trace the threads in this cgroup v2 directory or any cgroup below it "
	  "(a service, a container), including ones that enter it later", 0 },
	{ "key", 'k', "KEY", 0, "process, client (default: per peer address) or connection "
	  "(per peer address and ports)", 0 },
	{ "probe", 'P', "PROBE", 0, "auto (default: fexit, else tracepoint, else kprobe), "
	  "fexit, tracepoint or kprobe", 0 },
	{ "interval", 'i', "SECONDS", 0, "Seconds between dumps, 1 to 3600 (default 1)", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (default 0: until SIGINT/SIGTERM)", 0 },
	{ "format", 'f', "FORMAT", 0, "text (default) or json (bpftrace's JSON events)", 0 },
	{ "output", 'o', "FILE", 0, "Write the capture to FILE instead of stdout", 0 },
	{ "verbose", 'v', NULL, 0, "Print libbpf's messages on stderr", 0 },
	{ "check", OPT_CHECK, NULL, 0, "Load and attach the probes, say which on stderr, "
	  "and exit (0: this kernel can run the capture); writes no capture", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 0 },
	{},
};

/* parse_long: S as a decimal integer in [MIN, MAX] into *OUT.  The one
 * number parser of this program: no sign games, no trailing junk, no
 * overflow (strtol's ERANGE).  Returns 0, or -1 when S is not such a
 * number. */
static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* pick: the index of S in NAMES (N of them), or -1. */
static int pick(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* proc_tgid: the thread-group id of task PID from /proc/PID/status, or -1
 * when no such task is running. */
static long proc_tgid(long pid)
{
	char path[64], line[256];
	long tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = strtol(line + 5, NULL, 10);
			break;
		}
	fclose(f);
	return tgid;
}

/* The inode number of the initial cgroup namespace (PROC_CGROUP_INIT_INO). */
#define CGROUP_NS_INIT_INO 0xEFFFFFFBu

/* cgroup_resolve: -g's directory ARG as the kernel knows it, into env: its
 * real path, its id (the directory's inode number is the cgroup's kernfs
 * id, bpf_get_current_cgroup_id's number) and its depth below the root of
 * the cgroup v2 tree (the mount's root: in the initial cgroup namespace
 * that is the kernel's root cgroup, level 0).  Returns NULL, or what is
 * wrong with ARG. */
static const char *cgroup_resolve(const char *arg)
{
	static char why[PATH_MAX + 160];
	char procs[PATH_MAX + sizeof("/cgroup.procs")];
	struct stat st, up, ns;
	struct statfs sfs;
	char *path = realpath(arg, NULL), *p;
	__u32 level = 0;

	if (!path || stat(path, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(why, sizeof(why), "'%s' is not a directory (give a cgroup v2 directory "
			 "such as /sys/fs/cgroup/system.slice/mariadb.service)", arg);
		goto fail;
	}
	if (statfs(path, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(why, sizeof(why), "'%s' is not on a cgroup v2 file system (on a hybrid "
			 "system the v2 tree is /sys/fs/cgroup/unified)", arg);
		goto fail;
	}
	if (strchr(path, '\n')) {
		snprintf(why, sizeof(why), "a cgroup path cannot contain a newline");
		goto fail;
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	if (access(procs, F_OK)) {
		snprintf(why, sizeof(why), "'%s' is not a cgroup (no cgroup.procs in it)", arg);
		goto fail;
	}
	if (stat("/proc/self/ns/cgroup", &ns) == 0 && ns.st_ino != CGROUP_NS_INIT_INO) {
		snprintf(why, sizeof(why), "this process is in a cgroup namespace, whose cgroup tree "
			 "does not start at the kernel's root: the depth of '%s' is unknown "
			 "(run on the host, or use bpftrace: scripts/dbnetio -E bpftrace -g)", arg);
		goto fail;
	}
	/* The depth: parents on the same file system, up to its root. */
	p = strdup(path);
	while (p && strcmp(p, "/")) {
		char *slash = strrchr(p, '/');

		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(p, &up) || up.st_dev != st.st_dev)
			break;
		level++;
	}
	free(p);
	env.cgroup = path;
	env.cgroup_id = (__u64)st.st_ino;
	env.cgroup_level = level;
	return NULL;
fail:
	free(path);
	return why;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	long v;
	int i;

	switch (key) {
	case 'p': {
		long tgid;
		__u32 *n;

		if (parse_long(arg, 1, INT_MAX, &v) < 0)
			argp_error(state, "-p: '%s' is not a process id", arg);
		tgid = proc_tgid(v);
		if (tgid < 0)
			argp_error(state, "-p: no running process %ld", v);
		if (tgid != v)
			argp_error(state, "-p: %ld is a thread of process %ld; use -p %ld", v, tgid, tgid);
		for (size_t j = 0; j < env.npids; j++)
			if (env.pids[j] == (__u32)v)
				return 0;
		n = realloc(env.pids, (env.npids + 1) * sizeof(*n));
		if (!n)
			argp_failure(state, 1, ENOMEM, "-p");
		env.pids = n;
		env.pids[env.npids++] = (__u32)v;
		break;
	}
	case 'c':
		if (!*arg)
			argp_error(state, "-c needs a process name");
		if (strlen(arg) >= COLLECT_COMM_LEN)
			argp_error(state, "-c: '%s' is longer than %d bytes, the kernel's limit for a "
				   "process name (see /proc/PID/comm)", arg, COLLECT_COMM_LEN - 1);
		if (strchr(arg, '\n'))
			argp_error(state, "-c: a process name cannot contain a newline");
		memset(env.comm, 0, sizeof(env.comm));
		memcpy(env.comm, arg, strlen(arg));
		break;
	case 'g': {
		const char *why;

		if (env.cgroup)
			argp_error(state, "-g given twice: one cgroup per capture");
		if ((why = cgroup_resolve(arg)))
			argp_error(state, "-g: %s", why);
		break;
	}
	case 'k':
		if ((i = pick(arg, key_names, 3)) < 0)
			argp_error(state, "-k must be process, client or connection, not '%s'", arg);
		env.key = (enum collect_key_mode)i;
		break;
	case 'P':
		if ((i = pick(arg, probe_names, 4)) < 0)
			argp_error(state, "-P must be auto, fexit, tracepoint or kprobe, not '%s'", arg);
		env.probe = (enum probe_set)i;
		break;
	case 'i':
		if (parse_long(arg, 1, MAX_INTERVAL, &env.interval) < 0)
			argp_error(state, "-i must be a whole number of seconds from 1 to %d, not '%s'",
				   MAX_INTERVAL, arg);
		break;
	case 'd':
		if (parse_long(arg, 0, MAX_DURATION, &env.duration) < 0)
			argp_error(state, "-d must be a whole number of seconds from 0 (no limit) to %d, "
				   "not '%s'", MAX_DURATION, arg);
		break;
	case 'f':
		if (!strcmp(arg, "json"))
			env.json = true;
		else if (!strcmp(arg, "text"))
			env.json = false;
		else
			argp_error(state, "-f must be text or json, not '%s'", arg);
		break;
	case 'o':
		if (!*arg)
			argp_error(state, "-o needs a file name");
		env.outfile = arg;
		break;
	case 'v':
		env.verbose = true;
		break;
	case OPT_CHECK:
		env.check = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if ((env.npids > 0) + (env.comm[0] != '\0') + (env.cgroup != NULL) > 1)
			argp_error(state, "use one of -p, -c and -g, not several");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ============================ kernel facts ============================== */

struct kfacts {
	bool sendpage;		/* tcp_sendpage exists (before 6.5) */
	bool sock_length_tp;	/* sock:sock_send_length/recv_length (6.3+) */
	bool rcv_space_tp;	/* tcp:tcp_rcv_space_adjust */
	bool splice_tp;		/* syscalls:sys_enter_splice/sys_exit_splice in tracefs */
	/* The kprobe set's argument positions, read only when it is tried: */
	int recv_flags;		/* tcp_recvmsg's flags */
	int cleanup_copied;	/* tcp_cleanup_rbuf's copied */
};

/* The names kfacts_read looks for, in struct kfacts's order of bools. */
static const char *const kfact_names[] = {
	"tcp_sendpage", "btf_trace_sock_send_length", "btf_trace_sock_recv_length",
	"btf_trace_tcp_rcv_space_adjust",
};
#define KFACT_NAMES (sizeof(kfact_names) / sizeof(kfact_names[0]))
#define KFACT_NAME_MAX 64

/*
 * btf_has_names: which of kfact_names the kernel's BTF has in its string
 * section, into HAVE.  A function or type named X puts X there (a BTF
 * tracepoint is its typedef btf_trace_X), so this says what the kernel has
 * without parsing BTF: it looks for "\0X\0", in 64 KB pieces.  Reading the
 * 5 MB BTF whole, as libbpf 1.1 does with two copies, would triple the
 * collector's peak memory.  Returns 0 or a negative errno.
 */
static int btf_has_names(bool *have)
{
	static char buf[65536 + KFACT_NAME_MAX + 2];
	char pat[KFACT_NAMES][KFACT_NAME_MAX + 2];
	size_t plen[KFACT_NAMES], keep = 0;
	struct btf_header h;
	__u64 off, end;
	int fd, e = 0;

	for (size_t i = 0; i < KFACT_NAMES; i++) {
		plen[i] = strlen(kfact_names[i]) + 2;
		pat[i][0] = '\0';
		memcpy(pat[i] + 1, kfact_names[i], plen[i] - 1);	/* and its NUL */
		have[i] = false;
	}
	fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.magic != BTF_MAGIC ||
	    h.hdr_len < sizeof(h)) {
		e = -EINVAL;
		goto out;
	}
	off = (__u64)h.hdr_len + h.str_off;
	end = off + h.str_len;
	while (off < end) {
		size_t want = end - off < 65536 ? (size_t)(end - off) : 65536;
		ssize_t r = pread(fd, buf + keep, want, (off_t)off);

		if (r <= 0) {
			e = r < 0 ? -errno : -EINVAL;
			goto out;
		}
		off += (__u64)r;
		keep += (size_t)r;
		for (size_t i = 0; i < KFACT_NAMES; i++)
			have[i] = have[i] || memmem(buf, keep, pat[i], plen[i]);
		/* A name cut at the piece's end is found with the next piece. */
		if (keep > KFACT_NAME_MAX + 1) {
			memmove(buf, buf + keep - (KFACT_NAME_MAX + 1), KFACT_NAME_MAX + 1);
			keep = KFACT_NAME_MAX + 1;
		}
	}
out:
	close(fd);
	return e;
}

/* tracefs_events: the events directory of tracefs, mounting tracefs at
 * /sys/kernel/tracing when nothing is there (the splice syscall
 * tracepoints are attached through it). */
static const char *tracefs_events(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing/events",
					    "/sys/kernel/debug/tracing/events" };

	if (access(dirs[0], F_OK) != 0)
		mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (access(dirs[i], F_OK) == 0)
			return dirs[i];
	return NULL;
}

/* kfacts_read: what the running kernel offers, from its BTF (distributions
 * backport, so never from the version number) and tracefs.  Returns 0, or
 * -1 with a message in ERR when BTF cannot be read. */
static int kfacts_read(struct kfacts *kf, char *err, size_t errlen)
{
	bool have[KFACT_NAMES];
	const char *events = tracefs_events();
	char path[256];
	int e = btf_has_names(have);

	if (e) {
		snprintf(err, errlen, "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(-e));
		return -1;
	}
	kf->sendpage = have[0];
	kf->sock_length_tp = have[1] && have[2];
	kf->rcv_space_tp = have[3];
	kf->recv_flags = kf->cleanup_copied = -1;
	kf->splice_tp = false;
	if (events) {
		snprintf(path, sizeof(path), "%s/syscalls/sys_enter_splice/id", events);
		kf->splice_tp = access(path, R_OK) == 0;
		snprintf(path, sizeof(path), "%s/syscalls/sys_exit_splice/id", events);
		kf->splice_tp = kf->splice_tp && access(path, R_OK) == 0;
	}
	return 0;
}

/* btf_param_index: the 0-based position of parameter PARAM of function FUNC
 * in BTF, or -1 when either is missing. */
static int btf_param_index(const struct btf *btf, const char *func, const char *param)
{
	int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	const struct btf_type *t;
	const struct btf_param *p;

	if (id < 0 || !(t = btf__type_by_id(btf, id)) || !(t = btf__type_by_id(btf, t->type)) ||
	    !btf_is_func_proto(t))
		return -1;
	p = btf_params(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, p[i].name_off);
		if (name && !strcmp(name, param))
			return i;
	}
	return -1;
}

/* kprobe_facts_read: the kprobe set's argument positions, from BTF parsed
 * by libbpf.  Only this last-resort set needs them (the fexit set asks the
 * trampoline for its argument count), and only it pays libbpf's ~11 MB for
 * a moment.  Returns false when libbpf cannot parse BTF. */
static bool kprobe_facts_read(struct kfacts *kf)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		return false;
	kf->recv_flags = btf_param_index(btf, "tcp_recvmsg", "flags");
	kf->cleanup_copied = btf_param_index(btf, "tcp_cleanup_rbuf", "copied");
	btf__free(btf);
	return true;
}

/* set_unavailable: why probe SET cannot work on this kernel, from its
 * facts alone, or NULL when it is worth trying to load. */
static const char *set_unavailable(enum probe_set set, struct kfacts *kf)
{
	switch (set) {
	case PROBE_FEXIT:
		return NULL;
	case PROBE_TRACEPOINT:
		if (!kf->sock_length_tp)
			return "this kernel has no sock:sock_send_length/sock_recv_length "
			       "tracepoints (Linux 6.3+)";
		return kf->rcv_space_tp ? NULL : "this kernel has no tcp:tcp_rcv_space_adjust "
						 "tracepoint";
	case PROBE_KPROBE:
		if (!kprobe_facts_read(kf))
			return "cannot parse the kernel's BTF for tcp_recvmsg's arguments";
		if (kf->recv_flags != 3 && kf->recv_flags != 4)
			return "BTF puts tcp_recvmsg's flags at neither argument 3 (5.19+) nor 4";
		return kf->cleanup_copied == 1 ? NULL : "BTF does not put tcp_cleanup_rbuf's "
							"copied at argument 1";
	case PROBE_AUTO:
		break;
	}
	return NULL;
}

/* =========================== loading probes ============================= */

/* libbpf prints only for the kprobe set's BTF read; -v shows it. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!env.verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* One loaded probe set: its light skeleton (any of the four), the fds of
 * the maps user space reads, and what the header's variant= says. */
struct probes {
	void *skel;
	void (*destroy)(void *skel);
	int procs, flows, pids, dropped;	/* map fds */
	bool sendpage, splice;			/* attached */
	char stage[64];				/* what failed, for the message */
};

#define STAGE(p, ...) snprintf((p)->stage, sizeof((p)->stage), __VA_ARGS__)

/* The verifier's log of a failed load, with -v (the loader program hands
 * the buffer to every program it loads). */
static char *verifier_log;
#define VERIFIER_LOG_SIZE (1u << 20)

static void verifier_log_set(struct bpf_loader_ctx *ctx)
{
	if (!env.verbose || (!verifier_log && !(verifier_log = calloc(1, VERIFIER_LOG_SIZE))))
		return;
	verifier_log[0] = '\0';
	ctx->log_level = 1;
	ctx->log_size = VERIFIER_LOG_SIZE;
	ctx->log_buf = (__u64)(unsigned long)verifier_log;
}

/* comm_words: NAME (NUL-padded to COLLECT_COMM_LEN) as the kernel side's
 * two words, and the masks that keep its bytes and its terminating NUL
 * (in memory order, so the words compare as the bytes do on any
 * endianness). */
static void comm_words(const char *name, __u64 words[2], __u64 masks[2])
{
	unsigned char m[COLLECT_COMM_LEN] = {};
	size_t len = strnlen(name, COLLECT_COMM_LEN - 1);

	memset(m, 0xff, len + 1);
	memcpy(words, name, COLLECT_COMM_LEN);
	memcpy(masks, m, COLLECT_COMM_LEN);
}

/* flows_max: the per-client map's size: FLOWS_MAX, or the test hook's. */
static __u32 flows_max(void)
{
	const char *s = getenv("DBNETIO_COLLECT_FLOWS_MAX");
	long v;

	if (s && parse_long(s, 1, FLOWS_MAX, &v) == 0)
		return (__u32)v;
	return FLOWS_MAX;
}

/* configure: the capture's settings into CFG and the map sizes, before
 * load.  Unused maps shrink to one entry; see dbnetio-collect.h for the
 * sizes. */
static void configure(struct collect_config *cfg, enum probe_set set, const struct kfacts *kf,
		      struct bpf_map_desc *pids, struct bpf_map_desc *procs,
		      struct bpf_map_desc *flows, struct bpf_map_desc *threads)
{
	cfg->filter_mode = env.npids ? COLLECT_FILTER_PID
			 : env.comm[0] ? COLLECT_FILTER_COMM
			 : env.cgroup ? COLLECT_FILTER_CGROUP : COLLECT_FILTER_ALL;
	cfg->cgroup_id = env.cgroup_id;
	cfg->cgroup_level = env.cgroup_level;
	comm_words(env.comm, cfg->filter_comm, cfg->filter_mask);
	cfg->key_mode = (__u8)env.key;
	cfg->recv_flags_arg = set == PROBE_KPROBE ? (__u32)kf->recv_flags : 0;
	pids->max_entries = env.npids ? (__u32)env.npids : 1;
	procs->max_entries = env.npids ? (__u32)env.npids : PROCS_MAX;
	flows->max_entries = env.key == COLLECT_KEY_PROCESS ? 1 : flows_max();
	threads->max_entries = set == PROBE_FEXIT ? 1 : THREADS_MAX;
}

/* pids_fill: the -p pids into the traced_pids map FD. */
static int pids_fill(int fd)
{
	for (size_t i = 0; i < env.npids; i++) {
		__u8 one = 1;
		if (bpf_map_update_elem(fd, &env.pids[i], &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* read_number: the first line of file PATH as a number in [0, INT_MAX], or
 * a negative errno. */
static int read_number(const char *path)
{
	char line[32];
	FILE *f = fopen(path, "re");
	long v;
	int e = -EINVAL;

	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (parse_long(line, 0, INT_MAX, &v) == 0)
			e = (int)v;
	}
	fclose(f);
	return e;
}

/* perf_attach: program PROG_FD on the perf event ATTR, for every process
 * and every CPU (a BPF program on a tracepoint or kprobe runs wherever it
 * fires, whatever CPU its event was opened on).  Returns the event's fd,
 * which holds the attachment, or a negative errno. */
static int perf_attach(struct perf_event_attr *attr, int prog_fd)
{
	int fd, e;

	attr->size = sizeof(*attr);
	fd = (int)syscall(SYS_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0 ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* attach_tracepoint: PROG_FD on tracepoint CATEGORY/NAME of tracefs. */
static int attach_tracepoint(int prog_fd, const char *category, const char *name)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT };
	const char *events = tracefs_events();
	char path[256];
	int id;

	if (!events)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s/%s/id", events, category, name);
	if ((id = read_number(path)) < 0)
		return id;
	attr.config = (__u64)id;
	return perf_attach(&attr, prog_fd);
}

/* attach_kprobe: PROG_FD on the entry of kernel function FUNC, through the
 * kprobe PMU (4.17+). */
static int attach_kprobe(int prog_fd, const char *func)
{
	struct perf_event_attr attr = { 0 };
	int type = read_number("/sys/bus/event_source/devices/kprobe/type");

	if (type < 0)
		return type;
	attr.type = (__u32)type;
	attr.config1 = (__u64)(unsigned long)func;	/* kprobe_func */
	return perf_attach(&attr, prog_fd);
}

/* What each set attaches beside what its light skeleton attaches itself
 * (BTF tracepoints and trampolines): the perf-event programs. */
static int fexit_more(void *skel, struct probes *p, const struct kfacts *kf)
{
	(void)skel;
	p->sendpage = kf->sendpage;
	return 0;
}

/* The splice syscall tracepoints: both or neither (a kernel without them
 * loses splice() receive, and says so). */
static int tracepoint_more(struct collect_tracepoint *s, struct probes *p,
			   const struct kfacts *kf)
{
	int fd;

	if (!kf->splice_tp)
		return 0;
	STAGE(p, "attach the programs to syscalls:sys_enter_splice");
	if ((fd = attach_tracepoint(s->progs.tp_sys_enter_splice.prog_fd, "syscalls",
				    "sys_enter_splice")) < 0)
		return fd;
	s->links.tp_sys_enter_splice_fd = fd;
	STAGE(p, "attach the programs to syscalls:sys_exit_splice");
	if ((fd = attach_tracepoint(s->progs.tp_sys_exit_splice.prog_fd, "syscalls",
				    "sys_exit_splice")) < 0)
		return fd;
	s->links.tp_sys_exit_splice_fd = fd;
	p->splice = true;
	return 0;
}

static int kprobe_more(struct collect_kprobe *s, struct probes *p, const struct kfacts *kf)
{
	struct { int prog, *link; const char *func; bool want; } k[] = {
		{ s->progs.kp_tcp_sendmsg.prog_fd, &s->links.kp_tcp_sendmsg_fd, "tcp_sendmsg", true },
		{ s->progs.kp_tcp_sendpage.prog_fd, &s->links.kp_tcp_sendpage_fd, "tcp_sendpage",
		  kf->sendpage },
		{ s->progs.kp_tcp_recvmsg.prog_fd, &s->links.kp_tcp_recvmsg_fd, "tcp_recvmsg", true },
		{ s->progs.kp_tcp_cleanup_rbuf.prog_fd, &s->links.kp_tcp_cleanup_rbuf_fd,
		  "tcp_cleanup_rbuf", true },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		int fd;

		if (!k[i].want)
			continue;
		STAGE(p, "attach a kprobe to %s", k[i].func);
		if ((fd = attach_kprobe(k[i].prog, k[i].func)) < 0)
			return fd;
		*k[i].link = fd;
	}
	p->sendpage = kf->sendpage;
	return 0;
}

/*
 * DEFINE_START(NAME, MORE): NAME_start(), which opens light skeleton NAME,
 * configures, loads and attaches it into P; MORE attaches what the
 * skeleton does not.  The four skeletons differ in their programs only:
 * their .rodata (cfg) and maps are the same, so one body serves them all.
 * On failure P->stage says which step failed and P holds what to free.
 */
#define DEFINE_START(NAME, MORE)						\
static void NAME##_free(void *skel)						\
{										\
	NAME##__destroy(skel);							\
}										\
										\
static int NAME##_start(struct probes *p, enum probe_set set, const struct kfacts *kf) \
{										\
	struct NAME *s = NAME##__open();					\
	int e;									\
										\
	if (!s)									\
		return -ENOMEM;		/* open only allocates */		\
	p->skel = s;								\
	p->destroy = NAME##_free;						\
	configure(&s->rodata->cfg, set, kf, &s->maps.traced_pids, &s->maps.procs, \
		  &s->maps.flows, &s->maps.threads);				\
	verifier_log_set(&s->ctx);						\
	STAGE(p, "load the programs");					\
	if ((e = NAME##__load(s)))						\
		return e;							\
	p->procs = s->maps.procs.map_fd;					\
	p->flows = s->maps.flows.map_fd;					\
	p->pids = s->maps.traced_pids.map_fd;					\
	p->dropped = s->maps.dropped.map_fd;					\
	STAGE(p, "fill the pid filter");					\
	if ((e = pids_fill(p->pids)))						\
		return e;							\
	STAGE(p, "attach the programs");					\
	if ((e = NAME##__attach(s)))						\
		return e;							\
	return MORE(s, p, kf);							\
}

DEFINE_START(collect_fexit, fexit_more)
DEFINE_START(collect_fexit_sendpage, fexit_more)
DEFINE_START(collect_tracepoint, tracepoint_more)
DEFINE_START(collect_kprobe, kprobe_more)

static void probes_stop(struct probes *p)
{
	if (p->skel)
		p->destroy(p->skel);
	p->skel = NULL;
}

/* probes_start: load and attach the programs of SET and fill the pid
 * filter.  Returns 0 with P set, or a negative errno with a message in ERR
 * (and nothing left loaded). */
static int probes_start(enum probe_set set, const struct kfacts *kf, struct probes *p,
			char *err, size_t errlen)
{
	int e = -EINVAL;

	memset(p, 0, sizeof(*p));
	STAGE(p, "open the programs");
	switch (set) {
	case PROBE_FEXIT:
		e = kf->sendpage ? collect_fexit_sendpage_start(p, set, kf)
				 : collect_fexit_start(p, set, kf);
		break;
	case PROBE_TRACEPOINT:
		e = collect_tracepoint_start(p, set, kf);
		break;
	case PROBE_KPROBE:
		e = collect_kprobe_start(p, set, kf);
		break;
	case PROBE_AUTO:
		break;
	}
	if (!e)
		return 0;
	snprintf(err, errlen, "%s: cannot %s: %s", probe_names[set], p->stage,
		 strerror(-e));
	if (verifier_log && verifier_log[0]) {	/* its end: the failed program's */
		const char *tail = verifier_log + strlen(verifier_log);
		for (int lines = 0; tail > verifier_log && lines <= 40; tail--)
			lines += tail[-1] == '\n';
		fprintf(stderr, "%s: the end of the kernel's log of the %s set:\n%s\n", PROG,
			probe_names[set], tail);
	}
	probes_stop(p);
	return e;
}

/* variant_text: the header's variant= for SET as attached. */
static void variant_text(enum probe_set set, const struct probes *p, const struct kfacts *kf,
			 char *buf, size_t len)
{
	switch (set) {
	case PROBE_FEXIT:
		snprintf(buf, len, "sendmsg,%srecvmsg,splice_read", p->sendpage ? "sendpage," : "");
		break;
	case PROBE_TRACEPOINT:
		snprintf(buf, len, "sock_length%s", p->splice ? ",splice" : "");
		break;
	default:
		snprintf(buf, len, "sendmsg,%scleanup_rbuf,flags=arg%d",
			 p->sendpage ? "sendpage," : "", kf->recv_flags);
		break;
	}
}

/* ============================== reading ================================= */

/* One line of a map: a process (family 0) or a (process, peer) key, with
 * its bytes summed over CPUs. */
struct row {
	__u32 tgid;
	__u16 family;
	__u16 rport;		/* network order, as in the kernel */
	__u16 lport;
	__u8 addr[16];
	char comm[COLLECT_COMM_LEN];
	__u64 send, recv;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static int rows_push(struct rows *r, const struct row *x)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct row *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *x;
	return 0;
}

/* map_read: every key of the per-CPU map FD with its values summed by ADD
 * (KSZ key bytes, VSZ value bytes per CPU).  Uses the batch interface (one
 * syscall per BATCH keys), falling back to key-by-key on kernels without it.
 * Returns 0 or a negative errno. */
typedef int (*row_add_fn)(struct rows *out, const void *key, const void *values, int ncpu,
			  size_t vstride);

static int map_read(int fd, size_t ksz, size_t vsz, int ncpu, row_add_fn add, struct rows *out)
{
	size_t vstride = (vsz + 7) & ~(size_t)7, batch = 1024;
	char *keys = NULL, *vals = NULL, *prev = NULL, *cur = NULL;
	__u32 token = 0, count;
	bool first = true;
	int e = 0;

	keys = malloc(batch * ksz);
	vals = malloc(batch * vstride * (size_t)ncpu);
	if (!keys || !vals) {
		e = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		count = (__u32)batch;
		e = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, vals, &count, NULL);
		if (e && errno == ENOSPC && batch < 1u << 20) {	/* one bucket holds more */
			char *k, *v;
			batch *= 4;
			k = realloc(keys, batch * ksz);
			if (k)
				keys = k;
			v = realloc(vals, batch * vstride * (size_t)ncpu);
			if (v)
				vals = v;
			if (!k || !v) {
				e = -ENOMEM;
				goto cleanup;
			}
			continue;
		}
		if (e && errno != ENOENT) {
			if (first && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP))
				goto by_key;
			e = -errno;
			goto cleanup;
		}
		for (__u32 i = 0; i < count; i++) {
			int a = add(out, keys + i * ksz, vals + i * vstride * (size_t)ncpu, ncpu, vstride);
			if (a) {
				e = a;
				goto cleanup;
			}
		}
		if (e)		/* ENOENT: that was the last batch */
			break;
		first = false;
	}
	e = 0;
	goto cleanup;
by_key:
	prev = NULL;
	cur = malloc(ksz);
	prev = malloc(ksz);
	if (!cur || !prev) {
		e = -ENOMEM;
		goto cleanup;
	}
	for (void *pk = NULL; bpf_map_get_next_key(fd, pk, cur) == 0; pk = prev) {
		if (bpf_map_lookup_elem(fd, cur, vals) == 0) {
			e = add(out, cur, vals, ncpu, vstride);
			if (e)
				goto cleanup;
		}
		memcpy(prev, cur, ksz);
	}
	e = 0;
cleanup:
	free(keys);
	free(vals);
	free(prev);
	free(cur);
	return e;
}

/* row_sum: add up the per-CPU copies in VALUES into R; the name is in the
 * copy of the CPU that created the key. */
static void row_sum(struct row *r, const void *values, int ncpu, size_t vstride)
{
	for (int c = 0; c < ncpu; c++) {
		const struct key_count *v = (const void *)((const char *)values + (size_t)c * vstride);
		r->send += v->send;
		r->recv += v->recv;
		if (!r->comm[0] && v->comm[0])
			memcpy(r->comm, v->comm, sizeof(r->comm));
	}
	r->comm[COLLECT_COMM_LEN - 1] = '\0';
}

static int proc_row_add(struct rows *out, const void *key, const void *values, int ncpu,
			size_t vstride)
{
	struct row r = { .tgid = *(const __u32 *)key };

	row_sum(&r, values, ncpu, vstride);
	return rows_push(out, &r);
}

static int flow_row_add(struct rows *out, const void *key, const void *values, int ncpu,
			size_t vstride)
{
	const struct flow_key *k = key;
	struct row r = { .tgid = k->tgid, .family = k->family, .rport = k->rport, .lport = k->lport };

	memcpy(r.addr, k->addr, sizeof(r.addr));
	row_sum(&r, values, ncpu, vstride);
	return rows_push(out, &r);
}

/* row_cmp_key: order by identity (pid, name, peer, ports), so equal keys
 * from the kernel and from retired processes sit together. */
static int row_cmp_key(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if ((c = strncmp(x->comm, y->comm, COLLECT_COMM_LEN)))
		return c;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if ((c = memcmp(x->addr, y->addr, sizeof(x->addr))))
		return c;
	if (x->rport != y->rport)
		return x->rport < y->rport ? -1 : 1;
	return x->lport < y->lport ? -1 : x->lport > y->lport;
}

/* rows_merge: sort R by identity and fold equal keys into one. */
static void rows_merge(struct rows *r)
{
	size_t w = 0;

	if (r->n < 2)
		return;
	qsort(r->v, r->n, sizeof(*r->v), row_cmp_key);
	for (size_t i = 1; i < r->n; i++) {
		if (row_cmp_key(&r->v[w], &r->v[i]) == 0) {
			r->v[w].send += r->v[i].send;
			r->v[w].recv += r->v[i].recv;
		} else {
			r->v[++w] = r->v[i];
		}
	}
	r->n = w + 1;
}

/* ============================= retiring ================================= */

/*
 * The maps are keyed by tgid, so they fill with processes that have exited.
 * At every dump the keys of processes that no longer exist move to user
 * space (atomically: lookup-and-delete, so a byte counted after the read
 * starts a new key and is never lost); the rows here are added to every
 * later dump.  Cost: one kill(0) per process per dump.
 */
static struct rows retired_procs, retired_flows;

/* proc_gone: true when no process TGID exists any more (a zombie still
 * exists: its pid cannot be reused yet). */
static bool proc_gone(__u32 tgid)
{
	return kill((pid_t)tgid, 0) < 0 && errno == ESRCH;
}

/* retire_rows: move the keys of ROWS (read from map FD: the procs map, or
 * the flows map when FLOW) whose process is gone into RETIRED.  The moved row is zeroed in ROWS: this
 * dump takes its bytes from the retired copy (read at deletion, so never
 * less), and the live read must not add them again.  VALS holds one value
 * per CPU of VSTRIDE bytes. */
static void retire_rows(int fd, struct rows *rows, struct rows *retired, void *vals, int ncpu,
			size_t vstride, bool flow)
{
	__u32 gone = 0, alive = 0;	/* the last tgid checked, either way */

	for (size_t i = 0; i < rows->n; i++) {
		struct row *r = &rows->v[i];
		struct flow_key k = { .tgid = r->tgid, .family = r->family,
				      .rport = r->rport, .lport = r->lport };
		int e;

		if (r->tgid == alive)
			continue;
		if (r->tgid != gone) {
			if (!proc_gone(r->tgid)) {
				alive = r->tgid;
				continue;
			}
			gone = r->tgid;
		}
		memcpy(k.addr, r->addr, sizeof(k.addr));
		if (bpf_map_lookup_and_delete_elem(fd, flow ? (void *)&k : (void *)&r->tgid, vals))
			continue;	/* kernel without it (< 5.14): keep the key */
		e = flow ? flow_row_add(retired, &k, vals, ncpu, vstride)
			 : proc_row_add(retired, &r->tgid, vals, ncpu, vstride);
		if (e == 0)
			r->send = r->recv = 0;
	}
}

static void retire(const struct probes *p, struct rows *procs, struct rows *flows, int ncpu)
{
	size_t stride = (sizeof(struct key_count) + 7) & ~(size_t)7;
	void *vals = malloc(stride * (size_t)ncpu);

	if (!vals)
		return;
	retire_rows(p->procs, procs, &retired_procs, vals, ncpu, stride, false);
	retire_rows(p->flows, flows, &retired_flows, vals, ncpu, stride, true);
	free(vals);
}

/* ============================== writing ================================= */

/* put_pct: S percent-encoded outside [A-Za-z0-9._:,+-], as the capture
 * header's values require. */
static void put_pct(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("._:,+-", c))
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

/* put_comm: a process name as the text stream shows it; a control
 * character (a newline would break the line) becomes '?'. */
static void put_comm(FILE *f, const char *comm)
{
	for (int i = 0; i < COLLECT_COMM_LEN && comm[i]; i++) {
		unsigned char c = (unsigned char)comm[i];
		fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
}

/* put_json_string: S (at most N bytes) as the inside of a JSON string. */
static void put_json_string(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

/* put_printf_event: LINE (without its newline) as bpftrace's JSON printf
 * event, or as a text line. */
static void put_line(FILE *f, const char *line)
{
	if (!env.json) {
		fprintf(f, "%s\n", line);
		return;
	}
	fputs("{\"type\": \"printf\", \"data\": \"", f);
	put_json_string(f, line, strlen(line));
	fputs("\\n\"}\n", f);
}

/* put_key: the key of row R as bpftrace prints it: fields joined by ", " in
 * text and by "," in JSON; with the peer when PEER. */
static void put_key(FILE *f, const struct row *r, bool peer)
{
	const char *sep = env.json ? "," : ", ";
	char addr[INET6_ADDRSTRLEN] = "?";

	fprintf(f, "%u%s", r->tgid, sep);
	if (env.json)
		put_json_string(f, r->comm, COLLECT_COMM_LEN);
	else
		put_comm(f, r->comm);
	if (!peer)
		return;
	inet_ntop(r->family == AF_INET6 ? AF_INET6 : AF_INET, r->addr, addr, sizeof(addr));
	fprintf(f, "%s%s", sep, addr);
	if (env.key == COLLECT_KEY_CONNECTION)
		fprintf(f, "%s%u%s%u", sep, ntohs(r->rport), sep, r->lport);
}

/* Sorting a map's lines by value, then key, as bpftrace prints a sum map. */
static bool sort_by_send;

static int row_cmp_value(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	__u64 u = sort_by_send ? x->send : x->recv, v = sort_by_send ? y->send : y->recv;

	if (u != v)
		return u < v ? -1 : 1;
	return row_cmp_key(a, b);
}

/* put_map: map NAME from ROWS, the SEND or recv column, lines with 0 bytes
 * left out (bpftrace has no such key).  Text: one line per key and a blank
 * line after the map; JSON: one map event, none for an empty map. */
static void put_map(FILE *f, const char *name, struct rows *rows, bool send, bool peer)
{
	size_t shown = 0;

	sort_by_send = send;
	if (rows->n > 1)	/* an empty map has no array: qsort(NULL) is undefined */
		qsort(rows->v, rows->n, sizeof(*rows->v), row_cmp_value);
	for (size_t i = 0; i < rows->n; i++) {
		const struct row *r = &rows->v[i];
		__u64 v = send ? r->send : r->recv;

		if (!v)
			continue;
		if (env.json) {
			fprintf(f, shown ? ", \"" : "{\"type\": \"map\", \"data\": {\"%s\": {\"", name);
			put_key(f, r, peer);
			fprintf(f, "\": %llu", (unsigned long long)v);
		} else {
			fprintf(f, "%s[", name);
			put_key(f, r, peer);
			fprintf(f, "]: %llu\n", (unsigned long long)v);
		}
		shown++;
	}
	if (env.json && shown)
		fputs("}}}\n", f);
	else if (!env.json)
		fputc('\n', f);
}

/* one_name: PROCS sorted and folded by identity, every row of one process
 * under the name of its first row (a leader renamed between two of its keys'
 * first bytes stays one process), folded again. */
static void one_name(struct rows *procs)
{
	rows_merge(procs);
	for (size_t i = 1; i < procs->n; i++)
		if (procs->v[i].tgid == procs->v[i - 1].tgid)
			memcpy(procs->v[i].comm, procs->v[i - 1].comm, COLLECT_COMM_LEN);
	rows_merge(procs);
}

static int row_cmp_tgid(const void *a, const void *b)
{
	__u32 x = ((const struct row *)a)->tgid, y = ((const struct row *)b)->tgid;

	return x < y ? -1 : x > y;
}

/* names_from: each row of FLOWS named as its process in PROCS (one row per
 * process, sorted: one_name), then FLOWS sorted and folded. */
static void names_from(const struct rows *procs, struct rows *flows)
{
	for (size_t i = 0; i < flows->n && procs->n; i++) {
		const struct row *p = bsearch(&flows->v[i], procs->v, procs->n, sizeof(*procs->v),
					      row_cmp_tgid);
		if (p)
			memcpy(flows->v[i].comm, p->comm, COLLECT_COMM_LEN);
	}
	rows_merge(flows);
}

/* procs_add_flows: the per-process totals of -k client / -k connection:
 * every flow, with its peer left out, added to the bytes no flow key took. */
static int procs_add_flows(struct rows *procs, const struct rows *flows)
{
	int e = 0;

	for (size_t i = 0; i < flows->n && !e; i++) {
		struct row r = { .tgid = flows->v[i].tgid,
				 .send = flows->v[i].send, .recv = flows->v[i].recv };

		memcpy(r.comm, flows->v[i].comm, COLLECT_COMM_LEN);
		e = rows_push(procs, &r);
	}
	return e;
}

/* dump: one snapshot: the time it was taken, every map, the end marker.
 * FINAL adds the "# dbnetio-final" marker first.  Returns 0, or a negative
 * errno when the maps cannot be read or the output cannot be written. */
static int dump(FILE *f, const struct probes *p, int ncpu, bool final)
{
	struct rows procs = {}, flows = {};
	struct timespec now;
	char line[64];
	int e;

	if (final)
		put_line(f, "# dbnetio-final");
	clock_gettime(CLOCK_REALTIME, &now);
	e = map_read(p->procs, sizeof(__u32), sizeof(struct key_count), ncpu,
		     proc_row_add, &procs);
	if (!e && env.key != COLLECT_KEY_PROCESS)
		e = map_read(p->flows, sizeof(struct flow_key),
			     sizeof(struct key_count), ncpu, flow_row_add, &flows);
	if (e) {
		fprintf(stderr, "%s: cannot read the counters: %s\n", PROG, strerror(-e));
		goto cleanup;
	}
	if (!final)
		retire(p, &procs, &flows, ncpu);
	for (size_t i = 0; i < retired_procs.n && !e; i++)
		e = rows_push(&procs, &retired_procs.v[i]);
	for (size_t i = 0; i < retired_flows.n && !e; i++)
		e = rows_push(&flows, &retired_flows.v[i]);
	if (!e)
		e = procs_add_flows(&procs, &flows);
	if (e)
		goto cleanup;
	one_name(&procs);
	names_from(&procs, &flows);

	snprintf(line, sizeof(line), "%lld.%06ld", (long long)now.tv_sec, now.tv_nsec / 1000);
	put_line(f, line);
	if (env.key == COLLECT_KEY_PROCESS) {
		put_map(f, "@send", &procs, true, false);
		put_map(f, "@recv", &procs, false, false);
	} else {
		put_map(f, "@send", &flows, true, true);
		put_map(f, "@recv", &flows, false, true);
		put_map(f, "@psend", &procs, true, false);
		put_map(f, "@precv", &procs, false, false);
	}
	put_line(f, "# dbnetio-dump-end");
	if (fflush(f) == EOF || ferror(f)) {
		e = -errno;
		fprintf(stderr, "%s: cannot write the capture: %s\n", PROG, strerror(errno));
	}
cleanup:
	free(procs.v);
	free(flows.v);
	return e;
}

/* dropped_warn: say on stderr when bytes found no room in the procs map. */
static void dropped_warn(const struct probes *p, int ncpu)
{
	struct drop_count *v = calloc((size_t)ncpu, sizeof(*v));
	__u32 zero = 0;
	__u64 s = 0, r = 0;

	if (v && bpf_map_lookup_elem(p->dropped, &zero, v) == 0)
		for (int c = 0; c < ncpu; c++)
			s += v[c].send, r += v[c].recv;
	if (s || r)
		fprintf(stderr, "%s: the process map was full: %llu sent and %llu received bytes "
			"were not counted\n", PROG, (unsigned long long)s, (unsigned long long)r);
	free(v);
}

/* =============================== main =================================== */

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

/* sleep_until: sleep until T on CLOCK.  Returns 0 when T came, 1 when a
 * signal asked to stop first. */
static int sleep_until(clockid_t clock, const struct timespec *t)
{
	while (!exiting) {
		int r = clock_nanosleep(clock, TIMER_ABSTIME, t, NULL);
		if (r == 0)
			return 0;
		if (r != EINTR)
			return 1;
	}
	return 1;
}

/* ns_between: B - A in nanoseconds. */
static long long ns_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

/* next_boundary: the first wall-clock multiple of the interval after NOW. */
static struct timespec next_boundary(const struct timespec *now)
{
	struct timespec t = { (now->tv_sec / env.interval + 1) * env.interval, 0 };

	return t;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = argp_program_doc,
	};
	static const enum probe_set order[] = { PROBE_FEXIT, PROBE_TRACEPOINT, PROBE_KPROBE };
	struct probes probes = { 0 };
	struct sigaction sa = { .sa_handler = sig_handler };
	struct timespec now, mono, next, deadline = { 0, 0 };
	char err[1024], variant[128];
	char *header = NULL;
	size_t header_len = 0;
	FILE *hf;
	enum probe_set used = PROBE_AUTO;
	struct kfacts kf;
	struct utsname u;
	FILE *out = stdout;
	int ncpu, e = 0;

	/* A fixed threshold (no dynamic raise after the first large free) maps
	 * every big buffer on its own and unmaps it on free: loading parses the
	 * kernel's 5 MB BTF into ~11 MB of buffers, which would otherwise stay
	 * in the heap, resident for the whole capture. */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	argp_err_exit_status = 2;
	argv[0] = (char *)PROG;		/* getopt names the program by argv[0] */
	e = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (e)
		return 2;
	if (env.outfile && !env.check && !(out = fopen(env.outfile, "w"))) {
		fprintf(stderr, "%s: -o: cannot write '%s': %s\n", PROG, env.outfile, strerror(errno));
		return 2;
	}
	e = 1;
	if (geteuid() != 0) {
		fprintf(stderr, "%s: must be run as root (it loads eBPF programs)\n", PROG);
		goto cleanup;
	}
	libbpf_set_print(libbpf_print);
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0) {
		fprintf(stderr, "%s: cannot count the possible CPUs: %s\n", PROG, strerror(-ncpu));
		goto cleanup;
	}
	if (kfacts_read(&kf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		goto cleanup;
	}
	/* Probe choice: the requested set, or the first of fexit, tracepoint,
	 * kprobe that this kernel loads and attaches. */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum probe_set set = order[i];
		const char *why;

		if (env.probe != PROBE_AUTO && env.probe != set)
			continue;
		why = set_unavailable(set, &kf);
		if (why) {
			snprintf(err, sizeof(err), "%s: %s", probe_names[set], why);
		} else if (probes_start(set, &kf, &probes, err, sizeof(err)) == 0) {
			used = set;
			break;
		}
		if (env.probe == PROBE_AUTO)
			fprintf(stderr, "%s: %s%s\n", PROG, err,
				i + 1 < sizeof(order) / sizeof(order[0]) ? "; trying the next probe set" : "");
	}
	if (!probes.skel) {
		fprintf(stderr, "%s: %s\n", PROG, env.probe == PROBE_AUTO ?
			"no probe set could be attached on this kernel" : err);
		goto cleanup;
	}
	if (used == PROBE_TRACEPOINT && !probes.splice)
		fprintf(stderr, "%s: this kernel lacks the splice syscall tracepoints: splice() "
			"receive is not counted\n", PROG);
	fprintf(stderr, "%s: probe=%s\n", PROG, probe_names[used]);
	if (env.check) {	/* scripts/dbnetio asks before it picks this collector */
		e = 0;
		goto cleanup;
	}

	/* The header, once the probes are live; as long as the pid list. */
	uname(&u);
	variant_text(used, &probes, &kf, variant, sizeof(variant));
	hf = open_memstream(&header, &header_len);
	if (!hf) {
		fprintf(stderr, "%s: %s\n", PROG, strerror(errno));
		goto cleanup;
	}
	fprintf(hf, "# dbnetio-capture 2 probe=%s key=%s filter=", probe_names[used],
		key_names[env.key]);
	if (env.npids)
		for (size_t i = 0; i < env.npids; i++)
			fprintf(hf, "%s%u", i ? "," : "pid:", env.pids[i]);
	else if (env.comm[0])
		fputs("comm:", hf), put_pct(hf, env.comm);
	else if (env.cgroup)
		fputs("cgroup:", hf), put_pct(hf, env.cgroup);
	else
		fputs("all", hf);
	fprintf(hf, " interval=%ld counters=cumulative host=", env.interval);
	put_pct(hf, u.nodename);
	fputs(" kernel=", hf);
	put_pct(hf, u.release);
	fprintf(hf, " variant=%s collector=dbnetio-collect", variant);
	if (fclose(hf) == EOF) {
		fprintf(stderr, "%s: %s\n", PROG, strerror(errno));
		goto cleanup;
	}
	put_line(out, header);
	if (fflush(out) == EOF) {
		fprintf(stderr, "%s: cannot write the capture: %s\n", PROG, strerror(errno));
		goto cleanup;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Dumps at every multiple of the interval on the wall clock, from the
	 * first one after attaching; -d, measured on the monotonic clock so
	 * that a clock step does not stretch or cut it, ends with the final
	 * dump. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += env.duration;
	clock_gettime(CLOCK_REALTIME, &now);
	next = next_boundary(&now);
	for (;;) {
		bool last;

		clock_gettime(CLOCK_MONOTONIC, &mono);
		last = env.duration && ns_between(&mono, &deadline) <= ns_between(&now, &next);
		if (last) {
			sleep_until(CLOCK_MONOTONIC, &deadline);
			break;
		}
		if (sleep_until(CLOCK_REALTIME, &next))
			break;
		if (dump(out, &probes, ncpu, false) < 0)
			goto cleanup;
		clock_gettime(CLOCK_REALTIME, &now);
		next.tv_sec += env.interval;
		/* Slept through boundaries (suspend), or the clock was stepped
		 * back: the next multiple from now, not a stale one. */
		if (next.tv_sec <= now.tv_sec || next.tv_sec - now.tv_sec > env.interval)
			next = next_boundary(&now);
	}
	if (dump(out, &probes, ncpu, true) < 0)
		goto cleanup;
	dropped_warn(&probes, ncpu);
	e = 0;
cleanup:
	probes_stop(&probes);
	free(verifier_log);
	if (out != stdout && fclose(out) == EOF && !e) {
		fprintf(stderr, "%s: cannot write the capture: %s\n", PROG, strerror(errno));
		e = 1;
	}
	free(header);
	free(env.pids);
	free(env.cgroup);
	free(retired_procs.v);
	free(retired_flows.v);
	return e;
}
