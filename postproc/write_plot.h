/* write_plot.h: gnuplot charts of a capture (`--plot DIR`), and the chart engine
 * the report writer reuses.
 *
 * Per source it writes into a directory:
 *   timeseries.dat   one row per interval: its start (epoch seconds; second k
 *                    is [k, k+I)), then sent and received bytes/s of each
 *                    drawn series (the top processes by bytes, or clients or
 *                    connections when the series are grouped so, then "rest"
 *                    summed), then two 0/1 columns "some process was over the
 *                    send/recv threshold"; a blank line where
 *                    seconds are missing (gnuplot breaks its lines there);
 *   distribution.dat the CDF of the per-dump totals (all processes summed),
 *                    send block then receive block;
 *   timeseries.gp, stacked.gp (when there are several processes),
 *   distribution.gp  the templates of plots/ behind a settings block, so
 *                    `gnuplot DIR/x.gp` re-renders from these files alone;
 * and, when gnuplot is in PATH, the rendered .png or .svg of each.  With
 * several sources each file name starts with "<n>-<label>-".
 *
 * Memory is bounded however long the capture: samples stream to an unnamed
 * temporary file (a few bytes per sample) that finish replays once the top
 * processes are known; the distribution uses the bounded struct stats.
 */
#ifndef DBNETIO_PLOT_H
#define DBNETIO_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "series.h"
#include "summary.h"
#include "writer.h"

enum plot_format { PLOT_PNG, PLOT_SVG };

/* Processes drawn as their own line; the others are summed as "rest". */
#define PLOT_TOP_DEFAULT 5

struct plot_opts {
	const char *dir;          /* output directory, created when missing */
	enum plot_format format;
	bool local_time;          /* x axis in local time instead of UTC */
	unsigned top;             /* 0 = PLOT_TOP_DEFAULT */
	bool multi_source;        /* prefix file names with the source */
	const char *prefix;       /* extra file-name prefix, NULL for none */
	const char *what;         /* names the output in messages ("--plot charts/") */
};

/* One chart written by plot_render(). */
struct plot_chart {
	unsigned source;          /* index of its struct capture_meta */
	const char *kind;         /* "timeseries", "stacked", "distribution" */
	char *title;              /* one line, for captions */
	char *gp;                 /* path of the written .gp */
	char *image;              /* path of the rendered image; NULL when not rendered */
};

struct plot;

/* Make an engine.  Returns NULL with a message in err. */
struct plot *plot_new(const struct plot_opts *o, char *err, size_t errlen);
void plot_free(struct plot *p);
/* Render into dir instead of the directory given to plot_new() (the HTML
 * report makes its temporary directory only at the end).  0 or -1 (ENOMEM). */
int plot_set_dir(struct plot *p, const char *dir);
/* The streaming half, fed from the writer hooks (see writer.h). */
int plot_begin(struct plot *p, const struct capture_meta *meta, char *err, size_t errlen);
int plot_sample(struct plot *p, const struct series *s, const struct sample *smp,
		char *err, size_t errlen);
int plot_dump(struct plot *p, const struct capture_meta *meta, int64_t ts,
	      char *err, size_t errlen);
/* Write the .dat and .gp files of every source and render them when gnuplot
 * is available (*rendered says whether it was).  The charts stay readable
 * through plot_charts() until plot_free().  Names the charts could not show
 * as they are (see plot_text.h) are listed on stderr.  0, or -1 with err. */
int plot_render(struct plot *p, const struct summary *sum, bool *rendered,
		char *err, size_t errlen);
const struct plot_chart *plot_charts(const struct plot *p, size_t *n);

/* A tic of a chart's time axis: where (seconds as the axis shows them,
 * UTC or local time already added) and its label, one or two lines. */
struct plot_tic {
	int64_t pos;
	char label[32];
};

/* Choose the time tics of an axis from `from` to `to` (as shown) drawn
 * plot_px pixels wide with labels of char_px pixels per character: the
 * smallest step of 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3,
 * 6, 12 h, 1, 2 days, 1, 2, 4 weeks whose labels are at least two
 * characters apart, tics on its multiples (weeks from Monday).  Labels are
 * "%H:%M:%S" under a minute, "%H:%M" under a day and "%m-%d" beyond; with
 * `dates`, the first tic of each day also carries "%m-%d" on a second
 * line.  Writes at most max tics; returns how many. */
size_t plot_time_tics(int64_t from, int64_t to, double plot_px, double char_px, bool dates,
		      struct plot_tic *tics, size_t max);

/* A tic of a log rate axis: bytes/s and its label ("200 KiB/s"). */
struct plot_rate_tic {
	double pos;
	char label[32];
};

/* Choose the tics of a log rate axis from lo to hi (bytes/s, lo > 0) drawn
 * plot_px wide: the densest of 1-2-5, 1-10-100, 1-100 and 1 of each binary
 * unit (B/s, KiB/s, ...) whose labels stay two characters of char_px apart,
 * so that the range where the data are is labelled.  Writes at most max;
 * returns how many. */
size_t plot_rate_tics(double lo, double hi, double plot_px, double char_px,
		      struct plot_rate_tic *tics, size_t max);

/* An alert as the charts and the report's alert table number it. */
struct plot_alert {
	unsigned number;          /* 1, 2, ...: the table's "#", the chart's marker */
	const struct series *s;
	unsigned threshold;       /* index into sum->thresholds */
	const struct alert *a;
};

/* Alerts numbered, marked and listed; more are counted. */
#define PLOT_ALERTS_MAX 200

/* The stored alerts of every series of sum in the order they are numbered:
 * by start, then threshold, series label and end; the first
 * PLOT_ALERTS_MAX of them into a malloc'd *out (NULL when none), their
 * count in *n, and in *total every alert the thresholds counted (also those
 * not stored).  0, or -1 on ENOMEM. */
int plot_alerts(const struct summary *sum, struct plot_alert **out, size_t *n, uint64_t *total);

/* The colours of the drawn columns, 1, 2, ...: column k is drawn in
 * plot_palette[(k - 1) % PLOT_PALETTE_N] (Okabe and Ito's eight, distinct in
 * print and for common colour blindness), named plot_palette_names[...].
 * Every written chart carries them, so the report's swatches are the
 * charts' colours. */
#define PLOT_PALETTE_N 8
extern const char *const plot_palette[PLOT_PALETTE_N];
extern const char *const plot_palette_names[PLOT_PALETTE_N];

/* Where the time charts of a source drew a process (s NULL; only when the
 * charts are per process) or the client or connection of series s: its
 * column, 1-based, and in *rest whether that is "rest", the others summed.
 * 0 when not charted.  Valid after plot_render() until plot_free(). */
unsigned plot_column_of(const struct plot *p, unsigned source, long long pid, const char *comm,
			const struct series *s, bool *rest);

/* Is gnuplot in PATH?  Fills path (when non-NULL) with where. */
bool plot_have_gnuplot(char *path, size_t pathlen);

/* The `--plot DIR` writer: the engine above, and a message on stderr saying
 * where the charts are (or how to render them without gnuplot). */
int writer_plot_new(struct writer *w, const struct plot_opts *o, char *err, size_t errlen);

#endif
