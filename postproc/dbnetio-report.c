/* dbnetio-report: turn a dbnetio (or any per-interval bpftrace) capture
 * stream into per-series statistics, threshold alerts and machine-readable
 * output.  It never needs root: it reads pipes and saved files alike.
 *
 * This file is only the command line: options (argp), the output file
 * (written atomically), the writers, and the exit status (0 no threshold
 * crossed, 2 crossed, 1 error).  The work is in engine.c and the stages.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "group.h"
#include "write_plot.h"
#include "prom_rules.h"
#include "write_report.h"
#include "rotate.h"
#include "threshold.h"
#include "units.h"
#include "write_util.h"
#include "writer.h"

#define MAX_INPUTS 4096

/* ===== options ===== */

struct report_opts {
	const char *format;           /* table, csv, json, prom */
	const char *output;           /* -o FILE, NULL = stdout */
	const char *thresholds[SERIES_MAX_THRESHOLDS];
	size_t nthresholds;
	const char *inputs[MAX_INPUTS];
	size_t ninputs;
	struct engine_opts eng;
	const char *plot_dir;         /* --plot DIR: gnuplot charts */
	enum plot_format plot_format; /* --plot-format png|svg */
	bool plot_format_given;       /* only with --plot */
	bool local_time;              /* --local-time: charts and report */
	const char *report;           /* --report FILE.html|FILE.md */
	bool prom_rules;              /* --prom-rules: print alerting rules, read nothing */
	unsigned prom_window;         /* --prom-window: their rate() window, seconds */
	bool prom_window_given;
	struct rotate_opts rotate;    /* --capture-dir, --rotate, --capture-keep */
	bool rotate_given;            /* --rotate or --capture-keep: need --capture-dir */
	/* Add new options' fields above this line, each with its option in a comment. */
};

const char *argp_program_version = "dbnetio-report 1";
const char *argp_program_bug_address = "the dbnetio issue tracker";

static const char doc[] =
"Summarise a dbnetio capture: per-process (or per-client, per-connection) TCP\n"
"bytes per second, statistics, threshold alerts, CSV/JSON/Prometheus output.\n"
"\n"
"USAGE: dbnetio-report [OPTION...] [FILE...]   (no FILE or '-' reads stdin)\n"
"\n"
"Input: bpftrace text or -f json output (0.17 and newer), the dbnetio header\n"
"'# dbnetio-capture 1|2 ...', and the original BCC program's lines.  Several\n"
"files are merged into one report, each labelled by its host= or file name;\n"
"a second header in one stream (cat a.txt b.txt |) starts another capture.\n"
"\n"
"MEAN is the full intervals' bytes over their seconds (SECS) in every output.\n"
"Output paths (-o, --report, --plot) are checked before any input is read.\n"
"\n"
"THRESHOLDS (-t, repeatable; exit 2 when one is crossed):\n"
THRESHOLD_GRAMMAR
"\n"
"EXAMPLES:\n"
"  dbnetio-report capture.txt                summary table\n"
"  dbnetio-report -f json capture.txt        the summary as JSON\n"
"  dbnetio-report -f csv -o rates.csv cap.txt  one row per series per second\n"
"  dbnetio-report -t 'send>50MiB/s for 5s' cap.txt; echo $?   2 if crossed\n"
"  dbnetio-report -f prom -o /var/lib/node_exporter/dbnetio.prom cap.txt\n"
"  scripts/dbnetio -c mariadbd | dbnetio-report --live -t 'recv>1MiB/s'\n"
"  dbnetio-report db1.txt db2.txt --top 10 --sort peak\n"
"  dbnetio-report --by process cap.txt       per process, not per client\n"
"  dbnetio-report --by user,client -f json cap.txt\n"
"                                            per database user (cap.txt.sessions)\n"
"  dbnetio-report --plot charts/ --report report.html cap.txt\n"
"                                            PNG charts, an HTML report\n"
"  scripts/dbnetio -c mariadbd | dbnetio-report --live -f prom -o d.prom\n"
"                                            a textfile rewritten every dump\n"
"  ... | dbnetio-report --live --capture-dir /var/lib/dbnetio --rotate 1h\n"
"                                            and the capture, in hourly files\n"
"  dbnetio-report --prom-rules -t 'send>50MiB/s for 5m' > rules.yml\n"
"                                            the threshold as a Prometheus rule\n"
"\n"
"Exit status: 0 no threshold crossed, 2 a threshold was crossed, 1 error;\n"
"with -t, an input without a dump or a threshold that watches nothing in the\n"
"capture is an error.";

