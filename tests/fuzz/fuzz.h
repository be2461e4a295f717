/*
 * Shared by the libFuzzer harnesses in tests/fuzz/ (one file a parser of
 * untrusted input, as kcgi's afl/ has them).  Each harness checks the
 * parser's promises as well, and calls FUZZ_FAIL when one is broken:
 * a crash that libFuzzer reports and saves like any other.
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_FAIL(...) \
	do { \
		fprintf(stderr, "fuzz: %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} while (0)

/* The input as a NUL-terminated string, cut at its first NUL. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}

/*
 * Splits the input at the first NUL: *a is before it, *b after it (or
 * "" when there is none).  Both are freed with fuzz_split_free().
 */
static inline void
fuzz_split(const uint8_t *data, size_t size, char **a, char **b)
{
	const uint8_t *nul;

	if ((nul = memchr(data, 0, size)) == NULL) {
		*a = fuzz_str(data, size);
		*b = xstrdup("");
		return;
	}
	*a = fuzz_str(data, nul - data);
	*b = fuzz_str(nul + 1, size - (nul - data) - 1);
}

/* 1 when the n bytes hold any of the bytes in set. */
static inline int
fuzz_has_any(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != '\0' && strchr(set, s[i]) != NULL)
			return (1);
	return (0);
}

#endif /* FUZZ_H */
