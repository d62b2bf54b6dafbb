/*
 * tcpwork: the ground-truth workload of the capture lanes.
 *
 * One run performs ONE way of moving TCP bytes (a "pattern") against a peer in
 * another process, and prints the bytes its own calls returned.  The capture
 * (scripts/dbnetio filtering this process) must report exactly those numbers:
 * a syscall's return value is the truth about how many bytes it moved.  The
 * peer renames itself "tcpwork-peer" so that a capture filtering by the name
 * "tcpwork" never counts it, and its pid differs anyway.
 *
 * USAGE: tcpwork [-g FIFO] [-a ADDR] PATTERN
 *   Waits for a line on FIFO (or on stdin without -g) before doing any I/O, so
 *   a test can start tracing first; then prints one line on stdout:
 *     PATTERN PID SENT RECEIVED PEER CONNS
 *   SENT/RECEIVED count only TCP bytes (the sum of positive return values of
 *   the data calls); the "must not count" patterns print 0 0.  PEER is the
 *   address the workload's sockets talk to (its client key as a server would
 *   see it; "-" without TCP), CONNS each TCP connection as
 *   LOCALPORT:REMOTEPORT:SENT:RECEIVED, comma-separated ("-" for none).
 *   -a ADDR puts the IPv4 peer on another loopback address (127.0.0.0/8),
 *   so that several workloads are several distinct clients.
 *   `tcpwork -l` lists the patterns.
 *
 * Sizes are deliberately not round and several MB, so both directions go
 * through many segments, partial reads and full socket buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/net_tstamp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#define SEND_BYTES 3000017L	/* the workload sends this much */
#define RECV_BYTES 2500009L	/* and the peer answers with this much */
#define NTHREADS 4

static char buf[1 << 20];
/* The IPv4 peer's address (-a), and what each TCP connection moved. */
static struct in_addr peer_v4 = { .s_addr = 0 };
static char peer_text[INET6_ADDRSTRLEN] = "-";
struct conn {
	unsigned lport, rport;
	long sent, recv;
};
static struct conn conns[64];
static int nconns;
/* The nonblock pattern's peer waits before reading, so the workload's
 * non-blocking writes really fill the socket buffer and see EAGAIN. */
static unsigned peer_delay_us;

/* ----------------------------- utility ----------------------------------- */

/* die: print what failed with errno's text and exit 2 (distinct from a
 * mismatch, which is the runner's business). */
static void die(const char *what)
{
	fprintf(stderr, "tcpwork: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* tcp_pair: a connected TCP pair over loopback of FAMILY (AF_INET or AF_INET6).
 * Both ends live in this process until the caller forks the peer. */
static void tcp_pair(int family, int *work, int *peer)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd = socket(family, SOCK_STREAM, 0);

	if (lfd < 0)
		die("socket");
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = peer_v4.s_addr ? peer_v4.s_addr : htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	}
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 1) < 0)
		die("bind/listen on loopback");
	if (getsockname(lfd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname");
	*work = socket(family, SOCK_STREAM, 0);
	if (*work < 0 || connect(*work, (struct sockaddr *)&ss, len) < 0)
		die("connect");
	*peer = accept(lfd, NULL, NULL);
	if (*peer < 0)
		die("accept");
	close(lfd);
}

/* note_conn: remember what the workload's TCP socket FD moved, by its ports
 * (the connection key), and the peer's address in text form. */
static void note_conn(int fd, long sent, long recv)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);

	if (nconns == (int)(sizeof(conns) / sizeof(conns[0])) ||
	    getsockname(fd, (struct sockaddr *)&l, &ll) < 0 || getpeername(fd, (struct sockaddr *)&r, &rl) < 0)
		die("note_conn");
	if (r.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&r)->sin6_addr, peer_text, sizeof(peer_text));
		conns[nconns].lport = ntohs(((struct sockaddr_in6 *)&l)->sin6_port);
		conns[nconns].rport = ntohs(((struct sockaddr_in6 *)&r)->sin6_port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&r)->sin_addr, peer_text, sizeof(peer_text));
		conns[nconns].lport = ntohs(((struct sockaddr_in *)&l)->sin_port);
		conns[nconns].rport = ntohs(((struct sockaddr_in *)&r)->sin_port);
	}
	conns[nconns].sent = sent;
	conns[nconns].recv = recv;
	nconns++;
}

