/* write_prom.c: `--format prom`, Prometheus text exposition for
 * node_exporter's textfile collector.  With -o FILE the whole output goes to
 * a temporary file in the same directory and is renamed over FILE at the end
 * (dbnetio-report.c does that for every format), so the collector never
 * reads a half-written file.  Under --live with -o FILE the counters so far
 * are also written to FILE, the same way, after every dump (the summary's
 * full file replaces it at the end), so node_exporter sees a capture while
 * it runs: counters that only grow within a run (a restart starts them
 * again, which rate() handles), with the same names and labels as the final
 * file's, so a series never changes labels at the end of a run.
 *
 * Metrics (labels: source, host, pid, comm for dbnetio's maps, and client
 * when grouped by client (never ports: a series per connection would grow
 * the database without bound, so dbnetio-report.c keeps prom to --by
 * client); map, key otherwise; host is the header's host=, else the
 * source's label):
 *   dbnetio_sent_bytes_total, dbnetio_received_bytes_total   counters
 *                                    (with direction="send" or "recv")
 *   dbnetio_map_value_total                                  other maps
 *   dbnetio_rate_bytes_per_second{stat="max|mean|p50|p95|p99"} gauges
 *   dbnetio_threshold_seconds_above, dbnetio_alerts_total    per threshold
 *                                    (and direction, as the rate gauges)
 *   dbnetio_threshold_crossed                                0/1
 *   dbnetio_lost_events_total, dbnetio_capture_{start,end}_timestamp_seconds
 *   dbnetio_last_dump_timestamp_seconds   --live only: the end of the last
 *                                    interval written (a staleness check)
 */
#include <stdlib.h>
#include <string.h>

#include "write_util.h"
#include "writer.h"

struct prom_ctx {
	FILE *out;
	/* --live with -o: the file rewritten after every dump */
	const char *live_path;
	const struct series **seen;   /* by series->index: every series sampled */
	size_t nseen;
	const struct capture_meta **metas;   /* by index */
	int64_t *last_dump;                  /* by source: end of its last interval */
	size_t nmetas;
};

static const char *source_label(const struct capture_meta *m)
{
	return m->label ? m->label : m->file;
}

static void labels(FILE *f, const struct capture_meta *m, const struct series *s)
{
	fputs("{source=\"", f);
	wu_prom_label(f, source_label(m));
	fputs("\",host=\"", f);
	wu_prom_label(f, m->host[0] ? m->host : source_label(m));
	if (s->direction) {
		fprintf(f, "\",pid=\"%lld\",comm=\"", s->pid);
		wu_prom_label(f, s->comm);
		if (s->client[0]) {
			fputs("\",client=\"", f);
			wu_prom_label(f, s->client);
		}
		/* grouped by session: its user and database ("db_user": "user"
		 * is a label many exporters set themselves) */
		if (s->session_unknown)
			fputs("\",session=\"unknown", f);
		if (s->db_user) {
			fputs("\",db_user=\"", f);
			wu_prom_label(f, s->db_user);
		}
		if (s->database) {
			fputs("\",database=\"", f);
			wu_prom_label(f, s->database);
		}
		if (s->application) {
			fputs("\",application=\"", f);
			wu_prom_label(f, s->application);
		}
	} else {
		fputs("\",map=\"", f);
		wu_prom_label(f, s->map);
		fputs("\",key=\"", f);
		wu_prom_label(f, s->key);
	}
	fputs("\"", f);
}

/* "NAME{series labels,direction="DIR",threshold="SPEC"} ": a per-threshold
 * sample up to its value.  The direction is what keeps an any> threshold's
 * send and recv samples of one process apart (node_exporter rejects a
 * textfile with two samples of one name and label set). */
static void threshold_sample(FILE *f, const char *name, const struct summary *sum,
			     const struct series *s, unsigned ti)
{
	fputs(name, f);
	labels(f, sum->sources[s->source], s);
	fprintf(f, ",direction=\"%s\",threshold=\"", s->direction ? s->direction : "");
	wu_prom_label(f, sum->thresholds[ti].spec);
	fputs("\"} ", f);
}

/* One counter family over series[0, n) (NULL entries skipped): those of
 * direction dir, or the other maps when dir is NULL. */
static void counter_family(FILE *f, const struct capture_meta *const *metas,
			   const struct series *const *series, size_t n, const char *name,
			   const char *help, const char *dir)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		const struct series *s = series[i];
		if (!s || (dir ? !(s->direction && strcmp(s->direction, dir) == 0) : s->direction != NULL))
			continue;
		if (!any) {
			fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
			any = true;
		}
		fputs(name, f);
		labels(f, metas[s->source], s);
		if (dir)
			fprintf(f, ",direction=\"%s\"", dir);
		fprintf(f, "} %llu\n", (unsigned long long)s->total_bytes);
	}
}

