/* fuzz_parse.c: libFuzzer target for dbnetio-report's input side.
 *
 * The input bytes are a capture stream.  They go through the whole engine as
 * dbnetio-report runs it — line reader, parser (text, json, BCC, header),
 * series (deltas, resets, gaps), statistics, a threshold, and the table and
 * json writers (to /dev/null) — from a memfd, strict or --lenient,
 * grouped by the capture's key or --by process, and with or without --top 1
 * (the CSV's rows then wait in a temporary file) depending on the first
 * byte.  Any crash, leak, or sanitizer report is a finding.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine e;
	struct engine_opts o = { .counters = -1, .max_warnings = 0 };
	struct threshold *th;
	struct writer w;
	struct writer_common wc;
	char err[1024], path[64];
	int fd;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
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
	lseek(fd, 0, SEEK_SET);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	th = calloc(1, sizeof(*th));
	if (!th || threshold_parse("any>100B/s for 2s", th, err, sizeof(err)) < 0) {
		free(th);
		close(fd);
		return 0;
	}
	if (engine_init(&e, &o, th, 1, err, sizeof(err)) < 0)
		goto out;
	wc = (struct writer_common){ .out = devnull, .multi_source = false, .top = o.top > 0 };
	if (writer_table_new(&w, &wc, err, sizeof(err)) == 0)
		engine_add_writer(&e, w, err, sizeof(err));
	if (writer_json_new(&w, &wc, err, sizeof(err)) == 0)
		engine_add_writer(&e, w, err, sizeof(err));
	if (writer_csv_new(&w, &wc, err, sizeof(err)) == 0)
		engine_add_writer(&e, w, err, sizeof(err));
	if (engine_run(&e, path, err, sizeof(err)) == 0)
		engine_finish(&e, err, sizeof(err));
out:
	engine_free(&e);
	close(fd);
	return 0;
}
