/* input.h: a buffered line reader over a file descriptor.
 *
 * Lines are returned as (pointer, length) into one large buffer filled by
 * read(2): no stdio, no copy, memchr for line ends; this is the hot path's
 * first half.  A line longer than the maximum is reported once (INPUT_LONG)
 * and its bytes are skipped up to the next newline, so a binary blob or a
 * runaway line costs no memory.  A last line without a newline is reported as
 * INPUT_TRUNCATED: the caller must not trust it (a capture cut mid-write).
 */
#ifndef DBNETIO_INPUT_H
#define DBNETIO_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define INPUT_BUF_SIZE (256u << 10)
#define INPUT_MAX_LINE (64u << 10)
/* The mapped window: read(2) copying the file into the buffer was a fifth
 * of the benchmark's time, mapping the page cache's pages costs a quarter of
 * that.  Its pages count in RSS: 2 MiB was as fast as 8 or 16 (and 1 MiB
 * barely slower) and keeps RSS within tier 60's bound on its growth. */
#define INPUT_MAP_WINDOW (2u << 20)

enum input_status {
	INPUT_LINE = 0,       /* *line, *len hold a line (newline excluded) */
	INPUT_EOF = 1,
	INPUT_LONG = 2,       /* a line longer than max_line was skipped */
	INPUT_TRUNCATED = 3,  /* *line, *len: an unterminated last line */
	INPUT_TIMEOUT = 4,    /* timeout_ms passed with no complete line */
	INPUT_INTERRUPTED = 5,/* a signal arrived while waiting */
	INPUT_ERROR = -1,     /* read error; message in err */
};

struct input {
	int fd;
	bool own_fd;
	const char *name;
	char *buf;               /* read(2)'s buffer, or the mapped window */
	size_t cap, start, end;
	bool mapped;             /* a regular file: buf is a window of it mapped */
	char *rbuf;              /* read(2)'s buffer (NULL when mapped) */
	uint64_t map_off;        /* file offset of the window */
	size_t max_line;
	bool eof;
	bool skipping;        /* inside a too-long line */
	uint64_t lineno;      /* of the line last returned */
	/* a copy of every byte as it is read (--capture-dir): NULL, or a
	 * hook that returns 0, or -1 with a message in err (the read fails) */
	int (*tee)(void *arg, const char *bytes, size_t n, char *err, size_t errlen);
	void *tee_arg;
};

/* Open path ("-" = stdin).  Returns 0 or -1 with err. */
int input_open(struct input *in, const char *path, char *err, size_t errlen);
/* Wrap an open fd (not closed by input_close). */
int input_open_fd(struct input *in, int fd, const char *name, char *err, size_t errlen);
void input_close(struct input *in);
/* Hand every byte from now on, those already buffered first, to tee.
 * 0, or -1 with err. */
int input_set_tee(struct input *in,
		  int (*tee)(void *arg, const char *bytes, size_t n, char *err, size_t errlen),
		  void *arg, char *err, size_t errlen);
/* Next line, the general case (refills, long lines, end of input). */
enum input_status input_next_slow(struct input *in, const char **line, size_t *len,
				  int timeout_ms, char *err, size_t errlen);

/* Next line.  timeout_ms < 0 blocks; otherwise poll(2) waits at most that
 * long for more bytes (live mode).  Inline: the common case is one memchr
 * in the buffer. */
static inline enum input_status input_next(struct input *in, const char **line, size_t *len,
					   int timeout_ms, char *err, size_t errlen)
{
	if (!in->skipping) {
		char *p = in->buf + in->start;
		char *nl = memchr(p, '\n', in->end - in->start);
		if (nl && (size_t)(nl - p) <= in->max_line) {
			*line = p;
			*len = (size_t)(nl - p);
			in->start += *len + 1;
			in->lineno++;
			return INPUT_LINE;
		}
	}
	return input_next_slow(in, line, len, timeout_ms, err, errlen);
}

/* A consumer that takes whole lines straight from the buffer: [buf,
 * buf+avail) are the unread bytes; it sets *took to the bytes of the whole
 * lines it consumed (newlines included, at most avail) and *lines to their
 * count, and returns 0 or a negative error of its own. */
typedef int (*input_take_fn)(void *arg, const char *buf, size_t avail, size_t *took,
			     uint64_t *lines);

/* Offer the unread bytes to take(), and move past what it took: the reader
 * keeps its cursor and line number, the consumer only says how much.
 * Nothing is offered inside a line already reported too long (its rest is
 * not a line).  Returns take()'s result; *lines the lines taken. */
static inline int input_take(struct input *in, input_take_fn take, void *arg, uint64_t *lines)
{
	size_t took = 0, avail = in->end - in->start;
	int r;

	*lines = 0;
	if (in->skipping || avail == 0)
		return 0;
	r = take(arg, in->buf + in->start, avail, &took, lines);
	if (took > avail)
		took = avail;     /* a consumer's bug must not move us off the buffer */
	in->start += took;
	in->lineno += *lines;
	return r;
}

#endif