/*
 * dbnetio-kfacts: print the kernel facts the kprobe program needs, read from
 * the kernel's own BTF with libbpf rather than guessed from a version number.
 *
 * The kprobe program (dbnetio.bt) depends on two facts that changed across
 * kernel versions:
 *   - whether tcp_sendpage() exists (sendfile/splice into a TCP socket went
 *     through it until 6.5, which removed it);
 *   - which argument of tcp_recvmsg() is `flags` (5.19 dropped the `nonblock`
 *     argument before it, moving flags from the 5th to the 4th position).
 * Distributions backport such changes, so the kernel's BTF (the types of the
 * running kernel, /sys/kernel/btf/vmlinux) is the reliable source.
 *
 * The launcher also needs the offset of the wall clock from the kernel's
 * monotonic clock (bpftrace's nsecs), so the programs can dump on wall-clock
 * boundaries: -t prints only that, and needs no BTF.
 *
 * USAGE: dbnetio-kfacts [-b BTF_FILE] | dbnetio-kfacts -t
 * Output of -t:
 *   clock_offset_ns=N               CLOCK_REALTIME - CLOCK_MONOTONIC, in ns
 * Output otherwise, one key=value a line (stdout carries data only):
 *   tcp_sendpage=1                  1 when BTF has a function tcp_sendpage, else 0
 *   tcp_recvmsg_flags=3             0-based index of tcp_recvmsg's `flags` parameter
 *   tcp_cleanup_rbuf_copied=1       0-based index of tcp_cleanup_rbuf's `copied`
 *   kernfs_node_id_offset=N         byte offset of struct kernfs_node's `id` (a
 *                                   cgroup's id): bpftrace 0.17 cannot name a
 *                                   member after an anonymous union, and -g
 *                                   reads an ancestor cgroup's id by offset
 * Exit status 0 on success, 1 with a message on stderr when BTF cannot be
 * read or a required function or parameter is missing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>

/* ----------------------------- BTF lookups -------------------------------- */

/* func_proto: the FUNC_PROTO type of function NAME, or NULL when BTF has no
 * function of that name (inlined or absent).  Cost: one name lookup. */
static const struct btf_type *func_proto(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	const struct btf_type *t;

	if (id < 0)
		return NULL;
	t = btf__type_by_id(btf, id);
	if (!t)
		return NULL;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return NULL;
	return t;
}

/* param_index: the 0-based position of parameter PARAM in function FUNC, or
 * -1 with a message in ERR when either is missing. */
static int param_index(const struct btf *btf, const char *func, const char *param,
		       char *err, size_t errlen)
{
	const struct btf_type *proto = func_proto(btf, func);
	const struct btf_param *p;
	int i, n;

	if (!proto) {
		snprintf(err, errlen, "BTF has no function %s", func);
		return -1;
	}
	p = btf_params(proto);
	n = btf_vlen(proto);
	for (i = 0; i < n; i++) {
		const char *pname = btf__name_by_offset(btf, p[i].name_off);
		if (pname && !strcmp(pname, param))
			return i;
	}
	snprintf(err, errlen, "BTF function %s has no parameter named %s", func, param);
	return -1;
}

/* member_offset: the byte offset of member MEMBER of struct STRUCT, or -1
 * with a message in ERR.  Members of anonymous structs and unions are
 * looked into, as C sees them. */
static int member_offset(const struct btf *btf, const char *strct, const char *member,
			 char *err, size_t errlen)
{
	int id = btf__find_by_name_kind(btf, strct, BTF_KIND_STRUCT);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, id);

	if (!t) {
		snprintf(err, errlen, "BTF has no struct %s", strct);
		return -1;
	}
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, m[i].name_off);
		if (name && !strcmp(name, member))
			return (int)(btf_member_bit_offset(t, i) / 8);
	}
	snprintf(err, errlen, "BTF struct %s has no member %s", strct, member);
	return -1;
}

/* ------------------------------- clocks ----------------------------------- */

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* print_clock_offset: CLOCK_REALTIME - CLOCK_MONOTONIC, read between two
 * monotonic reads and taken at their midpoint; the closest of 5 tries
 * (an interrupt between the reads would skew one). */
static int print_clock_offset(void)
{
	int64_t best = 0, best_span = INT64_MAX;

	for (int i = 0; i < 5; i++) {
		struct timespec m1, r, m2;
		if (clock_gettime(CLOCK_MONOTONIC, &m1) || clock_gettime(CLOCK_REALTIME, &r) ||
		    clock_gettime(CLOCK_MONOTONIC, &m2)) {
			fprintf(stderr, "dbnetio-kfacts: clock_gettime: %s\n", strerror(errno));
			return 1;
		}
		int64_t span = ns_of(&m2) - ns_of(&m1);
		if (span < best_span) {
			best_span = span;
			best = ns_of(&r) - (ns_of(&m1) + span / 2);
		}
	}
	printf("clock_offset_ns=%lld\n", (long long)best);
	return 0;
}

/* ------------------------------- main ------------------------------------- */

int main(int argc, char **argv)
{
	const char *path = NULL;
	struct btf *btf;
	char err[256];
	int flags, copied, knid, opt, rc = 1;

	while ((opt = getopt(argc, argv, "b:ht")) != -1) {
		switch (opt) {
		case 't':
			return print_clock_offset();
		case 'b':
			path = optarg;
			break;
		case 'h':
			printf("usage: dbnetio-kfacts [-b BTF_FILE] | dbnetio-kfacts -t\n");
			return 0;
		default:
			fprintf(stderr, "usage: dbnetio-kfacts [-b BTF_FILE]\n");
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: dbnetio-kfacts [-b BTF_FILE]\n");
		return 1;
	}

	btf = path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();
	if (!btf) {
		fprintf(stderr, "dbnetio-kfacts: cannot read kernel BTF %s: %s\n",
			path ? path : "(vmlinux)", strerror(errno));
		return 1;
	}
	flags = param_index(btf, "tcp_recvmsg", "flags", err, sizeof(err));
	if (flags < 0)
		goto cleanup;
	copied = param_index(btf, "tcp_cleanup_rbuf", "copied", err, sizeof(err));
	if (copied < 0)
		goto cleanup;
	knid = member_offset(btf, "kernfs_node", "id", err, sizeof(err));
	if (knid < 0)
		goto cleanup;
	printf("tcp_sendpage=%d\n", func_proto(btf, "tcp_sendpage") ? 1 : 0);
	printf("tcp_recvmsg_flags=%d\n", flags);
	printf("tcp_cleanup_rbuf_copied=%d\n", copied);
	printf("kernfs_node_id_offset=%d\n", knid);
	rc = 0;
cleanup:
	if (rc)
		fprintf(stderr, "dbnetio-kfacts: %s\n", err);
	btf__free(btf);
	return rc;
}
