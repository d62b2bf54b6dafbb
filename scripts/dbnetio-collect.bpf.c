// SPDX-License-Identifier: GPL-2.0
/*
 * dbnetio-collect.bpf.c: the kernel side of dbnetio-collect.  Counts the TCP
 * bytes each traced process's own calls moved, per process and (with -k
 * client / -k connection) per peer, into per-CPU maps that user space sums
 * at every interval boundary.
 *
 * Three sets of programs count the same bytes.  This one source is built
 * into one object per set (scripts/collect.mk), each wrapped in a light
 * skeleton, and user space loads exactly one, chosen from BTF and by trying:
 *   fexit       COLLECT_SET_FEXIT: BPF trampolines on tcp_sendmsg,
 *               tcp_sendpage (COLLECT_SENDPAGE, kernels before 6.5),
 *               tcp_recvmsg and tcp_splice_read: the return values, no limit
 *               on concurrent calls, nothing on unrelated syscalls.
 *   tracepoint  COLLECT_SET_TRACEPOINT: sock:sock_send_length /
 *               sock:sock_recv_length (6.3+), as BTF tracepoints, plus
 *               splice() receive; for kernels that refuse trampolines.
 *   kprobe      COLLECT_SET_KPROBE: the last resort, the design of
 *               scripts/dbnetio.bt in C.
 * A light skeleton is loaded by a loader program that runs in the kernel,
 * which also finds the attach targets and applies the CO-RE relocations
 * there: user space never reads the kernel's 5 MB BTF.  Every program of an
 * object must load, hence one object per set (and per tcp_sendpage).
 * The why of each probe is in the comment above it.
 *
 * Counting: one lookup in a per-CPU hash map (procs for -k process, flows
 * for the other keys, whose per-process totals user space sums from the
 * flows) and an atomic add to this CPU's copy.  Per-CPU, because no two
 * CPUs then write one cache line; atomic, because fexit programs run with migration (not preemption) disabled, so
 * two tasks on one CPU can interleave on the same copy.  A missing key is
 * created with BPF_NOEXIST already holding the bytes; if another CPU created
 * it first, the add goes to the key that CPU made.  No priming, no lost
 * update.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "dbnetio-collect.h"

char LICENSE[] SEC("license") = "GPL";

/* From the UAPI headers, which cannot be included next to vmlinux.h. */
#define AF_INET		2
#define AF_INET6	10
#define IPPROTO_TCP	6
#define MSG_PEEK	0x2
#define MSG_ERRQUEUE	0x2000

/* Set by user space before load (read-only afterwards, so the verifier
 * prunes the branches a capture does not use); see dbnetio-collect.h. */
const volatile struct collect_config cfg = {};

/* ------------------------------- maps ------------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PROCS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct key_count);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, FLOWS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct flow_key);
	__type(value, struct key_count);
} flows SEC(".maps");

/* -p: the traced tgids (user space sizes it to the number of pids). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} traced_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct drop_count);
} dropped SEC(".maps");

/*
 * Per-thread state between a call's entry and its settlement: the kprobe
 * set's send (socket and write_seq at entry) and receive (inside
 * tcp_recvmsg, bytes already counted) state, and the tracepoint set's
 * splice state (socket read inside the splice syscall).  Only threads of
 * traced processes in the middle of such a call have an entry.
 */
struct thread_state {
	__u64 sk;		/* kprobe: socket of the unsettled send; splice: socket read */
	__u32 wseq;		/* kprobe: its write_seq at tcp_sendmsg entry */
	__s32 rlast;		/* kprobe: bytes of this tcp_recvmsg already counted */
	__u8 rin;		/* kprobe: 0 outside tcp_recvmsg, 1 inside, 2 inside with MSG_PEEK */
	__u8 pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct thread_state);
} threads SEC(".maps");

/* Splice syscalls of traced threads now in flight: lets tcp_rcv_space_adjust,
 * which fires on every TCP receive, return at once when none is. */