/* chunk: an odd-sized slice, so calls do not line up with segment sizes. */
static size_t chunk(long left, size_t max)
{
	return left < (long)max ? (size_t)left : max;
}

/* io_call: ONE data syscall on FD moving at most WANT bytes; returns what
 * that syscall returned (for the multi-message calls, the bytes of all its
 * messages).  CTX holds what a pattern needs besides the fd.  Each way of
 * sending or receiving below is one io_call, so the syscall a pattern makes
 * stands in its own few lines, and move_n/move_to_eof are the only loops. */
typedef ssize_t io_call(int fd, size_t want, void *ctx);

/* wait_ready: a non-blocking call returned EAGAIN; wait (at most 1 s) until
 * FD can move bytes in direction EVENTS.  Blocking sockets never get here. */
static void wait_ready(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	poll(&p, 1, 1000);
}

/* move_n: CALL until exactly TOTAL bytes moved, at most MAX per call.
 * EINTR is retried, EAGAIN (only the non-blocking send) waits for room; any
 * other failure, or a call that moves nothing, is fatal (WHAT names it).
 * Returns the sum of the returns. */
static long move_n(int fd, long total, size_t max, io_call *call, void *ctx,
		   const char *what)
{
	long done = 0;

	while (done < total) {
		ssize_t n = call(fd, chunk(total - done, max), ctx);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			wait_ready(fd, POLLOUT);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(what);
		done += n;
	}
	return done;
}

/* move_to_eof: CALL with WANT until it returns 0 (the peer closed).  EINTR
 * is retried, EAGAIN (only the non-blocking recv) waits for data, any other
 * failure is fatal.  Returns the sum of the positive returns. */
static long move_to_eof(int fd, size_t want, io_call *call, void *ctx,
			const char *what)
{
	long done = 0;

	for (;;) {
		ssize_t n = call(fd, want, ctx);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			wait_ready(fd, POLLIN);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(what);
		if (n == 0)
			return done;
		done += n;
	}
}

/* The plain calls, shared by several patterns and the peer. */
static ssize_t call_send(int fd, size_t want, void *ctx)
{
	(void)ctx;
	return send(fd, buf, want, 0);
}

static ssize_t call_recv(int fd, size_t want, void *ctx)
{
	(void)ctx;
	return recv(fd, buf, want, 0);
}

static ssize_t call_write(int fd, size_t want, void *ctx)
{
	(void)ctx;
	return write(fd, buf, want);
}

static ssize_t call_read(int fd, size_t want, void *ctx)
{
	(void)ctx;
	return read(fd, buf, want);
}

/* peer_main: the other process.  Reads exactly SEND_BYTES, then writes
 * RECV_BYTES and closes, so the workload sees EOF after the answer. */
static void peer_main(int fd, long in, long out)
{
	prctl(PR_SET_NAME, "tcpwork-peer");
	if (peer_delay_us)
		usleep(peer_delay_us);
	move_n(fd, in, sizeof(buf), call_read, NULL, "peer read");
	move_n(fd, out, 65521, call_write, NULL, "peer write");
	close(fd);
	_exit(0);
}

/* spawn_peer: fork the peer on PEERFD; the workload keeps only its own end. */
static pid_t spawn_peer(int peerfd, int workfd, long in, long out)
{
	pid_t p = fork();

	if (p < 0)
		die("fork");
	if (p == 0) {
		close(workfd);
		peer_main(peerfd, in, out);
	}
	close(peerfd);
	return p;
}

