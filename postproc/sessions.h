/* sessions.h: a database's sessions recorded beside a capture (the file
 * dbnetio-sessions writes, CAPTURE.sessions; README "Sessions"), and the
 * join of a connection's bytes to the session that moved them.
 *
 * A session is what the database said about one of its connections: its
 * client address and port (MariaDB) or backend pid (PostgreSQL), and the
 * user, database and application.  The poller only sees a session at its
 * polls, so a session's life is known as an interval that surely holds it:
 * (born, gone), from the poll before it was first seen to the poll that no
 * longer saw it.  A sample of a connection's bytes [ts, end) belongs to the
 * session of its address and port (or pid) whose life overlaps the sample
 * most; a reused client port is therefore told apart by time.  Bytes of a
 * sample no session overlaps have no known session.
 *
 * Gaps are the spans when the list could not be read (the poller's "fail"
 * to its next "ok"): sessions that lived only then are unknown, and the
 * report says so.
 */
#ifndef DBNETIO_SESSIONS_H
#define DBNETIO_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

enum session_db { SESSION_DB_MARIADB, SESSION_DB_POSTGRES };

struct session {
	char *id;            /* the database's own: connection id, pid.start */
	char *addr;          /* client address as the capture prints it */
	int port;            /* client port */
	long long pid;       /* backend pid (PostgreSQL), 0 when none */
	char *user, *database, *application;  /* decoded bytes, NUL-free; "" unknown */
	double born, gone;   /* life within (born, gone); -1e300 / 1e300 unbounded */
};

struct session_gap {
	double from, to;     /* to = 1e300: until the recording ended */
	char *reason;        /* decoded, as the poller said it */
};

struct session_log {
	char *path;
	enum session_db db;
	struct session *s;   /* sorted by key (address and port, or pid), then born */
	size_t n, cap;
	struct session_gap *gaps;
	size_t ngaps, gcap;
	double first_ok;     /* the first good poll (1e300 when none) */
	double end;          /* "end", or the last event's time when cut short */
};

/* Read a sessions file.  0, or -1 with err naming path:line and what was
 * expected (the log is then empty and may be freed). */
int session_log_load(const char *path, struct session_log *log, char *err, size_t errlen);
void session_log_free(struct session_log *log);
/* The session of a connection's bytes in [from, to): by pid for
 * PostgreSQL, by address and port for MariaDB; NULL when none.  Cost: a
 * binary search, then the sessions of that key. */
const struct session *session_find(const struct session_log *log, const char *addr, int port,
				   long long pid, double from, double to);
/* Text from a session made safe for a terminal: printable ASCII and valid
 * UTF-8 kept, '\\' doubled, everything else \xNN, and the ASCII bytes in
 * `also` (",=]" in key text, so that no two attributes read alike) \xNN
 * too.  Returns a malloc'd string, NULL when out of memory. */
char *session_display(const char *s, const char *also);

#endif
