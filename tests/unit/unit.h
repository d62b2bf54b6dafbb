/* unit.h: the tiny test macros of tests/unit (redis style).
 *
 * Every check prints one line in the tests/lib.sh protocol:
 *   PASS <name>   or   FAIL <name>: expected X, measured Y
 * and a test binary exits non-zero when any check failed, so a crash or a
 * sanitizer report (which aborts) is a failure too.
 */
#ifndef DBNETIO_UNIT_H
#define DBNETIO_UNIT_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int unit_failed;

#define UNIT_TRUE(name, cond)                                                   \
	do {                                                                    \
		if (cond)                                                       \
			printf("PASS %s\n", (name));                            \
		else {                                                          \
			printf("FAIL %s: expected %s, measured false\n", (name), #cond); \
			unit_failed++;                                          \
		}                                                               \
	} while (0)

#define UNIT_EQ_U64(name, expected, measured)                                   \
	do {                                                                    \
		unsigned long long e_ = (unsigned long long)(expected);         \
		unsigned long long m_ = (unsigned long long)(measured);         \
		if (e_ == m_)                                                   \
			printf("PASS %s (%llu)\n", (name), m_);                 \
		else {                                                          \
			printf("FAIL %s: expected %llu, measured %llu\n", (name), e_, m_); \
			unit_failed++;                                          \
		}                                                               \
	} while (0)

#define UNIT_EQ_DBL(name, expected, measured, tol)                              \
	do {                                                                    \
		double e_ = (expected), m_ = (measured);                        \
		if (fabs(e_ - m_) <= (tol))                                     \
			printf("PASS %s (%.6g)\n", (name), m_);                 \
		else {                                                          \
			printf("FAIL %s: expected %.9g, measured %.9g\n", (name), e_, m_); \
			unit_failed++;                                          \
		}                                                               \
	} while (0)

#define UNIT_EQ_STR(name, expected, measured)                                   \
	do {                                                                    \
		const char *e_ = (expected), *m_ = (measured);                  \
		if (m_ && strcmp(e_, m_) == 0)                                  \
			printf("PASS %s\n", (name));                            \
		else {                                                          \
			printf("FAIL %s: expected '%s', measured '%s'\n", (name), e_, m_ ? m_ : "(null)"); \
			unit_failed++;                                          \
		}                                                               \
	} while (0)

/* The error message must contain `needle`. */
#define UNIT_ERR_HAS(name, rc, err, needle)                                     \
	do {                                                                    \
		if ((rc) < 0 && strstr((err), (needle)))                        \
			printf("PASS %s\n", (name));                            \
		else {                                                          \
			printf("FAIL %s: expected an error containing '%s', measured rc=%d '%s'\n", \
			       (name), (needle), (int)(rc), (err));             \
			unit_failed++;                                          \
		}                                                               \
	} while (0)

#define UNIT_DONE() return unit_failed ? 1 : 0

#endif
