/* threshold.c: threshold specs and the per-series alert state machine
 * (semantics in threshold.h).
 *
 * Why contiguity matters: a rate sample is the average over its interval; if
 * a dump is missing, the next sample averages over the gap, so a run above
 * the limit across a gap is not known to have been continuous.  Runs are
 * therefore broken by gaps, and an alert never spans unseen time.
 */
#include "threshold.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* ===== parsing ===== */

/* The clauses that may follow the rate, each "WORD DURATION" and each at
 * most once, in any order.  To add one: an
 * unsigned field of seconds in struct threshold, a row here, a line in
 * THRESHOLD_GRAMMAR (threshold.h) and the README's grammar. */
static const struct threshold_clause {
	const char *word;
	size_t field;            /* offsetof(struct threshold, <unsigned seconds>) */
	unsigned max;            /* seconds */
} clauses[] = {
	{ "for", offsetof(struct threshold, sustain), 7 * 86400 },
	{ "merge", offsetof(struct threshold, merge), 7 * 86400 },
};
#define NCLAUSES (sizeof(clauses) / sizeof(clauses[0]))

/* The clause whose word is [w, w+len), or -1. */
static int clause_of(const char *w, size_t len)
{
	for (size_t i = 0; i < NCLAUSES; i++)
		if (strlen(clauses[i].word) == len && memcmp(w, clauses[i].word, len) == 0)
			return (int)i;
	return -1;
}

/* The next space-separated word at or after *p (before e): its start and
 * length, *p moved past it.  0 when there is none. */
static size_t next_word(const char **p, const char *e, const char **w)
{
	while (*p < e && **p == ' ')
		(*p)++;
	*w = *p;
	while (*p < e && **p != ' ')
		(*p)++;
	return (size_t)(*p - *w);
}

/* Trim the spaces at both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && **s == ' ')
		(*s)++;
	while (*e > *s && (*e)[-1] == ' ')
		(*e)--;
}

/* The grammar is THRESHOLD_GRAMMAR (threshold.h): TARGET, '>' or '>=',
 * a rate (units.c), then the clauses.  Every error names the spec and what
 * was expected there. */
int threshold_parse(const char *spec, struct threshold *th, char *err, size_t errlen)
{
	const char *e = spec + strlen(spec), *op, *t0, *t1, *p, *w;
	bool given[NCLAUSES] = { false };
	char msg[256];
	size_t wl;

	memset(th, 0, sizeof(*th));
	th->merge = THRESHOLD_MERGE_DEFAULT;
	op = strchr(spec, '>');
	if (!op) {
		snprintf(err, errlen, "threshold '%s': expected send>RATE, recv>RATE, any>RATE or "
			 "@map>RATE (e.g. 'send>50MiB/s for 5s')", spec);
		return -1;
	}
	/* TARGET */
	t0 = spec;
	t1 = op;
	trim(&t0, &t1);
	if (t1 - t0 == 4 && memcmp(t0, "send", 4) == 0) {
		th->target = TH_SEND;
	} else if (t1 - t0 == 4 && memcmp(t0, "recv", 4) == 0) {
		th->target = TH_RECV;
	} else if (t1 - t0 == 3 && memcmp(t0, "any", 3) == 0) {
		th->target = TH_ANY;
	} else if (t1 - t0 > 1 && *t0 == '@') {
		for (const char *c = t0 + 1; c < t1; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '_')) {
				snprintf(err, errlen, "threshold '%s': expected a map name after '@' "
					 "(letters, digits and _), got '%.*s'", spec, (int)(t1 - t0), t0);
				return -1;
			}
		th->target = TH_MAP;
		th->map = strndup(t0, (size_t)(t1 - t0));
		if (!th->map)
			goto nomem;
	} else {
		snprintf(err, errlen, "threshold '%s': unknown target '%.*s' (expected send, recv, any "
			 "or @map)", spec, (int)(t1 - t0), t0);
		return -1;
	}
	/* OP */
	p = op + 1;
	if (p < e && *p == '=') {
		th->inclusive = true;
		p++;
	}
	/* RATE: the words up to the first clause word */
	const char *r0 = p, *r1 = p;
	for (const char *q = p; (wl = next_word(&q, e, &w)) != 0; r1 = q)
		if (clause_of(w, wl) >= 0)
			break;
	p = r1;
	trim(&r0, &r1);
	if (units_parse_rate(r0, (size_t)(r1 - r0), &th->limit, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "threshold '%s': %s", spec, msg);
		goto fail;
	}
	/* CLAUSES: a word, then its duration up to the next clause word */
	while ((wl = next_word(&p, e, &w)) != 0) {
		int c = clause_of(w, wl);   /* always a clause word here */
		const char *d0 = p, *d1 = p, *nw;
		size_t nl;
		for (const char *q = p; (nl = next_word(&q, e, &nw)) != 0; d1 = q)
			if (clause_of(nw, nl) >= 0)
				break;
		p = d1;
		trim(&d0, &d1);
		if (given[c]) {
			snprintf(err, errlen, "threshold '%s': '%s' given twice", spec, clauses[c].word);
			goto fail;
		}
		given[c] = true;
		unsigned *field = (unsigned *)(void *)((char *)th + clauses[c].field);
		if (units_parse_duration(d0, (size_t)(d1 - d0), clauses[c].max, field, msg,
					 sizeof(msg)) < 0) {
			snprintf(err, errlen, "threshold '%s': after '%s': %s", spec, clauses[c].word, msg);
			goto fail;
		}
	}
	th->spec = strdup(spec);
	if (!th->spec)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(th->map);
	th->map = NULL;
	return -1;
}

