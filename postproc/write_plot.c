/* write_plot.c: gnuplot charts of a capture, written as data + script, rendered by
 * running gnuplot as a child process.
 *
 * The charts are produced in two halves.  While the capture streams in, every
 * rate sample of a send/recv series is appended to an unnamed temporary file
 * (series index and rate, grouped by dump), and the per-dump totals feed a
 * bounded struct stats.  At the end, once the processes can be ranked by
 * bytes, the temporary file is replayed into timeseries.dat with one column
 * pair per drawn process, and the templates of plots/ (compiled into the
 * binary, see plot_templates.c) are written behind a settings block.  Nothing
 * from the capture is pasted into gnuplot code except as single-quoted
 * strings (quotes doubled, control bytes and broken UTF-8 replaced) and
 * numbers, and gnuplot is exec'd directly: no shell is involved.
 */
#include "write_plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plot_text.h"
#include "stats.h"
#include "threshold.h"
#include "units.h"
#include "write_util.h"

/* The templates' default chart width, and a label character's width in
 * pixels there (a little above DejaVu Sans' 6.4 to 7 px digits at 10 pt):
 * what the time tics are chosen for. */
#define PLOT_WIDTH 1200
#define PLOT_CHAR_PX 7.5

/* plot_templates.c, generated from the plots/ templates by postproc/postproc.mk. */
struct plot_template {
	const char *name;
	const char *text;
};
extern const struct plot_template plot_templates[];

/* ------------------------------------------------------------ utilities */

/* The text of template `name` (without ".gp"), or NULL. */
static const char *template_text(const char *name)
{
	for (const struct plot_template *t = plot_templates; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t->text;
	return NULL;
}


/* Write s as a gnuplot single-quoted string.  Inside single quotes gnuplot
 * interprets nothing but '' (one quote).  Text from the capture has been
 * through plot_text_clean() already; control bytes and invalid UTF-8, which
 * would end the line or break the SVG's XML, are replaced here once more by
 * U+FFFD, whatever the caller did. */
static void gp_quote(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('\'', f);
	for (size_t i = 0; i < n;) {
		size_t len = wu_utf8_len(u + i, n - i);
		if (len == 0 || u[i] < 0x20 || u[i] == 0x7f) {
			fputs("\xef\xbf\xbd", f);
			i++;
			continue;
		}
		if (u[i] == '\'')
			fputc('\'', f);
		fwrite(u + i, 1, len, f);
		i += len;
	}
	fputc('\'', f);
}

/* A file-name-safe copy of s: [A-Za-z0-9._-], others become '_'. */
static void safe_name(char *out, size_t outlen, const char *s)
{
	size_t j = 0;

	for (; *s && j + 1 < outlen; s++) {
		char c = *s;
		out[j++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '.' || c == '-' ? c : '_';
	}
	out[j] = '\0';
}

/* mkdir -p (write_util.h), with the messages naming the plot directory. */
static int make_dir(const char *dir, char *err, size_t errlen)
{
	return wu_mkdir_p("plot directory", dir, err, errlen);
}

/* "1.40 MiB/s": a rate as the tables print it. */
static const char *rate_text(double v, char *buf, size_t len)
{
	char b[48];
	snprintf(buf, len, "%s/s", units_format_bytes(v, b, sizeof b));
	return buf;
}

/* --------------------------------------------------------- engine state */

/* One sample in the temporary file.  A dump is its non-zero samples, then a
 * record with index DUMP_MARK whose value holds the dump's timestamp.  Zero
 * rates are not stored: most processes of a busy PostgreSQL are idle most
 * seconds, and the replay starts every row at zero anyway. */
struct rec {
	uint32_t index;          /* series index, or DUMP_MARK */
	uint32_t pad;
	double value;            /* rate in bytes/s, or the dump's timestamp */
};
#define DUMP_MARK UINT32_MAX

struct group;

struct plot_source {
	bool begun;
	const struct capture_meta *meta;
	FILE *tmp;               /* struct rec stream, see above */
	uint64_t dumps;          /* dumps with at least one rate sample */
	int64_t first_ts, last_ts;
	double sum[2];           /* this dump's totals: send, recv */
	bool any;                /* this dump had a rate sample */
	struct stats total[2];   /* per-dump totals over all processes */
	/* once rendered: what the time charts drew, biggest first */
	struct group *groups;
	size_t ngroups, ntop;
};

/* A name whose chart text differs from it (see plot_text.h), for the
 * warning at the end. */
struct text_note {
	char *name;              /* escaped for stderr, with its [PID] */
	unsigned what;           /* PLOT_TEXT_* */
};

struct plot {
	struct plot_opts o;
	char *dir;
	char *prefix;
	char *what;              /* "--plot DIR", "--report FILE": for messages */
	struct text_note *notes;
	size_t nnotes;
	struct plot_alert *alerts;    /* while rendering: plot_alerts() */
	size_t nalerts;
	struct plot_source *src;
	size_t nsrc;
	/* every series seen, by series->index (the summary lists --top only) */
	const struct series **series;
	size_t nseries;
	struct plot_chart *charts;
	size_t ncharts;
};

/* The source slot for index i, grown on demand.  NULL on ENOMEM. */
static struct plot_source *source_at(struct plot *p, unsigned i)
{
	if (i >= p->nsrc) {
		struct plot_source *n = realloc(p->src, (i + 1) * sizeof *n);
		if (!n)
			return NULL;
		memset(n + p->nsrc, 0, (i + 1 - p->nsrc) * sizeof *n);
		for (size_t k = p->nsrc; k <= i; k++) {
			stats_init(&n[k].total[0]);
			stats_init(&n[k].total[1]);
		}
		p->src = n;
		p->nsrc = i + 1;
	}
	return &p->src[i];
}

struct plot *plot_new(const struct plot_opts *o, char *err, size_t errlen)
{
	struct plot *p = calloc(1, sizeof *p);

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->o = *o;
	if (p->o.top == 0)
		p->o.top = PLOT_TOP_DEFAULT;
	p->dir = strdup(o->dir ? o->dir : ".");
	p->prefix = strdup(o->prefix ? o->prefix : "");
	p->what = strdup(o->what ? o->what : "charts");
	p->o.what = NULL;        /* the caller's; p->what is ours */
	if (!p->dir || !p->prefix || !p->what) {
		snprintf(err, errlen, "out of memory");
		plot_free(p);
		return NULL;
	}
	/* "charts/" names files charts/x, not charts//x */
	for (size_t n = strlen(p->dir); n > 1 && p->dir[n - 1] == '/'; n--)
		p->dir[n - 1] = '\0';
	return p;
}

void plot_free(struct plot *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsrc; i++) {
		if (p->src[i].tmp)
			fclose(p->src[i].tmp);
		stats_free(&p->src[i].total[0]);
		stats_free(&p->src[i].total[1]);
		free(p->src[i].groups);
	}
	for (size_t i = 0; i < p->ncharts; i++) {
		free(p->charts[i].title);
		free(p->charts[i].gp);
		free(p->charts[i].image);
	}
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i].name);
	free(p->notes);
	free(p->alerts);
	free(p->charts);
	free(p->src);
	free(p->series);
	free(p->dir);
	free(p->prefix);
	free(p->what);
	free(p);
}

int plot_set_dir(struct plot *p, const char *dir)
{
	char *d = strdup(dir);
	if (!d)
		return -1;
	free(p->dir);
	p->dir = d;
	return 0;
}

const struct plot_chart *plot_charts(const struct plot *p, size_t *n)
{
	*n = p->ncharts;
	return p->charts;
}

/* ------------------------------------------------------------ streaming */

/* Make the source's temporary file if it has none yet.  0 or -1 with err. */
static int source_open(struct plot_source *ps, char *err, size_t errlen)
{
	if (ps->begun)
		return 0;
	ps->tmp = tmpfile();
	if (!ps->tmp) {
		snprintf(err, errlen, "plot: tmpfile(): %s", strerror(errno));
		return -1;
	}
	ps->begun = true;
	return 0;
}

int plot_begin(struct plot *p, const struct capture_meta *meta, char *err, size_t errlen)
{
	struct plot_source *ps = source_at(p, meta->index);

	if (!ps) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ps->meta = meta;
	return source_open(ps, err, errlen);
}

