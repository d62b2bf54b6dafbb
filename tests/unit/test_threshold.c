/* test_threshold.c: threshold specs and the alert state machine. */
#include <stdlib.h>

#include "../../postproc/threshold.h"
#include "../../postproc/units.h"
#include "unit.h"

static char err[512];

/* The one grammar (THRESHOLD_GRAMMAR): each accepted form with what it
 * means, each refused one with the words its message must hold. */
static const struct {
	const char *spec;
	int target;
	double limit;
	int inclusive;
	unsigned sustain;
} good[] = {
	{ "send>50MiB/s", TH_SEND, 50.0 * 1048576, 0, 0 },
	{ "recv>=1MB/s for 5s", TH_RECV, 1e6, 1, 5 },
	{ "@bytes>10KiB for 2m", TH_MAP, 10240, 0, 120 },   /* '/s' may be left out */
	{ "any>1.5GB/s", TH_ANY, 1.5e9, 0, 0 },
	{ "send>100B/s for 5h", TH_SEND, 100, 0, 5 * 3600 },
	{ "send>0B/s", TH_SEND, 0, 0, 0 },
	{ "send>1KB", TH_SEND, 1e3, 0, 0 },
	{ "send>1GB", TH_SEND, 1e9, 0, 0 },
	{ "send>2TB/s", TH_SEND, 2e12, 0, 0 },
	{ "send>1KiB", TH_SEND, 1024, 0, 0 },
	{ "send>2GiB/s", TH_SEND, 2147483648.0, 0, 0 },
	{ "send>1TiB/s", TH_SEND, 1099511627776.0, 0, 0 },
	{ "recv >= 1.5 GB for 2 m", TH_RECV, 1.5e9, 1, 120 },
	{ "send>1B/s for 0s", TH_SEND, 1, 0, 0 },
	{ "send>1B/s for 7h", TH_SEND, 1, 0, 7 * 3600 },
};

static const struct {
	const char *spec, *says;
} bad[] = {
	{ "send>50", "expected a unit after 50" },
	{ "send>100 for 3s", "expected a unit after 100" },
	{ "send>0x10B/s", "no hex" },
	{ "send>0X10B/s", "no hex" },
	{ "send>-1B/s", "no sign" },
	{ "send>+1B/s", "no sign" },
	{ "send>1e3B/s", "unknown unit 'e3B'" },
	{ "send>.5B/s", "decimal number" },
	{ "send>5.B/s", "digits after the '.'" },
	{ "send>5kB/s", "unknown unit 'kB'" },
	{ "send>5mb/s", "unknown unit 'mb'" },
	{ "send>5XB/s", "unknown unit" },
	{ "send>5MiB/h", "a rate is per second" },
	{ "send>5MiB/s/s", "unexpected '/s' after the rate" },
	{ "send>5MiB/s for 5", "expected a unit after 5: s, m or h" },
	{ "send>5MiB/s for 5d", "unknown duration unit 'd'" },
	{ "send>5MiB/s for 1.5m", "unknown duration unit '.5m'" },
	{ "send>5MiB/s for ever", "expected a duration" },
	{ "send>5MiB/s for", "expected a duration" },
	{ "send>5MiB/s for 8d", "unknown duration unit" },
	{ "send>5MiB/s for 169h", "longer than 604800 s" },
	{ "send>5MiB/s for 99999999999999999999s", "longer than" },
	{ "send>5MiB/s for 5s for 6s", "'for' given twice" },
	{ "send>5MiB/s fro 5s", "unexpected 'fro 5s' after the rate" },
	{ "send>5MiB/s 5s", "unexpected '5s'" },
	{ "send<5MiB/s", "expected send>RATE" },
	{ "sent>5MiB/s", "unknown target 'sent'" },
	{ ">5MiB/s", "unknown target ''" },
	{ "@>5MiB/s", "unknown target '@'" },
	{ "@bo-gus>5MiB/s", "expected a map name after '@'" },
	{ "send>", "expected a rate" },
	{ "send>=", "expected a rate" },
	{ "send>>5B/s", "decimal number" },
};

