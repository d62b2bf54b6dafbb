/* test_plot_tics.c: the time tics the charts choose (plot_time_tics). */
#include "../../postproc/write_plot.h"
#include "unit.h"

/* Every label of tics[0..n) as one string, "|" between them. */
static const char *labels(const struct plot_tic *t, size_t n)
{
	static char buf[2048];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < sizeof buf - 40; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "|" : "", t[i].label);
	return buf;
}

int main(void)
{
	struct plot_tic t[64];
	size_t n;
	/* 2026-11-24 22:08:17 UTC */
	const int64_t t0 = 1795558097;

	n = plot_time_tics(t0, t0 + 120, 800, 7.5, true, t, 64);
	UNIT_EQ_STR("2 min on 800 px: every 15 s, the date under the first",
		    "22:08:30\n11-24|22:08:45|22:09:00|22:09:15|22:09:30|22:09:45|22:10:00|22:10:15",
		    labels(t, n));
	n = plot_time_tics(t0, t0 + 120, 800, 7.5, false, t, 64);
	UNIT_TRUE("a clock-of-day axis carries no date", n == 8 && strcmp(t[0].label, "22:08:30") == 0);
	n = plot_time_tics(t0, t0 + 3600, 800, 7.5, true, t, 64);
	UNIT_TRUE("1 h on 800 px: every 5 min, on the minute", n == 12 && t[0].pos % 300 == 0 &&
		  strcmp(t[1].label, "22:15") == 0);
	n = plot_time_tics(t0, t0 + 86400, 800, 7.5, true, t, 64);
	UNIT_TRUE("a day on 800 px: every 2 h, the date again at midnight",
		  n == 12 && strcmp(t[0].label, "00:00\n11-25") == 0 && t[0].pos % 7200 == 0);
	n = plot_time_tics(t0, t0 + 86400, 300, 7.5, true, t, 64);
	UNIT_TRUE("a day on 300 px: every 6 h", n == 4 && t[1].pos - t[0].pos == 21600);
	n = plot_time_tics(t0, t0 + 7 * 86400, 800, 7.5, true, t, 64);
	UNIT_TRUE("a week: by day", n == 7 && strcmp(t[0].label, "11-25") == 0 &&
		  t[1].pos - t[0].pos == 86400);
	n = plot_time_tics(t0, t0 + 60 * 86400, 800, 7.5, true, t, 64);
	UNIT_TRUE("two months: weekly, on Mondays", n >= 8 && t[1].pos - t[0].pos == 604800 &&
		  (t[0].pos / 86400 + 3) % 7 == 0);
	n = plot_time_tics(t0, t0 + 4 * 365 * 86400LL, 800, 7.5, true, t, 64);
	UNIT_TRUE("four years: multiples of 4 weeks, labels still apart",
		  n >= 3 && n <= 16 && (t[1].pos - t[0].pos) % 2419200 == 0 &&
		  800.0 * (double)(t[1].pos - t[0].pos) / (4 * 365 * 86400.0) >= 7 * 7.5);
	/* labels never closer than the label and two characters */
	bool apart = true;
	for (int64_t span = 7; span < 90 * 86400; span = span * 3 / 2 + 1) {
		n = plot_time_tics(t0 + 1, t0 + 1 + span, 640, 7.5, true, t, 64);
		for (size_t i = 1; i < n; i++) {
			double px = 640.0 * (double)(t[i].pos - t[i - 1].pos) / (double)span;
			size_t len = strcspn(t[i].label, "\n");
			apart &= px >= (double)(len + 2) * 7.5;
		}
		apart &= n >= 2;
	}
	UNIT_TRUE("from 7 s to 90 days: at least two tics, labels two characters apart", apart);
	n = plot_time_tics(-300, 0, 800, 7.5, false, t, 64);
	UNIT_TRUE("clock-of-day labels below zero (before midnight, carried)",
		  n >= 2 && strcmp(t[n - 1].label, "00:00:00") == 0);
	UNIT_DONE();
}
