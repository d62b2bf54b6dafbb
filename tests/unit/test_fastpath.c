/* test_fastpath.c: the series stage's hot loop (postproc/fastpath.c).
 *
 * Each case sets up a process capture whose first dump went the general way
 * (series_time, series_value), so the series and their order are known,
 * then hands the next dump's text to fastpath_take() in a heap buffer that
 * ends where the text ends (ASan sees any read past it), and checks what it
 * took, what it left, and the series' numbers against what the general
 * path gives for the same text (series_value on each line). */
#include <stdlib.h>
#include <unistd.h>

#include "../../postproc/fastpath.h"
#include "../../postproc/input.h"
#include "../../postproc/parse.h"
#include "../../postproc/series.h"
#include "../../postproc/summary.h"
#include "unit.h"

static char err[512];
static int hook_calls, hook_fail;

static int on_sample(void *arg, struct series *s, const struct sample *smp)
{
	(void)arg;
	(void)s;
	(void)smp;
	hook_calls++;
	return hook_fail ? -1 : 0;
}

struct fx {
	struct series_table t;
	struct series_source src;
	struct capture_meta m;
	struct fastpath fp;
	bool ok;
	char text[1024];         /* the next dump's text */
	size_t took;             /* what fastpath_take() took of it */
	uint64_t lines;
};

#define NKEYS 4
static const char *const keys[NKEYS] = {
	"@send[4321, mariadbd]", "@recv[4321, mariadbd]", "@send[77, sysbench]",
	"@recv[1234567, a rather long comm]",   /* longer than the 24-byte head */
};

/* A capture of NKEYS series with a first dump at t=100 (values 1000 + i),
 * made the general way; f->ok false (and a FAIL) when that did not work. */
static void fx_init(struct fx *f, bool hook)
{
	memset(f, 0, sizeof(*f));
	f->m.interval = 1;
	f->m.key_known = true;
	f->ok = series_table_init(&f->t, NULL, 0, hook ? on_sample : NULL, NULL, NULL) == 0;
	series_source_init(&f->src, &f->m);
	f->ok = f->ok && series_time(&f->t, &f->src, 100, 0, 0, err, sizeof(err)) == 0;
	for (int i = 0; i < NKEYS && f->ok; i++)
		f->ok = series_value(&f->t, &f->src, keys[i], strlen(keys[i]), 1000 + (uint64_t)i, err,
				     sizeof(err)) == 0;
	f->ok = f->ok && series_time(&f->t, &f->src, 101, 0, 0, err, sizeof(err)) == 0;
	fastpath_init(&f->fp, &f->t, &f->src);
	if (!f->ok)
		UNIT_TRUE("fast path: test set-up (a first dump the general way)", 0);
	hook_calls = hook_fail = 0;
}

static void fx_free(struct fx *f)
{
	series_source_free(&f->src);
	series_table_free(&f->t);
}

/* fastpath_take() over a heap copy of f->text that ends where it does:
 * f->took, f->lines. */
static int take(struct fx *f)
{
	size_t n = strlen(f->text);
	char *b = malloc(n ? n : 1);
	memcpy(b, f->text, n);
	int r = fastpath_take(&f->fp, b, n, &f->took, &f->lines);
	free(b);
	return r;
}

/* The series of key, in f. */
static struct series *find(struct fx *f, const char *key)
{
	for (size_t i = 0; i < f->t.n; i++)
		if (strcmp(f->t.all[i]->raw, key) == 0)
			return f->t.all[i];
	return NULL;
}

/* A dump's text: every key in order, value base + i, and then tail. */
static void dump_text(char *out, size_t cap, uint64_t base, const char *tail)
{
	size_t o = 0;
	for (int i = 0; i < NKEYS; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s: %llu\n", keys[i],
				      (unsigned long long)(base + (uint64_t)i));
	snprintf(out + o, cap - o, "%s", tail);
}

static void steady_dump(void)
{
	struct fx f;

	fx_init(&f, false);
	if (!f.ok)
		return;
	/* enough dumps that the wide loop (64 bytes at a time) takes over */
	uint64_t total_lines = 0, total_wide = 0;
	for (int d = 0; d < 5; d++) {
		dump_text(f.text, sizeof(f.text), 2000 + 100 * (uint64_t)d, "102\n");
		int r = take(&f);
		UNIT_TRUE("steady dump: taken without error", r == 0);
		UNIT_EQ_U64("steady dump: every map line taken, up to the time line",
			    strlen(f.text) - 4, f.took);
		total_lines += f.lines;
		series_time(&f.t, &f.src, 102 + d, 0, 0, err, sizeof(err));
	}
	total_wide = f.fp.wide_lines;
	UNIT_EQ_U64("steady dump: lines counted", 5 * NKEYS, total_lines);
	UNIT_TRUE("steady dump: the wide loop took some", total_wide > 0);
	struct series *s = find(&f, keys[0]);
	UNIT_EQ_U64("steady dump: total bytes are the last value minus none (first dump's bytes count)",
		    2400, s ? s->total_bytes : 0);
	UNIT_EQ_U64("steady dump: rate samples", 5 + 1, s ? s->stats.n : 0);
	UNIT_EQ_U64("steady dump: map lines counted in the capture", NKEYS + 5 * NKEYS,
		    f.m.counts.map_lines);
	fx_free(&f);
}

