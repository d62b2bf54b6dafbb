/* digits.h: the post-processor's one decimal integer parser.
 *
 * Every unsigned decimal number dbnetio-report reads goes through here: map
 * values, time lines, header fields, ports, pids and durations.  There are
 * three ways in, one per kind of caller, and they share the conversion:
 *   digits_u64()    the whole of [s, s+len), any length, overflow checked:
 *                   the careful entry for everything that is not the hot path;
 *   digits_exact()  exactly n digits (1..19, which cannot overflow), bytes
 *                   [p, p+n) read and no others;
 *   digits_run()    the digit run at d, its end found and its value made in
 *                   one pass, a word at a time, within avail bytes;
 *   digits_known()  k digits whose end is known (the fast path found the
 *                   newline): SSE2 when available, else digits_exact().
 * The conversion is SWAR (eight digits per 64-bit word, three multiplies) on
 * little-endian machines, with a plain loop as the fallback on others and
 * for the ragged ends.  Inline: the fast path runs it 8 million times in the
 * benchmark.  tests/unit/test_digits.c checks every entry against a plain
 * loop for every length 0..20, at 2^64, with a non-digit at every position,
 * on buffers that end right after the number (ASan sees any over-read).
 */
#ifndef DBNETIO_DIGITS_H
#define DBNETIO_DIGITS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DIGITS_SWAR 1
#else
#define DIGITS_SWAR 0
#endif

#define DIGITS_ZERO 0x3030303030303030ull

/* Is c an ASCII digit? */
static inline int digits_is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* How many digits [s, s+len) starts with. */
static inline size_t digits_span(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && digits_is_digit(s[i]))
		i++;
	return i;
}

/* How many digits [s, s+len) ends with. */
static inline size_t digits_span_back(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && digits_is_digit(s[len - 1 - i]))
		i++;
	return i;
}

/* The high bit of each byte of word c that is not an ASCII digit. */
static inline uint64_t digits_nondigit_mask(uint64_t c)
{
	uint64_t x = c ^ DIGITS_ZERO;
	return (((x & 0x7F7F7F7F7F7F7F7Full) + 0x7676767676767676ull) | x) & 0x8080808080808080ull;
}

/* Eight digit values (0..9, the most significant in the lowest byte, as a
 * little-endian load of text leaves them) to a number: pairs, quads, then
 * the octet, by three multiplies. */
