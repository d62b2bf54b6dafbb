/* summary.h: what dbnetio-report knows about a capture once it has read it.
 *
 * These are the public structures every writer consumes: capture metadata
 * (one per input source), series (one per map key per source, or per group
 * of a client or connection capture's keys: group.h) with their statistics
 * and alerts, and the end-of-run summary that ties them together.  They are
 * filled by the stages (input -> parse -> series -> group -> stats/threshold)
 * and only read by writers.
 *
 * HOW TO ADD A WRITER: see writer.h.  A writer never includes a stage's
 * private state; everything it may read is declared here, in series.h,
 * stats.h and threshold.h, and these headers stay stable.
 */
#ifndef DBNETIO_SUMMARY_H
#define DBNETIO_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct series;
struct threshold;

/* Counters of everything in a source that was not a clean data line.  None
 * of these is silently folded into the numbers: each is reported. */
struct capture_counts {
	uint64_t lines;          /* lines read */
	uint64_t dumps;          /* timestamped dumps seen */
	uint64_t map_lines;      /* map entries parsed */
	uint64_t lost_events;    /* sum of bpftrace's "Lost N events" */
	uint64_t lost_notices;   /* how many such notices */
	uint64_t gaps;           /* dumps that came later than one interval */
	uint64_t missing_seconds;/* seconds those gaps left without a dump */
	uint64_t duplicates;     /* dumps with the same timestamp as the last */
	uint64_t backwards;      /* dumps with an earlier timestamp */
	uint64_t resets;         /* counters that went down (capture restarted) */
	uint64_t bad_lines;      /* skipped under --lenient */
	uint64_t long_lines;     /* longer than the maximum line length */
	uint64_t truncated;      /* an unterminated last line, discarded */
	uint64_t warnings;       /* WARNING:/ERROR: lines from bpftrace */
	uint64_t unsupported;    /* histogram/stats maps, which are not series */
	uint64_t untimed;        /* map lines before any timestamp */
	uint64_t partial_dumps;  /* dumps after "# dbnetio-final" or without a time line */
};

/* What a capture's @send/@recv maps are keyed by (README, "The capture
 * format"): [PID, COMM], [PID, COMM, ADDR] or [PID, COMM, ADDR, RPORT,
 * LPORT].  The order is the fineness: a finer key can be grouped coarser. */
enum capture_key {
	CAPTURE_KEY_PROCESS = 0,
	CAPTURE_KEY_CLIENT = 1,
	CAPTURE_KEY_CONNECTION = 2,
};

/* One input source (a file, or stdin).  Strings are NUL-terminated, never
 * NULL (empty when unknown).  Timestamps are Unix epoch seconds unless
 * clock_of_day is set (HH:MM:SS input): then they are seconds since the
 * first line's midnight, and carry over midnight. */
struct capture_meta {
	unsigned index;          /* 0..nsources-1, order of the command line */
	char *file;              /* path as given, "-" for stdin */
	unsigned part;           /* 1, or n for the n-th capture of one stream
				  * (`cat a.txt b.txt |`: a header after a
				  * capture's header or dumps starts the next) */
	char *label;             /* host= from the header, else file basename
				  * ("stdin"), "#n" added for part n */
	char *host, *kernel, *probe, *filter, *variant;
	int format_version;      /* 0 when the stream had no dbnetio header */
	enum capture_key key;    /* the header's key= (format 1, or none: process);
				  * a header-less stream's is inferred from its
				  * first @send/@recv key */
	bool key_known;          /* key is final: from a header, or inferred */
	unsigned interval;       /* seconds between dumps (header, else 1) */
	bool interval_from_header; /* the header said interval= */
	bool interval_counters;  /* maps are cleared every dump (counters=interval) */
	bool clock_of_day;       /* timestamps were HH:MM:SS */
	bool legacy_bcc;         /* the original BCC program's line format */
	bool json;               /* bpftrace -f json */
	bool have_time;          /* start/end valid */
	int64_t start, end;      /* start of the first full interval, end of the last */
	double seconds;          /* real seconds of its full intervals (a series in
				  * every dump has these SECS): what a mean over
				  * the whole capture divides by */
	struct capture_counts counts;
	/* the database's sessions recorded with it (sessions.h), loaded when
	 * the report groups by user, database or application; NULL otherwise */
	struct session_log *sessions;
};

/* The end-of-run summary handed to writer finish() hooks. */
struct summary {
	struct capture_meta **sources;
	size_t nsources;
	const struct series *const *series; /* report order (--sort): the series
				  * --top keeps first, [0, nseries), then the rest;
				  * their statistics are finished (stats.h) */
	size_t nseries;              /* series shown (all without --top) */
	size_t nseries_all;          /* entries in series[] */
	/* What --top ranks and keeps: processes, or clients or connections
	 * when the series are grouped so (a process's send and recv series
	 * are one entry); a map not dbnetio's is an entry of its own. */
	size_t top;                  /* --top N, 0 when not given */
	const char *ranked;          /* "processes", "clients", "connections", "series" */
	size_t nranked, nranked_all; /* entries kept, and in all */
	const struct threshold *thresholds;
	size_t nthresholds;
	/* Alerts are never hidden by --top: every series with an alert, in
	 * report order, and each threshold's alerts over all series. */
	const struct series *const *alerted;
	size_t nalerted;
	const uint64_t *alerts_total;    /* [nthresholds] */
	bool crossed;                /* some threshold fired: exit status 2 */
	bool interrupted;            /* Ctrl-C in --live: summary so far */
};

#endif
