/* rotate.c: `--capture-dir DIR`, the raw capture stream kept as files that
 * rotate at dump boundaries (rotate.h).
 *
 * The stream's counters are cumulative since the capture began, so a file
 * cut out of the middle of it would, read alone, count everything before it
 * again.  Each file therefore holds its counters relative to the end of the
 * file before it: a map line `@send[...]: V` is written as V - B, B being
 * that key's value in the previous file's last dump (0 for a key first seen
 * in this file).  Read alone, a file is then a capture that was attached at
 * the rotation: its first dump is partial (the bytes of the interval across
 * the rotation: totals, not rates) and its total is the bytes moved in it.
 * The totals of all the files add up to the stream's, to the byte, and every
 * other line (time lines, markers, bpftrace's notices) is copied unchanged.
 *
 * A file is cut before a time line whose second falls in another period of
 * --rotate seconds (capture time, not the wall clock, so the same stream
 * always cuts the same way), and starts with the capture's header.  The
 * open file is NAME.txt.part; it is flushed at every dump's end and, when
 * it is complete, synced and renamed to NAME.txt, so a cron job that
 * reports *.txt never reads one being written.  NAME is capture- and the
 * UTC start of its period, 20261201T230000Z.
 *
 * Only the text form can be rewritten (-f json's values are inside JSON
 * objects): a JSON stream is refused.  A stream whose counters are
 * per interval (counters=interval) is copied unchanged.
 */
#include "grow.h"
#include "rotate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "write_util.h"

/* ===== per-key bases: an open-addressing table ===== */

struct rot_key {
	char *key;               /* "@send[4321, mariadbd, 10.1.2.3]" */
	uint64_t base;           /* subtracted in the current file */
	uint64_t last;           /* the last value read */
};

struct rotator {
	char *dir;
	unsigned period;         /* seconds; 0 = one file */
	unsigned keep;           /* completed files kept; 0 = all */
	/* the current file */
	FILE *f;
	char *part_path, *final_path;
	int64_t file_period;     /* the period index it holds */
	/* the stream */
	char *header;            /* the last capture header line */
	bool interval_counters;
	char *pending;           /* lines before the first time line */
	size_t npending, cappending;
	char *line;              /* a line being assembled across reads */
	size_t nline, capline;
	bool long_line;          /* copying a line too long to parse */
	struct rot_key *keys;
	size_t nkeys, capkeys;   /* capkeys: a power of two */
	unsigned files;          /* completed files */
};

static uint64_t key_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* The entry of key (created with base 0), or NULL when out of memory. */
static struct rot_key *key_get(struct rotator *r, const char *key, size_t n)
{
	if (r->nkeys * 2 >= r->capkeys) {
		size_t cap = r->capkeys ? r->capkeys * 2 : 1024;
		struct rot_key *k = calloc(cap, sizeof(*k));
		if (!k)
			return NULL;
		for (size_t i = 0; i < r->capkeys; i++) {
			if (!r->keys[i].key)
				continue;
			size_t j = key_hash(r->keys[i].key, strlen(r->keys[i].key)) & (cap - 1);
			while (k[j].key)
				j = (j + 1) & (cap - 1);
			k[j] = r->keys[i];
		}
		free(r->keys);
		r->keys = k;
		r->capkeys = cap;
	}
	size_t j = key_hash(key, n) & (r->capkeys - 1);
	while (r->keys[j].key) {
		if (strlen(r->keys[j].key) == n && memcmp(r->keys[j].key, key, n) == 0)
			return &r->keys[j];
		j = (j + 1) & (r->capkeys - 1);
	}
	r->keys[j].key = strndup(key, n);
	if (!r->keys[j].key)
		return NULL;
	r->keys[j].base = r->keys[j].last = 0;
	r->nkeys++;
	return &r->keys[j];
}

static void keys_clear(struct rotator *r)
{
	for (size_t i = 0; i < r->capkeys; i++) {
		free(r->keys[i].key);
		r->keys[i].key = NULL;
	}
	r->nkeys = 0;
}

/* ===== files ===== */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keep the newest `keep` completed files of the directory (names sort by
 * time); older ones are removed.  Failures to list or remove are warnings:
 * the capture goes on. */
