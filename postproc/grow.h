/*
 * grow.h: the one growable array of the post-processor.  Every list that
 * is appended to one element at a time (parsed records, series, sessions,
 * gaps, exact rate samples, table cells, rotated files) makes room the
 * same way, and so do the byte buffers appended to (parser scratch, the
 * rotator's lines, a file read whole): doubling, so N appends cost O(N)
 * copies in all.
 */
#ifndef DBNETIO_GROW_H
#define DBNETIO_GROW_H

#include <stdint.h>
#include <stdlib.h>

/*
 * grow_to: room for NEED elements in the array P, which has *CAP elements of
 * SIZE bytes.  Returns P while NEED <= *CAP; else the array reallocated to
 * *CAP doubled (from FIRST when *CAP is 0) until NEED fits, with *CAP
 * updated.  Returns NULL, with P and *CAP untouched and still valid, when
 * out of memory or when the size would overflow.
 */
static inline void *grow_to(void *p, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t c = *cap ? *cap : first;
	void *q;

	if (need <= *cap)
		return p;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return NULL;
		c *= 2;
	}
	if (c > SIZE_MAX / size)
		return NULL;
	q = realloc(p, c * size);
	if (q)
		*cap = c;
	return q;
}

/* grow: room for element N of the array P (see grow_to): one append. */
static inline void *grow(void *p, size_t *cap, size_t n, size_t size, size_t first)
{
	return grow_to(p, cap, n + 1, size, first);
}

#endif /* DBNETIO_GROW_H */