/* Lines the fast path must leave alone, each in place of the first dump's
 * third line: it takes the two before and stops at it. */
static void leaves(void)
{
	static const struct {
		const char *name, *line;
	} cases[] = {
		{ "another key", "@send[78, sysbench]: 5000\n" },
		{ "20 digits", "@send[77, sysbench]: 18446744073709551615\n" },
		{ "a sign", "@send[77, sysbench]: -5\n" },
		{ "no digits", "@send[77, sysbench]: \n" },
		{ "a space after the digits", "@send[77, sysbench]: 5000 \n" },
		{ "a carriage return", "@send[77, sysbench]: 5000\r\n" },
		{ "no newline yet", "@send[77, sysbench]: 5000" },
		{ "a colon without the space", "@send[77, sysbench]:5000\n" },
		{ "a key that only starts like it", "@send[77, sysbenchX]: 5000\n" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct fx f;
		char name[160];

		fx_init(&f, false);
		if (!f.ok)
			return;
		snprintf(f.text, sizeof(f.text), "%s: 3000\n%s: 3001\n%s", keys[0], keys[1], cases[c].line);
		int r = take(&f);
		snprintf(name, sizeof(name), "leaves %s: takes the two lines before it", cases[c].name);
		UNIT_TRUE(name, r == 0 && f.lines == 2 && f.took == strlen(f.text) - strlen(cases[c].line));
		fx_free(&f);
	}
}

/* A counter that went down is a reset, which the wide loop leaves to the
 * one-line loop: the sample is the new value, the reset counted. */
static void reset_and_long_values(void)
{
	struct fx f;

	fx_init(&f, false);
	if (!f.ok)
		return;
	snprintf(f.text, sizeof(f.text), "%s: 5000\n%s: 5001\n%s: 7\n%s: 1234567890123456789\n102\n",
		 keys[0], keys[1], keys[2], keys[3]);
	int r = take(&f);
	UNIT_TRUE("reset and 19 digits: all four taken", r == 0 && f.lines == 4 && f.took == strlen(f.text) - 4);
	struct series *s2 = find(&f, keys[2]), *s3 = find(&f, keys[3]);
	UNIT_EQ_U64("reset: counted", 1, f.m.counts.resets);
	UNIT_EQ_U64("reset: the new value is the bytes since", 1002 + 7, s2 ? s2->total_bytes : 0);
	UNIT_EQ_U64("19 digits: the value exactly", 1234567890123456789ull, s3 ? s3->last_value : 0);
	fx_free(&f);
}

/* A sample hook (thresholds, streaming writers) sees every sample, and its
 * failure stops the fast path with SERIES_EHOOK. */
static void hooks(void)
{
	struct fx f;

	fx_init(&f, true);
	if (!f.ok)
		return;
	dump_text(f.text, sizeof(f.text), 3000, "102\n");
	int r = take(&f);
	UNIT_TRUE("hook: every line's sample goes to it", r == 0 && f.lines == NKEYS && hook_calls == NKEYS);
	UNIT_EQ_U64("hook: the wide loop does not run with a hook", 0, f.fp.wide_lines);
	series_time(&f.t, &f.src, 102, 0, 0, err, sizeof(err));
	hook_fail = 1;
	dump_text(f.text, sizeof(f.text), 4000, "103\n");
	r = take(&f);
	UNIT_TRUE("hook: its failure is SERIES_EHOOK, nothing taken after it",
		  r == SERIES_EHOOK && f.lines == 0 && f.took == 0);
	fx_free(&f);
}

/* The same text by the fast path and by series_value() line by line: the
 * same series numbers. */
static void same_as_general(void)
{
	struct fx a, b;

	fx_init(&a, false);
	fx_init(&b, false);
	if (!a.ok || !b.ok)
		return;
	for (int d = 0; d < 6; d++) {
		/* values that grow by uneven steps, one reset at d == 3 */
		dump_text(a.text, sizeof(a.text), d == 3 ? 10 : 5000 + 977 * (uint64_t)d * (uint64_t)d, "");
		take(&a);
		for (const char *p = a.text; *p;) {
			const char *nl = strchr(p, '\n');
			size_t kl;
			uint64_t v;
			if (parse_map_fast(p, (size_t)(nl - p), &kl, &v))
				series_value(&b.t, &b.src, p, kl, v, err, sizeof(err));
			p = nl + 1;
		}
		series_time(&a.t, &a.src, 102 + d, 0, 0, err, sizeof(err));
		series_time(&b.t, &b.src, 102 + d, 0, 0, err, sizeof(err));
	}
	int same = a.t.n == b.t.n;
	for (size_t i = 0; same && i < a.t.n; i++) {
		const struct series *x = a.t.all[i], *y = b.t.all[i];
		same = strcmp(x->raw, y->raw) == 0 && x->total_bytes == y->total_bytes &&
		       x->stats.n == y->stats.n && x->stats.max == y->stats.max &&
		       x->stats.bytes == y->stats.bytes && x->resets == y->resets &&
		       x->first_ts == y->first_ts && x->last_ts == y->last_ts;
	}
	UNIT_TRUE("fast path and series_value give the same series", same);
	UNIT_TRUE("the fast path took the lines", a.fp.lines == 6 * NKEYS && b.fp.lines == 0);
	UNIT_EQ_U64("the same map lines counted", b.m.counts.map_lines, a.m.counts.map_lines);
	fx_free(&a);
	fx_free(&b);
}

/* fastpath_line(): one line the reader already split (a line that was not
 * whole in the buffer when fastpath_take() saw it). */
static void one_line(void)
{
	struct fx f;
	char line[128];

	fx_init(&f, true);
	if (!f.ok)
		return;
	snprintf(line, sizeof(line), "%s: 3000", keys[0]);
	UNIT_TRUE("line: the predicted series' line is taken",
		  fastpath_line(&f.fp, line, strlen(line)) == 1 && f.fp.lines == 1 && hook_calls == 1);
	snprintf(line, sizeof(line), "%s: 3000", keys[2]);
	UNIT_TRUE("line: another series' line is left", fastpath_line(&f.fp, line, strlen(line)) == 0);
	snprintf(line, sizeof(line), "%s: 18446744073709551615", keys[1]);
	UNIT_TRUE("line: 20 digits are left", fastpath_line(&f.fp, line, strlen(line)) == 0);
	snprintf(line, sizeof(line), "%s: 3001", keys[1]);
	hook_fail = 1;
	UNIT_TRUE("line: a failing hook is SERIES_EHOOK",
		  fastpath_line(&f.fp, line, strlen(line)) == SERIES_EHOOK);
	struct series *s = find(&f, keys[0]);
	UNIT_EQ_U64("line: the value accounted", 3000, s ? s->last_value : 0);
	fx_free(&f);
}

/* input_take(): the reader moves its own cursor and line number by what
 * the consumer took, and offers nothing inside a line it skips as too long. */
static int take_three(void *arg, const char *buf, size_t avail, size_t *took, uint64_t *lines)
{
	(void)arg;
	*took = avail < 6 ? avail : 6;
	*lines = 3;
	return memcmp(buf, "a\nb\nc\n", 6) == 0 ? 0 : -7;
}

static void reader_cursor(void)
{
	int fds[2];
	struct input in;
	const char *line;
	size_t len;
	uint64_t lines;

	if (pipe(fds) < 0) {
		UNIT_TRUE("input_take: test set-up (pipe)", 0);
		return;
	}
	(void)!write(fds[1], "a\nb\nc\nd\n", 8);
	close(fds[1]);
	input_open_fd(&in, fds[0], "pipe", err, sizeof(err));
	UNIT_TRUE("input_take: nothing offered before the first read",
		  input_take(&in, take_three, NULL, &lines) == 0 && lines == 0);
	enum input_status st = input_next(&in, &line, &len, -1, err, sizeof(err));
	UNIT_TRUE("input_take: the first line read", st == INPUT_LINE && len == 1 && line[0] == 'a');
	/* the buffer now holds b, c, d: take_three wants a, b, c and says so */
	UNIT_TRUE("input_take: the consumer's error is returned",
		  input_take(&in, take_three, NULL, &lines) == -7);
	UNIT_EQ_U64("input_take: the line number moved by the lines taken", 4, in.lineno);
	st = input_next(&in, &line, &len, -1, err, sizeof(err));
	UNIT_TRUE("input_take: reading goes on after what was taken", st == INPUT_EOF);
	input_close(&in);
	close(fds[0]);
}

int main(void)
{
	steady_dump();
	leaves();
	reset_and_long_values();
	hooks();
	same_as_general();
	one_line();
	reader_cursor();
	UNIT_DONE();
}
