/* series.c: from map entries to per-interval samples.
 *
 * A dump is a time line and the map entries after it; it closes at its
 * "# dbnetio-dump-end", the next time line, "# dbnetio-final" or the end of
 * the input, never because the input went quiet (a pipe may stall anywhere,
 * even inside a line).  Its time line already says what its samples are (the
 * interval, partial or not), so each map entry becomes its series' sample as
 * it is read: cumulative counters by difference with the previous value (a
 * value that goes down is a counter reset: the capture restarted, and the
 * new value is the bytes since), per-interval counters as they are.  A key
 * met twice in one dump starts a new dump without a time line.  Touching each
 * series once per dump, in line order, keeps its state in cache.
 *
 * Timestamps decide what a sample means.  Each good dump has a boundary in
 * whole seconds: its integer time (format 1), or its S.ffffff time rounded
 * to a multiple of the interval (format 2, whose programs dump just after
 * each boundary).  The samples of a dump are labelled by the START of the
 * interval they cover, the previous good dump's boundary: second k is
 * [k, k+I).  The first dump covers one interval (format 1: [t-I, t)) or,
 * in format 2, the time from attach to the first boundary, which is partial.
 * A later one covers the time since the last good dump: its rate divides by
 * the real elapsed time (format 2: the exact times' difference), and more
 * than an interval between boundaries is a gap, counted, the rate averaged
 * over it.  The same or an earlier boundary (duplicated or backwards
 * clocks), the dump after "# dbnetio-final" and map entries without a time
 * line are partial: their bytes count toward totals, but they are not rate
 * samples, and a backwards dump is not what the next one is measured from.
 *
 * Lookup cost: dumps list their keys in the same order every time, so each
 * series remembers which one followed it in the previous dump; a line is
 * first compared (one memcmp) with that prediction, and only on a miss
 * hashed.  In the steady state that is one compare per line.
 */
#include "grow.h"
#include "series.h"
#include "sessions.h"

#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>


#include "parse.h"
#include "summary.h"

/* ===== utility ===== */

