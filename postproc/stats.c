/* stats.c: streaming per-series rate statistics (see stats.h for the
 * quantile method and its error bound).
 *
 * Why this method: a capture of a month at one dump a second is 2.6 million
 * samples per series; keeping them all would break the bounded-memory goal,
 * while most interactive captures are minutes long and deserve exact
 * numbers.  So: exact up to STATS_EXACT_MAX samples, then a log-linear
 * histogram (HDR-style: the double's exponent picks the row, its top mantissa
 * bits the bucket) whose rows are allocated only for the magnitudes seen.
 */
#include "grow.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ===== histogram ===== */

/* Row and bucket of a positive rate.  Returns -1 for "zero" (below range). */
static inline int hist_index(double x, unsigned *sub)
{
	uint64_t bits;
	int exp;

	memcpy(&bits, &x, sizeof(bits));
	exp = (int)((bits >> 52) & 0x7ff) - 1023;
	if (x <= 0 || exp < -STATS_MIN_EXP)
		return -1;
	if (exp >= STATS_MAX_EXP)
		exp = STATS_MAX_EXP - 1;
	*sub = (unsigned)((bits >> (52 - STATS_SUB_BITS)) & (STATS_SUB_BUCKETS - 1));
	return exp + STATS_MIN_EXP;
}

static void hist_bounds(int row, unsigned sub, double *lo, double *hi)
{
	double base = ldexp(1.0, row - STATS_MIN_EXP);
	*lo = base * (1.0 + (double)sub / STATS_SUB_BUCKETS);
	*hi = base * (1.0 + (double)(sub + 1) / STATS_SUB_BUCKETS);
}

static int hist_add_slow(struct stats *st, int row, unsigned sub);

/* Count x in the histogram: inline, a row already there is the rule. */
static inline int hist_add(struct stats *st, double x)
{
	unsigned sub = 0;
	int row = hist_index(x, &sub);

	if (row >= 0 && st->rows && st->rows[row]) {
		/* 2^32 samples in one bucket would take 136 years of 1 s dumps */
		st->rows[row][sub]++;
		return 0;
	}
	return hist_add_slow(st, row, sub);
}

static int hist_add_slow(struct stats *st, int row, unsigned sub)
{

	if (row < 0) {
		st->zero++;
		return 0;
	}
	if (!st->rows) {
		st->rows = calloc(STATS_ROWS, sizeof(*st->rows));
		if (!st->rows)
			return -1;
	}
	if (!st->rows[row]) {
		st->rows[row] = calloc(STATS_SUB_BUCKETS, sizeof(uint32_t));
		if (!st->rows[row])
			return -1;
	}
	/* a bucket saturating at 2^32-1 samples would need 136 years of dumps */
	if (st->rows[row][sub] != UINT32_MAX)
		st->rows[row][sub]++;
	return 0;
}


/* Count k samples in the histogram.  0, or -1 when out of memory.
 * The common case in one step: for a positive double, bits >> 46 is its
 * biased exponent and top STATS_SUB_BITS mantissa bits, so one subtraction
 * gives row * STATS_SUB_BUCKETS + sub, and one unsigned compare says it is
 * in range (not positive, too small or too large go to hist_add()). */
static int hist_add_batch(struct stats *st, const double *x, size_t k)
{
	const uint64_t base = (uint64_t)(1023 - STATS_MIN_EXP) << STATS_SUB_BITS;

	_Static_assert(STATS_SUB_BITS == 6, "bits >> 46 assumes 6 sub-bucket bits");
	for (size_t i = 0; i < k; i++) {
		uint64_t bits, idx;
		uint32_t *row;

		memcpy(&bits, &x[i], sizeof(bits));
		idx = (bits >> (52 - STATS_SUB_BITS)) - base;
		if (idx < (uint64_t)STATS_ROWS * STATS_SUB_BUCKETS && st->rows &&
		    (row = st->rows[idx >> STATS_SUB_BITS]) != NULL) {
			row[idx & (STATS_SUB_BUCKETS - 1)]++;
			continue;
		}
		if (hist_add(st, x[i]) < 0)
			return -1;
	}
	return 0;
}

/* Fold every buffered sample not yet in min/sums (and, in histogram mode,
 * into the histogram, emptying the batch).  0 or -1 (out of memory). */
