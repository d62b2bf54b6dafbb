/* write_report.c: the shareable traffic report, as one HTML file or as Markdown.
 *
 * Both formats are written by the same section functions through a tiny
 * emitter (heading, paragraph, table, cell, chart) whose two implementations
 * differ only in syntax and escaping.  The charts come from the plot engine
 * (write_plot.c) fed by the same writer hooks: for HTML they are rendered as SVG
 * into a private temporary directory, copied inline and deleted; for
 * Markdown they are PNG files in FILE-charts/ next to FILE.md.
 *
 * The HTML page carries no script and no reference to any other resource: a
 * reader can mail it, open it offline, and the browser fetches nothing.
 */
#include "grow.h"
#include "write_report.h"
#include "sessions.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "write_plot.h"
#include "stats.h"
#include "threshold.h"
#include "units.h"
#include "write_util.h"

/* ------------------------------------------------------------ utilities */

/* Clients listed in each table of the Who section. */
#define WHO_TOP 10

/* "1.23 GiB" */
static const char *fmt_bytes(double v, char *buf, size_t len)
{
	return units_format_bytes(v, buf, len);
}

/* "12.5 MiB/s" */
static const char *fmt_rate(double v, char *buf, size_t len)
{
	char b[48];
	snprintf(buf, len, "%s/s", units_format_bytes(v, b, sizeof b));
	return buf;
}

/* "1h 02m 03s", "1m 59s", "42s" */
static const char *fmt_duration(double secs, char *buf, size_t len)
{
	long s = secs < 0 ? 0 : (long)(secs + 0.5);
	if (s >= 3600)
		snprintf(buf, len, "%ldh %02ldm %02lds", s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%ldm %02lds", s / 60, s % 60);
	else
		snprintf(buf, len, "%lds", s);
	return buf;
}

/* An exact number for data-value: integers as such, others to 6 decimals
 * (the precision of the JSON output). */
static const char *fmt_exact(double v, char *buf, size_t len)
{
	if (v == (double)(long long)v && v < 9e15 && v > -9e15)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%.6f", v);
	return buf;
}

/* ------------------------------------------------------------- emitter */

struct emit {
	FILE *f;
	bool html;
	bool local;               /* local time */
	bool clock;               /* HH:MM:SS input: times of day, zone unknown */
	const char *chart_dir;    /* Markdown: relative path of the charts */
};

/* Text from the capture, escaped for the output: HTML entities, or Markdown
 * punctuation that would otherwise format or split a table cell.  Control
 * bytes and broken UTF-8 become U+FFFD. */
static void e_text(struct emit *e, const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u);

	for (size_t i = 0; i < n;) {
		size_t len = wu_utf8_len(u + i, n - i);
		unsigned char c = u[i];
		if (len == 0 || c < 0x20 || c == 0x7f) {
			fputs("\xef\xbf\xbd", e->f);
			i++;
			continue;
		}
		if (e->html) {
			switch (c) {
			case '&': fputs("&amp;", e->f); break;
			case '<': fputs("&lt;", e->f); break;
			case '>': fputs("&gt;", e->f); break;
			case '"': fputs("&quot;", e->f); break;
			case '\'': fputs("&#39;", e->f); break;
			default: fwrite(u + i, 1, len, e->f);
			}
		} else {
			/* what could start emphasis, code, a link, HTML, an
			 * entity (&amp; would read as &) or a new table cell
			 * inside a sentence or a cell */
			if (len == 1 && strchr("\\`*_[]<>|&", c))
				fputc('\\', e->f);
			fwrite(u + i, 1, len, e->f);
		}
		i += len;
	}
}

/* printf, then escaped: for sentences that mix fixed words and capture text. */
static void e_textf(struct emit *e, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	e_text(e, buf);
}

/* A relative link target for Markdown: bytes that would end or split the
 * link (space, parentheses, angle brackets, control bytes, non-ASCII) are
 * percent-encoded. */
static void e_url(struct emit *e, const char *s)
{
	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		if (*u <= 0x20 || *u >= 0x7f || strchr("()<>%\"'\\[]", *u))
			fprintf(e->f, "%%%02X", *u);
		else
			fputc(*u, e->f);
	}
}

/* A section heading; id is its HTML anchor. */
static void e_heading(struct emit *e, int level, const char *id, const char *text)
{
	if (e->html) {
		fprintf(e->f, "<h%d id=\"%s\">", level, id);
		e_text(e, text);
		fprintf(e->f, "</h%d>\n", level);
	} else {
		fprintf(e->f, "\n%.*s ", level, "######");
		e_text(e, text);
		fputs("\n\n", e->f);
	}
}

/* A table: e_table(e, "Process", "Sent", ...) ending with NULL.  Headers
 * whose text starts with '>' are right-aligned (numbers). */
static void e_table(struct emit *e, const char *cls, ...)
{
	va_list ap;
	const char *h;

	va_start(ap, cls);
	if (e->html) {
		fprintf(e->f, "<table class=\"%s\"><thead><tr>", cls);
		while ((h = va_arg(ap, const char *)))
			fprintf(e->f, "<th%s>%s</th>", *h == '>' ? " class=\"n\"" : "",
				h + (*h == '>'));
		fputs("</tr></thead><tbody>\n", e->f);
	} else {
		fputc('\n', e->f);
		while ((h = va_arg(ap, const char *)))
			fprintf(e->f, "| %s ", h + (*h == '>'));
		fputs("|\n", e->f);
		va_end(ap);
		va_start(ap, cls);
		while ((h = va_arg(ap, const char *)))
			fputs(*h == '>' ? "| ---: " : "| --- ", e->f);
		fputs("|\n", e->f);
	}
	va_end(ap);
}

/* Table, row and paragraph delimiters. */
static void e_table_end(struct emit *e)
{
	fputs(e->html ? "</tbody></table>\n" : "\n", e->f);
}

static void e_row(struct emit *e)
{
	if (e->html)
		fputs("<tr>", e->f);
}

static void e_row_end(struct emit *e)
{
	fputs(e->html ? "</tr>\n" : "|\n", e->f);
}

/* One cell.  stat (may be NULL) names the number for data-stat, value is its
 * exact form. */
static void e_cell(struct emit *e, const char *text, const char *stat, const char *value,
		   bool numeric)
{
	if (e->html) {
		fputs(numeric ? "<td class=\"n\"" : "<td", e->f);
		if (stat) {
			fputs(" data-stat=\"", e->f);
			e_text(e, stat);
			fprintf(e->f, "\" data-value=\"%s\"", value);
		}
		fputc('>', e->f);
		e_text(e, text);
		fputs("</td>", e->f);
	} else {
		fputs("| ", e->f);
		e_text(e, text);
		fputc(' ', e->f);
	}
}

/* The chart cell of a table row: the colour swatch of its line in the
 * time charts, or of "rest" with the word, as text in Markdown.  column 0:
 * not charted. */
static void e_swatch(struct emit *e, unsigned column, bool rest)
{
	const char *hex = column ? plot_palette[(column - 1) % PLOT_PALETTE_N] : NULL;
	const char *name = column ? plot_palette_names[(column - 1) % PLOT_PALETTE_N] : NULL;

	if (e->html) {
		fputs("<td class=\"chart\">", e->f);
		if (hex)
			fprintf(e->f, "<span class=\"sw\" style=\"background:%s\" title=\"%s\"></span>%s",
				hex, name, rest ? "rest" : "");
		else
			fputs("–", e->f);
		fputs("</td>", e->f);
	} else {
		char t[64];
		if (hex)
			snprintf(t, sizeof t, "%s%s", rest ? "rest, " : "", name);
		else
			snprintf(t, sizeof t, "–");
		e_cell(e, t, NULL, NULL, false);
	}
}

/* A numeric cell showing a human form and carrying the exact value. */
static void e_num(struct emit *e, const char *key, const char *field, double v,
		  const char *human)
{
	char stat[512], exact[64];
	snprintf(stat, sizeof stat, "%s|%s", key, field);
	e_cell(e, human, stat, fmt_exact(v, exact, sizeof exact), true);
}

