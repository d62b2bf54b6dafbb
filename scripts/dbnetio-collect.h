/*
 * dbnetio-collect.h: the types shared by the collector's kernel side
 * (dbnetio-collect.bpf.c) and its user side (dbnetio-collect.c).
 *
 * Plain fixed-width structs only: the BPF program writes them into maps and
 * user space reads them back byte for byte, so both sides must agree on every
 * size and offset.  Nothing here includes a system header; the BPF side gets
 * __u32 and friends from vmlinux.h, the user side from <linux/types.h>.
 */
#ifndef DBNETIO_COLLECT_H
#define DBNETIO_COLLECT_H

#define COLLECT_COMM_LEN 16	/* TASK_COMM_LEN: a process name and its NUL */

/*
 * Map sizes (entries; the maps are BPF_F_NO_PREALLOC, so memory follows what
 * is used, not these caps).
 *
 * PROCS_MAX: distinct processes (tgids) with TCP bytes.  The key is the tgid
 * alone, so a capture can never have more keys than the kernel has pids in
 * use at once plus those that exited; the collector moves the totals of
 * exited processes to user space at every dump (see "retire" in
 * dbnetio-collect.c), so the map only ever holds the processes that were
 * alive during one interval.  With -p it is exactly the number of pids.
 *
 * FLOWS_MAX: distinct (process, peer address[, ports]) keys for -k client or
 * -k connection.  A database with short connections makes a new connection
 * key for every client port, so -k connection can fill it; when it is full
 * the bytes of new keys are lost from @send/@recv but never from
 * @psend/@precv, and dbnetio-report shows the difference as "overflow".
 */
#define PROCS_MAX 32768
#define FLOWS_MAX 65536

/* What @send/@recv are keyed by (-k). */
enum collect_key_mode {
	COLLECT_KEY_PROCESS = 0,	/* [PID, COMM] */
	COLLECT_KEY_CLIENT = 1,		/* [PID, COMM, ADDR] */
	COLLECT_KEY_CONNECTION = 2,	/* [PID, COMM, ADDR, RPORT, LPORT] */
};

/* Which processes are traced (-p / -c / neither). */
enum collect_filter_mode {
	COLLECT_FILTER_ALL = 0,
	COLLECT_FILTER_PID = 1,		/* tgid in the traced_pids map */
	COLLECT_FILTER_COMM = 2,	/* thread-group leader's comm == filter_comm */
	COLLECT_FILTER_CGROUP = 3,	/* the thread's cgroup v2 is cgroup_id or below it */
};

/*
 * The capture's settings, the kernel side's one read-only global (.rodata,
 * filled by user space before load and frozen, so the verifier treats every
 * field as a constant and drops the branches a capture does not use).
 * filter_comm is the -c name as two words, and filter_mask keeps its bytes
 * and the NUL after it: comm matches when both masked words are equal,
 * whatever follows the NUL (a comm that once held a longer name need not be
 * zero-padded).  cgroup_id is the -g cgroup's id (its directory's inode
 * number) and cgroup_level its depth below the root of the cgroup v2 tree.
 * recv_flags_arg is the kprobe set's index of tcp_recvmsg's flags argument:
 * 3 since 5.19 (nonblock was dropped), 4 before.
 */
struct collect_config {
	__u64 filter_comm[2];
	__u64 filter_mask[2];
	__u64 cgroup_id;
	__u32 cgroup_level;
	__u32 recv_flags_arg;
	__u8 filter_mode;	/* enum collect_filter_mode */
	__u8 key_mode;		/* enum collect_key_mode */
	__u8 pad[2];
};

/*
 * key_count: the value of both maps.  procs: per-process totals, the
 * @send/@recv of -k process.  With -k client
 * and -k connection each call is counted once, in flows, and procs holds only
 * the bytes no flow key took (a full flows map); user space adds the flows
 * of each process to them for @psend/@precv.  Per-CPU: each CPU adds to its
 * own copy; user space sums them.  COMM is the thread-group leader's name
 * when the key's first byte was counted, written into that CPU's copy only
 * (the other copies stay zeroed), so the name costs nothing per call.
 */
struct key_count {
	__u64 send;
	__u64 recv;
	char comm[COLLECT_COMM_LEN];
};

/*
 * flows: the key of -k client / -k connection.  ADDR holds an IPv4 address
 * in its first 4 bytes (family AF_INET, which includes IPv4-mapped IPv6
 * peers) or an IPv6 address (AF_INET6); RPORT is the peer's port in network
 * byte order as the kernel keeps it (skc_dport), LPORT the local port in host
 * order (skc_num).  Fields the key mode does not use are zero.
 */
struct flow_key {
	__u32 tgid;
	__u16 family;
	__u16 rport;
	__u16 lport;
	__u16 pad;
	__u8 addr[16];
};

/* dropped: bytes that found no room in the procs map (a full map), per
 * direction.  Expected to stay 0; user space warns when it is not. */
struct drop_count {
	__u64 send;
	__u64 recv;
};

#endif /* DBNETIO_COLLECT_H */
