/* fastpath.h: the hot path of the series stage, map entry lines taken
 * straight from the reader's buffer.
 *
 * Dumps list their keys in the same order every time, so the series stage
 * predicts each line's series (series.h); a line that is that series' key,
 * ": ", 1 to 19 digits and a newline needs no parsing beyond the digits,
 * no newline search of its own and no lookup.  The fast path takes such
 * lines, as many as follow each other, and leaves everything else (another
 * key, a time line, a value of 20 digits, a line not yet complete in the
 * buffer) where it is, for parse.h and series_value().  It reports no input
 * errors: it only takes what it is sure of.  The reader moves its own
 * cursor by what the fast path says it took (input_take()).
 */
#ifndef DBNETIO_FASTPATH_H
#define DBNETIO_FASTPATH_H

#include <stddef.h>
#include <stdint.h>

#include "series.h"

struct fastpath {
	struct series_table *t;
	struct series_source *src;
	uint64_t lines;          /* lines taken, in all */
	uint64_t wide_lines;     /* of those, by the wide loop (a steady dump) */
};

void fastpath_init(struct fastpath *fp, struct series_table *t, struct series_source *src);
/* Take the predicted series' lines from the start of [buf, buf+avail):
 * *took the bytes (whole lines, newlines included), *lines the lines, each
 * accounted to its series.  0, or a series_error (SERIES_ENOMEM,
 * SERIES_EHOOK) after *took bytes.  An input_take_fn (input.h); arg is a
 * struct fastpath. */
int fastpath_take(void *arg, const char *buf, size_t avail, size_t *took, uint64_t *lines);
/* One line (no newline) the reader has already split: 1 when it was the
 * predicted series' and is accounted, 0 when it is left for the general
 * path, or a series_error. */
int fastpath_line(struct fastpath *fp, const char *line, size_t len);

#endif
