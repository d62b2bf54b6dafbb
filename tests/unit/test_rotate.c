/* test_rotate.c: --capture-dir's rotation (postproc/rotate.c): where files
 * are cut, what each starts with, and the counters made relative to the
 * previous file's last dump, whatever pieces the bytes arrive in. */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../postproc/rotate.h"
#include "unit.h"

static char err[512];

#define HDR "# dbnetio-capture 2 key=client interval=1 counters=cumulative host=h"
/* four dumps at 100..103 s, periods of 2 s: files [100,101], [102,103] */
static const char stream[] =
	"Attaching 3 probes...\n" HDR "\n"
	"100.000100\n@send[1, db, 10.0.0.1]: 10\n@psend[1, db]: 10\n# dbnetio-dump-end\n"
	"101.000100\n@send[1, db, 10.0.0.1]: 25\n@psend[1, db]: 25\n# dbnetio-dump-end\n"
	"102.000100\n@send[1, db, 10.0.0.1]: 40\n@send[1, db, 10.0.0.2]: 5\n@psend[1, db]: 45\n# dbnetio-dump-end\n"
	"103.000100\n@send[1, db, 10.0.0.1]: 41\n@send[1, db, 10.0.0.2]: 9\n@psend[1, db]: 50\n# dbnetio-dump-end\n"
	"# dbnetio-final\n"
	"103.500000\n@send[1, db, 10.0.0.1]: 42\n@send[1, db, 10.0.0.2]: 9\n@psend[1, db]: 51\n# dbnetio-dump-end\n";

static const char want1[] =
	"Attaching 3 probes...\n" HDR "\n"
	"100.000100\n@send[1, db, 10.0.0.1]: 10\n@psend[1, db]: 10\n# dbnetio-dump-end\n"
	"101.000100\n@send[1, db, 10.0.0.1]: 25\n@psend[1, db]: 25\n# dbnetio-dump-end\n";
static const char want2[] =
	HDR "\n"
	"102.000100\n@send[1, db, 10.0.0.1]: 15\n@send[1, db, 10.0.0.2]: 5\n@psend[1, db]: 20\n# dbnetio-dump-end\n"
	"103.000100\n@send[1, db, 10.0.0.1]: 16\n@send[1, db, 10.0.0.2]: 9\n@psend[1, db]: 25\n# dbnetio-dump-end\n"
	"# dbnetio-final\n"
	"103.500000\n@send[1, db, 10.0.0.1]: 17\n@send[1, db, 10.0.0.2]: 9\n@psend[1, db]: 26\n# dbnetio-dump-end\n";

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[8192];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Feed s in pieces of `step` bytes (0: whole) into a rotator on dir. */
static int run(const char *dir, const char *s, size_t step, unsigned period)
{
	struct rotator *r;
	struct rotate_opts o = { .dir = dir, .period = period };
	size_t n = strlen(s);

	if (rotator_new(&r, &o, err, sizeof(err)) < 0)
		return -1;
	for (size_t i = 0; i < n;) {
		size_t k = step && step < n - i ? step : n - i;
		if (rotator_tee(r, s + i, k, err, sizeof(err)) < 0) {
			rotator_free(r);
			return -1;
		}
		i += k;
	}
	int ret = rotator_finish(r, err, sizeof(err));
	rotator_free(r);
	return ret;
}

static unsigned count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;
	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

int main(void)
{
	char tmpl[] = "/tmp/test_rotate.XXXXXX";
	char *base = mkdtemp(tmpl);
	char dir[256], p[512], name[160];
	static const size_t steps[] = { 0, 1, 7, 64 };

	if (!base) {
		printf("FAIL mkdtemp\n");
		return 1;
	}
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		snprintf(dir, sizeof(dir), "%s/s%zu", base, steps[k]);
		snprintf(name, sizeof(name), "pieces of %zu bytes: rotates without error", steps[k]);
		UNIT_TRUE(name, run(dir, stream, steps[k], 2) == 0);
		snprintf(name, sizeof(name), "pieces of %zu bytes: two files, no .part", steps[k]);
		UNIT_EQ_U64(name, 2, count_files(dir));
		/* 100 s and 102 s: 1970-01-01T00:01:40Z, 00:01:42Z */
		snprintf(p, sizeof(p), "%s/capture-19700101T000140Z.txt", dir);
		snprintf(name, sizeof(name), "pieces of %zu bytes: the first file is the stream up to the cut", steps[k]);
		UNIT_EQ_STR(name, want1, slurp(p));
		snprintf(p, sizeof(p), "%s/capture-19700101T000142Z.txt", dir);
		snprintf(name, sizeof(name), "pieces of %zu bytes: the second starts with the header, counters relative", steps[k]);
		UNIT_EQ_STR(name, want2, slurp(p));
	}

	/* a counter that goes back (a restarted program) starts from 0 again */
	snprintf(dir, sizeof(dir), "%s/reset", base);
	UNIT_TRUE("reset: rotates", run(dir, HDR "\n100\n@send[1, db]: 50\n102\n@send[1, db]: 60\n"
				     "103\n@send[1, db]: 4\n", 0, 2) == 0);
	snprintf(p, sizeof(p), "%s/capture-19700101T000142Z.txt", dir);
	UNIT_EQ_STR("reset: after a cut, a value below the base is written whole", HDR "\n102\n@send[1, db]: 10\n103\n@send[1, db]: 4\n", slurp(p));

	/* per-interval counters are copied as they are */
	snprintf(dir, sizeof(dir), "%s/interval", base);
	UNIT_TRUE("counters=interval: rotates",
		  run(dir, "# dbnetio-capture 2 interval=1 counters=interval\n100\n@send[1, db]: 50\n102\n@send[1, db]: 60\n", 0, 2) == 0);
	snprintf(p, sizeof(p), "%s/capture-19700101T000142Z.txt", dir);
	UNIT_EQ_STR("counters=interval: values unchanged after a cut",
		    "# dbnetio-capture 2 interval=1 counters=interval\n102\n@send[1, db]: 60\n", slurp(p));

	/* a second header (the next capture) resets the bases */
	snprintf(dir, sizeof(dir), "%s/twohdr", base);
	UNIT_TRUE("second header: rotates", run(dir, HDR "\n100\n@send[1, db]: 50\n" HDR "\n101\n@send[1, db]: 7\n102\n@send[1, db]: 9\n", 0, 2) == 0);
	snprintf(p, sizeof(p), "%s/capture-19700101T000142Z.txt", dir);
	UNIT_EQ_STR("second header: the new capture's values are relative to its own", HDR "\n102\n@send[1, db]: 2\n", slurp(p));

	/* a JSON stream is refused with a message */
	snprintf(dir, sizeof(dir), "%s/json", base);
	UNIT_TRUE("json: refused", run(dir, "{\"type\": \"printf\"}\n", 0, 2) < 0 && strstr(err, "-f text"));

	/* period 0: one file, the stream unchanged */
	snprintf(dir, sizeof(dir), "%s/one", base);
	UNIT_TRUE("period 0: runs", run(dir, stream, 3, 0) == 0);
	UNIT_EQ_U64("period 0: one file", 1, count_files(dir));
	snprintf(p, sizeof(p), "%s/capture-19700101T000140Z.txt", dir);
	UNIT_EQ_STR("period 0: the file is the stream", stream, slurp(p));

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		printf("warning: could not remove %s\n", base);
	return unit_failed ? 1 : 0;
}
