/* write_util.c: formatting helpers shared by the writers (write_util.h). */
#include "write_util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "series.h"

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

bool wu_in_ranges(uint32_t cp, const struct wu_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return true;
	return false;
}

/* No column of their own: combining marks, and the invisible characters
 * that join or vary the one before (ZWJ in emoji sequences, variation
 * selectors, tags) or mark direction. */
static const struct wu_range zero_width[] = {
	{ 0x0300, 0x036f }, { 0x034f, 0x034f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
	{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a },
	{ 0x180b, 0x180f }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200f },
	{ 0x20d0, 0x20ff }, { 0x2060, 0x2064 }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f },
	{ 0xfeff, 0xfeff }, { 0xe0000, 0xe007f }, { 0xe0100, 0xe01ef },
};

/* East Asian wide and fullwidth characters and emoji: two columns. */
static const struct wu_range wide[] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a }, { 0x23e9, 0x23ec },
	{ 0x23f0, 0x23f3 }, { 0x25fd, 0x25fe }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 },
	{ 0x267f, 0x267f }, { 0x2693, 0x2693 }, { 0x26a1, 0x26a1 }, { 0x26aa, 0x26ab },
	{ 0x26bd, 0x26be }, { 0x26c4, 0x26c5 }, { 0x26ce, 0x26ce }, { 0x26d4, 0x26d4 },
	{ 0x26ea, 0x26ea }, { 0x26f2, 0x26f5 }, { 0x26fa, 0x26fd }, { 0x2705, 0x2705 },
	{ 0x270a, 0x270b }, { 0x2728, 0x2728 }, { 0x274c, 0x274e }, { 0x2753, 0x2757 },
	{ 0x2795, 0x2797 }, { 0x27b0, 0x27bf }, { 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b55 },
	{ 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff },
	{ 0xa000, 0xa4cf }, { 0xa960, 0xa97f }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
	{ 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 },
	{ 0x16fe0, 0x18aff }, { 0x1b000, 0x1b2ff }, { 0x1f000, 0x1faff }, { 0x20000, 0x3fffd },
};

unsigned wu_cp_width(uint32_t cp)
{
	if (wu_in_ranges(cp, zero_width, sizeof zero_width / sizeof zero_width[0]))
		return 0;
	return wu_in_ranges(cp, wide, sizeof wide / sizeof wide[0]) ? 2 : 1;
}

size_t wu_display_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), w = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = wu_utf8_decode(u + i, n - i, &cp);
		if (len == 0) {
			w++;
			i++;
			continue;
		}
		w += len == 1 ? 1 : wu_cp_width(cp);
		i += len;
	}
	return w;
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

/* The one place a time becomes text: every writer, chart and report
 * formats through here, so --local-time means the same everywhere. */
bool wu_tm(int64_t ts, bool local, struct tm *tm)
{
	time_t t = (time_t)ts;

	return (local ? localtime_r(&t, tm) : gmtime_r(&t, tm)) != NULL;
}

size_t wu_strftime(int64_t ts, bool local, const char *fmt, char *buf, size_t len)
{
	struct tm tm;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (!wu_tm(ts, local, &tm))
		return 0;
	return strftime(buf, len, fmt, &tm);
}

/* "HH:MM:SS" of a clock-of-day second (no zone, no date), "(+N d)" after it
 * when days is set and it lies past the first day. */
static const char *clock_text(int64_t ts, bool days, char *buf, size_t len)
{
	int64_t d = ts / 86400, r = ((ts % 86400) + 86400) % 86400;

	if (days && d)
		snprintf(buf, len, "%02d:%02d:%02d (+%lld d)", (int)(r / 3600), (int)(r / 60 % 60),
			 (int)(r % 60), (long long)d);
	else
		snprintf(buf, len, "%02d:%02d:%02d", (int)(r / 3600), (int)(r / 60 % 60),
			 (int)(r % 60));
	return buf;
}

const char *wu_time(const struct capture_meta *m, int64_t ts, bool local, char *buf, size_t len)
{
	if (m && m->clock_of_day)
		return clock_text(ts, true, buf, len);
	if (!wu_strftime(ts, local, "%Y-%m-%d %H:%M:%S", buf, len))
		snprintf(buf, len, "%lld", (long long)ts);
	return buf;
}

const char *wu_clock(const struct capture_meta *m, int64_t ts, bool local, char *buf, size_t len)
{
	if ((!m || !m->clock_of_day) && local && wu_strftime(ts, true, "%H:%M:%S", buf, len))
		return buf;
	return clock_text(ts, false, buf, len);
}

const char *wu_zone(const struct capture_meta *m, int64_t ts, bool local, char *buf, size_t len)
{
	if (m && m->clock_of_day)
		snprintf(buf, len, "%s", "");
	else if (!local || !wu_strftime(ts, true, "%Z", buf, len) || !*buf)
		snprintf(buf, len, "%s", local ? "local time" : "UTC");
	return buf;
}

/* ===== output paths ===== */

/* Can a new file be made in dir?  Creates one and removes it at once.
 * 0, or the errno. */