static void e_para_begin(struct emit *e, const char *cls)
{
	if (e->html)
		fprintf(e->f, "<p class=\"%s\">", cls);
	else
		fputc('\n', e->f);
}

static void e_para_end(struct emit *e)
{
	fputs(e->html ? "</p>\n" : "\n", e->f);
}

/* ----------------------------------------------------------- report data */

struct report {
	struct report_writer_opts o;
	char *path;
	bool html;
	struct plot *plot;
	char chart_dir[PATH_MAX];     /* where the charts are rendered */
	char chart_rel[PATH_MAX];     /* Markdown: chart dir relative to FILE.md */
	bool tmp_dir;                 /* chart_dir is ours to delete */
	/* every series seen, by series->index (the summary lists --top only) */
	const struct series **series;
	size_t nseries;
};

/* A process: the send and recv series of one pid and name in a source. */
struct proc {
	unsigned source;
	long long pid;
	const char *comm;
	uint64_t sent, recv;
	double peak_send, peak_recv;
	unsigned nsend, nrecv;   /* its series each way: with more than one (its
				  * clients), its own peak is not known here */
};

/* qsort order of processes: source, pid, name. */
static int proc_cmp_key(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->comm, y->comm);
}

/* qsort order of processes: most bytes first, ties by key. */
static int proc_cmp_bytes(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;
	uint64_t tx = x->sent + x->recv, ty = y->sent + y->recv;
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return proc_cmp_key(a, b);
}

/* The processes of source src (all sources when src < 0), biggest first.
 * Returns a malloc'd array and its length in *n, NULL on ENOMEM. */
static struct proc *procs_of(const struct report *r, int src, size_t *n)
{
	struct proc *p = calloc(r->nseries ? r->nseries : 1, sizeof *p);
	size_t m = 0;

	*n = 0;
	if (!p)
		return NULL;
	for (size_t i = 0; i < r->nseries; i++) {
		const struct series *s = r->series[i];
		if (!s || !s->direction || (src >= 0 && s->source != (unsigned)src))
			continue;
		bool send = strcmp(s->direction, "send") == 0;
		p[m++] = (struct proc){ .source = s->source, .pid = s->pid, .comm = s->comm,
					.sent = send ? s->total_bytes : 0,
					.recv = send ? 0 : s->total_bytes,
					.peak_send = send && s->stats.n ? s->stats.max : 0,
					.peak_recv = !send && s->stats.n ? s->stats.max : 0,
					.nsend = send, .nrecv = !send };
	}
	qsort(p, m, sizeof *p, proc_cmp_key);
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		if (k > 0 && proc_cmp_key(&p[k - 1], &p[i]) == 0) {
			p[k - 1].sent += p[i].sent;
			p[k - 1].recv += p[i].recv;
			p[k - 1].nsend += p[i].nsend;
			p[k - 1].nrecv += p[i].nrecv;
			if (p[i].peak_send > p[k - 1].peak_send)
				p[k - 1].peak_send = p[i].peak_send;
			if (p[i].peak_recv > p[k - 1].peak_recv)
				p[k - 1].peak_recv = p[i].peak_recv;
		} else {
			p[k++] = p[i];
		}
	}
	qsort(p, k, sizeof *p, proc_cmp_bytes);
	*n = k;
	return p;
}

/* The zone name printed after times. */
static const char *zone(const struct emit *e)
{
	if (e->clock)
		return "clock time";
	return e->local ? "local time" : "UTC";
}

/* Totals and peaks of one source's send (d=0) or recv (d=1) series. */
struct dir_total {
	uint64_t bytes;
	double rate_bytes;       /* of the full intervals: the mean's numerator */
	double peak;
	int64_t peak_ts;
	const struct series *peak_series;
};

/* Totals and the highest per-second peak of one direction of a source. */
static struct dir_total dir_total(const struct report *r, unsigned src, int d)
{
	struct dir_total t = { 0 };
	for (size_t i = 0; i < r->nseries; i++) {
		const struct series *s = r->series[i];
		if (!s || !s->direction || s->source != src ||
		    (strcmp(s->direction, "send") == 0) != (d == 0))
			continue;
		t.bytes += s->total_bytes;
		t.rate_bytes += stats_bytes(&s->stats);
		if (s->stats.n && (!t.peak_series || s->stats.max > t.peak)) {
			t.peak = s->stats.max;
			t.peak_ts = s->stats.max_ts;
			t.peak_series = s;
		}
	}
	return t;
}

/* "mariadbd [4321]", "127.0.0.2 (mariadbd [4321])" for a client, or the
 * series' label for a map that is not dbnetio's. */
static const char *who(const struct series *s, char *buf, size_t len)
{
	char client[SERIES_CLIENT_TEXT_MAX], proc[200];

	if (!s->direction || s->pid < 0) {
		snprintf(buf, len, "%s", s->label ? s->label : s->raw);
		return buf;
	}
	if (*s->comm)
		snprintf(proc, sizeof proc, "%s [%lld]", s->comm, s->pid);
	else
		snprintf(proc, sizeof proc, "pid %lld", s->pid);
	if (*series_client_text(s, client, sizeof client))
		snprintf(buf, len, "%s (%s)", client, proc);
	else
		snprintf(buf, len, "%s", proc);
	return buf;
}

/* -------------------------------------------------------------- sections */

static double capture_seconds(const struct capture_meta *m)
{
	if (!m->have_time)
		return 0;
	/* start of the first full interval to the end of the last, as the
	 * JSON summary's "duration" */
	return (double)(m->end - m->start);
}

/* What a capture's filter= traced, as words: "every process", "processes
 * named mariadbd", "pids 4321, 4322", "the processes of cgroup /sys/...". */
static const char *traced_what(const char *filter, char *buf, size_t len)
{
	if (!*filter || strcmp(filter, "all") == 0)
		snprintf(buf, len, "every process");
	else if (strncmp(filter, "comm:", 5) == 0)
		snprintf(buf, len, "processes named %s", filter + 5);
	else if (strncmp(filter, "cgroup:", 7) == 0)
		snprintf(buf, len, "the processes of cgroup %s", filter + 7);
	else if (strncmp(filter, "pid:", 4) == 0) {
		/* "pid:1,2" -> "pids 1, 2" */
		size_t o = (size_t)snprintf(buf, len, "pid%s ", strchr(filter + 4, ',') ? "s" : "");
		for (const char *f = filter + 4; *f && o + 3 < len; f++) {
			if (*f == ',') {
				buf[o++] = ',';
				buf[o++] = ' ';
			} else {
				buf[o++] = *f;
			}
		}
		buf[o < len ? o : len - 1] = '\0';
	} else
		snprintf(buf, len, "with filter %s", filter);
	return buf;
}

/* Headline cards / bullet list: what was traced, how much each way, peaks. */
/* "Traced all on db1 (kernel 6.1), 2026-11-24 22:08:16 to 22:13:16 UTC (5 min)." */
static void glance_traced(struct emit *e, const struct capture_meta *m)
{
	char c[64], t1[40], t2[40];
	double secs = capture_seconds(m);

	char what[512];
	e_para_begin(e, "traced");
	e_textf(e, "Traced %s on %s", traced_what(m->filter, what, sizeof what),
		*m->host ? m->host : "an unnamed host");
	if (*m->kernel)
		e_textf(e, " (kernel %s)", m->kernel);
	if (m->have_time)
		e_textf(e, ", %s to %s %s (%s).", wu_time(m, m->start, e->local, t1, sizeof t1),
			wu_time(m, m->end, e->local, t2, sizeof t2), zone(e),
			fmt_duration(secs, c, sizeof c));
	else
		e_text(e, m->counts.dumps ? ", no full interval." : ", no timestamped dump.");
	e_para_end(e);

}

