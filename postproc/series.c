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
#include "series.h"
#include "sessions.h"

#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct series **a = realloc(*all, c * sizeof(*a));
		if (!a)
			return -1;
		*all = a;
		*cap = c;
	}
	(*all)[(*n)++] = s;
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

static struct series *series_new(struct series_table *t, struct capture_meta *meta,
				 const char *key, size_t keylen, uint64_t h, char *err, size_t errlen)
{
	unsigned source = meta->index;
	/* 64-byte aligned: its hot part is then exactly two cache lines */
	size_t size = (sizeof(struct series) + 63) & ~(size_t)63;
	struct series *s = keylen > UINT32_MAX - 1 ? NULL : aligned_alloc(64, size);

	if (!s)
		goto nomem;
	memset(s, 0, size);
	s->index = (*t->next_index)++;
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
		goto nomem;
	stats_init(&s->stats);
	err[0] = '\0';
	if (series_describe(s, meta, err, errlen) < 0) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!s->grouped && series_watch(s, t->th, t->nth) < 0)
		goto nomem;
	if ((t->n + 1) * 2 > t->nbuckets && table_grow(t) < 0)
		goto nomem;
	if (series_array_push(&t->all, &t->n, &t->cap, s) < 0)
		goto nomem;
	size_t b = h & (t->nbuckets - 1);
	s->hnext = t->buckets[b];
	t->buckets[b] = s;
	return s;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	series_free(s, t->nth);   /* zeroed at birth: its missing parts free as NULL */
	return NULL;
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
	if (t->on_dump && t->on_dump(t->arg, src->meta, src->ts, src->dump_partial) < 0) {
		snprintf(err, errlen, "%s", "writer failed");
		return -1;
	}
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

