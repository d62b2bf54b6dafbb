/* parse.c: line classification and field extraction for every input shape
 * dbnetio-report accepts (see parse.h).
 *
 * The text map entry is the hot path (8 million lines in the benchmark), so
 * it is hand-parsed: the value is read backwards from the end of the line
 * (keys may contain ':' or ']', values never do), the key is checked only
 * structurally.  JSON goes through json-c: it is not in the hot path, and a
 * well-kept parser beats a hand-written one for robustness.
 */
#include "grow.h"
#include "parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

/* ===== utility ===== */

void parse_excerpt(const char *s, size_t len, char *out, size_t outlen)
{
	size_t o = 0, i;

	if (outlen == 0)
		return;
	for (i = 0; i < len && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];
		if (o >= 48) {
			o += (size_t)snprintf(out + o, outlen - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

int parse_u64(const char *s, size_t len, uint64_t *out, char *err, size_t errlen)
{
	char ex[64];

	switch (digits_u64(s, len, out)) {
	case DIGITS_OK:
		return 0;
	case DIGITS_EMPTY:
		snprintf(err, errlen, "expected a number, got nothing");
		return -1;
	case DIGITS_RANGE:
		snprintf(err, errlen, "number out of range (more than 2^64-1)");
		return -1;
	case DIGITS_NOT_A_NUMBER:
		break;
	}
	parse_excerpt(s, len, ex, sizeof(ex));
	snprintf(err, errlen, "expected a non-negative integer, got '%s'", ex);
	return -1;
}

/* A new record of `kind`, zeroed but for that; NULL when out of memory. */
static struct record *rec_push(struct parser *p, enum record_kind kind)
{
	struct record *r = grow(p->rec, &p->cap, p->n, sizeof(*r), 16);

	if (!r)
		return NULL;
	p->rec = r;
	memset(&p->rec[p->n], 0, sizeof(p->rec[0]));
	p->rec[p->n].kind = kind;
	return &p->rec[p->n++];
}

/* A record that is its kind alone (a blank line, a banner, a warning...):
 * 0, or -1 with err. */
static int rec_only(struct parser *p, enum record_kind kind, char *err, size_t errlen)
{
	if (rec_push(p, kind))
		return 0;
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Append to scratch; returns the offset or (size_t)-1.  Offsets, not
 * pointers, because scratch may move; fix_keys() turns them into pointers. */
static size_t scratch_put(struct parser *p, const char *s, size_t len)
{
	size_t off = p->slen;
	char *n = grow_to(p->scratch, &p->scap, p->slen + len + 1, 1, 256);

	if (!n)
		return (size_t)-1;
	p->scratch = n;
	memcpy(p->scratch + p->slen, s, len);
	p->slen += len;
	p->scratch[p->slen] = '\0';
	return off;
}

#define SCRATCH_FLAG ((const char *)1)

/* Records whose key lives in scratch hold key == SCRATCH_FLAG and the offset
 * in value's place until the line is done; then they get real pointers. */
static void fix_keys(struct parser *p, const size_t *offs)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->rec[i].key == SCRATCH_FLAG)
			p->rec[i].key = p->scratch + offs[i];
}

/* ===== text lines ===== */

/* `@name` then optionally `[...]`, exactly filling [s, s+len). */
int parse_key_ok(const char *s, size_t len)
{
	size_t i = 1;

	if (len < 2 || s[0] != '@')
		return 0;
	while (i < len && (digits_is_digit(s[i]) || s[i] == '_' ||
			   ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
		i++;
	if (i == len)
		return 1;
	return s[i] == '[' && len >= i + 3 && s[len - 1] == ']';
}

/* `@send[4321, mariadbd]: 182733` */
static int parse_map_text(struct parser *p, const char *s, size_t len, char *err, size_t errlen)
{
	const char *end = s + len, *q = end;
	struct record *r;
	char ex[64];

	q -= digits_span_back(s, len);
	if (q == end) {
		/* `@h: ` then bucket lines: a histogram or stats map */
		if (len >= 2 && end[-1] == ' ' && end[-2] == ':' && parse_key_ok(s, len - 2))
			return rec_only(p, REC_UNSUPPORTED, err, errlen);
		parse_excerpt(s, len, ex, sizeof(ex));
		snprintf(err, errlen, "expected a map entry '@name[key]: integer', got '%s'", ex);
		return -1;
	}
	if (q > s && q[-1] == '-') {
		parse_excerpt(s, len, ex, sizeof(ex));
		snprintf(err, errlen, "expected a non-negative byte count, got '%s'", ex);
		return -1;
	}
	if (q - s < 4 || q[-1] != ' ' || q[-2] != ':' || !parse_key_ok(s, (size_t)(q - 2 - s))) {
		parse_excerpt(s, len, ex, sizeof(ex));
		snprintf(err, errlen, "expected a map entry '@name[key]: integer', got '%s'", ex);
		return -1;
	}
	r = rec_push(p, REC_MAP);
	if (!r)
		goto nomem;
	r->key = s;
	r->keylen = (size_t)(q - 2 - s);
	if (parse_u64(q, (size_t)(end - q), &r->value, err, errlen) < 0) {
		p->n--;
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Is [s, s+len) a format-2 time line, digits '.' six digits? */
static int is_frac_time(const char *s, size_t len)
{
	size_t i = digits_span(s, len);

	return i > 0 && i + 7 == len && s[i] == '.' && digits_span(s + i + 1, 6) == 6;
}

/* `1795558096`, `1795558096.000081` or `22:15:01`; returns 1 if it is one,
 * 0 if not, -1 bad.  The fraction of a format-2 line is kept as microseconds
 * (exactly six decimals, as the programs print them: other counts are a
 * mistake worth an error, not a guess). */
static int parse_time_text(struct parser *p, const char *s, size_t len, unsigned flags,
			   char *err, size_t errlen)
{
	struct record *r;
	size_t i = digits_span(s, len);

	if (i == len || (i > 0 && s[i] == '.')) {
		uint64_t v, us = 0;
		char ex[64];
		if (i < len && !is_frac_time(s, len)) {
			parse_excerpt(s, len, ex, sizeof(ex));
			snprintf(err, errlen, "expected a time line of epoch seconds with six decimals "
				 "(S.ffffff), got '%s'", ex);
			return -1;
		}
		if (parse_u64(s, i, &v, err, errlen) < 0 ||
		    (i < len && parse_u64(s + i + 1, 6, &us, err, errlen) < 0))
			return -1;
		if (v > (1ull << 40)) {
			snprintf(err, errlen, "timestamp %llu out of range (expected Unix epoch seconds)",
				 (unsigned long long)v);
			return -1;
		}
		if (!(r = rec_push(p, REC_TIME)))
			goto nomem;
		r->flags = flags | (i < len ? REC_F_FRAC : 0);
		r->ts = (int64_t)v;
		r->usec = (uint32_t)us;
		return 1;
	}
	uint64_t h, m, sec;
	if (len == 8 && s[2] == ':' && s[5] == ':' && digits_exact(s, 2, &h) &&
	    digits_exact(s + 3, 2, &m) && digits_exact(s + 6, 2, &sec)) {
		if (h > 23 || m > 59 || sec > 60) {
			snprintf(err, errlen, "expected a time of day HH:MM:SS, got '%.8s'", s);
			return -1;
		}
		if (!(r = rec_push(p, REC_TIME)))
			goto nomem;
		r->flags = flags | REC_F_CLOCK;
		r->ts = (int64_t)(h * 3600 + m * 60 + sec);
		return 1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int starts(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	return len >= n && memcmp(s, lit, n) == 0;
}

/* `Lost 12 events` */
static int parse_lost(struct parser *p, const char *s, size_t len, char *err, size_t errlen)
{
	const char *d = s + 5, *e = d + digits_span(d, len - 5);
	struct record *r;

	if (e == d || (size_t)(s + len - e) != 7 || memcmp(e, " events", 7) != 0) {
		char ex[64];
		parse_excerpt(s, len, ex, sizeof(ex));
		snprintf(err, errlen, "expected 'Lost N events', got '%s'", ex);
		return -1;
	}
	if (!(r = rec_push(p, REC_LOST))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return parse_u64(d, (size_t)(e - d), &r->value, err, errlen);
}

/* BCC original: `time: 1609459200pid: 4321 type: sendMsg size: 1234` (the
 * epoch may carry a fraction, which is dropped). */
static int parse_legacy(struct parser *p, const char *s, size_t len, char *err, size_t errlen)
{
	const char *c = s + 6, *e = s + len, *t0, *t1, *pid0, *pid1, *sz;
	uint64_t ts, pid;
	size_t offs[2] = { 0, 0 };
	struct record *r;
	char ex[64], key[64];
	int dir;

	t0 = c;
	c += digits_span(c, (size_t)(e - c));
	t1 = c;
	if (c < e && *c == '.') {
		c++;
		c += digits_span(c, (size_t)(e - c));
	}
	while (c < e && *c == ' ')
		c++;
	if (t0 == t1 || !starts(c, (size_t)(e - c), "pid: "))
		goto bad;
	c += 5;
	pid0 = c;
	c += digits_span(c, (size_t)(e - c));
	pid1 = c;
	if (pid0 == pid1 || !starts(c, (size_t)(e - c), " type: "))
		goto bad;
	c += 7;
	if (starts(c, (size_t)(e - c), "sendMsg"))
		dir = 0;
	else if (starts(c, (size_t)(e - c), "recvMsg"))
		dir = 1;
	else
		goto bad;
	c += 7;
	if (!starts(c, (size_t)(e - c), " size: "))
		goto bad;
	sz = c + 7;
	if (parse_u64(t0, (size_t)(t1 - t0), &ts, err, errlen) < 0 ||
	    parse_u64(pid0, (size_t)(pid1 - pid0), &pid, err, errlen) < 0)
		return -1;
	if (ts > (1ull << 40)) {
		snprintf(err, errlen, "timestamp out of range (expected Unix epoch seconds)");
		return -1;
	}
	if (!(r = rec_push(p, REC_TIME)))
		goto nomem;
	r->flags = REC_F_LEGACY;
	r->ts = (int64_t)ts;
	if (!(r = rec_push(p, REC_MAP)))
		goto nomem;
	r->flags = REC_F_LEGACY;
	if (parse_u64(sz, (size_t)(e - sz), &r->value, err, errlen) < 0)
		return -1;
	int kl = snprintf(key, sizeof(key), "%s[%llu]", dir ? "@recv" : "@send",
			  (unsigned long long)pid);
	offs[1] = scratch_put(p, key, (size_t)kl);
	if (offs[1] == (size_t)-1)
		goto nomem;
	r->key = SCRATCH_FLAG;
	r->keylen = (size_t)kl;
	fix_keys(p, offs);
	return 0;
bad:
	parse_excerpt(s, len, ex, sizeof(ex));
	snprintf(err, errlen,
		 "expected 'time: <epoch>pid: <pid> type: sendMsg|recvMsg size: <n>', got '%s'", ex);
	return -1;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int parse_text(struct parser *p, const char *s, size_t len, unsigned flags,
		      char *err, size_t errlen);

/* ===== JSON events ===== */

/* A JSON map value: a number, or (0.24+) a string holding one. */
static int json_value_u64(struct json_object *v, uint64_t *out, char *err, size_t errlen)
{
	switch (json_object_get_type(v)) {
	case json_type_int:
		errno = 0;
		if (json_object_get_int64(v) < 0) {
			snprintf(err, errlen, "expected a non-negative byte count, got %lld",
				 (long long)json_object_get_int64(v));
			return -1;
		}
		*out = json_object_get_uint64(v);
		if (errno == ERANGE) {
			snprintf(err, errlen, "number out of range (more than 2^64-1)");
			return -1;
		}
		return 0;
	case json_type_string:
		return parse_u64(json_object_get_string(v), (size_t)json_object_get_string_len(v),
				 out, err, errlen);
	case json_type_double:
		snprintf(err, errlen, "expected an integer byte count, got %s (fraction or out of range)",
			 json_object_to_json_string(v));
		return -1;
	default:
		snprintf(err, errlen, "expected an integer byte count, got %s",
			 json_object_to_json_string(v));
		return -1;
	}
}

/* JSON joins a key tuple with "," where text uses ", ": convert each ","
 * not already followed by a space, so "4321,mariadbd" -> "4321, mariadbd"
 * and both formats name the same series. */
static size_t json_key_text(struct parser *p, const char *map, const char *key, size_t klen,
			    bool keyed)
{
	size_t off = scratch_put(p, map, strlen(map));
	if (off == (size_t)-1 || !keyed)
		return off;
	if (scratch_put(p, "[", 1) == (size_t)-1)
		return (size_t)-1;
	for (size_t i = 0; i < klen; i++) {
		if (scratch_put(p, &key[i], 1) == (size_t)-1)
			return (size_t)-1;
		if (key[i] == ',' && (i + 1 >= klen || key[i + 1] != ' '))
			if (scratch_put(p, " ", 1) == (size_t)-1)
				return (size_t)-1;
	}
	if (scratch_put(p, "]", 1) == (size_t)-1)
		return (size_t)-1;
	return off;
}

/* One value of a JSON map event: a map record whose key text (the map name,
 * plus "[key]" when key is not NULL) goes into scratch.  offs[] keeps each
 * record's scratch offset, 0 for records without one, for fix_keys().
 * Returns 0, or -1 with err. */
static int json_map_entry(struct parser *p, const char *map, const char *key,
			  struct json_object *val, size_t **offs, size_t *noffs,
			  char *err, size_t errlen)
{
	struct record *r = rec_push(p, REC_MAP);
	size_t off, *no;

	if (!r)
		goto nomem;
	r->flags = REC_F_JSON;
	if (json_value_u64(val, &r->value, err, errlen) < 0)
		return -1;
	off = json_key_text(p, map, key, key ? strlen(key) : 0, key != NULL);
	if (off == (size_t)-1)
		goto nomem;
	r->key = SCRATCH_FLAG;
	r->keylen = p->slen - off;
	no = realloc(*offs, p->n * sizeof(*no));
	if (!no)
		goto nomem;
	*offs = no;
	for (; *noffs < p->n; (*noffs)++)
		no[*noffs] = 0;
	no[p->n - 1] = off;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int json_map_event(struct parser *p, struct json_object *data, char *err, size_t errlen)
{
	size_t *offs = NULL, noffs = 0;
	int ret = -1;

	if (!json_object_is_type(data, json_type_object)) {
		snprintf(err, errlen, "expected \"data\" of a map event to be an object");
		return -1;
	}
	json_object_object_foreach(data, mapname, mval) {
		if (mapname[0] != '@' || !parse_key_ok(mapname, strlen(mapname)) || strchr(mapname, '[')) {
			snprintf(err, errlen, "expected a map name '@name', got \"%.40s\"", mapname);
			goto cleanup;
		}
		if (json_object_is_type(mval, json_type_object)) {
			json_object_object_foreach(mval, k, v) {
				if (json_object_is_type(v, json_type_object) ||
				    json_object_is_type(v, json_type_array)) {
					struct record *r = rec_push(p, REC_UNSUPPORTED);
					if (!r)
						goto nomem;
					continue;
				}
				if (json_map_entry(p, mapname, k, v, &offs, &noffs, err, errlen) < 0)
					goto cleanup;
			}
		} else if (json_object_is_type(mval, json_type_array)) {
			struct record *r = rec_push(p, REC_UNSUPPORTED);
			if (!r)
				goto nomem;
		} else if (json_map_entry(p, mapname, NULL, mval, &offs, &noffs, err, errlen) < 0) {
			goto cleanup;
		}
	}
	if (offs) {
		/* grow offs to p->n (trailing unsupported records) before fixing */
		size_t *no = realloc(offs, (p->n ? p->n : 1) * sizeof(*offs));
		if (!no)
			goto nomem;
		offs = no;
		for (; noffs < p->n; noffs++)
			offs[noffs] = 0;
		fix_keys(p, offs);
	}
	ret = 0;
	goto cleanup;
nomem:
	snprintf(err, errlen, "out of memory");
cleanup:
	free(offs);
	return ret;
}

/* A string event (time, printf): may hold several lines, each parsed as text. */
static int json_text_event(struct parser *p, struct json_object *data, bool is_time,
			   char *err, size_t errlen)
{
	const char *s, *e, *nl;

	if (!json_object_is_type(data, json_type_string)) {
		snprintf(err, errlen, "expected \"data\" to be a string");
		return -1;
	}
	s = json_object_get_string(data);
	e = s + json_object_get_string_len(data);
	while (s < e) {
		nl = memchr(s, '\n', (size_t)(e - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(e - s);
		if (is_time) {
			int r = parse_time_text(p, s, l, REC_F_JSON, err, errlen);
			if (r < 0)
				return -1;
			if (r == 0) {
				char ex[64];
				parse_excerpt(s, l, ex, sizeof(ex));
				snprintf(err, errlen, "expected a time event holding epoch seconds or HH:MM:SS, got '%s'", ex);
				return -1;
			}
		} else {
			/* printf text: dbnetio's header, markers and (format 2)
			 * time lines, else a comment */
			if (l > 0 && (s[0] == '#' || is_frac_time(s, l))) {
				if (parse_text(p, s, l, REC_F_JSON, err, errlen) < 0)
					return -1;
			} else if (l > 0) {
				if (rec_only(p, REC_COMMENT, err, errlen) < 0)
					return -1;
			}
		}
		s += l + 1;
	}
	return 0;
}

static int parse_json(struct parser *p, const char *s, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok = p->tok;
	struct json_object *o, *type, *data = NULL;
	const char *t;
	char ex[64];

	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		parse_excerpt(s, len, ex, sizeof(ex));
		snprintf(err, errlen, "expected one JSON object per line (%s), got '%s'",
			 o ? "trailing data" :
			 json_tokener_get_error(tok) == json_tokener_continue ? "incomplete object" :
			 json_tokener_error_desc(json_tokener_get_error(tok)), ex);
		json_object_put(o);
		return -1;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
			parse_excerpt(s, len, ex, sizeof(ex));
			snprintf(err, errlen, "expected one JSON object per line, got trailing data in '%s'", ex);
			json_object_put(o);
			return -1;
		}
	p->obj = o;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "type", &type) ||
	    !json_object_is_type(type, json_type_string)) {
		parse_excerpt(s, len, ex, sizeof(ex));
		snprintf(err, errlen, "expected a bpftrace JSON event with a \"type\", got '%s'", ex);
		return -1;
	}
	t = json_object_get_string(type);
	json_object_object_get_ex(o, "data", &data);
	if (strcmp(t, "map") == 0)
		return json_map_event(p, data, err, errlen);
	if (strcmp(t, "time") == 0)
		return json_text_event(p, data, true, err, errlen);
	if (strcmp(t, "printf") == 0)
		return json_text_event(p, data, false, err, errlen);
	if (strcmp(t, "lost_events") == 0) {
		struct json_object *ev;
		struct record *r = rec_push(p, REC_LOST);
		if (!r) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (!data || !json_object_object_get_ex(data, "events", &ev)) {
			snprintf(err, errlen, "expected lost_events data {\"events\": N}");
			return -1;
		}
		return json_value_u64(ev, &r->value, err, errlen);
	}
	if (strcmp(t, "attached_probes") == 0)
		return rec_only(p, REC_BANNER, err, errlen);
	if (strcmp(t, "hist") == 0 || strcmp(t, "stats") == 0 || strcmp(t, "lhist") == 0)
		return rec_only(p, REC_UNSUPPORTED, err, errlen);
	return rec_only(p, REC_COMMENT, err, errlen);   /* unknown types are ignored */
}

/* ===== API ===== */

static int parse_text(struct parser *p, const char *s, size_t len, unsigned flags,
		      char *err, size_t errlen)
{
	struct record *r;
	char ex[64];
	int t;

	if (len == 0 || (len == 1 && s[0] == '\r'))
		return rec_only(p, REC_BLANK, err, errlen);
	switch (s[0]) {
	case '@':
		return parse_map_text(p, s, len, err, errlen);
	case '#':
		if (starts(s, len, "# dbnetio-capture ") || (len == 17 && starts(s, len, "# dbnetio-capture"))) {
			if (!(r = rec_push(p, REC_HEADER)))
				goto nomem;
			r->flags = flags;
			r->key = s + (len > 18 ? 18 : len);
			r->keylen = len > 18 ? len - 18 : 0;
			return 0;
		}
		if (len == 15 && starts(s, len, "# dbnetio-final"))
			return rec_only(p, REC_FINAL, err, errlen);
		if (len == 18 && starts(s, len, "# dbnetio-dump-end"))
			return rec_only(p, REC_DUMP_END, err, errlen);
		return rec_only(p, REC_COMMENT, err, errlen);
	case '{':
		return parse_json(p, s, len, err, errlen);
	case 'A':
		if (starts(s, len, "Attaching ") && len > 3 && memcmp(s + len - 3, "...", 3) == 0)
			return rec_only(p, REC_BANNER, err, errlen);
		break;
	case 'L':
		if (starts(s, len, "Lost "))
			return parse_lost(p, s, len, err, errlen);
		break;
	case 'W':
	case 'E':
		if (starts(s, len, "WARNING:") || starts(s, len, "ERROR:"))
			return rec_only(p, REC_WARNING, err, errlen);
		break;
	case 't':
		if (starts(s, len, "time: "))
			return parse_legacy(p, s, len, err, errlen);
		break;
	case '[':
	case '(':
		/* histogram bucket lines: `[64, 128)   1 |@@@@|` */
		if (s[len - 1] == '|')
			return rec_only(p, REC_UNSUPPORTED, err, errlen);
		break;
	default:
		t = parse_time_text(p, s, len, flags, err, errlen);
		if (t != 0)
			return t < 0 ? -1 : 0;
		break;
	}
	parse_excerpt(s, len, ex, sizeof(ex));
	snprintf(err, errlen,
		 "expected a map entry '@name[key]: integer', a timestamp or a dbnetio header, got '%s'", ex);
	return -1;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int parse_line(struct parser *p, const char *line, size_t len, char *err, size_t errlen)
{
	p->n = 0;
	if (p->obj) {
		json_object_put(p->obj);
		p->obj = NULL;
	}
	p->slen = 0;
	int r = parse_text(p, line, len, 0, err, errlen);
	if (r < 0)
		p->n = 0;
	return r;
}

int parse_init(struct parser *p)
{
	memset(p, 0, sizeof(*p));
	p->tok = json_tokener_new();
	return p->tok ? 0 : -1;
}

void parse_free(struct parser *p)
{
	if (p->obj)
		json_object_put(p->obj);
	if (p->tok)
		json_tokener_free(p->tok);
	free(p->rec);
	free(p->scratch);
	memset(p, 0, sizeof(*p));
}

/* ===== header ===== */

static int hexval(char c)
{
	if (digits_is_digit(c))
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode [s, s+len) into a new string. */
static char *pct_decode(const char *s, size_t len)
{
	char *o = malloc(len + 1), *w = o;
	if (!o)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			*w++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*w++ = s[i];
		}
	}
	*w = '\0';
	return o;
}

static int set_str(char **dst, const char *v, size_t len)
{
	char *n = pct_decode(v, len);
	if (!n)
		return -1;
	free(*dst);
	*dst = n;
	return 0;
}

/* What a header gave besides its strings (parse_header()). */
#define HDR_INTERVAL 1
#define HDR_COUNTERS 2

/* Which of the NULL-terminated words [v, v+vl) is, or -1. */
static int word_index(const char *v, size_t vl, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == vl && memcmp(v, words[i], vl) == 0)
			return i;
	return -1;
}

/* One header field key=value into h (strings percent-decoded, new).  0, or
 * -1 with err. */
static int header_field(struct capture_meta *h, const char *k, size_t kl, const char *v, size_t vl,
			unsigned *given, char *err, size_t errlen)
{
	char ex[64];
	int r = 0;

#define KEY(lit) (kl == sizeof(lit) - 1 && memcmp(k, lit, kl) == 0)
	if (KEY("probe"))
		r = set_str(&h->probe, v, vl);
	else if (KEY("filter"))
		r = set_str(&h->filter, v, vl);
	else if (KEY("host"))
		r = set_str(&h->host, v, vl);
	else if (KEY("kernel"))
		r = set_str(&h->kernel, v, vl);
	else if (KEY("variant"))
		r = set_str(&h->variant, v, vl);
	else if (KEY("interval")) {
		uint64_t iv;
		if (parse_u64(v, vl, &iv, err, errlen) < 0 || iv == 0 || iv > 86400) {
			parse_excerpt(v, vl, ex, sizeof(ex));
			snprintf(err, errlen, "expected interval=<seconds> in 1..86400, got '%s'", ex);
			return -1;
		}
		h->interval = (unsigned)iv;
		*given |= HDR_INTERVAL;
	} else if (KEY("key")) {
		static const char *const keys[] = { [CAPTURE_KEY_PROCESS] = "process",
						    [CAPTURE_KEY_CLIENT] = "client",
						    [CAPTURE_KEY_CONNECTION] = "connection", NULL };
		int i = word_index(v, vl, keys);
		if (i < 0) {
			parse_excerpt(v, vl, ex, sizeof(ex));
			snprintf(err, errlen, "expected key=process, key=client or key=connection, got '%s'", ex);
			return -1;
		}
		h->key = (enum capture_key)i;
	} else if (KEY("counters")) {
		static const char *const counters[] = { "cumulative", "interval", NULL };
		int i = word_index(v, vl, counters);
		if (i < 0) {
			parse_excerpt(v, vl, ex, sizeof(ex));
			snprintf(err, errlen, "expected counters=cumulative or counters=interval, got '%s'", ex);
			return -1;
		}
		h->interval_counters = i == 1;
		*given |= HDR_COUNTERS;
	}
#undef KEY
	if (r < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* A header string h gave replaces m's. */
static void take_str(char **dst, char **src)
{
	if (*src) {
		free(*dst);
		*dst = *src;
		*src = NULL;
	}
}

/* The header's fields into a scratch meta first, then, if every one was
 * good, into m (unless m is NULL: a check only): a bad header changes
 * nothing (it is a bad line), where a half-applied one could change a
 * capture's key under its series. */
static int header_parse(const char *text, size_t len, struct capture_meta *m, char *err,
			size_t errlen)
{
	const char *s = text, *e = text + len, *w;
	struct capture_meta h = { .key = CAPTURE_KEY_PROCESS };
	unsigned given = 0;
	uint64_t ver;
	char ex[64];
	int ret = -1;

	w = s;
	while (w < e && *w != ' ')
		w++;
	if (parse_u64(s, (size_t)(w - s), &ver, err, errlen) < 0 || ver == 0 || ver > 1000) {
		parse_excerpt(s, (size_t)(w - s), ex, sizeof(ex));
		snprintf(err, errlen, "expected '# dbnetio-capture <version>', got version '%s'", ex);
		return -1;
	}
	for (s = w; s < e;) {
		const char *k, *eq;
		while (s < e && *s == ' ')
			s++;
		if (s == e)
			break;
		k = s;
		while (s < e && *s != ' ')
			s++;
		eq = memchr(k, '=', (size_t)(s - k));
		if (!eq) {
			parse_excerpt(k, (size_t)(s - k), ex, sizeof(ex));
			snprintf(err, errlen, "expected header field key=value, got '%s'", ex);
			goto cleanup;
		}
		if (header_field(&h, k, (size_t)(eq - k), eq + 1, (size_t)(s - eq - 1), &given, err,
				 errlen) < 0)
			goto cleanup;
	}
	ret = 0;
	if (!m)
		goto cleanup;
	m->format_version = (int)ver;
	/* a header without key= is a process capture (every format-1 header) */
	m->key = h.key;
	m->key_known = true;
	take_str(&m->probe, &h.probe);
	take_str(&m->filter, &h.filter);
	take_str(&m->host, &h.host);
	take_str(&m->kernel, &h.kernel);
	take_str(&m->variant, &h.variant);
	if (given & HDR_INTERVAL) {
		m->interval = h.interval;
		m->interval_from_header = true;
	}
	if (given & HDR_COUNTERS)
		m->interval_counters = h.interval_counters;
cleanup:
	free(h.probe);
	free(h.filter);
	free(h.host);
	free(h.kernel);
	free(h.variant);
	return ret;
}

int parse_header(const char *text, size_t len, struct capture_meta *m, char *err, size_t errlen)
{
	return header_parse(text, len, m, err, errlen);
}

int parse_header_check(const char *text, size_t len, char *err, size_t errlen)
{
	return header_parse(text, len, NULL, err, errlen);
}

/* ===== dbnetio keys ===== */

int parse_addr(const char *s, size_t len, char *out, size_t outlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];

	if (len == 0 || len >= sizeof(buf) || outlen < PARSE_ADDR_MAX)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return inet_ntop(AF_INET, a, out, (socklen_t)outlen) ? 0 : -1;
	if (inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	/* ::ffff:a.b.c.d is an IPv4 peer on a dual-stack socket */
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a, mapped, 12) == 0)
		return inet_ntop(AF_INET, a + 12, out, (socklen_t)outlen) ? 0 : -1;
	return inet_ntop(AF_INET6, a, out, (socklen_t)outlen) ? 0 : -1;
}

/* The last ", " in [s, e), or NULL. */
static const char *last_sep(const char *s, const char *e)
{
	for (const char *p = e - 2; p >= s; p--)
		if (p[0] == ',' && p[1] == ' ')
			return p;
	return NULL;
}

/* A port, 0..65535, the whole of [s, e); -1 when it is not one. */
static int port_of(const char *s, const char *e)
{
	uint64_t v;
	char e2[8];

	if (e - s > 5 || parse_u64(s, (size_t)(e - s), &v, e2, sizeof(e2)) < 0 || v > 65535)
		return -1;
	return (int)v;
}

static const char *const shape_text[] = {
	[CAPTURE_KEY_PROCESS] = "[PID, COMM]",
	[CAPTURE_KEY_CLIENT] = "[PID, COMM, ADDR]",
	[CAPTURE_KEY_CONNECTION] = "[PID, COMM, ADDR, RPORT, LPORT]",
};

int parse_dbnetio_key(const char *k, size_t len, enum capture_key shape, struct parse_key *out,
		      char *err, size_t errlen)
{
	const char *e = k + len, *sep = NULL, *cut = e, *a;
	char ex[64];

	out->comm = NULL;
	out->commlen = 0;
	out->client[0] = '\0';
	out->client_port = out->local_port = -1;
	for (const char *p = k; p + 1 < e; p++)
		if (p[0] == ',' && p[1] == ' ') {
			sep = p;
			break;
		}
	size_t pl = sep ? (size_t)(sep - k) : len;
	if (pl == 0 || pl >= 12 || parse_u64(k, pl, &out->pid, err, errlen) < 0)
		goto bad;
	if (shape == CAPTURE_KEY_PROCESS) {
		/* the comm is all the rest, ", " included (format 1's rule) */
		out->comm = sep ? sep + 2 : e;
		out->commlen = (size_t)(e - out->comm);
		return 0;
	}
	if (!sep)
		goto bad;
	if (shape == CAPTURE_KEY_CONNECTION) {
		/* ports from the right: ..., ADDR, RPORT, LPORT */
		const char *s2 = last_sep(sep + 2, e), *s1 = s2 ? last_sep(sep + 2, s2) : NULL;
		if (!s1 || (out->local_port = port_of(s2 + 2, e)) < 0 ||
		    (out->client_port = port_of(s1 + 2, s2)) < 0)
			goto bad;
		cut = s1;
	}
	/* the address is the field before the ports (or the last); "PID, ADDR"
	 * without a comm field is not this shape */
	a = last_sep(sep + 2, cut);
	if (!a || parse_addr(a + 2, (size_t)(cut - a - 2), out->client, sizeof(out->client)) < 0)
		goto bad;
	out->comm = sep + 2;
	out->commlen = (size_t)(a - out->comm);
	return 0;
bad:
	parse_excerpt(k, len, ex, sizeof(ex));
	snprintf(err, errlen, "expected a key %s (key=%s), got '%s'", shape_text[shape],
		 parse_key_name(shape), ex);
	out->client[0] = '\0';
	out->client_port = out->local_port = -1;
	return -1;
}

enum capture_key parse_key_shape(const char *k, size_t len)
{
	const char *e = k + len;
	size_t n = 1;
	struct parse_key pk;
	char e2[128];

	for (const char *p = k; p + 1 < e && n < 6; p++)
		if (p[0] == ',' && p[1] == ' ')
			n++;
	if (n == 3 && parse_dbnetio_key(k, len, CAPTURE_KEY_CLIENT, &pk, e2, sizeof(e2)) == 0)
		return CAPTURE_KEY_CLIENT;
	if (n == 5 && parse_dbnetio_key(k, len, CAPTURE_KEY_CONNECTION, &pk, e2, sizeof(e2)) == 0)
		return CAPTURE_KEY_CONNECTION;
	return CAPTURE_KEY_PROCESS;
}

const char *parse_key_name(enum capture_key key)
{
	return key == CAPTURE_KEY_CONNECTION ? "connection" : key == CAPTURE_KEY_CLIENT ? "client"
										       : "process";
}
