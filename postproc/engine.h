/* engine.h: wires the stages together for a run of dbnetio-report.
 *
 * input -> parse -> series -> group -> stats + thresholds -> writers, one
 * source after the other (the series stage's fast path, fastpath.h, takes
 * the lines it predicts straight from the reader, input_take()); the engine owns every stage's state and the
 * writers, and builds the end-of-run summary.  A process capture's series
 * go from the series stage straight on (they are their own groups); a
 * client or connection capture's are members, which the group stage sums.
 * Only dbnetio-report.c and the tests use it.
 */
#ifndef DBNETIO_ENGINE_H
#define DBNETIO_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "group.h"
#include "parse.h"
#include "series.h"
#include "summary.h"
#include "threshold.h"
#include "writer.h"

enum engine_sort { SORT_TOTAL, SORT_PEAK, SORT_NAME };

struct engine_opts {
	bool lenient;             /* skip and count bad lines instead of failing */
	bool live;                /* reading a live pipe: Ctrl-C waits for the last dump */
	int counters;             /* -1 from header, 0 cumulative, 1 interval */
	unsigned interval;        /* default interval when no header says (0 = 1) */
	enum engine_sort sort;
	size_t top;               /* 0 = all */
	int max_warnings;         /* bad-line warnings printed under --lenient */
	struct group_opts group;  /* --by (and what the output format allows) */
	const char *sessions;     /* --sessions FILE: for inputs without FILE.sessions */
	volatile sig_atomic_t *interrupted; /* set by SIGINT */
	bool general_path_only;   /* no fast path: every line through parse_line()
				   * (the tests' reference for the fast path) */
	/* every input byte as read, before any stage (--capture-dir): NULL or
	 * input.h's tee hook */
	int (*tee)(void *arg, const char *bytes, size_t n, char *err, size_t errlen);
	void *tee_arg;
};

struct engine {
	struct engine_opts opts;
	struct parser parser;
	struct series_table table;
	struct group_table groups;
	unsigned nindex;          /* series numbered so far, members and groups */
	struct threshold *th;
	size_t nth;
	struct capture_meta **sources;
	size_t nsources;
	struct writer *writers;
	size_t nwriters;
	size_t sample_writers;    /* writers with a sample() hook */
	bool *begun;              /* per source: writers' begin() called */
	bool *key_checked;        /* per source: its key can be grouped as asked */
	bool crossed;
	bool interrupted;
	int warnings_printed;
	struct summary summary;
	struct series **order;    /* the summary's series */
	const struct series **alerted; /* the summary's series with alerts */
	uint64_t *alerts_total;   /* the summary's alerts per threshold */
	char werr[256];           /* a hook's error: a writer's, or the engine's own */
	uint64_t fast_lines;      /* lines the fast path took (fastpath.h) */
	uint64_t fast_wide_lines; /* of those, by its wide loop */
};

/* Takes ownership of th[] (freed by engine_free). */
int engine_init(struct engine *e, const struct engine_opts *o, struct threshold *th, size_t nth,
		char *err, size_t errlen);
/* Takes ownership of the writer. */
int engine_add_writer(struct engine *e, struct writer w, char *err, size_t errlen);
/* Read one source to its end (or to Ctrl-C in live mode).  0, or -1 with err
 * naming file:line and what was expected. */
int engine_run(struct engine *e, const char *path, char *err, size_t errlen);
/* Close open alerts, finish the statistics, sort, build the summary and
 * call every writer's finish(), which only reads.  0 or -1 with err. */
int engine_finish(struct engine *e, char *err, size_t errlen);
void engine_free(struct engine *e);

#endif