int series_time(struct series_table *t, struct series_source *src, int64_t ts, uint32_t usec,
		unsigned flags, char *err, size_t errlen)
{
	struct capture_meta *m = src->meta;
	unsigned iv = m->interval ? m->interval : 1;
	/* format 2: aligned dumps, exact times */
	bool aligned = (flags & SERIES_TIME_FRAC) || m->format_version >= 2;
	enum partial_reason why = PARTIAL_NONE;
	int64_t us, at, start, end;
	double seconds = iv;

	if (series_close_dump(t, src, err, errlen) < 0)
		return -1;
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
	if (src->final_next) {
		/* the last, partial interval: its time may well repeat the last one */
		why = PARTIAL_FINAL;
		src->final_next = false;
		start = src->have_prev ? src->prev_at : at - iv;
		end = at > start ? at : start + iv;
	} else if (!src->have_prev) {
		/* the first: format 1's covers the interval before it, format 2's
		 * only the time since attach */
		if (aligned)
			why = PARTIAL_FIRST;
		start = at - iv;
		end = at;
	} else if (at <= src->prev_at) {
		/* the same or an earlier boundary: bytes, no rate */
		if (at == src->prev_at)
			m->counts.duplicates++;
		else
			m->counts.backwards++;
		why = PARTIAL_REPEATED;
		start = src->prev_at;
		end = start + iv;
	} else {
		start = src->prev_at;
		end = at;
		seconds = aligned ? (double)(us - src->prev_us) / 1e6 : (double)(at - src->prev_at);
		if (at - src->prev_at > (int64_t)iv) {
			m->counts.gaps++;
			m->counts.missing_seconds += (uint64_t)(at - src->prev_at) - iv;
		}
	}
	if (why == PARTIAL_NONE) {
		m->seconds += seconds;
		/* the capture is its full intervals: first start to last end */
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

/* Account value to s in the open dump and make its sample.  0, or -1 with
 * err ("out of memory", or "writer failed" when a sample hook failed). */
static inline __attribute__((always_inline)) int
series_account(struct series_table *t, struct series_source *src,
				 struct series *s, uint64_t value, char *err, size_t errlen)
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
		if (t->on_member && t->on_member(t->arg, s, &smp) < 0) {
			snprintf(err, errlen, "%s", "writer failed");
			return -1;
		}
		return 0;
	}
	if (series_add_sample(s, &smp) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (t->on_sample && t->on_sample(t->arg, s, &smp) < 0) {
		snprintf(err, errlen, "%s", "writer failed");
		return -1;
	}
	return 0;
}

/* Equal bytes, 8 at a time: keys are short, a libc call costs more. */
static inline int key_eq(const char *a, const char *b, size_t l)
{
	while (l >= 8) {
		uint64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
		a += 8;
		b += 8;
		l -= 8;
	}
	while (l--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

int series_value_predicted(struct series_table *t, struct series_source *src, const char *line,
			   size_t len)
{
	struct series *s = src->pred;
	uint64_t value;

	if (!s || !src->in_dump || s->dump_seq == src->dump_seq || len <= s->rawlen + 2)
		return 0;
	size_t l = s->rawlen;
	if (line[l] != ':' || line[l + 1] != ' ' || !key_eq(line, s->raw, l) ||
	    !parse_digits(line + l + 2, len - l - 2, &value))
		return 0;
	if (series_account(t, src, s, value, t->fail, sizeof(t->fail)) < 0) {
		t->failed = true;
		return 0;
	}
	return 1;
}

/* Eight digit values (0..9, the first in the lowest byte) to a number. */
static inline uint64_t swar8(uint64_t c)
{
	c = c * 10 + (c >> 8);
	return (((c & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
		(((c >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
}

/* One predicted line (see series_take_predicted()). */
static inline size_t take_one(struct series_table *t, struct series_source *src, const char *buf,
			      size_t avail)
{
	struct series *s = src->pred;
	const char *d, *end = buf + avail;
	size_t l, n = 0;
	uint64_t value;

	if (!s || !src->in_dump || s->dump_seq == src->dump_seq)
		return 0;
	l = s->rawlen;
	if (avail < l + 4 || buf[l] != ':' || buf[l + 1] != ' ')
		return 0;
	if (l <= sizeof(s->line_head) ? !key_eq(buf, s->line_head, l)
				     : !key_eq(buf, s->raw, l))
		return 0;
	d = buf + l + 2;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Find the digit run and convert it in the same pass, 8 bytes at a time:
	 * a byte's high bit in m marks a non-digit; the k digits before it are
	 * shifted to the top of the word and converted like a full group. */
	static const uint64_t pow10[8] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000 };
	value = 0;
	for (;;) {
		uint64_t c, x, m;
		if (d + n + 8 > end)
			return 0;          /* near the buffer's end: the careful path */
		memcpy(&c, d + n, 8);
		x = c ^ 0x3030303030303030ull;
		m = (((x & 0x7F7F7F7F7F7F7F7Full) + 0x7676767676767676ull) | x) & 0x8080808080808080ull;
		if (m) {
			size_t k = (size_t)__builtin_ctzll(m) / 8;
			if (n + k == 0 || n + k > 19)
				return 0;
			if (k) {
				c = (c - 0x3030303030303030ull) << (8 * (8 - k));
				value = value * pow10[k] + swar8(c);
			}
			n += k;
			break;
		}
		if (n + 8 > 16)
			return 0;          /* 17+ digits: the careful path */
		value = value * 100000000ull + swar8(c - 0x3030303030303030ull);
		n += 8;
	}
	if (d[n] != '\n')
		return 0;
#else
	while (d + n < end && (unsigned char)(d[n] - '0') < 10)
		n++;
	if (d + n >= end || d[n] != '\n' || !parse_digits(d, n, &value))
		return 0;
#endif
	if (series_account(t, src, s, value, t->fail, sizeof(t->fail)) < 0) {
		t->failed = true;
		return 0;
	}
	return l + 2 + n + 1;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Bytes [0, L) of a 24-byte head, as three words' masks (L capped at 24).
 * The "& 7" changes nothing where the shift is used (0 < L - 8i < 8); it keeps
 * the dead branches' shift counts in range, which clang checks. */
#define HM(L, i) ((L) - 8 * (i) >= 8 ? ~0ull : (L) - 8 * (i) <= 0 ? 0ull : \
		  (1ull << (8 * (((L) - 8 * (i)) & 7))) - 1)
#define HROW(L) { HM(L, 0), HM(L, 1), HM(L, 2) }
static const uint64_t head_mask[25][3] = {
	HROW(0), HROW(1), HROW(2), HROW(3), HROW(4), HROW(5), HROW(6), HROW(7), HROW(8),
	HROW(9), HROW(10), HROW(11), HROW(12), HROW(13), HROW(14), HROW(15), HROW(16),
	HROW(17), HROW(18), HROW(19), HROW(20), HROW(21), HROW(22), HROW(23), HROW(24),
};

/* High bit of each byte of c that is not an ASCII digit. */
static inline uint64_t non_digits(uint64_t c)
{
	uint64_t x = c ^ 0x3030303030303030ull;
	return (((x & 0x7F7F7F7F7F7F7F7Full) + 0x7676767676767676ull) | x) & 0x8080808080808080ull;
}

/* The digit run at d (1..15 digits, then a non-digit, within 16 bytes) as a
 * number, *k its length; UINT64_MAX when there is none or it is longer.
 * Two 8-byte SWAR conversions, one branch for "more than 8 digits". */
static inline __attribute__((unused)) uint64_t digits_swar(const char *d, unsigned *k)
{
	static const uint64_t pow10[8] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000 };
	const uint64_t ZERO = 0x3030303030303030ull;
	uint64_t c0, c1, m0, m1, value;

	memcpy(&c0, d, 8);
	memcpy(&c1, d + 8, 8);
	m0 = non_digits(c0);
	if (m0) {
		*k = (unsigned)__builtin_ctzll(m0) / 8;
		if (*k == 0)
			return UINT64_MAX;
		return swar8((c0 - ZERO) << (64 - 8 * *k));
	}
	m1 = non_digits(c1);
	if (!m1)
		return UINT64_MAX;
	*k = (unsigned)__builtin_ctzll(m1) / 8;
	value = swar8(c0 - ZERO);
	if (*k)
		value = value * pow10[*k] + swar8((c1 - ZERO) << (64 - 8 * *k));
	*k += 8;
	return value;
}

/* The k digits at d by digits_swar(), UINT64_MAX unless exactly k. */
static inline uint64_t digits_swar_k(const char *d, unsigned k)
{
	unsigned got;
	uint64_t v = digits_swar(d, &got);
	return got == k ? v : UINT64_MAX;
}

/* Bit i set: b[i] is '\n', for the 64 bytes at b. */
static inline uint64_t newlines64(const char *b)
{
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');
#define NL16(i) ((uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8( \
	_mm_loadu_si128((const __m128i *)(const void *)(b + 16 * (i))), nl)) << (16 * (i)))
	return NL16(0) | NL16(1) | NL16(2) | NL16(3);
#undef NL16
#else
	uint64_t m = 0;
	for (int i = 0; i < 8; i++) {
		uint64_t w, x, y;
		memcpy(&w, b + 8 * i, 8);
		x = w ^ 0x0a0a0a0a0a0a0a0aull;
		/* high bit of each zero byte of x, exactly; then gathered */
		y = (~(((x & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | x) &
		     0x8080808080808080ull) >> 7;
		y |= y >> 7;
		y |= y >> 14;
		y |= y >> 28;
		m |= (y & 0xff) << (8 * i);
	}
	return m;
#endif
}

/* The k digits (1..15) at d as a number, or UINT64_MAX if one of those
 * bytes is not a digit.  before: bytes readable before d. */
static inline uint64_t digits_known(const char *d, unsigned k, size_t before)
{
#ifdef __SSE2__
	/* SSE2 is x86-64's baseline: no flag needed.  The 16 bytes ending at
	 * the last digit are loaded, those before the first digit masked to
	 * zero, and pairs, quads and octets of digits combined by three
	 * multiply-adds: about 20 instructions for up to 15 digits. */
	static const unsigned char tail_mask[32] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	};
	const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9), z = _mm_setzero_si128();
	__m128i t, a, b, c, e;

	if (before + k < 16)
		return digits_swar_k(d, k);
	t = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)(d + k - 16)), zero);
	t = _mm_and_si128(t, _mm_loadu_si128((const __m128i *)(const void *)(tail_mask + k)));
	/* the k digits, most significant first, zeros in front: each <= 9 */
	if ((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(t, nine), nine)) != 0xffff)
		return UINT64_MAX;
	a = _mm_madd_epi16(_mm_unpacklo_epi8(t, z), _mm_set1_epi32(0x0001000a));
	b = _mm_madd_epi16(_mm_unpackhi_epi8(t, z), _mm_set1_epi32(0x0001000a));
	c = _mm_madd_epi16(_mm_packs_epi32(a, b), _mm_set1_epi32(0x00010064));
	e = _mm_madd_epi16(_mm_packs_epi32(c, c), _mm_set1_epi32(0x00012710));
	return (uint64_t)(uint32_t)_mm_cvtsi128_si32(e) * 100000000u +
	       (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(e, 4));
#else
	(void)before;
	return digits_swar_k(d, k);
#endif
}