enum {
	OPT_LENIENT = 0x100,
	OPT_LIVE,
	OPT_TOP,
	OPT_SORT,
	OPT_COUNTERS,
	OPT_INTERVAL,
	OPT_MAX_WARNINGS,
	OPT_PLOT,
	OPT_PLOT_FORMAT,
	OPT_LOCAL_TIME,
	OPT_REPORT,
	OPT_BY,
	OPT_SESSIONS,
	OPT_PROM_RULES,
	OPT_PROM_WINDOW,
	OPT_CAPTURE_DIR,
	OPT_ROTATE,
	OPT_CAPTURE_KEEP,
};

static const struct argp_option options[] = {
	{ NULL, 'h', NULL, 0, "the same as --help", -1 },
	{ "format", 'f', "FMT", 0, "table (default), csv, json or prom", 0 },
	{ "output", 'o', "FILE", 0, "write there (atomically, by rename) instead of stdout", 0 },
	{ "threshold", 't', "SPEC", 0,
	  "alert when a rate is above: send>50MiB/s, recv>=1MB/s for 5s, any>..., @map>... "
	  "(the grammar is below; repeatable)", 0 },
	{ "lenient", OPT_LENIENT, NULL, 0, "skip and count bad lines instead of failing", 0 },
	{ "live", OPT_LIVE, NULL, 0,
	  "print one line per interval as each dump completes, alerts as they fire; Ctrl-C prints the summary", 0 },
	{ "top", OPT_TOP, "N", 0,
	  "only the N first processes in the --sort order (both directions of each), or clients "
	  "(connections) when grouped so; every format", 0 },
	{ "sort", OPT_SORT, "KEY", 0, "total (default), peak or name", 0 },
	{ "counters", OPT_COUNTERS, "KIND", 0,
	  "cumulative or interval (maps cleared each dump); default: the header's, else cumulative; "
	  "given, it wins over a header's (with a warning)", 0 },
	{ "interval", OPT_INTERVAL, "SECONDS", 0,
	  "dump interval of captures whose header does not say (default 1); a header's wins "
	  "(a different --interval is ignored, with a warning)", 0 },
	{ "max-warnings", OPT_MAX_WARNINGS, "N", 0, "bad-line warnings printed under --lenient (default 10)", 0 },
	{ "by", OPT_BY, "KEY", 0,
	  "group the series by process, client, connection, user, database or application, or a "
	  "comma list (user,client) (default: the capture's own key; a client or connection "
	  "capture's process totals are its @psend/@precv; user, database and application join "
	  "the sessions dbnetio --db recorded)", 0 },
	{ "sessions", OPT_SESSIONS, "FILE", 0,
	  "the sessions of a capture that has no CAPTURE.sessions beside it (stdin, a renamed file)", 0 },
	{ "plot", OPT_PLOT, "DIR", 0,
	  "write gnuplot charts (time series, stacked by process, rate CDF) and their .dat/.gp into DIR", 0 },
	{ "plot-format", OPT_PLOT_FORMAT, "FMT", 0, "png (default) or svg, with --plot", 0 },
	{ "local-time", OPT_LOCAL_TIME, NULL, 0,
	  "dates and clocks in local time instead of UTC: the table, alerts, --live, charts and "
	  "report (epoch numbers in CSV, JSON and prom have no zone)", 0 },
	{ "report", OPT_REPORT, "FILE", 0,
	  "write a traffic report: FILE.html (self-contained, charts inline) or FILE.md (PNG charts in FILE-charts/)", 0 },
	{ "prom-rules", OPT_PROM_RULES, NULL, 0,
	  "print Prometheus alerting rules (YAML) for the -t thresholds and exit; reads no input", 0 },
	{ "prom-window", OPT_PROM_WINDOW, "DURATION", 0,
	  "the rules' rate() window (default 1m; at least two scrape intervals), with --prom-rules", 0 },
	{ "capture-dir", OPT_CAPTURE_DIR, "DIR", 0,
	  "also keep the raw capture (text) in DIR, as files capture-START.txt rotated at dump "
	  "boundaries, each reportable alone, their totals adding up to the stream's", 0 },
	{ "rotate", OPT_ROTATE, "DURATION", 0,
	  "capture time per --capture-dir file (default 1h; 0s: one file)", 0 },
	{ "capture-keep", OPT_CAPTURE_KEEP, "N", 0,
	  "keep only the N newest complete files in --capture-dir (default: all)", 0 },
	/* Add new options here: one entry, one field in struct report_opts,
	 * one case in parse_opt(). */
	{ 0 },
};