static void reap(pid_t p)
{
	int st;

	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "tcpwork: peer %d failed\n", (int)p);
		exit(2);
	}
}

/* ------------------------- ways to send ---------------------------------- */

static long send_plain(int fd, long total)
{
	return move_n(fd, total, 100003, call_send, NULL, "send");
}

static ssize_t call_sendmsg(int fd, size_t want, void *ctx)
{
	size_t a = want / 3, b = want / 5;
	struct iovec iov[3] = {
		{ buf, a }, { buf + a, b }, { buf + a + b, want - a - b },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };

	(void)ctx;
	return sendmsg(fd, &m, 0);
}

static long send_msg(int fd, long total)
{
	return move_n(fd, total, 70001, call_sendmsg, NULL, "sendmsg");
}

/* call_sendmmsg: sendmmsg, several messages (so several tcp_sendmsg calls) in
 * one syscall: WANT split into up to 4 messages of at most 30011 bytes. */
static ssize_t call_sendmmsg(int fd, size_t want, void *ctx)
{
	struct iovec iov[4][2];
	struct mmsghdr mm[4];
	ssize_t bytes = 0;
	int n = 0, r;

	(void)ctx;
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 4 && want > 0; i++, n++) {
		size_t part = chunk((long)want, 30011);
		iov[i][0] = (struct iovec){ buf, part / 2 };
		iov[i][1] = (struct iovec){ buf + part / 2, part - part / 2 };
		mm[i].msg_hdr.msg_iov = iov[i];
		mm[i].msg_hdr.msg_iovlen = 2;
		want -= part;
	}
	r = sendmmsg(fd, mm, n, 0);
	if (r <= 0)
		return r;
	for (int i = 0; i < r; i++)
		bytes += mm[i].msg_len;
	return bytes;
}

static long send_mmsg(int fd, long total)
{
	return move_n(fd, total, 4 * 30011, call_sendmmsg, NULL, "sendmmsg");
}

static ssize_t call_writev(int fd, size_t want, void *ctx)
{
	size_t a = want / 2, b = 7 < want - a ? 7 : want - a;
	struct iovec iov[3] = {
		{ buf, a }, { buf + a, b }, { buf + a + b, want - a - b },
	};

	(void)ctx;
	return writev(fd, iov, 3);
}

static long send_writev(int fd, long total)
{
	return move_n(fd, total, 90007, call_writev, NULL, "writev");
}

struct file_src {
	int fd;
	off_t off;
};

static ssize_t call_sendfile(int fd, size_t want, void *ctx)
{
	struct file_src *f = ctx;

	return sendfile(fd, f->fd, &f->off, want);
}

static long send_file(int fd, long total)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096];
	struct file_src f = { -1, 0 };
	long done;

	snprintf(path, sizeof(path), "%s/tcpwork.XXXXXX", dir);
	f.fd = mkstemp(path);
	if (f.fd < 0)
		die("mkstemp");
	unlink(path);
	move_n(f.fd, total, sizeof(buf), call_write, NULL, "write temp file");
	done = move_n(fd, total, 1000003, call_sendfile, &f, "sendfile");
	close(f.fd);
	return done;
}

struct nonblock_stats {
	long eagain, partial;
};

/* call_send_nonblock: send that tallies how often it returned short or
 * failed with EAGAIN (move_n then waits for room). */
static ssize_t call_send_nonblock(int fd, size_t want, void *ctx)
{
	struct nonblock_stats *st = ctx;
	ssize_t n = send(fd, buf, want, 0);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		st->eagain++;
	else if (n >= 0 && (size_t)n < want)
		st->partial++;
	return n;
}

/* send_nonblock: O_NONBLOCK writes bigger than the socket buffer, so many
 * return short or fail with EAGAIN; only positive returns count. */