__u64 splices_in_flight;

/* ------------------------------ utility ---------------------------------- */

/* comm_is_filter: whether COMM (a task's comm, read through BTF) equals the
 * -c name: two 8-byte loads and two masked compares, not 16 byte loads
 * (each load through a BTF pointer carries a fault guard). */
static __always_inline bool comm_is_filter(const char *comm)
{
	const __u64 *w = (const __u64 *)comm;

	return (w[0] & cfg.filter_mask[0]) == cfg.filter_comm[0] &&
	       (w[1] & cfg.filter_mask[1]) == cfg.filter_comm[1];
}

/* traced: whether the current process (TGID) is one the capture follows.
 * The name is the thread-group leader's, so threads that rename themselves
 * neither escape the filter nor split a process.  The cgroup is the
 * thread's, as bpftrace's `cgroup` is: a thread moved out of the cgroup
 * leaves the capture.  Cost: nothing (no filter), one hash lookup (-p),
 * two loads and a 16-byte compare (-c), one helper call (-g: the id of the
 * thread's cgroup's ancestor at the -g cgroup's depth, so any cgroup below
 * it matches, however deep). */
static __always_inline bool traced(__u32 tgid)
{
	if (cfg.filter_mode == COLLECT_FILTER_PID)
		return bpf_map_lookup_elem(&traced_pids, &tgid) != NULL;
	if (cfg.filter_mode == COLLECT_FILTER_COMM) {
		struct task_struct *task = bpf_get_current_task_btf();

		return comm_is_filter(task->group_leader->comm);
	}
	if (cfg.filter_mode == COLLECT_FILTER_CGROUP)
		return bpf_get_current_ancestor_cgroup_id(cfg.cgroup_level) == cfg.cgroup_id;
	return true;
}

static __always_inline void count_dropped(__u64 bytes, bool send)
{
	__u32 zero = 0;
	struct drop_count *d = bpf_map_lookup_elem(&dropped, &zero);

	if (!d)
		return;
	if (send)
		__sync_fetch_and_add(&d->send, bytes);
	else
		__sync_fetch_and_add(&d->recv, bytes);
}

/* leader_comm: the current thread-group leader's name, into COMM. */
static __always_inline void leader_comm(char *comm)
{
	struct task_struct *task = bpf_get_current_task_btf();

	bpf_probe_read_kernel_str(comm, COLLECT_COMM_LEN, task->group_leader->comm);
}

/* count_proc: add BYTES to process TGID's total.  The first byte of a
 * process creates its key holding those bytes and the leader's name. */
static __always_inline void count_proc(__u32 tgid, __u64 bytes, bool send)
{
	struct key_count *c = bpf_map_lookup_elem(&procs, &tgid);

	if (!c) {
		struct key_count init = {};

		leader_comm(init.comm);
		if (send)
			init.send = bytes;
		else
			init.recv = bytes;
		if (bpf_map_update_elem(&procs, &tgid, &init, BPF_NOEXIST) == 0)
			return;
		/* another CPU created it first (or the map is full) */
		c = bpf_map_lookup_elem(&procs, &tgid);
		if (!c) {
			count_dropped(bytes, send);
			return;
		}
	}
	if (send)
		__sync_fetch_and_add(&c->send, bytes);
	else
		__sync_fetch_and_add(&c->recv, bytes);
}

/*
 * SK_READ: a field of SK, by a direct load when SK is a BTF pointer (fexit,
 * tp_btf: DIRECT is a compile-time 1 and the other branch is folded away) or
 * by bpf_probe_read_kernel when it is a plain number (kprobe arguments,
 * sockets remembered in a map).  Both are CO-RE relocated.
 */
#define SK_READ(direct, sk, field) ((direct) ? (sk)->field : BPF_CORE_READ(sk, field))