/* Append one record to a source's temporary file. */
static int put_rec(struct plot_source *ps, uint32_t index, double value,
		   char *err, size_t errlen)
{
	struct rec r = { .index = index, .pad = 0, .value = value };

	if (fwrite(&r, sizeof r, 1, ps->tmp) != 1) {
		snprintf(err, errlen, "plot: writing the temporary file: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int plot_sample(struct plot *p, const struct series *s, const struct sample *smp,
		char *err, size_t errlen)
{
	/* Only per-second rates of dbnetio's send/recv maps are charted; the
	 * partial last interval counts in totals, not in rates. */
	if (!smp->is_rate || !s->direction)
		return 0;
	struct plot_source *ps = source_at(p, s->source);
	if (!ps) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (source_open(ps, err, errlen) < 0)
		return -1;
	if (wu_seen(&p->series, &p->nseries, s, err, errlen) < 0)
		return -1;
	if (!ps->any) {
		ps->any = true;
		ps->sum[0] = ps->sum[1] = 0;
	}
	ps->sum[strcmp(s->direction, "send") == 0 ? 0 : 1] += smp->rate;
	if (smp->rate == 0)
		return 0;
	return put_rec(ps, s->index, smp->rate, err, errlen);
}

int plot_dump(struct plot *p, const struct capture_meta *meta, int64_t ts,
	      char *err, size_t errlen)
{
	struct plot_source *ps = source_at(p, meta->index);

	if (!ps) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ps->meta = meta;
	if (!ps->any)
		return 0;
	ps->any = false;
	if (put_rec(ps, DUMP_MARK, (double)ts, err, errlen) < 0)
		return -1;
	double secs = meta->interval ? meta->interval : 1;
	if (ps->dumps == 0)
		ps->first_ts = ts;
	ps->last_ts = ts;
	ps->dumps++;
	for (int d = 0; d < 2; d++)
		if (stats_add(&ps->total[d], ps->sum[d], secs, ts) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	return 0;
}

/* ------------------------------------------------------------ rendering */

/* A process, or a client or connection of one when the capture is grouped
 * so: the send and recv series of one pid, name and client in a source. */
struct group {
	long long pid;
	const char *comm;
	const struct series *s;  /* one of its series, for its client */
	uint64_t bytes;          /* sent + received */
	unsigned column;         /* 1-based column pair in timeseries.dat */
};

/* qsort/bsearch order of groups: pid, name, client, ports. */
static int group_cmp_key(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	int c = strcmp(x->comm, y->comm);
	if (c || !x->s || !y->s)
		return c;
	if ((c = strcmp(x->s->client, y->s->client)))
		return c;
	if (x->s->client_port != y->s->client_port)
		return x->s->client_port < y->s->client_port ? -1 : 1;
	return (x->s->local_port > y->s->local_port) - (x->s->local_port < y->s->local_port);
}

/* qsort order of processes: most bytes first, ties by key (stable output). */
static int group_cmp_bytes(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return group_cmp_key(a, b);
}

/* Remember that the chart shows raw (with suffix, its " [PID]") changed as
 * `what` says; each name once.  Out of memory only loses the note. */
static void note_text(struct plot *p, const char *raw, const char *suffix, unsigned what)
{
	char esc[512], name[600];

	what &= ~PLOT_TEXT_CUT;      /* a cut name is in full in the tables */
	if (!what)
		return;
	plot_text_escape(raw, esc, sizeof esc);
	snprintf(name, sizeof name, "%s%s", esc, suffix);
	for (size_t i = 0; i < p->nnotes; i++)
		if (strcmp(p->notes[i].name, name) == 0)
			return;
	struct text_note *n = realloc(p->notes, (p->nnotes + 1) * sizeof *n);
	if (!n)
		return;
	p->notes = n;
	if (!(n[p->nnotes].name = strdup(name)))
		return;
	n[p->nnotes++].what = what;
}

/* Chart text of raw (see plot_text.h), at most cols columns (0: any), noted
 * for the warning under suffix. */
static const char *chart_text(struct plot *p, const char *raw, size_t cols, const char *suffix,
			      char *buf, size_t len)
{
	note_text(p, raw, suffix, plot_text_clean(raw, cols, plot_text_drawable, buf, len));
	return buf;
}

/* Columns of a process name, and of a client address, in a legend: the
 * rest is cut ("…"), so that one long name cannot squeeze the plot; the
 * full names are in the .dat header and the report's tables. */
#define PLOT_NAME_COLS 24
#define PLOT_CLIENT_COLS 30

/* "mariadbd [4321]", or "pid 4321" when the capture has no process names
 * (the BCC program's lines); a client first: "127.0.0.2 (mariadbd [4321])".
 * The names are chart text, cut to the columns above unless full. */
static const char *group_name(struct plot *p, const struct group *g, bool full,
			      char *buf, size_t len)
{
	char client[SERIES_CLIENT_TEXT_MAX] = "", cl[SERIES_CLIENT_TEXT_MAX * 3 + 8];
	char comm[256 * 3 + 8], pid[40];

	snprintf(pid, sizeof pid, " [%lld]", g->pid);
	if (g->s)
		series_client_text(g->s, client, sizeof client);
	chart_text(p, client, full ? 0 : PLOT_CLIENT_COLS, "", cl, sizeof cl);
	chart_text(p, g->comm, full ? 0 : PLOT_NAME_COLS, pid, comm, sizeof comm);
	if (*client && *g->comm)
		snprintf(buf, len, "%s (%s%s)", cl, comm, pid);
	else if (*client)
		snprintf(buf, len, "%s (pid %lld)", cl, g->pid);
	else if (*g->comm)
		snprintf(buf, len, "%s%s", comm, pid);
	else
		snprintf(buf, len, "pid %lld", g->pid);
	return buf;
}

/* qsort order of alerts: start, threshold, series label, end. */
static int alert_cmp(const void *x, const void *y)
{
	const struct plot_alert *a = x, *b = y;
	if (a->a->start != b->a->start)
		return a->a->start < b->a->start ? -1 : 1;
	if (a->threshold != b->threshold)
		return a->threshold < b->threshold ? -1 : 1;
	int c = strcmp(a->s->label ? a->s->label : "", b->s->label ? b->s->label : "");
	if (c)
		return c;
	return (a->a->end > b->a->end) - (a->a->end < b->a->end);
}

int plot_alerts(const struct summary *sum, struct plot_alert **out, size_t *n, uint64_t *total)
{
	size_t stored = 0;

	*out = NULL;
	*n = 0;
	*total = 0;
	for (size_t i = 0; i < sum->nseries_all; i++) {
		const struct series *s = sum->series[i];
		for (size_t k = 0; s->th && k < sum->nthresholds; k++)
			if (s->th_mask & (1u << k)) {
				stored += s->th[k].nalerts;
				*total += s->th[k].alerts_total;
			}
	}
	if (stored == 0)
		return 0;
	struct plot_alert *all = malloc(stored * sizeof *all);
	if (!all)
		return -1;
	size_t m = 0;
	for (size_t i = 0; i < sum->nseries_all; i++) {
		const struct series *s = sum->series[i];
		for (size_t k = 0; s->th && k < sum->nthresholds; k++)
			if (s->th_mask & (1u << k))
				for (size_t j = 0; j < s->th[k].nalerts; j++)
					all[m++] = (struct plot_alert){ .s = s, .threshold = (unsigned)k,
									.a = &s->th[k].alerts[j] };
	}
	qsort(all, m, sizeof *all, alert_cmp);
	if (m > PLOT_ALERTS_MAX)
		m = PLOT_ALERTS_MAX;
	for (size_t i = 0; i < m; i++)
		all[i].number = (unsigned)i + 1;
	*out = all;
	*n = m;
	return 0;
}

/* The lowest limit among the thresholds watching direction d (0 send,
 * 1 recv): the line drawn and the one shading is measured against. */
static const struct threshold *chart_threshold(const struct summary *sum, int d)
{
	const struct threshold *best = NULL;

	for (size_t i = 0; i < sum->nthresholds; i++) {
		const struct threshold *t = &sum->thresholds[i];
		if (!threshold_applies(t, d == 0 ? "@send" : "@recv", d == 0 ? "send" : "recv"))
			continue;
		if (!best || t->limit < best->limit)
			best = t;
	}
	return best;
}

/* Is rate v over threshold t (NULL: never)? */
static bool over(const struct threshold *t, double v)
{
	return t && (t->inclusive ? v >= t->limit : v > t->limit);
}

/* Record a chart; paths are dir/name.  0 or -1 (ENOMEM). */
static int add_chart(struct plot *p, unsigned source, const char *kind,
		     const char *title, const char *gp, const char *image)
{
	struct plot_chart *n = realloc(p->charts, (p->ncharts + 1) * sizeof *n);
	if (!n)
		return -1;
	p->charts = n;
	struct plot_chart *c = &n[p->ncharts];
	c->source = source;
	c->kind = kind;
	c->title = strdup(title);
	c->gp = strdup(gp);
	c->image = image ? strdup(image) : NULL;
	if (!c->title || !c->gp || (image && !c->image)) {
		free(c->title);
		free(c->gp);
		free(c->image);
		return -1;
	}
	p->ncharts++;
	return 0;
}

/* Start a settings line "if (!exists("name")) name = ": a value given with
 * gnuplot -e wins over the written one. */
static void gp_setting(FILE *f, const char *name)
{
	fprintf(f, "if (!exists(\"%s\")) %s = ", name, name);
}

/* Everything a source's settings blocks share. */
struct chart_ctx {
	struct plot *p;
	const struct summary *sum;
	struct plot_source *ps;
	unsigned source;
	char stem[160];          /* file-name prefix */
	char title[512];         /* "db1: 2026-11-24 22:08:15 to 22:10:15 UTC" */
	struct group *groups;
	size_t ngroups, ntop, ncols;
	const char *noun, *nouns;  /* what a group is: "process", "processes" */
	const struct threshold *thr[2];
	unsigned bucket;         /* seconds per row of a long capture, 0 = a row per dump */
	double yfloor[2];        /* log axis floor of send, recv (0: no data) */
	bool over_any[2];        /* some row is flagged over the send, recv threshold */
	bool have_rows;          /* timeseries.dat has a row ... */
	int64_t row_first, row_last;  /* ... and these are the first and last */
	size_t key_cols;         /* columns of the widest legend entry */
};

/* Write s into a gnuplot comment: a control byte (a newline above all,
 * which would end the comment and make the rest of a file name a command)
 * becomes '?'. */
static void comment_text(FILE *f, const char *s)
{
	for (; *s; s++)
		putc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

/* The settings block common to every chart of a source. */
static void write_settings(FILE *f, const struct chart_ctx *c, const char *name,
			   const char *datafile, const char *title)
{
	const struct capture_meta *m = c->ps->meta;
	char out[256];

	fputs("# ", f);
	comment_text(f, c->stem);
	fprintf(f, "%s.gp: written by dbnetio-report from plots/%s.gp", name, name);
	if (m && m->file && *m->file) {
		fputs(" for the capture ", f);
		comment_text(f, m->file);
	}
	fputs(".\n#\n# Re-render from anywhere with `gnuplot ", f);
	comment_text(f, c->stem);
	fprintf(f, "%s.gp` (paths are relative to\n# this file); `gnuplot -e 'term=\"svg\"' ", name);
	comment_text(f, c->stem);
	fprintf(f, "%s.gp` for SVG.  Restyle by\n"
		"# editing the settings below or the template after them; gnuplot -e\n"
		"# 'name=value' overrides any of them.\n\n", name);
	/* The files it names sit beside it: move there, wherever gnuplot was
	 * started from (ARG0 is the script's path as given to gnuplot). */
	fputs("if (exists(\"ARG0\") && strlen(ARG0) > 0) {\n"
	      "\t_i = strlen(ARG0)\n"
	      "\twhile (_i > 0 && ARG0[_i:_i] ne \"/\") { _i = _i - 1 }\n"
	      "\tif (_i > 0) { cd ARG0[1:_i] }\n"
	      "}\n", f);
	snprintf(out, sizeof out, "%s%s.", c->stem, name);
	gp_setting(f, "datafile"); gp_quote(f, datafile); fputc('\n', f);
	fprintf(f, "if (!exists(\"term\")) term = '%s'\n",
		c->p->o.format == PLOT_SVG ? "svg" : "png");
	gp_setting(f, "outfile"); gp_quote(f, out); fputs(" . term\n", f);
	gp_setting(f, "title"); gp_quote(f, title); fputc('\n', f);
}

/* The x range of the time charts, as the templates take it: the data's
 * own, an interval either side of a single row (epoch seconds). */
static void chart_xrange(const struct chart_ctx *c, int64_t *from, int64_t *to)
{
	const struct capture_meta *m = c->ps->meta;
	unsigned interval = c->bucket ? c->bucket : m && m->interval ? m->interval : 1;

	*from = c->row_first;
	*to = c->row_last;
	if (*to <= *from) {
		*from -= interval;
		*to += interval;
	}
}

/* The width in pixels of the time charts' plot: the chart's less the left
 * margin and the legend (its widest entry, at PLOT_CHAR_PX). */
static double chart_plot_px(const struct chart_ctx *c)
{
	double px = PLOT_WIDTH - 14 * PLOT_CHAR_PX - (double)c->key_cols * PLOT_CHAR_PX - 130;
	return px < 200 ? 200 : px;
}

size_t plot_time_tics(int64_t from, int64_t to, double plot_px, double char_px, bool dates,
		      struct plot_tic *tics, size_t max)
{
	static const struct {
		int64_t step;
		const char *fmt;
		unsigned chars;
	} steps[] = {
		{ 1, "%H:%M:%S", 8 }, { 2, "%H:%M:%S", 8 }, { 5, "%H:%M:%S", 8 },
		{ 10, "%H:%M:%S", 8 }, { 15, "%H:%M:%S", 8 }, { 30, "%H:%M:%S", 8 },
		{ 60, "%H:%M", 5 }, { 120, "%H:%M", 5 }, { 300, "%H:%M", 5 }, { 600, "%H:%M", 5 },
		{ 900, "%H:%M", 5 }, { 1800, "%H:%M", 5 }, { 3600, "%H:%M", 5 },
		{ 7200, "%H:%M", 5 }, { 10800, "%H:%M", 5 }, { 21600, "%H:%M", 5 },
		{ 43200, "%H:%M", 5 }, { 86400, "%m-%d", 5 }, { 172800, "%m-%d", 5 },
		{ 604800, "%m-%d", 5 }, { 1209600, "%m-%d", 5 }, { 2419200, "%m-%d", 5 },
	};
	const size_t nsteps = sizeof steps / sizeof steps[0];
	double span = to > from ? (double)(to - from) : 1;
	size_t k = 0;
	int64_t step = 0;

	/* the smallest step whose labels stay two characters apart; beyond 4
	 * weeks, multiples of 4 weeks */
	for (k = 0; k < nsteps; k++) {
		/* over 3 days, days: "12:00" between dates says little */
		if (steps[k].step == 43200 && span >= 3 * 86400.0)
			continue;
		if (plot_px * (double)steps[k].step / span >= (steps[k].chars + 2) * char_px)
			break;
	}
	if (k < nsteps) {
		step = steps[k].step;
	} else {
		k = nsteps - 1;
		double need = (steps[k].chars + 2) * char_px * span / plot_px;
		step = ((int64_t)(need / (double)steps[k].step) + 1) * steps[k].step;
	}
	/* weeks start on Monday: day 4 of the Unix epoch */
	int64_t phase = step >= 604800 ? 4 * 86400 : 0;
	int64_t t = from - phase;
	t = (t >= 0 ? (t + step - 1) / step : -(-t / step)) * step + phase;
	size_t n = 0;
	int64_t last_day = INT64_MIN;
	for (; t <= to && n < max; t += step) {
		struct plot_tic *tic = &tics[n++];
		tic->pos = t;
		size_t l = wu_strftime(t, false, steps[k].fmt, tic->label, sizeof tic->label);
		int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
		if (dates && step < 86400 && day != last_day)
			wu_strftime(t, false, "\n%m-%d", tic->label + l, sizeof tic->label - l);
		last_day = day;
	}
	return n;
}

size_t plot_rate_tics(double lo, double hi, double plot_px, double char_px,
		      struct plot_rate_tic *tics, size_t max)
{
	static const char *units[] = { "B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s", "PiB/s" };
	static const double sets[][10] = {
		{ 1, 2, 5, 10, 20, 50, 100, 200, 500, 0 },
		{ 1, 10, 100, 0 },
		{ 1, 100, 0 },
		{ 1, 0 },
	};
	const size_t nsets = sizeof sets / sizeof sets[0];
	size_t n = 0;

	if (!(lo > 0) || !(hi > lo) || max == 0)
		return 0;
	double width = log(hi / lo);
	for (size_t k = 0; k < nsets; k++) {
		bool apart = true;
		double last_x = 0;
		size_t last_len = 0;
		n = 0;
		for (size_t u = 0; u < sizeof units / sizeof units[0] && n < max; u++) {
			double scale = pow(1024.0, (double)u);
			for (const double *m = sets[k]; *m && n < max; m++) {
				double v = *m * scale;
				/* within the range, a hair of rounding allowed */
				if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9))
					continue;
				struct plot_rate_tic *t = &tics[n];
				t->pos = v;
				snprintf(t->label, sizeof t->label, "%g %s", *m, units[u]);
				double x = plot_px * log(v / lo) / width;
				size_t len = strlen(t->label);
				if (n && x - last_x < ((double)(len + last_len) / 2 + 2) * char_px)
					apart = false;
				last_x = x;
				last_len = len;
				n++;
			}
		}
		if (apart && n >= 2)
			return n;
	}
	return n;
}

/* Write the time-axis settings (offset for local time, label, tic format). */
static void write_time_settings(FILE *f, const struct chart_ctx *c)
{
	const struct capture_meta *m = c->ps->meta;
	bool local = c->p->o.local_time;
	long off = 0;
	char label[128], day[32];
	struct tm tm;

	if (local && wu_tm(c->ps->first_ts, true, &tm))
		off = tm.tm_gmtoff;
	wu_strftime(c->ps->first_ts, local, "%Y-%m-%d", day, sizeof day);
	bool clock = m && m->clock_of_day;
	/* tics carry the date when the capture crosses midnight */
	char lastday[32];
	wu_strftime(c->ps->last_ts, local, "%Y-%m-%d", lastday, sizeof lastday);
	bool days = strcmp(day, lastday) != 0;
	if (clock)
		snprintf(label, sizeof label, "time of day");
	else if (local)
		snprintf(label, sizeof label, "local time, UTC%+03ld:%02ld, %s%s",
			 off / 3600, labs(off) % 3600 / 60, days ? "from " : "", day);
	else
		snprintf(label, sizeof label, "UTC, %s%s", days ? "from " : "", day);
	/* gnuplot's time axis is UTC; local time is shown by adding the
	 * offset at the capture's start (a DST change inside it is not
	 * followed). */
	gp_setting(f, "tzoffset"); fprintf(f, "%ld\n", clock ? 0L : off);
	gp_setting(f, "tzlabel"); gp_quote(f, label); fputc('\n', f);
	gp_setting(f, "xformat");
	fprintf(f, "'%s'\n", days && !clock ? "%m-%d %H:%M" : "%H:%M:%S");
	/* a row spans a bucket of a long capture: the shaded boxes too */
	unsigned interval = c->bucket ? c->bucket : m && m->interval ? m->interval : 1;
	gp_setting(f, "interval");
	fprintf(f, "%u\n", interval);
	if (!c->have_rows)
		return;
	/* The tics, chosen here so that no two labels overlap: gnuplot's own
	 * choice for a day put "11-24 02:00" every 2 h, labels running into
	 * each other.  The x range is the templates': the data's own, an
	 * interval either side of a single row.  The plot's width is estimated
	 * from the chart's (the templates' default) less the left margin and
	 * the legend, at 7.5 px per character (DejaVu Sans' digits at 10 pt
	 * take 6.4 to 7). */
	int64_t from, to;
	chart_xrange(c, &from, &to);
	from += clock ? 0 : off;
	to += clock ? 0 : off;
	struct plot_tic tics[64];
	size_t n = plot_time_tics(from, to, chart_plot_px(c), PLOT_CHAR_PX, !clock, tics, 64);
	fprintf(f, "# the time tics, chosen for a chart %d px wide: other widths get gnuplot's own\n",
		PLOT_WIDTH);
	gp_setting(f, "xtic_width"); fprintf(f, "%d\n", PLOT_WIDTH);
	gp_setting(f, "xtic_n"); fprintf(f, "%zu\n", n);
	if (n == 0)
		return;
	fprintf(f, "if (!exists(\"xtic_pos\")) array xtic_pos[%zu] = [", n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%lld", i ? ", " : "", (long long)tics[i].pos);
	fprintf(f, "]\nif (!exists(\"xtic_label\")) array xtic_label[%zu] = [", n);
	for (size_t i = 0; i < n; i++) {
		/* labels are digits, ':', '-' and a "\n": safe in double quotes */
		fprintf(f, "%s\"", i ? ", " : "");
		for (const char *l = tics[i].label; *l; l++)
			fputs(*l == '\n' ? "\\n" : (char[2]){ *l, 0 }, f);
		fputc('"', f);
	}
	fputs("]\n", f);
}

/* Write a template after its settings; 0 or -1 with err. */
static int write_template(FILE *f, const char *name, char *err, size_t errlen)
{
	const char *t = template_text(name);

	if (!t) {
		snprintf(err, errlen, "plot: no template '%s' compiled in", name);
		return -1;
	}
	fputs("\n# ---------------------------------------------------------------- template\n", f);
	fputs(t, f);
	return 0;
}

/* Open dir/stem+name for writing; NULL with err. */
static FILE *open_out(const struct chart_ctx *c, const char *name, char *path,
		      size_t pathlen, char *err, size_t errlen)
{
	if ((size_t)snprintf(path, pathlen, "%s/%s%s", c->p->dir, c->stem, name) >= pathlen) {
		snprintf(err, errlen, "plot: path too long in %s", c->p->dir);
		return NULL;
	}
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(err, errlen, "fopen(%s): %s", path, strerror(errno));
	return f;
}

/* Close f, turning a write error into -1 with err. */
static int close_out(FILE *f, const char *path, char *err, size_t errlen)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(err, errlen, "write(%s): %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

/* Rank this source's processes and assign columns: the top ones their own,
 * the rest one shared column.  0 or -1 with err. */
static int make_groups(struct chart_ctx *c, char *err, size_t errlen)
{
	struct plot *p = c->p;
	size_t n = 0;

	for (size_t i = 0; i < p->nseries; i++)
		if (p->series[i] && p->series[i]->source == c->source)
			n++;
	c->groups = calloc(n ? n : 1, sizeof *c->groups);
	if (!c->groups) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < p->nseries; i++) {
		const struct series *s = p->series[i];
		if (!s || s->source != c->source)
			continue;
		c->groups[c->ngroups++] = (struct group){ .pid = s->pid, .comm = s->comm, .s = s,
							  .bytes = s->total_bytes };
		if (s->client_port >= 0)
			c->noun = "connection", c->nouns = "connections";
		else if (s->client[0] && !c->noun)
			c->noun = "client", c->nouns = "clients";
	}
	if (!c->noun)
		c->noun = "process", c->nouns = "processes";
	/* merge the send and recv series of one process */
	qsort(c->groups, c->ngroups, sizeof *c->groups, group_cmp_key);
	size_t m = 0;
	for (size_t i = 0; i < c->ngroups; i++) {
		if (m > 0 && group_cmp_key(&c->groups[m - 1], &c->groups[i]) == 0)
			c->groups[m - 1].bytes += c->groups[i].bytes;
		else
			c->groups[m++] = c->groups[i];
	}
	c->ngroups = m;
	qsort(c->groups, c->ngroups, sizeof *c->groups, group_cmp_bytes);
	/* A "rest" of a single process would hide its name for nothing. */
	c->ntop = c->ngroups <= p->o.top + 1 ? c->ngroups : p->o.top;
	c->ncols = c->ntop + (c->ngroups > c->ntop ? 1 : 0);
	for (size_t i = 0; i < c->ngroups; i++)
		c->groups[i].column = i < c->ntop ? (unsigned)i + 1 : (unsigned)c->ntop + 1;
	return 0;
}

/* The column pair of series s, by binary search on a key-sorted copy. */
static unsigned column_of(const struct group *bykey, size_t n, const struct series *s)
{
	struct group key = { .pid = s->pid, .comm = s->comm, .s = s };
	const struct group *g = bsearch(&key, bykey, n, sizeof *bykey, group_cmp_key);
	return g ? g->column : 0;
}

/* A long capture is drawn in buckets of this many seconds, chosen so that
 * there are at most PLOT_MAX_ROWS rows: a chart 1200 pixels wide shows no
 * more, and an inline SVG of a day of seconds would weigh 10 MB.  0 = every
 * dump is a row. */
#define PLOT_MAX_ROWS 1500
static unsigned bucket_seconds(const struct plot_source *ps, unsigned interval)
{
	static const unsigned nice[] = { 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
					 3600, 7200, 21600, 43200, 86400 };
	if (ps->dumps <= PLOT_MAX_ROWS)
		return 0;
	double span = (double)(ps->last_ts - ps->first_ts) + interval;
	for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
		if (nice[i] > interval && nice[i] % interval == 0 &&
		    span / nice[i] <= PLOT_MAX_ROWS)
			return nice[i];
	return 86400;
}

/* Write one row: time, 2*ncols values, two flags. */
static void put_row(FILE *f, int64_t ts, const double *v, size_t n, const bool *flag)
{
	fprintf(f, "%lld", (long long)ts);
	for (size_t k = 0; k < n; k++)
		fprintf(f, " %.15g", v[k]);
	fprintf(f, " %d %d\n", flag[0], flag[1]);
}

/* A row at ts was written: the x range of the time charts. */
static void track_row(struct chart_ctx *c, int64_t ts)
{
	if (!c->have_rows)
		c->row_first = ts;
	c->row_last = ts;
	c->have_rows = true;
}

/* The positive values of each column of timeseries.dat as written, at most
 * PLOT_MAX_ROWS each (as many as it has rows), for the log axes' floors. */
struct row_values {
	size_t ncols;
	double *v;               /* column i's values at v[i * (PLOT_MAX_ROWS + 1)] */
	size_t *len;
};

static void keep_row(struct row_values *rv, const double *row)
{
	for (size_t i = 0; i < rv->ncols; i++)
		if (row[i] > 0 && rv->len[i] <= PLOT_MAX_ROWS)
			rv->v[i * (PLOT_MAX_ROWS + 1) + rv->len[i]++] = row[i];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The tic value at or below v on the log axes: 1, 10 or 100 of a binary
 * unit (the templates label those). */
static double log_tic_below(double v)
{
	double u = 1;
	while (u * 1024 <= v)
		u *= 1024;
	return v >= 100 * u ? 100 * u : v >= 10 * u ? 10 * u : u;
}

/* Floor of direction d's log axis (0 send, 1 recv): the lowest of its
 * columns' 1st percentiles of positive values, down to a tic.  One silent
 * second sent the axis to 1 B/s, leaving most decades of the chart empty;
 * now zeros and the lowest 1 % of each series are drawn on the floor.  0
 * when the direction has no positive value. */
static double log_floor(struct row_values *rv, int d)
{
	double best = 0;

	for (size_t i = (size_t)d; i < rv->ncols; i += 2) {
		double *v = rv->v + i * (PLOT_MAX_ROWS + 1);
		size_t n = rv->len[i];
		if (n == 0)
			continue;
		qsort(v, n, sizeof *v, cmp_double);
		/* nearest rank, as the statistics' quantiles */
		size_t r = (size_t)ceil(0.01 * (double)n);
		double p1 = v[r ? r - 1 : 0];
		if (best == 0 || p1 < best)
			best = p1;
	}
	return best > 0 ? log_tic_below(best) : 0;
}

/* Write the header comments of a time-series .dat. */
static void dat_header(FILE *f, const struct chart_ctx *c, const char *file, const char *what)
{
	char name[2048];

	fprintf(f, "# %s%s: written by dbnetio-report; %s.\n"
		"# column 1: start of the interval (second k is [k, k+I)), Unix epoch seconds (UTC);"
		" a blank line marks missing seconds\n",
		c->stem, file, what);
	for (size_t k = 0; k < c->ncols; k++) {
		if (k < c->ntop)
			fprintf(f, "# columns %zu, %zu: sent, received by %s\n", 2 * k + 2, 2 * k + 3,
				group_name(c->p, &c->groups[k], true, name, sizeof name));
		else
			fprintf(f, "# columns %zu, %zu: sent, received by the other %zu %s summed\n",
				2 * k + 2, 2 * k + 3, c->ngroups - c->ntop, c->nouns);
	}
	fprintf(f, "# columns %zu, %zu: 1 when some %s was over the send, recv threshold\n",
		2 * c->ncols + 2, 2 * c->ncols + 3, c->noun);
}

/* The rows of timeseries.dat (and stacked.dat) while the temporary file is
 * replayed: the dump being summed, and for a long capture the bucket. */
struct dat_rows {
	struct chart_ctx *c;
	FILE *f, *sf;            /* timeseries.dat; stacked.dat in buckets only */
	size_t n;                /* columns: sent and received per group */
	unsigned bucket;         /* seconds per row, 0 = a row per dump */
	double *row;             /* this dump's bytes/s per column */
	bool flag[2];            /* ... some over the send, recv threshold */
	double *bmax, *bsum;     /* the bucket's highest and summed rows */
	bool bflag[2];
	unsigned brows;          /* dumps in the bucket */
	int64_t bstart;
	struct row_values rv;    /* every row drawn, for the log axes' floors */
};

static int dat_alloc(struct dat_rows *d, char *err, size_t errlen)
{
	size_t n = d->n;

	d->rv.ncols = n;
	d->rv.v = malloc((n ? n : 1) * (PLOT_MAX_ROWS + 1) * sizeof *d->rv.v);
	d->rv.len = calloc(n + 1, sizeof *d->rv.len);
	d->row = calloc(n + 1, sizeof *d->row);
	d->bmax = calloc(n + 1, sizeof *d->bmax);
	d->bsum = calloc(n + 1, sizeof *d->bsum);
	if (!d->rv.v || !d->rv.len || !d->row || !d->bmax || !d->bsum) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void dat_free(struct dat_rows *d)
{
	free(d->row);
	free(d->bmax);
	free(d->bsum);
	free(d->rv.v);
	free(d->rv.len);
}

/* A row of timeseries.dat: drawn, so it counts for the x range, the
 * threshold legend and the log floors. */
static void dat_emit(struct dat_rows *d, int64_t ts, const double *v, const bool *flag)
{
	put_row(d->f, ts, v, d->n, flag);
	track_row(d->c, ts);
	d->c->over_any[0] |= flag[0];
	d->c->over_any[1] |= flag[1];
	keep_row(&d->rv, v);
}

/* Close the bucket: its highest seconds into timeseries.dat, its mean into
 * stacked.dat. */
static void bucket_close(struct dat_rows *d)
{
	if (!d->brows)
		return;
	dat_emit(d, d->bstart, d->bmax, d->bflag);
	for (size_t i = 0; i < d->n; i++)
		d->bsum[i] /= d->brows;
	put_row(d->sf, d->bstart, d->bsum, d->n, d->bflag);
	memset(d->bmax, 0, d->n * sizeof *d->bmax);
	memset(d->bsum, 0, d->n * sizeof *d->bsum);
	d->bflag[0] = d->bflag[1] = false;
	d->brows = 0;
}

/* The dump at ts is summed: make it a row, or add it to its bucket.  gap:
 * seconds are missing before it (a blank line, and a bucket ends). */
static void dat_dump(struct dat_rows *d, int64_t ts, bool gap)
{
	int64_t k = d->bucket;

	if (k) {
		/* the bucket [b, b+k) holding second ts (clock-of-day labels
		 * may be below zero: floor, not truncation) */
		int64_t b = (ts >= 0 ? ts / k : -((-ts + k - 1) / k)) * k;
		if (gap || b != d->bstart)
			bucket_close(d);
		if (gap) {
			fputc('\n', d->f);
			fputc('\n', d->sf);
		}
		d->bstart = b;
		for (size_t i = 0; i < d->n; i++) {
			if (d->row[i] > d->bmax[i])
				d->bmax[i] = d->row[i];
			d->bsum[i] += d->row[i];
		}
		d->bflag[0] |= d->flag[0];
		d->bflag[1] |= d->flag[1];
		d->brows++;
	} else {
		if (gap)
			fputc('\n', d->f);
		dat_emit(d, ts, d->row, d->flag);
	}
	memset(d->row, 0, d->n * sizeof *d->row);
	d->flag[0] = d->flag[1] = false;
}

/* Each series' column (1-based, 0 = not drawn) in col[], from the groups
 * sorted by key.  0 or -1 with err. */
static int series_columns(const struct chart_ctx *c, unsigned *col, char *err, size_t errlen)
{
	const struct plot *p = c->p;
	struct group *bykey = malloc((c->ngroups ? c->ngroups : 1) * sizeof *bykey);

	if (!bykey) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(bykey, c->groups, c->ngroups * sizeof *bykey);
	qsort(bykey, c->ngroups, sizeof *bykey, group_cmp_key);
	for (size_t i = 0; i < p->nseries; i++)
		if (p->series[i] && p->series[i]->source == c->source)
			col[i] = column_of(bykey, c->ngroups, p->series[i]);
	free(bykey);
	return 0;
}

/* Open the .dat files and write their headers. */
static int dat_open(struct dat_rows *d, char *path, char *spath, char *err, size_t errlen)
{
	struct chart_ctx *c = d->c;
	char what[128];

	d->f = open_out(c, "timeseries.dat", path, PATH_MAX, err, errlen);
	if (!d->f)
		return -1;
	if (!d->bucket) {
		dat_header(d->f, c, "timeseries.dat", "bytes per second per dump");
		return 0;
	}
	snprintf(what, sizeof what, "the highest bytes per second of each %u s", d->bucket);
	dat_header(d->f, c, "timeseries.dat", what);
	d->sf = open_out(c, "stacked.dat", spath, PATH_MAX, err, errlen);
	if (!d->sf)
		return -1;
	snprintf(what, sizeof what, "the mean bytes per second of each %u s", d->bucket);
	dat_header(d->sf, c, "stacked.dat", what);
	return 0;
}

/* Replay the temporary file into timeseries.dat (and, for a long capture
 * drawn in buckets, stacked.dat).  Each dump is a row of bytes/s per
 * column.  In buckets, timeseries.dat holds each column's highest second of
 * the bucket (spikes must stay visible: finding them is the point) and
 * stacked.dat the mean (stacking maxima of different seconds would overstate
 * the total); a row's time is the start of its interval or bucket (second k
 * is [k, k+I), as in every output), and a gap closes a bucket.  0 or -1
 * with err. */
static int write_timeseries_dat(struct chart_ctx *c, char *err, size_t errlen)
{
	struct plot *p = c->p;
	char path[PATH_MAX] = "", spath[PATH_MAX] = "";
	unsigned interval = c->ps->meta && c->ps->meta->interval ? c->ps->meta->interval : 1;
	struct dat_rows d = { .c = c, .n = 2 * c->ncols };
	unsigned *col = calloc(p->nseries ? p->nseries : 1, sizeof *col);
	int rc = -1;

	d.bucket = c->bucket = bucket_seconds(c->ps, interval);
	if (!col) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	if (series_columns(c, col, err, errlen) < 0 || dat_alloc(&d, err, errlen) < 0 ||
	    dat_open(&d, path, spath, err, errlen) < 0)
		goto cleanup;
	if (fflush(c->ps->tmp) != 0) {
		snprintf(err, errlen, "plot: writing the temporary file: %s", strerror(errno));
		goto cleanup;
	}
	rewind(c->ps->tmp);
	int64_t prev = 0;
	bool first = true;
	struct rec r;
	while (fread(&r, sizeof r, 1, c->ps->tmp) == 1) {
		if (r.index != DUMP_MARK) {
			if (r.index >= p->nseries || !p->series[r.index] || !col[r.index])
				continue;
			int dir = strcmp(p->series[r.index]->direction, "send") == 0 ? 0 : 1;
			d.row[2 * (col[r.index] - 1) + dir] += r.value;
			if (over(c->thr[dir], r.value))
				d.flag[dir] = true;
			continue;
		}
		int64_t ts = (int64_t)r.value;
		/* a later dump than one interval: seconds are missing */
		dat_dump(&d, ts, !first && ts - prev > (int64_t)interval);
		prev = ts;
		first = false;
	}
	if (ferror(c->ps->tmp)) {
		snprintf(err, errlen, "plot: reading the temporary file: %s", strerror(errno));
		goto cleanup;
	}
	if (d.bucket)
		bucket_close(&d);
	for (int dir = 0; dir < 2; dir++)
		c->yfloor[dir] = log_floor(&d.rv, dir);
	rc = 0;
cleanup:
	if (d.f && close_out(d.f, path, err, errlen) < 0)
		rc = -1;
	if (d.sf && close_out(d.sf, spath, err, errlen) < 0)
		rc = -1;
	dat_free(&d);
	free(col);
	return rc;
}

const char *const plot_palette[PLOT_PALETTE_N] = {
	"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
};
const char *const plot_palette_names[PLOT_PALETTE_N] = {
	"blue", "orange", "green", "pink", "sky blue", "vermilion", "yellow", "black",
};

unsigned plot_column_of(const struct plot *p, unsigned source, long long pid, const char *comm,
			const struct series *s, bool *rest)
{
	*rest = false;
	if (source >= p->nsrc)
		return 0;
	const struct plot_source *ps = &p->src[source];
	for (size_t i = 0; i < ps->ngroups; i++) {
		const struct group *g = &ps->groups[i];
		if (g->pid != pid || strcmp(g->comm, comm) != 0)
			continue;
		if (s ? g->s && group_cmp_key(g, &(struct group){ .pid = pid, .comm = comm, .s = s }) == 0
		      : !g->s || !*g->s->client) {
			*rest = i >= ps->ntop;
			return g->column;
		}
	}
	return 0;
}

/* The title of drawn column k (0-based): its group, or the rest. */
static const char *column_title(const struct chart_ctx *c, size_t k, char *buf, size_t len)
{
	if (k < c->ntop)
		return group_name(c->p, &c->groups[k], false, buf, len);
	/* a sum, not a bigger process: say so */
	snprintf(buf, len, "rest (%zu %s summed)", c->ngroups - c->ntop, c->nouns);
	return buf;
}

/* The widest legend entry of the time charts, in columns: the series and
 * the threshold's entries. */
static void legend_columns(struct chart_ctx *c)
{
	char t[2048];

	c->key_cols = strlen("seconds over the limit");
	for (size_t i = 0; i < c->p->nalerts; i++)
		if (c->p->alerts[i].s->source == c->source)
			c->key_cols = strlen("alerts, numbered as in the report");
	for (size_t k = 0; k < c->ncols; k++) {
		size_t n = wu_display_width(column_title(c, k, t, sizeof t));
		if (n > c->key_cols)
			c->key_cols = n;
	}
}

/* The alerts of this source, for the time series chart to mark: each a
 * band from its start to its end, at least PLOT_ALERT_MIN_PX wide so that an
 * alert of seconds is seen on a chart of a day, and its number as in the
 * report's alert table on top, staggered over up to four rows so that the
 * numbers of nearby alerts do not overprint (beyond that a number is left
 * out; the band stays). */
#define PLOT_ALERT_MIN_PX 7.0
#define PLOT_ALERT_ROWS 4
static void write_alert_settings(FILE *f, const struct chart_ctx *c)
{
	const struct plot *p = c->p;
	size_t n = 0;
	int64_t from, to;
	double px = chart_plot_px(c);
	double row_end[2][PLOT_ALERT_ROWS];

	for (size_t i = 0; i < p->nalerts; i++)
		n += p->alerts[i].s->source == c->source && p->alerts[i].s->direction;
	gp_setting(f, "alert_n");
	fprintf(f, "%zu     # alerts marked, numbered as in the report's alert table\n", n);
	if (n == 0 || !c->have_rows)
		return;
	chart_xrange(c, &from, &to);
	double span = (double)(to - from);
	gp_setting(f, "alert_minwidth");
	fprintf(f, "%.17g     # seconds: %g px of the plot\n", span * PLOT_ALERT_MIN_PX / px,
		PLOT_ALERT_MIN_PX);
	for (int d = 0; d < 2; d++)
		for (int r = 0; r < PLOT_ALERT_ROWS; r++)
			row_end[d][r] = -1e300;
	static const char *arrays[] = { "alert_start", "alert_end", "alert_panel", "alert_num",
					"alert_row" };
	for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
		fprintf(f, "if (!exists(\"%s\")) array %s[%zu] = [", arrays[a], arrays[a], n);
		size_t k = 0;
		for (size_t i = 0; i < p->nalerts; i++) {
			const struct plot_alert *pa = &p->alerts[i];
			if (pa->s->source != c->source || !pa->s->direction)
				continue;
			int d = strcmp(pa->s->direction, "send") == 0 ? 0 : 1;
			fputs(k++ ? ", " : "", f);
			if (a == 0)
				fprintf(f, "%lld", (long long)pa->a->start);
			else if (a == 1)
				fprintf(f, "%lld", (long long)pa->a->end);
			else if (a == 2)
				fprintf(f, "%d", d);
			else if (a == 3)
				fprintf(f, "%u", pa->number);
			else {
				/* the number's box, centred on the band, in pixels */
				char num[16];
				double mid = ((double)(pa->a->start + pa->a->end) / 2 - (double)from) / span * px;
				double half = ((double)snprintf(num, sizeof num, "%u", pa->number) + 1.5) *
					      PLOT_CHAR_PX / 2;
				int row = 0;
				for (int r = 0; r < PLOT_ALERT_ROWS && !row; r++)
					if (row_end[d][r] + 2 <= mid - half) {
						row_end[d][r] = mid + half;
						row = r + 1;
					}
				fprintf(f, "%d", row);
			}
		}
		fputs("]\n", f);
	}
}

/* Series titles and thresholds of the time-series charts. */
static void write_series_settings(FILE *f, const struct chart_ctx *c)
{
	fprintf(f, "if (!exists(\"palette\")) array palette[%d] = [", PLOT_PALETTE_N);
	for (int k = 0; k < PLOT_PALETTE_N; k++)
		fprintf(f, "%s\"%s\"", k ? ", " : "", plot_palette[k]);
	fputs("]\n", f);
	gp_setting(f, "nseries"); fprintf(f, "%zu\n", c->ncols);
	fprintf(f, "if (!exists(\"series_title\")) array series_title[%zu] = [", c->ncols);
	for (size_t k = 0; k < c->ncols; k++) {
		char t[2048];
		if (k)
			fputs(", ", f);
		gp_quote(f, column_title(c, k, t, sizeof t));
	}
	fputs("]\n", f);
	gp_setting(f, "overcols");
	fprintf(f, "%zu     # column of the send over-threshold flag\n", 2 * c->ncols + 2);
	for (int d = 0; d < 2; d++) {
		gp_setting(f, d ? "recv_yfloor" : "send_yfloor");
		fprintf(f, "%.17g     # a log axis starts here: the lowest series' 1st percentile\n",
			c->yfloor[d]);
	}
	for (int d = 0; d < 2; d++) {
		char name[32];
		snprintf(name, sizeof name, "%s_threshold", d ? "recv" : "send");
		gp_setting(f, name);
		fprintf(f, "%.17g", c->thr[d] ? c->thr[d]->limit : 0.0);
		if (c->thr[d]) {
			fputs("     # ", f);
			/* the spec came from the command line: keep it printable */
			for (const char *s = c->thr[d]->spec; *s; s++)
				fputc((unsigned char)*s >= 0x20 && *s != 0x7f ? *s : '?', f);
		}
		fputc('\n', f);
		if (c->thr[d]) {
			char text[64];
			snprintf(name, sizeof name, "%s_threshold_text", d ? "recv" : "send");
			gp_setting(f, name);
			gp_quote(f, rate_text(c->thr[d]->limit, text, sizeof text));
			fputc('\n', f);
		}
	}
	for (int d = 0; d < 2; d++) {
		gp_setting(f, d ? "recv_over_any" : "send_over_any");
		fprintf(f, "%d     # some second is over the threshold\n", c->over_any[d]);
	}
	write_alert_settings(f, c);
}

/* Callback of stats_for_each_bucket: how many rates are zero, and then the
 * lowest bucket holding the target-th rate. */
struct low_ctx {
	uint64_t zero, target;
	double found;
};

static int count_zero(double lo, double hi, uint64_t count, uint64_t cum, void *arg)
{
	struct low_ctx *x = arg;
	(void)lo;
	(void)cum;
	if (hi > 0)
		return 1;
	x->zero += count;
	return 0;
}

static int find_rank(double lo, double hi, uint64_t count, uint64_t cum, void *arg)
{
	struct low_ctx *x = arg;
	(void)count;
	(void)hi;
	if (cum < x->target)
		return 0;
	x->found = lo;
	return 1;
}

/* The 1st percentile of the positive rates in st (nearest rank), 0 when
 * none is. */
static double positive_p1(struct stats *st)
{
	struct low_ctx x = { 0 };

	if (st->n == 0)
		return 0;
	stats_for_each_bucket(st, count_zero, &x);
	if (x.zero >= st->n)
		return 0;
	x.target = x.zero + (uint64_t)ceil(0.01 * (double)(st->n - x.zero));
	if (x.target <= x.zero)
		x.target = x.zero + 1;
	stats_for_each_bucket(st, find_rank, &x);
	return x.found;
}

/* The distribution chart's rate axes: a log axis runs from a floor (the 1st
 * percentile of the positive per-dump totals, down to a tic: zeros and the
 * lowest rates are drawn there) to the highest rate, labelled by tics
 * chosen so that they fall where the data are (a wide span once got only
 * 1 B/s, 1 KiB/s and 1 MiB/s, none among the data). */
static void write_distribution_axes(FILE *f, const struct chart_ctx *c)
{
	struct plot_rate_tic tics[2][40];
	size_t n[2] = { 0, 0 };

	for (int d = 0; d < 2; d++) {
		struct stats *st = &c->ps->total[d];
		double p1 = positive_p1(st), fl = p1 > 0 ? log_tic_below(p1) : 0;
		gp_setting(f, d ? "recv_xfloor" : "send_xfloor");
		fprintf(f, "%.17g\n", fl);
		/* each panel is about 480 px wide (two side by side in 1200) */
		if (fl > 0 && st->n && st->max > fl)
			n[d] = plot_rate_tics(fl, st->max, 480, PLOT_CHAR_PX, tics[d], 40);
		/* the floor's tic also stands for everything drawn on it */
		if (n[d] && tics[d][0].pos == fl) {
			char l[sizeof tics[d][0].label];
			snprintf(l, sizeof l, "%s", tics[d][0].label);
			snprintf(tics[d][0].label, sizeof tics[d][0].label, "\xe2\x89\xa4%.24s", l);
		}
	}
	fprintf(f, "if (!exists(\"dist_tic_n\")) array dist_tic_n[2] = [%zu, %zu]\n", n[0], n[1]);
	if (n[0] + n[1] == 0)
		return;
	fprintf(f, "if (!exists(\"dist_tic_pos\")) array dist_tic_pos[%zu] = [", n[0] + n[1]);
	for (int d = 0, k = 0; d < 2; d++)
		for (size_t i = 0; i < n[d]; i++)
			fprintf(f, "%s%.17g", k++ ? ", " : "", tics[d][i].pos);
	fprintf(f, "]\nif (!exists(\"dist_tic_label\")) array dist_tic_label[%zu] = [", n[0] + n[1]);
	for (int d = 0, k = 0; d < 2; d++)
		for (size_t i = 0; i < n[d]; i++) {
			fputs(k++ ? ", " : "", f);
			gp_quote(f, tics[d][i].label);
		}
	fputs("]\n", f);
}

/* Write one chart's .gp: settings, extra, template.  0 or -1 with err. */
static int write_chart_gp(struct chart_ctx *c, const char *name, const char *datafile,
			  const char *title, int kind, char *path, size_t pathlen,
			  char *err, size_t errlen)
{
	char file[64];
	snprintf(file, sizeof file, "%s.gp", name);
	FILE *f = open_out(c, file, path, pathlen, err, errlen);
	if (!f)
		return -1;
	char dat[256];
	snprintf(dat, sizeof dat, "%s%s", c->stem, datafile);
	write_settings(f, c, name, dat, title);
	if (kind == 0) {
		write_time_settings(f, c);
		write_series_settings(f, c);
	} else {
		char subject[2200], name[2048];
		if (c->ngroups == 1)
			snprintf(subject, sizeof subject, "%s, per-second rates",
				 group_name(c->p, &c->groups[0], false, name, sizeof name));
		else if (c->ngroups == 2)
			snprintf(subject, sizeof subject, "both traced %s summed, per-second rates",
				 c->nouns);
		else
			snprintf(subject, sizeof subject, "the %zu traced %s summed, per-second rates",
				 c->ngroups, c->nouns);
		gp_setting(f, "subject"); gp_quote(f, subject); fputc('\n', f);
		static const double q[3] = { 0.50, 0.95, 0.99 };
		for (int d = 0; d < 2; d++)
			for (int i = 0; i < 3; i++) {
				char name[32];
				snprintf(name, sizeof name, "%s_p%d", d ? "recv" : "send",
					 (int)lround(q[i] * 100));
				double v = stats_quantile(&c->ps->total[d], q[i]);
				char text[64];
				gp_setting(f, name);
				fprintf(f, "%.17g\n", v);
				strcat(name, "_text");
				gp_setting(f, name);
				gp_quote(f, rate_text(v, text, sizeof text));
				fputc('\n', f);
			}
		write_distribution_axes(f, c);
	}
	if (write_template(f, name, err, errlen) < 0) {
		fclose(f);
		return -1;
	}
	return close_out(f, path, err, errlen);
}

struct cdf_ctx {
	FILE *f;
	uint64_t n;
	bool first;
};


/* Callback of stats_for_each_bucket: one CDF row (rate, fraction at or
 * below it), after a first row at fraction 0 so the step starts on the axis. */
static int cdf_row(double lo, double hi, uint64_t count, uint64_t cum, void *arg)
{
	struct cdf_ctx *x = arg;
	(void)count;
	if (x->first) {
		fprintf(x->f, "%.15g 0\n", lo);
		x->first = false;
	}
	fprintf(x->f, "%.15g %.9g\n", hi, (double)cum / (double)x->n);
	return 0;
}

/* The CDF of the per-dump totals, one block per direction.  0 or -1 with err. */
static int write_distribution_dat(struct chart_ctx *c, char *err, size_t errlen)
{
	char path[PATH_MAX];
	FILE *f = open_out(c, "distribution.dat", path, sizeof path, err, errlen);

	if (!f)
		return -1;
	fprintf(f, "# %sdistribution.dat: written by dbnetio-report.\n"
		"# CDF of the bytes per second of all traced processes summed, one value per dump.\n"
		"# column 1: rate (bytes/s), column 2: fraction of dumps at or below it%s\n",
		c->stem, stats_is_exact(&c->ps->total[0]) ? "" :
		" (long capture: histogram buckets within 1%)");
	for (int d = 0; d < 2; d++) {
		fprintf(f, "# block %d: %s\n", d, d ? "received" : "sent");
		struct cdf_ctx x = { .f = f, .n = c->ps->total[d].n, .first = true };
		if (x.n)
			stats_for_each_bucket(&c->ps->total[d], cdf_row, &x);
		fputs("\n\n", f);
	}
	return close_out(f, path, err, errlen);
}

bool plot_have_gnuplot(char *path, size_t pathlen)
{
	const char *env = getenv("PATH");
	char buf[PATH_MAX];

	if (!env || !*env)
		env = "/usr/bin:/bin";
	while (*env) {
		const char *e = strchr(env, ':');
		size_t n = e ? (size_t)(e - env) : strlen(env);
		if (n == 0)
			snprintf(buf, sizeof buf, "./gnuplot");
		else
			snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)n, env);
		if (access(buf, X_OK) == 0) {
			if (path)
				snprintf(path, pathlen, "%s", buf);
			return true;
		}
		env += n + (e ? 1 : 0);
	}
	return false;
}

/* Run `gnuplot FILE` in dir, its stdout sent to our stderr (stdout carries
 * data only) and its stdin from /dev/null.  0, or -1 with err. */
static int run_gnuplot(const char *gnuplot, const char *dir, const char *file,
		       char *err, size_t errlen)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (chdir(dir) < 0)
			_exit(126);
		/* stdin may be the live capture pipe: gnuplot gets none */
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0 && null != STDIN_FILENO) {
			dup2(null, STDIN_FILENO);
			close(null);
		}
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execl(gnuplot, "gnuplot", file, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "gnuplot %s/%s exited with status %d",
			 dir, file, WEXITSTATUS(status));
	else
		snprintf(err, errlen, "gnuplot %s/%s killed by signal %d",
			 dir, file, WTERMSIG(status));
	return -1;
}

