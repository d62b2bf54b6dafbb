/* units.c: human byte units (see units.h). */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	double mult;
} units[] = {
	{ "B", 1 }, { "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
	{ "TiB", 1099511627776.0 }, { "KB", 1e3 }, { "kB", 1e3 }, { "MB", 1e6 },
	{ "GB", 1e9 }, { "TB", 1e12 },
};

int units_parse_bytes(const char *s, double *out, char *err, size_t errlen)
{
	char *end;
	double v;
	size_t ul;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v) || v < 0) {
		snprintf(err, errlen, "expected a non-negative number with a unit, got '%s'", s);
		return -1;
	}
	while (*end == ' ')
		end++;
	ul = strcspn(end, "/ ");
	if (ul == 0) {
		*out = v;
	} else {
		size_t i;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == ul && memcmp(end, units[i].name, ul) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0])) {
			snprintf(err, errlen, "unknown unit '%.*s' (expected B, KiB, MiB, GiB, KB, MB or GB)",
				 (int)ul, end);
			return -1;
		}
		*out = v * units[i].mult;
	}
	end += ul;
	if (strncmp(end, "/s", 2) == 0)
		end += 2;
	while (*end == ' ')
		end++;
	if (*end) {
		snprintf(err, errlen, "unexpected '%s' after the value", end);
		return -1;
	}
	return 0;
}

const char *units_format_bytes(double b, char *buf, size_t len)
{
	static const char *names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int i = 0;

	while (fabs(b) >= 1024 && i < 6) {
		b /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%.0f B", b);
	else
		snprintf(buf, len, "%.*f %s", fabs(b) < 10 ? 2 : fabs(b) < 100 ? 1 : 0, b, names[i]);
	return buf;
}