static int stats_flush(struct stats *st)
{
	const double *x;
	size_t k;
	double mn = st->min, s0 = 0, s1 = 0, q0 = 0, q1 = 0;

	if (st->n <= STATS_EXACT_MAX) {
		x = st->exact + st->folded;
		k = (size_t)st->n - st->folded;
	} else {
		x = st->exact;
		k = st->nbatch;
		if (hist_add_batch(st, x, k) < 0)
			return -1;
	}
	/* two accumulators each: the additions need not wait on each other */
	size_t i = 0;
	for (; i + 1 < k; i += 2) {
		double a = x[i] - st->shift, b = x[i + 1] - st->shift;
		mn = x[i] < mn ? x[i] : mn;
		mn = x[i + 1] < mn ? x[i + 1] : mn;
		s0 += a;
		s1 += b;
		q0 += a * a;
		q1 += b * b;
	}
	for (; i < k; i++) {
		double a = x[i] - st->shift;
		mn = x[i] < mn ? x[i] : mn;
		s0 += a;
		q0 += a * a;
	}
	st->min = mn;
	st->sum += s0 + s1;
	st->sumsq += q0 + q1;
	if (st->n <= STATS_EXACT_MAX)
		st->folded = (size_t)st->n;
	else
		st->nbatch = 0;
	return 0;
}

/* The unfolded samples, for the const queries. */
static void pending(const struct stats *st, const double **p, size_t *k)
{
	if (st->n <= STATS_EXACT_MAX) {
		*p = st->exact ? st->exact + st->folded : NULL;
		*k = (size_t)st->n - st->folded;
	} else {
		*p = st->exact;
		*k = st->nbatch;
	}
}

/* ===== API ===== */

void stats_init(struct stats *st)
{
	memset(st, 0, sizeof(*st));
	st->exact_sorted = true;
}

void stats_free(struct stats *st)
{
	free(st->exact);
	if (st->rows)
		for (int i = 0; i < STATS_ROWS; i++)
			free(st->rows[i]);
	free(st->rows);
	stats_init(st);
}

bool stats_is_exact(const struct stats *st)
{
	return st->n <= STATS_EXACT_MAX;
}

int stats_add_slow(struct stats *st, double rate, double seconds, int64_t ts)
{
	if (st->n == 0) {
		st->min = st->max = rate;
		st->max_ts = ts;
		st->shift = rate;
	} else if (rate > st->max) {
		st->max = rate;
		st->max_ts = ts;
	}
	st->seconds += seconds;
	st->bytes += rate * seconds;

	if (st->n < STATS_EXACT_MAX) {
		double *e = grow(st->exact, &st->exact_cap, st->n, sizeof(*e), 16);

		if (!e)
			return -1;
		st->exact = e;
		st->exact[st->n] = rate;
		st->exact_sorted = false;
	} else {
		if (st->n == STATS_EXACT_MAX) {
			/* switch: fold and pour the exact samples into the histogram,
			 * keep a smaller buffer for batches */
			if (stats_flush(st) < 0)
				return -1;
			for (size_t i = 0; i < STATS_EXACT_MAX; i++)
				if (hist_add(st, st->exact[i]) < 0)
					return -1;
			double *b = realloc(st->exact, STATS_BATCH * sizeof(*b));
			if (!b)
				return -1;
			st->exact = b;
			st->exact_cap = STATS_BATCH;
			st->nbatch = 0;
		}
		st->exact[st->nbatch++] = rate;
		if (st->nbatch == STATS_BATCH) {
			st->n++;
			return stats_flush(st);
		}
	}
	st->n++;
	return 0;
}

double stats_min(const struct stats *st)
{
	const double *p;
	size_t k;
	double m;

	if (!st->n)
		return 0;
	m = st->min;
	pending(st, &p, &k);
	for (size_t i = 0; i < k; i++)
		if (p[i] < m)
			m = p[i];
	return m;
}

/* sum and sum of squares around shift, folded or not */
static void sums(const struct stats *st, double *sum, double *sumsq)
{
	const double *p;
	size_t k;

	*sum = st->sum;
	*sumsq = st->sumsq;
	pending(st, &p, &k);
	for (size_t i = 0; i < k; i++) {
		double d = p[i] - st->shift;
		*sum += d;
		*sumsq += d * d;
	}
}

/* Over time, not over samples (see stats.h): a gap's averaged interval
 * counts for its seconds.  Cost: one division. */
double stats_mean(const struct stats *st)
{
	if (!st->n || !(st->seconds > 0))
		return 0;
	return st->bytes / st->seconds;
}

double stats_bytes(const struct stats *st)
{
	return st->bytes;
}

