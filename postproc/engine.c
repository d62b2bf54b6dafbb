/* engine.c: the run of one dbnetio-report invocation (see engine.h).
 *
 * Writers are called from here only, so the stages below know nothing about
 * output; a writer's failure (disk full) stops the run with its message.
 */
#include "engine.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastpath.h"
#include "input.h"
#include "sessions.h"

/* ===== utility ===== */

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

static void meta_free(struct capture_meta *m)
{
	if (!m)
		return;
	free(m->file);
	free(m->label);
	free(m->host);
	free(m->kernel);
	free(m->probe);
	free(m->filter);
	free(m->variant);
	if (m->sessions)
		session_log_free(m->sessions);
	free(m->sessions);
	free(m);
}

/* Has a source other than m the label? */
static bool label_taken(const struct engine *e, const struct capture_meta *m, const char *label)
{
	for (size_t i = 0; i < e->nsources; i++)
		if (e->sources[i] != m && e->sources[i]->label && strcmp(e->sources[i]->label, label) == 0)
			return true;
	return false;
}

/* Label a source: its host= when given, else its file's basename ("stdin"),
 * with " #n" for the n-th capture of one stream; a label already taken by
 * an earlier source gets the file name added. */
static int meta_label(struct engine *e, struct capture_meta *m)
{
	char *copy = xstrdup(m->file);
	char base[300], buf[512];

	if (!copy)
		return -1;
	snprintf(base, sizeof(base), "%s", strcmp(m->file, "-") == 0 ? "stdin" : basename(copy));
	if (m->part > 1) {
		size_t l = strlen(base);
		snprintf(base + l, sizeof(base) - l, " #%u", m->part);
	}
	/* the first of these no earlier source has: every output keys on the
	 * label (Prometheus's source label, the CSV's column) */
	for (int k = 0; k < 3; k++) {
		if (k == 0)
			snprintf(buf, sizeof(buf), "%s", m->host[0] ? m->host : base);
		else if (k == 1 && m->host[0] && strcmp(base, m->host) != 0)
			snprintf(buf, sizeof(buf), "%.200s (%s)", m->host, base);
		else if (k == 1)
			continue;
		else if (m->host[0])
			snprintf(buf, sizeof(buf), "%.200s (%s #%u)", m->host, base, m->index + 1);
		else
			snprintf(buf, sizeof(buf), "%s #%u", base, m->index + 1);
		if (!label_taken(e, m, buf))
			break;
	}
	free(copy);
	free(m->label);
	m->label = strdup(buf);
	return m->label ? 0 : -1;
}

static int writers_begin(struct engine *e, struct capture_meta *m)
{
	if (e->begun[m->index])
		return 0;
	e->begun[m->index] = true;
	if (meta_label(e, m) < 0) {
		snprintf(e->werr, sizeof(e->werr), "out of memory");
		return -1;
	}
	for (size_t i = 0; i < e->nwriters; i++)
		if (e->writers[i].ops->begin &&
		    e->writers[i].ops->begin(e->writers[i].ctx, m, e->werr, sizeof(e->werr)) < 0)
			return -1;
	return 0;
}

static int writers_alert(struct engine *e, struct series *s, unsigned ti, const struct alert *a,
			 enum alert_event ev)
{
	for (size_t i = 0; i < e->nwriters; i++)
		if (e->writers[i].ops->alert &&
		    e->writers[i].ops->alert(e->writers[i].ctx, s, &e->th[ti], a, ev, e->werr,
					     sizeof(e->werr)) < 0)
			return -1;
	return 0;
}

/* ===== stage callbacks ===== */

/* Every sample (the series stage has fed its statistics): thresholds, then
 * the streaming writers.  Not called at all when neither exists. */
static int on_sample(void *arg, struct series *s, const struct sample *smp)
{
	struct engine *e = arg;

	if (!e->begun[s->source] && writers_begin(e, e->sources[s->source]) < 0)
		return -1;
	if (smp->is_rate) {
		for (uint32_t m = s->th_mask; m; m &= m - 1) {
			unsigned ti = (unsigned)__builtin_ctz(m);
			struct alert ended, fired;
			int ev = threshold_feed(&s->th[ti], &e->th[ti], ti, smp->rate, smp->seconds,
						smp->ts, smp->end, &ended, &fired);
			if (ev < 0) {
				snprintf(e->werr, sizeof(e->werr), "out of memory");
				return -1;
			}
			if ((ev & THRESHOLD_ENDED) && writers_alert(e, s, ti, &ended, ALERT_ENDED) < 0)
				return -1;
			if (ev & THRESHOLD_FIRED) {
				e->crossed = true;
				if (writers_alert(e, s, ti, &fired, ALERT_FIRED) < 0)
					return -1;
			}
		}
	}
	if (!e->sample_writers)
		return 0;
	for (size_t i = 0; i < e->nwriters; i++)
		if (e->writers[i].ops->sample &&
		    e->writers[i].ops->sample(e->writers[i].ctx, s, smp, e->werr, sizeof(e->werr)) < 0)
			return -1;
	return 0;
}