static long send_nonblock(int fd, long total)
{
	struct nonblock_stats st = { 0, 0 };
	int small = 65536;
	long done;

	/* A small send buffer makes 1 MB writes return short, then EAGAIN. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	done = move_n(fd, total, sizeof(buf), call_send_nonblock, &st, "non-blocking send");
	fprintf(stderr, "tcpwork: nonblock: %ld short writes, %ld EAGAIN returns\n",
		st.partial, st.eagain);
	return done;
}

/* ------------------------- ways to receive ------------------------------- */

static long recv_plain(int fd)
{
	return move_to_eof(fd, 65519, call_recv, NULL, "recv");
}

/* call_recvmsg: fixed, uneven iovecs; WANT is their sum. */
static ssize_t call_recvmsg(int fd, size_t want, void *ctx)
{
	struct iovec iov[3] = {
		{ buf, 1031 }, { buf + 1031, 17 }, { buf + 2048, 40009 },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };

	(void)want;
	(void)ctx;
	return recvmsg(fd, &m, 0);
}

static long recv_msg(int fd)
{
	return move_to_eof(fd, 1031 + 17 + 40009, call_recvmsg, NULL, "recvmsg");
}

/* call_recvmmsg: recvmmsg with MSG_WAITFORONE, several messages per syscall
 * when data is queued.  A message of 0 bytes is EOF: the batch's bytes
 * still count, and the next call reports 0 without another syscall. */
static ssize_t call_recvmmsg(int fd, size_t want, void *ctx)
{
	int *eof = ctx;
	struct iovec iov[3];
	struct mmsghdr mm[3];
	ssize_t bytes = 0;
	int r;

	(void)want;
	if (*eof)
		return 0;
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		iov[i] = (struct iovec){ buf + i * 200000, 20011 };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	r = recvmmsg(fd, mm, 3, MSG_WAITFORONE, NULL);
	if (r <= 0)
		return r;
	for (int i = 0; i < r; i++)
		bytes += mm[i].msg_len;
	if (mm[r - 1].msg_len == 0)
		*eof = 1;
	return bytes;
}

static long recv_mmsg(int fd)
{
	int eof = 0;

	return move_to_eof(fd, 3 * 20011, call_recvmmsg, &eof, "recvmmsg");
}

static ssize_t call_readv(int fd, size_t want, void *ctx)
{
	struct iovec iov[2] = { { buf, 3001 }, { buf + 4096, 50021 } };

	(void)want;
	(void)ctx;
	return readv(fd, iov, 2);
}

static long recv_readv(int fd)
{
	return move_to_eof(fd, 3001 + 50021, call_readv, NULL, "readv");
}

/* call_splice: socket -> pipe with splice (tcp_splice_read, which never goes
 * through recvmsg), then drain the pipe with read (not a socket: not
 * counted).  CTX is the pipe. */
static ssize_t call_splice(int fd, size_t want, void *ctx)
{
	int *p = ctx;
	ssize_t n = splice(fd, NULL, p[1], NULL, want, SPLICE_F_MOVE);

	if (n > 0)
		move_n(p[0], n, (size_t)n, call_read, NULL, "read pipe");
	return n;
}

static long recv_splice(int fd)
{
	long done;
	int p[2];

	if (pipe(p) < 0)
		die("pipe");
	done = move_to_eof(fd, 65536, call_splice, p, "splice");
	close(p[0]);
	close(p[1]);
	return done;
}

/* call_peek: every read is preceded by a MSG_PEEK of the same size; peeked
 * bytes are not consumed and must not count, only the read's return does. */
static ssize_t call_peek(int fd, size_t want, void *ctx)
{
	ssize_t n = recv(fd, buf, want, MSG_PEEK);

	(void)ctx;
	if (n <= 0)
		return n;
	n = read(fd, buf, (size_t)n);
	if (n <= 0)	/* the peeked bytes are queued: 0 is impossible */
		die("read after peek");
	return n;
}

static long recv_peek(int fd)
{
	return move_to_eof(fd, 30011, call_peek, NULL, "recv MSG_PEEK");
}

/*
 * The errqueue pattern: the socket asks for software send timestamps with
 * the data (no SOF_TIMESTAMPING_OPT_TSONLY), so after each send the kernel
 * queues a copy of the sent packet on the socket's error queue, and
 * recvmsg(MSG_ERRQUEUE) returns its bytes.  Those are the workload's own
 * bytes looped back, not bytes from the peer: they must not count as
 * received, only the plain sends and receives do.  errq_bytes keeps what the
 * error queue returned, so the pattern can insist it tested something.
 */
static long errq_bytes;

/* errq_drain: read FD's error queue until it is empty. */
static void errq_drain(int fd)
{
	char control[512];
	struct iovec iov = { buf, 65536 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	for (;;) {
		m.msg_control = control;
		m.msg_controllen = sizeof(control);
		n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0)
			die("recvmsg MSG_ERRQUEUE");
		errq_bytes += n;
	}
}

static ssize_t call_send_tstamp(int fd, size_t want, void *ctx)
{
	ssize_t n = send(fd, buf, want, 0);

	(void)ctx;
	if (n > 0)
		errq_drain(fd);
	return n;
}

static long send_tstamp(int fd, long total)
{
	int v = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;

	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &v, sizeof(v)) < 0)
		die("setsockopt SO_TIMESTAMPING");
	return move_n(fd, total, 100003, call_send_tstamp, NULL, "send");
}