/* flow_key_fill: K's peer fields from SK, the socket the bytes moved on.
 * An IPv4-mapped IPv6 peer (::ffff:a.b.c.d, an IPv4 client of a dual-stack
 * listener) is keyed as the IPv4 address, so one client is one key however
 * it connected.  Returns false for a socket that is neither IPv4 nor IPv6. */
static __always_inline bool flow_key_fill(struct flow_key *k, struct sock *sk, bool direct)
{
	__u16 family = SK_READ(direct, sk, __sk_common.skc_family);

	if (family == AF_INET) {
		__u32 a = SK_READ(direct, sk, __sk_common.skc_daddr);

		k->family = AF_INET;
		__builtin_memcpy(k->addr, &a, 4);
	} else if (family == AF_INET6) {
		__u32 a0 = SK_READ(direct, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32[0]);
		__u32 a1 = SK_READ(direct, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32[1]);
		__u32 a2 = SK_READ(direct, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32[2]);
		__u32 a3 = SK_READ(direct, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32[3]);

		if (a0 == 0 && a1 == 0 && a2 == bpf_htonl(0xffff)) {
			k->family = AF_INET;
			__builtin_memcpy(k->addr, &a3, 4);
		} else {
			k->family = AF_INET6;
			__builtin_memcpy(k->addr, &a0, 4);
			__builtin_memcpy(k->addr + 4, &a1, 4);
			__builtin_memcpy(k->addr + 8, &a2, 4);
			__builtin_memcpy(k->addr + 12, &a3, 4);
		}
	} else {
		return false;
	}
	if (cfg.key_mode == COLLECT_KEY_CONNECTION) {
		k->rport = SK_READ(direct, sk, __sk_common.skc_dport);
		k->lport = SK_READ(direct, sk, __sk_common.skc_num);
	}
	return true;
}

/* count_flow: add BYTES to the (process, peer[, ports]) key.  Returns false
 * when no key took them (a full map, a socket of another family), so that
 * the caller counts them to the process alone. */
static __always_inline bool count_flow(__u32 tgid, struct sock *sk, __u64 bytes, bool send,
				       bool direct)
{
	struct flow_key k = { .tgid = tgid };
	struct key_count *c;

	if (!flow_key_fill(&k, sk, direct))
		return false;
	c = bpf_map_lookup_elem(&flows, &k);
	if (!c) {
		struct key_count init = {};

		leader_comm(init.comm);
		if (send)
			init.send = bytes;
		else
			init.recv = bytes;
		if (bpf_map_update_elem(&flows, &k, &init, BPF_NOEXIST) == 0)
			return true;
		c = bpf_map_lookup_elem(&flows, &k);
		if (!c)
			return false;
	}
	if (send)
		__sync_fetch_and_add(&c->send, bytes);
	else
		__sync_fetch_and_add(&c->recv, bytes);
	return true;
}

/* count_bytes: BYTES moved on SK by the current process, TGID (traced):
 * counted once, to its flow, or to the process when no flow key takes them
 * (or the key is the process). */
static __always_inline void count_bytes(__u32 tgid, struct sock *sk, __u64 bytes, bool send,
					bool direct)
{
	if (cfg.key_mode != COLLECT_KEY_PROCESS && count_flow(tgid, sk, bytes, send, direct))
		return;
	count_proc(tgid, bytes, send);
}

/* ------------------------------ fexit set -------------------------------- */
#if defined(COLLECT_SET_FEXIT)

/*
 * fexit/tcp_sendmsg: every send, sendto, sendmsg, sendmmsg message, write
 * and writev on a TCP socket, and since 6.5 sendfile and splice into one
 * (splice_to_socket -> sock_sendmsg), ends here; the return value is the
 * bytes queued, not the size asked for, and errors such as -EAGAIN are
 * negative.  A trampoline sees every return, unlike a kretprobe, which
 * follows at most max(10, 2 * CPUs) concurrent calls and silently misses
 * the rest (24 threads blocked in send).
 */
