/* parse.h: turn one line of a capture stream into records.
 *
 * Accepted line shapes (README, "The capture format"):
 *   bpftrace -f text   `@send[4321, mariadbd]: 182733`, `@x: 5`, a time line
 *                      (`1795558096` or `1795558096.000081` epoch seconds, or
 *                      `22:15:01`), the banner
 *                      `Attaching N probes...`, `Lost N events`, `WARNING:`
 *                      and `ERROR:` lines, blank lines, histogram lines;
 *   bpftrace -f json   one object per line, dispatched on "type";
 *   dbnetio            `# dbnetio-capture 1 key=value...`, `# dbnetio-final`,
 *                      `# dbnetio-dump-end`;
 *   the BCC original   `time: <epoch>pid: <pid> type: sendMsg size: <n>`.
 * A line yields zero or more records (a JSON map event one per key).  Keys
 * are always in bpftrace's text form, `@send[4321, mariadbd]`, whatever the
 * input format.  Record pointers stay valid until the next parse_line().
 */
#ifndef DBNETIO_PARSE_H
#define DBNETIO_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "digits.h"
#include "summary.h"

enum record_kind {
	REC_TIME,        /* ts (clock_of_day: seconds since midnight), usec */
	REC_MAP,         /* key, keylen, value */
	REC_HEADER,      /* key/keylen: the header text after "# dbnetio-capture " */
	REC_FINAL,       /* # dbnetio-final: the next dump is partial */
	REC_DUMP_END,    /* # dbnetio-dump-end: the open dump is complete */
	REC_LOST,        /* value: events lost */
	REC_BANNER,      /* Attaching N probes... / attached_probes */
	REC_WARNING,     /* WARNING: / ERROR: */
	REC_BLANK,
	REC_COMMENT,     /* any other "#" line, printf text */
	REC_UNSUPPORTED, /* histogram / stats map lines: not a series */
};

enum record_flag {
	REC_F_CLOCK = 1,   /* REC_TIME was HH:MM:SS */
	REC_F_JSON = 2,    /* came from a JSON event */
	REC_F_LEGACY = 4,  /* came from a BCC-format line */
	REC_F_FRAC = 8,    /* REC_TIME was S.ffffff (format 2): usec holds the fraction */
};

struct record {
	enum record_kind kind;
	unsigned flags;
	int64_t ts;
	uint32_t usec;           /* REC_F_FRAC: microseconds after ts */
	const char *key;
	size_t keylen;
	uint64_t value;
};

struct parser {
	struct record *rec;      /* records of the last line */
	size_t n, cap;
	char *scratch;           /* keys built from JSON/legacy input */
	size_t slen, scap;
	void *tok;               /* json_tokener */
	void *obj;               /* the last JSON object (owns its strings) */
};

int parse_init(struct parser *p);
void parse_free(struct parser *p);
/* Parse one line (no newline).  Returns 0 with p->rec[0..p->n), or -1 with
 * a message in err saying what was expected (the caller adds file:line). */
int parse_line(struct parser *p, const char *line, size_t len, char *err, size_t errlen);
/* Header fields into meta (percent-decoded); an interval= sets
 * meta->interval_from_header.  0, or -1 with err and meta unchanged. */
int parse_header(const char *text, size_t len, struct capture_meta *meta,
		 char *err, size_t errlen);
/* Would the header parse?  0 or -1 with err; nothing is kept. */
int parse_header_check(const char *text, size_t len, char *err, size_t errlen);
/* A decimal unsigned 64-bit integer, the whole of [s, s+len): 0, or -1 with
 * err ("out of range", "expected a number"). */
int parse_u64(const char *s, size_t len, uint64_t *out, char *err, size_t errlen);
/* Write a printable excerpt of a line for error messages. */
void parse_excerpt(const char *s, size_t len, char *out, size_t outlen);
/* Is [s, s+len) a well-formed map key, `@name` or `@name[...]`? */
int parse_key_ok(const char *s, size_t len);

/* ===== dbnetio's key tuples (the part between the brackets) =====
 *
 *   process     `4321, mariadbd`             (format 1; @psend/@precv always)
 *   client      `4321, mariadbd, 127.0.0.2`
 *   connection  `4321, mariadbd, ::1, 53124, 3306`  (remote port, local port)
 * The comm may itself contain ", ": the pid is read from the left and the
 * shape's trailing fields from the right; a process key's comm is all the
 * rest, as in format 1.  These run once per new series, never per line. */

/* Room for any address parse_addr() writes, NUL included. */
#define PARSE_ADDR_MAX 48

struct parse_key {
	uint64_t pid;
	const char *comm;        /* into the key, commlen bytes, not NUL-terminated */
	size_t commlen;
	char client[PARSE_ADDR_MAX]; /* canonical address text, "" for a process key */
	int client_port;         /* the remote (client's) port, -1 unless a connection key */
	int local_port;          /* the local (server's) port, -1 likewise */
};

/* Split key tuple [k, k+len) of the given shape into *out.  0, or -1 with
 * err saying which shape was expected (a pid that is not a number, too few
 * fields, an address or a port that is not one). */
int parse_dbnetio_key(const char *k, size_t len, enum capture_key shape, struct parse_key *out,
		      char *err, size_t errlen);
/* The shape a header-less stream's key tuple shows: client for 3 fields with
 * an address in the third, connection for 5 with two ports after it,
 * process for anything else. */
enum capture_key parse_key_shape(const char *k, size_t len);
/* A peer address in canonical text form (inet_ntop's): `::ffff:a.b.c.d`
 * becomes `a.b.c.d`, `2001:DB8:0::5` becomes `2001:db8::5`.  out must hold
 * PARSE_ADDR_MAX bytes.  0, or -1 when [s, s+len) is no IPv4/IPv6 address. */
int parse_addr(const char *s, size_t len, char *out, size_t outlen);
/* "process", "client" or "connection", as in the header's key=. */
const char *parse_key_name(enum capture_key key);

/* The hot path: a plain text map entry `@...: <1 to 19 digits>`.  Returns 1
 * with the key length and value, 0 when the line needs parse_line() (any
 * other shape, and every error, which parse_line() then explains).  The key
 * itself is not checked here: a key equal to a known series' key is known to
 * be good, and a new one is checked with parse_key_ok() when its series is
 * created.  19 digits cannot overflow 2^64; 20 go the careful way. */
static inline int parse_map_fast(const char *s, size_t len, size_t *keylen, uint64_t *value)
{
	size_t n;

	if (len < 5 || s[0] != '@')
		return 0;
	n = digits_span_back(s + 3, len - 3);
	if (n == 0 || n > 19 || s[len - n - 1] != ' ' || s[len - n - 2] != ':' ||
	    !digits_exact(s + len - n, n, value))
		return 0;
	*keylen = len - n - 2;
	return 1;
}

#endif