/* Once a source's key is final (its header, or its first @send/@recv key;
 * at its end in any case): can it be grouped as --by asks?  0, or -1 with
 * the message in e->werr. */
static int check_key(struct engine *e, struct capture_meta *m, bool at_end)
{
	if (e->key_checked[m->index] || !(m->key_known || at_end))
		return 0;
	e->key_checked[m->index] = true;
	return group_check(&e->groups, m, e->werr, sizeof(e->werr));
}

/* A member's sample: to the group stage. */
static int on_member(void *arg, struct series *s, const struct sample *smp)
{
	struct engine *e = arg;

	return group_member_sample(&e->groups, e->sources[s->source], s, smp, e->werr,
				   sizeof(e->werr));
}

/* A dump closed: the groups' samples, then the writers' dump hooks. */
static int on_dump(void *arg, struct capture_meta *m, int64_t ts, bool partial)
{
	struct engine *e = arg;

	(void)partial;
	if (check_key(e, m, false) < 0 || writers_begin(e, m) < 0)
		return -1;
	char gerr[256];
	int code = group_close_dump(&e->groups, gerr, sizeof(gerr));
	if (code < 0) {
		/* a hook's failure left its own message in e->werr */
		if (code != SERIES_EHOOK)
			snprintf(e->werr, sizeof(e->werr), "%s", gerr);
		return -1;
	}
	for (size_t i = 0; i < e->nwriters; i++)
		if (e->writers[i].ops->dump &&
		    e->writers[i].ops->dump(e->writers[i].ctx, m, ts, e->werr, sizeof(e->werr)) < 0)
			return -1;
	return 0;
}

/* ===== API ===== */

int engine_init(struct engine *e, const struct engine_opts *o, struct threshold *th, size_t nth,
		char *err, size_t errlen)
{
	memset(e, 0, sizeof(*e));
	e->opts = *o;
	e->th = th;
	e->nth = nth;
	if (nth > SERIES_MAX_THRESHOLDS) {
		snprintf(err, errlen, "at most %d thresholds", SERIES_MAX_THRESHOLDS);
		return -1;
	}
	if (parse_init(&e->parser) < 0 ||
	    series_table_init(&e->table, th, nth, on_sample, on_dump, e) < 0 ||
	    group_table_init(&e->groups, &o->group, th, nth, &e->nindex, on_sample, e) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->table.next_index = &e->nindex;
	e->table.on_member = on_member;
	return 0;
}

int engine_add_writer(struct engine *e, struct writer w, char *err, size_t errlen)
{
	struct writer *n = realloc(e->writers, (e->nwriters + 1) * sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "out of memory");
		if (w.ops->free)
			w.ops->free(w.ctx);
		return -1;
	}
	e->writers = n;
	e->writers[e->nwriters++] = w;
	if (w.ops->sample)
		e->sample_writers++;
	return 0;
}

static struct capture_meta *meta_new(struct engine *e, const char *path)
{
	struct capture_meta *m = calloc(1, sizeof(*m));
	struct capture_meta **ns;
	bool *nb, *kc;

	if (!m)
		return NULL;
	m->index = (unsigned)e->nsources;
	m->part = 1;
	m->file = xstrdup(path);
	m->host = xstrdup("");
	m->kernel = xstrdup("");
	m->probe = xstrdup("");
	m->filter = xstrdup("");
	m->variant = xstrdup("");
	m->interval = e->opts.interval ? e->opts.interval : 1;
	ns = realloc(e->sources, (e->nsources + 1) * sizeof(*ns));
	if (ns)
		e->sources = ns;
	nb = realloc(e->begun, (e->nsources + 1) * sizeof(*nb));
	if (nb)
		e->begun = nb;
	kc = realloc(e->key_checked, (e->nsources + 1) * sizeof(*kc));
	if (kc)
		e->key_checked = kc;
	if (!m->file || !m->host || !m->kernel || !m->probe || !m->filter || !m->variant || !ns ||
	    !nb || !kc) {
		meta_free(m);
		return NULL;
	}
	e->sources[e->nsources] = m;
	e->begun[e->nsources] = false;
	e->key_checked[e->nsources] = false;
	e->nsources++;
	return m;
}