void threshold_free(struct threshold *th)
{
	free(th->spec);
	free(th->map);
	memset(th, 0, sizeof(*th));
}

bool threshold_same(const struct threshold *a, const struct threshold *b)
{
	return a->target == b->target && a->limit == b->limit && a->inclusive == b->inclusive &&
	       a->sustain == b->sustain && a->merge == b->merge &&
	       (a->target != TH_MAP || strcmp(a->map, b->map) == 0);
}

bool threshold_applies(const struct threshold *th, const char *map, const char *direction)
{
	switch (th->target) {
	case TH_SEND:
		return direction && strcmp(direction, "send") == 0;
	case TH_RECV:
		return direction && strcmp(direction, "recv") == 0;
	case TH_ANY:
		return true;
	case TH_MAP:
		return strcmp(th->map, map) == 0;
	}
	return false;
}

/* ===== state machine ===== */

/* Store a finished alert; beyond the cap it is only counted. */
static int store_alert(struct threshold_state *st, const struct alert *a)
{
	if (st->nalerts >= THRESHOLD_MAX_ALERTS)
		return 0;
	if (!st->alerts) {
		st->alerts = calloc(THRESHOLD_MAX_ALERTS, sizeof(*st->alerts));
		if (!st->alerts)
			return -1;
	}
	st->alerts[st->nalerts++] = *a;
	return 0;
}

static int end_run(struct threshold_state *st, struct alert *ended)
{
	int ev = 0;

	if (st->firing) {
		st->cur.open = false;
		if (store_alert(st, &st->cur) < 0)
			return -1;
		if (ended)
			*ended = st->cur;
		ev = THRESHOLD_ENDED;
	}
	st->in_run = false;
	st->firing = false;
	st->in_dip = false;
	return ev;
}

int threshold_feed(struct threshold_state *st, const struct threshold *th,
		   unsigned index, double rate, double seconds, int64_t start, int64_t end,
		   struct alert *ended, struct alert *fired)
{
	bool above = th->inclusive ? rate >= th->limit : rate > th->limit;
	double span = (double)(end - start);
	int ev = 0;

	/* where the next interval of this run starts: after the dip, if any */
	int64_t next = st->in_dip ? st->dip_end : st->run_end;

	if (!above) {
		/* a firing alert lives through a dip shorter than the merge
		 * window, as long as no interval of it is missing */
		if (st->firing && start == next && (double)(end - st->run_end) < (double)th->merge) {
			st->in_dip = true;
			st->dip_end = end;
			return 0;
		}
		return end_run(st, ended);
	}
	st->seconds_above += span;
	if (st->in_run && start != next) {
		/* a gap: the run above is not known to be continuous */
		if ((ev = end_run(st, ended)) < 0)
			return -1;
	}
	st->in_dip = false;
	if (!st->in_run) {
		st->in_run = true;
		st->run_start = start;
		st->run_seconds = 0;
		st->run_peak = rate;
		st->run_peak_ts = start;
		st->run_over = 0;
	}
	st->run_end = end;
	st->run_seconds += span;
	st->run_over += (rate - th->limit) * seconds;
	if (rate > st->run_peak) {
		st->run_peak = rate;
		st->run_peak_ts = start;
	}
	if (!st->firing && st->run_seconds >= (double)th->sustain) {
		st->firing = true;
		st->alerts_total++;
		ev |= THRESHOLD_FIRED;
	}
	if (st->firing) {
		st->cur.threshold = index;
		st->cur.start = st->run_start;
		st->cur.end = st->run_end;
		st->cur.last = start;
		st->cur.peak = st->run_peak;
		st->cur.peak_ts = st->run_peak_ts;
		st->cur.bytes_over = st->run_over;
		st->cur.open = true;
		if ((ev & THRESHOLD_FIRED) && fired)
			*fired = st->cur;
	}
	return ev;
}

int threshold_finish(struct threshold_state *st, struct alert *out)
{
	if (!st->firing) {
		st->in_run = false;
		return 0;
	}
	/* open: still above at the end, not in a dip */
	st->cur.open = !st->in_dip;
	st->in_dip = false;
	if (store_alert(st, &st->cur) < 0)
		return -1;
	if (out)
		*out = st->cur;
	st->firing = false;
	st->in_run = false;
	return THRESHOLD_ENDED;
}

void threshold_state_free(struct threshold_state *st)
{
	free(st->alerts);
	memset(st, 0, sizeof(*st));
}
