/* prom_rules.c: `--prom-rules`, Prometheus alerting rules (YAML, checked by
 * `promtool check rules`) made from the same threshold specs the report
 * takes, so one spec alerts alike in a report and in Prometheus.
 *
 * How a spec maps (prom_rules.h):
 *   TARGET     send: dbnetio_sent_bytes_total; recv: _received_; any: both
 *              (by __name__); @send/@recv as send/recv; @psend/@precv, a
 *              process's own totals, as the sum of its clients (without
 *              client); another @map: dbnetio_map_value_total{map="@map"}.
 *   OP RATE    rate(COUNTER[WINDOW]) > or >= the limit in bytes per second.
 *              The report's rate is one interval's; Prometheus's is over
 *              WINDOW (--prom-window, default 1m), which must hold two
 *              scrapes or more: a shorter burst is averaged down.
 *   for D      for: D (Prometheus counts it from the first evaluation that
 *              is above, as the report counts sustain from the first second
 *              above).
 *   merge M    the report ends an alert once the rate has stayed at or below
 *              the limit for M (default THRESHOLD_MERGE_DEFAULT): that is
 *              keep_firing_for: M, which Prometheus only has from 2.45 on
 *              (Debian 12 ships 2.42).  So it is written in PromQL that 2.42
 *              evaluates: the alert's expression also holds while the alert
 *              is already firing (its own ALERTS series) and some evaluation
 *              within the last M was above the limit:
 *                EXPR or (max_over_time((EXPR)[M:]) and ignoring(alertname,
 *                  alertstate, severity, threshold) ALERTS{alertname="N",
 *                  alertstate="firing"})
 *              A dip while still pending resets it, as a dip resets the
 *              report's sustain.  merge 0s writes EXPR alone.
 * Each rule is per series, like the report's thresholds: one alert per
 * host, process, client and direction above the limit.
 */
#include "prom_rules.h"

#include <stdio.h>
#include <string.h>

/* A YAML double-quoted scalar (also a valid PromQL string literal for the
 * characters a spec may hold): " and \ escaped, control bytes as \xNN. */
static void yaml_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* "1m", "90s": a duration as Prometheus writes it. */
static const char *prom_duration(unsigned s, char *buf, size_t len)
{
	if (s % 3600 == 0)
		snprintf(buf, len, "%uh", s / 3600);
	else if (s % 60 == 0)
		snprintf(buf, len, "%um", s / 60);
	else
		snprintf(buf, len, "%us", s);
	return buf;
}

/* The PromQL of a threshold's rate: each matching series' rate. */
static void rate_expr(FILE *f, const struct threshold *th, const char *w)
{
	const char *map = th->target == TH_MAP ? th->map : "";

	if (th->target == TH_SEND || !strcmp(map, "@send"))
		fprintf(f, "rate(dbnetio_sent_bytes_total[%s])", w);
	else if (th->target == TH_RECV || !strcmp(map, "@recv"))
		fprintf(f, "rate(dbnetio_received_bytes_total[%s])", w);
	else if (th->target == TH_ANY)
		fprintf(f, "rate({__name__=~\"dbnetio_(sent|received)_bytes_total\"}[%s])", w);
	else if (!strcmp(map, "@psend"))
		fprintf(f, "sum without (client) (rate(dbnetio_sent_bytes_total[%s]))", w);
	else if (!strcmp(map, "@precv"))
		fprintf(f, "sum without (client) (rate(dbnetio_received_bytes_total[%s]))", w);
	else
		fprintf(f, "rate(dbnetio_map_value_total{map=\"%s\"}[%s])", map, w);
}

int prom_rules_write(FILE *f, const struct threshold *th, size_t n, unsigned window,
		     char *err, size_t errlen)
{
	char w[32], d[32];

	prom_duration(window, w, sizeof(w));
	fputs("# Prometheus alerting rules, from dbnetio-report --prom-rules:\n", f);
	for (size_t i = 0; i < n; i++) {
		fputs("#   -t ", f);
		yaml_string(f, th[i].spec);
		fputs("\n", f);
	}
	fprintf(f, "# Rates are rate() over %s; each rule alerts per series (host, process,\n"
		"# client, direction), as dbnetio-report does.\n", w);
	fputs("groups:\n  - name: dbnetio\n    rules:\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct threshold *t = &th[i];
		char lim[64];
		snprintf(lim, sizeof(lim), "%.17g", t->limit);
		const char *op = t->inclusive ? ">=" : ">";
		fprintf(f, "      - alert: DbnetioThreshold%zu\n        expr: ", i + 1);
		rate_expr(f, t, w);
		fprintf(f, " %s %s", op, lim);
		if (t->merge) {
			fputs(" or (max_over_time((", f);
			rate_expr(f, t, w);
			fprintf(f, " %s %s)[%s:]) and ignoring (alertname, alertstate, severity, threshold) "
				"ALERTS{alertname=\"DbnetioThreshold%zu\", alertstate=\"firing\"})", op, lim,
				prom_duration(t->merge, d, sizeof(d)), i + 1);
		}
		fputs("\n", f);
		if (t->sustain)
			fprintf(f, "        for: %s\n", prom_duration(t->sustain, d, sizeof(d)));
		fputs("        labels:\n          severity: warning\n          threshold: ", f);
		yaml_string(f, t->spec);
		fputs("\n        annotations:\n          summary: ", f);
		yaml_string(f, "{{ $labels.host }} {{ $labels.pid }} {{ $labels.comm }} "
			       "{{ $labels.client }} {{ $labels.direction }} above the threshold");
		fputs("\n          description: ", f);
		/* the grammar keeps "{{" out of a spec: no template in it */
		char desc[512];
		snprintf(desc, sizeof(desc), "{{ $value | humanize1024 }}B/s; dbnetio threshold %s", t->spec);
		yaml_string(f, desc);
		fputs("\n", f);
	}
	if (fflush(f) != 0 || ferror(f)) {
		snprintf(err, errlen, "write error on output");
		return -1;
	}
	return 0;
}
