/*
 * The sensitive data guard (app/guard.c) over any bytes: the text is
 * copied to a buffer of exactly its length, so ASan sees a read past it;
 * every finding lies within the text, starts and ends on an ASCII byte,
 * does not overlap another and comes in order; a second scan finds the
 * same; the masked excerpt is shorter than an IBAN or card it hides.
 */

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guard_hit h[GUARD_MAX], h2[GUARD_MAX];
	struct dbuf	 b;
	char		*s;
	size_t		 n, n2, i;

	s = malloc(size > 0 ? size : 1);
	if (s == NULL)
		return (0);
	memcpy(s, data, size);
	n = guard_scan(s, size, h, GUARD_MAX);
	if (n > GUARD_MAX)
		FUZZ_FAIL("%zu findings, at most %d", n, GUARD_MAX);
	for (i = 0; i < n; i++) {
		if (h[i].len == 0 || h[i].off > size ||
		    h[i].len > size - h[i].off)
			FUZZ_FAIL("finding %zu at %zu+%zu in %zu bytes", i,
			    h[i].off, h[i].len, size);
		if (((unsigned char)s[h[i].off] & 0x80) ||
		    ((unsigned char)s[h[i].off + h[i].len - 1] & 0x80))
			FUZZ_FAIL("finding %zu cuts a UTF-8 sequence", i);
		if (i > 0 && h[i - 1].off + h[i - 1].len > h[i].off)
			FUZZ_FAIL("findings %zu and %zu overlap", i - 1, i);
		if (h[i].kind < GUARD_IBAN || h[i].kind > GUARD_ACCOUNT)
			FUZZ_FAIL("finding %zu of kind %d", i, h[i].kind);
		if (guard_line(s, size, h[i].off) < 1)
			FUZZ_FAIL("line 0");
		dbuf_init(&b);
		guard_mask(&b, s, &h[i]);
		if ((h[i].kind == GUARD_IBAN || h[i].kind == GUARD_CARD) &&
		    b.len > 0 &&
		    memmem(b.data, b.len, s + h[i].off, h[i].len) != NULL)
			FUZZ_FAIL("the excerpt shows the whole number");
		dbuf_free(&b);
	}
	n2 = guard_scan(s, size, h2, GUARD_MAX);
	if (n2 != n)
		FUZZ_FAIL("two scans differ");
	for (i = 0; i < n; i++)
		if (h[i].kind != h2[i].kind || h[i].off != h2[i].off ||
		    h[i].len != h2[i].len)
			FUZZ_FAIL("two scans differ at %zu", i);
	free(s);
	return (0);
}