/* call_recv_errq: drain the error queue, then one non-blocking recv.  The
 * queue's packet copies are charged to the receive buffer: left there they
 * close the receive window and the peer's answer never arrives.  A blocked
 * move_to_eof waits in poll, which also wakes for the error queue. */
static ssize_t call_recv_errq(int fd, size_t want, void *ctx)
{
	(void)ctx;
	errq_drain(fd);
	return recv(fd, buf, want, MSG_DONTWAIT);
}

/* recv_errqueue: the answer, emptying the error queue on the way. */
static long recv_errqueue(int fd)
{
	long done = move_to_eof(fd, 65519, call_recv_errq, NULL, "recv");

	errq_drain(fd);
	if (errq_bytes <= 0) {
		errno = ENOMSG;
		die("MSG_ERRQUEUE returned no bytes, so the errqueue pattern tested nothing");
	}
	return done;
}

static ssize_t call_recv_waitall(int fd, size_t want, void *ctx)
{
	(void)ctx;
	return recv(fd, buf, want, MSG_WAITALL);
}

/* recv_waitall: MSG_WAITALL with a big buffer; inside the kernel one call
 * loops over many segments (tcp_cleanup_rbuf runs several times). */
static long recv_waitall(int fd)
{
	return move_to_eof(fd, 700001, call_recv_waitall, NULL, "recv MSG_WAITALL");
}

/* recv_nonblock: O_NONBLOCK recv; EAGAIN waits in move_to_eof. */
static long recv_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return move_to_eof(fd, 65519, call_recv, NULL, "non-blocking recv");
}

/* ------------------------------ patterns --------------------------------- */

struct result {
	long sent, recv;
};

/* over_pair: one conversation on a fresh pair of FAMILY (or a UNIX stream
 * pair when family is AF_UNIX, which must not count as TCP). */
static struct result over_pair(int family, long (*tx)(int, long), long (*rx)(int))
{
	struct result r;
	int w, p;
	pid_t peer;

	if (family == AF_UNIX) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			die("socketpair");
		w = sv[0], p = sv[1];
	} else {
		tcp_pair(family, &w, &p);
	}
	peer = spawn_peer(p, w, SEND_BYTES, RECV_BYTES);
	r.sent = tx(w, SEND_BYTES);
	r.recv = rx(w);
	if (family != AF_UNIX)
		note_conn(w, r.sent, r.recv);
	close(w);
	reap(peer);
	return r;
}

