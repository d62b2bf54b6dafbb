/* write_table.c: `--format table` (the default), the summary for a person:
 * what was captured, one aligned row per series with human units, the notes
 * about anything in the input that was not clean data, and the alerts.
 */
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "parse.h"
#include "units.h"
#include "sessions.h"
#include "write_util.h"
#include "writer.h"

struct table_ctx {
	FILE *out;
	bool multi;
	bool local;              /* --local-time */
};

/* ===== a grid of cells printed with aligned columns ===== */

#define TAB_COLS 24

struct grid {
	char **cells;
	size_t n, cap, ncols;
	size_t width[TAB_COLS];
	bool left[TAB_COLS];
};

static int grid_put(struct grid *g, const char *s)
{
	char **c = grow(g->cells, &g->cap, g->n, sizeof(*c), 64);

	if (!c)
		return -1;
	g->cells = c;
	g->cells[g->n] = strdup(s);
	if (!g->cells[g->n])
		return -1;
	/* pad by what a terminal shows, not by bytes: names may be UTF-8 */
	size_t col = g->n % g->ncols, l = wu_display_width(s);
	if (l > g->width[col])
		g->width[col] = l;
	g->n++;
	return 0;
}

static void grid_print(struct grid *g, FILE *f)
{
	for (size_t i = 0; i < g->n; i++) {
		size_t col = i % g->ncols;
		bool last = col == g->ncols - 1;
		size_t pad = g->width[col] - wu_display_width(g->cells[i]);
		if (!g->left[col])
			fprintf(f, "%*s", (int)pad, "");
		fputs(g->cells[i], f);
		if (g->left[col] && !last)
			fprintf(f, "%*s", (int)pad, "");
		fputs(last ? "\n" : "  ", f);
	}
}

static void grid_free(struct grid *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->cells[i]);
	free(g->cells);
}

static const char *rate(double r, char *buf, size_t len)
{
	char b[32];
	snprintf(buf, len, "%s/s", units_format_bytes(r, b, sizeof(b)));
	return buf;
}

/* ===== the report ===== */

