/*
 * overhead-pingpong.c: the cost of one traced socket call, without a database.
 *
 * Two threads of one process bounce one byte over a loopback TCP connection
 * (TCP_NODELAY) ROUNDS times: every round is exactly two send() and two
 * recv() calls, i.e. four sock_sendmsg/sock_recvmsg events for the probes.
 * The process's own CPU time per round (getrusage: probe handlers run in the
 * context of the calling thread, so their cost lands here) is much steadier
 * on a shared machine than a throughput figure, which is why
 * tests/bench/overhead-calls uses it to give the probes' cost per call.
 *
 * USAGE: overhead-pingpong ROUNDS [wait]
 *   With "wait", it reads one line from stdin before starting, so a capture
 *   can attach to it by name first.  Prints "WALL_NS CPU_NS" per round.
 *   Exit status 1 (with a message on stderr) on any socket error.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long rounds;
static int client_fd, server_fd;

/* echo_thread: receive a byte, send it back, ROUNDS times. */
static void *echo_thread(void *unused)
{
	char c;

	(void)unused;
	for (long i = 0; i < rounds; i++) {
		if (recv(server_fd, &c, 1, 0) != 1 || send(server_fd, &c, 1, 0) != 1)
			return (void *)1;
	}
	return NULL;
}

/* connect_pair: a connected loopback TCP pair in client_fd/server_fd. */
static int connect_pair(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int one = 1, listen_fd;

	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listen_fd, 1) < 0 || getsockname(listen_fd, (struct sockaddr *)&addr, &len) < 0)
		return -1;
	client_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (client_fd < 0 || connect(client_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -1;
	server_fd = accept(listen_fd, NULL, NULL);
	if (server_fd < 0)
		return -1;
	close(listen_fd);
	if (setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    setsockopt(server_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	pthread_t echo;
	void *echo_err;
	char *end, c = 'x', line[64];
	double wall, cpu;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "wait") != 0)) {
		fprintf(stderr, "usage: overhead-pingpong ROUNDS [wait]\n");
		return 2;
	}
	errno = 0;
	rounds = strtol(argv[1], &end, 10);
	if (errno || *end || rounds < 1 || rounds > 100000000) {
		fprintf(stderr, "overhead-pingpong: ROUNDS must be 1..100000000, not '%s'\n", argv[1]);
		return 2;
	}
	if (argc == 3 && !fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "overhead-pingpong: no start line on stdin\n");
		return 1;
	}
	if (connect_pair() < 0) {
		fprintf(stderr, "overhead-pingpong: loopback connection: %s\n", strerror(errno));
		return 1;
	}
	if (pthread_create(&echo, NULL, echo_thread, NULL) != 0) {
		fprintf(stderr, "overhead-pingpong: pthread_create failed\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < rounds; i++) {
		if (send(client_fd, &c, 1, 0) != 1 || recv(client_fd, &c, 1, 0) != 1) {
			fprintf(stderr, "overhead-pingpong: round %ld: %s\n", i, strerror(errno));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (pthread_join(echo, &echo_err) != 0 || echo_err != NULL) {
		fprintf(stderr, "overhead-pingpong: echo thread failed\n");
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f %.0f\n", wall * 1e9 / (double)rounds, cpu * 1e9 / (double)rounds);
	return 0;
}
