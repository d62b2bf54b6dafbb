/* test_series.c: from map entries to samples — deltas, resets, gaps,
 * duplicates, backwards clocks, the final partial interval, per-interval
 * counters, key splitting and the predicted lookup. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../postproc/input.h"
#include "../../postproc/parse.h"
#include "../../postproc/series.h"
#include "../../postproc/summary.h"
#include "unit.h"

#define MAXS 256
static struct sample got[MAXS];
static struct series *got_s[MAXS];
static int ngot;
static char err[512];

static int on_sample(void *arg, struct series *s, const struct sample *smp)
{
	(void)arg;
	if (ngot < MAXS) {
		got[ngot] = *smp;
		got_s[ngot] = s;
		ngot++;
	}
	return 0;
}

struct fx {
	struct series_table t;
	struct series_source src;
	struct capture_meta m;
};

static void fx_init(struct fx *f, bool interval_counters)
{
	memset(f, 0, sizeof(*f));
	f->m.interval = 1;
	f->m.interval_counters = interval_counters;
	if (series_table_init(&f->t, NULL, 0, on_sample, NULL, NULL) < 0)
		UNIT_TRUE("series: test set-up (series_table_init)", 0);
	series_source_init(&f->src, &f->m);
	f->src.interval_counters = interval_counters;
	ngot = 0;
}

static void T(struct fx *f, int64_t ts)
{
	series_time(&f->t, &f->src, ts, 0, 0, err, sizeof(err));
}

static void V(struct fx *f, const char *key, uint64_t v)
{
	if (series_value(&f->t, &f->src, key, strlen(key), v, err, sizeof(err)) < 0)
		printf("# series_value: %s\n", err);
}

static void fx_free(struct fx *f)
{
	series_table_free(&f->t);
}

static void cumulative(void)
{
	struct fx f;

	fx_init(&f, false);
	T(&f, 100);
	V(&f, "@send[1, db]", 1000);
	V(&f, "@recv[1, db]", 10);
	T(&f, 101);
	V(&f, "@send[1, db]", 3000);
	V(&f, "@recv[1, db]", 10);
	T(&f, 102);
	V(&f, "@send[1, db]", 3500);
	V(&f, "@recv[1, db]", 30);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_EQ_U64("cumulative: one sample per series per dump", 6, ngot);
	UNIT_EQ_U64("cumulative: first dump is its own bytes", 1000, got[0].bytes);
	UNIT_EQ_U64("cumulative: later dumps are differences", 2000, got[2].bytes);
	UNIT_EQ_U64("cumulative: unchanged counter is a 0 sample", 0, got[3].bytes);
	UNIT_TRUE("cumulative: rate = bytes / 1 s", got[4].is_rate && got[4].rate == 500 && got[4].seconds == 1);
	UNIT_EQ_U64("cumulative: total", 3500, got_s[0]->total_bytes);
	UNIT_EQ_STR("key split: map", "@send", got_s[0]->map);
	UNIT_EQ_STR("key split: direction", "send", got_s[0]->direction);
	UNIT_EQ_U64("key split: pid", 1, got_s[0]->pid);
	UNIT_EQ_STR("key split: comm", "db", got_s[0]->comm);
	UNIT_EQ_U64("two series", 2, f.t.n);
	fx_free(&f);
}

static void oddities(void)
{
	struct fx f;

	fx_init(&f, false);
	T(&f, 100);
	V(&f, "@send[1, db]", 1000);
	T(&f, 101);
	V(&f, "@send[1, db]", 400);    /* went down: reset */
	UNIT_EQ_U64("reset counted", 1, f.m.counts.resets);
	T(&f, 104);                      /* 102, 103 missing */
	V(&f, "@send[1, db]", 1000);
	T(&f, 104);                      /* duplicate */
	V(&f, "@send[1, db]", 1100);
	T(&f, 103);                      /* backwards */
	V(&f, "@send[1, db]", 1200);
	T(&f, 105);
	V(&f, "@send[1, db]", 1300);
	series_final_marker(&f.src);
	T(&f, 106);
	V(&f, "@send[1, db]", 1350);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	V(&f, "@send[1, db]", 1360);     /* a map print without a time line */
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_EQ_U64("reset: the new value is the bytes since", 400, got[1].bytes);
	UNIT_TRUE("reset: still a rate sample", got[1].is_rate);
	UNIT_EQ_U64("gap: counted", 1, f.m.counts.gaps);
	UNIT_EQ_U64("gap: missing seconds", 2, f.m.counts.missing_seconds);
	UNIT_TRUE("gap: rate averaged over 3 s", got[2].is_rate && got[2].seconds == 3 && got[2].rate == 200);
	UNIT_EQ_U64("duplicate timestamp counted", 1, f.m.counts.duplicates);
	UNIT_TRUE("duplicate: bytes kept, not a rate", !got[3].is_rate && got[3].bytes == 100);
	UNIT_EQ_U64("backwards timestamp counted", 1, f.m.counts.backwards);
	UNIT_TRUE("backwards: bytes kept, not a rate", !got[4].is_rate && got[4].bytes == 100);
	/* issue 15: measured from the last good dump (104), not the backwards one (103) */
	UNIT_TRUE("after a backwards clock, the next interval is measured from the last good dump",
		  got[5].is_rate && got[5].seconds == 1 && got[5].ts == 104 && got[5].end == 105 &&
		  got[5].rate == 100);
	UNIT_EQ_U64("after a backwards clock, no gap from the backwards dump", 1, f.m.counts.gaps);
	UNIT_TRUE("final: partial, bytes kept, not a rate", got[6].partial && !got[6].is_rate && got[6].bytes == 50);
	UNIT_TRUE("untimed entries: partial, bytes kept", got[7].partial && got[7].bytes == 10);
	UNIT_EQ_U64("untimed entries counted", 1, f.m.counts.untimed);
	UNIT_EQ_U64("total = every byte including partial ones", 1000 + 400 + 600 + 100 + 100 + 100 + 50 + 10,
		    got_s[0]->total_bytes);
	UNIT_EQ_U64("dumps counted", 7, f.m.counts.dumps);
	fx_free(&f);
}

