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
 * USAGE: tcpwork [-g FIFO] PATTERN
 *   Waits for a line on FIFO (or on stdin without -g) before doing any I/O, so
 *   a test can start tracing first; then prints one line on stdout:
 *     PATTERN PID SENT RECEIVED
 *   SENT/RECEIVED count only TCP bytes (the sum of positive return values of
 *   the data calls); the "must not count" patterns print 0 0.
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
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

/* peer_main: the other process.  Reads exactly SEND_BYTES, then writes
 * RECV_BYTES and closes, so the workload sees EOF after the answer. */
static void peer_main(int fd, long in, long out)
{
	long got = 0, put = 0;

	prctl(PR_SET_NAME, "tcpwork-peer");
	if (peer_delay_us)
		usleep(peer_delay_us);
	while (got < in) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("peer read");
		got += n;
	}
	while (put < out) {
		size_t want = out - put < 65521 ? (size_t)(out - put) : 65521;
		ssize_t n = write(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("peer write");
		put += n;
	}
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

/* chunk: an odd-sized slice, so calls do not line up with segment sizes. */
static size_t chunk(long left, size_t max)
{
	return left < (long)max ? (size_t)left : max;
}

/* ------------------------- ways to send ---------------------------------- */

static long send_plain(int fd, long total)
{
	long done = 0;

	while (done < total) {
		ssize_t n = send(fd, buf, chunk(total - done, 100003), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("send");
		done += n;
	}
	return done;
}

static long send_msg(int fd, long total)
{
	long done = 0;

	while (done < total) {
		size_t want = chunk(total - done, 70001);
		size_t a = want / 3, b = want / 5;
		struct iovec iov[3] = {
			{ buf, a }, { buf + a, b }, { buf + a + b, want - a - b },
		};
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };
		ssize_t n = sendmsg(fd, &m, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("sendmsg");
		done += n;
	}
	return done;
}

/* send_mmsg: sendmmsg, several messages (so several tcp_sendmsg calls) in one
 * syscall. */
static long send_mmsg(int fd, long total)
{
	long done = 0;

	while (done < total) {
		struct iovec iov[4][2];
		struct mmsghdr mm[4];
		long left = total - done;
		int n = 0, r;

		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 4 && left > 0; i++, n++) {
			size_t want = chunk(left, 30011);
			iov[i][0] = (struct iovec){ buf, want / 2 };
			iov[i][1] = (struct iovec){ buf + want / 2, want - want / 2 };
			mm[i].msg_hdr.msg_iov = iov[i];
			mm[i].msg_hdr.msg_iovlen = 2;
			left -= want;
		}
		r = sendmmsg(fd, mm, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("sendmmsg");
		for (int i = 0; i < r; i++)
			done += mm[i].msg_len;
	}
	return done;
}

static long send_writev(int fd, long total)
{
	long done = 0;

	while (done < total) {
		size_t want = chunk(total - done, 90007);
		size_t a = want / 2, b = 7 < want - a ? 7 : want - a;
		struct iovec iov[3] = {
			{ buf, a }, { buf + a, b }, { buf + a + b, want - a - b },
		};
		ssize_t n = writev(fd, iov, 3);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("writev");
		done += n;
	}
	return done;
}

static long send_file(int fd, long total)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096];
	long done = 0, w = 0;
	off_t off = 0;
	int f;

	snprintf(path, sizeof(path), "%s/tcpwork.XXXXXX", dir);
	f = mkstemp(path);
	if (f < 0)
		die("mkstemp");
	unlink(path);
	while (w < total) {
		ssize_t n = write(f, buf, chunk(total - w, sizeof(buf)));
		if (n <= 0)
			die("write temp file");
		w += n;
	}
	while (done < total) {
		ssize_t n = sendfile(fd, f, &off, chunk(total - done, 1000003));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("sendfile");
		done += n;
	}
	close(f);
	return done;
}

/* send_nonblock: O_NONBLOCK writes bigger than the socket buffer, so many
 * return short or fail with EAGAIN; only positive returns count. */
