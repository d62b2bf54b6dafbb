/* stats.h: streaming statistics of one series' per-interval rates.
 *
 * The mean is over time, not over samples: the bytes of the rate intervals
 * divided by their seconds (README, "What the outputs mean": MEAN = those
 * bytes / SECS), so an interval that averaged a 3 s gap weighs 3 s, and a
 * format-2 interval of 1.03 s weighs 1.03 s.  Minimum, maximum, standard
 * deviation and quantiles are over the samples, each interval once.
 *
 * Memory is bounded however long the capture: min/max/mean/stddev are running
 * sums, and quantiles are exact while a series has at most STATS_EXACT_MAX
 * samples (kept, sorted on demand), then switch to a log-linear histogram of
 * STATS_SUB_BUCKETS buckets per power of two whose representative value (the
 * bucket middle) is within 1/(2*STATS_SUB_BUCKETS) = 0.78% of any value in
 * it: the documented bound is <= 1% relative error for p50..p99.  max and min
 * are always exact.
 *
 * Per sample, only n, max, its time and the seconds are updated; the sample
 * itself is stored (exact buffer, or a batch once in histogram mode) and
 * folded into min, the sums and the histogram a batch at a time, or when a
 * query needs it.  One series' state is then touched in a burst, which keeps
 * it in cache: per-sample updates were the benchmark's cache misses.
 *
 * Writers read struct stats through the functions below only, and all of
 * those take it const.
 */
#ifndef DBNETIO_STATS_H
#define DBNETIO_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_EXACT_MAX 1024
#define STATS_BATCH 256
#define STATS_SUB_BITS 6
#define STATS_SUB_BUCKETS (1u << STATS_SUB_BITS)
/* Histogram rows cover 2^-STATS_MIN_EXP .. 2^STATS_MAX_EXP bytes/s; smaller
 * rates are counted as zero, larger ones in the top row. */
#define STATS_MIN_EXP 10
#define STATS_MAX_EXP 66
#define STATS_ROWS (STATS_MIN_EXP + STATS_MAX_EXP)

struct stats {
	/* kept up to date by every sample (writers may read these five) */
	uint64_t n;              /* rate samples */
	double max;
	int64_t max_ts;          /* timestamp of the peak interval */
	double seconds;          /* seconds those samples cover */
	double bytes;            /* bytes those samples cover: the sum of rate x
				  * seconds, each interval's bytes to within a
				  * rounding (exact for whole seconds) */
	/* buffered samples */
	double *exact;           /* first samples, while n <= STATS_EXACT_MAX;
				  * then a batch of samples not yet folded in */
	size_t nbatch;
	size_t exact_cap;
	/* folded in when a batch is full or on a query: use stats_min(),
	 * stats_mean(), stats_stddev() rather than these */
	size_t folded;           /* exact[0..folded) are in min/sum/sumsq */
	double min;
	double shift;            /* first sample: sums are taken around it */
	double sum, sumsq;       /* of (x - shift), for a stable variance */
	bool exact_sorted;
	uint64_t zero;           /* histogram: rates below 2^-STATS_MIN_EXP */
	uint32_t **rows;         /* histogram: STATS_ROWS row pointers, each row
				  * allocated on first use; NULL until needed */
};

void stats_init(struct stats *st);
void stats_free(struct stats *st);
/* Add one rate sample covering `seconds` seconds and ending at ts.
 * Returns 0, or -1 on allocation failure.  Inline: it runs once per sample
 * (8 million times in the benchmark); stats_add_slow() does the rest. */
int stats_add_slow(struct stats *st, double rate, double seconds, int64_t ts);
static inline int stats_add(struct stats *st, double rate, double seconds, int64_t ts)
{
	if (st->n == 0 || st->n == STATS_EXACT_MAX ||
	    (st->n < STATS_EXACT_MAX ? st->n == st->exact_cap : st->nbatch + 1 >= STATS_BATCH))
		return stats_add_slow(st, rate, seconds, ts);
	if (rate > st->max) {
		st->max = rate;
		st->max_ts = ts;
	}
	st->seconds += seconds;
	st->bytes += rate * seconds;
	if (st->n < STATS_EXACT_MAX) {
		st->exact[st->n] = rate;
		st->exact_sorted = false;
	} else {
		st->exact[st->nbatch++] = rate;
	}
	st->n++;
	return 0;
}
double stats_min(const struct stats *st);
/* The mean rate over time: bytes / seconds of the rate samples (0 without
 * any).  Every output's MEAN is this one number. */
double stats_mean(const struct stats *st);
/* The bytes of the rate samples (the mean's numerator): a series' total
 * minus its partial intervals' bytes. */
double stats_bytes(const struct stats *st);
/* Population standard deviation of the samples (each interval once). */
double stats_stddev(const struct stats *st);
/* Fold the buffered samples and sort the exact ones, so that the queries
 * below only read: the engine finishes every series' statistics before any
 * writer's finish() sees them.  0, or -1 when out of memory.  More samples
 * may follow; they unfinish it. */
int stats_finish(struct stats *st);
/* Has stats_finish() run since the last sample? */
bool stats_is_finished(const struct stats *st);
/* Quantile q in [0,1] by the nearest-rank method (the smallest sample with at
 * least q*n samples at or below it).  Exact while stats_is_exact().  Cheap
 * on finished statistics; on others it works on a finished copy. */
double stats_quantile(const struct stats *st, double q);
bool stats_is_exact(const struct stats *st);
/* Visit the rate distribution in ascending order: each call gets a bucket
 * [lo, hi] (lo == hi for exact samples), its count and the cumulative count
 * so far (cum/n is the CDF).  Stops when fn returns non-zero. */
typedef int (*stats_bucket_fn)(double lo, double hi, uint64_t count,
			       uint64_t cum, void *arg);
int stats_for_each_bucket(const struct stats *st, stats_bucket_fn fn, void *arg);

#endif
