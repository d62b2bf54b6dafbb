/* writer.h: the interface every output format implements.
 *
 * The stages call writers at four points, in this order:
 *   begin(meta)        once per source, when its first dump is complete
 *                      (header fields known);
 *   sample(series, s)  for every per-interval sample as it is made, in time
 *                      order within a source (streaming sinks write here and
 *                      keep no history, so memory stays bounded);
 *   dump(meta, ts)     after all samples of one dump (live lines);
 *   alert(series, a, fired|ended) as an alert starts and as it ends;
 *   finish(summary)    once, at the end: the whole summary with statistics.
 * Any hook may be NULL.  A hook returns 0, or -1 with a message in err.
 *
 * HOW TO ADD A WRITER (e.g. charts, `--plot DIR`):
 *   1. write postproc/write_NAME.c implementing struct writer_ops and a
 *      constructor `int writer_NAME_new(struct writer *w, ..., err, errlen)`,
 *      declared below in the "constructors" section;
 *   2. add the .c to POSTPROC_SRCS in postproc/postproc.mk;
 *   3. in postproc/dbnetio-report.c add one argp option entry, one field of
 *      struct report_opts and one line in open_writers() (marked "writers").
 * No stage needs to change.
 */
#ifndef DBNETIO_WRITER_H
#define DBNETIO_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "series.h"
#include "summary.h"
#include "threshold.h"

enum alert_event { ALERT_FIRED = 1, ALERT_ENDED = 2 };

struct writer_ops {
	const char *name;
	int (*begin)(void *ctx, const struct capture_meta *meta, char *err, size_t errlen);
	int (*sample)(void *ctx, const struct series *s, const struct sample *smp,
		      char *err, size_t errlen);
	int (*dump)(void *ctx, const struct capture_meta *meta, int64_t ts,
		    char *err, size_t errlen);
	int (*alert)(void *ctx, const struct series *s, const struct threshold *th,
		     const struct alert *a, enum alert_event ev, char *err, size_t errlen);
	int (*finish)(void *ctx, const struct summary *sum, char *err, size_t errlen);
	void (*free)(void *ctx);
};

struct writer {
	const struct writer_ops *ops;
	void *ctx;
};

/* Options the core writers share. */
struct writer_common {
	FILE *out;               /* where data goes (stdout or -o) */
	const char *out_path;    /* NULL for stdout */
	bool multi_source;       /* label rows with their source */
	bool local_time;         /* --local-time: dates and clocks in local time */
	bool top;                /* --top given: streaming writers wait for the
				  * ranking (summary.h) before writing rows */
	bool sessions;           /* grouped by user, database or application:
				  * series carry session attributes */
	bool live;               /* --live: a writer with -o may rewrite it as
				  * dumps close (prom) */
};

/* constructors (each returns 0 or -1 with err) */
int writer_table_new(struct writer *w, const struct writer_common *c, char *err, size_t errlen);
int writer_csv_new(struct writer *w, const struct writer_common *c, char *err, size_t errlen);
int writer_json_new(struct writer *w, const struct writer_common *c, char *err, size_t errlen);
int writer_prom_new(struct writer *w, const struct writer_common *c, char *err, size_t errlen);
int writer_live_new(struct writer *w, const struct writer_common *c, char *err, size_t errlen);

#endif
