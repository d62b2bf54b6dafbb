/* write_util.c: formatting helpers shared by the writers (write_util.h). */
#include "write_util.h"

#include <math.h>
#include <string.h>
#include <time.h>

void wu_json_string(FILE *f, const char *s)
{
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				putc(*p, f);
		}
	}
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

void wu_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

void wu_prom_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
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