static long send_nonblock(int fd, long total)
{
	long done = 0, eagain = 0, partial = 0;
	int small = 65536;

	/* A small send buffer makes 1 MB writes return short, then EAGAIN. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (done < total) {
		ssize_t n = send(fd, buf, chunk(total - done, sizeof(buf)), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			eagain++;
			poll(&p, 1, 1000);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("non-blocking send");
		if ((size_t)n < chunk(total - done, sizeof(buf)))
			partial++;
		done += n;
	}
	fprintf(stderr, "tcpwork: nonblock: %ld short writes, %ld EAGAIN returns\n", partial, eagain);
	return done;
}

/* ------------------------- ways to receive ------------------------------- */

static long recv_plain(int fd)
{
	long done = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, 65519, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("recv");
		if (n == 0)
			return done;
		done += n;
	}
}

static long recv_msg(int fd)
{
	long done = 0;

	for (;;) {
		struct iovec iov[3] = {
			{ buf, 1031 }, { buf + 1031, 17 }, { buf + 2048, 40009 },
		};
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };
		ssize_t n = recvmsg(fd, &m, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("recvmsg");
		if (n == 0)
			return done;
		done += n;
	}
}

/* recv_mmsg: recvmmsg with MSG_WAITFORONE, several messages per syscall
 * when data is queued. */
static long recv_mmsg(int fd)
{
	long done = 0;

	for (;;) {
		struct iovec iov[3];
		struct mmsghdr mm[3];
		int r;

		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 3; i++) {
			iov[i] = (struct iovec){ buf + i * 200000, 20011 };
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(fd, mm, 3, MSG_WAITFORONE, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("recvmmsg");
		if (r == 0 || mm[0].msg_len == 0)
			return done;
		for (int i = 0; i < r; i++)
			done += mm[i].msg_len;
		if (mm[r - 1].msg_len == 0)
			return done;
	}
}

static long recv_readv(int fd)
{
	long done = 0;

	for (;;) {
		struct iovec iov[2] = { { buf, 3001 }, { buf + 4096, 50021 } };
		ssize_t n = readv(fd, iov, 2);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("readv");
		if (n == 0)
			return done;
		done += n;
	}
}

/* recv_splice: socket -> pipe with splice (tcp_splice_read, which never goes
 * through recvmsg), then drain the pipe with read (not a socket: not counted). */
static long recv_splice(int fd)
{
	long done = 0;
	int p[2];

	if (pipe(p) < 0)
		die("pipe");
	for (;;) {
		ssize_t n = splice(fd, NULL, p[1], NULL, 65536, SPLICE_F_MOVE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("splice");
		if (n == 0)
			break;
		done += n;
		for (ssize_t left = n; left > 0;) {
			ssize_t r = read(p[0], buf, (size_t)left);
			if (r <= 0)
				die("read pipe");
			left -= r;
		}
	}
	close(p[0]);
	close(p[1]);
	return done;
}

/* recv_peek: every read is preceded by a MSG_PEEK of the same size; peeked
 * bytes are not consumed and must not count. */
static long recv_peek(int fd)
{
	long done = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, 30011, MSG_PEEK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("recv MSG_PEEK");
		if (n == 0)
			return done;
		n = read(fd, buf, (size_t)n);
		if (n < 0)
			die("read after peek");
		done += n;
	}
}

/* recv_waitall: MSG_WAITALL with a big buffer; inside the kernel one call
 * loops over many segments (tcp_cleanup_rbuf runs several times). */
static long recv_waitall(int fd)
{
	long done = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, 700001, MSG_WAITALL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("recv MSG_WAITALL");
		if (n == 0)
			return done;
		done += n;
	}
}

static long recv_nonblock(int fd)
{
	long done = 0;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		ssize_t n = recv(fd, buf, 65519, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			poll(&p, 1, 1000);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("non-blocking recv");
		if (n == 0)
			return done;
		done += n;
	}
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
	close(w);
	reap(peer);
	return r;
}

