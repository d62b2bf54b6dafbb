/* units.c: human byte units and durations, parsed strictly to the one
 * documented grammar (units.h) and formatted for people. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digits.h"

static const struct {
	const char *name;
	double mult;
} units[] = {
	{ "B", 1 },
	{ "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 }, { "TB", 1e12 },
	{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
	{ "TiB", 1099511627776.0 },
};


/* The text of [s, s+len) for a message. */
static const char *quote(const char *s, size_t len, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%.*s", len > 60 ? 60 : (int)len, s);
	return buf;
}

int units_parse_rate(const char *s, size_t len, double *out, char *err, size_t errlen)
{
	const char *p = s, *e = s + len, *num, *unit;
	char q[64], q2[64];
	size_t ul, i;

	if (len == 0) {
		snprintf(err, errlen, "expected a rate, e.g. 50MiB/s, got nothing");
		return -1;
	}
	if (*p == '-' || *p == '+') {
		snprintf(err, errlen, "expected a rate, got '%s': no sign (a rate is never negative)",
			 quote(s, len, q, sizeof(q)));
		return -1;
	}
	if (len >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		snprintf(err, errlen, "expected a decimal number, got '%s' (no hex)",
			 quote(s, len, q, sizeof(q)));
		return -1;
	}
	/* NUMBER: digits, then optionally '.' and digits */
	num = p;
	p += digits_span(p, (size_t)(e - p));
	if (p < e && *p == '.' && p > num) {
		p++;
		if (p == e || !digits_is_digit(*p)) {
			snprintf(err, errlen, "expected digits after the '.' in '%s'",
				 quote(s, len, q, sizeof(q)));
			return -1;
		}
		p += digits_span(p, (size_t)(e - p));
	}
	if (p == num) {
		snprintf(err, errlen, "expected a rate starting with a decimal number, e.g. 50MiB/s, "
			 "got '%s'", quote(s, len, q, sizeof(q)));
		return -1;
	}
	if (p - num > 30) {
		snprintf(err, errlen, "number too long in '%s'", quote(s, len, q, sizeof(q)));
		return -1;
	}
	char nbuf[32];
	memcpy(nbuf, num, (size_t)(p - num));
	nbuf[p - num] = '\0';
	double v = strtod(nbuf, NULL);   /* digits and one '.': nothing else to check */
	if (!isfinite(v)) {
		snprintf(err, errlen, "number out of range in '%s'", quote(s, len, q, sizeof(q)));
		return -1;
	}
	while (p < e && *p == ' ')
		p++;
	/* UNIT: up to '/', a space or the end */
	unit = p;
	while (p < e && *p != '/' && *p != ' ')
		p++;
	ul = (size_t)(p - unit);
	if (ul == 0) {
		snprintf(err, errlen, "expected a unit after %s (%s, per second: e.g. %sMiB/s)",
			 nbuf, UNITS_RATE_NAMES, nbuf);
		return -1;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == ul && memcmp(unit, units[i].name, ul) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0])) {
		snprintf(err, errlen, "unknown unit '%s' (expected %s)", quote(unit, ul, q, sizeof(q)),
			 UNITS_RATE_NAMES);
		return -1;
	}
	if (p < e && *p == '/') {
		if (e - p >= 2 && p[1] == 's')
			p += 2;
		else {
			snprintf(err, errlen, "unexpected '%s' after the unit (a rate is per second: "
				 "'/s' or nothing)", quote(p, (size_t)(e - p), q, sizeof(q)));
			return -1;
		}
	}
	const char *rate_end = p;
	while (p < e && *p == ' ')
		p++;
	if (p < e) {
		snprintf(err, errlen, "unexpected '%s' after the rate '%s'",
			 quote(p, (size_t)(e - p), q, sizeof(q)),
			 quote(s, (size_t)(rate_end - s), q2, sizeof(q2)));
		return -1;
	}
	*out = v * units[i].mult;
	return 0;
}

int units_parse_duration(const char *s, size_t len, unsigned max, unsigned *out, char *err,
			 size_t errlen)
{
	const char *p = s, *e = s + len;
	unsigned long long n = 0, mult;
	char q[64];

	uint64_t v = 0;
	p += digits_span(s, len);
	if (p > s && (digits_u64(s, (size_t)(p - s), &v) != DIGITS_OK || v > max)) {
		snprintf(err, errlen, "duration '%s' is longer than %u s",
			 quote(s, len, q, sizeof(q)), max);
		return -1;
	}
	n = v;
	if (p == s) {
		snprintf(err, errlen, "expected a duration, a whole number and s, m or h (e.g. 5s), "
			 "got '%s'", quote(s, len, q, sizeof(q)));
		return -1;
	}
	while (p < e && *p == ' ')
		p++;
	if (p == e) {
		snprintf(err, errlen, "expected a unit after %llu: s, m or h (e.g. %llus)", n, n);
		return -1;
	}
	if (e - p != 1 || (*p != 's' && *p != 'm' && *p != 'h')) {
		snprintf(err, errlen, "unknown duration unit '%s' (expected s, m or h)",
			 quote(p, (size_t)(e - p), q, sizeof(q)));
		return -1;
	}
	mult = *p == 'h' ? 3600 : *p == 'm' ? 60 : 1;
	if (n * mult > max) {
		snprintf(err, errlen, "duration '%s' is longer than %u s", quote(s, len, q, sizeof(q)),
			 max);
		return -1;
	}
	*out = (unsigned)(n * mult);
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