/* blocked-threads: more threads than a kretprobe can follow at once (the
 * kernel keeps max(10, 2 * CPUs) return slots per probe) all blocked in
 * send at the same time, because every peer waits before reading and the
 * send buffers are small.  A send counter that relies on catching each
 * return misses some of them here. */
#define NBLOCKED 24
#define BLOCKED_SEND 400003L
#define BLOCKED_RECV 1009L

struct thread_arg {
	int fd, idx, rename;
	long in;		/* bytes this thread sends */
	long sent, recv;
};

/* thread_main: one connection per thread.  With RENAME the thread renames
 * itself, which must neither split the process's series nor hide it from a
 * name filter. */
static void *thread_main(void *v)
{
	struct thread_arg *a = v;
	char name[16];

	if (a->rename) {
		snprintf(name, sizeof(name), "worker-%d", a->idx);
		prctl(PR_SET_NAME, name);
	}
	a->sent = send_plain(a->fd, a->in);
	/* recv_plain uses the shared buffer; contents do not matter. */
	a->recv = recv_plain(a->fd);
	return NULL;
}

/* on_threads: N (at most NBLOCKED) TCP connections, each with its own peer
 * and its own thread that sends IN bytes and reads the OUT answer to EOF.
 * SNDBUF > 0 shrinks each send buffer; RENAME names each thread. */
static struct result on_threads(int n, long in, long out, int sndbuf, int rename)
{
	struct thread_arg a[NBLOCKED];
	pthread_t t[NBLOCKED];
	pid_t peers[NBLOCKED];
	struct result r = { 0, 0 };

	for (int i = 0; i < n; i++) {
		int p;
		tcp_pair(AF_INET, &a[i].fd, &p);
		if (sndbuf > 0)
			setsockopt(a[i].fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		a[i].idx = i;
		a[i].rename = rename;
		a[i].in = in;
		peers[i] = spawn_peer(p, a[i].fd, in, out);
	}
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, thread_main, &a[i]) != 0)
			die("pthread_create");
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		note_conn(a[i].fd, a[i].sent, a[i].recv);
		close(a[i].fd);
		reap(peers[i]);
		r.sent += a[i].sent;
		r.recv += a[i].recv;
	}
	return r;
}

/* udp: datagrams to itself over loopback; not TCP, must count 0. */
static struct result udp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	struct result r = { 0, 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("udp socket");
	for (int i = 0; i < 200; i++) {
		if (sendto(fd, buf, 1201, 0, (struct sockaddr *)&a, len) < 0)
			die("sendto");
		if (recv(fd, buf, sizeof(buf), 0) < 0)
			die("udp recv");
	}
	close(fd);
	return r;
}

/* other: two child processes talk TCP; the workload itself moves nothing, so
 * its own pid must count 0. */
static struct result other(void)
{
	struct result r = { 0, 0 };
	pid_t c = fork();

	if (c < 0)
		die("fork");
	if (c == 0) {
		prctl(PR_SET_NAME, "tcpwork-other");
		over_pair(AF_INET, send_plain, recv_plain);
		_exit(0);
	}
	reap(c);
	return r;
}

static const char *const patterns[] = {
	"send-recv", "sendmsg-recvmsg", "mmsg", "writev-readv", "sendfile", "splice",
	"peek", "errqueue", "waitall", "nonblock", "threads", "blocked-threads", "ipv6",
	"unix", "udp", "other",
};

static struct result run(const char *pat)
{
	struct result zero = { 0, 0 }, r;