static inline uint64_t digits_swar8(uint64_t c)
{
	c = c * 10 + (c >> 8);
	return (((c & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
		(((c >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
}

/* 10^k for k in 0..8. */
static inline uint64_t digits_pow10(unsigned k)
{
	static const uint64_t p[9] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
				       100000000 };
	return p[k];
}

/* Exactly n decimal digits at p (1 <= n <= 19, so no overflow) into *out:
 * 1, or 0 when n is out of that range or a byte is not a digit.  Reads
 * [p, p+n) only: whole words while 8 are left, then the last 1..7 digits as
 * the top of the word that ends at p+n when n >= 8, else one by one. */
static inline int digits_exact(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t left = n;

	if (n == 0 || n > 19)
		return 0;
#if DIGITS_SWAR
	while (left >= 8) {
		uint64_t c;
		memcpy(&c, p, 8);
		if (digits_nondigit_mask(c))
			return 0;
		v = v * 100000000ull + digits_swar8(c - DIGITS_ZERO);
		p += 8;
		left -= 8;
	}
	if (left && n >= 8) {
		/* the word ending at the last digit: its low 8-left bytes were
		 * converted already and become leading zeros */
		uint64_t c, keep = ~0ull << (8 * (8 - left));
		memcpy(&c, p + left - 8, 8);
		if (digits_nondigit_mask(c) & keep)
			return 0;
		*out = v * digits_pow10((unsigned)left) + digits_swar8((c - DIGITS_ZERO) & keep);
		return 1;
	}
#endif
	while (left--) {
		unsigned d = (unsigned char)*p++ - '0';
		if (d > 9)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

enum digits_status {
	DIGITS_OK = 0,
	DIGITS_EMPTY = -1,        /* no bytes at all */
	DIGITS_NOT_A_NUMBER = -2, /* a byte that is not a digit (a sign, a space...) */
	DIGITS_RANGE = -3,        /* more than 2^64-1 */
};

/* The whole of [s, s+len) as an unsigned 64-bit decimal, any number of
 * leading zeros allowed.  A non-digit anywhere is DIGITS_NOT_A_NUMBER even
 * when the digits before it already overflow. */
static inline enum digits_status digits_u64(const char *s, size_t len, uint64_t *out)
{
	size_t lead = 0;
	uint64_t hi, lo;

	if (len == 0)
		return DIGITS_EMPTY;
	if (len <= 19)
		return digits_exact(s, len, out) ? DIGITS_OK : DIGITS_NOT_A_NUMBER;
	if (digits_span(s, len) != len)
		return DIGITS_NOT_A_NUMBER;
	while (lead < len && s[lead] == '0')
		lead++;
	s += lead;
	len -= lead;
	if (len <= 19) {
		*out = 0;
		return len == 0 || digits_exact(s, len, out) ? DIGITS_OK : DIGITS_NOT_A_NUMBER;
	}
	/* 20 significant digits: the first 19, then one checked step */
	if (len > 20 || !digits_exact(s, 19, &hi))
		return DIGITS_RANGE;
	lo = (uint64_t)(s[19] - '0');
	if (__builtin_mul_overflow(hi, 10, &hi) || __builtin_add_overflow(hi, lo, &hi))
		return DIGITS_RANGE;
	*out = hi;
	return DIGITS_OK;
}

/* The run of 1..19 digits at d, ended by a non-digit within the avail bytes
 * at d: its value, *k its length.  UINT64_MAX (which takes 20 digits, so is
 * never a run's value) when d holds no digit, more than 19, or when the
 * run's end is not within avail bytes (the caller then has to wait for more
 * input or take the careful path).  SWAR: the run's end and value come from
 * the same words, read whole, so only within avail. */
static inline uint64_t digits_run(const char *d, size_t avail, unsigned *k)
{
	uint64_t value = 0;
	size_t n = 0;

#if DIGITS_SWAR
	for (;;) {
		uint64_t c, m;
		if (n + 8 > avail)
			break;                     /* the ragged end: one by one */
		memcpy(&c, d + n, 8);
		m = digits_nondigit_mask(c);
		if (m) {
			unsigned r = (unsigned)__builtin_ctzll(m) / 8;
			if (n + r == 0 || n + r > 19)
				return UINT64_MAX;
			if (r)
				value = value * digits_pow10(r) +
					digits_swar8((c - DIGITS_ZERO) << (8 * (8 - r)));
			*k = (unsigned)(n + r);
			return value;
		}
		if (n + 8 > 16)
			break;                     /* 17..19 digits: one by one */
		value = value * 100000000ull + digits_swar8(c - DIGITS_ZERO);
		n += 8;
	}
#endif
	while (n < avail && digits_is_digit(d[n])) {
		if (n == 19)
			return UINT64_MAX;
		value = value * 10 + (uint64_t)(d[n] - '0');
		n++;
	}
	if (n == 0 || n == avail)
		return UINT64_MAX;
	*k = (unsigned)n;
	return value;
}

/* The k digits (1..15) at d, whose end the caller knew, as a number;
 * UINT64_MAX if one of those bytes is not a digit.  before: the bytes
 * readable before d.  Reads [d, d+k), and with SSE2 the 16 bytes ending at
 * d+k when there are that many. */
static inline uint64_t digits_known(const char *d, unsigned k, size_t before)
{
	uint64_t v;
#ifdef __SSE2__
	/* SSE2 is x86-64's baseline: no flag needed.  The 16 bytes ending at
	 * the last digit are loaded, those before the first digit masked to
	 * zero, and pairs, quads and octets of digits combined by three
	 * multiply-adds: about 20 instructions for up to 15 digits. */
	static const unsigned char tail_mask[32] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	};
	const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9), z = _mm_setzero_si128();
	__m128i t, a, b, c, e;

	if (k >= 1 && k <= 15 && before + k >= 16) {
		t = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)(d + k - 16)), zero);
		t = _mm_and_si128(t, _mm_loadu_si128((const __m128i *)(const void *)(tail_mask + k)));
		/* the k digits, most significant first, zeros in front: each <= 9 */
		if ((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(t, nine), nine)) != 0xffff)
			return UINT64_MAX;
		a = _mm_madd_epi16(_mm_unpacklo_epi8(t, z), _mm_set1_epi32(0x0001000a));
		b = _mm_madd_epi16(_mm_unpackhi_epi8(t, z), _mm_set1_epi32(0x0001000a));
		c = _mm_madd_epi16(_mm_packs_epi32(a, b), _mm_set1_epi32(0x00010064));
		e = _mm_madd_epi16(_mm_packs_epi32(c, c), _mm_set1_epi32(0x00012710));
		return (uint64_t)(uint32_t)_mm_cvtsi128_si32(e) * 100000000u +
		       (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(e, 4));
	}
#endif
	(void)before;
	if (k > 15 || !digits_exact(d, k, &v))
		return UINT64_MAX;
	return v;
}

#endif
