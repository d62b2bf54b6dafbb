/* fuzz_parse.c: libFuzzer target for dbnetio-report's input side.
 *
 * The input bytes are a capture stream.  They go through the whole engine as
 * dbnetio-report runs it, from a memfd, strict or --lenient, grouped by the
 * capture's key or --by process, and with or without --top 1, depending on
 * the first byte, twice over:
 *   full          line reader, parser (text, json, BCC, header), series
 *                 (deltas, resets, gaps), statistics, a threshold, and the
 *                 table, json and CSV writers (to /dev/null);
 *   differential  no threshold and no CSV, so that no sample hook exists and
 *                 the fast path (fastpath.h) runs as it does for a plain
 *                 `dbnetio-report capture.txt`; run once with the fast path
 *                 and once with every line through parse_line()
 *                 (general_path_only), the table and json outputs, exit
 *                 status and message must be byte for byte the same, or the
 *                 target aborts: one input, one set of series, whichever way
 *                 its lines went.
 * Any crash, leak, sanitizer report or difference is a finding.  At exit it
 * prints how many lines the fast path took (and how many by its wide loop),
 * which is how tier 15 shows that the fuzzer reaches it.
 *
 *   make fuzz FUZZ_SECONDS=600     (corpus: tests/fuzz/corpus, findings in .cache/)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../postproc/engine.h"
#include "../../postproc/group.h"
#include "../../postproc/threshold.h"
#include "../../postproc/writer.h"

static FILE *devnull;
static uint64_t fast_lines, fast_wide_lines, differential_runs;

static void print_counts(void)
{
	fprintf(stderr, "fuzz_parse: fast path took %llu lines (%llu by its wide loop) "
		"in %llu differential runs\n", (unsigned long long)fast_lines,
		(unsigned long long)fast_wide_lines, (unsigned long long)differential_runs);
}

/* One run of the engine over path: the full set of stages and writers, or
 * (full false) table and json into *out, with the fast path or without.
 * Returns engine_run/engine_finish's result; err holds the message. */
static int run(const char *path, const struct engine_opts *base, bool full, bool general,
	       char **out, size_t *outlen, char *err, size_t errlen)
{
	struct engine e;
	struct engine_opts o = *base;
	struct threshold *th = NULL;
	struct writer w;
	struct writer_common wc;
	FILE *f = devnull;
	size_t nth = 0;
	int rc = -1;

	o.general_path_only = general;
	err[0] = '\0';
	if (full) {
		th = calloc(1, sizeof(*th));
		if (!th || threshold_parse("any>100B/s for 2s", th, err, errlen) < 0) {
			free(th);
			return -1;
		}
		nth = 1;
	} else if (!(f = open_memstream(out, outlen))) {
		return -1;
	}
	if (engine_init(&e, &o, th, nth, err, errlen) < 0)
		goto out;
	wc = (struct writer_common){ .out = f, .multi_source = false, .top = o.top > 0 };
	if (writer_table_new(&w, &wc, err, errlen) == 0)
		engine_add_writer(&e, w, err, errlen);
	if (writer_json_new(&w, &wc, err, errlen) == 0)
		engine_add_writer(&e, w, err, errlen);
	if (full && writer_csv_new(&w, &wc, err, errlen) == 0)
		engine_add_writer(&e, w, err, errlen);
	rc = engine_run(&e, path, err, errlen);
	if (rc == 0)
		rc = engine_finish(&e, err, errlen);
	if (!full && !general) {
		fast_lines += e.fast_lines;
		fast_wide_lines += e.fast_wide_lines;
	}
out:
	engine_free(&e);
	if (!full)
		fclose(f);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine_opts o = { .counters = -1, .max_warnings = 0 };
	char err[1024], err2[1024], path[64];
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	int fd, ra, rb;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		atexit(print_counts);
	}
	o.lenient = size > 0 && (data[0] & 1);
	if (size > 0 && (data[0] & 2))
		group_by_parse("process", &o.group.by, err, sizeof(err));
	if (size > 0 && (data[0] & 4))
		o.top = 1;
	fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	run(path, &o, true, false, NULL, NULL, err, sizeof(err));

	ra = run(path, &o, false, false, &a, &alen, err, sizeof(err));
	rb = run(path, &o, false, true, &b, &blen, err2, sizeof(err2));
	differential_runs++;
	if (ra != rb || strcmp(err, err2) != 0 || alen != blen || (alen && memcmp(a, b, alen) != 0)) {
		fprintf(stderr, "fuzz_parse: the fast path and the general path differ:\n"
			"fast:    rc %d '%s', %zu bytes of output\n%.*s\n"
			"general: rc %d '%s', %zu bytes of output\n%.*s\n",
			ra, err, alen, (int)(alen < 4000 ? alen : 4000), a ? a : "",
			rb, err2, blen, (int)(blen < 4000 ? blen : 4000), b ? b : "");
		abort();
	}
	free(a);
	free(b);
	close(fd);
	return 0;
}
