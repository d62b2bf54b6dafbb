/* test_stats.c: streaming statistics against brute force, and the
 * documented <= 1% quantile error once the histogram takes over. */
#include <stdlib.h>

#include "../../postproc/stats.h"
#include "unit.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* nearest rank on a sorted array */
static double rank_q(const double *v, size_t n, double q)
{
	size_t r = (size_t)ceil(q * (double)n);
	if (r < 1)
		r = 1;
	return v[r - 1];
}

static uint64_t rng = 88172645463325252ull;
static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void small_exact(void)
{
	struct stats st;
	double v[] = { 5, 1, 4, 2, 3 };

	stats_init(&st);
	for (int i = 0; i < 5; i++)
		stats_add(&st, v[i], 1, 100 + i);
	UNIT_EQ_U64("stats n", 5, st.n);
	UNIT_EQ_DBL("stats min", 1, stats_min(&st), 0);
	UNIT_EQ_DBL("stats max", 5, st.max, 0);
	UNIT_EQ_U64("stats peak timestamp", 100, st.max_ts);
	UNIT_EQ_DBL("stats mean", 3, stats_mean(&st), 1e-12);
	UNIT_EQ_DBL("stats population stddev", sqrt(2.0), stats_stddev(&st), 1e-12);
	UNIT_EQ_DBL("stats p50 nearest rank", 3, stats_quantile(&st, 0.5), 0);
	UNIT_EQ_DBL("stats p90 nearest rank", 5, stats_quantile(&st, 0.9), 0);
	UNIT_EQ_DBL("stats p20 nearest rank", 1, stats_quantile(&st, 0.2), 0);
	UNIT_TRUE("stats exact while small", stats_is_exact(&st));
	stats_free(&st);

	/* the mean is over time: 1000 B/s for 1 s, then 2000 B/s averaged over
	 * a 3 s gap, is 7000 B in 4 s, not the samples' mean 1500 */
	stats_init(&st);
	stats_add(&st, 1000, 1, 10);
	stats_add(&st, 2000, 3, 11);
	UNIT_EQ_DBL("stats mean is bytes over seconds", 1750, stats_mean(&st), 1e-12);
	UNIT_EQ_DBL("stats bytes of the rate samples", 7000, stats_bytes(&st), 1e-12);
	UNIT_EQ_DBL("stats stddev is over the samples, each once", 500, stats_stddev(&st), 1e-9);
	stats_free(&st);
	stats_init(&st);
	UNIT_EQ_DBL("stats mean of nothing is 0", 0, stats_mean(&st), 0);
	stats_free(&st);

	stats_init(&st);
	UNIT_EQ_DBL("stats empty quantile is 0", 0, stats_quantile(&st, 0.5), 0);
	stats_add(&st, 7, 1, 1);
	UNIT_EQ_DBL("stats single sample stddev 0", 0, stats_stddev(&st), 0);
	stats_free(&st);

	/* large equal values: a naive sum of squares would cancel badly */
	stats_init(&st);
	for (int i = 0; i < 1000; i++)
		stats_add(&st, 1e12 + (i % 2), 1, i);
	UNIT_EQ_DBL("stats stddev stable for large values", 0.5, stats_stddev(&st), 1e-6);
	stats_free(&st);
}

static int count_cb(double lo, double hi, uint64_t count, uint64_t cum, void *arg)
{
	uint64_t *last = arg;
	(void)lo;
	(void)hi;
	if (cum != last[0] + count)
		last[1] = 1;
	last[0] = cum;
	return 0;
}

