/* write_json.c: `--format json`, the end-of-run summary as one JSON object:
 *   {"sources": [{..., "start", "end", "duration", "seconds", "counts"}],
 *    "thresholds": [...], "crossed": bool, "series_total",
 *    "top": {"ranked": "processes"|..., "kept", "total"} (with --top),
 *    "series": [{"source", "map", "key", "pid", "comm", "direction",
 *                "client", "client_port", "local_port",
 *                "total_bytes", "seconds", "samples", "resets",
 *                "rate": {"min","mean","max","stddev","p50","p90","p95","p99"},
 *                "peak_ts", "quantiles": "exact"|"histogram",
 *                "above": [{"threshold", "seconds"}], "alerts": [...]}]}
 * Rates are bytes per second; "mean" is the bytes of the rate intervals over
 * their "seconds" (stats.h), a source's "seconds" the real seconds of its
 * full intervals, its "duration" their labelled span.  A series has
 * "client" when its grouping has one (by client or connection: an address,
 * or "overflow"), and
 * "client_port"/"local_port" when it has ports (by connection, not the
 * overflow); otherwise they are left out, as is a source's "key" for a
 * process capture, so a process capture's JSON is what it always was.
 * Grouped by session (--by user, database, application), a series has
 * those of "user", "database", "application" its grouping has, and
 * "session": "known", or "unknown" (the attributes null, "client" kept);
 * its source has "sessions": {"file", "db", "count", "first_poll",
 * "gaps": [{"from", "to", "reason"}]}, the spans the list was not read.
 */
#include <stdlib.h>

#include "parse.h"
#include "sessions.h"
#include "write_util.h"
#include "writer.h"

struct json_ctx {
	FILE *out;
};

static const char *input_kind(const struct capture_meta *m)
{
	return m->legacy_bcc ? "bcc" : m->json ? "json" : "text";
}

static void put_counts(FILE *f, const struct capture_counts *c)
{
#define C(name) fprintf(f, "\"" #name "\": %llu", (unsigned long long)c->name)
	fputs("{", f);
	C(lines); fputs(", ", f);
	C(dumps); fputs(", ", f);
	C(map_lines); fputs(", ", f);
	C(lost_events); fputs(", ", f);
	C(lost_notices); fputs(", ", f);
	C(gaps); fputs(", ", f);
	C(missing_seconds); fputs(", ", f);
	C(duplicates); fputs(", ", f);
	C(backwards); fputs(", ", f);
	C(resets); fputs(", ", f);
	C(bad_lines); fputs(", ", f);
	C(long_lines); fputs(", ", f);
	C(truncated); fputs(", ", f);
	C(warnings); fputs(", ", f);
	C(unsupported); fputs(", ", f);
	C(untimed); fputs(", ", f);
	C(partial_dumps);
	fputs("}", f);
#undef C
}

static void put_alert(FILE *f, const struct alert *a)
{
	fprintf(f, "{\"threshold\": %u, \"start\": %lld, \"end\": %lld, \"peak\": ", a->threshold,
		(long long)a->start, (long long)a->end);
	wu_json_number(f, a->peak);
	fprintf(f, ", \"peak_ts\": %lld, \"bytes_over\": ", (long long)a->peak_ts);
	wu_json_number(f, a->bytes_over);
	fprintf(f, ", \"open\": %s}", a->open ? "true" : "false");
}

/* A series grouped by session: "user", "database", "application" (those
 * of the grouping), null with "session": "unknown" when the bytes' session
 * is not known. */
static void put_session_attrs(FILE *f, const struct series *s)
{
	static const struct { unsigned bit; const char *name; } a[] = {
		{ SERIES_SESSION_USER, "user" },
		{ SERIES_SESSION_DATABASE, "database" },
		{ SERIES_SESSION_APPLICATION, "application" },
	};
	const char *v[] = { s->db_user, s->database, s->application };

	for (size_t i = 0; i < 3; i++) {
		if (!(s->session_fields & a[i].bit))
			continue;
		fprintf(f, ", \"%s\": ", a[i].name);
		if (v[i])
			wu_json_string(f, v[i]);
		else
			fputs("null", f);
	}
	if (s->session_fields)
		fprintf(f, ", \"session\": \"%s\"", s->session_unknown ? "unknown" : "known");
}

