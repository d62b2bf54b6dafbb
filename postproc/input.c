/* input.c: the buffered line reader (see input.h for the contract).
 *
 * The buffer holds [start, end) unread bytes.  When no newline is left in it,
 * the unread tail moves to the front and read(2) refills the rest; with a
 * 1 MiB buffer that memmove is rare and short.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ===== API ===== */

int input_open_fd(struct input *in, int fd, const char *name, char *err, size_t errlen)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->name = name;
	in->cap = INPUT_BUF_SIZE;
	in->max_line = INPUT_MAX_LINE;
	in->buf = malloc(in->cap);
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
	return 0;
}

void input_close(struct input *in)
{
	if (in->own_fd && in->fd >= 0)
		close(in->fd);
	free(in->buf);
	in->buf = NULL;
	in->fd = -1;
}

/* Refill: keep [start,end), read more behind it.  Returns bytes read, 0 at
 * EOF, -1 error, -2 timeout, -3 interrupted. */
static ssize_t input_fill(struct input *in, int timeout_ms, char *err, size_t errlen)
{
	ssize_t n;

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
	return n;
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