static void final_same_second(void)
{
	struct fx f;

	fx_init(&f, false);
	T(&f, 100);
	V(&f, "@send[1, db]", 10);
	series_final_marker(&f.src);
	T(&f, 100);                      /* stopped within the same second */
	V(&f, "@send[1, db]", 15);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_EQ_U64("final dump in the same second is not a duplicate", 0, f.m.counts.duplicates);
	UNIT_TRUE("final dump in the same second: partial, bytes kept", ngot == 2 && got[1].partial &&
		  got[1].bytes == 5 && got_s[0]->total_bytes == 15);
	fx_free(&f);
}

static void interval_counters(void)
{
	struct fx f;

	fx_init(&f, true);
	T(&f, 10);
	V(&f, "@bytes[web]", 100);
	T(&f, 11);
	V(&f, "@bytes[web]", 40);
	T(&f, 12);
	V(&f, "@bytes[web]", 40);
	V(&f, "@x", 7);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_TRUE("interval counters: values are the bytes", ngot == 4 && got[0].bytes == 100 &&
		  got[1].bytes == 40 && got[2].bytes == 40);
	UNIT_EQ_U64("interval counters: no resets", 0, f.m.counts.resets);
	UNIT_TRUE("generic map: no direction, pid -1", got_s[0]->direction == NULL && got_s[0]->pid == -1);
	UNIT_EQ_STR("generic map: key kept", "web", got_s[0]->key);
	UNIT_EQ_STR("keyless map: empty key", "", got_s[3]->key);
	fx_free(&f);
}