SEC("fexit/tcp_sendmsg")
int BPF_PROG(fexit_tcp_sendmsg, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ret > 0 && traced(tgid))
		count_bytes(tgid, sk, ret, true, true);
	return 0;
}

#ifdef COLLECT_SENDPAGE
/*
 * fexit/tcp_sendpage: before 6.5, sendfile and splice into a TCP socket went
 * through ->sendpage and never reached tcp_sendmsg.  In the object built for
 * kernels whose BTF has the function.
 */
SEC("fexit/tcp_sendpage")
int BPF_PROG(fexit_tcp_sendpage, struct sock *sk, struct page *page, int offset, size_t size,
	     int flags, int ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ret > 0 && traced(tgid))
		count_bytes(tgid, sk, ret, true, true);
	return 0;
}
#endif /* COLLECT_SENDPAGE */

/*
 * fexit/tcp_recvmsg: recv, recvfrom, recvmsg, recvmmsg messages, read and
 * readv on a TCP socket; the return value is the bytes consumed (MSG_WAITALL
 * returns one total).  MSG_PEEK consumes nothing and MSG_ERRQUEUE returns
 * queued error/timestamp data, not bytes from the peer: neither counts.  The
 * flags argument moved in 5.19, when nonblock before it was dropped: it is
 * the last but one of 6 arguments before and of 5 since, so it and the
 * return value are read with bpf_get_func_arg_cnt/bpf_get_func_arg/
 * bpf_get_func_ret rather than a fixed argument list.
 */
SEC("fexit/tcp_recvmsg")
int fexit_tcp_recvmsg(__u64 *ctx)
{
	struct sock *sk = (void *)ctx[0];
	__u64 ret = 0, flags = 0;
	__u32 tgid;

	if (bpf_get_func_ret(ctx, &ret) || (int)ret <= 0)
		return 0;
	if (bpf_get_func_arg(ctx, bpf_get_func_arg_cnt(ctx) - 2, &flags) ||
	    (flags & (MSG_PEEK | MSG_ERRQUEUE)))
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (traced(tgid))
		count_bytes(tgid, sk, (int)ret, false, true);
	return 0;
}

/*
 * fexit/tcp_splice_read: splice() from a TCP socket reads the receive queue
 * through tcp_read_sock and never calls tcp_recvmsg; tcp_splice_read's
 * return value is the bytes it took, the sum of its tcp_read_sock calls,
 * i.e. the bytes the kprobe set counts at tcp_cleanup_rbuf outside
 * tcp_recvmsg.  Not tcp_read_sock itself: since 6.15 it is a small wrapper
 * beside its splice caller in tcp.c, which the compiler may inline (a
 * trampoline on it would then see no splice at all), and it also serves
 * in-kernel readers (strparser) in whatever task is current.
 * tcp_splice_read is only reached through proto_ops->splice_read, from the
 * process's own splice calls, so it is never inlined.
 */
SEC("fexit/tcp_splice_read")
int BPF_PROG(fexit_tcp_splice_read, struct socket *sock, loff_t *ppos,
	     struct pipe_inode_info *pipe, size_t len, unsigned int flags, long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ret > 0 && traced(tgid))
		count_bytes(tgid, sock->sk, ret, false, true);
	return 0;
}

#endif /* COLLECT_SET_FEXIT */

/* ---------------------------- tracepoint set ----------------------------- */
#if defined(COLLECT_SET_TRACEPOINT)

/* is_inet_tcp: SK is a TCP socket over IPv4 or IPv6 (UNIX, UDP, SCTP and
 * MPTCP sockets fire the same tracepoints). */
static __always_inline bool is_inet_tcp(struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	return sk->sk_protocol == IPPROTO_TCP && (family == AF_INET || family == AF_INET6);
}

/*
 * tp_btf/sock_send_length: fires at the end of every sock_sendmsg() with its
 * return value, for the same calls as tcp_sendmsg above (send ... writev,
 * sendfile and splice into a socket).  As a BTF tracepoint the program gets
 * the struct sock itself and reads it with plain loads.
 */