/* The card of one direction (d: 0 send, 1 recv): total, mean and peak. */
static void glance_card(struct emit *e, const struct report *r, const struct capture_meta *m, int d)
{
	char a[64], b[64], c[64], w[300], t1[40];

	struct dir_total t = dir_total(r, m->index, d);
	const char *name = d ? "Received" : "Sent";
	if (e->html) {
		fprintf(e->f, "<div class=\"card %s\"><div class=\"k\">%s by the server</div>"
			"<div class=\"v\" data-stat=\"source%u|%s_bytes\" data-value=\"%llu\">",
			d ? "recv" : "send", name, m->index, d ? "recv" : "send",
			(unsigned long long)t.bytes);
		e_text(e, fmt_bytes((double)t.bytes, a, sizeof a));
		fputs("</div><div class=\"s\">", e->f);
	} else {
		fprintf(e->f, "%s- **%s** by the server: ", d == 0 ? "\n" : "", name);
		e_text(e, fmt_bytes((double)t.bytes, a, sizeof a));
		fputs(" — ", e->f);
	}
	/* MEAN as everywhere (stats.h): the full intervals' bytes over
	 * their real seconds, here the capture's */
	if (m->seconds > 0) {
		double mean = t.rate_bytes / m->seconds;
		char x[64];
		if (e->html)
			fprintf(e->f, "mean <span data-stat=\"source%u|%s_mean\" data-value=\"%s\">",
				m->index, d ? "recv" : "send", fmt_exact(mean, x, sizeof x));
		else
			e_text(e, "mean ");
		e_text(e, fmt_rate(mean, b, sizeof b));
		if (e->html)
			fputs("</span>", e->f);
	}
	/* an idle direction has no peak, and no time for one */
	if (t.peak_series && t.peak > 0)
		e_textf(e, "; peak %s by %s at %s", fmt_rate(t.peak, c, sizeof c),
			who(t.peak_series, w, sizeof w),
			wu_time(m, t.peak_ts, e->local, t1, sizeof t1) + (m->clock_of_day ? 0 : 11));
	else if (t.peak_series)
		e_text(e, "; idle");
	fputs(e->html ? "</div></div>\n" : "\n", e->f);
}

/* The thresholds' card: how many alerts, how long they lasted (start to
 * end, dips inside the merge window included), and how long series were
 * above a limit at all (brief crossings included, summed over series). */
static void glance_thresholds(struct emit *e, const struct report *r, const struct summary *sum,
			      const struct capture_meta *m)
{
	char c[64];
	uint64_t alerts = 0;
	double above = 0, in_alerts = 0;
	for (size_t i = 0; i < r->nseries; i++) {
		const struct series *s = r->series[i];
		if (!s || s->source != m->index || !s->th)
			continue;
		for (size_t k = 0; k < sum->nthresholds; k++) {
			alerts += s->th[k].alerts_total;
			above += s->th[k].seconds_above;
			for (size_t j = 0; j < s->th[k].nalerts; j++)
				in_alerts += (double)(s->th[k].alerts[j].end - s->th[k].alerts[j].start);
		}
	}
	if (e->html) {
		fprintf(e->f, "<div class=\"card %s\"><div class=\"k\">Thresholds</div>"
			"<div class=\"v\" data-stat=\"source%u|alerts\" data-value=\"%llu\">",
			alerts ? "alert" : "ok", m->index, (unsigned long long)alerts);
		if (sum->nthresholds == 0)
			fputs("none set", e->f);
		else
			fprintf(e->f, "%llu alert%s", (unsigned long long)alerts, alerts == 1 ? "" : "s");
		fputs("</div><div class=\"s\">", e->f);
	} else {
		fputs("- **Thresholds**: ", e->f);
	}
	if (sum->nthresholds == 0)
		e_text(e, "no threshold was given (--threshold)");
	else {
		for (size_t k = 0; k < sum->nthresholds; k++)
			e_textf(e, "%s%s", k ? ", " : "", sum->thresholds[k].spec);
		if (!e->html)
			e_textf(e, ": %llu alert%s", (unsigned long long)alerts, alerts == 1 ? "" : "s");
		if (alerts)
			e_textf(e, "; %s in alerts, from each one's start to its end",
				fmt_duration(in_alerts, c, sizeof c));
		e_textf(e, "; %s above a limit in all, brief crossings included, summed over series",
			fmt_duration(above, c, sizeof c));
	}
	fputs(e->html ? "</div></div>\n</div>\n" : "\n", e->f);

}

/* A line on what the capture lacked, when it lacked anything. */
static void glance_quality(struct emit *e, const struct capture_meta *m)
{
	const struct capture_counts *n = &m->counts;
	if (n->gaps || n->lost_events || n->resets || n->warnings || n->bad_lines ||
	    n->truncated || n->duplicates || n->backwards) {
		e_para_begin(e, "quality");
		e_textf(e, "Data quality: %llu gap%s (%llu missing second%s), %llu lost event%s, "
			"%llu counter reset%s, %llu bpftrace warning%s, %llu bad line%s skipped.",
			(unsigned long long)n->gaps, n->gaps == 1 ? "" : "s",
			(unsigned long long)n->missing_seconds, n->missing_seconds == 1 ? "" : "s",
			(unsigned long long)n->lost_events, n->lost_events == 1 ? "" : "s",
			(unsigned long long)n->resets, n->resets == 1 ? "" : "s",
			(unsigned long long)n->warnings, n->warnings == 1 ? "" : "s",
			(unsigned long long)n->bad_lines, n->bad_lines == 1 ? "" : "s");
		e_para_end(e);
	}
}

/* The capture at a glance: what was traced, the cards, data quality. */
static void section_glance(struct emit *e, const struct report *r, const struct summary *sum,
			   const struct capture_meta *m)
{
	glance_traced(e, m);
	if (e->html)
		fputs("<div class=\"cards\">\n", e->f);
	for (int d = 0; d < 2; d++)
		glance_card(e, r, m, d);
	glance_thresholds(e, r, sum, m);
	glance_quality(e, m);
}

/* Key/value table of the capture's metadata. */
static void section_capture(struct emit *e, const struct capture_meta *m)
{
	char a[64], t[40];

	e_table(e, "meta", "Capture", "", NULL);
#define KV(k, v) do { e_row(e); e_cell(e, k, NULL, NULL, false); \
		      e_cell(e, v, NULL, NULL, false); e_row_end(e); } while (0)
	KV("host", *m->host ? m->host : "(not recorded)");
	KV("kernel", *m->kernel ? m->kernel : "(not recorded)");
	char probe[256];
	snprintf(probe, sizeof probe, "%s%s%s%s", *m->probe ? m->probe : "(not recorded)",
		 *m->variant ? " (" : "", m->variant, *m->variant ? ")" : "");
	KV("probe", probe);
	KV("filter", *m->filter ? m->filter : "(not recorded)");
	KV("capture file", strcmp(m->file, "-") == 0 ? "(standard input)" : m->file);
	if (m->have_time) {
		char z[64];
		snprintf(z, sizeof z, "%s %s", wu_time(m, m->start, e->local, t, sizeof t), zone(e));
		KV("start", z);
		snprintf(z, sizeof z, "%s %s", wu_time(m, m->end, e->local, t, sizeof t), zone(e));
		KV("end", z);
		KV("duration", fmt_duration(capture_seconds(m), a, sizeof a));
	}
	snprintf(a, sizeof a, "%u s, counters %s", m->interval ? m->interval : 1,
		 m->interval_counters ? "per interval" : "cumulative");
	KV("interval", a);
	snprintf(a, sizeof a, "%llu", (unsigned long long)m->counts.dumps);
	KV("dumps", a);
	snprintf(a, sizeof a, "%llu (%llu missing seconds)",
		 (unsigned long long)m->counts.gaps, (unsigned long long)m->counts.missing_seconds);
	KV("gaps", a);
	snprintf(a, sizeof a, "%llu", (unsigned long long)m->counts.lost_events);
	KV("lost events", a);
#undef KV
	e_table_end(e);
}

