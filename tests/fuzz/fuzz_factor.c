/*
 * What a person types at the second step (app/factor.c:
 * factor_code_parse) and a sealed secret as the database returns it
 * (factor_open): no overrun, a parsed code is six digits or ten of the
 * recovery alphabet, and nothing but what was sealed opens.  A digest's
 * unsubscribe token from a link (factor_digest_check): no overrun,
 * nothing but a token the key made names a person, and that one names
 * whom it was made for.
 */

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[FACTOR_KEY_LEN] = { 1, 2, 3 };
	unsigned char		   plain[1024], sealed[1100];
	char			  *s, out[FACTOR_RECOVERY_LEN + 1];
	char			   token[FACTOR_DIGEST_TOKEN_MAX];
	int64_t			   user;
	size_t			   n;
	int			   kind;

	s = fuzz_str(data, size);
	kind = factor_code_parse(s, out, sizeof(out));
	n = strlen(out);
	if (kind == FACTOR_TOTP &&
	    (n != FACTOR_TOTP_DIGITS || strspn(out, "0123456789") != n))
		FUZZ_FAIL("\"%s\" taken for an app's code", out);
	if (kind == FACTOR_RECOVERY &&
	    (n != FACTOR_RECOVERY_LEN ||
		strspn(out, "0123456789abcdefghjkmnpqrstvwxyz") != n))
		FUZZ_FAIL("\"%s\" taken for a recovery code", out);
	if (kind == 0 && n != 0)
		FUZZ_FAIL("a refused code left \"%s\"", out);

	/* An unsubscribe token: only one the key made names a person. */
	if (factor_digest_check(key, s) != 0) {
		factor_digest_token(key, strtoll(s, NULL, 10), token);
		if (strcmp(token, s) != 0)
			FUZZ_FAIL("\"%s\" taken for a digest token", s);
	}
	if (size >= sizeof(int64_t)) {
		memcpy(&user, data, sizeof(user));
		user = user < 0 ? -(user + 1) : user;
		user = user % 999999999999999999LL + 1;
		factor_digest_token(key, user, token);
		if (factor_digest_check(key, token) != user)
			FUZZ_FAIL("the token of %lld does not name them",
			    (long long)user);
	}
	free(s);

	/* Random bytes never open; what was sealed opens back. */
	if (size <= sizeof(plain) && factor_open(key, data, size, plain))
		FUZZ_FAIL("%zu random bytes opened", size);
	if (size > 0 && size <= 900) { /* factor_open() takes 1024 at most */
		if (!factor_seal(key, data, size, sealed) ||
		    !factor_open(key, sealed, factor_sealed_len(size), plain) ||
		    memcmp(plain, data, size) != 0)
			FUZZ_FAIL("%zu bytes did not come back", size);
	}
	return (0);
}
