/* units.h: byte and rate units, both ways.
 * Parsing accepts B, KiB, MiB, GiB, TiB (powers of 1024) and KB, MB, GB, TB
 * (powers of 1000), case-sensitive as written, an optional "/s".
 * Formatting uses binary units with three significant digits. */
#ifndef DBNETIO_UNITS_H
#define DBNETIO_UNITS_H

#include <stddef.h>

/* Parse "50MiB/s", "1.5 GB", "100" (bytes) into bytes.  0 or -1 with err. */
int units_parse_bytes(const char *s, double *out, char *err, size_t errlen);
/* "1.23 MiB" into buf; returns buf. */
const char *units_format_bytes(double bytes, char *buf, size_t len);

#endif
