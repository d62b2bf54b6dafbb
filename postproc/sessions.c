/* sessions.c: read a capture's sessions file and join bytes to sessions
 * (see sessions.h; the file's lines are described in README "Sessions" and
 * scripts/dbnetio-sessions).
 *
 * The file is events: "+" a session appears, "=" its attributes change,
 * "-" it is gone, "ok"/"fail" polls start to work or fail, "end".  Loading
 * replays them into one record per session with its final attributes (a
 * MariaDB session is "unauthenticated user" until its login completes) and
 * its life, then sorts the records for the join.  Every string arrives
 * hex-encoded, so no byte of it can split a line or a field here.
 *
 * Cost: one pass over the file, a sort; a lookup is a binary search.
 */
#include "grow.h"
#include "sessions.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write_util.h"

#define NO_TIME 1e300
/* A sample [ts, end) holds bytes up to its dump, which comes shortly after
 * the boundary `end`: a session that began in that moment is still its. */
#define DUMP_SLACK 0.5

/* ===== parsing helpers ===== */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex text ("-" is the empty string) into a malloc'd string; a NUL
 * byte becomes '?' (C strings cannot hold it).  NULL when not hex or out
 * of memory (*bad says which). */
static char *unhex(const char *h, bool *bad)
{
	size_t n = strcmp(h, "-") == 0 ? 0 : strlen(h);
	char *s;

	*bad = n % 2 != 0;
	if (*bad || !(s = malloc(n / 2 + 1)))
		return NULL;
	for (size_t i = 0; i < n; i += 2) {
		int a = hexval(h[i]), b = hexval(h[i + 1]);
		if (a < 0 || b < 0) {
			free(s);
			*bad = true;
			return NULL;
		}
		s[i / 2] = (char)(a * 16 + b ? a * 16 + b : '?');
	}
	s[n / 2] = '\0';
	return s;
}

static bool parse_time(const char *t, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(t, &end);
	return t[0] && !errno && !*end && (*v >= 0 || strcmp(t, "-1") == 0);
}

static bool parse_int(const char *t, long long min, long long max, long long *v)
{
	char *end;
	errno = 0;
	if (!t[0] || t[0] == '-')
		return false;
	*v = strtoll(t, &end, 10);
	return !errno && !*end && *v >= min && *v <= max;
}

/* Split line in place on single spaces; at most max fields. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	for (char *p = strtok(line, " \n"); p && n < max; p = strtok(NULL, " \n"))
		f[n++] = p;
	return n;
}

/* ===== the log ===== */

static void session_clear(struct session *s)
{
	free(s->id);
	free(s->addr);
	free(s->user);
	free(s->database);
	free(s->application);
}

void session_log_free(struct session_log *log)
{
	for (size_t i = 0; i < log->n; i++)
		session_clear(&log->s[i]);
	free(log->s);
	for (size_t i = 0; i < log->ngaps; i++)
		free(log->gaps[i].reason);
	free(log->gaps);
	free(log->path);
	memset(log, 0, sizeof(*log));
}

/* The open session with this id, address, port and pid (the newest). */
static struct session *find_open(struct session_log *log, char **f)
{
	for (size_t i = log->n; i-- > 0;) {
		struct session *s = &log->s[i];
		if (s->gone == NO_TIME && !strcmp(s->id, f[0]) && !strcmp(s->addr, f[1]) &&
		    s->port == atoi(f[2]) && s->pid == atoll(f[3]))
			return s;
	}
	return NULL;
}

/* Set the attributes of s from three hex fields.  0 or -1 (bad hex or out
 * of memory: *bad says which). */
static int set_attrs(struct session *s, char **f, bool *bad)
{
	char *u = unhex(f[0], bad), *d = u ? unhex(f[1], bad) : NULL, *a = d ? unhex(f[2], bad) : NULL;
	if (!a) {
		free(u);
		free(d);
		return -1;
	}
	free(s->user);
	free(s->database);
	free(s->application);
	s->user = u;
	s->database = d;
	s->application = a;
	return 0;
}

static int cmp_session(const void *a, const void *b)
{
	const struct session *x = a, *y = b;
	int c;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if ((c = strcmp(x->addr, y->addr)))
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return (x->born > y->born) - (x->born < y->born);
}

/* What one line of the file did: taken, out of memory, or not a line of
 * the grammar (then *what says what was expected). */