/* The steady state of series_take_predicted(): a dump of cumulative
 * counters of a process capture (no members, whose samples the group stage
 * needs) at a known interval with no sample hook, the predicted series
 * after the dump's first line.  Same accounting as series_account(), minus
 * what this state makes constant; anything else (a counter reset, 16+
 * digits, a key over 22 bytes, the buffer's last bytes) stops it and is left
 * to take_one().  The key and ": " are checked as three masked words, the
 * digits and the newline in two more, without branches on their lengths
 * beyond one for "more than 8 digits". */
static size_t take_fast(struct series_source *src, const char *buf, size_t avail,
			uint64_t *lines)
{
	struct series *s, *last = src->last, *next = src->pred;
	const uint64_t seq = src->dump_seq;
	const int64_t ts = src->ts;
	const double inv = src->inv, secs = src->dump_seconds;
	size_t pos = 0, base = 0;
	uint64_t n = 0, nlm;

	/* nlm: the newlines not yet used in the 64 bytes at base.  Each line's
	 * end comes from it, so where the next line starts does not wait for
	 * this one's digits to be parsed: lines overlap in the CPU */
	nlm = avail >= 64 ? newlines64(buf) : 0;
	while ((s = next) != NULL && s->dump_seq != seq) {
		const char *p = buf + pos, *d;
		size_t L = (size_t)s->rawlen + 2, e;
		uint64_t w0, w1, w2, h0, h1, h2, value, delta;
		const uint64_t *mk;
		unsigned k;

		while (!nlm) {
			if (base + 128 > avail)
				goto out;
			base += 64;
			nlm = newlines64(buf + base);
		}
		e = base + (size_t)__builtin_ctzll(nlm);
		/* 1..15 digits (a line too short wraps around); reads: 24 bytes
		 * at p, 16 ending at e (digits_known()), 16 at d only when
		 * d - buf < 16 while avail >= 64 */
		k = (unsigned)(e - pos - L);
		if (L > sizeof(s->line_head) || avail - pos < 24 || e - pos - L - 1 > 14)
			break;
		mk = head_mask[L];
		/* the mapped input is not in cache yet, and the hardware's
		 * prefetch stops at page ends: ask 2 KiB ahead (-20% time) */
		__builtin_prefetch(p + 2048);
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		memcpy(&w2, p + 16, 8);
		memcpy(&h0, s->line_head, 8);
		memcpy(&h1, s->line_head + 8, 8);
		memcpy(&h2, s->line_head + 16, 8);
		if ((((w0 ^ h0) & mk[0]) | ((w1 ^ h1) & mk[1]) | ((w2 ^ h2) & mk[2])) != 0)
			break;
		d = p + L;
		value = digits_known(d, k, pos + L);
		if (value == UINT64_MAX || value < s->last_value)
			break;
		nlm &= nlm - 1;
		/* account it (see series_account()) */
		delta = value - s->last_value;
		s->last_value = value;
		next = s->predicted;
		s->dump_seq = seq;
		last->predicted = s;
		last = s;
		if (__builtin_add_overflow(s->total_bytes, delta, &s->total_bytes))
			s->total_bytes = UINT64_MAX;
		if (!s->last_ts)
			s->first_ts = ts;
		s->last_ts = ts;
		/* delta < 10^15: the signed conversion is exact and cheaper;
		 * x * (1/1) is exact, as in series_account() */
		if (stats_add(&s->stats, (double)(int64_t)delta * inv, secs, ts) < 0) {
			src->pred = next;
			src->last = last;
			return SIZE_MAX;   /* out of memory */
		}
		pos = e + 1;
		n++;
	}
out:
	src->pred = next;
	src->last = last;
	src->meta->counts.map_lines += n;
	*lines = n;
	return pos;
}
#endif

