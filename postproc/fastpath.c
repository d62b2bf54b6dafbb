/* fastpath.c: the series stage's hot loop, map entry lines read straight
 * from the reader's buffer (see fastpath.h).
 *
 * Two loops.  take_one() takes one line of the predicted series: its key
 * compared a word at a time, its digits found and converted in one pass
 * (digits_run()), then series_account() as for any line.  take_fast() is
 * the steady state of a process capture's cumulative dumps, when nothing
 * but the series' own numbers needs the sample: newlines found 64 bytes at
 * a time, the key checked as three masked words, the digits converted by
 * digits_known(), and the accounting done inline with what that state makes
 * constant.  Whatever either does not recognise at once is left where it
 * is, for the engine's general path: the fast path never reports an input
 * error, so one input gives the same series through either (the fuzz
 * target's differential mode checks that).
 */
#include "fastpath.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "digits.h"
#include "summary.h"

/* ===== one line ===== */

/* Equal bytes, 8 at a time: keys are short, a libc call costs more. */
static inline int key_eq(const char *a, const char *b, size_t l)
{
	while (l >= 8) {
		uint64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
		a += 8;
		b += 8;
		l -= 8;
	}
	while (l--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

int fastpath_line(struct fastpath *fp, const char *line, size_t len)
{
	struct series_source *src = fp->src;
	struct series *s = src->pred;
	uint64_t value;
	int r;

	if (!s || !src->in_dump || s->dump_seq == src->dump_seq || len <= s->rawlen + 2)
		return 0;
	size_t l = s->rawlen;
	if (line[l] != ':' || line[l + 1] != ' ' || !key_eq(line, s->raw, l) ||
	    !digits_exact(line + l + 2, len - l - 2, &value))
		return 0;
	if ((r = series_account(fp->t, src, s, value)) < 0)
		return r;
	fp->lines++;
	return 1;
}

/* One predicted line at buf, `key: digits\n` (see fastpath_take()): 0
 * with *took its bytes, or 0 bytes when buf does not start with one; or a
 * series_error. */
static inline int take_one(struct series_table *t, struct series_source *src, const char *buf,
			   size_t avail, size_t *took)
{
	struct series *s = src->pred;
	const char *d, *end = buf + avail;
	size_t l, n;
	unsigned k;
	uint64_t value;
	int r;

	*took = 0;
	if (!s || !src->in_dump || s->dump_seq == src->dump_seq)
		return 0;
	l = s->rawlen;
	if (avail < l + 4 || buf[l] != ':' || buf[l + 1] != ' ')
		return 0;
	if (l <= sizeof(s->line_head) ? !key_eq(buf, s->line_head, l)
				     : !key_eq(buf, s->raw, l))
		return 0;
	d = buf + l + 2;
	value = digits_run(d, (size_t)(end - d), &k);
	if (value == UINT64_MAX || d[k] != '\n')
		return 0;
	n = k;
	if ((r = series_account(t, src, s, value)) < 0)
		return r;
	*took = l + 2 + n + 1;
	return 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* ===== the wide loop ===== */

/* Bytes [0, L) of a 24-byte head, as three words' masks (L capped at 24).
 * The "& 7" changes nothing where the shift is used (0 < L - 8i < 8); it keeps
 * the dead branches' shift counts in range, which clang checks. */
#define HM(L, i) ((L) - 8 * (i) >= 8 ? ~0ull : (L) - 8 * (i) <= 0 ? 0ull : \
		  (1ull << (8 * (((L) - 8 * (i)) & 7))) - 1)
#define HROW(L) { HM(L, 0), HM(L, 1), HM(L, 2) }
static const uint64_t head_mask[25][3] = {
	HROW(0), HROW(1), HROW(2), HROW(3), HROW(4), HROW(5), HROW(6), HROW(7), HROW(8),
	HROW(9), HROW(10), HROW(11), HROW(12), HROW(13), HROW(14), HROW(15), HROW(16),
	HROW(17), HROW(18), HROW(19), HROW(20), HROW(21), HROW(22), HROW(23), HROW(24),
};

/* Bit i set: b[i] is '\n', for the 64 bytes at b. */
static inline uint64_t newlines64(const char *b)
{
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');
#define NL16(i) ((uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8( \
	_mm_loadu_si128((const __m128i *)(const void *)(b + 16 * (i))), nl)) << (16 * (i)))
	return NL16(0) | NL16(1) | NL16(2) | NL16(3);
