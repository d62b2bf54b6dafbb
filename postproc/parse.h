/* parse.h: turn one line of a capture stream into records.
 *
 * Accepted line shapes (README, "The capture format"):
 *   bpftrace -f text   `@send[4321, mariadbd]: 182733`, `@x: 5`, a time line
 *                      (`1795558096` epoch or `22:15:01`), the banner
 *                      `Attaching N probes...`, `Lost N events`, `WARNING:`
 *                      and `ERROR:` lines, blank lines, histogram lines;
 *   bpftrace -f json   one object per line, dispatched on "type";
 *   dbnetio            `# dbnetio-capture 1 key=value...`, `# dbnetio-final`;
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

struct capture_meta;

enum record_kind {
	REC_TIME,        /* ts (clock_of_day: seconds since midnight) */
	REC_MAP,         /* key, keylen, value */
	REC_HEADER,      /* key/keylen: the header text after "# dbnetio-capture " */
	REC_FINAL,       /* # dbnetio-final: the next dump is partial */
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
};

struct record {
	enum record_kind kind;
	unsigned flags;
	int64_t ts;
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
/* Header fields into meta (percent-decoded).  0 or -1 with err. */
int parse_header(const char *text, size_t len, struct capture_meta *meta,
		 char *err, size_t errlen);
/* A decimal unsigned 64-bit integer, the whole of [s, s+len): 0, or -1 with
 * err ("out of range", "expected a number"). */
int parse_u64(const char *s, size_t len, uint64_t *out, char *err, size_t errlen);
/* Write a printable excerpt of a line for error messages. */
void parse_excerpt(const char *s, size_t len, char *out, size_t outlen);

#endif