/* Against brute force on distributions with very different shapes. */
static void histogram_error(void)
{
	const size_t n = 200000;
	double *v = malloc(n * sizeof(*v));
	const char *names[] = { "uniform", "lognormal-ish", "bimodal with zeros" };
	double worst = 0;

	for (int d = 0; d < 3; d++) {
		struct stats st;
		stats_init(&st);
		for (size_t i = 0; i < n; i++) {
			double x;
			if (d == 0)
				x = 1000 + urand() * 1e6;
			else if (d == 1)
				x = floor(exp(urand() * 25));
			else
				x = urand() < 0.3 ? 0 : (urand() < 0.5 ? 5e3 + urand() * 100 : 8e8 + urand() * 1e6);
			v[i] = x;
			stats_add(&st, x, 1, (int64_t)i);
		}
		qsort(v, n, sizeof(*v), cmp);
		double qs[] = { 0.5, 0.9, 0.95, 0.99 };
		for (int k = 0; k < 4; k++) {
			double exact = rank_q(v, n, qs[k]), got = stats_quantile(&st, qs[k]);
			double rel = exact ? fabs(got - exact) / exact : fabs(got);
			if (rel > worst)
				worst = rel;
			char name[128];
			snprintf(name, sizeof(name), "histogram p%g within 1%% (%s)", qs[k] * 100, names[d]);
			UNIT_EQ_DBL(name, exact, got, exact * 0.01);
		}
		char name[128];
		snprintf(name, sizeof(name), "histogram max stays exact (%s)", names[d]);
		UNIT_EQ_DBL(name, v[n - 1], st.max, 0);
		UNIT_TRUE("histogram mode after 1024 samples", !stats_is_exact(&st));
		uint64_t acc[2] = { 0, 0 };
		stats_for_each_bucket(&st, count_cb, acc);
		snprintf(name, sizeof(name), "histogram CDF reaches n (%s)", names[d]);
		UNIT_TRUE(name, acc[0] == n && acc[1] == 0);
		/* A row is one power of two: no more rows than the powers of two the
		 * samples span (STATS_ROWS, the slots there are, would bound
		 * nothing). */
		int rows = 0;
		for (int r = 0; r < STATS_ROWS; r++)
			rows += st.rows && st.rows[r] != NULL;
		double lo = 0;
		for (size_t i = 0; i < n; i++)
			if (v[i] >= 1 && (lo == 0 || v[i] < lo))
				lo = v[i];
		int span = lo > 0 ? (int)floor(log2(v[n - 1])) - (int)floor(log2(lo)) + 1 : 1;
		snprintf(name, sizeof(name), "histogram memory bounded: %d rows of %u buckets for %d powers of two (%s)",
			 rows, STATS_SUB_BUCKETS, span, names[d]);
		UNIT_TRUE(name, rows >= 1 && rows <= span && st.exact_cap <= STATS_BATCH);
		stats_free(&st);
	}
	printf("# worst quantile relative error: %.4f%%\n", worst * 100);
	free(v);
}

/* The queries only read (they take const): on statistics nobody finished
 * they answer from a finished copy, the same as after stats_finish(), and
 * leave the original as it was; stats_finish() makes it finished. */
static void finish_and_const_queries(void)
{
	for (int mode = 0; mode < 2; mode++) {
		struct stats st;
		size_t n = mode ? 5000 : 700;   /* exact, then histogram with a batch pending */
		char name[160];

		stats_init(&st);
		for (size_t i = 0; i < n; i++)
			stats_add(&st, (double)((i * 7919) % 1000 + 1), 1, (int64_t)i);
		const struct stats *view = &st;
		UNIT_TRUE(mode ? "histogram: unfinished after adds (a batch pending)"
			       : "exact: unfinished after adds (not sorted)", !stats_is_finished(view));
		double before[4], after[4];
		static const double q[4] = { 0.5, 0.9, 0.99, 0.01 };
		for (int k = 0; k < 4; k++)
			before[k] = stats_quantile(view, q[k]);
		uint64_t acc[2] = { 0, 0 };
		stats_for_each_bucket(view, count_cb, acc);
		snprintf(name, sizeof(name), "%s: the queries left it unfinished (they only read)",
			 mode ? "histogram" : "exact");
		UNIT_TRUE(name, !stats_is_finished(view));
		snprintf(name, sizeof(name), "%s: the CDF of unfinished statistics reaches n",
			 mode ? "histogram" : "exact");
		UNIT_TRUE(name, acc[0] == n);
		UNIT_TRUE(mode ? "histogram: stats_finish" : "exact: stats_finish",
			  stats_finish(&st) == 0 && stats_is_finished(view));
		int same = 1;
		for (int k = 0; k < 4; k++) {
			after[k] = stats_quantile(view, q[k]);
			same &= before[k] == after[k];
		}
		snprintf(name, sizeof(name), "%s: quantiles the same before and after stats_finish "
			 "(p50 %g, p99 %g)", mode ? "histogram" : "exact", after[0], after[2]);
		UNIT_TRUE(name, same);
		if (!mode) {
			/* the reference: the 350th smallest of the 700 values */
			double v[700];
			for (size_t i = 0; i < 700; i++)
				v[i] = (double)((i * 7919) % 1000 + 1);
			qsort(v, 700, sizeof(*v), cmp);
			UNIT_EQ_DBL("exact: p50 is the nearest rank of a sorted copy", v[349], after[0], 0);
		}
		stats_add(&st, 3, 1, 0);
		UNIT_TRUE(mode ? "histogram: a sample unfinishes it" : "exact: a sample unfinishes it",
			  !stats_is_finished(view));
		stats_free(&st);
	}
}

int main(void)
{
	small_exact();
	histogram_error();
	finish_and_const_queries();
	UNIT_DONE();
}