/* A source's "sessions": the file, the database, how many sessions it
 * recorded and the spans ("gaps") when the list could not be read, with
 * the poller's reason: the sessions of those spans are missing. */
static void put_sessions(FILE *f, const struct session_log *l)
{
	fputs(", \"sessions\": {\"file\": ", f);
	wu_json_string(f, l->path);
	fprintf(f, ", \"db\": \"%s\", \"count\": %zu, \"first_poll\": ",
		l->db == SESSION_DB_POSTGRES ? "postgres" : "mariadb", l->n);
	if (l->first_ok < 1e299)
		wu_json_number(f, l->first_ok);
	else
		fputs("null", f);
	fputs(", \"gaps\": [", f);
	for (size_t i = 0; i < l->ngaps; i++) {
		const struct session_gap *g = &l->gaps[i];
		fputs(i ? ", {\"from\": " : "{\"from\": ", f);
		wu_json_number(f, g->from);
		fputs(", \"to\": ", f);
		wu_json_number(f, g->to < 1e299 ? g->to : l->end);
		fputs(", \"reason\": ", f);
		wu_json_string(f, g->reason);
		putc('}', f);
	}
	fputs("]}", f);
}

/* A source's object, without its braces. */
static void put_source(FILE *f, const struct capture_meta *m)
{
	fputs("\"file\": ", f); wu_json_string(f, m->file);
	fputs(", \"label\": ", f); wu_json_string(f, m->label ? m->label : "");
	fputs(", \"host\": ", f); wu_json_string(f, m->host);
	fputs(", \"kernel\": ", f); wu_json_string(f, m->kernel);
	fputs(", \"probe\": ", f); wu_json_string(f, m->probe);
	fputs(", \"filter\": ", f); wu_json_string(f, m->filter);
	fprintf(f, ", \"format_version\": %d, \"interval\": %u, \"counters\": \"%s\", \"input\": \"%s\"",
		m->format_version, m->interval, m->interval_counters ? "interval" : "cumulative",
		input_kind(m));
	fprintf(f, ", \"clock\": \"%s\"", m->clock_of_day ? "time-of-day" : "epoch");
	if (m->key != CAPTURE_KEY_PROCESS)
		fprintf(f, ", \"key\": \"%s\"", parse_key_name(m->key));
	if (m->have_time)
		fprintf(f, ", \"start\": %lld, \"end\": %lld, \"duration\": %lld",
			(long long)m->start, (long long)m->end, (long long)(m->end - m->start));
	else
		fputs(", \"start\": null, \"end\": null, \"duration\": 0", f);
	fputs(", \"seconds\": ", f);
	wu_json_number(f, m->seconds);
	fputs(", \"counts\": ", f);
	put_counts(f, &m->counts);
	if (m->sessions)
		put_sessions(f, m->sessions);
}

/* "samples", "resets", "rate" {...}, "peak_ts" and "quantiles". */
static void put_rates(FILE *f, const struct series *s)
{
	const struct stats *st = &s->stats;

	fprintf(f, ", \"samples\": %llu, \"resets\": %llu, \"rate\": {",
		(unsigned long long)st->n, (unsigned long long)s->resets);
	fputs("\"min\": ", f); wu_json_number(f, stats_min(st));
	fputs(", \"mean\": ", f); wu_json_number(f, stats_mean(st));
	fputs(", \"max\": ", f); wu_json_number(f, st->n ? st->max : 0);
	fputs(", \"stddev\": ", f); wu_json_number(f, stats_stddev(st));
	fputs(", \"p50\": ", f); wu_json_number(f, stats_quantile(st, 0.50));
	fputs(", \"p90\": ", f); wu_json_number(f, stats_quantile(st, 0.90));
	fputs(", \"p95\": ", f); wu_json_number(f, stats_quantile(st, 0.95));
	fputs(", \"p99\": ", f); wu_json_number(f, stats_quantile(st, 0.99));
	fprintf(f, "}, \"peak_ts\": %lld, \"quantiles\": \"%s\"",
		(long long)(st->n ? st->max_ts : 0), stats_is_exact(st) ? "exact" : "histogram");
}