/* strtoull with errno and range checks; 0 or -1. */
static int parse_ulong(const char *s, unsigned long long min, unsigned long long max,
		       unsigned long long *out)
{
	char *end;
	errno = 0;
	if (!s || *s == '-' || *s == '\0')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct report_opts *o = state->input;
	unsigned long long v;

	switch (key) {
	case 'h':
		/* -h as in dbnetio(8): argp's own is only --help and -? */
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case 'f':
		if (strcmp(arg, "table") && strcmp(arg, "csv") && strcmp(arg, "json") && strcmp(arg, "prom"))
			argp_error(state, "unknown format '%s' (expected table, csv, json or prom)", arg);
		o->format = arg;
		break;
	case 'o':
		o->output = arg;
		break;
	case 't':
		if (o->nthresholds == SERIES_MAX_THRESHOLDS)
			argp_error(state, "at most %d thresholds", SERIES_MAX_THRESHOLDS);
		o->thresholds[o->nthresholds++] = arg;
		break;
	case OPT_LENIENT:
		o->eng.lenient = true;
		break;
	case OPT_LIVE:
		o->eng.live = true;
		break;
	case OPT_TOP:
		if (parse_ulong(arg, 1, 1000000, &v) < 0)
			argp_error(state, "--top: expected a count in 1..1000000, got '%s'", arg);
		o->eng.top = (size_t)v;
		break;
	case OPT_SORT:
		if (!strcmp(arg, "total"))
			o->eng.sort = SORT_TOTAL;
		else if (!strcmp(arg, "peak"))
			o->eng.sort = SORT_PEAK;
		else if (!strcmp(arg, "name"))
			o->eng.sort = SORT_NAME;
		else
			argp_error(state, "--sort: expected total, peak or name, got '%s'", arg);
		break;
	case OPT_COUNTERS:
		if (!strcmp(arg, "cumulative"))
			o->eng.counters = 0;
		else if (!strcmp(arg, "interval"))
			o->eng.counters = 1;
		else
			argp_error(state, "--counters: expected cumulative or interval, got '%s'", arg);
		break;
	case OPT_INTERVAL:
		if (parse_ulong(arg, 1, 86400, &v) < 0)
			argp_error(state, "--interval: expected seconds in 1..86400, got '%s'", arg);
		o->eng.interval = (unsigned)v;
		break;
	case OPT_MAX_WARNINGS:
		if (parse_ulong(arg, 0, 1000000, &v) < 0)
			argp_error(state, "--max-warnings: expected a count, got '%s'", arg);
		o->eng.max_warnings = (int)v;
		break;
	case OPT_PLOT:
		o->plot_dir = arg;
		break;
	case OPT_PLOT_FORMAT:
		if (!strcmp(arg, "png"))
			o->plot_format = PLOT_PNG;
		else if (!strcmp(arg, "svg"))
			o->plot_format = PLOT_SVG;
		else
			argp_error(state, "--plot-format: expected png or svg, got '%s'", arg);
		o->plot_format_given = true;
		break;
	case OPT_LOCAL_TIME:
		o->local_time = true;
		break;
	case OPT_REPORT:
		o->report = arg;
		break;
	case OPT_BY: {
		char e[256];
		if (group_by_parse(arg, &o->eng.group.by, e, sizeof(e)) < 0)
			argp_error(state, "%s", e);
		break;
	}
	case OPT_SESSIONS:
		o->eng.sessions = arg;
		break;
	case OPT_PROM_RULES:
		o->prom_rules = true;
		break;
	case OPT_PROM_WINDOW: {
		char e[256];
		if (units_parse_duration(arg, strlen(arg), 86400, &o->prom_window, e, sizeof(e)) < 0)
			argp_error(state, "--prom-window: %s", e);
		if (o->prom_window == 0)
			argp_error(state, "--prom-window: expected a window longer than 0s");
		o->prom_window_given = true;
		break;
	}
	case OPT_CAPTURE_DIR:
		o->rotate.dir = arg;
		break;
	case OPT_ROTATE: {
		char e[256];
		if (units_parse_duration(arg, strlen(arg), 7 * 86400, &o->rotate.period, e, sizeof(e)) < 0)
			argp_error(state, "--rotate: %s", e);
		o->rotate_given = true;
		break;
	}
	case OPT_CAPTURE_KEEP:
		if (parse_ulong(arg, 1, 1000000, &v) < 0)
			argp_error(state, "--capture-keep: expected a count in 1..1000000, got '%s'", arg);
		o->rotate.keep = (unsigned)v;
		o->rotate_given = true;
		break;
	case ARGP_KEY_END:
		if (o->eng.sessions && !group_by_has_session(&o->eng.group.by))
			argp_error(state, "--sessions needs --by user, database or application");
		if (o->prom_window_given && !o->prom_rules)
			argp_error(state, "--prom-window needs --prom-rules");
		if (o->prom_rules && o->nthresholds == 0)
			argp_error(state, "--prom-rules needs at least one -t threshold");
		if (o->prom_rules && o->ninputs)
			argp_error(state, "--prom-rules reads no input (got '%s')", o->inputs[0]);
		if (o->rotate_given && !o->rotate.dir)
			argp_error(state, "--rotate and --capture-keep need --capture-dir DIR");
		if (o->plot_format_given && !o->plot_dir)
			argp_error(state, "--plot-format needs --plot DIR (the --report charts are "
				   "SVG in HTML and PNG beside Markdown)");
		break;
	case ARGP_KEY_ARG:
		if (o->ninputs == MAX_INPUTS)
			argp_error(state, "at most %d input files", MAX_INPUTS);
		o->inputs[o->ninputs++] = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "[FILE...]", doc, NULL, NULL, NULL };

/* ===== signals ===== */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	if (interrupted < 100)
		interrupted++;
}

