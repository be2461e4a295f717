/*
 * Paths a client chooses: the "next" and "back" targets of a redirect
 * (app/check.c: local_path) and the ids in a request path (app/input.c:
 * path_segment_id).
 */

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p;
	char		*s;
	int64_t		 id;
	int		 i;

	s = fuzz_str(data, size);
	p = local_path(s, "/");
	if (p != s && strcmp(p, "/") != 0)
		FUZZ_FAIL("local_path gave neither its input nor the fallback");
	if (p == s && (s[0] != '/' || s[1] == '/' || s[1] == '\\' ||
	    !line_acceptable(s, strlen(s))))
		FUZZ_FAIL("local_path accepted \"%s\"", s);
	for (i = 0; i < 4; i++) {
		id = path_segment_id(s, i);
		if (id < 0)
			FUZZ_FAIL("path_segment_id(\"%s\", %d) = %lld", s, i,
			    (long long)id);
	}
	free(s);
	return (0);
}