/* A bad line: an error, or under --lenient a counted, warned skip. */
static int bad_line(struct engine *e, struct capture_meta *m, uint64_t lineno, const char *msg,
		    char *err, size_t errlen)
{
	if (!e->opts.lenient) {
		snprintf(err, errlen, "%s:%llu: %s", m->file, (unsigned long long)lineno, msg);
		return -1;
	}
	m->counts.bad_lines++;
	if (e->warnings_printed < e->opts.max_warnings) {
		fprintf(stderr, "dbnetio-report: warning: %s:%llu: %s (skipped)\n", m->file,
			(unsigned long long)lineno, msg);
		e->warnings_printed++;
	}
	return 0;
}

/* When the report groups by session: the sessions of capture m, from
 * PATH.sessions beside it, else --sessions FILE.  A capture without any is
 * left without (group_check() says so once its key is known); a file that
 * is there but bad is an error.  0, or -1 with err. */
static int sessions_load(struct engine *e, struct capture_meta *m, const char *path, char *err,
			 size_t errlen)
{
	char *side = NULL;
	const char *file = e->opts.sessions;
	int ret = -1;

	if (!group_by_has_session(&e->opts.group.by))
		return 0;
	if (strcmp(path, "-") != 0) {
		size_t l = strlen(path) + sizeof(".sessions");
		if (!(side = malloc(l))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		snprintf(side, l, "%s.sessions", path);
		if (!e->opts.sessions || access(side, F_OK) == 0)
			file = side;
	}
	if (!file || (file == side && access(side, F_OK) != 0)) {
		ret = 0;
		goto out;
	}
	if (!(m->sessions = calloc(1, sizeof(*m->sessions)))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (session_log_load(file, m->sessions, err, errlen) < 0) {
		free(m->sessions);
		m->sessions = NULL;
		goto out;
	}
	ret = 0;
out:
	free(side);
	return ret;
}

/* Start a source of path: its metadata and a fresh dump state, with
 * --counters applied, and its sessions when grouped by them.  0, or -1
 * with err. */
static int source_start(struct engine *e, struct series_source *src, const char *path,
			unsigned part, char *err, size_t errlen)
{
	struct capture_meta *m = meta_new(e, path);

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->part = part;
	series_source_init(src, m);
	if (e->opts.counters >= 0) {
		src->counters_forced = true;
		src->interval_counters = e->opts.counters == 1;
		m->interval_counters = src->interval_counters;
	}
	return sessions_load(e, m, path, err, errlen);
}

/* A source is complete (its end of input, or the next capture's header):
 * close its open dump, check its key, begin its writers if no dump did.
 * 0, or -1 with the message in err. */
static int source_end(struct engine *e, struct series_source *src, char *err, size_t errlen)
{
	char perr[384];

	if (series_close_dump(&e->table, src, perr, sizeof(perr)) < 0 ||
	    check_key(e, src->meta, true) < 0 || writers_begin(e, src->meta) < 0) {
		/* each of these failures left its message in e->werr */
		snprintf(err, errlen, "%s", e->werr[0] ? e->werr : "out of memory");
		return -1;
	}
	return 0;
}

/* Does a header line start a new capture?  When this source already had
 * one, or dumps: `cat a.txt b.txt | dbnetio-report` is two captures (a
 * bpftrace banner before the header is no data). */
static bool header_starts_capture(const struct capture_meta *m)
{
	return m->format_version > 0 || m->counts.dumps || m->counts.map_lines || m->counts.untimed;
}

/* ===== reading one source ===== */

/* The state of one engine_run(): the reader, the open source's dump state
 * and the fast path over them. */
struct run {
	struct engine *e;
	const char *path;
	struct input in;
	struct series_source src;
	struct fastpath fast;
	int64_t quiet_deadline_ms;   /* after Ctrl-C in live mode; -1 before */
	bool stop;                   /* the input is done (EOF, Ctrl-C) */
	char perr[384];              /* a stage's message for a bad line */
	char *err;
	size_t errlen;
};

/* A series-stage call failed with code: a bad line under SERIES_EBAD (an
 * error, or skipped under --lenient), else the run stops with what failed.
 * 0 when the run goes on, -1 with r->err when it stops. */
static int series_failed(struct run *r, int code)
{
	struct engine *e = r->e;

	if (code == SERIES_EBAD)
		return bad_line(e, r->src.meta, r->in.lineno, r->perr, r->err, r->errlen);
	if (code == SERIES_EHOOK && e->werr[0])
		snprintf(r->err, r->errlen, "%s", e->werr);
	else
		snprintf(r->err, r->errlen, "out of memory");
	return -1;
}

/* A header line (its text after "# dbnetio-capture "): the next capture's
 * when this source already had one or dumps, then its fields, --counters
 * and --interval weighed against them.  0, or -1 with r->err. */
static int run_header(struct run *r, const char *text, size_t len)
{
	struct engine *e = r->e;
	struct capture_meta *m = r->src.meta;

	/* a bad header is a bad line of the capture it is in, not the start
	 * of another */
	if (header_starts_capture(m) && parse_header_check(text, len, r->perr, sizeof(r->perr)) == 0) {
		/* the header line is the next capture's */
		unsigned part = m->part + 1;
		m->counts.lines--;
		if (source_end(e, &r->src, r->err, r->errlen) < 0)
			return -1;
		series_source_free(&r->src);
		if (source_start(e, &r->src, r->path, part, r->err, r->errlen) < 0)
			return -1;
		m = r->src.meta;
		m->counts.lines++;
	}
	if (parse_header(text, len, m, r->perr, sizeof(r->perr)) < 0)
		return bad_line(e, m, r->in.lineno, r->perr, r->err, r->errlen);
	if (!r->src.counters_forced) {
		r->src.interval_counters = m->interval_counters;
	} else if (m->interval_counters != r->src.interval_counters) {
		/* the option wins, and says so */
		fprintf(stderr, "dbnetio-report: warning: %s:%llu: --counters %s "
			"overrides the header's counters=%s\n", m->file,
			(unsigned long long)r->in.lineno,
			r->src.interval_counters ? "interval" : "cumulative",
			m->interval_counters ? "interval" : "cumulative");
		m->interval_counters = r->src.interval_counters;
	}
	if (e->opts.interval && !m->interval_from_header)
		m->interval = e->opts.interval;
	else if (e->opts.interval && m->interval != e->opts.interval)
		/* the header measured it: it wins, and says so */
		fprintf(stderr, "dbnetio-report: warning: %s:%llu: --interval %u "
			"ignored: the header says interval=%u\n", m->file,
			(unsigned long long)r->in.lineno, e->opts.interval, m->interval);
	return 0;
}

/* One record of a line parse_line() read.  0, or -1 with r->err. */
static int run_record(struct run *r, const struct record *rec)
{
	struct engine *e = r->e;
	struct capture_meta *m = r->src.meta;
	int code = 0;

	switch (rec->kind) {
	case REC_MAP:
		if (rec->flags & REC_F_LEGACY)
			m->legacy_bcc = true;
		if (rec->flags & REC_F_JSON)
			m->json = true;
		code = series_value(&e->table, &r->src, rec->key, rec->keylen, rec->value, r->perr,
				    sizeof(r->perr));
		break;
	case REC_TIME:
		code = series_time(&e->table, &r->src, rec->ts, rec->usec,
				   (rec->flags & REC_F_CLOCK ? SERIES_TIME_CLOCK : 0) |
				   (rec->flags & REC_F_FRAC ? SERIES_TIME_FRAC : 0) |
				   /* BCC lines carry the time on every line */
				   (rec->flags & REC_F_LEGACY ? SERIES_TIME_PER_LINE : 0),
				   r->perr, sizeof(r->perr));
		break;
	case REC_HEADER:
		return run_header(r, rec->key, rec->keylen);
	case REC_FINAL:
		code = series_close_dump(&e->table, &r->src, r->perr, sizeof(r->perr));
		series_final_marker(&r->src);
		break;
	case REC_DUMP_END:
		code = series_close_dump(&e->table, &r->src, r->perr, sizeof(r->perr));
		break;
	case REC_LOST:
		m->counts.lost_events += rec->value;
		m->counts.lost_notices++;
		break;
	case REC_WARNING:
		m->counts.warnings++;
		break;
	case REC_UNSUPPORTED:
		m->counts.unsupported++;
		break;
	case REC_BANNER:
	case REC_BLANK:
	case REC_COMMENT:
		break;
	}
	return code < 0 ? series_failed(r, code) : 0;
}

/* One complete line: the predicted series' (fastpath_line()), a plain map
 * entry (parse_map_fast()), else parsed in full.  0, or -1 with r->err. */
static int run_line(struct run *r, const char *line, size_t len)
{
	struct engine *e = r->e;
	size_t keylen;
	uint64_t value;
	int code;

	r->src.meta->counts.lines++;
	if (!e->opts.general_path_only) {
		if ((code = fastpath_line(&r->fast, line, len)) != 0)
			return code < 0 ? series_failed(r, code) : 0;
		/* a bad key is left to parse_line(), whose message is the one
		 * the general path gives */
		if (parse_map_fast(line, len, &keylen, &value) &&
		    (code = series_value(&e->table, &r->src, line, keylen, value, r->perr,
					 sizeof(r->perr))) != SERIES_EBAD)
			return code < 0 ? series_failed(r, code) : 0;
	}
	if (parse_line(&e->parser, line, len, r->perr, sizeof(r->perr)) < 0)
		return bad_line(e, r->src.meta, r->in.lineno, r->perr, r->err, r->errlen);
	for (size_t i = 0; i < e->parser.n; i++)
		if (run_record(r, &e->parser.rec[i]) < 0)
			return -1;
	return 0;
}

/* What the reader said, when it was not a line: the end, a line too long,
 * an unterminated last line, a timeout or a signal (Ctrl-C: in live mode,
 * a second for bpftrace's last dump).  0 (r->stop set at the end), or -1
 * with r->err. */
static int run_status(struct run *r, enum input_status st)
{
	struct engine *e = r->e;
	struct capture_meta *m = r->src.meta;

	switch (st) {
	case INPUT_LINE:
		break;
	case INPUT_EOF:
		r->stop = true;
		break;
	case INPUT_LONG:
		m->counts.lines++;
		m->counts.long_lines++;
		snprintf(r->perr, sizeof(r->perr), "line longer than %zu bytes (expected a capture line)",
			 r->in.max_line);
		return bad_line(e, m, r->in.lineno, r->perr, r->err, r->errlen);
	case INPUT_TRUNCATED:
		m->counts.lines++;
		m->counts.truncated++;
		fprintf(stderr, "dbnetio-report: warning: %s:%llu: last line has no newline "
			"(capture cut short?), ignored\n", m->file, (unsigned long long)r->in.lineno);
		break;
	case INPUT_TIMEOUT:
		/* after Ctrl-C: bpftrace had its time to print */
		if (r->quiet_deadline_ms >= 0 && (r->quiet_deadline_ms -= 200) < 0)
			r->stop = true;
		break;
	case INPUT_INTERRUPTED:
		if (e->opts.interrupted && *e->opts.interrupted) {
			e->interrupted = true;
			if (!e->opts.live || *e->opts.interrupted > 1)
				r->stop = true;
			/* let bpftrace, which got the same Ctrl-C, print its last dump */
			else if (r->quiet_deadline_ms < 0)
				r->quiet_deadline_ms = 1000;
		}
		break;
	case INPUT_ERROR:
		snprintf(r->err, r->errlen, "%s", r->perr);
		return -1;
	}
	return 0;
}

int engine_run(struct engine *e, const char *path, char *err, size_t errlen)
{
	struct run r = { .e = e, .path = path, .quiet_deadline_ms = -1, .err = err, .errlen = errlen };
	bool in_open = false;
	int ret = -1;

	if (source_start(e, &r.src, path, 1, err, errlen) < 0)
		return -1;
	fastpath_init(&r.fast, &e->table, &r.src);
	/* samples need the engine only for thresholds and streaming writers */
	e->table.on_sample = e->nth || e->sample_writers ? on_sample : NULL;
	if (input_open(&r.in, path, err, errlen) < 0)
		goto cleanup;
	in_open = true;
	if (e->opts.tee && input_set_tee(&r.in, e->opts.tee, e->opts.tee_arg, err, errlen) < 0)
		goto cleanup;

	while (!r.stop) {
		/* Input that goes quiet ends nothing: a pipe may stall between a
		 * dump's maps or inside a line.  Only after Ctrl-C is there a
		 * deadline, for bpftrace's last dump. */
		int timeout = r.quiet_deadline_ms >= 0 ? 200 : -1;
		enum input_status st;
		const char *line;
		size_t len;
		uint64_t nlines;
		int code;

		/* the hottest path: the predicted series' lines, straight from the
		 * reader's buffer */
		if (!e->opts.general_path_only) {
			code = input_take(&r.in, fastpath_take, &r.fast, &nlines);
			r.src.meta->counts.lines += nlines;
			if (code < 0 && series_failed(&r, code) < 0)
				goto cleanup;
		}
		st = input_next(&r.in, &line, &len, timeout, r.perr, sizeof(r.perr));
		if (st == INPUT_LINE ? run_line(&r, line, len) < 0 : run_status(&r, st) < 0)
			goto cleanup;
	}
	if (source_end(e, &r.src, err, errlen) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	e->fast_lines += r.fast.lines;
	e->fast_wide_lines += r.fast.wide_lines;
	if (in_open)
		input_close(&r.in);
	series_source_free(&r.src);
	return ret;
}

static enum engine_sort sort_key;

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = *(struct series *const *)a, *y = *(struct series *const *)b;
	if (sort_key == SORT_PEAK) {
		if (x->stats.max != y->stats.max)
			return x->stats.max < y->stats.max ? 1 : -1;
	} else if (sort_key == SORT_TOTAL) {
		if (x->total_bytes != y->total_bytes)
			return x->total_bytes < y->total_bytes ? 1 : -1;
	}
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	int c = strcmp(x->raw, y->raw);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* ===== --top ===== */

/* The entry --top ranks a series under: its source and key without the
 * direction (a process, a client or a connection of one); a map that is
 * not dbnetio's is an entry of its own.  0 when a and b share one. */
static int entry_cmp(const struct series *a, const struct series *b)
{
	int c;

	if (a->source != b->source)
		return a->source < b->source ? -1 : 1;
	if (!a->direction || !b->direction) {
		if (a->direction || b->direction)
			return a->direction ? -1 : 1;
		return strcmp(a->raw, b->raw);
	}
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if ((c = strcmp(a->comm, b->comm)) != 0 || (c = strcmp(a->client, b->client)) != 0)
		return c;
	if (a->client_port != b->client_port)
		return a->client_port < b->client_port ? -1 : 1;
	return a->local_port < b->local_port ? -1 : a->local_port > b->local_port;
}

static int cmp_entry_ptr(const void *a, const void *b)
{
	const struct series *x = *(struct series *const *)a, *y = *(struct series *const *)b;
	int c = entry_cmp(x, y);
	return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

struct top_entry {
	uint64_t total;          /* its series' bytes, both directions */
	double peak;             /* its series' highest rate */
	size_t first;            /* position of its first series in the report order */
	size_t id;               /* its number before ranking */
	bool kept;
};

static enum engine_sort entry_sort;

static int cmp_top_entry(const void *a, const void *b)
{
	const struct top_entry *x = a, *y = b;
	if (entry_sort == SORT_TOTAL && x->total != y->total)
		return x->total < y->total ? 1 : -1;
	if (entry_sort == SORT_PEAK && x->peak != y->peak)
		return x->peak < y->peak ? 1 : -1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* --top N over the sorted e->order[0..n): rank the entries by --sort (their
 * bytes, their peak, or their first series' place by name), keep the N
 * first, and move their series to the front, each part in report order.
 * Fills the summary's ranked fields.  0, or -1 (out of memory). */
static int apply_top(struct engine *e, size_t n, struct summary *sum)
{
	struct series **byentry = NULL, **kept = NULL;
	struct top_entry *ent = NULL;
	size_t *pos = NULL, *entry_of = NULL, nent = 0, nkept = 0, maxindex = 0;
	bool conn = false, client = false, proc = false;
	int ret = -1;

	for (size_t i = 0; i < n; i++) {
		const struct series *s = e->order[i];
		if (s->index > maxindex)
			maxindex = s->index;
		conn |= s->direction && s->client_port >= 0;
		client |= s->direction && s->client[0];
		proc |= s->direction != NULL;
	}
	sum->ranked = conn ? "connections" : client ? "clients" : proc ? "processes" : "series";
	byentry = malloc((n + 1) * sizeof(*byentry));
	kept = malloc((n + 1) * sizeof(*kept));
	ent = calloc(n + 1, sizeof(*ent));
	pos = malloc((maxindex + 1) * sizeof(*pos));
	entry_of = malloc((maxindex + 1) * sizeof(*entry_of));
	if (!byentry || !kept || !ent || !pos || !entry_of)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		pos[e->order[i]->index] = i;
		byentry[i] = e->order[i];
	}
	qsort(byentry, n, sizeof(*byentry), cmp_entry_ptr);
	for (size_t i = 0; i < n; i++) {
		const struct series *s = byentry[i];
		if (i == 0 || entry_cmp(byentry[i - 1], s) != 0)
			ent[nent] = (struct top_entry){ .first = pos[s->index], .peak = -1, .id = nent },
			nent++;
		struct top_entry *t = &ent[nent - 1];
		if (__builtin_add_overflow(t->total, s->total_bytes, &t->total))
			t->total = UINT64_MAX;
		if (s->stats.n && s->stats.max > t->peak)
			t->peak = s->stats.max;
		if (pos[s->index] < t->first)
			t->first = pos[s->index];
		entry_of[s->index] = nent - 1;
	}
	/* rank a copy: entry_of[] holds the unsorted entries' numbers */
	struct top_entry *ranked = malloc((nent + 1) * sizeof(*ranked));
	if (!ranked)
		goto cleanup;
	memcpy(ranked, ent, nent * sizeof(*ent));
	entry_sort = e->opts.sort;
	qsort(ranked, nent, sizeof(*ranked), cmp_top_entry);
	size_t keep = e->opts.top && e->opts.top < nent ? e->opts.top : nent;
	for (size_t k = 0; k < keep; k++)
		ent[ranked[k].id].kept = true;
	free(ranked);
	size_t rest = 0;
	for (size_t i = 0; i < n; i++) {
		struct series *s = e->order[i];
		if (ent[entry_of[s->index]].kept)
			e->order[nkept++] = s;
		else
			kept[rest++] = s;   /* the rest, in order, for a moment */
	}
	memcpy(e->order + nkept, kept, rest * sizeof(*kept));
	sum->nseries = nkept;
	sum->nranked = keep;
	sum->nranked_all = nent;
	ret = 0;
cleanup:
	free(byentry);
	free(kept);
	free(ent);
	free(pos);
	free(entry_of);
	return ret;
}

/* A gate must not pass by accident (a cron job acts on the exit status):
 * with thresholds, the input must have had a dump, and each threshold must
 * watch some series that has a full interval to compare.  0, or -1 with
 * err saying which threshold found nothing and what the capture has. */
static int thresholds_check(const struct engine *e, size_t n, char *err, size_t errlen)
{
	uint64_t dumps = 0;

	if (!e->nth)
		return 0;
	for (size_t i = 0; i < e->nsources; i++)
		dumps += e->sources[i]->counts.dumps;
	if (!dumps) {
		snprintf(err, errlen, "no dump in the input, so no threshold could be crossed "
			 "(an empty or failed capture?)");
		return -1;
	}
	for (size_t t = 0; t < e->nth; t++) {
		size_t watched = 0, rated = 0;
		for (size_t i = 0; i < n; i++)
			if (e->order[i]->th_mask & (1u << t)) {
				watched++;
				rated += e->order[i]->stats.n > 0;
			}
		if (rated)
			continue;
		if (watched) {
			snprintf(err, errlen, "threshold '%s': the %zu series it watches %s no full "
				 "interval to compare (only partial dumps)", e->th[t].spec, watched,
				 watched == 1 ? "has" : "have");
			return -1;
		}
		/* what there is, so that a typo shows */
		char maps[256] = "";
		size_t ml = 0, nmaps = 0;
		for (size_t i = 0; i < n && ml < sizeof(maps) - 1; i++) {
			const char *mp = e->order[i]->map;
			bool dup = false;
			for (size_t j = 0; j < i && !dup; j++)
				dup = strcmp(e->order[j]->map, mp) == 0;
			if (!dup && nmaps++ < 8)
				ml += (size_t)snprintf(maps + ml, sizeof(maps) - ml, "%s%s", ml ? ", " : "", mp);
		}
		const struct threshold *th = &e->th[t];
		snprintf(err, errlen, "threshold '%s' watches nothing in the capture: no %s%s "
			 "(the capture has %s)", th->spec,
			 th->target == TH_MAP ? "map " : th->target == TH_SEND ? "send series" :
			 th->target == TH_RECV ? "recv series" : "series",
			 th->target == TH_MAP ? th->map : "", n ? maps : "no series");
		return -1;
	}
	return 0;
}

/* The series writers see, in e->order[0..*n): the series stage's own, then
 * the groups.  0, or -1 (out of memory). */
static int collect_series(struct engine *e, size_t *n)
{
	*n = 0;
	e->order = malloc((e->table.n + e->groups.n + 1) * sizeof(*e->order));
	if (!e->order)
		return -1;
	for (size_t i = 0; i < e->table.n; i++)
		if (!e->table.all[i]->grouped)
			e->order[(*n)++] = e->table.all[i];
	for (size_t i = 0; i < e->groups.n; i++)
		e->order[(*n)++] = e->groups.all[i];
	return 0;
}

/* The end of each series: its open alerts closed (and handed to the
 * writers' alert hooks), its statistics finished, so that writers only read
 * them.  0, or -1 with err. */
static int finish_series(struct engine *e, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct series *s = e->order[i];
		for (uint32_t m = s->th_mask; m; m &= m - 1) {
			unsigned ti = (unsigned)__builtin_ctz(m);
			struct alert a;
			int ev = threshold_finish(&s->th[ti], &a);
			if (ev < 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			if (ev && writers_alert(e, s, ti, &a, ALERT_ENDED) < 0) {
				snprintf(err, errlen, "%s", e->werr);
				return -1;
			}
		}
		if (stats_finish(&s->stats) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* The summary's alert part over all n series in report order: each
 * threshold's alert count, and the series that have any.  0, or -1 (out of
 * memory). */
static int summarize_alerts(struct engine *e, size_t n, struct summary *sum)
{
	e->alerts_total = calloc(e->nth + 1, sizeof(*e->alerts_total));
	e->alerted = malloc((n + 1) * sizeof(*e->alerted));
	if (!e->alerts_total || !e->alerted)
		return -1;
	sum->nalerted = 0;
	for (size_t i = 0; i < n; i++) {
		const struct series *s = e->order[i];
		uint64_t any = 0;
		for (uint32_t m = s->th_mask; m; m &= m - 1) {
			unsigned ti = (unsigned)__builtin_ctz(m);
			e->alerts_total[ti] += s->th[ti].alerts_total;
			any += s->th[ti].alerts_total;
		}
		if (any)
			e->alerted[sum->nalerted++] = s;
	}
	sum->alerted = e->alerted;
	sum->alerts_total = e->alerts_total;
	return 0;
}

int engine_finish(struct engine *e, char *err, size_t errlen)
{
	struct summary *sum = &e->summary;
	size_t n = 0;

	if (collect_series(e, &n) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (finish_series(e, n, err, errlen) < 0 || thresholds_check(e, n, err, errlen) < 0)
		return -1;
	if (n) {
		sort_key = e->opts.sort;
		qsort(e->order, n, sizeof(*e->order), cmp_series);
	}
	sum->sources = e->sources;
	sum->nsources = e->nsources;
	sum->series = (const struct series *const *)e->order;
	sum->nseries_all = n;
	sum->top = e->opts.top;
	sum->thresholds = e->th;
	sum->nthresholds = e->nth;
	sum->crossed = e->crossed;
	sum->interrupted = e->interrupted;
	if (apply_top(e, n, sum) < 0 || summarize_alerts(e, n, sum) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < e->nwriters; i++)
		if (e->writers[i].ops->finish &&
		    e->writers[i].ops->finish(e->writers[i].ctx, sum, e->werr, sizeof(e->werr)) < 0) {
			snprintf(err, errlen, "%s", e->werr);
			return -1;
		}
	return 0;
}

void engine_free(struct engine *e)
{
	for (size_t i = 0; i < e->nwriters; i++)
		if (e->writers[i].ops->free)
			e->writers[i].ops->free(e->writers[i].ctx);
	free(e->writers);
	group_table_free(&e->groups);
	series_table_free(&e->table);
	parse_free(&e->parser);
	for (size_t i = 0; i < e->nth; i++)
		threshold_free(&e->th[i]);
	free(e->th);
	for (size_t i = 0; i < e->nsources; i++)
		meta_free(e->sources[i]);
	free(e->sources);
	free(e->begun);
	free(e->key_checked);
	free(e->order);
	free(e->alerted);
	free(e->alerts_total);
	memset(e, 0, sizeof(*e));
}