	if (!strcmp(pat, "send-recv"))
		return over_pair(AF_INET, send_plain, recv_plain);
	if (!strcmp(pat, "sendmsg-recvmsg"))
		return over_pair(AF_INET, send_msg, recv_msg);
	if (!strcmp(pat, "mmsg"))
		return over_pair(AF_INET, send_mmsg, recv_mmsg);
	if (!strcmp(pat, "writev-readv"))
		return over_pair(AF_INET, send_writev, recv_readv);
	if (!strcmp(pat, "sendfile"))
		return over_pair(AF_INET, send_file, recv_plain);
	if (!strcmp(pat, "splice"))
		return over_pair(AF_INET, send_plain, recv_splice);
	if (!strcmp(pat, "peek"))
		return over_pair(AF_INET, send_plain, recv_peek);
	if (!strcmp(pat, "errqueue"))
		return over_pair(AF_INET, send_tstamp, recv_errqueue);
	if (!strcmp(pat, "waitall"))
		return over_pair(AF_INET, send_plain, recv_waitall);
	if (!strcmp(pat, "nonblock")) {
		peer_delay_us = 200000;
		return over_pair(AF_INET, send_nonblock, recv_nonblock);
	}
	if (!strcmp(pat, "threads"))
		return on_threads(NTHREADS, SEND_BYTES / NTHREADS, RECV_BYTES / NTHREADS, 0, 1);
	if (!strcmp(pat, "blocked-threads")) {
		peer_delay_us = 700000;
		return on_threads(NBLOCKED, BLOCKED_SEND, BLOCKED_RECV, 16384, 0);
	}
	if (!strcmp(pat, "ipv6"))
		return over_pair(AF_INET6, send_plain, recv_plain);
	if (!strcmp(pat, "unix")) {
		r = over_pair(AF_UNIX, send_plain, recv_plain);
		(void)r;	/* real bytes, but not TCP: expected 0 */
		return zero;
	}
	if (!strcmp(pat, "udp"))
		return udp();
	if (!strcmp(pat, "other"))
		return other();
	fprintf(stderr, "tcpwork: unknown pattern '%s' (tcpwork -l lists them)\n", pat);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *fifo = NULL;
	struct result r;
	char line[64];
	FILE *go = stdin;
	int opt;

	while ((opt = getopt(argc, argv, "g:a:l")) != -1) {
		switch (opt) {
		case 'a':
			/* test traffic stays on this machine: loopback only */
			if (inet_pton(AF_INET, optarg, &peer_v4) != 1 || (ntohl(peer_v4.s_addr) >> 24) != 127) {
				fprintf(stderr, "tcpwork: -a needs an IPv4 loopback address (127.x.y.z), not '%s'\n", optarg);
				return 1;
			}
			break;
		case 'g':
			fifo = optarg;
			break;
		case 'l':
			for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
				puts(patterns[i]);
			return 0;
		default:
			fprintf(stderr, "usage: tcpwork [-g FIFO] [-a ADDR] PATTERN | tcpwork -l\n");
			return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: tcpwork [-g FIFO] [-a ADDR] PATTERN | tcpwork -l\n");
		return 1;
	}
	for (size_t i = 0;; i++) {
		if (i == sizeof(patterns) / sizeof(patterns[0])) {
			fprintf(stderr, "tcpwork: unknown pattern '%s' (tcpwork -l lists them)\n", argv[optind]);
			return 1;
		}
		if (!strcmp(patterns[i], argv[optind]))
			break;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'x', sizeof(buf));
	if (fifo && !(go = fopen(fifo, "r")))
		die(fifo);
	if (!fgets(line, sizeof(line), go)) {
		fprintf(stderr, "tcpwork: no go signal\n");
		return 1;
	}
	if (go != stdin)
		fclose(go);
	r = run(argv[optind]);
	printf("%s %d %ld %ld %s ", argv[optind], (int)getpid(), r.sent, r.recv, peer_text);
	for (int i = 0; i < nconns; i++)
		printf("%s%u:%u:%ld:%ld", i ? "," : "", conns[i].lport, conns[i].rport, conns[i].sent, conns[i].recv);
	printf("%s\n", nconns ? "" : "-");
	return 0;
}