static void keys_and_prediction(void)
{
	struct fx f;
	char k[64];

	fx_init(&f, false);
	T(&f, 1);
	V(&f, "@send[7, my, odd proc]", 5);
	V(&f, "@send[notapid, x]", 5);
	V(&f, "@recv[8]", 5);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_EQ_STR("comm with ', ' split at the first", "my, odd proc", got_s[0]->comm);
	UNIT_TRUE("@send with a non-numeric pid is a generic series", got_s[1]->direction == NULL);
	UNIT_TRUE("@recv[pid] (BCC) has an empty comm", got_s[2]->pid == 8 && got_s[2]->comm[0] == '\0');
	UNIT_TRUE("non-printable key is rejected",
		  series_value(&f.t, &f.src, "@send[1, a\x01]", 12, 1, err, sizeof(err)) < 0 &&
		  strstr(err, "printable"));
	fx_free(&f);

	/* the order changes between dumps; values must still land on the right series */
	fx_init(&f, false);
	for (int d = 0; d < 5; d++) {
		T(&f, 100 + d);
		for (int i = 0; i < 50; i++) {
			int j = d % 2 ? 49 - i : (i * 7) % 50;
			snprintf(k, sizeof(k), "@send[%d, p]", j);
			V(&f, k, (uint64_t)(d + 1) * (uint64_t)(j + 1));
		}
	}
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	int ok = 1;
	for (size_t i = 0; i < f.t.n; i++)
		if (f.t.all[i]->total_bytes != 5ull * (f.t.all[i]->pid + 1))
			ok = 0;
	UNIT_TRUE("reordered dumps: every series gets its own bytes", ok && f.t.n == 50);
	fx_free(&f);
}

static void clock_of_day(void)
{
	struct fx f;

	fx_init(&f, false);
	series_time(&f.t, &f.src, 86399, 0, SERIES_TIME_CLOCK, err, sizeof(err));
	V(&f, "@b[x]", 10);
	series_time(&f.t, &f.src, 0, 0, SERIES_TIME_CLOCK, err, sizeof(err));
	V(&f, "@b[x]", 30);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_TRUE("HH:MM:SS across midnight is one second later",
		  ngot == 2 && got[1].ts == 86399 && got[1].end == 86400 && got[1].is_rate &&
		  got[1].seconds == 1 && got[1].bytes == 20);
	UNIT_EQ_U64("no backwards count at midnight", 0, f.m.counts.backwards);
	fx_free(&f);
}

/* A format-2 time line, s.us */
static void TF(struct fx *f, int64_t sec, uint32_t us)
{
	series_time(&f->t, &f->src, sec, us, SERIES_TIME_FRAC, err, sizeof(err));
}

/* Format 2 (capture-format-2.md, "What second k means"): a dump belongs to
 * the boundary round(t / I) * I, a sample is labelled by the previous
 * boundary and divides by the real elapsed time, the first dump is partial. */
