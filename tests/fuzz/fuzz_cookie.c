/*
 * The Cookie header (app/input.c: cookie_get, as in_cookie reads
 * drive_session and drive_csrf) and the Content-Type check.
 */

#include "fuzz.h"

static const char *names[] = { "drive_session", "drive_csrf", "d", "" };
static const char *types[] = { "application/json",
	"application/x-www-form-urlencoded" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char  *hdr, value[256], small[8];
	size_t i;

	hdr = fuzz_str(data, size);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (cookie_get(hdr, names[i], value, sizeof(value))) {
			if (*value == '\0' || strlen(value) >= sizeof(value) ||
			    strchr(value, ';') != NULL ||
			    strstr(hdr, value) == NULL)
				FUZZ_FAIL("cookie %s: \"%s\"", names[i], value);
		}
		if (cookie_get(hdr, names[i], small, sizeof(small)) &&
		    strlen(small) >= sizeof(small))
			FUZZ_FAIL("cookie %s overflows its buffer", names[i]);
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (content_type_match(hdr, types[i]) &&
		    strncasecmp(hdr, types[i], strlen(types[i])) != 0)
			FUZZ_FAIL("content type \"%s\" taken for %s", hdr,
			    types[i]);
	free(hdr);
	return (0);
}
