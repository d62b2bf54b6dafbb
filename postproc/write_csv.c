/* write_csv.c: `--format csv`, one row per series per interval, streamed as
 * samples are made (nothing is kept, so any capture length fits in memory).
 *
 * Columns: epoch,source,map,pid,comm,direction,key,bytes,seconds,partial,
 * client,client_port,local_port (epoch is the START of the interval, second
 * k being [k, k+I); seconds is the real time the bytes were counted over, to
 * the microsecond, so bytes/seconds is the rate; pid/comm/direction empty for
 * maps other than dbnetio's @send/@recv; partial=1 for the first dump of a
 * format-2 capture, the last partial interval and dumps without a usable
 * time; client empty unless the series is grouped by client or connection,
 * the ports unless by connection).  The client columns came last so that the
 * older columns kept their positions.
 */
#include <stdlib.h>
#include <string.h>

#include "write_util.h"
#include "writer.h"

#define CSV_HEADER "epoch,source,map,pid,comm,direction,key,bytes,seconds,partial," \
		   "client,client_port,local_port\n"

struct csv_ctx {
	FILE *out;
	char **labels;
	size_t nlabels;
	bool header_done;
};

static int csv_begin(void *ctx, const struct capture_meta *m, char *err, size_t errlen)
{
	struct csv_ctx *c = ctx;
	if (m->index >= c->nlabels) {
		char **n = realloc(c->labels, (m->index + 1) * sizeof(*n));
		if (!n) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t i = c->nlabels; i <= m->index; i++)
			n[i] = NULL;
		c->labels = n;
		c->nlabels = m->index + 1;
	}
	free(c->labels[m->index]);
	c->labels[m->index] = strdup(m->label);
	if (!c->header_done) {
		fputs(CSV_HEADER, c->out);
		c->header_done = true;
	}
	return 0;
}

static int csv_sample(void *ctx, const struct series *s, const struct sample *smp, char *err,
		      size_t errlen)
{
	struct csv_ctx *c = ctx;

	fprintf(c->out, "%lld,", (long long)smp->ts);
	wu_csv_field(c->out, s->source < c->nlabels && c->labels[s->source] ? c->labels[s->source] : "");
	putc(',', c->out);
	wu_csv_field(c->out, s->map);
	putc(',', c->out);
	if (s->direction)
		fprintf(c->out, "%lld,", s->pid);
	else
		putc(',', c->out);
	wu_csv_field(c->out, s->comm);
	fprintf(c->out, ",%s,", s->direction ? s->direction : "");
	wu_csv_field(c->out, s->key);
	fprintf(c->out, ",%llu,", (unsigned long long)smp->bytes);
	wu_json_number(c->out, smp->seconds);    /* "1" as %g wrote it, or "0.980000" */
	fprintf(c->out, ",%d,", smp->partial ? 1 : 0);
	wu_csv_field(c->out, s->client);
	if (s->client_port >= 0)
		fprintf(c->out, ",%d,%d\n", s->client_port, s->local_port);
	else
		fputs(",,\n", c->out);
	if (ferror(c->out)) {
		snprintf(err, errlen, "write error on output");
		return -1;
	}
	return 0;
}

static int csv_finish(void *ctx, const struct summary *sum, char *err, size_t errlen)
{
	struct csv_ctx *c = ctx;
	(void)sum;
	if (!c->header_done)
		fputs(CSV_HEADER, c->out);
	if (fflush(c->out) != 0) {
		snprintf(err, errlen, "write error on output");
		return -1;
	}
	return 0;
}

static void csv_free(void *ctx)
{
	struct csv_ctx *c = ctx;
	for (size_t i = 0; i < c->nlabels; i++)
		free(c->labels[i]);
	free(c->labels);
	free(c);
}

static const struct writer_ops csv_ops = {
	.name = "csv",
	.begin = csv_begin,
	.sample = csv_sample,
	.finish = csv_finish,
	.free = csv_free,
};

int writer_csv_new(struct writer *w, const struct writer_common *cm, char *err, size_t errlen)
{
	struct csv_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->out = cm->out;
	w->ops = &csv_ops;
	w->ctx = c;
	return 0;
}