static void format2(void)
{
	struct fx f;

	fx_init(&f, false);
	TF(&f, 100, 81);                 /* attach .. boundary 100 */
	V(&f, "@send[1, db]", 500);
	TF(&f, 100, 980081);             /* 0.98 s later: boundary 101 */
	V(&f, "@send[1, db]", 1480);
	TF(&f, 102, 10081);              /* 1.03 s later: boundary 102 */
	V(&f, "@send[1, db]", 2510);
	TF(&f, 103, 500000);             /* 0.5 s late: the tie is boundary 103 */
	V(&f, "@send[1, db]", 4000);
	TF(&f, 104, 81);
	V(&f, "@send[1, db]", 4500);
	TF(&f, 104, 300000);             /* boundary 104 again */
	V(&f, "@send[1, db]", 4600);
	TF(&f, 111, 81);                 /* boundaries 105..110 missing */
	V(&f, "@send[1, db]", 11300);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_TRUE("format 2: the first dump is partial, second 99 (attach .. 100)",
		  ngot == 7 && got[0].partial && got[0].why == PARTIAL_FIRST && !got[0].is_rate &&
		  got[0].ts == 99 && got[0].bytes == 500);
	UNIT_TRUE("format 2: a dump 0.98 s later is second 100, [100, 101)",
		  got[1].is_rate && got[1].ts == 100 && got[1].end == 101);
	UNIT_EQ_DBL("format 2: its seconds are the real 0.98", 0.98, got[1].seconds, 1e-12);
	UNIT_EQ_DBL("format 2: its rate divides by them", 1000, got[1].rate, 1e-9);
	UNIT_TRUE("format 2: 1.03 s later is second 101", got[2].ts == 101 && got[2].end == 102);
	UNIT_EQ_DBL("format 2: its rate over 1.03 s", 1000, got[2].rate, 1e-9);
	UNIT_TRUE("format 2: a dump exactly 0.5 s late still closes second 102",
		  got[3].is_rate && got[3].ts == 102 && got[3].end == 103);
	UNIT_EQ_DBL("format 2: ... over the real 1.489919 s", 1.489919, got[3].seconds, 1e-12);
	UNIT_TRUE("format 2: the next, on time, is second 103 over 0.500081 s",
		  got[4].ts == 103 && fabs(got[4].seconds - 0.500081) < 1e-12);
	UNIT_TRUE("format 2: a repeated boundary is a duplicate: bytes, no rate",
		  got[5].partial && got[5].why == PARTIAL_REPEATED && got[5].bytes == 100 &&
		  f.m.counts.duplicates == 1);
	UNIT_TRUE("format 2: a gap is second 104 to 111, from the later snapshot of 104",
		  got[6].is_rate && got[6].ts == 104 && got[6].end == 111 &&
		  fabs(got[6].seconds - 6.700081) < 1e-12 && fabs(got[6].rate - 6700 / 6.700081) < 1e-9);
	UNIT_TRUE("format 2: one gap of 6 missing seconds", f.m.counts.gaps == 1 &&
		  f.m.counts.missing_seconds == 6);
	UNIT_TRUE("format 2: the capture is its full intervals, 100 .. 111",
		  f.m.have_time && f.m.start == 100 && f.m.end == 111);
	fx_free(&f);

	/* interval 5: boundaries are multiples of 5 */
	fx_init(&f, false);
	f.m.interval = 5;
	TF(&f, 1000, 20000);
	V(&f, "@send[1, db]", 10);
	TF(&f, 1004, 980000);            /* early: boundary 1005 */
	V(&f, "@send[1, db]", 506);
	TF(&f, 1015, 10000);             /* 1010 missing */
	V(&f, "@send[1, db]", 1506);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_TRUE("format 2, interval 5: the first dump is second 995, partial",
		  ngot == 3 && got[0].ts == 995 && got[0].partial);
	UNIT_TRUE("format 2, interval 5: second 1000 is [1000, 1005), 4.96 s",
		  got[1].ts == 1000 && got[1].end == 1005 && fabs(got[1].seconds - 4.96) < 1e-12 &&
		  fabs(got[1].rate - 100) < 1e-9);
	UNIT_TRUE("format 2, interval 5: a gap of 5 missing seconds (one interval)",
		  got[2].ts == 1005 && got[2].end == 1015 && f.m.counts.gaps == 1 &&
		  f.m.counts.missing_seconds == 5);
	fx_free(&f);

	/* a format-2 header with integer time lines: still aligned, first partial */
	fx_init(&f, false);
	f.m.format_version = 2;
	T(&f, 200);
	V(&f, "@send[1, db]", 10);
	T(&f, 201);
	V(&f, "@send[1, db]", 30);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_TRUE("format-2 header, integer time lines: first partial, then second 200",
		  ngot == 2 && got[0].partial && got[1].is_rate && got[1].ts == 200 &&
		  got[1].seconds == 1 && got[1].bytes == 20);
	fx_free(&f);

	/* format 1: the first dump is the interval before it, a full one */
	fx_init(&f, false);
	T(&f, 300);
	V(&f, "@send[1, db]", 10);
	T(&f, 301);
	V(&f, "@send[1, db]", 30);
	series_close_dump(&f.t, &f.src, err, sizeof(err));
	UNIT_TRUE("format 1: the first dump is second 299, a rate sample",
		  ngot == 2 && got[0].is_rate && got[0].ts == 299 && got[0].end == 300 &&
		  got[1].ts == 300);
	UNIT_TRUE("format 1: the capture starts at the first interval's start",
		  f.m.start == 299 && f.m.end == 301);
	fx_free(&f);
}