static int probe_dir(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/.dbnetio-report-XXXXXX", dir) >= sizeof(path))
		return ENAMETOOLONG;
	fd = mkstemp(path);
	if (fd < 0)
		return errno;
	close(fd);
	unlink(path);
	return 0;
}

/* The directory part of path into buf ("." for a bare name). */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

int wu_check_output_file(const char *opt, const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat st;
	int e;

	if (!*path) {
		snprintf(err, errlen, "%s: expected a file name, got ''", opt);
		return -1;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s: is a directory (expected a file to write)", opt, path);
		return -1;
	}
	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "%s %s: cannot write there: %s: %s", opt, path, dir,
			 strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s: cannot write there: %s is not a directory", opt, path, dir);
		return -1;
	}
	if ((e = probe_dir(dir)) != 0) {
		snprintf(err, errlen, "%s %s: cannot create a file in %s: %s", opt, path, dir,
			 strerror(e));
		return -1;
	}
	return 0;
}

int wu_check_output_dir(const char *opt, const char *dir, char *err, size_t errlen)
{
	char up[PATH_MAX];
	struct stat st;
	int e;

	if (!*dir || strlen(dir) >= sizeof(up)) {
		snprintf(err, errlen, "%s: expected a directory name, got '%s'", opt, dir);
		return -1;
	}
	snprintf(up, sizeof(up), "%s", dir);
	/* the nearest existing ancestor: what mkdir -p will make the rest in */
	while (stat(up, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			snprintf(err, errlen, "%s %s: %s: %s", opt, dir, up, strerror(errno));
			return -1;
		}
		char parent[PATH_MAX];
		dir_of(up, parent, sizeof(parent));
		if (strcmp(parent, up) == 0)
			break;
		snprintf(up, sizeof(up), "%s", parent);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (strcmp(up, dir) == 0)
			snprintf(err, errlen, "%s %s: exists and is not a directory", opt, dir);
		else
			snprintf(err, errlen, "%s %s: cannot make it: %s is not a directory", opt, dir, up);
		return -1;
	}
	if ((e = probe_dir(up)) != 0) {
		if (strcmp(up, dir) == 0)
			snprintf(err, errlen, "%s %s: cannot create files in it: %s", opt, dir, strerror(e));
		else
			snprintf(err, errlen, "%s %s: cannot make it in %s: %s", opt, dir, up, strerror(e));
		return -1;
	}
	return 0;
}

/* ===== the series a writer has seen ===== */

int wu_seen(const struct series ***arr, size_t *n, const struct series *s, char *err,
	    size_t errlen)
{
	if (s->index >= *n) {
		size_t c = *n ? *n : 64;
		while (c <= s->index)
			c *= 2;
		const struct series **a = realloc(*arr, c * sizeof(*a));
		if (!a) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memset(a + *n, 0, (c - *n) * sizeof(*a));
		*arr = a;
		*n = c;
	}
	(*arr)[s->index] = s;
	return 0;
}

/* ===== files replaced atomically ===== */

int wu_atomic_open(struct wu_atomic *a, const char *path, char *err, size_t errlen)
{
	size_t l = strlen(path) + 16;
	int fd;

	a->f = NULL;
	a->path = path;
	a->tmp = malloc(l);
	if (!a->tmp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(a->tmp, l, "%s.tmp.XXXXXX", path);
	fd = mkstemp(a->tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create a file beside it: %s", path, strerror(errno));
		free(a->tmp);
		a->tmp = NULL;
		return -1;
	}
	(void)fchmod(fd, 0644);
	a->f = fdopen(fd, "w");
	if (!a->f) {
		snprintf(err, errlen, "fdopen(%s): %s", a->tmp, strerror(errno));
		close(fd);
		unlink(a->tmp);
		free(a->tmp);
		a->tmp = NULL;
		return -1;
	}
	return 0;
}

int wu_atomic_commit(struct wu_atomic *a, char *err, size_t errlen)
{
	int ret = 0;

	if (fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0) {
		snprintf(err, errlen, "write(%s): %s", a->tmp, strerror(errno));
		ret = -1;
	}
	if (fclose(a->f) != 0 && ret == 0) {
		snprintf(err, errlen, "write(%s): %s", a->tmp, strerror(errno));
		ret = -1;
	}
	a->f = NULL;
	if (ret == 0 && rename(a->tmp, a->path) != 0) {
		snprintf(err, errlen, "rename(%s, %s): %s", a->tmp, a->path, strerror(errno));
		ret = -1;
	}
	if (ret < 0)
		unlink(a->tmp);
	free(a->tmp);
	a->tmp = NULL;
	return ret;
}

void wu_atomic_abort(struct wu_atomic *a)
{
	if (a->f)
		fclose(a->f);
	a->f = NULL;
	if (a->tmp) {
		unlink(a->tmp);
		free(a->tmp);
	}
	a->tmp = NULL;
}

int wu_mkdir_p(const char *what, const char *dir, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof buf) {
		snprintf(err, errlen, "%s '%s': bad path", what, dir);
		return -1;
	}
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0777) < 0 && errno != EEXIST) {
				snprintf(err, errlen, "mkdir(%s): %s", buf, strerror(errno));
				return -1;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s '%s': not a directory", what, dir);
		return -1;
	}
	return 0;
}