SEC("tp_btf/sock_send_length")
int BPF_PROG(tp_sock_send_length, struct sock *sk, int ret, int flags)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ret > 0 && is_inet_tcp(sk) && traced(tgid))
		count_bytes(tgid, sk, ret, true, true);
	return 0;
}

/* tp_btf/sock_recv_length: the end of every sock_recvmsg(), with the return
 * value and the flags, so MSG_PEEK and MSG_ERRQUEUE are skipped as above. */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(tp_sock_recv_length, struct sock *sk, int ret, int flags)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ret > 0 && !(flags & (MSG_PEEK | MSG_ERRQUEUE)) && is_inet_tcp(sk) && traced(tgid))
		count_bytes(tgid, sk, ret, false, true);
	return 0;
}

/*
 * splice() from a TCP socket never calls sock_recvmsg, so it is counted from
 * the splice syscall's return value when a TCP socket was read inside it
 * (scripts/dbnetio-tp.bt does the same): tcp:tcp_rcv_space_adjust fires
 * only on the receive path (recvmsg, tcp_read_sock), never for the pipe or
 * for a socket being written, and gives the socket for the key.  The
 * syscall tracepoints fire for splice calls only; tcp_rcv_space_adjust
 * fires on every receive and returns at once unless a traced splice is in
 * flight.
 */
