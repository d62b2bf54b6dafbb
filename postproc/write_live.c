/* write_live.c: `--live`, one line per dump as it is complete, flushed, and
 * a line for each alert as it fires and as it ends:
 *   22:13:46 ALERT send>1MiB/s: 4321 mariadbd send above since 22:13:44, peak 1.31 MiB/s
 *   22:13:46 [db1] send 1.20 MiB/s  recv 88.0 KiB/s  top 4321 mariadbd send 1.19 MiB/s
 * A line's time is the START of its interval (second k is [k, k+I)), as in
 * every other output; an ALERT line carries the second that fired it, an
 * END line the end of the last second above.  A dump is complete at its
 * dump-end marker, the next time line, "# dbnetio-final" or the end of
 * input, never when the input goes quiet, so these lines say what reading
 * the saved capture afterwards says.  The summary (any --format) follows at
 * the end or on Ctrl-C.
 */
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "write_util.h"
#include "writer.h"

struct live_ctx {
	FILE *out;
	bool multi;
	bool local;                   /* --local-time */
	double send, recv, other, top_rate;
	const struct series *top;
	uint64_t partial_bytes;
	enum partial_reason why;      /* of the partial bytes */
	size_t nsamples;
	char **labels;
	size_t nlabels;
	const struct capture_meta **metas;
};

static int live_begin(void *ctx, const struct capture_meta *m, char *err, size_t errlen)
{
	struct live_ctx *c = ctx;
	if (m->index >= c->nlabels) {
		const struct capture_meta **n = realloc(c->metas, (m->index + 1) * sizeof(*n));
		if (!n) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		c->metas = n;
		c->nlabels = m->index + 1;
	}
	c->metas[m->index] = m;
	return 0;
}

static int live_sample(void *ctx, const struct series *s, const struct sample *smp, char *err,
		       size_t errlen)
{
	struct live_ctx *c = ctx;
	(void)err;
	(void)errlen;
	c->nsamples++;
	if (!smp->is_rate) {
		c->partial_bytes += smp->bytes;
		c->why = smp->why;
		return 0;
	}
	if (s->direction && s->direction[0] == 's')
		c->send += smp->rate;
	else if (s->direction)
		c->recv += smp->rate;
	else
		c->other += smp->rate;
	if (!c->top || smp->rate > c->top_rate) {
		c->top = s;
		c->top_rate = smp->rate;
	}
	return 0;
}

static int live_dump(void *ctx, const struct capture_meta *m, int64_t ts, char *err, size_t errlen)
{
	struct live_ctx *c = ctx;
	char t[32], a[32], b[32];

	if (!c->nsamples)
		return 0;
	fprintf(c->out, "%s", wu_clock(m, ts, c->local, t, sizeof(t)));
	/* several files, or from a stream's second capture on */
	if (c->multi || m->index > 0)
		fprintf(c->out, " [%s]", m->label);
	if (c->top || c->partial_bytes == 0) {
		fprintf(c->out, " send %s/s  recv %s/s", units_format_bytes(c->send, a, sizeof(a)),
			units_format_bytes(c->recv, b, sizeof(b)));
		if (c->other > 0)
			fprintf(c->out, "  other %s/s", units_format_bytes(c->other, a, sizeof(a)));
		if (c->top)
			fprintf(c->out, "  top %s %s/s", c->top->label,
				units_format_bytes(c->top_rate, a, sizeof(a)));
	}
	if (c->partial_bytes) {
		static const char *const what[] = {
			[PARTIAL_NONE] = "partial interval",
			[PARTIAL_FIRST] = "first, partial interval",
			[PARTIAL_FINAL] = "final partial interval",
			[PARTIAL_REPEATED] = "repeated or backwards time line",
			[PARTIAL_UNTIMED] = "map entries without a time line",
		};
		fprintf(c->out, " (%s: %s, totals only)", what[c->why],
			units_format_bytes((double)c->partial_bytes, a, sizeof(a)));
	}
	fputs("\n", c->out);
	c->send = c->recv = c->other = c->top_rate = 0;
	c->top = NULL;
	c->partial_bytes = 0;
	c->nsamples = 0;
	if (fflush(c->out) != 0) {
		snprintf(err, errlen, "write error on output");
		return -1;
	}
	return 0;
}

static int live_alert(void *ctx, const struct series *s, const struct threshold *th,
		      const struct alert *al, enum alert_event ev, char *err, size_t errlen)
{
	struct live_ctx *c = ctx;
	const struct capture_meta *m = s->source < c->nlabels ? c->metas[s->source] : NULL;
	char t[32], a[32], p[32];

	if (ev == ALERT_FIRED)
		fprintf(c->out, "%s ALERT %s: %s above since %s, peak %s/s\n",
			wu_clock(m, al->last, c->local, t, sizeof(t)), th->spec, s->label,
			wu_clock(m, al->start, c->local, a, sizeof(a)), units_format_bytes(al->peak, p, sizeof(p)));
	else
		fprintf(c->out, "%s END %s: %s from %s, peak %s/s%s\n",
			wu_clock(m, al->end, c->local, t, sizeof(t)), th->spec, s->label,
			wu_clock(m, al->start, c->local, a, sizeof(a)), units_format_bytes(al->peak, p, sizeof(p)),
			al->open ? " (still above at end of input)" : "");
	if (fflush(c->out) != 0) {
		snprintf(err, errlen, "write error on output");
		return -1;
	}
	return 0;
}

static void live_free(void *ctx)
{
	struct live_ctx *c = ctx;
	free(c->metas);
	free(c);
}

static const struct writer_ops live_ops = {
	.name = "live",
	.begin = live_begin,
	.sample = live_sample,
	.dump = live_dump,
	.alert = live_alert,
	.free = live_free,
};

int writer_live_new(struct writer *w, const struct writer_common *cm, char *err, size_t errlen)
{
	struct live_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->out = cm->out;
	c->multi = cm->multi_source;
	c->local = cm->local_time;
	w->ops = &live_ops;
	w->ctx = c;
	return 0;
}
