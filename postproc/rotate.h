/* rotate.h: keep the raw capture stream as rotating files (--capture-dir),
 * each a capture of its own whose totals add up to the stream's; see
 * rotate.c for how the cumulative counters are carried across a cut.  It
 * sees the bytes as input.c reads them (input_set_tee), before any stage. */
#ifndef DBNETIO_ROTATE_H
#define DBNETIO_ROTATE_H

#include <stddef.h>

struct rotate_opts {
	const char *dir;      /* created if missing (one level) */
	unsigned period;      /* seconds of capture time per file; 0 = one file */
	unsigned keep;        /* completed files kept in dir; 0 = all */
};

struct rotator;

/* 0, or -1 with err. */
int rotator_new(struct rotator **r, const struct rotate_opts *o, char *err, size_t errlen);
/* input.c's tee hook: the next bytes of the stream (arg is the rotator). */
int rotator_tee(void *arg, const char *bytes, size_t n, char *err, size_t errlen);
/* The end of the stream: complete the open file.  0, or -1 with err. */
int rotator_finish(struct rotator *r, char *err, size_t errlen);
void rotator_free(struct rotator *r);

#endif
