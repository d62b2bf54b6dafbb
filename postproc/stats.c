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
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ===== histogram ===== */

/* Row and bucket of a positive rate.  Returns -1 for "zero" (below range). */
static int hist_index(double x, unsigned *sub)
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

static int hist_add(struct stats *st, double x)
{
	unsigned sub = 0;
	int row = hist_index(x, &sub);

	if (row < 0) {
		st->zero++;
		return 0;
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

/* Pour the batch into the histogram. */
static int stats_flush(struct stats *st)
{
	if (st->n <= STATS_EXACT_MAX)
		return 0;
	for (size_t i = 0; i < st->nbatch; i++)
		if (hist_add(st, st->exact[i]) < 0)
			return -1;
	st->nbatch = 0;
	return 0;
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
	for (int i = 0; i < STATS_ROWS; i++)
		free(st->rows[i]);
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
	} else {
		if (rate < st->min)
			st->min = rate;
		if (rate > st->max) {
			st->max = rate;
			st->max_ts = ts;
		}
	}
	double d = rate - st->shift;
	st->sum += d;
	st->sumsq += d * d;
	st->seconds += seconds;

	if (st->n < STATS_EXACT_MAX) {
		if (st->n == st->exact_cap) {
			size_t cap = st->exact_cap ? st->exact_cap * 2 : 16;
			double *e = realloc(st->exact, cap * sizeof(*e));
			if (!e)
				return -1;
			st->exact = e;
			st->exact_cap = cap;
		}
		st->exact[st->n] = rate;
		st->exact_sorted = false;
	} else {
		if (st->n == STATS_EXACT_MAX) {
			/* switch: pour the exact samples into the histogram, keep
			 * a smaller buffer for batches */
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
		if (st->nbatch == STATS_BATCH && stats_flush(st) < 0)
			return -1;
	}
	st->n++;
	return 0;
}

double stats_mean(const struct stats *st)
{
	return st->n ? st->shift + st->sum / (double)st->n : 0;
}

double stats_stddev(const struct stats *st)
{
	if (st->n < 2)
		return 0;
	double m = st->sum / (double)st->n;
	double v = st->sumsq / (double)st->n - m * m;
	return v > 0 ? sqrt(v) : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void exact_sort(struct stats *st)
{
	if (!st->exact_sorted && st->exact) {
		qsort(st->exact, (size_t)st->n, sizeof(double), cmp_double);
		st->exact_sorted = true;
	}
}

double stats_quantile(struct stats *st, double q)
{
	uint64_t rank, cum;

	if (st->n == 0)
		return 0;
	if (q <= 0)
		return st->min;
	if (q >= 1)
		return st->max;
	rank = (uint64_t)ceil(q * (double)st->n);
	if (rank < 1)
		rank = 1;
	if (stats_is_exact(st)) {
		exact_sort(st);
		return st->exact[rank - 1];
	}
	if (stats_flush(st) < 0)
		return st->max;   /* out of memory: no better answer */
	cum = st->zero;
	if (cum >= rank)
		return st->min < 0 ? st->min : 0;
	for (int r = 0; r < STATS_ROWS; r++) {
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
					mid = st->min;
				return mid;
			}
		}
	}
	return st->max;
}

int stats_for_each_bucket(struct stats *st, stats_bucket_fn fn, void *arg)
{
	uint64_t cum = 0;
	int r;

	if (st->n == 0)
		return 0;
	if (stats_is_exact(st)) {
		exact_sort(st);
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
	if (stats_flush(st) < 0)
		return -1;
	if (st->zero) {
		cum = st->zero;
		if ((r = fn(0, ldexp(1.0, -STATS_MIN_EXP), st->zero, cum, arg)) != 0)
			return r;
	}
	for (int row = 0; row < STATS_ROWS; row++) {
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
