/* input.c: the buffered line reader (see input.h for the contract).
 *
 * The buffer holds [start, end) unread bytes.  When no newline is left in it,
 * the unread tail moves to the front and read(2) refills the rest; the
 * buffer is INPUT_BUF_SIZE (256 KiB, input.h), so that memmove is rare and
 * short.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static ssize_t input_map(struct input *in, char *err, size_t errlen);

/* A file truncated under the mapped window raises SIGBUS at the next access
 * past its new end, where read(2) would just return less.  That is the file
 * changing under us (logrotate's copytruncate, say): the handler names it and
 * exits 1 instead of dying on a signal.  Output given with -o is written by
 * rename at the very end, so nothing half-written is left behind. */
static const char *volatile mapped_name;

static void on_sigbus(int sig)
{
	static const char pre[] = "dbnetio-report: ";
	static const char post[] = ": the file shrank while it was being read (truncated?); "
				   "stopped without a summary, rerun on a copy\n";
	const char *name = mapped_name ? mapped_name : "an input file";

	(void)sig;
	(void)!write(2, pre, sizeof(pre) - 1);
	(void)!write(2, name, strlen(name));
	(void)!write(2, post, sizeof(post) - 1);
	_exit(1);
}

static void guard_sigbus(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGBUS, &sa, NULL);
}

/* ===== API ===== */

int input_open_fd(struct input *in, int fd, const char *name, char *err, size_t errlen)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->name = name;
	in->cap = INPUT_BUF_SIZE;
	in->max_line = INPUT_MAX_LINE;
	in->buf = in->rbuf = malloc(in->cap);
	if (!in->buf) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	return 0;
}

int input_open(struct input *in, const char *path, char *err, size_t errlen)
{
	int fd;

	if (strcmp(path, "-") == 0)
		return input_open_fd(in, 0, "stdin", err, errlen);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "open(%s): %s", path, strerror(errno));
		return -1;
	}
	if (input_open_fd(in, fd, path, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	in->own_fd = true;
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	/* a regular file is mapped a window at a time (see input_map()); if
	 * that fails, read(2) it is */
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		char e2[8];
		in->mapped = true;
		in->buf = NULL;
		if (input_map(in, e2, sizeof(e2)) <= 0) {
			in->mapped = false;
			in->buf = in->rbuf;
			in->start = in->end = in->map_off = 0;
		}
	}
	return 0;
}

void input_close(struct input *in)
{
	if (in->own_fd && in->fd >= 0)
		close(in->fd);
	if (in->mapped && in->buf)
		munmap(in->buf, in->end);
	free(in->rbuf);
	in->buf = in->rbuf = NULL;
	in->fd = -1;
}

/* Mapped refill: map the next window, from the page holding the first
 * unread byte, as far as the file goes now (it may be growing, like a
 * read(2) at its end).  The pages are mapped at once (MAP_POPULATE): one
 * call instead of a fault per page.  Returns the bytes gained, 0 at EOF, -1
 * error.  A file truncated under the mapping raises SIGBUS (on_sigbus()). */
static ssize_t input_map(struct input *in, char *err, size_t errlen)
{
	uint64_t first = in->map_off + in->start, off;
	size_t avail = in->end - in->start, len, page = (size_t)sysconf(_SC_PAGESIZE);
	struct stat sb;
	void *p;

	if (fstat(in->fd, &sb) < 0) {
		snprintf(err, errlen, "fstat(%s): %s", in->name, strerror(errno));
		return -1;
	}
	off = first - first % page;
	if ((uint64_t)sb.st_size <= first + avail)
		return 0;
	len = (uint64_t)sb.st_size - off > INPUT_MAP_WINDOW ? INPUT_MAP_WINDOW
							   : (size_t)((uint64_t)sb.st_size - off);
	if (len <= first - off + avail)
		return 0;   /* cannot happen: the window holds more than a line */
	/* the old window first: the unread bytes are in the new one too, and
	 * the two are never resident together */
	if (in->buf)
		munmap(in->buf, in->end);
	in->buf = NULL;
	in->map_off = first;
	in->start = in->end = 0;
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, in->fd, (off_t)off);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "mmap(%s): %s", in->name, strerror(errno));
		return -1;
	}
	(void)madvise(p, len, MADV_SEQUENTIAL);
	if (!mapped_name)
		guard_sigbus();
	mapped_name = in->name;
	in->buf = p;
	in->map_off = off;
	in->start = (size_t)(first - off);
	in->end = len;
	return (ssize_t)(len - in->start - avail);
}

/* Refill: keep [start,end), read more behind it.  Returns bytes read, 0 at
 * EOF, -1 error, -2 timeout, -3 interrupted. */
static ssize_t input_fill(struct input *in, int timeout_ms, char *err, size_t errlen)
{
	ssize_t n;

	if (in->mapped) {
		n = input_map(in, err, errlen);
		if (n > 0 && in->tee && in->tee(in->tee_arg, in->buf + in->end - n, (size_t)n, err, errlen) < 0)
			return -1;
		return n;
	}

	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	if (timeout_ms >= 0) {
		struct pollfd p = { .fd = in->fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);
		if (r == 0)
			return -2;
		if (r < 0) {
			if (errno == EINTR)
				return -3;
			snprintf(err, errlen, "poll(%s): %s", in->name, strerror(errno));
			return -1;
		}
	}
	for (;;) {
		n = read(in->fd, in->buf + in->end, in->cap - in->end);
		if (n >= 0)
			break;
		if (errno == EINTR)
			return -3;
		snprintf(err, errlen, "read(%s): %s", in->name, strerror(errno));
		return -1;
	}
	in->end += (size_t)n;
	if (n > 0 && in->tee && in->tee(in->tee_arg, in->buf + in->end - n, (size_t)n, err, errlen) < 0)
		return -1;
	return n;
}

int input_set_tee(struct input *in,
		  int (*tee)(void *arg, const char *bytes, size_t n, char *err, size_t errlen),
		  void *arg, char *err, size_t errlen)
{
	in->tee = tee;
	in->tee_arg = arg;
	if (in->end > in->start && tee(arg, in->buf + in->start, in->end - in->start, err, errlen) < 0)
		return -1;
	return 0;
}

enum input_status input_next_slow(struct input *in, const char **line, size_t *len,
				  int timeout_ms, char *err, size_t errlen)
{
	for (;;) {
		char *p = in->buf + in->start;
		size_t avail = in->end - in->start;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;

		if (nl) {
			size_t l = (size_t)(nl - p);
			in->start += l + 1;
			if (in->skipping) {
				/* the end of a line already reported as too long */
				in->skipping = false;
				continue;
			}
			in->lineno++;
			if (l > in->max_line)
				return INPUT_LONG;
			*line = p;
			*len = l;
			return INPUT_LINE;
		}
		if (avail > in->max_line) {
			/* no newline within max_line bytes: drop what we have */
			bool first = !in->skipping;
			in->start = in->end;
			if (first) {
				in->skipping = true;
				in->lineno++;
				return INPUT_LONG;
			}
		}
		if (in->eof) {
			if (avail == 0 || in->skipping) {
				in->start = in->end;
				return INPUT_EOF;
			}
			in->lineno++;
			*line = p;
			*len = avail;
			in->start = in->end;
			return INPUT_TRUNCATED;
		}
		ssize_t n = input_fill(in, timeout_ms, err, errlen);
		if (n == 0)
			in->eof = true;
		else if (n == -1)
			return INPUT_ERROR;
		else if (n == -2)
			return INPUT_TIMEOUT;
		else if (n == -3)
			return INPUT_INTERRUPTED;
	}
}