size_t series_take_predicted(struct series_table *t, struct series_source *src, const char *buf,
			     size_t avail, uint64_t *lines)
{
	size_t pos = 0, took;
	uint64_t n = 0;

	for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (src->in_dump && src->is_rate && !src->interval_counters && !t->on_sample &&
		    src->last && src->meta->key == CAPTURE_KEY_PROCESS) {
			uint64_t k;
			took = take_fast(src, buf + pos, avail - pos, &k);
			if (took == SIZE_MAX) {
				/* the line was accounted but its sample not stored */
				snprintf(t->fail, sizeof(t->fail), "out of memory");
				t->failed = true;
				break;
			}
			pos += took;
			n += k;
		}
#endif
		took = take_one(t, src, buf + pos, avail - pos);
		if (!took)
			break;
		pos += took;
		n++;
	}
	*lines = n;
	return pos;
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
	struct series *s = src->pred;

	if (!src->in_dump) {
		/* entries without a time line: totals only */
		src->meta->counts.untimed++;
		open_untimed(src);
		s = src->pred;
	}
	if (!(s && s->rawlen == keylen && memcmp(s->raw, key, keylen) == 0 &&
	      s->source == src->meta->index)) {
		uint64_t h = series_hash_key(src->meta->index, key, keylen);
		for (s = t->buckets[h & (t->nbuckets - 1)]; s; s = s->hnext)
			if (s->hash == h && s->rawlen == keylen && s->source == src->meta->index &&
			    memcmp(s->raw, key, keylen) == 0)
				break;
		if (!s) {
			s = series_new(t, src->meta, key, keylen, h, err, errlen);
			if (!s)
				return -1;
		}
	}
	if (s->dump_seq == src->dump_seq) {
		/* the same key twice in one dump: a new print without a time line
		 * (bpftrace prints the maps at exit): totals only */
		if (series_close_dump(t, src, err, errlen) < 0)
			return -1;
		src->meta->counts.untimed++;
		open_untimed(src);
	}
	return series_account(t, src, s, value, err, errlen);
}