struct thread_arg {
	int fd, idx;
	long sent, recv;
};

/* thread_main: one connection per thread; the thread renames itself, which
 * must neither split the process's series nor hide it from a name filter. */
static void *thread_main(void *v)
{
	struct thread_arg *a = v;
	char name[16];

	snprintf(name, sizeof(name), "worker-%d", a->idx);
	prctl(PR_SET_NAME, name);
	a->sent = send_plain(a->fd, SEND_BYTES / NTHREADS);
	/* recv_plain uses the shared buffer; contents do not matter. */
	a->recv = recv_plain(a->fd);
	return NULL;
}

static struct result threads(void)
{
	struct thread_arg a[NTHREADS];
	pthread_t t[NTHREADS];
	pid_t peers[NTHREADS];
	struct result r = { 0, 0 };

	for (int i = 0; i < NTHREADS; i++) {
		int p;
		tcp_pair(AF_INET, &a[i].fd, &p);
		a[i].idx = i;
		peers[i] = spawn_peer(p, a[i].fd, SEND_BYTES / NTHREADS, RECV_BYTES / NTHREADS);
	}
	for (int i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, thread_main, &a[i]) != 0)
			die("pthread_create");
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		close(a[i].fd);
		reap(peers[i]);
		r.sent += a[i].sent;
		r.recv += a[i].recv;
	}
	return r;
}

/* blocked_threads: more threads than a kretprobe can follow at once (the
 * kernel keeps max(10, 2 * CPUs) return slots per probe) all blocked in
 * send at the same time, because every peer waits before reading and the
 * send buffers are small.  A send counter that relies on catching each
 * return misses some of them here. */
#define NBLOCKED 24
#define BLOCKED_SEND 400003L
#define BLOCKED_RECV 1009L

static void *blocked_main(void *v)
{
	struct thread_arg *a = v;

	a->sent = send_plain(a->fd, BLOCKED_SEND);
	a->recv = recv_plain(a->fd);
	return NULL;
}

static struct result blocked_threads(void)
{
	struct thread_arg a[NBLOCKED];
	pthread_t t[NBLOCKED];
	pid_t peers[NBLOCKED];
	struct result r = { 0, 0 };
	int small = 16384;

	peer_delay_us = 700000;
	for (int i = 0; i < NBLOCKED; i++) {
		int p;
		tcp_pair(AF_INET, &a[i].fd, &p);
		setsockopt(a[i].fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		a[i].idx = i;
		peers[i] = spawn_peer(p, a[i].fd, BLOCKED_SEND, BLOCKED_RECV);
	}
	for (int i = 0; i < NBLOCKED; i++)
		if (pthread_create(&t[i], NULL, blocked_main, &a[i]) != 0)
			die("pthread_create");
	for (int i = 0; i < NBLOCKED; i++) {
		pthread_join(t[i], NULL);
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
	"peek", "waitall", "nonblock", "threads", "blocked-threads", "ipv6",
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
	if (!strcmp(pat, "waitall"))
		return over_pair(AF_INET, send_plain, recv_waitall);
	if (!strcmp(pat, "nonblock")) {
		peer_delay_us = 200000;
		return over_pair(AF_INET, send_nonblock, recv_nonblock);
	}
	if (!strcmp(pat, "threads"))
		return threads();
	if (!strcmp(pat, "blocked-threads"))
		return blocked_threads();
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

	while ((opt = getopt(argc, argv, "g:l")) != -1) {
		switch (opt) {
		case 'g':
			fifo = optarg;
			break;
		case 'l':
			for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
				puts(patterns[i]);
			return 0;
		default:
			fprintf(stderr, "usage: tcpwork [-g FIFO] PATTERN | tcpwork -l\n");
			return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: tcpwork [-g FIFO] PATTERN | tcpwork -l\n");
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
	printf("%s %d %ld %ld\n", argv[optind], (int)getpid(), r.sent, r.recv);
	return 0;
}
