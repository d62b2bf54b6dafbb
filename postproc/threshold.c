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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* ===== parsing ===== */

/* "10s", "2m", "0s": a whole number of seconds or minutes, into *secs.
 * 0, or -1 when s is anything else or over a week. */
static int parse_duration(const char *s, unsigned *secs)
{
	char *end;
	long mult = 1;

	errno = 0;
	long n = strtol(s, &end, 10);
	if (end == s || errno || n < 0)
		return -1;
	if (*end == 's')
		end++;
	else if (*end == 'm') {
		mult = 60;
		end++;
	}
	if (*end || n > 86400L * 7 / mult)
		return -1;
	*secs = (unsigned)(n * mult);
	return 0;
}

/* Parse a spec without its merge clause (see threshold_parse). */
static int parse_limit(const char *spec, struct threshold *th, char *err, size_t errlen)
{
	const char *op, *v, *forp;
	char *val = NULL;
	int ret = -1;

	memset(th, 0, sizeof(*th));
	op = strchr(spec, '>');
	if (!op || op == spec) {
		snprintf(err, errlen, "threshold '%s': expected send>RATE, recv>RATE, any>RATE or @map>RATE "
			 "(e.g. 'send>50MiB/s for 5s')", spec);
		return -1;
	}
	size_t tl = (size_t)(op - spec);
	while (tl > 0 && spec[tl - 1] == ' ')
		tl--;
	if (tl == 4 && memcmp(spec, "send", 4) == 0)
		th->target = TH_SEND;
	else if (tl == 4 && memcmp(spec, "recv", 4) == 0)
		th->target = TH_RECV;
	else if (tl == 3 && memcmp(spec, "any", 3) == 0)
		th->target = TH_ANY;
	else if (tl > 1 && spec[0] == '@') {
		th->target = TH_MAP;
		th->map = strndup(spec, tl);
		if (!th->map)
			goto nomem;
	} else {
		snprintf(err, errlen, "threshold '%s': unknown target '%.*s' (expected send, recv, any or @map)",
			 spec, (int)tl, spec);
		goto cleanup;
	}
	v = op + 1;
	if (*v == '=') {
		th->inclusive = true;
		v++;
	}
	while (*v == ' ')
		v++;
	forp = strstr(v, " for ");
	val = forp ? strndup(v, (size_t)(forp - v)) : strdup(v);
	if (!val)
		goto nomem;
	if (units_parse_bytes(val, &th->limit, err, errlen) < 0) {
		char tmp[256];
		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "threshold '%s': %s", spec, tmp);
		goto cleanup;
	}
	if (forp) {
		const char *d = forp + 5;
		char *end;
		errno = 0;
		long n = strtol(d, &end, 10);
		long mult = 1;
		if (*end == 's')
			end++;
		else if (*end == 'm') {
			mult = 60;
			end++;
		}
		if (end == d || errno || n < 0 || n > 86400 * 7 || *end) {
			snprintf(err, errlen, "threshold '%s': expected 'for Ns' (seconds, e.g. 'for 5s')", spec);
			goto cleanup;
		}
		th->sustain = (unsigned)(n * mult);
	}
	th->spec = strdup(spec);
	if (!th->spec)
		goto nomem;
	ret = 0;
	goto cleanup;
nomem:
	snprintf(err, errlen, "out of memory");
cleanup:
	free(val);
	if (ret < 0) {
		free(th->map);
		th->map = NULL;
	}
	return ret;
}

/* The merge clause, " merge DURATION", ends the spec: it is split off
 * here and the rest parsed as a limit and its sustain. */
int threshold_parse(const char *spec, struct threshold *th, char *err, size_t errlen)
{
	const char *m = strstr(spec, " merge ");
	unsigned merge = THRESHOLD_MERGE_DEFAULT;

	if (m && parse_duration(m + 7, &merge) < 0) {
		snprintf(err, errlen, "threshold '%s': expected 'merge Ns' at the end (seconds at or "
			 "below the limit that end an alert, e.g. 'merge 10s')", spec);
		return -1;
	}
	char *head = m ? strndup(spec, (size_t)(m - spec)) : NULL;
	if (m && !head) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = parse_limit(head ? head : spec, th, err, errlen);
	free(head);
	if (rc < 0)
		return -1;
	th->merge = merge;
	if (m) {
		/* the spec as given, merge clause included */
		char *full = strdup(spec);
		if (!full) {
			threshold_free(th);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(th->spec);
		th->spec = full;
	}
	return 0;
}

void threshold_free(struct threshold *th)
{
	free(th->spec);
	free(th->map);
	memset(th, 0, sizeof(*th));
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