#undef NL16
#else
	uint64_t m = 0;
	for (int i = 0; i < 8; i++) {
		uint64_t w, x, y;
		memcpy(&w, b + 8 * i, 8);
		x = w ^ 0x0a0a0a0a0a0a0a0aull;
		/* high bit of each zero byte of x, exactly; then gathered */
		y = (~(((x & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | x) &
		     0x8080808080808080ull) >> 7;
		y |= y >> 7;
		y |= y >> 14;
		y |= y >> 28;
		m |= (y & 0xff) << (8 * i);
	}
	return m;
#endif
}

/* The steady state of fastpath_take(): a dump of cumulative
 * counters of a process capture (no members, whose samples the group stage
 * needs) at a known interval with no sample hook, the predicted series
 * after the dump's first line.  Same accounting as series_account(), minus
 * what this state makes constant; anything else (a counter reset, 16+
 * digits, a key over 22 bytes, the buffer's last bytes) stops it and is left
 * to take_one().  The key and ": " are checked as three masked words, the
 * digits and the newline in two more, without branches on their lengths
 * beyond one for "more than 8 digits". */
static size_t take_fast(struct series_source *src, const char *buf, size_t avail,
			uint64_t *lines)
{
	struct series *s, *last = src->last, *next = src->pred;
	const uint64_t seq = src->dump_seq;
	const int64_t ts = src->ts;
	const double inv = src->inv, secs = src->dump_seconds;
	size_t pos = 0, base = 0;
	uint64_t n = 0, nlm;

	/* nlm: the newlines not yet used in the 64 bytes at base.  Each line's
	 * end comes from it, so where the next line starts does not wait for
	 * this one's digits to be parsed: lines overlap in the CPU */
	nlm = avail >= 64 ? newlines64(buf) : 0;
	while ((s = next) != NULL && s->dump_seq != seq) {
		const char *p = buf + pos, *d;
		size_t L = (size_t)s->rawlen + 2, e;
		uint64_t w0, w1, w2, h0, h1, h2, value, delta;
		const uint64_t *mk;
		unsigned k;

		while (!nlm) {
			if (base + 128 > avail)
				goto out;
			base += 64;
			nlm = newlines64(buf + base);
		}
		e = base + (size_t)__builtin_ctzll(nlm);
		/* 1..15 digits (a line too short wraps around); reads: 24 bytes
		 * at p, the 16 ending at e (digits_known()) */
		k = (unsigned)(e - pos - L);
		if (L > sizeof(s->line_head) || avail - pos < 24 || e - pos - L - 1 > 14)
			break;
		mk = head_mask[L];
		/* the mapped input is not in cache yet, and the hardware's
		 * prefetch stops at page ends: ask 2 KiB ahead (-20% time) */
		__builtin_prefetch(p + 2048);
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		memcpy(&w2, p + 16, 8);
		memcpy(&h0, s->line_head, 8);
		memcpy(&h1, s->line_head + 8, 8);
		memcpy(&h2, s->line_head + 16, 8);
		if ((((w0 ^ h0) & mk[0]) | ((w1 ^ h1) & mk[1]) | ((w2 ^ h2) & mk[2])) != 0)
			break;
		d = p + L;
		value = digits_known(d, k, pos + L);
		if (value == UINT64_MAX || value < s->last_value)
			break;
		nlm &= nlm - 1;
		/* account it (see series_account()) */
		delta = value - s->last_value;
		s->last_value = value;
		next = s->predicted;
		s->dump_seq = seq;
		last->predicted = s;
		last = s;
		if (__builtin_add_overflow(s->total_bytes, delta, &s->total_bytes))
			s->total_bytes = UINT64_MAX;
		if (!s->last_ts)
			s->first_ts = ts;
		s->last_ts = ts;
		/* delta < 10^15: the signed conversion is exact and cheaper;
		 * x * (1/1) is exact, as in series_account() */
		if (stats_add(&s->stats, (double)(int64_t)delta * inv, secs, ts) < 0) {
			src->pred = next;
			src->last = last;
			return SIZE_MAX;   /* out of memory */
		}
		pos = e + 1;
		n++;
	}
out:
	src->pred = next;
	src->last = last;
	src->meta->counts.map_lines += n;
	*lines = n;
	return pos;
}
#endif

/* ===== API ===== */

void fastpath_init(struct fastpath *fp, struct series_table *t, struct series_source *src)
{
	memset(fp, 0, sizeof(*fp));
	fp->t = t;
	fp->src = src;
}

int fastpath_take(void *arg, const char *buf, size_t avail, size_t *took, uint64_t *lines)
{
	struct fastpath *fp = arg;
	struct series_table *t = fp->t;
	struct series_source *src = fp->src;
	size_t pos = 0, one;
	uint64_t n = 0;
	int r = 0;

	for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (src->in_dump && src->is_rate && !src->interval_counters && !t->on_sample &&
		    src->last && src->meta->key == CAPTURE_KEY_PROCESS) {
			uint64_t k;
			one = take_fast(src, buf + pos, avail - pos, &k);
			if (one == SIZE_MAX) {
				/* the line was accounted but its sample not stored */
				r = SERIES_ENOMEM;
				break;
			}
			pos += one;
			n += k;
			fp->wide_lines += k;
		}
#endif
		if ((r = take_one(t, src, buf + pos, avail - pos, &one)) < 0 || !one)
			break;
		pos += one;
		n++;
	}
	fp->lines += n;
	*took = pos;
	*lines = n;
	return r;
}