/* ===== writers ===== */

/* Build the writers the options ask for.  writers: add yours here. */
static int open_writers(struct engine *e, const struct report_opts *o,
			const struct writer_common *c, char *err, size_t errlen)
{
	struct writer w;
	int r;

	if (o->eng.live) {
		/* a textfile holds metrics only: the lines go to stdout */
		struct writer_common lc = *c;
		if (!strcmp(o->format, "prom") && c->out_path && strcmp(c->out_path, "-"))
			lc.out = stdout;
		if (writer_live_new(&w, &lc, err, errlen) < 0 || engine_add_writer(e, w, err, errlen) < 0)
			return -1;
	}
	if (!strcmp(o->format, "csv"))
		r = writer_csv_new(&w, c, err, errlen);
	else if (!strcmp(o->format, "json"))
		r = writer_json_new(&w, c, err, errlen);
	else if (!strcmp(o->format, "prom"))
		r = writer_prom_new(&w, c, err, errlen);
	else
		r = writer_table_new(&w, c, err, errlen);
	if (r < 0 || engine_add_writer(e, w, err, errlen) < 0)
		return -1;
	if (o->plot_dir) {
		struct plot_opts po = { .dir = o->plot_dir, .format = o->plot_format,
					.local_time = o->local_time, .multi_source = c->multi_source };
		if (writer_plot_new(&w, &po, err, errlen) < 0 || engine_add_writer(e, w, err, errlen) < 0)
			return -1;
	}
	if (o->report) {
		struct report_writer_opts ro = { .path = o->report, .local_time = o->local_time,
					  .multi_source = c->multi_source };
		if (writer_report_new(&w, &ro, err, errlen) < 0 || engine_add_writer(e, w, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* ===== main ===== */

/* Options that only clash once all are known.  0, or -1 with err. */
static int check_combinations(struct report_opts *o, char *err, size_t errlen)
{
	if (o->eng.live && o->eng.top && !strcmp(o->format, "prom") && o->output) {
		/* the summary's file would drop series the live files had */
		snprintf(err, errlen, "--live -f prom -o: --top cannot be applied while "
			 "the textfile is rewritten every dump; leave it out");
		return -1;
	}
	if (!strcmp(o->format, "prom")) {
		/* a port label would make a Prometheus series per connection */
		if (group_by_has_ports(&o->eng.group.by)) {
			snprintf(err, errlen, "-f prom: Prometheus series carry no ports; "
				 "use --by client or --by process");
			return -1;
		}
		o->eng.group.no_ports = true;
	}
	return 0;
}

/* Parse every --threshold into *out (an array of o->nthresholds); the same
 * threshold twice would be two identical series of alerts (and duplicate
 * Prometheus samples), so it is an error.  0, or -1 with err. */
static int parse_thresholds(const struct report_opts *o, struct threshold **out, char *err,
			    size_t errlen)
{
	struct threshold *th = calloc(o->nthresholds ? o->nthresholds : 1, sizeof(*th));

	if (!th) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < o->nthresholds; i++) {
		int bad = threshold_parse(o->thresholds[i], &th[i], err, errlen);
		for (size_t j = 0; bad == 0 && j < i; j++)
			if (threshold_same(&th[i], &th[j])) {
				snprintf(err, errlen, "threshold '%s' is the same as '%s'",
					 o->thresholds[i], o->thresholds[j]);
				threshold_free(&th[i]);
				bad = -1;
			}
		if (bad < 0) {
			for (size_t j = 0; j < i; j++)
				threshold_free(&th[j]);
			free(th);
			return -1;
		}
	}
	*out = th;
	return 0;
}

/* --prom-rules: the rules are all the output, to stdout or -o FILE
 * (replaced atomically).  0, or -1 with err. */
static int write_rules(const struct report_opts *o, const struct threshold *th, char *err,
		       size_t errlen)
{
	struct wu_atomic file = { 0 };
	FILE *out = stdout;

	if (o->output && strcmp(o->output, "-") != 0) {
		if (wu_check_output_file("-o", o->output, err, errlen) < 0 ||
		    wu_atomic_open(&file, o->output, err, errlen) < 0)
			return -1;
		out = file.f;
	}
	if (prom_rules_write(out, th, o->nthresholds, o->prom_window, err, errlen) < 0) {
		wu_atomic_abort(&file);
		return -1;
	}
	return file.f ? wu_atomic_commit(&file, err, errlen) : 0;
}

/* Every output path is checked before any input is read: a run must not
 * fail after a whole capture, or at Ctrl-C under --live.  0, or -1 with
 * err. */
static int check_outputs(const struct report_opts *o, char *err, size_t errlen)
{
	if (o->output && strcmp(o->output, "-") != 0 &&
	    wu_check_output_file("-o", o->output, err, errlen) < 0)
		return -1;
	if (o->report && wu_check_output_file("--report", o->report, err, errlen) < 0)
		return -1;
	if (o->plot_dir && wu_check_output_dir("--plot", o->plot_dir, err, errlen) < 0)
		return -1;
	if (o->rotate.dir && wu_check_output_dir("--capture-dir", o->rotate.dir, err, errlen) < 0)
		return -1;
	return 0;
}

/* Open the writers, read every input, finish the capture files and the
 * summary, and replace -o FILE.  0, or -1 with err. */
static int run(struct engine *e, const struct report_opts *o, struct rotator *rot, char *err,
	       size_t errlen)
{
	struct writer_common wc = { 0 };
	struct wu_atomic outfile = { 0 };
	FILE *out = stdout;

	if (o->output && strcmp(o->output, "-") != 0) {
		/* write next to the target, rename over it at the end */
		if (wu_atomic_open(&outfile, o->output, err, errlen) < 0)
			goto fail;
		out = outfile.f;
	}
	wc.out = out;
	wc.out_path = o->output;
	wc.multi_source = o->ninputs > 1;
	wc.local_time = o->local_time;
	wc.top = o->eng.top > 0;
	wc.sessions = group_by_has_session(&o->eng.group.by);
	wc.live = o->eng.live;
	if (open_writers(e, o, &wc, err, errlen) < 0)
		goto fail;

	for (size_t i = 0; i < o->ninputs; i++) {
		if (engine_run(e, o->inputs[i], err, errlen) < 0)
			goto fail;
		if (e->interrupted)
			break;
	}
	/* the capture files are complete before the summary is written */
	if (rot && rotator_finish(rot, err, errlen) < 0)
		goto fail;
	if (engine_finish(e, err, errlen) < 0)
		goto fail;
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "write error on output: %s", strerror(errno));
		goto fail;
	}
	if (outfile.f && wu_atomic_commit(&outfile, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	wu_atomic_abort(&outfile);
	return -1;
}

int main(int argc, char **argv)
{
	struct report_opts o = { .format = "table" };
	struct engine e;
	bool engine_ok = false;
	struct threshold *th = NULL;
	char err[1024] = "";
	struct rotator *rot = NULL;
	int ret = 1;
	struct sigaction sa;

	o.eng.counters = -1;
	o.eng.max_warnings = 10;
	o.eng.interrupted = &interrupted;
	o.prom_window = PROM_RULES_WINDOW_DEFAULT;
	o.rotate.period = 3600;
	argp_err_exit_status = 1;
	if (argp_parse(&argp, argc, argv, 0, NULL, &o) != 0)
		return 1;
	if (o.ninputs == 0 && !o.prom_rules)
		o.inputs[o.ninputs++] = "-";
	if (check_combinations(&o, err, sizeof(err)) < 0)
		goto cleanup;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;     /* no SA_RESTART: reads return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (parse_thresholds(&o, &th, err, sizeof(err)) < 0)
		goto cleanup;
	if (engine_init(&e, &o.eng, th, o.nthresholds, err, sizeof(err)) < 0) {
		engine_free(&e);
		goto cleanup;
	}
	engine_ok = true;   /* the engine owns th now */

	if (o.prom_rules) {
		/* the threshold specs are checked; the rules are all the output */
		if (write_rules(&o, th, err, sizeof(err)) < 0)
			goto cleanup;
		ret = 0;
		goto cleanup;
	}
	if (check_outputs(&o, err, sizeof(err)) < 0)
		goto cleanup;
	if (o.rotate.dir) {
		if (rotator_new(&rot, &o.rotate, err, sizeof(err)) < 0)
			goto cleanup;
		e.opts.tee = rotator_tee;
		e.opts.tee_arg = rot;
	}

	if (run(&e, &o, rot, err, sizeof(err)) < 0)
		goto cleanup;
	ret = e.crossed ? 2 : 0;
cleanup:
	if (ret == 1)
		fprintf(stderr, "dbnetio-report: %s\n", err);
	rotator_free(rot);
	if (engine_ok)
		engine_free(&e);
	return ret;
}
