/*
 * grow.h: the one growable array of the post-processor.  Every list that
 * is appended to one element at a time (parsed records, series, sessions,
 * gaps, exact rate samples, table cells, rotated files) makes room the
 * same way: doubling, so N appends cost O(N) copies in all.
 */
#ifndef DBNETIO_GROW_H
#define DBNETIO_GROW_H

#include <stdint.h>
#include <stdlib.h>

/*
 * grow: room for element N of the array P, which has *CAP elements of SIZE
 * bytes.  Returns P while N < *CAP; when it is full, the array reallocated
 * to twice *CAP elements (FIRST when *CAP is 0), with *CAP updated.
 * Returns NULL, with P and *CAP untouched and still valid, when out of
 * memory or when the size would overflow.
 */
static inline void *grow(void *p, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t c;
	void *q;

	if (n < *cap)
		return p;
	c = *cap ? *cap * 2 : first;
	if (c < *cap || c > SIZE_MAX / size)
		return NULL;
	q = realloc(p, c * size);
	if (q)
		*cap = c;
	return q;
}

#endif /* DBNETIO_GROW_H */
