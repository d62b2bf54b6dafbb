/* series.h: a series is one map key of one source, e.g. `@send[4321,
 * mariadbd]` from db1's capture, and the per-interval samples made from it.
 *
 * dbnetio's own maps @send/@recv get pid, comm and direction from their key,
 * and client, client_port and local_port when the capture's key says so
 * (parse.h, "dbnetio's key tuples"; a process key's comm may itself contain
 * ", ": only the first separator splits).  Any other map keeps its name and
 * key tuple as they are.  The series identity is the bpftrace text form of
 * the key (`@send[4321, mariadbd]`); JSON keys ("4321,mariadbd") are
 * converted to it, so text and JSON captures of one run give the same
 * series.
 *
 * A process capture's series are what the report shows.  A client or
 * connection capture's @send/@recv series, and its process totals
 * @psend/@precv, are members instead: the group stage (group.h) sums them
 * into the series the report shows, which are struct series too.
 *
 * HOW TO ADD A WRITER: see writer.h.  Writers read struct series and struct
 * sample; per-series writer state can be kept in an array indexed by
 * series->index (dense over every series of the run, members and groups
 * included, in order of creation).
 */
#ifndef DBNETIO_SERIES_H
#define DBNETIO_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "summary.h"
#include "threshold.h"

/* What the series stage's calls return when they fail (0 when they do not).
 * Only SERIES_EBAD comes with a message in the caller's err; the others say
 * it all: a hook's failure left its own message where the hook keeps it. */
enum series_error {
	SERIES_EBAD = -1,    /* the input is wrong (a key that is none): err says what was expected */
	SERIES_ENOMEM = -2,  /* out of memory */
	SERIES_EHOOK = -3,   /* a sample or dump hook (the engine's, a writer's) failed */
};

/* Why a dump's samples are partial: their bytes count toward totals only. */
enum partial_reason {
	PARTIAL_NONE = 0,  /* a full interval: rate samples */
	PARTIAL_FIRST,     /* format 2's first dump: from attach to the first boundary */
	PARTIAL_FINAL,     /* the last, partial interval (after # dbnetio-final) */
	PARTIAL_REPEATED,  /* its time repeats or precedes the last good dump's */
	PARTIAL_UNTIMED,   /* map entries without a time line */
};

/* One per-interval data point of a series, handed to writers as it is made.
 * Times are labels in whole seconds: a sample is second ts, the interval
 * [ts, end), whatever the exact moments of its two dumps (README, "The
 * capture format"). */
struct sample {
	int64_t ts;        /* start of the interval: the second it is labelled by */
	int64_t end;       /* end of the interval: the next interval's start */
	double seconds;    /* the real time between its dumps, the rate's
			    * denominator (end - ts for integer time lines);
			    * 0 when partial */
	uint64_t bytes;    /* bytes in the interval (delta of the cumulative total) */
	double rate;       /* bytes / seconds; valid when is_rate */
	bool is_rate;      /* a per-second rate sample (counts in the statistics) */
	bool partial;      /* why != PARTIAL_NONE: bytes count toward totals only */
	enum partial_reason why;
	bool timed;        /* the dump had a time line (ts is its time) */
};

#define SERIES_SESSION_USER 1
#define SERIES_SESSION_DATABASE 2
#define SERIES_SESSION_APPLICATION 4

struct series {
	/* private to the series stage (series.c and its hot loop, fastpath.c),
	 * first: what every map entry touches, laid out
	 * as two cache lines (the struct is 64-byte aligned): the key's head,
	 * the prediction and the counter, then the statistics' hot part */
	char line_head[24];      /* the line's first 24 bytes: raw, ": ", zeros */
	uint32_t rawlen;         /* strlen(raw) */
	uint32_t th_mask;        /* bit i: threshold i applies */
	struct series *predicted;      /* who followed it in the previous dump */
	uint64_t last_value;
	uint64_t dump_seq;       /* the source's dump it last appeared in */

	uint64_t total_bytes;    /* all bytes, including partial intervals */
	int64_t last_ts;         /* label of the last timestamped dump it appeared in */
	struct stats stats;      /* of the rate samples */
	int64_t first_ts;        /* label of the first timestamped dump it appeared in */