enum { LINE_OK = 0, LINE_NOMEM = -1, LINE_BAD = -2 };

/* The header line: "# dbnetio-sessions 1 db=mariadb|postgres ...".  0, or
 * -1 with err. */
static int load_header(const char *line, struct session_log *log, const char *where, char *err,
		       size_t errlen)
{
	if (strncmp(line, "# dbnetio-sessions 1 ", 21) != 0) {
		snprintf(err, errlen, "%s: expected the header '# dbnetio-sessions 1 "
			 "db=mariadb|postgres ...' (is this a sessions file?)", where);
		return -1;
	}
	if (strstr(line, " db=postgres"))
		log->db = SESSION_DB_POSTGRES;
	else if (!strstr(line, " db=mariadb")) {
		snprintf(err, errlen, "%s: the header names no db=mariadb or db=postgres", where);
		return -1;
	}
	return 0;
}

/* "fail TIME [HEXREASON]": the session list could not be read from TIME
 * until the next "ok"; a gap opens unless one is open. */
static int load_fail(struct session_log *log, char **fl, size_t n, double t, bool *gap_open,
		     const char **what, bool *bad)
{
	if (*gap_open)
		return LINE_OK;
	struct session_gap *g = grow(log->gaps, &log->gcap, log->ngaps, sizeof(*g), 8);
	if (!g)
		return LINE_NOMEM;
	log->gaps = g;
	char *why = unhex(n == 3 ? fl[2] : "-", bad);
	if (!why) {
		*what = "a hex reason";
		return *bad ? LINE_BAD : LINE_NOMEM;
	}
	log->gaps[log->ngaps++] = (struct session_gap){ t, NO_TIME, why };
	*gap_open = true;
	return LINE_OK;
}

/* "+ BORN SEEN ID ADDR PORT PID HEXUSER HEXDB HEXAPP": a new session. */
static int load_born(struct session_log *log, char **fl, double born, long long port,
		     long long pid, const char **what, bool *bad)
{
	struct session *all = grow(log->s, &log->cap, log->n, sizeof(*all), 64);
	if (!all)
		return LINE_NOMEM;
	log->s = all;
	struct session *s = &log->s[log->n];
	memset(s, 0, sizeof(*s));
	s->born = born < 0 ? -NO_TIME : born;
	s->gone = NO_TIME;
	s->port = (int)port;
	s->pid = pid;
	s->id = strdup(fl[3]);
	s->addr = strdup(fl[4]);
	if (!s->id || !s->addr) {
		session_clear(s);
		return LINE_NOMEM;
	}
	if (set_attrs(s, fl + 7, bad) < 0) {
		session_clear(s);
		*what = "hex user, database and application";
		return *bad ? LINE_BAD : LINE_NOMEM;
	}
	log->n++;
	return LINE_OK;
}

/* One event line, split into fl[0..n); its time (the latest it names) in
 * *t. */
static int load_event(struct session_log *log, char **fl, size_t n, double *t, bool *gap_open,
		      const char **what, bool *bad)
{
	double t2 = 0;
	long long port, pid;

	*what = "ok, fail, +, =, - or end with their fields";
	if (!strcmp(fl[0], "ok") && n == 2 && parse_time(fl[1], t)) {
		if (log->first_ok == NO_TIME)
			log->first_ok = *t;
		if (*gap_open) {
			log->gaps[log->ngaps - 1].to = *t;
			*gap_open = false;
		}
		return LINE_OK;
	}
	if (!strcmp(fl[0], "fail") && n >= 2 && n <= 3 && parse_time(fl[1], t))
		return load_fail(log, fl, n, *t, gap_open, what, bad);
	if (!strcmp(fl[0], "+") && n == 10 && parse_time(fl[1], t) && parse_time(fl[2], &t2) &&
	    parse_int(fl[5], 0, 65535, &port) && parse_int(fl[6], 0, INT32_MAX, &pid)) {
		int rc = load_born(log, fl, *t, port, pid, what, bad);
		*t = t2;
		return rc;
	}
	if (!strcmp(fl[0], "=") && n == 9 && parse_time(fl[1], t)) {
		struct session *s = find_open(log, fl + 2);
		if (s && set_attrs(s, fl + 6, bad) < 0) {
			*what = "hex user, database and application";
			return *bad ? LINE_BAD : LINE_NOMEM;
		}
		return LINE_OK;
	}
	if (!strcmp(fl[0], "-") && n == 6 && parse_time(fl[1], t)) {
		struct session *s = find_open(log, fl + 2);
		if (s)
			s->gone = *t;
		return LINE_OK;
	}
	if (!strcmp(fl[0], "end") && n == 2 && parse_time(fl[1], t))
		return LINE_OK;
	return LINE_BAD;
}