/* Processes ranked by bytes, with their share. */
static int section_talkers(struct emit *e, const struct report *r, const struct capture_meta *m)
{
	size_t n;
	struct proc *p = procs_of(r, (int)m->index, &n);
	char a[64], b[64], c[64], d[64], key[300];
	uint64_t all = 0;
	bool per_client = false;

	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++)
		all += p[i].sent + p[i].recv;
	if (n == 0) {
		e_para_begin(e, "none");
		e_text(e, "No send/recv series in this capture.");
		e_para_end(e);
		free(p);
		return 0;
	}
	/* the charts' colour of each process, when they are drawn per process */
	bool swatches = false, rested = false;
	for (size_t i = 0; i < n && !swatches; i++) {
		bool rest;
		swatches = plot_column_of(r->plot, m->index, p[i].pid, p[i].comm, NULL, &rest) > 0;
	}
	if (swatches)
		e_table(e, "talkers", ">#", "Chart", "Process", ">PID", ">Sent", ">Received", ">Total",
			">Share", ">Peak send", ">Peak recv", NULL);
	else
		e_table(e, "talkers", ">#", "Process", ">PID", ">Sent", ">Received", ">Total",
			">Share", ">Peak send", ">Peak recv", NULL);
	size_t show = n < 20 ? n : 20;
	for (size_t i = 0; i < show; i++) {
		uint64_t tot = p[i].sent + p[i].recv;
		double share = all ? 100.0 * (double)tot / (double)all : 0;
		snprintf(key, sizeof key, "source%u|%lld|%s", m->index, p[i].pid, p[i].comm);
		e_row(e);
		snprintf(a, sizeof a, "%zu", i + 1);
		e_cell(e, a, NULL, NULL, true);
		if (swatches) {
			bool rest;
			unsigned col = plot_column_of(r->plot, m->index, p[i].pid, p[i].comm, NULL, &rest);
			e_swatch(e, col, rest);
			rested |= rest;
		}
		e_cell(e, *p[i].comm ? p[i].comm : "(no name)", NULL, NULL, false);
		snprintf(a, sizeof a, "%lld", p[i].pid);
		e_cell(e, a, NULL, NULL, true);
		e_num(e, key, "sent", (double)p[i].sent, fmt_bytes((double)p[i].sent, a, sizeof a));
		e_num(e, key, "recv", (double)p[i].recv, fmt_bytes((double)p[i].recv, b, sizeof b));
		e_num(e, key, "total", (double)tot, fmt_bytes((double)tot, c, sizeof c));
		snprintf(d, sizeof d, "%.1f %%", share);
		if (e->html) {
			fprintf(e->f, "<td class=\"n share\"><span class=\"bar\" style=\"width:%.1f%%\">"
				"</span><span class=\"pct\">%s</span></td>", share, d);
		} else {
			e_cell(e, d, NULL, NULL, true);
		}
		/* the peak of a process counted per client is the peak of their
		 * sum, which is not the highest of theirs: not known here */
		e_cell(e, p[i].nsend > 1 ? "–" : fmt_rate(p[i].peak_send, a, sizeof a), NULL, NULL, true);
		e_cell(e, p[i].nrecv > 1 ? "–" : fmt_rate(p[i].peak_recv, b, sizeof b), NULL, NULL, true);
		e_row_end(e);
		per_client |= p[i].nsend > 1 || p[i].nrecv > 1;
	}
	e_table_end(e);
	if (n > show) {
		e_para_begin(e, "note");
		e_textf(e, "%zu more processes not listed%s.", n - show,
			swatches ? ", all in the charts' rest" : "");
		e_para_end(e);
	}
	if (rested) {
		e_para_begin(e, "note");
		e_text(e, "Chart: the colour of each process's line; the processes marked rest are "
		       "drawn as one line, their rates summed.");
		e_para_end(e);
	}
	if (per_client) {
		e_para_begin(e, "note");
		e_text(e, "– : this capture is shown per client, and a process's peak is the peak of "
		       "its clients' sum, not the highest of theirs; run with --by process for it.");
		e_para_end(e);
	}
	free(p);
	return 0;
}

/* A client of a process (or a connection): its send and recv series. */
struct who_row {
	const struct series *s;  /* one of them: pid, comm, client, ports */
	uint64_t sent, recv;
	double peak;             /* the higher of its two peaks ... */
	int64_t peak_ts;         /* ... when it was */
	const char *peak_dir;    /* and which way */
};

/* qsort order of clients: process, client, ports. */
static int who_cmp_key(const void *a, const void *b)
{
	const struct series *x = ((const struct who_row *)a)->s, *y = ((const struct who_row *)b)->s;
	int c;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if ((c = strcmp(x->comm, y->comm)) || (c = strcmp(x->client, y->client)))
		return c;
	if (x->client_port != y->client_port)
		return x->client_port < y->client_port ? -1 : 1;
	return (x->local_port > y->local_port) - (x->local_port < y->local_port);
}

/* Most bytes first, ties by key. */
static int who_cmp_bytes(const void *a, const void *b)
{
	const struct who_row *x = a, *y = b;
	if (x->sent + x->recv != y->sent + y->recv)
		return x->sent + x->recv > y->sent + y->recv ? -1 : 1;
	return who_cmp_key(a, b);
}

/* Highest peak first, ties by key. */
static int who_cmp_peak(const void *a, const void *b)
{
	const struct who_row *x = a, *y = b;
	if (x->peak != y->peak)
		return x->peak > y->peak ? -1 : 1;
	return who_cmp_key(a, b);
}

/* The clients of source src: its series that have one, send and recv of a
 * client merged (totals add; the peak is the higher one, with its time and
 * direction: two series' own peaks, not a sum).  malloc'd, NULL on ENOMEM. */
static struct who_row *clients_of(const struct report *r, unsigned src, size_t *n)
{
	struct who_row *w = calloc(r->nseries ? r->nseries : 1, sizeof *w);
	size_t m = 0, k = 0;

	*n = 0;
	if (!w)
		return NULL;
	for (size_t i = 0; i < r->nseries; i++) {
		const struct series *s = r->series[i];
		if (!s || !s->direction || s->source != src || !*s->client)
			continue;
		bool send = strcmp(s->direction, "send") == 0;
		w[m++] = (struct who_row){ .s = s, .sent = send ? s->total_bytes : 0,
					   .recv = send ? 0 : s->total_bytes,
					   .peak = s->stats.n ? s->stats.max : 0,
					   .peak_ts = s->stats.n ? s->stats.max_ts : 0,
					   /* idle: no peak to show, nor a time */
					   .peak_dir = s->stats.n && s->stats.max > 0 ? s->direction : NULL };
	}
	qsort(w, m, sizeof *w, who_cmp_key);
	for (size_t i = 0; i < m; i++) {
		if (k > 0 && who_cmp_key(&w[k - 1], &w[i]) == 0) {
			w[k - 1].sent += w[i].sent;
			w[k - 1].recv += w[i].recv;
			if (w[i].peak_dir && (!w[k - 1].peak_dir || w[i].peak > w[k - 1].peak)) {
				w[k - 1].peak = w[i].peak;
				w[k - 1].peak_ts = w[i].peak_ts;
				w[k - 1].peak_dir = w[i].peak_dir;
			}
		} else {
			w[k++] = w[i];
		}
	}
	*n = k;
	return w;
}

/* One table of the Who section: the first `show` clients in the order
 * qsort left them. */
