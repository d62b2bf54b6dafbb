/* test_threshold.c: threshold specs and the alert state machine. */
#include <stdlib.h>

#include "../../postproc/threshold.h"
#include "../../postproc/units.h"
#include "unit.h"

static char err[512];

static void specs(void)
{
	struct threshold t;
	int rc;

	rc = threshold_parse("send>50MiB/s", &t, err, sizeof(err));
	UNIT_TRUE("spec send>50MiB/s", rc == 0 && t.target == TH_SEND && t.limit == 50.0 * 1048576 &&
		  !t.inclusive && t.sustain == 0);
	threshold_free(&t);
	rc = threshold_parse("recv>=1MB/s for 5s", &t, err, sizeof(err));
	UNIT_TRUE("spec recv>=1MB/s for 5s", rc == 0 && t.target == TH_RECV && t.limit == 1e6 &&
		  t.inclusive && t.sustain == 5);
	threshold_free(&t);
	rc = threshold_parse("@bytes>10KiB for 2m", &t, err, sizeof(err));
	UNIT_TRUE("spec @map>10KiB for 2m", rc == 0 && t.target == TH_MAP && t.limit == 10240 &&
		  t.sustain == 120 && strcmp(t.map, "@bytes") == 0);
	threshold_free(&t);
	rc = threshold_parse("any>1.5GB/s", &t, err, sizeof(err));
	UNIT_TRUE("spec any>1.5GB/s", rc == 0 && t.target == TH_ANY && t.limit == 1.5e9);
	threshold_free(&t);
	rc = threshold_parse("send>100", &t, err, sizeof(err));
	UNIT_TRUE("spec without a unit is bytes", rc == 0 && t.limit == 100);
	threshold_free(&t);

	rc = threshold_parse("send<5MiB/s", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: no '>'", rc, err, "expected send>RATE");
	rc = threshold_parse("sent>5MiB/s", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: unknown target", rc, err, "unknown target");
	rc = threshold_parse("send>5MiB/h", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: per hour", rc, err, "unexpected");
	rc = threshold_parse("send>5XB/s", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: unknown unit", rc, err, "unknown unit");
	rc = threshold_parse("send>-5MiB/s", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: negative", rc, err, "non-negative");
	rc = threshold_parse("send>5MiB/s for ever", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: bad sustain", rc, err, "for Ns");
	rc = threshold_parse("send>", &t, err, sizeof(err));
	UNIT_ERR_HAS("bad spec: no value", rc, err, "expected a non-negative number");
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

	threshold_parse("send>100 for 3s", &t, err, sizeof(err));
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
	UNIT_EQ_U64("ends at the first interval at the limit", 1, r.ended);
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
	threshold_parse("recv>=10", &t, err, sizeof(err));
	memset(&r, 0, sizeof(r));
	feed(&st, &t, &r, 10, 1);
	UNIT_EQ_U64(">= fires at equality, without sustain at once", 1, r.fired);
	threshold_state_free(&st);
	threshold_free(&t);

	/* format 2: intervals labelled in whole seconds, measured over jittered
	 * real ones; sustain counts the labels, bytes over the real time */
	threshold_parse("send>100 for 3s", &t, err, sizeof(err));
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
	threshold_parse("send>1", &t, err, sizeof(err));
	for (int i = 0; i < 3000; i++)
		threshold_feed(&st, &t, 0, (i % 2) ? 5 : 0, 1, i, i + 1, NULL, NULL);
	UNIT_EQ_U64("alerts beyond the cap are counted", 1500, st.alerts_total);
	UNIT_EQ_U64("alerts stored up to the cap", THRESHOLD_MAX_ALERTS, st.nalerts);
	threshold_state_free(&st);
	threshold_free(&t);
}

static void units(void)
{
	double v;
	char b[32];
	UNIT_TRUE("units 1KB is 1000", units_parse_bytes("1KB", &v, err, sizeof(err)) == 0 && v == 1000);
	UNIT_TRUE("units 1 KiB/s is 1024", units_parse_bytes("1 KiB/s", &v, err, sizeof(err)) == 0 && v == 1024);
	UNIT_TRUE("units 2GiB", units_parse_bytes("2GiB", &v, err, sizeof(err)) == 0 && v == 2147483648.0);
	UNIT_EQ_STR("format 1536 B", "1.50 KiB", units_format_bytes(1536, b, sizeof(b)));
	UNIT_EQ_STR("format 0 B", "0 B", units_format_bytes(0, b, sizeof(b)));
	UNIT_EQ_STR("format 200 MiB", "200 MiB", units_format_bytes(200.0 * 1048576, b, sizeof(b)));
}

int main(void)
{
	specs();
	machine();
	units();
	UNIT_DONE();
}
