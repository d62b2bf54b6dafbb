/* parse-rss.c: run a command, print the peak resident set size (KiB) of it
 * and everything it waited for, on stderr.  For tests/bench/parse-bench:
 * getrusage(RUSAGE_CHILDREN) after posix_spawn (no fork of a big parent whose
 * pages would count), without needing the `time` package.
 * USAGE: parse-rss COMMAND [ARG...] */
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
	pid_t pid;
	int status;
	struct rusage ru;

	if (argc < 2 || posix_spawnp(&pid, argv[1], NULL, NULL, argv + 1, environ) != 0) {
		fprintf(stderr, "usage: parse-rss COMMAND [ARG...]\n");
		return 127;
	}
	if (waitpid(pid, &status, 0) < 0 || getrusage(RUSAGE_CHILDREN, &ru) < 0)
		return 127;
	fprintf(stderr, "%ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