static void counters(FILE *f, const struct capture_meta *const *metas,
		     const struct series *const *series, size_t n)
{
	counter_family(f, metas, series, n, "dbnetio_sent_bytes_total",
		       "Bytes a process sent over TCP during the capture.", "send");
	counter_family(f, metas, series, n, "dbnetio_received_bytes_total",
		       "Bytes a process received over TCP during the capture.", "recv");
	counter_family(f, metas, series, n, "dbnetio_map_value_total",
		       "Sum of the per-interval increases of another bpftrace map.", NULL);
}

static void lost_events(FILE *f, const struct capture_meta *const *metas, size_t n)
{
	fputs("# HELP dbnetio_lost_events_total Events bpftrace reported lost.\n"
	      "# TYPE dbnetio_lost_events_total counter\n", f);
	for (size_t i = 0; i < n; i++) {
		if (!metas[i])
			continue;
		fputs("dbnetio_lost_events_total{source=\"", f);
		wu_prom_label(f, source_label(metas[i]));
		fprintf(f, "\"} %llu\n", (unsigned long long)metas[i]->counts.lost_events);
	}
}

/* ===== --live: the file after every dump ===== */

static int prom_begin(void *ctx, const struct capture_meta *m, char *err, size_t errlen)
{
	struct prom_ctx *c = ctx;
	if (m->index >= c->nmetas) {
		const struct capture_meta **n = realloc(c->metas, (m->index + 1) * sizeof(*n));
		int64_t *d = n ? realloc(c->last_dump, (m->index + 1) * sizeof(*d)) : NULL;
		if (n)
			c->metas = n;
		if (!n || !d) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		c->last_dump = d;
		for (size_t i = c->nmetas; i <= m->index; i++) {
			c->metas[i] = NULL;
			c->last_dump[i] = -1;
		}
		c->nmetas = m->index + 1;
	}
	c->metas[m->index] = m;
	return 0;
}

/* Remember every series a writer sees: those are the file's. */
static int prom_sample(void *ctx, const struct series *s, const struct sample *smp, char *err,
		       size_t errlen)
{
	struct prom_ctx *c = ctx;
	(void)smp;
	return wu_seen(&c->seen, &c->nseen, s, err, errlen);
}

/* dbnetio_last_dump_timestamp_seconds: in the live files and the final one,
 * so that a dashboard's staleness panel reads the same series throughout. */
static void last_dumps(FILE *f, const struct prom_ctx *c)
{
	fputs("# HELP dbnetio_last_dump_timestamp_seconds End of the last interval written.\n"
	      "# TYPE dbnetio_last_dump_timestamp_seconds gauge\n", f);
	for (size_t i = 0; i < c->nmetas; i++) {
		if (!c->metas[i] || c->last_dump[i] < 0)
			continue;
		fputs("dbnetio_last_dump_timestamp_seconds{source=\"", f);
		wu_prom_label(f, source_label(c->metas[i]));
		fputs("\",host=\"", f);
		wu_prom_label(f, c->metas[i]->host[0] ? c->metas[i]->host : source_label(c->metas[i]));
		fprintf(f, "\"} %lld\n", (long long)c->last_dump[i]);
	}
}

/* A dump closed: its bytes are in the series' totals; rewrite the file.
 * Cost: one pass over the series and an fsync, once per dump. */
static int prom_dump(void *ctx, const struct capture_meta *m, int64_t ts, char *err, size_t errlen)
{
	struct prom_ctx *c = ctx;
	struct wu_atomic a;

	if (m->index < c->nmetas && ts > 0 && !m->clock_of_day)
		c->last_dump[m->index] = ts + m->interval;
	if (wu_atomic_open(&a, c->live_path, err, errlen) < 0)
		return -1;
	counters(a.f, c->metas, c->seen, c->nseen);
	lost_events(a.f, c->metas, c->nmetas);
	last_dumps(a.f, c);
	return wu_atomic_commit(&a, err, errlen);
}

