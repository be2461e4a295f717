/*
 * E-mail addresses: the sign-in and invitation check (app/check.c:
 * email_valid) and the mailer's "Name <addr>" parser (app/mime.c:
 * mime_split_address), then the header built from what it accepted.
 */

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbuf b;
	char	   *s, *name, *addr;

	s = fuzz_str(data, size);
	if (email_valid(s)) {
		if (strlen(s) > 254 || strchr(s, '@') == NULL ||
		    fuzz_has_any(s, strlen(s), " <>,;\"\r\n"))
			FUZZ_FAIL("email_valid accepted \"%s\"", s);
	}
	if (mime_split_address(s, &name, &addr)) {
		if (fuzz_has_any(addr, strlen(addr), "<>()[]\\,;:\" \r\n") ||
		    strchr(name, '\r') != NULL || strchr(name, '\n') != NULL)
			FUZZ_FAIL("split \"%s\" into \"%s\" <%s>", s, name,
			    addr);
		dbuf_init(&b);
		if (!mime_address_header(&b, "From", name, addr))
			FUZZ_FAIL("an accepted address is refused: <%s>", addr);
		if (b.len < 2 || memcmp(b.data + b.len - 2, "\r\n", 2) != 0)
			FUZZ_FAIL("header does not end in CRLF");
		dbuf_free(&b);
		free(name);
		free(addr);
	} else if (name != NULL || addr != NULL)
		FUZZ_FAIL("a refused address left its parts");
	free(s);
	return (0);
}