/* The stem of this source's files and the title line its charts share:
 * "db1: 2026-11-24 08:47:11 to 08:47:11 UTC". */
static void source_title(struct chart_ctx *c)
{
	const struct plot *p = c->p;
	const struct capture_meta *m = c->ps->meta;
	char label[256] = "", from[32], to[32];

	if (m && m->label && *m->label)
		chart_text(c->p, m->label, 48, " (the capture's label)", label, sizeof label);
	if (p->o.multi_source || c->sum->nsources > 1) {   /* files, or captures of one stream */
		char safe[96];
		safe_name(safe, sizeof safe, m && m->label && *m->label ? m->label : "capture");
		snprintf(c->stem, sizeof c->stem, "%s%u-%s-", p->prefix, c->source + 1, safe);
	} else {
		snprintf(c->stem, sizeof c->stem, "%s", p->prefix);
	}
	/* the capture's span: start of its first full interval to the end of
	 * its last, as the table and the report say */
	bool span = m && m->have_time;
	wu_time(m, span ? m->start : c->ps->first_ts, p->o.local_time, from, sizeof from);
	wu_time(m, span ? m->end : c->ps->last_ts, p->o.local_time, to, sizeof to);
	if (m && m->clock_of_day)
		snprintf(c->title, sizeof c->title, "%s%s%s to %s", label, *label ? ": " : "",
			 from + 11, to + 11);
	else
		snprintf(c->title, sizeof c->title, "%s%s%s to %s %s", label, *label ? ": " : "",
			 from, strncmp(from, to, 10) == 0 ? to + 11 : to,
			 p->o.local_time ? "local time" : "UTC");
}

