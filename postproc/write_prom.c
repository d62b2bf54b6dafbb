/* write_prom.c: `--format prom`, Prometheus text exposition for
 * node_exporter's textfile collector.  With -o FILE the whole output goes to
 * a temporary file in the same directory and is renamed over FILE at the end
 * (dbnetio-report.c does that for every format), so the collector never
 * reads a half-written file.
 *
 * Metrics (labels: source, pid, comm for dbnetio's maps, and client when
 * grouped by client (never ports: a series per connection would grow the
 * database without bound, so dbnetio-report.c keeps prom to --by client);
 * map, key otherwise):
 *   dbnetio_sent_bytes_total, dbnetio_received_bytes_total   counters
 *   dbnetio_map_value_total                                  other maps
 *   dbnetio_rate_bytes_per_second{stat="max|mean|p50|p95|p99"} gauges
 *   dbnetio_threshold_seconds_above, dbnetio_alerts_total    per threshold
 *                                    (and direction, as the rate gauges)
 *   dbnetio_threshold_crossed                                0/1
 *   dbnetio_lost_events_total, dbnetio_capture_{start,end}_timestamp_seconds
 */
#include <stdlib.h>
#include <string.h>

#include "write_util.h"
#include "writer.h"

struct prom_ctx {
	FILE *out;
};

static void labels(FILE *f, const struct summary *sum, const struct series *s)
{
	const struct capture_meta *m = sum->sources[s->source];
	fputs("{source=\"", f);
	wu_prom_label(f, m->label ? m->label : m->file);
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
	labels(f, sum, s);
	fprintf(f, ",direction=\"%s\",threshold=\"", s->direction ? s->direction : "");
	wu_prom_label(f, sum->thresholds[ti].spec);
	fputs("\"} ", f);
}

static void counter_family(FILE *f, const struct summary *sum, const char *name, const char *help,
			   const char *dir)
{
	bool any = false;
	for (size_t i = 0; i < sum->nseries; i++) {
		const struct series *s = sum->series[i];
		if (dir ? !(s->direction && strcmp(s->direction, dir) == 0) : s->direction != NULL)
			continue;
		if (!any) {
			fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
			any = true;
		}
		fputs(name, f);
		labels(f, sum, s);
		fprintf(f, "} %llu\n", (unsigned long long)s->total_bytes);
	}
}

static int prom_finish(void *ctx, const struct summary *sum, char *err, size_t errlen)
{
	struct prom_ctx *c = ctx;
	FILE *f = c->out;
	static const struct {
		const char *name;
		double q;
	} qs[] = { { "p50", 0.5 }, { "p95", 0.95 }, { "p99", 0.99 } };

	counter_family(f, sum, "dbnetio_sent_bytes_total",
		       "Bytes a process sent over TCP during the capture.", "send");
	counter_family(f, sum, "dbnetio_received_bytes_total",
		       "Bytes a process received over TCP during the capture.", "recv");
	counter_family(f, sum, "dbnetio_map_value_total",
		       "Sum of the per-interval increases of another bpftrace map.", NULL);

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
			labels(f, sum, s);
			fprintf(f, ",direction=\"%s\",stat=\"%s\"} ", dir, names[k]);
			wu_json_number(f, v[k]);
			fputs("\n", f);
		}
	}
	if (sum->nthresholds) {
		fputs("# HELP dbnetio_threshold_seconds_above Seconds the rate was above a threshold.\n"
		      "# TYPE dbnetio_threshold_seconds_above gauge\n", f);
		for (size_t i = 0; i < sum->nseries; i++) {
			const struct series *s = sum->series[i];
			for (uint32_t mk = s->th_mask; mk; mk &= mk - 1) {
				unsigned ti = (unsigned)__builtin_ctz(mk);
				threshold_sample(f, "dbnetio_threshold_seconds_above", sum, s, ti);
				wu_json_number(f, s->th[ti].seconds_above);
				fputs("\n", f);
			}
		}
		fputs("# HELP dbnetio_alerts_total Alerts (sustained crossings) per threshold.\n"
		      "# TYPE dbnetio_alerts_total counter\n", f);
		for (size_t i = 0; i < sum->nseries; i++) {
			const struct series *s = sum->series[i];
			for (uint32_t mk = s->th_mask; mk; mk &= mk - 1) {
				unsigned ti = (unsigned)__builtin_ctz(mk);
				threshold_sample(f, "dbnetio_alerts_total", sum, s, ti);
				fprintf(f, "%llu\n", (unsigned long long)s->th[ti].alerts_total);
			}
		}
	}
	fprintf(f, "# HELP dbnetio_threshold_crossed 1 when some threshold was crossed.\n"
		"# TYPE dbnetio_threshold_crossed gauge\ndbnetio_threshold_crossed %d\n",
		sum->crossed ? 1 : 0);
	fputs("# HELP dbnetio_lost_events_total Events bpftrace reported lost.\n"
	      "# TYPE dbnetio_lost_events_total counter\n", f);
	for (size_t i = 0; i < sum->nsources; i++) {
		fputs("dbnetio_lost_events_total{source=\"", f);
		wu_prom_label(f, sum->sources[i]->label ? sum->sources[i]->label : sum->sources[i]->file);
		fprintf(f, "\"} %llu\n", (unsigned long long)sum->sources[i]->counts.lost_events);
	}
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
	if (fflush(f) != 0 || ferror(f)) {
		snprintf(err, errlen, "write error on output");
		return -1;
	}
	return 0;
}

static void prom_free(void *ctx)
{
	free(ctx);
}

static const struct writer_ops prom_ops = {
	.name = "prom",
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
	w->ops = &prom_ops;
	w->ctx = c;
	return 0;
}
