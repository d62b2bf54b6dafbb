/* test_digits.c: the one integer parser (postproc/digits.h) against a plain
 * loop written here, for every length 0..20, at and around 2^64, with a
 * non-digit at every position, and on heap buffers that end right after the
 * number, at every alignment: under SAN=1 any read past the end is an ASan
 * report, which fails the binary.  parse_u64() (its messages) and
 * parse_map_fast() (its caller on the hot path) are checked here too. */
#include <stdint.h>
#include <stdlib.h>

#include "../../postproc/digits.h"
#include "../../postproc/parse.h"
#include "unit.h"

/* The reference: digit by digit, overflow by 128-bit arithmetic. */
static enum digits_status ref_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned __int128 v = 0;
	bool big = false;

	if (len == 0)
		return DIGITS_EMPTY;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return DIGITS_NOT_A_NUMBER;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > UINT64_MAX) {
			big = true;
			v = UINT64_MAX + (unsigned __int128)1;   /* stays too big */
		}
	}
	if (big)
		return DIGITS_RANGE;
	*out = (uint64_t)v;
	return DIGITS_OK;
}

/* A copy of [s, s+len) at offset off of a heap block that ends right after
 * it (nothing to read past without ASan seeing it). */
static char *at_end(const char *s, size_t len, size_t off, char **block)
{
	*block = malloc(off + len + 1);
	memcpy(*block + off, s, len);
	return *block + off;
}

static unsigned checks, wrong;

/* Every entry on [s, s+len), compared with the reference; names the first
 * few that differ. */
static void check_all(const char *s, size_t len)
{
	for (size_t off = 0; off < 8; off++) {
		char *blk, *p = at_end(s, len, off, &blk);
		uint64_t want = 0, got = 0;
		enum digits_status rs = ref_u64(s, len, &want), gs = digits_u64(p, len, &got);
		int ok = rs == gs && (rs != DIGITS_OK || want == got);
		const char *which = "digits_u64";

		/* digits_exact: 1..19 digits only */
		uint64_t ev = 0;
		int er = digits_exact(p, len, &ev);
		ok &= er == (rs == DIGITS_OK && len >= 1 && len <= 19) && (!er || ev == want);
		if (ok)
			which = "digits_exact";
		/* digits_known: 1..15 digits, the caller knowing where they end */
		if (len >= 1 && len <= 15) {
			uint64_t kv = digits_known(p, (unsigned)len, off);
			ok &= rs == DIGITS_OK ? kv == want : kv == UINT64_MAX;
			if (ok)
				which = "digits_known";
		}
		/* digits_run: the run ends at a newline within avail */
		if (len <= 20) {
			char *blk2, line[32];
			memcpy(line, s, len);
			line[len] = '\n';
			char *q = at_end(line, len + 1, off, &blk2);
			size_t span = digits_span(s, len);
			unsigned k = 99;
			if (ok)
				which = "digits_run";
			uint64_t rv = digits_run(q, len + 1, &k);
			if (span >= 1 && span <= 19) {
				uint64_t sv = 0;
				ref_u64(s, span, &sv);
				ok &= rv == sv && k == span;
			} else {
				ok &= rv == UINT64_MAX;
			}
			/* without the newline in reach, the run's end is unknown */
			rv = digits_run(q, len, &k);
			ok &= span == len ? rv == UINT64_MAX : 1;
			free(blk2);
		}
		checks++;
		if (!ok && wrong++ < 5)
			printf("FAIL digits: '%.*s' at offset %zu: %s (or one before it) differs from the "
			       "reference %d %llu\n", (int)len, s, off, which, rs, (unsigned long long)want);
		free(blk);
	}
}

