/* write_util.h: small formatting helpers shared by the writers. */
#ifndef DBNETIO_WRITE_UTIL_H
#define DBNETIO_WRITE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "summary.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes, n >= 1), 0 when
 * s[0] starts none (overlong forms and surrogates included). */
size_t wu_utf8_len(const unsigned char *s, size_t n);
/* The same, and the code point in *cp when cp is not NULL. */
size_t wu_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
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
/* "2026-11-24 22:13:45" UTC for epoch seconds, or "+HH:MM:SS (day N)" for
 * clock-of-day input. */
const char *wu_time(const struct capture_meta *m, int64_t ts, char *buf, size_t len);
/* "22:13:45" only. */
const char *wu_clock(const struct capture_meta *m, int64_t ts, char *buf, size_t len);

#endif
