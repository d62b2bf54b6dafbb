/* write_util.h: small formatting helpers shared by the writers. */
#ifndef DBNETIO_WRITE_UTIL_H
#define DBNETIO_WRITE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "summary.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes, n >= 1), 0 when
 * s[0] starts none (overlong forms and surrogates included). */
size_t wu_utf8_len(const unsigned char *s, size_t n);
/* The same, and the code point in *cp when cp is not NULL. */
size_t wu_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* The columns s takes on a terminal: a UTF-8 character is one, an East
 * Asian wide one (CJK, Hangul, fullwidth forms, most emoji) two, a
 * combining mark or zero-width character none, a byte that starts no valid
 * sequence one (shown as U+FFFD).  No locale is needed (the program runs in
 * the C locale); the table pads its columns by this. */
size_t wu_display_width(const char *s);
/* The columns of one code point, by which the tables pad and the charts
 * cut names: 0, 1 or 2. */
unsigned wu_cp_width(uint32_t cp);
/* Is cp in one of the n ranges at r (inclusive bounds)? */
struct wu_range {
	uint32_t lo, hi;
};
bool wu_in_ranges(uint32_t cp, const struct wu_range *r, size_t n);
/* The string writers below emit valid UTF-8 whatever the input: a byte that
 * starts no valid sequence becomes U+FFFD. */
/* A JSON string literal, quotes included. */
void wu_json_string(FILE *f, const char *s);
/* A number as JSON (and CSV's seconds): integers without a fraction, others
 * to 6 decimals. */
void wu_json_number(FILE *f, double v);
/* A CSV field, quoted when it holds , " or a line break. */
void wu_csv_field(FILE *f, const char *s);
/* A Prometheus label value (escapes \ " and newline). */
void wu_prom_label(FILE *f, const char *s);
/* strftime(fmt) of epoch seconds ts in UTC or (local) local time: the one
 * time formatter, which the ones below and every writer use.  Returns the
 * length written, 0 (and "" in buf) when the time or format does not fit. */
size_t wu_strftime(int64_t ts, bool local, const char *fmt, char *buf, size_t len);
/* The broken-down time under it (for its UTC offset, its day); false when ts
 * is out of range. */
bool wu_tm(int64_t ts, bool local, struct tm *tm);
/* "2026-11-24 22:13:45" for epoch seconds, in UTC or (local) local time,
 * or "HH:MM:SS (+N d)" for clock-of-day input, which has no zone. */
const char *wu_time(const struct capture_meta *m, int64_t ts, bool local, char *buf, size_t len);
/* "22:13:45" only, likewise. */
const char *wu_clock(const struct capture_meta *m, int64_t ts, bool local, char *buf, size_t len);
/* The zone those times are in: "UTC", local time's name at ts ("CET"), or
 * "" for clock-of-day input. */
const char *wu_zone(const struct capture_meta *m, int64_t ts, bool local, char *buf, size_t len);

/* ===== output paths, checked before any input is read =====
 * A path the run cannot write must fail at once, naming the path the user
 * gave (not a temporary file), and not after a whole capture or at Ctrl-C.
 * Both probe by creating and removing a file, which is what the writer will
 * do: permission bits say nothing for root, or in /proc.  opt is the
 * option's name for the message ("-o", "--report"). */
/* path will be created or replaced: not a directory, and its directory
 * takes new files.  0, or -1 with err. */
int wu_check_output_file(const char *opt, const char *path, char *err, size_t errlen);
/* dir will hold new files: a directory that takes them, or one that mkdir -p
 * can make (its nearest existing ancestor is a directory that takes them).
 * Nothing is created.  0, or -1 with err. */
int wu_check_output_dir(const char *opt, const char *dir, char *err, size_t errlen);

/* mkdir -p: make dir and any missing parent.  0, or -1 with err (also when
 * dir exists but is not a directory); what names it in messages ("plot
 * directory": "plot directory 'x': not a directory"). */
int wu_mkdir_p(const char *what, const char *dir, char *err, size_t errlen);

/* ===== the series a writer has seen =====
 * Put s at s->index in *arr, a writer's array of the series it has seen
 * (*n slots, grown by doubling, new slots NULL).  0, or -1 with err. */
int wu_seen(const struct series ***arr, size_t *n, const struct series *s, char *err,
	    size_t errlen);

/* ===== files replaced atomically =====
 * The one way an output file is written: into a temporary file beside it
 * (same directory, so same filesystem), then fsync and rename over it, so a
 * reader (node_exporter's textfile collector) sees the old file or the new
 * one, never half of one, and a crash leaves the old one. */
struct wu_atomic {
	FILE *f;                 /* write here */
	char *tmp;               /* PATH.tmp.XXXXXX */
	const char *path;        /* borrowed */
};
/* Create the temporary file (mode 0644).  0, or -1 with err naming path. */
int wu_atomic_open(struct wu_atomic *a, const char *path, char *err, size_t errlen);
/* Flush, fsync, close and rename it over path.  0, or -1 with err (the
 * temporary file is removed either way). */
int wu_atomic_commit(struct wu_atomic *a, char *err, size_t errlen);
/* Drop it: close and remove the temporary file (no-op when none). */
void wu_atomic_abort(struct wu_atomic *a);

#endif
