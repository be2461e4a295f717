/*
 * List cursors ("<key>.<id>", app/check.c: cursor_parse, and the wider
 * cursor_parse_wide of the triage list), the admin lists' page numbers
 * (page_parse) and the unit of a relative time (relative_key) for any
 * 64-bit delta: the first 8 bytes are the delta, the rest the cursor and
 * the page.
 */

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 key[16], id[24], wkey[24], rkey[32], *cur;
	int64_t	 delta, n;
	int	 page;
	uint64_t u;
	size_t	 i;

	if (size >= 8) {
		u = 0;
		for (i = 0; i < 8; i++)
			u = u << 8 | data[i];
		memcpy(&delta, &u, sizeof(delta));
		relative_key(delta, rkey, sizeof(rkey), &n);
		if (n < 0)
			FUZZ_FAIL("relative_key(%lld): n = %lld",
			    (long long)delta, (long long)n);
		if (strncmp(rkey, "ago.", 4) != 0 &&
		    strncmp(rkey, "in.", 3) != 0)
			FUZZ_FAIL("relative_key(%lld): key \"%s\"",
			    (long long)delta, rkey);
		data += 8;
		size -= 8;
	}
	cur = fuzz_str(data, size);
	if (cursor_parse(cur, key, sizeof(key), id, sizeof(id))) {
		if (strlen(key) < 1 || strlen(key) > 9 || strlen(id) < 1 ||
		    strlen(id) > 18 ||
		    strspn(key, "0123456789") != strlen(key) ||
		    strspn(id, "0123456789") != strlen(id))
			FUZZ_FAIL("cursor \"%s\" accepted as %s.%s", cur, key,
			    id);
	}
	if (cursor_parse_wide(cur, wkey, sizeof(wkey), id, sizeof(id))) {
		i = wkey[0] == '-';
		if (strlen(wkey + i) < 1 || strlen(wkey + i) > 18 ||
		    strlen(id) < 1 || strlen(id) > 18 ||
		    strspn(wkey + i, "0123456789") != strlen(wkey + i) ||
		    strspn(id, "0123456789") != strlen(id))
			FUZZ_FAIL("wide cursor \"%s\" accepted as %s.%s", cur,
			    wkey, id);
	}
	page = page_parse(cur);
	if (page != 0 &&
	    (page < 1 || page > PAGE_NUMBER_MAX || cur[0] == '0' ||
		strspn(cur, "0123456789") != strlen(cur) ||
		strtol(cur, NULL, 10) != page))
		FUZZ_FAIL("page \"%s\" accepted as %d", cur, page);
	free(cur);
	return (0);
}