static void prune(struct rotator *r)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!r->keep || !(d = opendir(r->dir)))
		return;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "capture-", 8) != 0 || l < 12 || strcmp(de->d_name + l - 4, ".txt"))
			continue;
		char **nn = grow(names, &cap, n, sizeof(*nn), 64);
		if (!nn)
			break;
		names = nn;
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i + r->keep < n; i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", r->dir, names[i]);
		if (unlink(p) != 0)
			fprintf(stderr, "dbnetio-report: warning: --capture-keep: unlink(%s): %s\n", p,
				strerror(errno));
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int write_bytes(struct rotator *r, const char *s, size_t n, char *err, size_t errlen)
{
	if (fwrite(s, 1, n, r->f) != n) {
		snprintf(err, errlen, "--capture-dir: write(%s): %s", r->part_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Complete the open file: flush, sync, rename NAME.txt.part to NAME.txt. */
static int file_close(struct rotator *r, char *err, size_t errlen)
{
	int ret = 0;

	if (!r->f)
		return 0;
	if (fflush(r->f) != 0 || fsync(fileno(r->f)) != 0) {
		snprintf(err, errlen, "--capture-dir: write(%s): %s", r->part_path, strerror(errno));
		ret = -1;
	}
	if (fclose(r->f) != 0 && ret == 0) {
		snprintf(err, errlen, "--capture-dir: close(%s): %s", r->part_path, strerror(errno));
		ret = -1;
	}
	r->f = NULL;
	if (ret == 0 && rename(r->part_path, r->final_path) != 0) {
		snprintf(err, errlen, "--capture-dir: rename(%s, %s): %s", r->part_path, r->final_path,
			 strerror(errno));
		ret = -1;
	}
	free(r->part_path);
	free(r->final_path);
	r->part_path = r->final_path = NULL;
	if (ret == 0) {
		r->files++;
		prune(r);
	}
	return ret;
}

/* Open the file of period idx, named by the time `when` (UTC; -2, -3, ...
 * added when a file of that name exists, as after a restart within the
 * period). */
static int file_open(struct rotator *r, int64_t idx, int64_t when, char *err, size_t errlen)
{
	char stamp[32], part[4224], fin[4200];
	int fd = -1;

	wu_strftime(when, false, "%Y%m%dT%H%M%SZ", stamp, sizeof(stamp));
	for (unsigned k = 1; k < 1000 && fd < 0; k++) {
		char sfx[16] = "";
		if (k > 1)
			snprintf(sfx, sizeof(sfx), "-%u", k);
		snprintf(fin, sizeof(fin), "%s/capture-%s%s.txt", r->dir, stamp, sfx);
		snprintf(part, sizeof(part), "%s.part", fin);
		if (access(fin, F_OK) == 0)
			continue;
		fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST) {
			snprintf(err, errlen, "--capture-dir: open(%s): %s", part, strerror(errno));
			return -1;
		}
	}
	if (fd < 0) {
		snprintf(err, errlen, "--capture-dir: no free name for capture-%s.txt in %s", stamp, r->dir);
		return -1;
	}
	r->f = fdopen(fd, "w");
	r->part_path = strdup(part);
	r->final_path = strdup(fin);
	if (!r->f || !r->part_path || !r->final_path) {
		snprintf(err, errlen, "--capture-dir: out of memory");
		if (!r->f)
			close(fd);
		return -1;
	}
	r->file_period = idx;
	return 0;
}

/* ===== lines ===== */

/* A time line: digits, optionally a dot and digits (formats 1 and 2).
 * Its whole seconds in *ts. */
static bool time_line(const char *s, size_t n, int64_t *ts)
{
	size_t i = 0;
	int64_t v = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9' && i < 18)
		v = v * 10 + (s[i++] - '0');
	if (i == 0 || (i < n && s[i] != '.'))
		return false;
	if (i < n) {
		size_t j = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == j || i != n)
			return false;
	}
	*ts = v;
	return true;
}

/* A text map entry `@name[key]: digits`: the key's length and value. */
static bool map_line(const char *s, size_t n, size_t *keylen, uint64_t *v)
{
	size_t i = n;
	uint64_t x = 0;

	if (n < 4 || s[0] != '@')
		return false;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == n || n - i > 19 || i < 3 || s[i - 1] != ' ' || s[i - 2] != ':')
		return false;
	for (size_t j = i; j < n; j++)
		x = x * 10 + (uint64_t)(s[j] - '0');
	*keylen = i - 2;
	*v = x;
	return true;
}

static int pending_add(struct rotator *r, const char *s, size_t n, char *err, size_t errlen)
{
	char *p = grow_to(r->pending, &r->cappending, r->npending + n + 1, 1, 64);

	if (!p) {
		snprintf(err, errlen, "--capture-dir: out of memory");
		return -1;
	}
	r->pending = p;
	memcpy(r->pending + r->npending, s, n);
	r->npending += n;
	r->pending[r->npending++] = '\n';
	return 0;
}

/* Write a line (without its newline) to the open file, or keep it until
 * the first time line opens one. */
static int emit(struct rotator *r, const char *s, size_t n, char *err, size_t errlen)
{
	if (!r->f)
		return pending_add(r, s, n, err, errlen);
	if (write_bytes(r, s, n, err, errlen) < 0 || write_bytes(r, "\n", 1, err, errlen) < 0)
		return -1;
	return 0;
}