/* dbnetio_rate_bytes_per_second: max, mean and quantiles of each series. */
static void rate_stats(FILE *f, const struct summary *sum)
{
	static const struct {
		const char *name;
		double q;
	} qs[] = { { "p50", 0.5 }, { "p95", 0.95 }, { "p99", 0.99 } };

	fputs("# HELP dbnetio_rate_bytes_per_second Per-second rate statistics over the capture.\n"
	      "# TYPE dbnetio_rate_bytes_per_second gauge\n", f);
	for (size_t i = 0; i < sum->nseries; i++) {
		const struct series *s = sum->series[i];
		if (!s->stats.n)
			continue;
		const char *dir = s->direction ? s->direction : "";
		double v[5] = { s->stats.max, stats_mean(&s->stats) };
		const char *names[5] = { "max", "mean" };
		for (int k = 0; k < 3; k++) {
			v[2 + k] = stats_quantile(&s->stats, qs[k].q);
			names[2 + k] = qs[k].name;
		}
		for (int k = 0; k < 5; k++) {
			fputs("dbnetio_rate_bytes_per_second", f);
			labels(f, sum->sources[s->source], s);
			fprintf(f, ",direction=\"%s\",stat=\"%s\"} ", dir, names[k]);
			wu_json_number(f, v[k]);
			fputs("\n", f);
		}
	}
}

/* One metric per series and threshold it is watched by: seconds above
 * (a gauge) or alerts (a counter). */
static void threshold_metric(FILE *f, const struct summary *sum, bool alerts)
{
	const char *name = alerts ? "dbnetio_alerts_total" : "dbnetio_threshold_seconds_above";

	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name,
		alerts ? "Alerts (sustained crossings) per threshold." :
			 "Seconds the rate was above a threshold.",
		name, alerts ? "counter" : "gauge");
	for (size_t i = 0; i < sum->nseries; i++) {
		const struct series *s = sum->series[i];
		for (uint32_t mk = s->th_mask; mk; mk &= mk - 1) {
			unsigned ti = (unsigned)__builtin_ctz(mk);
			threshold_sample(f, name, sum, s, ti);
			if (alerts)
				fprintf(f, "%llu", (unsigned long long)s->th[ti].alerts_total);
			else
				wu_json_number(f, s->th[ti].seconds_above);
			fputs("\n", f);
		}
	}
}

/* dbnetio_capture_end_timestamp_seconds per source with wall-clock time. */
static void end_timestamps(FILE *f, const struct summary *sum)
{
	fputs("# HELP dbnetio_capture_end_timestamp_seconds End of the last full interval.\n"
	      "# TYPE dbnetio_capture_end_timestamp_seconds gauge\n", f);
	for (size_t i = 0; i < sum->nsources; i++) {
		const struct capture_meta *m = sum->sources[i];
		if (!m->have_time || m->clock_of_day)
			continue;
		fputs("dbnetio_capture_end_timestamp_seconds{source=\"", f);
		wu_prom_label(f, m->label ? m->label : m->file);
		fprintf(f, "\"} %lld\n", (long long)m->end);
	}
}

static int prom_finish(void *ctx, const struct summary *sum, char *err, size_t errlen)
{
	struct prom_ctx *c = ctx;
	FILE *f = c->out;

	counters(f, (const struct capture_meta *const *)sum->sources,
		 (const struct series *const *)sum->series, sum->nseries);
	rate_stats(f, sum);
	if (sum->nthresholds) {
		threshold_metric(f, sum, false);
		threshold_metric(f, sum, true);
	}
	fprintf(f, "# HELP dbnetio_threshold_crossed 1 when some threshold was crossed.\n"
		"# TYPE dbnetio_threshold_crossed gauge\ndbnetio_threshold_crossed %d\n",
		sum->crossed ? 1 : 0);
	lost_events(f, (const struct capture_meta *const *)sum->sources, sum->nsources);
	end_timestamps(f, sum);
	if (c->live_path)
		last_dumps(f, c);
	if (fflush(f) != 0 || ferror(f)) {
		snprintf(err, errlen, "write error on output");
		return -1;
	}
	return 0;
}

static void prom_free(void *ctx)
{
	struct prom_ctx *c = ctx;
	free(c->seen);
	free(c->metas);
	free(c->last_dump);
	free(c);
}

static const struct writer_ops prom_ops = {
	.name = "prom",
	.finish = prom_finish,
	.free = prom_free,
};

static const struct writer_ops prom_live_ops = {
	.name = "prom",
	.begin = prom_begin,
	.sample = prom_sample,
	.dump = prom_dump,
	.finish = prom_finish,
	.free = prom_free,
};

int writer_prom_new(struct writer *w, const struct writer_common *cm, char *err, size_t errlen)
{
	struct prom_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->out = cm->out;
	c->live_path = cm->live && cm->out_path && strcmp(cm->out_path, "-") ? cm->out_path : NULL;
	w->ops = c->live_path ? &prom_live_ops : &prom_ops;
	w->ctx = c;
	return 0;
}