	unsigned index;          /* dense, order of first appearance */
	unsigned source;         /* index of its struct capture_meta */
	char *raw;               /* identity: "@send[4321, mariadbd]" */
	char *map;               /* "@send" */
	char *key;               /* "4321, mariadbd"; "" for a keyless map */
	const char *direction;   /* "send", "recv", or NULL for other maps */
	long long pid;           /* -1 when not a dbnetio map */
	char *comm;              /* "" when not known */
	char *client;            /* the peer's address ("127.0.0.2", "::1"), or
				  * "overflow" (bytes the capture could not key
				  * by client); "" when the key has none */
	int client_port;         /* the peer's (remote) port, -1 when none */
	int local_port;          /* the server's (local) port, -1 when none */
	char *label;             /* human label: "4321 mariadbd send",
				  * "4321 mariadbd 127.0.0.2:53124>3306 send" */
	uint64_t resets;         /* times its counter went down */
	/* grouped by session attributes (group.h, sessions.h): which ones
	 * (SERIES_SESSION_*), and each one's value, NULL when the grouping has
	 * not got it or the bytes' session is not known (session_unknown:
	 * their client is kept instead) */
	unsigned session_fields;
	bool session_unknown;
	char *db_user, *database, *application;
	struct threshold_state *th; /* one per threshold, NULL if none apply */
	bool grouped;            /* a member: its samples go to the group stage,
				  * it keeps no statistics and no writer sees it */
	bool total;              /* a member that is a process's own total
				  * (@psend/@precv of a client/connection capture) */

	/* private to series.c */
	struct series *hnext;
	uint64_t hash;
};

/* ===== the series stage (used by the engine; writers need none of it) ===== */

struct capture_meta;

/* Called for every sample as its map entry is read (after the series' own
 * stats took it; NULL when nothing else needs samples), then once for each
 * dump as it closes, with the label (interval start) of its samples. */
typedef int (*series_sample_fn)(void *arg, struct series *s, const struct sample *smp);
typedef int (*series_dump_fn)(void *arg, struct capture_meta *meta, int64_t ts, bool partial);

struct series_table {
	struct series **all;     /* in order of creation */
	size_t n, cap;
	unsigned *next_index;    /* the run's series numbering (it counts the
				  * group stage's series too); &own_index unless
				  * the engine shares its counter */
	unsigned own_index;
	struct series **buckets; /* hash table, power-of-two size */
	size_t nbuckets;
	const struct threshold *th;
	size_t nth;
	series_sample_fn on_sample;
	series_sample_fn on_member;   /* every sample of a member (s->grouped) */
	series_dump_fn on_dump;
	void *arg;
};

/* Per-source dump state. */
struct series_source {
	struct capture_meta *meta;
	bool counters_forced;    /* --counters given: ignore the header's */
	bool interval_counters;
	bool in_dump;
	bool dump_partial;
	bool dump_timed;
	bool final_next;
	bool have_prev;               /* a good dump was seen: prev_at, prev_us */
	enum partial_reason why;      /* of the open dump */
	int64_t ts, end;              /* the open dump's samples: [ts, end) */
	int64_t at;                   /* the open dump's own time, whole seconds
				       * (format 2: its boundary) */
	int64_t prev_at, prev_us;     /* the last good dump: boundary (whole
				       * seconds) and exact time (microseconds) */
	double dump_seconds;
	int64_t clock_offset;    /* HH:MM:SS input: days passed, in seconds */
	int64_t last_clock;
	bool have_clock;
	uint64_t dump_seq;            /* numbers the dumps, from 1 */
	bool is_rate, one;            /* this dump's samples are rates; over 1 s */
	double inv;                   /* 1 / dump_seconds */
	struct series *first, *last;  /* of the current dump, in order */
	struct series *prev_head;     /* first series of the previous dump */
	struct series *pred;          /* predicted next series */
};

#define SERIES_MAX_THRESHOLDS 32

int series_table_init(struct series_table *t, const struct threshold *th, size_t nth,
		      series_sample_fn on_sample, series_dump_fn on_dump, void *arg);
void series_table_free(struct series_table *t);
void series_source_init(struct series_source *src, struct capture_meta *meta);
void series_source_free(struct series_source *src);
/* How a time line was written (series_time()'s flags). */
#define SERIES_TIME_CLOCK 1   /* ts is seconds since midnight (HH:MM:SS) */
#define SERIES_TIME_FRAC 2    /* S.ffffff (format 2): usec holds the fraction */
#define SERIES_TIME_PER_LINE 4 /* the BCC format: every map line carries its time,
				* and the open dump's own time again is no new dump */
/* A time line: closes the open dump and opens one at ts + usec/10^6.  0,
 * or SERIES_EHOOK when the closed dump's hook failed. */
int series_time(struct series_table *t, struct series_source *src, int64_t ts, uint32_t usec,
		unsigned flags, char *err, size_t errlen);
/* A map entry (key in text form): 0, or a series_error (SERIES_EBAD with
 * err when the key is not one).  The fast path (fastpath.h) takes most
 * lines before they get here. */
int series_value(struct series_table *t, struct series_source *src, const char *key,
		 size_t keylen, uint64_t value, char *err, size_t errlen);
/* "# dbnetio-final": the next dump is a partial interval. */
void series_final_marker(struct series_source *src);
/* Close the open dump, if any: its dump-end marker, the next time line,
 * "# dbnetio-final" or the end of input (never a quiet input).  0, or
 * SERIES_EHOOK when a dump hook failed. */