static void who_table(struct emit *e, const struct plot *plot, const struct capture_meta *m,
		      const struct who_row *w, size_t show, bool by_peak)
{
	char a[64], b[64], c[64], t[40], client[SERIES_CLIENT_TEXT_MAX], proc[300], key[600];
	char peak_at[32];

	snprintf(peak_at, sizeof peak_at, "Peak at (%s)", zone(e));
	if (by_peak)
		e_table(e, "who", ">#", "Chart", "Client", "Process", ">Peak", "Direction", peak_at,
			">Total", NULL);
	else
		e_table(e, "who", ">#", "Chart", "Client", "Process", ">Sent", ">Received", ">Total",
			">Peak", peak_at, NULL);
	for (size_t i = 0; i < show; i++) {
		const struct series *s = w[i].s;
		uint64_t tot = w[i].sent + w[i].recv;
		series_client_text(s, client, sizeof client);
		if (*s->comm)
			snprintf(proc, sizeof proc, "%s [%lld]", s->comm, s->pid);
		else
			snprintf(proc, sizeof proc, "pid %lld", s->pid);
		snprintf(key, sizeof key, "source%u|client|%lld|%s|%s", m->index, s->pid, s->comm, client);
		e_row(e);
		snprintf(a, sizeof a, "%zu", i + 1);
		e_cell(e, a, NULL, NULL, true);
		bool rest;
		unsigned col = plot_column_of(plot, m->index, s->pid, s->comm, s, &rest);
		e_swatch(e, col, rest);
		e_cell(e, client, NULL, NULL, false);
		e_cell(e, proc, NULL, NULL, false);
		if (!by_peak) {
			e_num(e, key, "sent", (double)w[i].sent, fmt_bytes((double)w[i].sent, a, sizeof a));
			e_num(e, key, "recv", (double)w[i].recv, fmt_bytes((double)w[i].recv, b, sizeof b));
			e_num(e, key, "total", (double)tot, fmt_bytes((double)tot, c, sizeof c));
		}
		if (w[i].peak_dir) {
			e_num(e, key, "peak", w[i].peak, fmt_rate(w[i].peak, a, sizeof a));
			if (by_peak)
				e_cell(e, w[i].peak_dir, NULL, NULL, false);
			e_cell(e, wu_time(m, w[i].peak_ts, e->local, t, sizeof t), NULL, NULL, false);
		} else {
			e_cell(e, "–", NULL, NULL, true);
			if (by_peak)
				e_cell(e, "–", NULL, NULL, false);
			e_cell(e, "–", NULL, NULL, false);
		}
		if (by_peak)
			e_cell(e, fmt_bytes((double)tot, c, sizeof c), NULL, NULL, true);
		e_row_end(e);
	}
	e_table_end(e);
}

/* Who: the top clients of a source by bytes and by peak, and when each
 * peaked.  Only for a capture shown per client or connection.  0, or -1 on
 * ENOMEM. */
static int section_who(struct emit *e, const struct report *r, const struct capture_meta *m)
{
	size_t n;
	struct who_row *w = clients_of(r, m->index, &n);

	if (!w)
		return -1;
	if (n == 0) {
		e_para_begin(e, "none");
		e_textf(e, "This capture is shown per process (key=%s): no clients.",
			parse_key_name(m->key));
		e_para_end(e);
		free(w);
		return 0;
	}
	size_t show = n < WHO_TOP ? n : WHO_TOP;
	bool conns = false;
	for (size_t i = 0; i < n; i++)
		conns |= w[i].s->client_port >= 0;
	e_para_begin(e, "note");
	if (show < n)
		e_textf(e, "The %zu biggest of %zu %s", show, n, conns ? "connections" : "clients");
	else
		e_textf(e, "The %s", conns ? "connections" : "clients");
	e_text(e, " by bytes sent and received (overflow: the bytes the capture could not key by "
	       "client); a peak is the highest per-second rate of one direction. Chart: the colour "
	       "of each one's line in the time charts; rest: drawn as one line, summed.");
	e_para_end(e);
	qsort(w, n, sizeof *w, who_cmp_bytes);
	who_table(e, r->plot, m, w, show, false);
	e_para_begin(e, "note");
	e_textf(e, "The %zu highest peaks:", show);
	e_para_end(e);
	qsort(w, n, sizeof *w, who_cmp_peak);
	who_table(e, r->plot, m, w, show, true);
	free(w);
	return 0;
}

/* Who, in database terms: the source's series grouped by session (--by
 * user, database, application), send and recv of each merged, most bytes
 * first; the database's strings are escaped by the emitter like any
 * capture text.  0, or -1 on ENOMEM. */
static int section_who_sessions(struct emit *e, const struct report *r, const struct capture_meta *m)
{
	struct who_row *w = calloc(r->nseries ? r->nseries : 1, sizeof *w);
	size_t k = 0;
	char a[64], b[64], c[64], key[64];

	if (!w)
		return -1;
	for (size_t i = 0; i < r->nseries; i++) {
		const struct series *s = r->series[i];
		if (!s || !s->direction || s->source != m->index || !s->session_fields)
			continue;
		bool send = strcmp(s->direction, "send") == 0;
		size_t j;
		for (j = 0; j < k; j++) {
			const struct series *t = w[j].s;
			if (t->pid == s->pid && !strcmp(t->comm, s->comm) &&
			    t->session_unknown == s->session_unknown && !strcmp(t->client, s->client) &&
			    !strcmp(t->db_user ? t->db_user : "", s->db_user ? s->db_user : "") &&
			    !strcmp(t->database ? t->database : "", s->database ? s->database : "") &&
			    !strcmp(t->application ? t->application : "",
				    s->application ? s->application : ""))
				break;
		}
		if (j == k)
			w[k++] = (struct who_row){ .s = s };
		(send ? &w[j].sent : &w[j].recv)[0] += s->total_bytes;
	}
	qsort(w, k, sizeof *w, who_cmp_bytes);
	e_para_begin(e, "note");
	e_textf(e, "Bytes per database user, database and application (the sessions %s recorded; "
		"unknown session: bytes of a connection whose session was not seen, kept per "
		"client).", m->sessions && m->sessions->db == SESSION_DB_POSTGRES ? "PostgreSQL" : "MariaDB");
	if (m->sessions && m->sessions->ngaps)
		e_textf(e, " The session list could not be read %zu time%s: sessions are missing then "
			"(first: %s).", m->sessions->ngaps, m->sessions->ngaps == 1 ? "" : "s",
			m->sessions->gaps[0].reason);
	e_para_end(e);
	e_table(e, "who", ">#", "User", "Database", "Application", "Process", ">Sent", ">Received",
		">Total", NULL);
	for (size_t i = 0; i < k && i < WHO_TOP; i++) {
		const struct series *s = w[i].s;
		char proc[300], unk[200];
		snprintf(proc, sizeof proc, "%s [%lld]", s->comm, s->pid);
		snprintf(unk, sizeof unk, "unknown session (%s)", s->client);
		snprintf(key, sizeof key, "source%u|session|%zu", m->index, i);
		e_row(e);
		snprintf(a, sizeof a, "%zu", i + 1);
		e_cell(e, a, NULL, NULL, true);
		e_cell(e, s->session_unknown ? unk : s->db_user ? s->db_user : "–", NULL, NULL, false);
		e_cell(e, s->session_unknown ? "" : s->database ? s->database : "–", NULL, NULL, false);
		e_cell(e, s->session_unknown ? "" : s->application ? s->application : "–", NULL, NULL,
		       false);
		e_cell(e, proc, NULL, NULL, false);
		e_num(e, key, "sent", (double)w[i].sent, fmt_bytes((double)w[i].sent, a, sizeof a));
		e_num(e, key, "recv", (double)w[i].recv, fmt_bytes((double)w[i].recv, b, sizeof b));
		e_num(e, key, "total", (double)(w[i].sent + w[i].recv),
		      fmt_bytes((double)(w[i].sent + w[i].recv), c, sizeof c));
		e_row_end(e);
	}
	e_table_end(e);
	free(w);
	return 0;
}