static void specs(void)
{
	struct threshold t;
	char name[160];
	int rc;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		rc = threshold_parse(good[i].spec, &t, err, sizeof(err));
		snprintf(name, sizeof(name), "grammar accepts '%s'", good[i].spec);
		UNIT_TRUE(name, rc == 0 && (int)t.target == good[i].target &&
			  t.limit == good[i].limit && (int)t.inclusive == good[i].inclusive &&
			  t.sustain == good[i].sustain);
		if (rc == 0)
			threshold_free(&t);
	}
	rc = threshold_parse("@bytes>10KiB for 2m", &t, err, sizeof(err));
	UNIT_EQ_STR("grammar: the map's name", "@bytes", rc == 0 ? t.map : NULL);
	if (rc == 0)
		threshold_free(&t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = threshold_parse(bad[i].spec, &t, err, sizeof(err));
		snprintf(name, sizeof(name), "grammar refuses '%s'", bad[i].spec);
		UNIT_ERR_HAS(name, rc, err, bad[i].says);
		if (rc == 0)
			threshold_free(&t);
		else {
			snprintf(name, sizeof(name), "grammar refuses '%s': the message names the spec",
				 bad[i].spec);
			char q[160];
			snprintf(q, sizeof(q), "threshold '%s'", bad[i].spec);
			UNIT_TRUE(name, strstr(err, q) != NULL);
		}
	}
	/* the same threshold written two ways */
	struct threshold a, b;
	threshold_parse("send>1KiB/s for 1m", &a, err, sizeof(err));
	threshold_parse("send > 1024 B for 60 s", &b, err, sizeof(err));
	UNIT_TRUE("the same threshold, written two ways", threshold_same(&a, &b));
	threshold_free(&b);
	threshold_parse("send>=1KiB/s for 1m", &b, err, sizeof(err));
	UNIT_TRUE("'>=' is another threshold than '>'", !threshold_same(&a, &b));
	threshold_free(&a);
	threshold_free(&b);

	/* the merge window */
	rc = threshold_parse("send>50MiB/s", &t, err, sizeof(err));
	UNIT_EQ_U64("merge: a spec without one gets the default", THRESHOLD_MERGE_DEFAULT,
		    rc == 0 ? t.merge : 999);
	if (rc == 0)
		threshold_free(&t);
	rc = threshold_parse("send>50MiB/s for 5s merge 10s", &t, err, sizeof(err));
	UNIT_TRUE("spec send>50MiB/s for 5s merge 10s", rc == 0 && t.target == TH_SEND &&
		  t.limit == 50.0 * 1048576 && t.sustain == 5 && t.merge == 10 &&
		  strcmp(t.spec, "send>50MiB/s for 5s merge 10s") == 0);
	if (rc == 0)
		threshold_free(&t);
	rc = threshold_parse("recv>1MB/s merge 2m", &t, err, sizeof(err));
	UNIT_TRUE("spec recv>1MB/s merge 2m (no sustain)", rc == 0 && t.sustain == 0 && t.merge == 120 &&
		  t.limit == 1e6);
	if (rc == 0)
		threshold_free(&t);
	rc = threshold_parse("send>1B/s merge 10s for 3s", &t, err, sizeof(err));
	UNIT_TRUE("spec: merge may come before for", rc == 0 && t.merge == 10 && t.sustain == 3);
	if (rc == 0)
		threshold_free(&t);
	rc = threshold_parse("send>1B/s for 3s merge 0s", &t, err, sizeof(err));
	UNIT_TRUE("spec merge 0s", rc == 0 && t.merge == 0 && t.sustain == 3);
	if (rc == 0)
		threshold_free(&t);
	rc = threshold_parse("send>5MiB/s merge ever", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: merge not a duration", rc, err, "after 'merge'");
	rc = threshold_parse("send>5MiB/s merge 5s merge 6s", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: merge twice", rc, err, "'merge' given twice");
	rc = threshold_parse("send>5MiB/s merge 8d", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: merge in days", rc, err, "after 'merge'");
	rc = threshold_parse("send>5XB/s merge 5s", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: the limit is still checked with a merge clause", rc, err, "unit");
	threshold_parse("send>1KiB/s for 1m merge 5s", &a, err, sizeof(err));
	threshold_parse("send>1KiB/s for 1m merge 6s", &b, err, sizeof(err));
	UNIT_TRUE("another merge window is another threshold", !threshold_same(&a, &b));
	threshold_free(&a);
	threshold_free(&b);
}

struct run {
	int fired, ended;
	struct alert last_fired, last_ended;
};

static void feed(struct threshold_state *st, const struct threshold *t, struct run *r, double rate,
		 int64_t ts)
{
	struct alert e, f;
	int ev = threshold_feed(st, t, 0, rate, 1, ts - 1, ts, &e, &f);
	if (ev & THRESHOLD_FIRED) {
		r->fired++;
		r->last_fired = f;
	}
	if (ev & THRESHOLD_ENDED) {
		r->ended++;
		r->last_ended = e;
	}
}

static void machine(void)
{
	struct threshold t;
	struct threshold_state st = { 0 };
	struct run r = { 0 };

	threshold_parse("send>100B/s for 3s merge 0s", &t, err, sizeof(err));
	/* 2 s above: too short */
	feed(&st, &t, &r, 150, 1);
	feed(&st, &t, &r, 150, 2);
	feed(&st, &t, &r, 50, 3);
	UNIT_EQ_U64("sustain: 2 s above 'for 3s' does not alert", 0, r.fired);
	UNIT_EQ_DBL("time above counts even without an alert", 2, st.seconds_above, 0);
	/* 4 s above, peak in the middle */
	feed(&st, &t, &r, 200, 4);
	feed(&st, &t, &r, 300, 5);
	UNIT_EQ_U64("not yet at 2 s", 0, r.fired);
	feed(&st, &t, &r, 500, 6);
	UNIT_EQ_U64("fires at the 3rd second", 1, r.fired);
	UNIT_EQ_U64("alert start is the start of the first interval above", 3, r.last_fired.start);
	feed(&st, &t, &r, 120, 7);
	feed(&st, &t, &r, 100, 8);   /* not > 100 */
	UNIT_EQ_U64("merge 0s: ends at the first interval at the limit", 1, r.ended);
	UNIT_EQ_U64("alert end", 7, r.last_ended.end);
	UNIT_EQ_DBL("alert peak", 500, r.last_ended.peak, 0);
	UNIT_EQ_U64("alert peak time: the start of the peak interval", 5, r.last_ended.peak_ts);
	UNIT_EQ_DBL("alert bytes over the limit", 100 + 200 + 400 + 20, r.last_ended.bytes_over, 0);
	UNIT_TRUE("ended alert is not open", !r.last_ended.open);
	/* a gap breaks the run */
	feed(&st, &t, &r, 200, 9);
	feed(&st, &t, &r, 200, 10);
	feed(&st, &t, &r, 200, 14);  /* dumps 11..13 missing */
	feed(&st, &t, &r, 200, 15);
	UNIT_EQ_U64("a gap breaks a run above: no alert across it", 1, r.fired);
	feed(&st, &t, &r, 200, 16);
	UNIT_EQ_U64("fires again 3 s after the gap", 2, r.fired);
	struct alert a;
	UNIT_EQ_U64("finish closes a firing alert", THRESHOLD_ENDED, threshold_finish(&st, &a));
	UNIT_TRUE("an alert running at the end is open", a.open && a.start == 13 && a.end == 16);
	UNIT_EQ_U64("alerts stored", 2, st.nalerts);
	UNIT_EQ_U64("alerts total", 2, st.alerts_total);
	threshold_state_free(&st);
	threshold_free(&t);

	/* no sustain, inclusive */
	threshold_parse("recv>=10B/s", &t, err, sizeof(err));
	memset(&r, 0, sizeof(r));
	feed(&st, &t, &r, 10, 1);
	UNIT_EQ_U64(">= fires at equality, without sustain at once", 1, r.fired);
	threshold_state_free(&st);
	threshold_free(&t);

	/* format 2: intervals labelled in whole seconds, measured over jittered
	 * real ones; sustain counts the labels, bytes over the real time */
	threshold_parse("send>100B/s for 3s", &t, err, sizeof(err));
	memset(&r, 0, sizeof(r));
	struct alert e2, f2;
	int ev = threshold_feed(&st, &t, 0, 200, 0.98, 10, 11, &e2, &f2);
	ev |= threshold_feed(&st, &t, 0, 200, 0.99, 11, 12, &e2, &f2);
	UNIT_EQ_U64("jitter: 2 labelled seconds (1.97 real) do not fire 'for 3s'", 0, ev & THRESHOLD_FIRED);
	ev = threshold_feed(&st, &t, 0, 300, 1.02, 12, 13, &e2, &f2);
	UNIT_TRUE("jitter: the 3rd labelled second fires, whatever the real 2.99 s",
		  (ev & THRESHOLD_FIRED) && f2.start == 10 && f2.end == 13 && f2.last == 12);
	UNIT_EQ_DBL("jitter: time above in labelled seconds", 3, st.seconds_above, 0);
	UNIT_EQ_DBL("jitter: bytes over in real seconds", 100 * 0.98 + 100 * 0.99 + 200 * 1.02,
		    f2.bytes_over, 1e-9);
	ev = threshold_feed(&st, &t, 0, 300, 6.01, 13, 19, &e2, &f2);
	UNIT_TRUE("a gap sample above extends the alert to its end", !(ev & THRESHOLD_ENDED) &&
		  threshold_finish(&st, &a) == THRESHOLD_ENDED && a.end == 19 && a.last == 13);
	threshold_state_free(&st);
	threshold_free(&t);

	/* many alerts: stored up to the cap, all counted */
	threshold_parse("send>1B/s merge 0s", &t, err, sizeof(err));
	for (int i = 0; i < 3000; i++)
		threshold_feed(&st, &t, 0, (i % 2) ? 5 : 0, 1, i, i + 1, NULL, NULL);
	UNIT_EQ_U64("alerts beyond the cap are counted", 1500, st.alerts_total);
	UNIT_EQ_U64("alerts stored up to the cap", THRESHOLD_MAX_ALERTS, st.nalerts);
	threshold_state_free(&st);
	threshold_free(&t);
}

/* Feed rates[0..n) as the seconds from..from+n-1 (one 1 s interval each). */
static void feed_all(struct threshold_state *st, const struct threshold *t, struct run *r,
		     const double *rates, size_t n, int64_t from)
{
	for (size_t i = 0; i < n; i++)
		feed(st, t, r, rates[i], from + (int64_t)i + 1);
}

/* The merge window: dips shorter than it are part of the alert. */
static void merging(void)
{
	struct threshold t;
	struct threshold_state st = { 0 };
	struct run r = { 0 };
	struct alert a;

	/* seconds 0..: 3 above (fires at the 2nd), a 2 s dip, 2 above, then
	 * below: with merge 3s the dip is inside the alert */
	static const double dip2[] = { 200, 300, 200, 50, 0, 400, 200, 50, 50, 50 };
	threshold_parse("send>100B/s for 2s merge 3s", &t, err, sizeof(err));
	feed_all(&st, &t, &r, dip2, 5, 0);
	UNIT_TRUE("merge: fired once, not ended during a 2 s dip (window 3 s)",
		  r.fired == 1 && r.ended == 0 && r.last_fired.start == 0);
	feed_all(&st, &t, &r, dip2 + 5, 4, 5);
	UNIT_EQ_U64("merge: not ended after 2 s below (window 3 s)", 0, r.ended);
	feed_all(&st, &t, &r, dip2 + 9, 1, 9);
	UNIT_EQ_U64("merge: ends once 3 s below (window 3 s)", 1, r.ended);
	UNIT_TRUE("merge: a dip shorter than the window is one alert: 0 to the end of the last second above",
		  r.fired == 1 && r.last_ended.start == 0 && r.last_ended.end == 7 && !r.last_ended.open);
	UNIT_TRUE("merge: the peak is the highest second of the whole alert",
		  r.last_ended.peak == 400 && r.last_ended.peak_ts == 5);
	UNIT_EQ_DBL("merge: bytes over count the seconds above only", 100 + 200 + 100 + 300 + 100,
		    r.last_ended.bytes_over, 0);
	UNIT_EQ_DBL("merge: time above does not count the dip", 5, st.seconds_above, 0);
	threshold_state_free(&st);

	/* the same seconds with a dip as long as the window: two alerts */
	static const double dip3[] = { 200, 300, 200, 50, 0, 10, 400, 200, 50, 50, 50 };
	memset(&r, 0, sizeof(r));
	feed_all(&st, &t, &r, dip3, 11, 0);
	UNIT_TRUE("merge: a dip as long as the window (3 s) ends the alert: two alerts",
		  r.fired == 2 && r.ended == 2 && st.nalerts == 2 && st.alerts[0].end == 3 &&
		  st.alerts[1].start == 6 && st.alerts[1].end == 8);
	threshold_state_free(&st);

	/* a dip before the alert fired breaks the sustain as before */
	static const double early[] = { 200, 50, 200, 50, 200, 50 };
	memset(&r, 0, sizeof(r));
	feed_all(&st, &t, &r, early, 6, 0);
	UNIT_EQ_U64("merge: dips before the sustain is reached still break the run", 0, r.fired);
	threshold_state_free(&st);

	/* a gap inside a dip ends the alert: it never spans unseen time */
	memset(&r, 0, sizeof(r));
	feed(&st, &t, &r, 200, 1);
	feed(&st, &t, &r, 200, 2);
	feed(&st, &t, &r, 50, 3);
	feed(&st, &t, &r, 200, 6);   /* seconds 3 and 4 missing */
	UNIT_TRUE("merge: a gap during a dip ends the alert at its last second above",
		  r.ended == 1 && r.last_ended.end == 2);
	threshold_state_free(&st);

	/* the input ends during a dip: the alert is over, not open */
	memset(&r, 0, sizeof(r));
	feed(&st, &t, &r, 200, 1);
	feed(&st, &t, &r, 200, 2);
	feed(&st, &t, &r, 50, 3);
	UNIT_TRUE("merge: input ending in a dip ends the alert, not open",
		  threshold_finish(&st, &a) == THRESHOLD_ENDED && !a.open && a.end == 2);
	threshold_state_free(&st);
	threshold_free(&t);

	/* the default window: a 97 s episode with one-second dips every 20 s
	 * is one alert, not five */
	threshold_parse("send>100B/s for 5s", &t, err, sizeof(err));
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 97; i++)
		feed(&st, &t, &r, i % 20 == 19 ? 10 : 500, i + 1);
	feed_all(&st, &t, &r, (const double[]){ 0, 0, 0, 0, 0 }, 5, 97);
	UNIT_TRUE("merge: default window, a 97 s episode with 1 s dips is one alert",
		  r.fired == 1 && r.ended == 1 && r.last_ended.start == 0 && r.last_ended.end == 97);
	threshold_state_free(&st);
	threshold_free(&t);
}

static void units(void)
{
	double v;
	char b[32];
	unsigned d;
	UNIT_TRUE("units 1KB is 1000", units_parse_rate("1KB", 3, &v, err, sizeof(err)) == 0 && v == 1000);
	UNIT_TRUE("units 1 KiB/s is 1024", units_parse_rate("1 KiB/s", 7, &v, err, sizeof(err)) == 0 && v == 1024);
	UNIT_TRUE("units 2GiB", units_parse_rate("2GiB", 4, &v, err, sizeof(err)) == 0 && v == 2147483648.0);
	UNIT_TRUE("units: a rate is the whole text", units_parse_rate("2GiBx", 5, &v, err, sizeof(err)) < 0);
	UNIT_TRUE("duration 2m is 120 s", units_parse_duration("2m", 2, 1000, &d, err, sizeof(err)) == 0 && d == 120);
	UNIT_TRUE("duration 1h is 3600 s", units_parse_duration("1h", 2, 3600, &d, err, sizeof(err)) == 0 && d == 3600);
	UNIT_TRUE("duration over its maximum refused", units_parse_duration("1h", 2, 3599, &d, err, sizeof(err)) < 0);
	UNIT_EQ_STR("format 1536 B", "1.50 KiB", units_format_bytes(1536, b, sizeof(b)));
	UNIT_EQ_STR("format 0 B", "0 B", units_format_bytes(0, b, sizeof(b)));
	UNIT_EQ_STR("format 200 MiB", "200 MiB", units_format_bytes(200.0 * 1048576, b, sizeof(b)));
}

int main(void)
{
	specs();
	machine();
	merging();
	units();
	UNIT_DONE();
}
