/* test_sessions.c: the sessions file dbnetio --db writes (postproc/sessions.c):
 * its events replayed into sessions with a life, the join of a sample
 * [from, to) to the session of a client port (a reused port told apart by
 * time) or of a PostgreSQL backend pid, the gaps, hostile strings decoded
 * and escaped, and each bad line a named error naming file:line. */
#include <stdlib.h>
#include <unistd.h>

#include "../../postproc/sessions.h"
#include "unit.h"

static char path[64];
static char err[512];

/* Write text to a fresh temp file (path). */
static void put(const char *text)
{
	snprintf(path, sizeof path, "/tmp/test_sessions.XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		perror("mkstemp");
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* load TEXT: 0 or -1 (err), the file removed. */
static int load(const char *text, struct session_log *l)
{
	put(text);
	err[0] = '\0';
	int rc = session_log_load(path, l, err, sizeof err);
	unlink(path);
	return rc;
}

static void test_mariadb(void)
{
	struct session_log l;
	/* user "app1"; a session seen logging in, then as 'x"y\n<b>' with an
	 * invalid byte; port 53125 reused by a later session of another user */
	int rc = load("# dbnetio-sessions 1 db=mariadb poll_ms=5\n"
		      "ok 100.0\n"
		      "+ -1 100.1 7 127.0.0.2 53124 0 61707031 73686f70 -\n"
		      "+ 100.0 100.1 8 127.0.0.2 53125 0 756e61757468656e746963617465642075736572 - -\n"
		      "= 100.2 8 127.0.0.2 53125 0 7822790a3c623eff 73686f70 -\n"
		      "- 102.3 8 127.0.0.2 53125 0\n"
		      "+ 102.9 103.0 9 127.0.0.2 53125 0 626f62 - -\n"
		      "fail 104.0 4163636573732064656e696564\n"
		      "fail 104.5 -\n"
		      "ok 105.5\n"
		      "end 107.0\n", &l);
	UNIT_EQ_U64("sessions: a good file loads", 0, rc < 0 ? 1 : 0);
	if (rc < 0) {
		printf("# %s\n", err);
		return;
	}
	UNIT_EQ_U64("sessions: three sessions", 3, l.n);
	const struct session *s = session_find(&l, "127.0.0.2", 53124, 4321, 101, 102);
	UNIT_EQ_STR("sessions: join by address and port", "app1", s ? s->user : NULL);
	UNIT_EQ_STR("sessions: its database", "shop", s ? s->database : NULL);
	UNIT_EQ_STR("sessions: no application (MariaDB has none) is empty", "",
		    s ? s->application : NULL);
	s = session_find(&l, "::ffff:127.0.0.2", 53124, 4321, 101, 102);
	UNIT_EQ_STR("sessions: an IPv4-mapped client joins its IPv4 session", "app1",
		    s ? s->user : NULL);
	s = session_find(&l, "127.0.0.2", 53125, 4321, 100, 101);
	UNIT_EQ_STR("sessions: the attributes after login win, bytes decoded", "x\"y\n<b>\xff",
		    s ? s->user : NULL);
	s = session_find(&l, "127.0.0.2", 53125, 4321, 103, 104);
	UNIT_EQ_STR("sessions: a reused port is the later session's", "bob", s ? s->user : NULL);
	s = session_find(&l, "127.0.0.2", 53125, 4321, 102, 103);
	UNIT_EQ_STR("sessions: the interval both overlap goes to the larger overlap", "bob",
		    s ? s->user : NULL);
	UNIT_TRUE("sessions: an unknown port has no session",
		  !session_find(&l, "127.0.0.2", 1, 4321, 100, 101));
	UNIT_TRUE("sessions: another address has no session",
		  !session_find(&l, "127.0.0.3", 53124, 4321, 100, 101));
	UNIT_EQ_U64("sessions: two fails in a row are one gap", 1, l.ngaps);
	if (l.ngaps) {
		UNIT_EQ_DBL("sessions: gap from", 104.0, l.gaps[0].from, 1e-9);
		UNIT_EQ_DBL("sessions: gap to the next ok", 105.5, l.gaps[0].to, 1e-9);
		UNIT_EQ_STR("sessions: the gap's reason decoded", "Access denied", l.gaps[0].reason);
	}
	UNIT_EQ_DBL("sessions: first good poll", 100.0, l.first_ok, 1e-9);
	session_log_free(&l);
}

static void test_postgres(void)
{
	struct session_log l;
	int rc = load("# dbnetio-sessions 1 db=postgres poll_ms=5\n"
		      "ok 10\n"
		      "+ -1 10.1 500.99 127.0.0.2 40000 500 62656e6368 - 617070412c2062\n"
		      "+ 10 10.1 501.99 127.0.0.3 40001 501 62656e6368 - 6170704200\n"
		      "fail 12 -\n", &l);
	UNIT_EQ_U64("sessions: postgres loads", 0, rc < 0 ? 1 : 0);
	const struct session *s = session_find(&l, "10.9.9.9", 1, 500, 11, 12);
	UNIT_EQ_STR("sessions: postgres joins by backend pid", "appA, b", s ? s->application : NULL);
	s = session_find(&l, "127.0.0.3", 40001, 501, 11, 12);
	UNIT_EQ_STR("sessions: a NUL byte decodes to '?'", "appB?", s ? s->application : NULL);
	UNIT_TRUE("sessions: another pid has none", !session_find(&l, "127.0.0.2", 40000, 502, 11, 12));
	UNIT_EQ_U64("sessions: a fail without ok is a gap to the end", 1, l.ngaps);
	session_log_free(&l);
}

static void test_display(void)
{
	char *d = session_display("a\"b\n<c>\\\xff\xc3\xa9, =]", "");
	UNIT_EQ_STR("sessions: display escapes controls, bad UTF-8 and backslash, keeps UTF-8",
		    "a\"b\\x0a<c>\\\\\\xff\xc3\xa9, =]", d);
	free(d);
	d = session_display("a, b=c]", ",=]");
	UNIT_EQ_STR("sessions: display for key text escapes the separators",
		    "a\\x2c b\\x3dc\\x5d", d);
	free(d);
}

static void test_bad(void)
{
	struct session_log l;
	UNIT_ERR_HAS("sessions: bad: no header", load("ok 1\n", &l), err, ":1: expected the header");
	UNIT_ERR_HAS("sessions: bad: empty", load("", &l), err, "empty");
	UNIT_ERR_HAS("sessions: bad: no db", load("# dbnetio-sessions 1 poll_ms=5\n", &l), err,
		     "db=mariadb or db=postgres");
	UNIT_ERR_HAS("sessions: bad: unknown event",
		     load("# dbnetio-sessions 1 db=mariadb\nhello 1\n", &l), err, ":2: expected ok, fail");
	UNIT_ERR_HAS("sessions: bad: odd hex",
		     load("# dbnetio-sessions 1 db=mariadb\n+ -1 1 7 1.2.3.4 5 0 abc - -\n", &l), err,
		     ":2: expected hex user");
	UNIT_ERR_HAS("sessions: bad: port out of range",
		     load("# dbnetio-sessions 1 db=mariadb\n+ -1 1 7 1.2.3.4 70000 0 - - -\n", &l), err,
		     ":2: expected ok, fail");
	UNIT_ERR_HAS("sessions: bad: a time that is no number",
		     load("# dbnetio-sessions 1 db=mariadb\nok soon\n", &l), err, ":2:");
	UNIT_ERR_HAS("sessions: bad: missing file",
		     session_log_load("/nonexistent/x.sessions", &l, err, sizeof err), err,
		     "/nonexistent/x.sessions: No such file");
}

/* Mutations of a good file (bytes flipped, cut, duplicated): each loads or
 * fails with a message, never crashes or leaks (the SAN build checks). */
static void test_mutations(void)
{
	static const char good[] = "# dbnetio-sessions 1 db=mariadb poll_ms=5\n"
				   "ok 100.0\n"
				   "+ -1 100.1 7 127.0.0.2 53124 0 61707031 73686f70 -\n"
				   "= 100.2 7 127.0.0.2 53124 0 626f62 - 6162\n"
				   "- 102.3 7 127.0.0.2 53124 0\n"
				   "fail 104.0 4163\n"
				   "ok 105.5\n"
				   "end 107.0\n";
	static const char alphabet[] = " \n+-=0123456789abcdefxyz.:#";
	char buf[sizeof good * 2];
	unsigned seed = 12345, loaded = 0, refused = 0;

	for (int i = 0; i < 3000; i++) {
		memcpy(buf, good, sizeof good);
		size_t n = sizeof good - 1;
		for (int k = 0; k < 1 + i % 4 && n > 0; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % n;
			switch ((seed >> 4) % 3) {
			case 0: buf[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)]; break;
			case 1: n = at; break;
			default:
				if (n + 8 < sizeof buf) {
					memmove(buf + at + 8, buf + at, n - at);
					n += 8;
				}
			}
		}
		buf[n] = '\0';
		struct session_log l;
		if (load(buf, &l) == 0) {
			loaded++;
			session_find(&l, "127.0.0.2", 53124, 0, 101, 102);
			session_log_free(&l);
		} else {
			refused += err[0] != '\0';
		}
	}
	UNIT_EQ_U64("sessions: 3000 mutated files load or are refused with a message", 3000,
		    loaded + refused);
}

int main(void)
{
	test_mutations();
	test_mariadb();
	test_postgres();
	test_display();
	test_bad();
	UNIT_DONE();
}
