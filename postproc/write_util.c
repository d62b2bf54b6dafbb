/* write_util.c: formatting helpers shared by the writers (write_util.h). */
#include "write_util.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* Process names and map keys come from the traced machine and may hold any
 * bytes; JSON, Prometheus and CSV readers expect UTF-8, so every writer
 * passes text through here and broken sequences become U+FFFD. */
size_t wu_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp_out)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80) {
		if (cp_out)
			*cp_out = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) { len = 2; cp = s[0] & 0x1f; }
	else if ((s[0] & 0xf0) == 0xe0) { len = 3; cp = s[0] & 0x0f; }
	else if ((s[0] & 0xf8) == 0xf0) { len = 4; cp = s[0] & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not text */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp_out)
		*cp_out = cp;
	return len;
}

size_t wu_utf8_len(const unsigned char *s, size_t n)
{
	return wu_utf8_decode(s, n, NULL);
}

/* Copy the UTF-8 text of s, U+FFFD for each byte that starts no valid
 * sequence; ASCII is handed to `ascii` so callers can escape it. */
static void utf8_copy(FILE *f, const char *s, const char *bad, void (*ascii)(FILE *, unsigned char))
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		if (u[i] < 0x80) {
			ascii(f, u[i++]);
			continue;
		}
		size_t len = wu_utf8_len(u + i, n - i);
		if (len == 0) {
			fputs(bad, f);
			i++;
			continue;
		}
		fwrite(u + i, 1, len, f);
		i += len;
	}
}

static void json_ascii(FILE *f, unsigned char c)
{
	switch (c) {
	case '"': fputs("\\\"", f); break;
	case '\\': fputs("\\\\", f); break;
	case '\n': fputs("\\n", f); break;
	case '\t': fputs("\\t", f); break;
	case '\r': fputs("\\r", f); break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
}

void wu_json_string(FILE *f, const char *s)
{
	putc('"', f);
	utf8_copy(f, s, "\\ufffd", json_ascii);
	putc('"', f);
}

void wu_json_number(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.6f", v);
}

static void plain_ascii(FILE *f, unsigned char c)
{
	putc(c, f);
}

static void csv_ascii(FILE *f, unsigned char c)
{
	if (c == '"')
		putc('"', f);
	putc(c, f);
}

void wu_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		utf8_copy(f, s, "\xef\xbf\xbd", plain_ascii);
		return;
	}
	putc('"', f);
	utf8_copy(f, s, "\xef\xbf\xbd", csv_ascii);
	putc('"', f);
}

static void prom_ascii(FILE *f, unsigned char c)
{
	if (c == '\\')
		fputs("\\\\", f);
	else if (c == '"')
		fputs("\\\"", f);
	else if (c == '\n')
		fputs("\\n", f);
	else
		putc(c, f);
}

void wu_prom_label(FILE *f, const char *s)
{
	utf8_copy(f, s, "\xef\xbf\xbd", prom_ascii);
}

const char *wu_time(const struct capture_meta *m, int64_t ts, char *buf, size_t len)
{
	if (m && m->clock_of_day) {
		int64_t d = ts / 86400, r = ts % 86400;
		if (d)
			snprintf(buf, len, "%02d:%02d:%02d (+%lld d)", (int)(r / 3600),
				 (int)(r / 60 % 60), (int)(r % 60), (long long)d);
		else
			snprintf(buf, len, "%02d:%02d:%02d", (int)(r / 3600), (int)(r / 60 % 60),
				 (int)(r % 60));
		return buf;
	}
	time_t t = (time_t)ts;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%lld", (long long)ts);
	return buf;
}

const char *wu_clock(const struct capture_meta *m, int64_t ts, char *buf, size_t len)
{
	(void)m;
	int64_t r = ((ts % 86400) + 86400) % 86400;
	snprintf(buf, len, "%02d:%02d:%02d", (int)(r / 3600), (int)(r / 60 % 60), (int)(r % 60));
	return buf;
}