/* "1 dump", "2 dumps": the word for n. */
static const char *pl(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

#define ULL(x) ((unsigned long long)(x))

static void put_notes(FILE *f, const struct capture_meta *m)
{
	const struct capture_counts *c = &m->counts;
	char pre[300];

	snprintf(pre, sizeof(pre), "note%s%s: ", m->label ? " " : "", m->label ? m->label : "");
	if (!m->format_version)
		fprintf(f, "%sno dbnetio header: assumed %s counters, %u s interval\n", pre,
			m->interval_counters ? "per-interval" : "cumulative", m->interval);
	if (c->lost_notices)
		fprintf(f, "%s%llu %s lost (%llu %s): bpftrace dropped them, totals may be low\n",
			pre, ULL(c->lost_events), pl(c->lost_events, "event", "events"),
			ULL(c->lost_notices), pl(c->lost_notices, "notice", "notices"));
	if (c->gaps)
		fprintf(f, "%s%llu %s, %llu %s without a dump: rates averaged over the %s\n", pre,
			ULL(c->gaps), pl(c->gaps, "gap", "gaps"), ULL(c->missing_seconds),
			pl(c->missing_seconds, "second", "seconds"), pl(c->gaps, "gap", "gaps"));
	if (c->duplicates)
		fprintf(f, "%s%llu %s a timestamp: bytes kept, not rate samples\n", pre,
			ULL(c->duplicates), pl(c->duplicates, "dump repeated", "dumps repeated"));
	if (c->backwards)
		fprintf(f, "%s%llu %s back in time: bytes kept, not rate samples\n", pre,
			ULL(c->backwards), pl(c->backwards, "dump went", "dumps went"));
	if (c->resets)
		fprintf(f, "%s%llu counter %s (capture restarted): counted from zero again\n", pre,
			ULL(c->resets), pl(c->resets, "reset", "resets"));
	if (c->bad_lines)
		fprintf(f, "%s%llu bad %s skipped (--lenient)\n", pre, ULL(c->bad_lines),
			pl(c->bad_lines, "line", "lines"));
	if (c->long_lines)
		fprintf(f, "%s%llu over-long %s skipped\n", pre, ULL(c->long_lines),
			pl(c->long_lines, "line", "lines"));
	if (c->truncated)
		fprintf(f, "%slast line was cut short and ignored\n", pre);
	if (c->warnings)
		fprintf(f, "%s%llu WARNING/ERROR %s from bpftrace\n", pre, ULL(c->warnings),
			pl(c->warnings, "line", "lines"));
	if (c->unsupported)
		fprintf(f, "%s%llu histogram/stats %s ignored (not byte counters)\n", pre,
			ULL(c->unsupported), pl(c->unsupported, "line", "lines"));
	if (c->untimed)
		fprintf(f, "%s%llu map %s without a time line: totals only\n", pre, ULL(c->untimed),
			pl(c->untimed, "entry", "entries"));
}

/* A capture's sessions: how many, and each span the list could not be
 * read (its sessions are missing: their bytes are "unknown session"). */
static void put_sessions(FILE *f, const struct capture_meta *m, bool local)
{
	const struct session_log *l = m->sessions;
	char a[64], b[64];

	fprintf(f, "  sessions: %zu recorded (%s)", l->n,
		l->db == SESSION_DB_POSTGRES ? "postgres" : "mariadb");
	if (l->first_ok > 1e299)
		fputs(", the session list was never read", f);
	fputs("\n", f);
	for (size_t i = 0; i < l->ngaps; i++) {
		const struct session_gap *g = &l->gaps[i];
		char *why = session_display(g->reason, "");
		double to = g->to < 1e299 ? g->to : l->end;
		fprintf(f, "  sessions missing from %s to %s: %s\n",
			wu_time(m, (int64_t)g->from, local, a, sizeof(a)),
			wu_time(m, (int64_t)to, local, b, sizeof(b)), why ? why : "");
		free(why);
	}
}

/* One line per source: its span, dumps, interval, counters and header. */
static void put_sources(FILE *f, const struct table_ctx *t, const struct summary *sum)
{
	char a[64], b[64];

	for (size_t i = 0; i < sum->nsources; i++) {
		const struct capture_meta *m = sum->sources[i];
		fprintf(f, "%s: ", m->label ? m->label : m->file);
		if (m->have_time) {
			char z[64];
			wu_zone(m, m->start, t->local, z, sizeof(z));
			fprintf(f, "%s .. %s%s%s, %lld s", wu_time(m, m->start, t->local, a, sizeof(a)),
				wu_time(m, m->end, t->local, b, sizeof(b)), *z ? " " : "", z,
				(long long)(m->end - m->start));
		}
		else
			fputs(m->counts.dumps ? "no full interval" : "no timestamps", f);
		fprintf(f, ", %llu %s, interval %u s, %s counters, %s input",
			ULL(m->counts.dumps), pl(m->counts.dumps, "dump", "dumps"), m->interval,
			m->interval_counters ? "per-interval" : "cumulative",
			m->legacy_bcc ? "BCC" : m->json ? "json" : "text");
		if (m->key != CAPTURE_KEY_PROCESS)
			fprintf(f, ", key %s", parse_key_name(m->key));
		if (m->probe[0])
			fprintf(f, ", probe %s", m->probe);
		if (m->filter[0])
			fprintf(f, ", filter %s", m->filter);
		if (m->kernel[0])
			fprintf(f, ", kernel %s", m->kernel);
		fputs("\n", f);
		if (m->sessions)
			put_sessions(f, m, t->local);
	}
	if (sum->interrupted)
		fputs("(interrupted: summary so far)\n", f);
}

/* The columns shown for at most this many thresholds. */
#define TAB_THRESHOLDS 8

/* The header row: SOURCE (several sources), the statistics, ABOVE#k per
 * threshold.  0, or -1 out of memory. */
static int grid_header(struct grid *g, const struct table_ctx *t, size_t nth)
{
	static const char *const stat_cols[] = {
		"SERIES", "TOTAL", "SECS", "MIN", "MEAN", "MAX", "STDDEV",
		"P50", "P90", "P95", "P99", "PEAK AT",
	};
	const char *hdr[TAB_COLS];
	char thname[TAB_THRESHOLDS][16];
	size_t nh = 0;

	if (t->multi)
		hdr[nh++] = "SOURCE";
	for (size_t i = 0; i < sizeof stat_cols / sizeof stat_cols[0]; i++)
		hdr[nh++] = stat_cols[i];
	for (size_t i = 0; i < nth; i++) {
		snprintf(thname[i], sizeof(thname[i]), "ABOVE#%zu", i + 1);
		hdr[nh++] = thname[i];
	}
	g->ncols = nh;
	for (size_t i = 0; i < nh; i++) {
		g->left[i] = i <= (t->multi ? 1u : 0u) || strcmp(hdr[i], "PEAK AT") == 0;
		if (grid_put(g, hdr[i]) < 0)
			return -1;
	}
	return 0;
}

/* A series' row.  0, or -1 out of memory. */
static int grid_row(struct grid *g, const struct table_ctx *t, const struct summary *sum,
		    const struct series *s, size_t nth)
{
	const struct stats *st = &s->stats;
	const struct capture_meta *m = sum->sources[s->source];
	char c[64];

	if (t->multi && grid_put(g, m->label ? m->label : m->file) < 0)
		return -1;
	if (grid_put(g, s->label) < 0 ||
	    grid_put(g, units_format_bytes((double)s->total_bytes, c, sizeof(c))) < 0)
		return -1;
	snprintf(c, sizeof(c), "%.0f", st->seconds);
	if (grid_put(g, c) < 0)
		return -1;
	if (st->n == 0) {
		for (int k = 0; k < 9; k++)
			if (grid_put(g, "-") < 0)
				return -1;
	} else {
		if (grid_put(g, rate(stats_min(st), c, sizeof(c))) < 0 ||
		    grid_put(g, rate(stats_mean(st), c, sizeof(c))) < 0 ||
		    grid_put(g, rate(st->max, c, sizeof(c))) < 0 ||
		    grid_put(g, rate(stats_stddev(st), c, sizeof(c))) < 0 ||
		    grid_put(g, rate(stats_quantile(st, 0.50), c, sizeof(c))) < 0 ||
		    grid_put(g, rate(stats_quantile(st, 0.90), c, sizeof(c))) < 0 ||
		    grid_put(g, rate(stats_quantile(st, 0.95), c, sizeof(c))) < 0 ||
		    grid_put(g, rate(stats_quantile(st, 0.99), c, sizeof(c))) < 0 ||
		    grid_put(g, wu_time(m, st->max_ts, t->local, c, sizeof(c))) < 0)
			return -1;
	}
	for (size_t k = 0; k < nth; k++) {
		if (s->th_mask & (1u << k))
			snprintf(c, sizeof(c), "%.0f s", s->th[k].seconds_above);
		else
			snprintf(c, sizeof(c), "-");
		if (grid_put(g, c) < 0)
			return -1;
	}
	return 0;
}

/* Per threshold its alert count, then each alert of each series. */
static void put_alerts(FILE *f, const struct table_ctx *t, const struct summary *sum)
{
	char a[64], b[64];

	for (size_t k = 0; k < sum->nthresholds; k++) {
		const struct threshold *th = &sum->thresholds[k];
		uint64_t total = sum->alerts_total[k];
		fprintf(f, "threshold #%zu %s: %llu alert%s\n", k + 1, th->spec,
			(unsigned long long)total, total == 1 ? "" : "s");
		for (size_t i = 0; i < sum->nalerted; i++) {
			const struct series *s = sum->alerted[i];
			const struct capture_meta *m = sum->sources[s->source];
			if (!(s->th_mask & (1u << k)))
				continue;
			for (size_t j = 0; j < s->th[k].nalerts; j++) {
				const struct alert *al = &s->th[k].alerts[j];
				char p[64], o[64], ob[64];
				fprintf(f, "  ALERT %s%s%s: %s .. %s%s (%lld s), peak %s at %s, %s over\n",
					t->multi ? m->label : "", t->multi ? " " : "", s->label,
					wu_time(m, al->start, t->local, a, sizeof(a)),
					wu_clock(m, al->end, t->local, b, sizeof(b)),
					al->open ? " (still above at end)" : "",
					(long long)(al->end - al->start), rate(al->peak, p, sizeof(p)),
					wu_clock(m, al->peak_ts, t->local, o, sizeof(o)),
					units_format_bytes(al->bytes_over, ob, sizeof(ob)));
			}
			if (s->th[k].alerts_total > s->th[k].nalerts)
				fprintf(f, "  ... and %llu more %s for %s\n",
					ULL(s->th[k].alerts_total - s->th[k].nalerts),
					pl(s->th[k].alerts_total - s->th[k].nalerts, "alert", "alerts"), s->label);
		}
	}
}

static int table_finish(void *ctx, const struct summary *sum, char *err, size_t errlen)
{
	struct table_ctx *t = ctx;
	FILE *f = t->out;
	struct grid g = { 0 };
	size_t nth = sum->nthresholds < TAB_THRESHOLDS ? sum->nthresholds : TAB_THRESHOLDS;
	int ret = -1;

	/* several files, or several captures in one stream */
	t->multi = t->multi || sum->nsources > 1;
	put_sources(f, t, sum);
	if (grid_header(&g, t, nth) < 0)
		goto nomem;
	for (size_t i = 0; i < sum->nseries; i++)
		if (grid_row(&g, t, sum, sum->series[i], nth) < 0)
			goto nomem;
	grid_print(&g, f);
	if (sum->nranked < sum->nranked_all)
		fprintf(f, "(top %zu of %zu %s: %zu of %zu series)\n", sum->nranked, sum->nranked_all,
			sum->ranked, sum->nseries, sum->nseries_all);
	for (size_t i = 0; i < sum->nsources; i++)
		put_notes(f, sum->sources[i]);
	put_alerts(f, t, sum);
	if (fflush(f) != 0 || ferror(f)) {
		snprintf(err, errlen, "write error on output");
		goto cleanup;
	}
	ret = 0;
	goto cleanup;
nomem:
	snprintf(err, errlen, "out of memory");
cleanup:
	grid_free(&g);
	return ret;
}

static void table_free(void *ctx)
{
	free(ctx);
}

static const struct writer_ops table_ops = {
	.name = "table",
	.finish = table_finish,
	.free = table_free,
};

int writer_table_new(struct writer *w, const struct writer_common *cm, char *err, size_t errlen)
{
	struct table_ctx *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->out = cm->out;
	t->multi = cm->multi_source;
	t->local = cm->local_time;
	w->ops = &table_ops;
	w->ctx = t;
	return 0;
}