uint64_t series_hash_key(unsigned source, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ ((uint64_t)source * 0x9e3779b97f4a7c15ull);
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

static int table_grow(struct series_table *t)
{
	size_t nb = t->nbuckets ? t->nbuckets * 2 : 256;
	struct series **b = calloc(nb, sizeof(*b));
	if (!b)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		struct series *s = t->all[i];
		size_t h = s->hash & (nb - 1);
		s->hnext = b[h];
		b[h] = s;
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
	return 0;
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Split the text key into map name, key tuple and, for dbnetio's own maps,
 * pid/comm/direction and the client fields of the capture's key (parse.h).
 * The first @send/@recv key of a header-less stream says what the capture
 * is keyed by (meta->key).  In a client or connection capture @send/@recv
 * and the process totals @psend/@precv are members (s->grouped); a key
 * that does not have the capture's shape is an error. */
static int series_describe(struct series *s, struct capture_meta *meta, char *err, size_t errlen)
{
	const char *raw = s->raw, *br = memchr(raw, '[', s->rawlen);
	size_t ml = br ? (size_t)(br - raw) : s->rawlen;
	struct parse_key pk;

	if (!parse_key_ok(raw, s->rawlen)) {
		char ex[64];
		parse_excerpt(raw, s->rawlen, ex, sizeof(ex));
		snprintf(err, errlen, "expected a map entry '@name[key]: integer', got key '%s'", ex);
		return -1;
	}
	for (size_t i = 0; i < s->rawlen; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c < 0x20 || c == 0x7f) {
			char ex[64];
			parse_excerpt(raw, s->rawlen, ex, sizeof(ex));
			snprintf(err, errlen, "expected a printable map key, got '%s'", ex);
			return -1;
		}
	}
	s->map = dupn(raw, ml);
	s->key = br ? dupn(br + 1, s->rawlen - ml - 2) : dupn("", 0);
	s->pid = -1;
	s->comm = NULL;
	s->client_port = s->local_port = -1;
	if (!s->map || !s->key)
		return -1;
	bool send = strcmp(s->map, "@send") == 0, recv = strcmp(s->map, "@recv") == 0;
	bool total = strcmp(s->map, "@psend") == 0 || strcmp(s->map, "@precv") == 0;
	size_t kl = strlen(s->key);
	if ((send || recv) && br) {
		if (!meta->key_known) {
			meta->key = parse_key_shape(s->key, kl);
			meta->key_known = true;
		}
		if (parse_dbnetio_key(s->key, kl, meta->key, &pk, err, errlen) == 0) {
			s->direction = send ? "send" : "recv";
			s->grouped = meta->key != CAPTURE_KEY_PROCESS;
		} else if (meta->key != CAPTURE_KEY_PROCESS) {
			char msg[256];
			snprintf(msg, sizeof(msg), "%s", err);
			snprintf(err, errlen, "%s: %s", s->map, msg);
			return -1;
		}
		/* a process capture's @send[x] without a pid is just a map */
	} else if (total && br && meta->key != CAPTURE_KEY_PROCESS) {
		if (parse_dbnetio_key(s->key, kl, CAPTURE_KEY_PROCESS, &pk, err, errlen) < 0) {
			char msg[256];
			snprintf(msg, sizeof(msg), "%s", err);
			snprintf(err, errlen, "%s: %s", s->map, msg);
			return -1;
		}
		s->direction = s->map[2] == 's' ? "send" : "recv";
		s->grouped = s->total = true;
	}
	if (s->direction) {
		s->pid = (long long)pk.pid;
		s->comm = dupn(pk.comm, pk.commlen);
		s->client = dupn(pk.client, strlen(pk.client));
		s->client_port = pk.client_port;
		s->local_port = pk.local_port;
	} else {
		s->comm = dupn("", 0);
		s->client = dupn("", 0);
	}
	if (!s->comm || !s->client)
		return -1;
	return series_set_label(s);
}

void series_free(struct series *s, size_t nth)
{
	if (!s)
		return;
	stats_free(&s->stats);
	if (s->th)
		for (size_t j = 0; j < nth; j++)
			threshold_state_free(&s->th[j]);
	free(s->th);
	free(s->raw);
	free(s->map);
	free(s->key);
	free(s->comm);
	free(s->client);
	free(s->db_user);
	free(s->database);
	free(s->application);
	free(s->label);
	free(s);
}

int series_watch(struct series *s, const struct threshold *th, size_t nth)
{
	if (!nth)
		return 0;
	if (!(s->th = calloc(nth, sizeof(*s->th))))
		return -1;
	for (size_t i = 0; i < nth; i++)
		if (threshold_applies(&th[i], s->map, s->direction))
			s->th_mask |= 1u << i;
	return 0;
}

int series_array_push(struct series ***all, size_t *n, size_t *cap, struct series *s)
{
	struct series **a = grow(*all, cap, *n, sizeof(*a), 64);

	if (!a)
		return -1;
	*all = a;
	a[(*n)++] = s;
	return 0;
}

const char *series_client_text(const struct series *s, char *buf, size_t len)
{
	if (s->client_port < 0)
		snprintf(buf, len, "%s", s->client);
	else if (strchr(s->client, ':'))
		/* an IPv6 address before a port goes in brackets, as in a URL */
		snprintf(buf, len, "[%s]:%d>%d", s->client, s->client_port, s->local_port);
	else
		snprintf(buf, len, "%s:%d>%d", s->client, s->client_port, s->local_port);
	return buf;
}

int series_set_label(struct series *s)
{
	char client[SERIES_CLIENT_TEXT_MAX];
	char *sess = series_session_text(s);
	size_t ll = strlen(s->raw) + strlen(s->comm) + SERIES_CLIENT_TEXT_MAX + 32 +
		    (sess ? strlen(sess) : 0);

	free(s->label);
	s->label = (s->session_fields && !sess) ? NULL : malloc(ll);
	if (!s->label) {
		free(sess);
		return -1;
	}
	if (!s->direction) {
		snprintf(s->label, ll, "%s", s->raw);
		free(sess);
		return 0;
	}
	series_client_text(s, client, sizeof(client));
	snprintf(s->label, ll, "%lld%s%s%s%s%s%s %s", s->pid, s->comm[0] ? " " : "", s->comm,
		 client[0] ? " " : "", client, sess && *sess ? " " : "", sess ? sess : "",
		 s->direction);
	free(sess);
	return 0;
}

char *series_session_text(const struct series *s)
{
	static const struct { unsigned f; const char *name; size_t off; } attrs[] = {
		{ SERIES_SESSION_USER, "user", offsetof(struct series, db_user) },
		{ SERIES_SESSION_DATABASE, "db", offsetof(struct series, database) },
		{ SERIES_SESSION_APPLICATION, "app", offsetof(struct series, application) },
	};
	size_t len = 32, o = 0;
	char *shown[3] = { NULL, NULL, NULL }, *t = NULL;

	if (!s->session_fields)
		return NULL;
	if (s->session_unknown)
		return strdup("(unknown session)");
	for (size_t i = 0; i < 3; i++) {
		const char *v = *(char *const *)((const char *)s + attrs[i].off);
		if (!(s->session_fields & attrs[i].f) || !v)
			continue;
		/* quoted when it could read as something else (empty, spaces) */
		if (!(shown[i] = session_display(v, " =\"")))
			goto out;
		len += strlen(shown[i]) + 16;
	}
	if (!(t = malloc(len)))
		goto out;
	t[0] = '\0';
	for (size_t i = 0; i < 3; i++)
		if (shown[i])
			o += (size_t)snprintf(t + o, len - o, "%s%s=%s", o ? " " : "", attrs[i].name,
					      shown[i][0] ? shown[i] : "\"\"");
out:
	for (size_t i = 0; i < 3; i++)
		free(shown[i]);
	return t;
}

static int series_new(struct series_table *t, struct capture_meta *meta, const char *key,
		      size_t keylen, uint64_t h, struct series **out, char *err, size_t errlen)
{
	int ret = SERIES_ENOMEM;
	unsigned source = meta->index;
	/* 64-byte aligned: its hot part is then exactly two cache lines */
	size_t size = (sizeof(struct series) + 63) & ~(size_t)63;
	struct series *s = keylen > UINT32_MAX - 1 ? NULL : aligned_alloc(64, size);

	if (!s)
		goto fail;
	memset(s, 0, size);
	s->source = source;
	s->hash = h;
	s->raw = dupn(key, keylen);
	s->rawlen = (uint32_t)keylen;
	{
		char head[sizeof(s->line_head) + 2] = { 0 };
		memcpy(head, key, keylen < sizeof(s->line_head) ? keylen : sizeof(s->line_head));
		if (keylen < sizeof(s->line_head))
			memcpy(head + keylen, ": ", 2);
		memcpy(s->line_head, head, sizeof(s->line_head));
	}
	if (!s->raw)
		goto fail;
	stats_init(&s->stats);
	err[0] = '\0';
	if (series_describe(s, meta, err, errlen) < 0) {
		/* no message: an allocation failed */
		if (err[0])
			ret = SERIES_EBAD;
		goto fail;
	}
	if (!s->grouped && series_watch(s, t->th, t->nth) < 0)
		goto fail;
	if ((t->n + 1) * 2 > t->nbuckets && table_grow(t) < 0)
		goto fail;
	if (series_array_push(&t->all, &t->n, &t->cap, s) < 0)
		goto fail;
	/* numbered once it exists: a key that is none takes no number */
	s->index = (*t->next_index)++;
	size_t b = h & (t->nbuckets - 1);
	s->hnext = t->buckets[b];
	t->buckets[b] = s;
	*out = s;
	return 0;
fail:
	series_free(s, t->nth);   /* zeroed at birth: its missing parts free as NULL */
	return ret;
}

/* ===== API ===== */

int series_table_init(struct series_table *t, const struct threshold *th, size_t nth,
		      series_sample_fn on_sample, series_dump_fn on_dump, void *arg)
{
	memset(t, 0, sizeof(*t));
	if (nth > SERIES_MAX_THRESHOLDS)
		return -1;
	t->th = th;
	t->nth = nth;
	t->on_sample = on_sample;
	t->on_dump = on_dump;
	t->arg = arg;
	t->next_index = &t->own_index;
	return table_grow(t);
}

void series_table_free(struct series_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		series_free(t->all[i], t->nth);
	free(t->all);
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

void series_source_init(struct series_source *src, struct capture_meta *meta)
{
	memset(src, 0, sizeof(*src));
	src->meta = meta;
}

void series_source_free(struct series_source *src)
{
	src->first = src->last = src->pred = src->prev_head = NULL;
}

void series_final_marker(struct series_source *src)
{
	src->final_next = true;
}

int series_close_dump(struct series_table *t, struct series_source *src, char *err, size_t errlen)
{
	if (!src->in_dump)
		return 0;
	src->in_dump = false;
	if (src->dump_partial)
		src->meta->counts.partial_dumps++;
	if (src->last)
		src->last->predicted = NULL;
	if (src->first)
		src->prev_head = src->first;
	src->first = src->last = NULL;
	(void)err;
	(void)errlen;
	if (t->on_dump && t->on_dump(t->arg, src->meta, src->ts, src->dump_partial) < 0)
		return SERIES_EHOOK;
	return 0;
}

/* Open a dump whose samples are [start, end), seconds long in real time. */
static void open_dump(struct series_source *src, int64_t start, int64_t end, bool timed,
		      enum partial_reason why, double seconds)
{
	bool partial = why != PARTIAL_NONE;

	src->in_dump = true;
	src->dump_seq++;
	src->ts = start;
	src->end = end;
	src->dump_timed = timed;
	src->why = why;
	src->dump_partial = partial;
	src->dump_seconds = seconds;
	src->is_rate = !partial && seconds > 0;
	src->one = seconds == 1;
	src->inv = src->is_rate ? 1.0 / seconds : 0;
	src->first = src->last = NULL;
	src->pred = src->prev_head;
}

/* The boundary of a format-2 time us (microseconds): round(t / I) * I in
 * whole seconds.  An exact tie (a dump I/2 late) goes to the earlier
 * boundary: dumps are taken just after a boundary, never before one. */
static int64_t boundary(int64_t us, unsigned iv)
{
	int64_t ius = (int64_t)iv * 1000000;
	return (us + ius / 2 - 1) / ius * (int64_t)iv;
}

/* The interval a dump at boundary at (exact time us) covers, [*start,
 * *end) and *seconds of real time, and why it is partial, if it is: the
 * last after "# dbnetio-final", the first, a repeated or backwards
 * boundary, or else a full interval (more than one is a gap, counted). */
static enum partial_reason dump_interval(struct series_source *src, int64_t at, int64_t us,
					 unsigned iv, bool aligned, int64_t *start, int64_t *end,
					 double *seconds)
{
	struct capture_counts *c = &src->meta->counts;

	*seconds = iv;
	if (src->final_next) {
		/* the last, partial interval: its time may well repeat the last one */
		src->final_next = false;
		*start = src->have_prev ? src->prev_at : at - iv;
		*end = at > *start ? at : *start + iv;
		return PARTIAL_FINAL;
	}
	if (!src->have_prev) {
		/* the first: format 1's covers the interval before it, format 2's
		 * only the time since attach */
		*start = at - iv;
		*end = at;
		return aligned ? PARTIAL_FIRST : PARTIAL_NONE;
	}
	if (at <= src->prev_at) {
		/* the same or an earlier boundary: bytes, no rate */
		if (at == src->prev_at)
			c->duplicates++;
		else
			c->backwards++;
		*start = src->prev_at;
		*end = *start + iv;
		return PARTIAL_REPEATED;
	}
	*start = src->prev_at;
	*end = at;
	*seconds = aligned ? (double)(us - src->prev_us) / 1e6 : (double)(at - src->prev_at);
	if (at - src->prev_at > (int64_t)iv) {
		c->gaps++;
		c->missing_seconds += (uint64_t)(at - src->prev_at) - iv;
	}
	return PARTIAL_NONE;
}

/* A full interval [start, end) of `seconds` is part of the capture's time:
 * first start to last end. */
static void capture_add_interval(struct capture_meta *m, int64_t start, int64_t end,
				 double seconds)
{
	m->seconds += seconds;
	if (!m->have_time) {
		m->start = start;
		m->end = end;
		m->have_time = true;
	}
	if (start < m->start)
		m->start = start;
	if (end > m->end)
		m->end = end;
}

int series_time(struct series_table *t, struct series_source *src, int64_t ts, uint32_t usec,
		unsigned flags, char *err, size_t errlen)
{
	struct capture_meta *m = src->meta;
	unsigned iv = m->interval ? m->interval : 1;
	/* format 2: aligned dumps, exact times */
	bool aligned = (flags & SERIES_TIME_FRAC) || m->format_version >= 2;
	enum partial_reason why;
	int64_t us, at, start, end;
	double seconds;

	if ((flags & SERIES_TIME_PER_LINE) && src->in_dump && src->dump_timed && src->at == ts)
		return 0;
	int r = series_close_dump(t, src, err, errlen);
	if (r < 0)
		return r;
	if (flags & SERIES_TIME_CLOCK) {
		/* HH:MM:SS: carry over midnight (a jump back of more than 12 h) */
		m->clock_of_day = true;
		if (src->have_clock && ts + src->clock_offset < src->last_clock - 43200)
			src->clock_offset += 86400;
		ts += src->clock_offset;
		src->last_clock = ts;
		src->have_clock = true;
	}
	us = ts * 1000000 + (flags & SERIES_TIME_FRAC ? usec : 0);
	at = aligned ? boundary(us, iv) : ts;
	m->counts.dumps++;
	why = dump_interval(src, at, us, iv, aligned, &start, &end, &seconds);
	if (why == PARTIAL_NONE)
		capture_add_interval(m, start, end, seconds);
	/* what the next dump is measured from: not a backwards one; a repeated
	 * boundary's snapshot is later, so the next bytes start there */
	if (!src->have_prev || at > src->prev_at) {
		src->prev_at = at;
		src->prev_us = us;
		src->have_prev = true;
	} else if (at == src->prev_at && us > src->prev_us) {
		src->prev_us = us;
	}
	src->at = at;
	open_dump(src, start, end, true, why, seconds);
	return 0;
}

/* A dump without a time line: after the last good dump, totals only. */
static void open_untimed(struct series_source *src)
{
	unsigned iv = src->meta->interval ? src->meta->interval : 1;
	int64_t start = src->have_prev ? src->prev_at : 0;

	open_dump(src, start, start + iv, false, PARTIAL_UNTIMED, 0);
}

int series_value(struct series_table *t, struct series_source *src, const char *key,
		 size_t keylen, uint64_t value, char *err, size_t errlen)
{
	struct series *s = src->in_dump ? src->pred : NULL;

	/* the series first: a key that is none changes nothing */
	if (!(s && s->rawlen == keylen && memcmp(s->raw, key, keylen) == 0 &&
	      s->source == src->meta->index)) {
		uint64_t h = series_hash_key(src->meta->index, key, keylen);
		for (s = t->buckets[h & (t->nbuckets - 1)]; s; s = s->hnext)
			if (s->hash == h && s->rawlen == keylen && s->source == src->meta->index &&
			    memcmp(s->raw, key, keylen) == 0)
				break;
		if (!s) {
			int r = series_new(t, src->meta, key, keylen, h, &s, err, errlen);
			if (r < 0)
				return r;
		}
	}
	if (!src->in_dump) {
		/* entries without a time line: totals only */
		src->meta->counts.untimed++;
		open_untimed(src);
	}
	if (s->dump_seq == src->dump_seq) {
		/* the same key twice in one dump: a new print without a time line
		 * (bpftrace prints the maps at exit): totals only */
		int r = series_close_dump(t, src, err, errlen);
		if (r < 0)
			return r;
		src->meta->counts.untimed++;
		open_untimed(src);
	}
	return series_account(t, src, s, value);
}