/* The statistics of every series in report order. */
static void section_series(struct emit *e, const struct summary *sum)
{
	char a[64], b[64], t[40];

	if (sum->nseries == 0) {
		e_para_begin(e, "none");
		e_text(e, "No series.");
		e_para_end(e);
		return;
	}
	if (sum->nranked_all > sum->nranked) {
		e_para_begin(e, "note");
		e_textf(e, "The series of the top %zu of %zu %s (--top).", sum->nranked,
			sum->nranked_all, sum->ranked);
		e_para_end(e);
	}
	char peak_at[32];
	snprintf(peak_at, sizeof peak_at, "Peak at (%s)", zone(e));
	e_table(e, "series", "Series", ">Total", ">Mean", ">p50", ">p95", ">p99", ">Peak",
		peak_at, ">Seconds", NULL);
	for (size_t i = 0; i < sum->nseries; i++) {
		const struct series *s = sum->series[i];
		const struct capture_meta *m = sum->sources[s->source];
		const struct stats *st = &s->stats;
		e_row(e);
		if (sum->nsources > 1) {
			char l[512];
			snprintf(l, sizeof l, "%s: %s", m->label, s->label);
			e_cell(e, l, NULL, NULL, false);
		} else {
			e_cell(e, s->label, NULL, NULL, false);
		}
		const char *k = s->raw;
		char key[600];
		if (sum->nsources > 1) {
			snprintf(key, sizeof key, "source%u|%s", s->source, s->raw);
			k = key;
		}
		e_num(e, k, "total_bytes", (double)s->total_bytes,
		      fmt_bytes((double)s->total_bytes, a, sizeof a));
		if (st->n) {
			static const double q[3] = { 0.50, 0.95, 0.99 };
			static const char *qn[3] = { "p50", "p95", "p99" };
			double mean = stats_mean(st);
			e_num(e, k, "mean", mean, fmt_rate(mean, a, sizeof a));
			for (int j = 0; j < 3; j++) {
				double v = stats_quantile(st, q[j]);
				e_num(e, k, qn[j], v, fmt_rate(v, b, sizeof b));
			}
			e_num(e, k, "max", st->max, fmt_rate(st->max, a, sizeof a));
			/* an idle series' "peak" is any of its seconds */
			e_cell(e, st->max > 0 ? wu_time(m, st->max_ts, e->local, t, sizeof t) : "–", NULL, NULL,
			       false);
		} else {
			for (int j = 0; j < 5; j++)
				e_cell(e, "–", NULL, NULL, true);
			e_cell(e, "–", NULL, NULL, false);
		}
		snprintf(a, sizeof a, "%.0f", st->seconds);
		e_num(e, k, "seconds", st->seconds, a);
		e_row_end(e);
	}
	e_table_end(e);
}

/* The thresholds' table: limit, sustain, merge, and per threshold the
 * series above it, their seconds above and their alerts. */
static void threshold_table(struct emit *e, const struct report *r, const struct summary *sum)
{
	char a[64], b[64], c[64];

	e_table(e, "thresholds", "Threshold", ">Limit", ">Sustain", ">Merge", ">Series above",
		">Seconds above", ">Alerts", NULL);
	for (size_t k = 0; k < sum->nthresholds; k++) {
		const struct threshold *th = &sum->thresholds[k];
		uint64_t alerts = 0, crossed = 0;
		double above = 0;
		for (size_t i = 0; i < r->nseries; i++) {
			const struct series *s = r->series[i];
			if (!s || !s->th)
				continue;
			alerts += s->th[k].alerts_total;
			above += s->th[k].seconds_above;
			crossed += s->th[k].seconds_above > 0;
		}
		char key[300];
		snprintf(key, sizeof key, "threshold%zu", k);
		e_row(e);
		e_cell(e, th->spec, NULL, NULL, false);
		e_cell(e, fmt_rate(th->limit, a, sizeof a), NULL, NULL, true);
		snprintf(b, sizeof b, "%u s", th->sustain);
		e_cell(e, b, NULL, NULL, true);
		snprintf(b, sizeof b, "%u s", th->merge);
		e_cell(e, b, NULL, NULL, true);
		snprintf(c, sizeof c, "%llu", (unsigned long long)crossed);
		e_cell(e, c, NULL, NULL, true);
		snprintf(a, sizeof a, "%.0f", above);
		e_num(e, key, "seconds_above", above, a);
		snprintf(b, sizeof b, "%llu", (unsigned long long)alerts);
		e_num(e, key, "alerts", (double)alerts, b);
		e_row_end(e);
	}
	e_table_end(e);
	e_para_begin(e, "note");
	e_text(e, "Seconds above: every second a series was over the limit, alerting or not, "
	       "summed over series. An alert starts once a series has stayed over the limit for "
	       "the sustain time and ends once it has stayed at or below it for the merge window; "
	       "its duration runs from its first second over to the end of its last.");
	e_para_end(e);

}

/* The alerts' table, numbered as the charts mark them: the first n of
 * total (list from plot_alerts()). */
static void alert_table(struct emit *e, const struct summary *sum, const struct plot_alert *list,
			size_t n, uint64_t total)
{
	char a[64], b[64], c[64], t1[40], t2[40], w[300];

	char start[32], end[32], peak_at[32];
	snprintf(start, sizeof start, "Start (%s)", zone(e));
	snprintf(end, sizeof end, "End (%s)", zone(e));
	snprintf(peak_at, sizeof peak_at, "Peak at (%s)", zone(e));
	e_table(e, "alerts", ">#", "Threshold", "Process", start, end, ">Duration", ">Peak",
		peak_at, ">Bytes over", NULL);
	for (size_t i = 0; i < n; i++) {
		const struct plot_alert *pa = &list[i];
		const struct alert *al = pa->a;
		const struct series *s = pa->s;
		const struct capture_meta *m = sum->sources[s->source];
		e_row(e);
		snprintf(a, sizeof a, "%u", pa->number);
		e_cell(e, a, NULL, NULL, true);
		e_cell(e, sum->thresholds[pa->threshold].spec, NULL, NULL, false);
		char lbl[700];
		/* several captures: which one, as its charts are titled */
		snprintf(lbl, sizeof lbl, "%s%s%s %s", sum->nsources > 1 ? m->label : "",
			 sum->nsources > 1 ? ": " : "", who(s, w, sizeof w),
			 s->direction ? s->direction : "");
		e_cell(e, lbl, NULL, NULL, false);
		e_cell(e, wu_time(m, al->start, e->local, t1, sizeof t1), NULL, NULL, false);
		if (al->open)
			snprintf(t2, sizeof t2, "still above at the end");
		else
			wu_time(m, al->end, e->local, t2, sizeof t2);
		e_cell(e, t2, NULL, NULL, false);
		e_cell(e, fmt_duration((double)(al->end - al->start), a, sizeof a), NULL, NULL, true);
		e_cell(e, fmt_rate(al->peak, b, sizeof b), NULL, NULL, true);
		e_cell(e, wu_time(m, al->peak_ts, e->local, t1, sizeof t1), NULL, NULL, false);
		e_cell(e, fmt_bytes(al->bytes_over, c, sizeof c), NULL, NULL, true);
		e_row_end(e);
	}
	e_table_end(e);
	e_para_begin(e, "note");
	if (total > n)
		e_textf(e, "The first %zu of %llu alerts by start, numbered as the time-series "
			"chart marks them.", n, (unsigned long long)total);
	else
		e_text(e, "Alerts by start, numbered as the time-series chart marks them.");
	e_para_end(e);
}

/* Thresholds and every alert with its times, numbered as the charts mark
 * them (plot_alerts: by start).  0, or -1 on ENOMEM. */
static int section_alerts(struct emit *e, const struct report *r, const struct summary *sum)
{
	struct plot_alert *list;
	size_t n;
	uint64_t total;

	if (sum->nthresholds == 0) {
		e_para_begin(e, "none");
		e_text(e, "No threshold was given; run with --threshold 'send>50MiB/s for 5s' "
		       "to mark and alert on sustained rates.");
		e_para_end(e);
		return 0;
	}
	threshold_table(e, r, sum);
	if (plot_alerts(sum, &list, &n, &total) < 0)
		return -1;
	if (total == 0) {
		e_para_begin(e, "ok");
		e_text(e, "No threshold was crossed long enough to alert.");
		e_para_end(e);
	} else {
		alert_table(e, sum, list, n, total);
	}
	free(list);
	return 0;
}

/* Write svg[0..len) with every id and every reference to one prefixed by
 * "c<n>-": gnuplot names its markers gpPt0... in every file, and one HTML
 * page must not hold two elements of the same id. */
static void write_prefixed_ids(FILE *out, const char *svg, size_t len, unsigned n)
{
	static const char *needle[] = { "id='", "id=\"", "href='#", "href=\"#", "url(#" };
	size_t from = 0;

	for (size_t i = 0; i < len; i++) {
		for (size_t k = 0; k < sizeof needle / sizeof needle[0]; k++) {
			size_t m = strlen(needle[k]);
			if (i + m <= len && memcmp(svg + i, needle[k], m) == 0) {
				fwrite(svg + from, 1, i + m - from, out);
				fprintf(out, "c%u-", n);
				from = i + m;
				i += m - 1;
				break;
			}
		}
	}
	fwrite(svg + from, 1, len - from, out);
}

