/* write_report.h: the shareable traffic report (`--report FILE.html|FILE.md`).
 *
 * One document that answers at a glance what was traced, how much went each
 * way, the peaks, and which thresholds were crossed and when: capture
 * metadata, headline totals, top talkers, who (the top clients by bytes and
 * by peak, when the series have clients), a summary table per series,
 * alerts with their times, and the charts of write_plot.h.
 *
 *   FILE.html  one self-contained file: CSS inline, charts inlined as SVG, no
 *              script and no reference to anything outside the file.  Every
 *              summary number is marked `data-stat="<series>|<field>"` with
 *              the exact value in `data-value`, so that a test (and a script)
 *              can read what the page shows.
 *   FILE.md    Markdown tables, charts as PNG files in FILE-charts/ beside it
 *              (with their .gp and .dat), for pasting into tickets.
 *
 * Everything that comes from the traced machine (process names, host, file
 * names) is escaped for the output format.
 */
#ifndef DBNETIO_REPORT_H
#define DBNETIO_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "writer.h"

struct report_writer_opts {
	const char *path;         /* FILE.html, FILE.htm or FILE.md */
	bool local_time;          /* times in local time instead of UTC */
	unsigned top;             /* processes charted separately (0 = default) */
	bool multi_source;
};

/* 0, or -1 with err (e.g. an extension that is neither .html nor .md). */
int writer_report_new(struct writer *w, const struct report_writer_opts *o, char *err, size_t errlen);

#endif