double stats_stddev(const struct stats *st)
{
	double s, q;

	if (st->n < 2)
		return 0;
	sums(st, &s, &q);
	double m = s / (double)st->n;
	double v = q / (double)st->n - m * m;
	return v > 0 ? sqrt(v) : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sort the exact samples (after folding them: sorting moves them). */
static void exact_sort(struct stats *st)
{
	(void)stats_flush(st);   /* exact phase: cannot fail */
	if (!st->exact_sorted)
		qsort(st->exact, (size_t)st->n, sizeof(double), cmp_double);
	st->exact_sorted = true;
}

int stats_finish(struct stats *st)
{
	if (st->n == 0)
		return 0;
	if (stats_is_exact(st)) {
		exact_sort(st);
		return 0;
	}
	return stats_flush(st);
}

bool stats_is_finished(const struct stats *st)
{
	if (st->n == 0)
		return true;
	if (stats_is_exact(st))
		return st->exact_sorted && st->folded == (size_t)st->n;
	return st->nbatch == 0;
}

/* A finished copy of st, for a query on statistics nobody finished (a
 * writer's own, mid-run): the samples copied, folded and sorted there.
 * 0, or -1 when out of memory. */
static int finished_copy(const struct stats *st, struct stats *c)
{
	*c = *st;
	c->exact = NULL;
	c->rows = NULL;
	if (st->exact) {
		c->exact = malloc((st->exact_cap ? st->exact_cap : 1) * sizeof(double));
		if (!c->exact)
			goto nomem;
		memcpy(c->exact, st->exact, st->exact_cap * sizeof(double));
	}
	if (st->rows) {
		c->rows = calloc(STATS_ROWS, sizeof(*c->rows));
		if (!c->rows)
			goto nomem;
		for (int r = 0; r < STATS_ROWS; r++) {
			if (!st->rows[r])
				continue;
			c->rows[r] = malloc(STATS_SUB_BUCKETS * sizeof(uint32_t));
			if (!c->rows[r])
				goto nomem;
			memcpy(c->rows[r], st->rows[r], STATS_SUB_BUCKETS * sizeof(uint32_t));
		}
	}
	if (stats_finish(c) < 0)
		goto nomem;
	return 0;
nomem:
	stats_free(c);
	return -1;
}

/* The quantile of finished statistics. */
static double quantile_finished(const struct stats *st, double q)

{
	uint64_t rank, cum;

	if (st->n == 0)
		return 0;
	if (q <= 0)
		return stats_min(st);
	if (q >= 1)
		return st->max;
	rank = (uint64_t)ceil(q * (double)st->n);
	if (rank < 1)
		rank = 1;
	if (stats_is_exact(st))
		return st->exact[rank - 1];
	cum = st->zero;
	if (cum >= rank)
		return st->min < 0 ? st->min : 0;
	for (int r = 0; st->rows && r < STATS_ROWS; r++) {
		if (!st->rows[r])
			continue;
		for (unsigned b = 0; b < STATS_SUB_BUCKETS; b++) {
			cum += st->rows[r][b];
			if (cum >= rank) {
				double lo, hi, mid;
				hist_bounds(r, b, &lo, &hi);
				mid = (lo + hi) / 2;
				/* never outside what was actually seen */
				if (mid > st->max)
					mid = st->max;
				if (mid < st->min)
					mid = st->min;   /* finished: min is folded */
				return mid;
			}
		}
	}
	return st->max;
}

double stats_quantile(const struct stats *st, double q)
{
	struct stats c;
	double v;

	if (st->n == 0 || stats_is_finished(st))
		return quantile_finished(st, q);
	if (finished_copy(st, &c) < 0)
		return st->max;   /* out of memory: no better answer */
	v = quantile_finished(&c, q);
	stats_free(&c);
	return v;
}

/* stats_for_each_bucket() of finished statistics. */
static int buckets_finished(const struct stats *st, stats_bucket_fn fn, void *arg)
{
	uint64_t cum = 0;
	int r;

	if (st->n == 0)
		return 0;
	if (stats_is_exact(st)) {
		for (size_t i = 0; i < st->n; i++) {
			size_t j = i;
			while (j + 1 < st->n && st->exact[j + 1] == st->exact[i])
				j++;
			cum += j - i + 1;
			if ((r = fn(st->exact[i], st->exact[i], j - i + 1, cum, arg)) != 0)
				return r;
			i = j;
		}
		return 0;
	}
	if (st->zero) {
		cum = st->zero;
		if ((r = fn(0, ldexp(1.0, -STATS_MIN_EXP), st->zero, cum, arg)) != 0)
			return r;
	}
	for (int row = 0; st->rows && row < STATS_ROWS; row++) {
		if (!st->rows[row])
			continue;
		for (unsigned b = 0; b < STATS_SUB_BUCKETS; b++) {
			double lo, hi;
			if (!st->rows[row][b])
				continue;
			hist_bounds(row, b, &lo, &hi);
			cum += st->rows[row][b];
			if ((r = fn(lo, hi, st->rows[row][b], cum, arg)) != 0)
				return r;
		}
	}
	return 0;
}

int stats_for_each_bucket(const struct stats *st, stats_bucket_fn fn, void *arg)
{
	struct stats c;
	int r;

	if (st->n == 0 || stats_is_finished(st))
		return buckets_finished(st, fn, arg);
	if (finished_copy(st, &c) < 0)
		return -1;
	r = buckets_finished(&c, fn, arg);
	stats_free(&c);
	return r;
}