static int on_line(struct rotator *r, const char *s, size_t n, char *err, size_t errlen)
{
	int64_t ts;
	size_t kl;
	uint64_t v;

	if (n && s[0] == '{') {
		snprintf(err, errlen, "--capture-dir: a JSON capture (-f json) cannot be rotated "
			 "(its counters cannot be rewritten); capture with -f text");
		return -1;
	}
	if (n >= 17 && memcmp(s, "# dbnetio-capture", 17) == 0) {
		/* a new capture: its counters start again from zero */
		char *h = strndup(s, n);
		if (!h) {
			snprintf(err, errlen, "--capture-dir: out of memory");
			return -1;
		}
		free(r->header);
		r->header = h;
		r->interval_counters = strstr(h, " counters=interval") != NULL;
		keys_clear(r);
		return emit(r, s, n, err, errlen);
	}
	if (time_line(s, n, &ts)) {
		int64_t idx = r->period ? ts / (int64_t)r->period : 0;
		if (r->f && idx != r->file_period) {
			/* the previous dump is complete: cut here */
			if (file_close(r, err, errlen) < 0 ||
			    file_open(r, idx, idx * (int64_t)r->period, err, errlen) < 0)
				return -1;
			for (size_t i = 0; i < r->capkeys; i++)
				if (r->keys[i].key)
					r->keys[i].base = r->keys[i].last;
			if (r->header && emit(r, r->header, strlen(r->header), err, errlen) < 0)
				return -1;
		} else if (!r->f) {
			if (file_open(r, idx, r->period ? idx * (int64_t)r->period : ts, err, errlen) < 0 ||
			    (r->npending && write_bytes(r, r->pending, r->npending, err, errlen) < 0))
				return -1;
			r->npending = 0;
		}
		return emit(r, s, n, err, errlen);
	}
	if (!r->interval_counters && map_line(s, n, &kl, &v)) {
		struct rot_key *k = key_get(r, s, kl);
		char buf[32];
		if (!k) {
			snprintf(err, errlen, "--capture-dir: out of memory");
			return -1;
		}
		if (v < k->base)
			k->base = 0;   /* the counter went back: a restarted program */
		k->last = v;
		if (!r->f)
			return pending_add(r, s, n, err, errlen);
		int l = snprintf(buf, sizeof(buf), ": %llu\n", (unsigned long long)(v - k->base));
		return write_bytes(r, s, kl, err, errlen) < 0 ? -1 : write_bytes(r, buf, (size_t)l, err, errlen);
	}
	if (emit(r, s, n, err, errlen) < 0)
		return -1;
	/* a dump is complete: what is in the file is readable now */
	if (r->f && n == 18 && memcmp(s, "# dbnetio-dump-end", 18) == 0 && fflush(r->f) != 0) {
		snprintf(err, errlen, "--capture-dir: write(%s): %s", r->part_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ===== API ===== */

int rotator_new(struct rotator **out, const struct rotate_opts *o, char *err, size_t errlen)
{
	struct rotator *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r || !(r->dir = strdup(o->dir))) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (wu_mkdir_p("--capture-dir", r->dir, err, errlen) < 0) {
		free(r->dir);
		free(r);
		return -1;
	}
	r->period = o->period;
	r->keep = o->keep;
	*out = r;
	return 0;
}

int rotator_tee(void *arg, const char *bytes, size_t n, char *err, size_t errlen)
{
	struct rotator *r = arg;

	while (n) {
		const char *nl = memchr(bytes, '\n', n);
		size_t take = nl ? (size_t)(nl - bytes) : n;
		if (r->long_line) {
			/* no use parsing it: the reader reports it */
			if ((r->f ? write_bytes(r, bytes, take + (nl != NULL), err, errlen)
				  : 0) < 0)
				return -1;
			if (nl)
				r->long_line = false;
		} else if (r->nline + take > INPUT_MAX_LINE) {
			if (r->f && write_bytes(r, r->line, r->nline, err, errlen) < 0)
				return -1;
			r->nline = 0;
			r->long_line = true;
			continue;
		} else {
			char *p = grow_to(r->line, &r->capline, r->nline + take, 1, 64);
			if (!p) {
				snprintf(err, errlen, "--capture-dir: out of memory");
				return -1;
			}
			r->line = p;
			memcpy(r->line + r->nline, bytes, take);
			r->nline += take;
			if (nl) {
				if (on_line(r, r->line, r->nline, err, errlen) < 0)
					return -1;
				r->nline = 0;
			}
		}
		if (!nl)
			break;
		bytes += take + 1;
		n -= take + 1;
	}
	return 0;
}

int rotator_finish(struct rotator *r, char *err, size_t errlen)
{
	/* an unterminated last line is kept as it came (the reader ignores it) */
	if (r->nline && r->f && write_bytes(r, r->line, r->nline, err, errlen) < 0)
		return -1;
	r->nline = 0;
	if (!r->f && r->npending) {
		/* a stream without a time line: one file, named by the clock */
		if (file_open(r, 0, (int64_t)time(NULL), err, errlen) < 0 ||
		    write_bytes(r, r->pending, r->npending, err, errlen) < 0)
			return -1;
		r->npending = 0;
	}
	return file_close(r, err, errlen);
}

void rotator_free(struct rotator *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);   /* an error path: the .part file stays, as written */
	free(r->part_path);
	free(r->final_path);
	keys_clear(r);
	free(r->keys);
	free(r->header);
	free(r->pending);
	free(r->line);
	free(r->dir);
	free(r);
}