/* "above" (seconds over each threshold) and "alerts". */
static void put_thresholds(FILE *f, const struct series *s)
{
	fputs(", \"above\": [", f);
	bool first = true;
	for (uint32_t mk = s->th_mask; mk; mk &= mk - 1) {
		unsigned ti = (unsigned)__builtin_ctz(mk);
		fprintf(f, "%s{\"threshold\": %u, \"seconds\": ", first ? "" : ", ", ti);
		wu_json_number(f, s->th[ti].seconds_above);
		fprintf(f, ", \"alerts_total\": %llu}", (unsigned long long)s->th[ti].alerts_total);
		first = false;
	}
	fputs("], \"alerts\": [", f);
	first = true;
	for (uint32_t mk = s->th_mask; mk; mk &= mk - 1) {
		unsigned ti = (unsigned)__builtin_ctz(mk);
		for (size_t k = 0; k < s->th[ti].nalerts; k++) {
			if (!first)
				fputs(", ", f);
			put_alert(f, &s->th[ti].alerts[k]);
			first = false;
		}
	}
	fputs("]", f);
}

/* A series' object, without its braces: its key, totals, rates and alerts. */
static void put_series(FILE *f, const struct summary *sum, const struct series *s)
{
	const struct stats *st = &s->stats;

	fputs("\"source\": ", f);
	wu_json_string(f, sum->sources[s->source]->label ? sum->sources[s->source]->label : "");
	fputs(", \"map\": ", f); wu_json_string(f, s->map);
	fputs(", \"key\": ", f); wu_json_string(f, s->key);
	if (s->direction) {
		fprintf(f, ", \"pid\": %lld, \"comm\": ", s->pid);
		wu_json_string(f, s->comm);
		fprintf(f, ", \"direction\": \"%s\"", s->direction);
	}
	if (s->client[0]) {
		fputs(", \"client\": ", f);
		wu_json_string(f, s->client);
	}
	if (s->client_port >= 0)
		fprintf(f, ", \"client_port\": %d, \"local_port\": %d", s->client_port,
			s->local_port);
	put_session_attrs(f, s);
	fprintf(f, ", \"total_bytes\": %llu, \"seconds\": ", (unsigned long long)s->total_bytes);
	wu_json_number(f, st->seconds);
	put_rates(f, s);
	put_thresholds(f, s);
}

static int json_finish(void *ctx, const struct summary *sum, char *err, size_t errlen)
{
	struct json_ctx *c = ctx;
	FILE *f = c->out;

	fputs("{\"sources\": [", f);
	for (size_t i = 0; i < sum->nsources; i++) {
		fputs(i ? ", {" : "{", f);
		put_source(f, sum->sources[i]);
		fputs("}", f);
	}
	fputs("], \"thresholds\": [", f);
	for (size_t i = 0; i < sum->nthresholds; i++) {
		const struct threshold *t = &sum->thresholds[i];
		fputs(i ? ", {\"spec\": " : "{\"spec\": ", f);
		wu_json_string(f, t->spec);
		fputs(", \"limit\": ", f);
		wu_json_number(f, t->limit);
		fprintf(f, ", \"inclusive\": %s, \"sustain\": %u, \"merge\": %u}",
			t->inclusive ? "true" : "false", t->sustain, t->merge);
	}
	fprintf(f, "], \"crossed\": %s, \"interrupted\": %s, \"series_total\": %zu",
		sum->crossed ? "true" : "false", sum->interrupted ? "true" : "false", sum->nseries_all);
	if (sum->top)
		fprintf(f, ", \"top\": {\"ranked\": \"%s\", \"kept\": %zu, \"total\": %zu}", sum->ranked,
			sum->nranked, sum->nranked_all);
	fputs(", \"series\": [", f);
	for (size_t i = 0; i < sum->nseries; i++) {
		fputs(i ? ",\n  {" : "\n  {", f);
		put_series(f, sum, sum->series[i]);
		fputs("}", f);
	}
	fputs("\n]}\n", f);
	if (fflush(f) != 0 || ferror(f)) {
		snprintf(err, errlen, "write error on output");
		return -1;
	}
	return 0;
}

static void json_free(void *ctx)
{
	free(ctx);
}

static const struct writer_ops json_ops = {
	.name = "json",
	.finish = json_finish,
	.free = json_free,
};

int writer_json_new(struct writer *w, const struct writer_common *cm, char *err, size_t errlen)
{
	struct json_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->out = cm->out;
	w->ops = &json_ops;
	w->ctx = c;
	return 0;
}
