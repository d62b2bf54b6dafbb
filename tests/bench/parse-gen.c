/* parse-gen.c: generate the benchmark's capture stream on stdout.
 *
 * USAGE: parse-gen [SECONDS [PIDS]]   (default 20000 seconds, 200 pids)
 * A dbnetio text capture: the header, then per second a time line and
 * cumulative @send/@recv for every pid ("pg" processes), with increments
 * from a fixed-seed generator so every run writes the same bytes.  At the
 * defaults that is 8 million map lines, about 200 MB.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char buf[1 << 20];
static size_t used;

static void flush_buf(void)
{
	if (fwrite(buf, 1, used, stdout) != used)
		exit(1);
	used = 0;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

int main(int argc, char **argv)
{
	long seconds = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	long pids = argc > 2 ? strtol(argv[2], NULL, 10) : 200;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	uint64_t *tot;

	if (seconds <= 0 || pids <= 0 || pids > 100000)
		return 1;
	tot = calloc((size_t)pids * 2, sizeof(*tot));
	if (!tot)
		return 1;
	printf("Attaching 7 probes...\n# dbnetio-capture 1 probe=kprobe filter=comm:pg interval=1 "
	       "counters=cumulative host=bench\n");
	for (long s = 0; s < seconds; s++) {
		if (used > sizeof(buf) - 4096)
			flush_buf();
		char *p = buf + used;
		p = put_u64(p, 1700000000ull + (uint64_t)s);
		*p++ = '\n';
		used = (size_t)(p - buf);
		for (int d = 0; d < 2; d++)
			for (long i = 0; i < pids; i++) {
				if (used > sizeof(buf) - 128)
					flush_buf();
				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				/* mostly small, sometimes a burst */
				uint64_t inc = (rng >> 40) % 4096 + ((rng & 0xff) == 0 ? (rng >> 20) % 50000000 : 0);
				tot[d * pids + i] += inc;
				p = buf + used;
				memcpy(p, d ? "@recv[" : "@send[", 6);
				p = put_u64(p + 6, 10000 + (uint64_t)i);
				memcpy(p, ", pg]: ", 7);
				p = put_u64(p + 7, tot[d * pids + i]);
				*p++ = '\n';
				used = (size_t)(p - buf);
			}
	}
	flush_buf();
	free(tot);
	return 0;
}