/* The charts of a source, in order; stacked only for two groups or more. */
enum chart_kind { CHART_TIMESERIES, CHART_STACKED, CHART_DISTRIBUTION, NCHARTS };
static const char *const chart_names[NCHARTS] = { "timeseries", "stacked", "distribution" };

/* Write chart k's script, run gnuplot on it when there is one, and list
 * it.  A chart gnuplot fails on does not stop the others: its error is kept
 * in first_err (the first one only).  0, or -1 with err. */
static int render_chart(struct chart_ctx *c, enum chart_kind k, const char *gnuplot,
			char *first_err, size_t first_errlen, char *err, size_t errlen)
{
	struct plot *p = c->p;
	char title[640], per[64] = "", path[PATH_MAX], image[PATH_MAX], file[200];

	if (c->bucket && k != CHART_DISTRIBUTION)
		snprintf(per, sizeof per, " (%s of each %u s)",
			 k == CHART_TIMESERIES ? "highest second" : "mean", c->bucket);
	if (k == CHART_TIMESERIES)
		snprintf(title, sizeof title, "TCP bytes per second%s, %s", per, c->title);
	else if (k == CHART_STACKED)
		snprintf(title, sizeof title, "TCP bytes per second by %s%s, %s", c->noun, per,
			 c->title);
	else
		snprintf(title, sizeof title, "Distribution of per-second rates, %s", c->title);
	const char *dat = k == CHART_DISTRIBUTION ? "distribution.dat" :
			  k == CHART_STACKED && c->bucket ? "stacked.dat" : "timeseries.dat";
	if (write_chart_gp(c, chart_names[k], dat, title, k == CHART_DISTRIBUTION, path,
			   sizeof path, err, errlen) < 0)
		return -1;
	snprintf(file, sizeof file, "%s%s.gp", c->stem, chart_names[k]);
	snprintf(image, sizeof image, "%s/%s%s.%s", p->dir, c->stem, chart_names[k],
		 p->o.format == PLOT_SVG ? "svg" : "png");
	bool ok = false;
	if (gnuplot) {
		char gerr[512];
		if (run_gnuplot(gnuplot, p->dir, file, gerr, sizeof gerr) < 0) {
			if (!*first_err)
				snprintf(first_err, first_errlen, "%s", gerr);
		} else {
			ok = true;
		}
	}
	if (add_chart(p, c->source, chart_names[k], title, path, ok ? image : NULL) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Charts of one source.  0 or -1 with err. */
static int render_source(struct plot *p, const struct summary *sum, unsigned source,
			 const char *gnuplot, char *first_err, size_t first_errlen,
			 char *err, size_t errlen)
{
	struct chart_ctx c = { .p = p, .sum = sum, .ps = &p->src[source], .source = source };
	int rc = -1;

	source_title(&c);
	c.thr[0] = chart_threshold(sum, 0);
	c.thr[1] = chart_threshold(sum, 1);
	if (make_groups(&c, err, errlen) < 0)
		goto cleanup;
	legend_columns(&c);
	if (write_timeseries_dat(&c, err, errlen) < 0 ||
	    write_distribution_dat(&c, err, errlen) < 0)
		goto cleanup;
	for (int k = 0; k < NCHARTS; k++)
		if ((k != CHART_STACKED || c.ngroups >= 2) &&
		    render_chart(&c, k, gnuplot, first_err, first_errlen, err, errlen) < 0)
			goto cleanup;
	rc = 0;
cleanup:
	/* kept for plot_column_of() */
	free(c.ps->groups);
	c.ps->groups = c.groups;
	c.ps->ngroups = c.ngroups;
	c.ps->ntop = c.ntop;
	return rc;
}

/* The warning about names the charts show changed: one line per kind of
 * change, naming up to five of them. */
static void warn_text_notes(const struct plot *p)
{
	static const struct {
		unsigned what;
		const char *why;
	} kinds[] = {
		{ PLOT_TEXT_NO_GLYPH, "characters no installed font can draw (Debian: apt install "
				      "fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji)" },
		{ PLOT_TEXT_NOT_UTF8, "bytes that are not UTF-8" },
		{ PLOT_TEXT_CONTROL, "control or text-direction characters" },
	};

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		size_t n = 0;
		for (size_t i = 0; i < p->nnotes; i++)
			n += (p->notes[i].what & kinds[k].what) != 0;
		if (!n)
			continue;
		fprintf(stderr, "dbnetio-report: %s: %zu name%s with %s, shown as \xef\xbf\xbd in the "
			"charts:", p->what, n, n == 1 ? "" : "s", kinds[k].why);
		size_t shown = 0;
		for (size_t i = 0; i < p->nnotes && shown < 5; i++)
			if (p->notes[i].what & kinds[k].what)
				fprintf(stderr, "%s %s", shown++ ? "," : "", p->notes[i].name);
		if (n > shown)
			fprintf(stderr, " and %zu more", n - shown);
		fputc('\n', stderr);
	}
}

int plot_render(struct plot *p, const struct summary *sum, bool *rendered,
		char *err, size_t errlen)
{
	char gnuplot[PATH_MAX];
	bool have = plot_have_gnuplot(gnuplot, sizeof gnuplot);

	char first_err[512] = "";

	*rendered = have;
	if (make_dir(p->dir, err, errlen) < 0)
		return -1;
	uint64_t total;
	free(p->alerts);
	if (plot_alerts(sum, &p->alerts, &p->nalerts, &total) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < p->nsrc; i++) {
		if (!p->src[i].begun || p->src[i].dumps == 0)
			continue;
		if (render_source(p, sum, i, have ? gnuplot : NULL, first_err, sizeof first_err,
				  err, errlen) < 0)
			return -1;
	}
	warn_text_notes(p);
	if (*first_err) {
		snprintf(err, errlen, "%s", first_err);
		return -1;
	}
	return 0;
}

/* --------------------------------------------------------------- writer */

/* Writer hooks: the engine above, unchanged. */
static int w_begin(void *ctx, const struct capture_meta *meta, char *err, size_t errlen)
{
	return plot_begin(ctx, meta, err, errlen);
}

static int w_sample(void *ctx, const struct series *s, const struct sample *smp,
		    char *err, size_t errlen)
{
	return plot_sample(ctx, s, smp, err, errlen);
}

static int w_dump(void *ctx, const struct capture_meta *meta, int64_t ts,
		  char *err, size_t errlen)
{
	return plot_dump(ctx, meta, ts, err, errlen);
}

/* End of input: write and render, then say where, or how to render without
 * gnuplot. */
static int w_finish(void *ctx, const struct summary *sum, char *err, size_t errlen)
{
	struct plot *p = ctx;
	bool rendered;
	size_t n;

	if (plot_render(p, sum, &rendered, err, errlen) < 0)
		return -1;
	const struct plot_chart *c = plot_charts(p, &n);
	if (n == 0) {
		fprintf(stderr, "dbnetio-report: --plot %s: no @send/@recv rate samples, "
			"no charts written\n", p->dir);
		return 0;
	}
	if (!rendered) {
		fprintf(stderr, "dbnetio-report: gnuplot not found in PATH: wrote the data and "
			"scripts to %s/ but no images.\n"
			"dbnetio-report: render them with gnuplot (Debian: apt install gnuplot-nox):\n",
			p->dir);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  gnuplot %s\n", c[i].gp);
	}
	return 0;
}

static void w_free(void *ctx)
{
	plot_free(ctx);
}

static const struct writer_ops plot_ops = {
	.name = "plot",
	.begin = w_begin,
	.sample = w_sample,
	.dump = w_dump,
	.finish = w_finish,
	.free = w_free,
};

int writer_plot_new(struct writer *w, const struct plot_opts *o, char *err, size_t errlen)
{
	char what[PATH_MAX + 16];
	struct plot_opts po = *o;

	snprintf(what, sizeof what, "--plot %s", o->dir ? o->dir : ".");
	po.what = what;
	struct plot *p = plot_new(&po, err, errlen);
	if (!p)
		return -1;
	w->ops = &plot_ops;
	w->ctx = p;
	return 0;
}
