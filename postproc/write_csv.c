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
 *
 * With --top the rows of the series it keeps are known only at the end:
 * they stream to an unnamed temporary file instead, each behind its
 * series' index, and finish copies the kept ones out in their order (memory stays bounded;
 * the disk holds the rows once).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "write_util.h"
#include "writer.h"

#define CSV_HEADER_NO_NL "epoch,source,map,pid,comm,direction,key,bytes,seconds,partial," \
			 "client,client_port,local_port"
#define CSV_HEADER CSV_HEADER_NO_NL "\n"

struct csv_ctx {
	FILE *out;
	FILE *rows;              /* --top: the rows, kept for the end; NULL otherwise */
	FILE *dst;               /* where rows go: out, or rows */
	char **labels;
	size_t nlabels;
	bool header_done;
	bool sessions;           /* the session columns, at the end */
};

/* The header; grouped by session, its columns come after the old ones. */
static void csv_header(struct csv_ctx *c)
{
	fputs(c->sessions ? CSV_HEADER_NO_NL ",user,database,application,session\n" : CSV_HEADER,
	      c->out);
}

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
		csv_header(c);
		c->header_done = true;
	}
	return 0;
}

/* Copy the rows of the series --top kept from the temporary file: each is
 * its series' index (4 bytes) and its text up to a NUL. */
static int csv_copy_kept(struct csv_ctx *c, const struct summary *sum, char *err, size_t errlen)
{
	unsigned maxindex = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool *kept;
	int ret = -1;

	for (size_t i = 0; i < sum->nseries; i++)
		if (sum->series[i]->index > maxindex)
			maxindex = sum->series[i]->index;
	kept = calloc((size_t)maxindex + 1, sizeof(*kept));
	if (!kept) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < sum->nseries; i++)
		kept[sum->series[i]->index] = true;
	if (fflush(c->rows) != 0 || fseek(c->rows, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "csv: temporary file: %s", strerror(errno));
		goto cleanup;
	}
	for (uint32_t idx; fread(&idx, sizeof(idx), 1, c->rows) == 1;) {
		if ((len = getdelim(&line, &cap, '\0', c->rows)) <= 0)
			break;
		if (idx <= maxindex && kept[idx])
			fwrite(line, 1, (size_t)len - 1, c->out);
	}
	if (ferror(c->rows)) {
		snprintf(err, errlen, "csv: temporary file: read error");
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(line);
	free(kept);
	return ret;
}

static int csv_sample(void *ctx, const struct series *s, const struct sample *smp, char *err,
		      size_t errlen)
{
	struct csv_ctx *c = ctx;
	FILE *o = c->dst;

	if (c->rows) {
		uint32_t idx = s->index;
		fwrite(&idx, sizeof(idx), 1, o);
	}
	fprintf(o, "%lld,", (long long)smp->ts);
	wu_csv_field(o, s->source < c->nlabels && c->labels[s->source] ? c->labels[s->source] : "");
	putc(',', o);
	wu_csv_field(o, s->map);
	putc(',', o);
	if (s->direction)
		fprintf(o, "%lld,", s->pid);
	else
		putc(',', o);
	wu_csv_field(o, s->comm);
	fprintf(o, ",%s,", s->direction ? s->direction : "");
	wu_csv_field(o, s->key);
	fprintf(o, ",%llu,", (unsigned long long)smp->bytes);
	wu_json_number(o, smp->seconds);    /* "1" as %g wrote it, or "0.980000" */
	fprintf(o, ",%d,", smp->partial ? 1 : 0);
	wu_csv_field(o, s->client);
	if (s->client_port >= 0)
		fprintf(o, ",%d,%d", s->client_port, s->local_port);
	else
		fputs(",,", o);
	if (c->sessions) {
		/* user,database,application (empty when not grouped by it),
		 * session: "unknown" when the bytes' session is not known */
		putc(',', o);
		wu_csv_field(o, s->db_user ? s->db_user : "");
		putc(',', o);
		wu_csv_field(o, s->database ? s->database : "");
		putc(',', o);
		wu_csv_field(o, s->application ? s->application : "");
		fputs(s->session_unknown ? ",unknown" : s->session_fields ? ",known" : ",", o);
	}
	putc('\n', o);
	if (c->rows)
		putc('\0', o);   /* a row may hold a quoted newline, never a NUL */
	if (ferror(o)) {
		snprintf(err, errlen, "write error on output");
		return -1;
	}
	return 0;
}

static int csv_finish(void *ctx, const struct summary *sum, char *err, size_t errlen)
{
	struct csv_ctx *c = ctx;
	if (!c->header_done)
		csv_header(c);
	if (c->rows && csv_copy_kept(c, sum, err, errlen) < 0)
		return -1;
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
	if (c->rows)
		fclose(c->rows);
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
	c->out = c->dst = cm->out;
	c->sessions = cm->sessions;
	if (cm->top) {
		c->rows = c->dst = tmpfile();
		if (!c->rows) {
			snprintf(err, errlen, "csv: tmpfile(): %s", strerror(errno));
			free(c);
			return -1;
		}
	}
	w->ops = &csv_ops;
	w->ctx = c;
	return 0;
}