/* input.c: line splitting across reads, long lines, an unterminated end. */
static void input(void)
{
	int fds[2];
	struct input in;
	const char *line;
	size_t len;
	char *big = malloc(INPUT_MAX_LINE + 100);

	if (!big || pipe(fds) < 0) {
		UNIT_TRUE("input: test set-up (malloc, pipe)", 0);
		free(big);
		return;
	}
	memset(big, 'A', INPUT_MAX_LINE + 99);
	big[INPUT_MAX_LINE + 99] = '\n';
	if (fork() == 0) {
		close(fds[0]);
		/* small writes: lines straddle reads */
		const char *a = "@send[1, a]: 5\n1795";
		write(fds[1], a, strlen(a));
		usleep(1000);
		write(fds[1], "558096\n", 7);
		write(fds[1], big, INPUT_MAX_LINE + 100);
		write(fds[1], "@x: 1\n@y: 2", 11);
		_exit(0);
	}
	close(fds[1]);
	input_open_fd(&in, fds[0], "pipe", err, sizeof(err));
	enum input_status s1 = input_next(&in, &line, &len, -1, err, sizeof(err));
	UNIT_TRUE("input: first line", s1 == INPUT_LINE && len == 14);
	enum input_status s2 = input_next(&in, &line, &len, -1, err, sizeof(err));
	UNIT_TRUE("input: a line split across two writes", s2 == INPUT_LINE && len == 10 &&
		  memcmp(line, "1795558096", 10) == 0);
	enum input_status s3 = input_next(&in, &line, &len, -1, err, sizeof(err));
	UNIT_TRUE("input: a line longer than the maximum is reported", s3 == INPUT_LONG && in.lineno == 3);
	enum input_status s4 = input_next(&in, &line, &len, -1, err, sizeof(err));
	UNIT_TRUE("input: the next line after a long one", s4 == INPUT_LINE && len == 5 && in.lineno == 4);
	enum input_status s5 = input_next(&in, &line, &len, -1, err, sizeof(err));
	UNIT_TRUE("input: unterminated last line is reported as truncated", s5 == INPUT_TRUNCATED && len == 5);
	enum input_status s6 = input_next(&in, &line, &len, -1, err, sizeof(err));
	UNIT_TRUE("input: then end of file", s6 == INPUT_EOF);
	input_close(&in);
	close(fds[0]);
	free(big);
}

/* A regular file is read through a mapped window; truncating it under the
 * reader (logrotate's copytruncate) must end in a message naming the file and
 * exit 1, not in a SIGBUS crash.  Run in a child, whose stderr is captured. */
static void input_truncated_under_mapping(void)
{
	char path[] = "/tmp/dbnetio-unit-XXXXXX", msg[512] = "";
	const char *line;
	size_t len, got = 0;
	int fd = mkstemp(path), errp[2], status = 0;
	char err[256];

	if (fd < 0 || pipe(errp) < 0) {
		UNIT_TRUE("input: truncated-file test set-up (mkstemp, pipe)", 0);
		return;
	}
	/* three windows' worth of lines, so the reader maps more than once */
	for (size_t i = 0; i < 3 * INPUT_MAP_WINDOW / 16; i++)
		(void)!write(fd, "@send[1, a]: 1\n", 15);
	pid_t pid = fork();
	if (pid == 0) {
		struct input in;
		dup2(errp[1], 2);
		if (input_open(&in, path, err, sizeof(err)) < 0 || !in.mapped)
			_exit(3);
		(void)input_next(&in, &line, &len, -1, err, sizeof(err));
		if (ftruncate(fd, 0) < 0)
			_exit(4);
		while (input_next(&in, &line, &len, -1, err, sizeof(err)) == INPUT_LINE)
			;
		_exit(0);   /* not reached: the first access past the end faults */
	}
	close(errp[1]);
	for (ssize_t n; (n = read(errp[0], msg + got, sizeof(msg) - 1 - got)) > 0;)
		got += (size_t)n;
	msg[got] = '\0';
	waitpid(pid, &status, 0);
	UNIT_TRUE("input: a file truncated while mapped exits 1, not on a signal",
		  WIFEXITED(status) && WEXITSTATUS(status) == 1);
	UNIT_TRUE("input: ... with a message naming the file",
		  strstr(msg, path) && strstr(msg, "shrank while it was being read"));
	close(errp[0]);
	close(fd);
	unlink(path);
}

int main(void)
{
	cumulative();
	oddities();
	final_same_second();
	interval_counters();
	keys_and_prediction();
	clock_of_day();
	format2();
	input();
	input_truncated_under_mapping();
	UNIT_DONE();
}
