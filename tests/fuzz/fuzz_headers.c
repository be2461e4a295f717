/*
 * Request headers the module reads itself: X-Forwarded-For (the
 * client's address, app/input.c: forwarded_for), Authorization: Bearer
 * and the session cookie's token (app/check.c: token_hash) and
 * X-CSRF-Token (csrf_equal).
 */

#include <strings.h>

#include "fuzz.h"

static const char
    *known = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char  *hdr, addr[64], hash[65];
	size_t i;

	hdr = fuzz_str(data, size);
	memset(addr, 'x', sizeof(addr));
	if (forwarded_for(hdr, addr, sizeof(addr))) {
		if (strlen(addr) >= sizeof(addr) ||
		    strspn(addr, "0123456789abcdefABCDEF.:") != strlen(addr))
			FUZZ_FAIL("forwarded address \"%s\"", addr);
	}
	if (strncasecmp(hdr, "Bearer ", 7) == 0 && token_hash(hdr + 7, hash)) {
		if (strlen(hash) != 64 || strlen(hdr + 7) != 64)
			FUZZ_FAIL("token \"%s\" hashed to \"%s\"", hdr + 7,
			    hash);
	}
	if (token_hash(hdr, hash)) {
		for (i = 0; i < 64; i++)
			if (strchr("0123456789abcdef", hash[i]) == NULL)
				FUZZ_FAIL("hash \"%s\"", hash);
	}
	if (csrf_equal(hdr, known) != (strcmp(hdr, known) == 0))
		FUZZ_FAIL("csrf_equal(\"%s\") is wrong", hdr);
	free(hdr);
	return (0);
}