/* Copy an SVG file inline: everything from "<svg" on (the XML declaration
 * and DOCTYPE are not allowed inside HTML), ids prefixed with the chart's
 * number n.  0 or -1 with err. */
static int inline_svg(FILE *out, const char *path, unsigned n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = -1;

	if (!f) {
		snprintf(err, errlen, "fopen(%s): %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		char *n = grow_to(buf, &cap, len + 65536 + 1, 1, 1 << 17);
		if (!n) {
			snprintf(err, errlen, "out of memory");
			goto cleanup;
		}
		buf = n;
		size_t got = fread(buf + len, 1, 65536, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "read(%s): %s", path, strerror(errno));
		goto cleanup;
	}
	buf[len] = '\0';
	char *start = strstr(buf, "<svg");
	if (!start) {
		snprintf(err, errlen, "%s: not an SVG file", path);
		goto cleanup;
	}
	write_prefixed_ids(out, start, len - (size_t)(start - buf), n);
	rc = 0;
cleanup:
	free(buf);
	fclose(f);
	return rc;
}

/* The charts of every source, inline (HTML) or as image links (Markdown). */
static int section_charts(struct emit *e, const struct report *r, bool rendered,
			  char *err, size_t errlen)
{
	size_t n;
	const struct plot_chart *c = plot_charts(r->plot, &n);

	if (n == 0) {
		e_para_begin(e, "none");
		e_text(e, "No @send/@recv rate samples: nothing to chart.");
		e_para_end(e);
		return 0;
	}
	if (!rendered) {
		e_para_begin(e, "note");
		e_textf(e, "Charts not rendered: gnuplot was not found in PATH when this report "
			"was written.");
		if (!e->html)
			e_textf(e, " Render them with gnuplot %s/<chart>.gp.", e->chart_dir);
		e_para_end(e);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!c[i].image)
			continue;
		if (e->html) {
			fprintf(e->f, "<figure class=\"chart\" data-chart=\"%s\">\n", c[i].kind);
			if (inline_svg(e->f, c[i].image, (unsigned)i + 1, err, errlen) < 0)
				return -1;
			fputs("\n<figcaption>", e->f);
			e_text(e, c[i].title);
			fputs("</figcaption></figure>\n", e->f);
		} else {
			const char *base = strrchr(c[i].image, '/');
			base = base ? base + 1 : c[i].image;
			fputs("\n![", e->f);
			e_text(e, c[i].title);
			fputs("](", e->f);
			e_url(e, e->chart_dir);
			fputc('/', e->f);
			e_url(e, base);
			fputs(")\n", e->f);
		}
	}
	return 0;
}

static const char CSS[] =
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
	"color:#1d2433;background:#f6f7f9;margin:0}"
	"main{max-width:1180px;margin:0 auto;padding:24px 28px 40px}"
	"h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:30px 0 10px;"
	"border-bottom:1px solid #d9dde3;padding-bottom:4px}"
	"p.traced{color:#444;margin:4px 0 16px}"
	".cards{display:flex;gap:14px;flex-wrap:wrap;margin:10px 0}"
	".card{flex:1 1 240px;background:#fff;border:1px solid #d9dde3;border-radius:8px;"
	"padding:12px 16px;border-top:4px solid #0072b2}"
	".card.recv{border-top-color:#d55e00}.card.alert{border-top-color:#c00000;background:#fff5f5}"
	".card.ok{border-top-color:#009e73}"
	".card .k{font-size:13px;color:#555;text-transform:uppercase;letter-spacing:.04em}"
	".card .v{font-size:28px;font-weight:600;margin:2px 0}.card .s{font-size:13px;color:#444}"
	"table{border-collapse:collapse;background:#fff;margin:8px 0;font-size:14px;"
	"border:1px solid #d9dde3}"
	"th,td{padding:5px 10px;border-bottom:1px solid #e6e9ee;text-align:left;vertical-align:top}"
	"th{background:#eef1f5;font-weight:600}td.n,th.n{text-align:right;"
	"font-variant-numeric:tabular-nums;white-space:nowrap}"
	"table.meta td:first-child{color:#555}"
	"td.share{position:relative;min-width:90px}"
	"td.share .bar{position:absolute;left:0;top:4px;bottom:4px;background:#cfe3f3}"
	"td.share .pct{position:relative}"
	".sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;"
	"margin-right:5px}td.chart{white-space:nowrap;color:#555}"
	"table.alerts tr td:first-child{color:#c00000;font-weight:600}"
	"p.note,p.none{color:#555;font-style:italic}p.ok{color:#0a6e4f}"
	"p.quality{background:#fff8e1;border:1px solid #f0d98a;padding:6px 10px;border-radius:6px}"
	"figure.chart{background:#fff;border:1px solid #d9dde3;border-radius:8px;margin:14px 0;"
	"padding:8px}figure.chart svg{width:100%;height:auto;display:block}"
	"figcaption{font-size:13px;color:#555;padding:4px 6px}"
	"footer{margin-top:30px;font-size:12px;color:#777}";

/* The whole document.  0 or -1 with err. */
/* "Capture 2: db2" above a capture's part of a section, when the report
 * has several; id is prefix and the capture's number. */
static void capture_heading(struct emit *e, int level, const char *prefix,
			    const struct summary *sum, size_t i)
{
	char h[300], id[32];

	if (sum->nsources < 2)
		return;
	snprintf(h, sizeof h, "Capture %zu: %s", i + 1, sum->sources[i]->label);
	snprintf(id, sizeof id, "%s%zu", prefix, i + 1);
	e_heading(e, level, id, h);
}

/* The page's head and title. */
static void doc_head(struct emit *e, const struct summary *sum)
{
	char title[512];

	if (sum->nsources == 1 && *sum->sources[0]->label)
		snprintf(title, sizeof title, "dbnetio traffic report: %s", sum->sources[0]->label);
	else
		snprintf(title, sizeof title, "dbnetio traffic report");
	if (e->html) {
		/* The page needs nothing but itself: the policy makes a browser
		 * refuse anything else, should a name from the traced machine
		 * ever get past the escaping (defence in depth). */
		fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		      "style-src 'unsafe-inline'; img-src data:\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<meta name=\"generator\" content=\"dbnetio-report\">\n<title>", e->f);
		e_text(e, title);
		fprintf(e->f, "</title>\n<style>%s</style>\n</head><body><main>\n<h1>", CSS);
		e_text(e, title);
		fputs("</h1>\n", e->f);
	} else {
		fputs("# ", e->f);
		e_text(e, title);
		fputs("\n", e->f);
	}
}

/* The footer: when it was written, and which zone the page's times are in. */
static void doc_foot(struct emit *e, const struct report *r, const struct summary *sum)
{
	char now[40], zone_note[96];
	int64_t t = (int64_t)time(NULL);

	if (r->o.local_time) {
		wu_strftime(t, true, "%Y-%m-%d %H:%M:%S %Z", now, sizeof now);
		wu_strftime(t, true, "local time (%Z, UTC%z)", zone_note, sizeof zone_note);
	} else {
		wu_strftime(t, false, "%Y-%m-%d %H:%M:%S UTC", now, sizeof now);
		snprintf(zone_note, sizeof zone_note, "UTC");
	}
	if (e->clock)
		snprintf(zone_note, sizeof zone_note, "the capture's times of day (no zone)");
	fprintf(e->f, e->html ? "<footer>Written by dbnetio-report on %s%s. Times are %s. Rates are "
		"bytes per second of TCP payload per process; percentiles are nearest-rank over "
		"per-interval rates; KiB = 1024 bytes.</footer>\n</main></body></html>\n" :
		"\n---\nWritten by dbnetio-report on %s%s. Times are %s. Rates are bytes per second of "
		"TCP payload per process; percentiles are nearest-rank over per-interval "
		"rates; KiB = 1024 bytes.\n",
		now, sum->interrupted ? " (interrupted: summary so far)" : "", zone_note);
}