int series_close_dump(struct series_table *t, struct series_source *src, char *err, size_t errlen);

/* ===== shared with the group stage ===== */

/* Account one sample into a series' own numbers: its total bytes (saturating
 * at 2^64-1), the first and last timestamped dump it was in and, for a rate
 * sample, its statistics.  0, or -1 when out of memory.  Inline: the series
 * stage runs it for every map entry of a process capture. */
static inline __attribute__((always_inline)) int series_add_sample(struct series *s,
								   const struct sample *smp)
{
	if (__builtin_add_overflow(s->total_bytes, smp->bytes, &s->total_bytes))
		s->total_bytes = UINT64_MAX;
	if (smp->timed) {
		if (!s->last_ts)
			s->first_ts = smp->ts;
		s->last_ts = smp->ts;
	}
	return smp->is_rate ? stats_add(&s->stats, smp->rate, smp->seconds, smp->ts) : 0;
}
/* The hash of a series' identity, source and key text (FNV-1a, folded). */
uint64_t series_hash_key(unsigned source, const char *s, size_t len);
/* Its client as people read it: "127.0.0.2", "overflow", by connection
 * "127.0.0.2:53124>3306" or "[::1]:53124>3306" (remote port > local port);
 * "" when it has none.  Returns buf. */
#define SERIES_CLIENT_TEXT_MAX 80
const char *series_client_text(const struct series *s, char *buf, size_t len);
/* Make s->label from its pid, comm, client, ports and direction (or its raw
 * key for maps that are not dbnetio's).  0, or -1 when out of memory. */
int series_set_label(struct series *s);
/* Its session attributes as people read them, escaped for a terminal:
 * "user=app1 db=shop", "(unknown session)"; NULL when it is not grouped by
 * session (or out of memory).  malloc'd. */
char *series_session_text(const struct series *s);
/* Free s and everything it owns (NULL is fine); nth: how many thresholds
 * its state was made for. */
void series_free(struct series *s, size_t nth);
/* Give s its per-threshold state and its mask of the thresholds among
 * th[0..nth) that apply to its map and direction.  0, or -1 when out of
 * memory. */
int series_watch(struct series *s, const struct threshold *th, size_t nth);
/* Append s to the growable array *all of *n entries (capacity *cap),
 * doubling it from 64 when full.  0, or -1 when out of memory (the array is
 * then unchanged). */
int series_array_push(struct series ***all, size_t *n, size_t *cap, struct series *s);

/* ===== shared with the fast path (fastpath.c) =====
 *
 * The fast path is the series stage's own hot loop, in a file of its own
 * because it is text parsing: it reads the private fields above, and
 * accounts each line it takes here. */

/* Account value to s, the open dump's next series, and make its sample:
 * the delta (or the value itself, with interval counters; a counter that
 * went down is a reset), the prediction for the next dump, the series' own
 * numbers and the hooks.  0, SERIES_ENOMEM or SERIES_EHOOK. */
static inline __attribute__((always_inline)) int
series_account(struct series_table *t, struct series_source *src, struct series *s,
	       uint64_t value)
{
	uint64_t delta;

	src->pred = s->predicted;        /* the previous dump's order */
	s->dump_seq = src->dump_seq;
	if (src->interval_counters) {
		delta = value;
	} else {
		if (value >= s->last_value) {
			delta = value - s->last_value;
		} else {
			/* the counter went down: the capture restarted from zero */
			delta = value;
			s->resets++;
			src->meta->counts.resets++;
		}
		s->last_value = value;
	}
	if (src->last)
		src->last->predicted = s;    /* this dump's order, for the next one */
	else
		src->first = s;
	src->last = s;
	src->meta->counts.map_lines++;
	/* x * (1/1) is exact; other intervals get one rounding either way */
	double rate = !src->is_rate ? 0 : src->one ? (double)delta : (double)delta * src->inv;
	struct sample smp = {
		.ts = src->ts,
		.end = src->end,
		.seconds = src->dump_partial ? 0 : src->dump_seconds,
		.bytes = delta,
		.rate = rate,
		.is_rate = src->is_rate,
		.partial = src->dump_partial,
		.timed = src->dump_timed,
		.why = src->why,
	};
	if (__builtin_expect(s->grouped, 0)) {
		/* a member: the group stage keeps the numbers */
		if (t->on_member && t->on_member(t->arg, s, &smp) < 0)
			return SERIES_EHOOK;
		return 0;
	}
	if (series_add_sample(s, &smp) < 0)
		return SERIES_ENOMEM;
	if (t->on_sample && t->on_sample(t->arg, s, &smp) < 0)
		return SERIES_EHOOK;
	return 0;
}

#endif