int main(void)
{
	static const char max[] = "18446744073709551615";   /* 2^64 - 1 */
	char buf[64] = { 0 };

	/* every length 0..20, digits that are not all alike */
	for (size_t len = 0; len <= 20; len++) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)('0' + (i * 7 + 3) % 10);
		check_all(buf, len);
		memset(buf, '9', len);
		check_all(buf, len);
		memset(buf, '0', len);
		check_all(buf, len);
		/* a non-digit at every position, of the kinds that matter: the
		 * bytes just below '0' and above '9' (borrow and carry in SWAR),
		 * a space, a minus, a NUL, the newline, a high byte */
		static const char bad[] = { '/', ':', ' ', '-', '\0', '\n', (char)0xb9, '.' };
		for (size_t pos = 0; pos < len; pos++)
			for (size_t b = 0; b < sizeof(bad); b++) {
				for (size_t i = 0; i < len; i++)
					buf[i] = (char)('1' + i % 9);
				buf[pos] = bad[b];
				check_all(buf, len);
			}
	}
	UNIT_EQ_U64("every entry agrees with the reference (lengths 0..20, every non-digit position, 8 alignments)",
		    0, wrong);
	UNIT_TRUE("checks ran", checks > 8000);

	uint64_t v = 0;
	UNIT_TRUE("2^64-1 parses", digits_u64(max, 20, &v) == DIGITS_OK && v == UINT64_MAX);
	UNIT_TRUE("2^64 is out of range", digits_u64("18446744073709551616", 20, &v) == DIGITS_RANGE);
	UNIT_TRUE("2^64+9 is out of range", digits_u64("18446744073709551625", 20, &v) == DIGITS_RANGE);
	UNIT_TRUE("99999999999999999999 is out of range", digits_u64("99999999999999999999", 20, &v) == DIGITS_RANGE);
	UNIT_TRUE("21 digits are out of range", digits_u64("100000000000000000000", 21, &v) == DIGITS_RANGE);
	UNIT_TRUE("leading zeros: 25 digits of 2^64-1", digits_u64("0000018446744073709551615", 25, &v) == DIGITS_OK && v == UINT64_MAX);
	UNIT_TRUE("a non-digit after an overflow is 'not a number'", digits_u64("99999999999999999999x", 21, &v) == DIGITS_NOT_A_NUMBER);
	UNIT_TRUE("19 nines exactly", digits_exact("9999999999999999999", 19, &v) && v == 9999999999999999999ull);
	UNIT_TRUE("digits_exact refuses 20", !digits_exact(max, 20, &v));
	UNIT_TRUE("digits_run refuses a 20-digit run", digits_run("18446744073709551615\n", 21, &(unsigned){0}) == UINT64_MAX);

	/* the callers: parse_u64's messages, parse_map_fast's shapes */
	char err[128];
	UNIT_ERR_HAS("parse_u64: 2^64 is 'out of range'", parse_u64("18446744073709551616", 20, &v, err, sizeof(err)), err, "out of range");
	UNIT_ERR_HAS("parse_u64: empty is 'got nothing'", parse_u64("", 0, &v, err, sizeof(err)), err, "got nothing");
	UNIT_ERR_HAS("parse_u64: '12a' names the text", parse_u64("12a", 3, &v, err, sizeof(err)), err, "got '12a'");
	size_t kl = 0;
	UNIT_TRUE("parse_map_fast: '@send[1, a]: 182733'", parse_map_fast("@send[1, a]: 182733", 19, &kl, &v) && kl == 11 && v == 182733);
	UNIT_TRUE("parse_map_fast: 19 digits", parse_map_fast("@x: 9999999999999999999", 23, &kl, &v) && v == 9999999999999999999ull);
	UNIT_TRUE("parse_map_fast: 20 digits go the careful way", !parse_map_fast("@x: 18446744073709551615", 24, &kl, &v));
	UNIT_TRUE("parse_map_fast: '@x:5' is not a map entry", !parse_map_fast("@xy:5", 5, &kl, &v));
	UNIT_TRUE("parse_map_fast: '@x: -5' is not", !parse_map_fast("@x: -5", 6, &kl, &v));
	UNIT_DONE();
}
