/* units.h: byte and rate units, both ways, and durations.
 *
 * The threshold grammar's numbers (README, "What the outputs mean"), one
 * rule each, exactly as documented:
 *   rate      NUMBER [ ] UNIT [/s]      50MiB/s, 1.5 GB, 100 B/s
 *   NUMBER    decimal digits, an optional fraction: 50, 1.5 (no sign, no
 *             exponent, no hex)
 *   UNIT      B; KB MB GB TB (powers of 1000); KiB MiB GiB TiB (powers of
 *             1024); required, case as written; a rate is per second, so
 *             "/s" may be left out
 *   duration  INTEGER [ ] s|m|h         5s, 2m, 1h (the unit required)
 * Formatting uses binary units with three significant digits. */
#ifndef DBNETIO_UNITS_H
#define DBNETIO_UNITS_H

#include <stddef.h>

/* For messages: the units a rate takes. */
#define UNITS_RATE_NAMES "B, KB, MB, GB, TB (1000-based), KiB, MiB, GiB, TiB (1024-based)"

/* A rate, the whole of [s, s+len), into bytes per second.  0, or -1 with
 * err saying what was expected (a unit, a decimal number, ...). */
int units_parse_rate(const char *s, size_t len, double *out, char *err, size_t errlen);
/* A duration, the whole of [s, s+len), into seconds, at most max.  0, or
 * -1 with err. */
int units_parse_duration(const char *s, size_t len, unsigned max, unsigned *out, char *err,
			 size_t errlen);
/* "1.23 MiB" into buf; returns buf. */
const char *units_format_bytes(double bytes, char *buf, size_t len);

#endif