/* Who: per capture, the sessions' users and applications, then the
 * clients, when the series have them.  0, or -1 on ENOMEM. */
static int section_who_all(struct emit *e, const struct report *r, const struct summary *sum)
{
	bool clients = false, sessions = false;

	for (size_t i = 0; i < r->nseries; i++) {
		clients |= r->series[i] && r->series[i]->direction && *r->series[i]->client;
		sessions |= r->series[i] && r->series[i]->session_fields;
	}
	if (!clients && !sessions)
		return 0;
	e_heading(e, 2, "who", "Who");
	for (size_t i = 0; i < sum->nsources; i++) {
		capture_heading(e, 3, "who", sum, i);
		if (sessions && section_who_sessions(e, r, sum->sources[i]) < 0)
			return -1;
		if (clients && section_who(e, r, sum->sources[i]) < 0)
			return -1;
	}
	return 0;
}

static int write_document(struct report *r, FILE *f, const struct summary *sum, bool rendered,
			  char *err, size_t errlen)
{
	struct emit e = { .f = f, .html = r->html, .local = r->o.local_time,
			  .chart_dir = r->chart_rel };

	for (size_t i = 0; i < sum->nsources; i++)
		e.clock |= sum->sources[i]->clock_of_day;
	doc_head(&e, sum);
	for (size_t i = 0; i < sum->nsources; i++) {
		capture_heading(&e, 2, "capture", sum, i);
		section_glance(&e, r, sum, sum->sources[i]);
	}
	e_heading(&e, 2, "charts", "Charts");
	if (section_charts(&e, r, rendered, err, errlen) < 0)
		return -1;
	e_heading(&e, 2, "talkers", "Top talkers");
	for (size_t i = 0; i < sum->nsources; i++) {
		capture_heading(&e, 3, "talkers", sum, i);
		if (section_talkers(&e, r, sum->sources[i]) < 0)
			goto nomem;
	}
	if (section_who_all(&e, r, sum) < 0)
		goto nomem;
	e_heading(&e, 2, "alerts", "Thresholds and alerts");
	if (section_alerts(&e, r, sum) < 0)
		goto nomem;
	e_heading(&e, 2, "series", "Summary per series");
	section_series(&e, sum);
	e_heading(&e, 2, "capture", "Capture");
	for (size_t i = 0; i < sum->nsources; i++)
		section_capture(&e, sum->sources[i]);
	doc_foot(&e, r, sum);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* ---------------------------------------------------------------- writer */

/* Remove the files of our temporary chart directory, then it. */
static void remove_tmp_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Writer hooks: record every series seen, feed the chart engine. */
static int w_begin(void *ctx, const struct capture_meta *meta, char *err, size_t errlen)
{
	struct report *r = ctx;
	return plot_begin(r->plot, meta, err, errlen);
}

static int w_sample(void *ctx, const struct series *s, const struct sample *smp,
		    char *err, size_t errlen)
{
	struct report *r = ctx;

	if (wu_seen(&r->series, &r->nseries, s, err, errlen) < 0)
		return -1;
	return plot_sample(r->plot, s, smp, err, errlen);
}

static int w_dump(void *ctx, const struct capture_meta *meta, int64_t ts,
		  char *err, size_t errlen)
{
	struct report *r = ctx;
	return plot_dump(r->plot, meta, ts, err, errlen);
}

/* End of input: render the charts, write the document beside the target and
 * rename it over, remove the temporary chart directory. */
static int w_finish(void *ctx, const struct summary *sum, char *err, size_t errlen)
{
	struct report *r = ctx;
	bool rendered = false;
	int rc = -1;
	struct wu_atomic out = { 0 };

	/* Series the engine knows but that never made a sample (a map seen
	 * once) still belong in the tables. */
	for (size_t i = 0; i < sum->nseries; i++) {
		struct sample none = { .is_rate = false };
		if (w_sample(r, sum->series[i], &none, err, errlen) < 0)
			return -1;
	}
	if (r->html) {
		const char *td = getenv("TMPDIR");
		snprintf(r->chart_dir, sizeof r->chart_dir, "%s/dbnetio-report-XXXXXX",
			 td && *td ? td : "/tmp");
		if (!mkdtemp(r->chart_dir)) {
			snprintf(err, errlen, "mkdtemp(%s): %s", r->chart_dir, strerror(errno));
			goto cleanup;
		}
		r->tmp_dir = true;
		if (plot_set_dir(r->plot, r->chart_dir) < 0) {
			snprintf(err, errlen, "out of memory");
			goto cleanup;
		}
	}
	if (plot_render(r->plot, sum, &rendered, err, errlen) < 0)
		goto cleanup;
	/* write beside the target and rename, so a reader never sees half a report */
	if (wu_atomic_open(&out, r->path, err, errlen) < 0 ||
	    write_document(r, out.f, sum, rendered, err, errlen) < 0 ||
	    wu_atomic_commit(&out, err, errlen) < 0)
		goto cleanup;
	if (!rendered) {
		fprintf(stderr, "dbnetio-report: gnuplot not found in PATH: %s has no charts",
			r->path);
		if (!r->html)
			fprintf(stderr, "; their data and scripts are in %s/, render them with "
				"gnuplot (Debian: apt install gnuplot-nox)", r->chart_dir);
		fputc('\n', stderr);
	}
	rc = 0;
cleanup:
	wu_atomic_abort(&out);
	if (r->tmp_dir) {
		remove_tmp_dir(r->chart_dir);
		r->tmp_dir = false;
	}
	return rc;
}

static void w_free(void *ctx)
{
	struct report *r = ctx;
	if (!r)
		return;
	if (r->tmp_dir)
		remove_tmp_dir(r->chart_dir);
	plot_free(r->plot);
	free(r->series);
	free(r->path);
	free(r);
}

static const struct writer_ops report_ops = {
	.name = "report",
	.begin = w_begin,
	.sample = w_sample,
	.dump = w_dump,
	.finish = w_finish,
	.free = w_free,
};

/* Does path end in ext (case-insensitive)? */
static bool ends_with(const char *path, const char *ext)
{
	size_t n = strlen(path), m = strlen(ext);
	return n > m && strcasecmp(path + n - m, ext) == 0;
}

int writer_report_new(struct writer *w, const struct report_writer_opts *o, char *err, size_t errlen)
{
	struct report *r = calloc(1, sizeof *r);
	struct plot_opts po = { .format = PLOT_SVG, .local_time = o->local_time, .top = o->top,
				.multi_source = o->multi_source };

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->o = *o;
	r->path = strdup(o->path);
	if (!r->path) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (ends_with(o->path, ".html") || ends_with(o->path, ".htm")) {
		/* the charts' temporary directory is made at the end (w_finish),
		 * so that a run killed meanwhile leaves nothing behind */
		r->html = true;
		snprintf(r->chart_dir, sizeof r->chart_dir, ".");
	} else if (ends_with(o->path, ".md") || ends_with(o->path, ".markdown")) {
		/* FILE.md -> FILE-charts/ beside it, linked relatively */
		const char *base = strrchr(o->path, '/');
		base = base ? base + 1 : o->path;
		const char *dot = strrchr(base, '.');
		int stem = (int)(dot - base);
		snprintf(r->chart_dir, sizeof r->chart_dir, "%.*s%.*s-charts",
			 (int)(base - o->path), o->path, stem, base);
		snprintf(r->chart_rel, sizeof r->chart_rel, "%.*s-charts", stem, base);
		po.format = PLOT_PNG;
	} else {
		snprintf(err, errlen, "--report %s: expected a file name ending in .html or .md",
			 o->path);
		goto fail;
	}
	po.dir = r->chart_dir;
	char what[PATH_MAX + 16];
	snprintf(what, sizeof what, "--report %s", o->path);
	po.what = what;
	r->plot = plot_new(&po, err, errlen);
	if (!r->plot)
		goto fail;
	w->ops = &report_ops;
	w->ctx = r;
	return 0;
fail:
	w_free(r);
	return -1;
}