int session_log_load(const char *path, struct session_log *log, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096], *fl[16], where[PATH_MAX + 32];
	unsigned long lineno = 0;
	double last_t = 0;
	bool bad = false, header = false, gap_open = false;

	memset(log, 0, sizeof(*log));
	log->first_ok = NO_TIME;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!(log->path = strdup(path)))
		goto nomem;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		snprintf(where, sizeof where, "%s:%lu", path, ++lineno);
		if (len && line[len - 1] != '\n' && !feof(f)) {
			snprintf(err, errlen, "%s: line longer than %zu bytes", where, sizeof(line) - 2);
			goto fail;
		}
		if (!header) {
			if (load_header(line, log, where, err, errlen) < 0)
				goto fail;
			header = true;
			continue;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		size_t n = split(line, fl, 16);
		double t = 0;
		const char *what = NULL;
		if (n == 0)
			continue;
		int rc = load_event(log, fl, n, &t, &gap_open, &what, &bad);
		if (rc == LINE_NOMEM)
			goto nomem;
		if (rc == LINE_BAD) {
			snprintf(err, errlen, "%s: expected %s", where, what);
			goto fail;
		}
		if (t > last_t)
			last_t = t;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	if (!header) {
		snprintf(err, errlen, "%s: empty (expected the header '# dbnetio-sessions 1 ...')", path);
		goto fail;
	}
	fclose(f);
	/* a poller that was killed wrote no "end": its last word is the end */
	log->end = last_t;
	if (log->n)
		qsort(log->s, log->n, sizeof(*log->s), cmp_session);
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	fclose(f);
	session_log_free(log);
	return -1;
}

/* ===== the join ===== */

const struct session *session_find(const struct session_log *log, const char *addr, int port,
				   long long pid, double from, double to)
{
	struct session key = { .pid = log->db == SESSION_DB_POSTGRES ? pid : 0,
			       .addr = (char *)(log->db == SESSION_DB_POSTGRES ? "" : addr),
			       .port = log->db == SESSION_DB_POSTGRES ? 0 : port };
	const struct session *best = NULL;
	double best_overlap = 0;
	size_t lo = 0, hi = log->n;

	/* an IPv4 client of an IPv6 socket, as the database names it */
	if (!strncmp(addr, "::ffff:", 7) && strchr(addr + 7, '.'))
		key.addr = (char *)(addr += 7);

	/* the first session of the key: (pid), or (address, port) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct session *s = &log->s[mid];
		int c = log->db == SESSION_DB_POSTGRES
				? (s->pid < key.pid ? -1 : s->pid > key.pid)
				: strcmp(s->addr, key.addr) ? strcmp(s->addr, key.addr)
							    : (s->port > key.port) - (s->port < key.port);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	to += DUMP_SLACK;
	for (size_t i = lo; i < log->n; i++) {
		const struct session *s = &log->s[i];
		if (log->db == SESSION_DB_POSTGRES ? s->pid != pid
						   : (strcmp(s->addr, addr) || s->port != port))
			break;
		double a = s->born > from ? s->born : from, b = s->gone < to ? s->gone : to;
		if (b > a && b - a >= best_overlap) {
			best = s;
			best_overlap = b - a;
		}
	}
	return best;
}

char *session_display(const char *s, const char *also)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	char *d = malloc(n * 4 + 1);

	if (!d)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t len = u[i] < 0x80 ? 1 : wu_utf8_len(u + i, n - i);
		if (u[i] == '\\') {
			d[o++] = '\\';
			d[o++] = '\\';
			i++;
		} else if (len == 1 && u[i] >= 0x20 && u[i] < 0x7f && !strchr(also, u[i])) {
			d[o++] = (char)u[i++];
		} else if (len > 1) {
			memcpy(d + o, u + i, len);
			o += len;
			i += len;
		} else {
			o += (size_t)sprintf(d + o, "\\x%02x", u[i]);
			i++;
		}
	}
	d[o] = '\0';
	return d;
}