SEC("tracepoint/syscalls/sys_enter_splice")
int tp_sys_enter_splice(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct thread_state st = {};

	if (!traced(id >> 32))
		return 0;
	if (bpf_map_update_elem(&threads, &tid, &st, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&splices_in_flight, 1);
	return 0;
}

SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(tp_tcp_rcv_space_adjust, struct sock *sk)
{
	__u32 tid;
	struct thread_state *st;
	__u16 family;

	if (!splices_in_flight)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	st = bpf_map_lookup_elem(&threads, &tid);
	if (!st)
		return 0;
	family = sk->__sk_common.skc_family;
	if (family == AF_INET || family == AF_INET6)
		st->sk = (__u64)sk;
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_splice")
int tp_sys_exit_splice(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct thread_state *st = bpf_map_lookup_elem(&threads, &tid);

	if (!st)
		return 0;
	if (st->sk && ctx->ret > 0)
		count_bytes(id >> 32, (struct sock *)st->sk, ctx->ret, false, false);
	bpf_map_delete_elem(&threads, &tid);
	__sync_fetch_and_add(&splices_in_flight, -1);
	return 0;
}

#endif /* COLLECT_SET_TRACEPOINT */

/* ------------------------------ kprobe set ------------------------------- */
#if defined(COLLECT_SET_KPROBE)

/*
 * The last resort, for kernels that refuse trampolines and lack the sock_*
 * tracepoints.  No kretprobes (their limit of concurrent calls loses the
 * returns of many blocked senders), so, as in scripts/dbnetio.bt:
 * - send: the growth of the socket's write_seq across one tcp_sendmsg (or
 *   tcp_sendpage) call, remembered at entry and settled when the thread
 *   leaves the syscall, enters tcp_sendmsg again (sendmmsg, io_uring
 *   workers) or exits.  It equals the call's return value.
 * - receive: tcp_cleanup_rbuf's `copied`, a running total inside one
 *   tcp_recvmsg (counted as its growth) and one read's total outside it
 *   (tcp_read_sock: splice), counted whole; MSG_PEEK calls count nothing.
 * The settlement probe runs on every syscall exit of every process: that is
 * this set's cost, and why it comes last.
 */

/* thread_state_get: the current thread's state, created zeroed if absent;
 * NULL only when the map is full. */
static __always_inline struct thread_state *thread_state_get(__u32 tid)
{
	struct thread_state *st = bpf_map_lookup_elem(&threads, &tid);
	struct thread_state zero = {};

	if (st)
		return st;
	bpf_map_update_elem(&threads, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&threads, &tid);
}

/* settle_send: count the growth of write_seq since the unsettled send's
 * entry, if there is one. */
static __always_inline void settle_send(struct thread_state *st, __u32 tgid)
{
	struct tcp_sock *tp = (struct tcp_sock *)st->sk;
	__u32 grown;

	if (!tp)
		return;
	grown = BPF_CORE_READ(tp, write_seq) - st->wseq;
	if (grown)
		count_bytes(tgid, (struct sock *)tp, grown, true, false);
	st->sk = 0;
}

static __always_inline int kp_send_entry(struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct thread_state *st;

	if (!traced(id >> 32))
		return 0;
	st = thread_state_get((__u32)id);
	if (!st)
		return 0;
	settle_send(st, id >> 32);
	st->sk = (__u64)sk;
	st->wseq = BPF_CORE_READ((struct tcp_sock *)sk, write_seq);
	return 0;
}

/* kprobe/tcp_sendmsg: every TCP send, as fexit/tcp_sendmsg above. */
SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(kp_tcp_sendmsg, struct sock *sk)
{
	return kp_send_entry(sk);
}

/* kprobe/tcp_sendpage: sendfile/splice into a socket before 6.5; attached
 * only where the kernel has the function. */
SEC("kprobe/tcp_sendpage")
int BPF_KPROBE(kp_tcp_sendpage, struct sock *sk)
{
	return kp_send_entry(sk);
}

/* kprobe/tcp_recvmsg: marks the thread as inside tcp_recvmsg, and whether
 * the call only peeks. */
SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(kp_tcp_recvmsg, struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct thread_state *st;
	__u64 arg3, arg4, flags;

	if (!traced(id >> 32))
		return 0;
	/* Both registers at constant offsets, then the choice: selecting the
	 * offset instead is a load through a modified ctx pointer, which the
	 * verifier rejects (clang makes that of a plain ?: here). */
	arg3 = PT_REGS_PARM4(ctx);
	arg4 = PT_REGS_PARM5(ctx);
	barrier_var(arg3);
	barrier_var(arg4);
	flags = cfg.recv_flags_arg == 4 ? arg4 : arg3;
	st = thread_state_get((__u32)id);
	if (!st)
		return 0;
	st->rin = (flags & (MSG_PEEK | MSG_ERRQUEUE)) ? 2 : 1;
	st->rlast = 0;
	return 0;
}

/* kprobe/tcp_cleanup_rbuf: the bytes consumed from the receive queue, by
 * every consumer (tcp_recvmsg, tcp_read_sock). */
SEC("kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(kp_tcp_cleanup_rbuf, struct sock *sk, int copied)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct thread_state *st;

	if (!traced(id >> 32))
		return 0;
	st = bpf_map_lookup_elem(&threads, &tid);
	if (st && st->rin == 1) {
		if (copied > st->rlast) {
			count_bytes(id >> 32, sk, copied - st->rlast, false, false);
			st->rlast = copied;
		}
	} else if ((!st || st->rin == 0) && copied > 0) {
		count_bytes(id >> 32, sk, copied, false, false);
	}
	return 0;
}

/* settle_thread: the thread left its syscall (or exits): count its pending
 * send and forget its state. */
static __always_inline void settle_thread(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct thread_state *st = bpf_map_lookup_elem(&threads, &tid);

	if (!st)
		return;
	settle_send(st, id >> 32);
	bpf_map_delete_elem(&threads, &tid);
}

/* raw_syscalls:sys_exit: every syscall exit of every process; one lookup
 * for the threads that have no state. */
SEC("tp_btf/sys_exit")
int BPF_PROG(kp_sys_exit)
{
	settle_thread();
	return 0;
}

/* sched:sched_process_exit: a thread that leaves without a syscall exit. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(kp_sched_process_exit)
{
	settle_thread();
	return 0;
}
#endif /* COLLECT_SET_KPROBE */
