/* threshold.h: rate thresholds and the alert state machine.
 *
 * A threshold is parsed from `send>50MiB/s`, `recv>=1MB/s for 5s`, `any>...`,
 * `@mymap>...` or `send>50MiB/s for 5s merge 10s` by the one grammar
 * THRESHOLD_GRAMMAR below (README and --help print it too), and applies to
 * every matching series separately.  Per series an alert starts when the rate
 * has stayed above the limit for the sustain time (contiguous intervals).  It
 * ends once the rate has stayed at or below the limit for the merge window
 * (default THRESHOLD_MERGE_DEFAULT seconds): a dip shorter than the window is
 * part of the alert, so one episode with brief dips is one alert; `merge 0s`
 * ends it at the first interval at or below.  A gap in the input ends it too
 * (an alert never spans unseen time), and so does the end of the input: then
 * it is "open" if it was above at the end.  An alert records start
 * (beginning of its first interval above), end (end of its last interval
 * above), peak rate and the bytes over the limit (of its intervals above).
 * Sustain, dips and time above are counted in labelled seconds (end - start
 * of each interval), so a dump a little early or late neither shortens nor
 * lengthens them; bytes over use the real seconds the rate was measured
 * over.  Time above the limit is counted whether or not it lasted long
 * enough to alert.
 *
 * HOW TO ADD A WRITER: see writer.h; writers read struct alert and the
 * per-series struct threshold_state, never change them.
 */
#ifndef DBNETIO_THRESHOLD_H
#define DBNETIO_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The grammar, as --help prints it.  Keep README ("What the outputs mean")
 * and man/dbnetio-report.1 in step. */
#define THRESHOLD_GRAMMAR \
"  SPEC      TARGET OP RATE [for DURATION] [merge DURATION]\n" \
"  TARGET    send, recv, any or @MAP (a map of the capture, e.g. @send)\n" \
"  OP        > or >=\n" \
"  RATE      NUMBER UNIT[/s], per second ('/s' may be left out)\n" \
"  NUMBER    decimal: 50, 1.5 (no sign, no exponent, no hex)\n" \
"  UNIT      B; KB MB GB TB (1000-based); KiB MiB GiB TiB (1024-based);\n" \
"            required, case as written\n" \
"  DURATION  a whole number and s, m or h: 5s, 2m, 1h (at most 7 days)\n" \
"  for       how long the rate must stay over before it alerts (default 0s)\n" \
"  merge     how long it must stay at or below before the alert ends;\n" \
"            shorter dips are part of the alert (default 5s; 0s: none)\n" \
"  Spaces may separate the parts: 'recv >= 1.5 GB for 2 m'.\n"

enum threshold_target { TH_SEND, TH_RECV, TH_ANY, TH_MAP };

struct threshold {
	char *spec;              /* as given on the command line */
	enum threshold_target target;
	char *map;               /* "@name" for TH_MAP */
	double limit;            /* bytes per second */
	bool inclusive;          /* >= instead of > */
	unsigned sustain;        /* seconds; 0 = any single interval */
	unsigned merge;          /* seconds at or below that end an alert */
};

/* The merge window when a spec gives none: dips of up to 4 s inside an
 * episode do not split it (a busy server's rate wavers around a limit), and
 * an alert still ends within seconds of the episode's end. */
#define THRESHOLD_MERGE_DEFAULT 5

/* Alerts kept per series and threshold; more are counted, not stored. */
#define THRESHOLD_MAX_ALERTS 1000

struct alert {
	unsigned threshold;      /* index into the threshold array */
	int64_t start, end;      /* epoch seconds (start of first interval, end of last) */
	int64_t last;            /* start of the last interval above, the one
				  * that fired or extended it */
	double peak;             /* bytes/s */
	int64_t peak_ts;         /* start of the peak interval */
	double bytes_over;       /* bytes above limit*seconds over the alert */
	bool open;               /* still above when the input ended */
};

/* Per series and threshold. */
struct threshold_state {
	/* the run of contiguous intervals above the limit being watched */
	bool in_run;
	int64_t run_start, run_end;
	double run_seconds, run_peak, run_over;
	int64_t run_peak_ts;
	bool firing;             /* the run has become an alert */
	struct alert cur;        /* the alert while firing */
	bool in_dip;             /* firing, and at or below the limit since
				  * run_end: the dip is [run_end, dip_end) */
	int64_t dip_end;
	/* results */
	double seconds_above;
	struct alert *alerts;    /* at most THRESHOLD_MAX_ALERTS */
	size_t nalerts;          /* stored */
	uint64_t alerts_total;   /* including those not stored */
};

/* Parse a spec; fills *th.  Returns 0, or -1 with a message in err. */
int threshold_parse(const char *spec, struct threshold *th, char *err, size_t errlen);
void threshold_free(struct threshold *th);
/* Do a and b watch the same thing the same way (target, limit, >=, sustain, merge),
 * however they were written? */
bool threshold_same(const struct threshold *a, const struct threshold *b);
/* Does threshold th watch a series of this map ("@send", ...)? */
bool threshold_applies(const struct threshold *th, const char *map, const char *direction);

/* Feed one rate sample, interval [start, end) measured over `seconds` real
 * seconds, to a state.  Returns a bitmask: THRESHOLD_FIRED when an alert just
 * started (copied to *fired), THRESHOLD_ENDED when one just ended (copied to
 * *ended); both can happen when a gap separates two runs above the limit.
 * -1 on allocation failure. */
#define THRESHOLD_FIRED 1
#define THRESHOLD_ENDED 2
int threshold_feed(struct threshold_state *st, const struct threshold *th,
		   unsigned index, double rate, double seconds, int64_t start, int64_t end,
		   struct alert *ended, struct alert *fired);
/* End of input: an alert still firing is stored as open.  Returns
 * THRESHOLD_ENDED if there was one (copied to *out if not NULL). */
int threshold_finish(struct threshold_state *st, struct alert *out);
void threshold_state_free(struct threshold_state *st);

#endif
