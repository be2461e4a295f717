/*
 * Passwords: Argon2id with the parameters OWASP recommends for it (19 MiB,
 * two passes, one lane).  These functions take tens of milliseconds and
 * run on a Kore task thread only, never on the event loop; they use no
 * Kore allocator, which is not thread-safe.
 */

#include <argon2.h>
#include <malloc.h>
#include <openssl/rand.h>

#include "drive.h"

#define PW_T_COST   2
#define PW_M_COST   19456
#define PW_LANES    1
#define PW_SALT_LEN 16
#define PW_HASH_LEN 32

static char dummy_hash[128];

int
password_hash(const char *password, char *out, size_t outlen)
{
	unsigned char salt[PW_SALT_LEN];
	int	      rc;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return (0);
	rc = argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_LANES, password,
	    strlen(password), salt, sizeof(salt), PW_HASH_LEN, out, outlen);
	explicit_bzero(salt, sizeof(salt));
	return (rc == ARGON2_OK);
}

int
password_verify(const char *password, const char *encoded)
{
	return (argon2id_verify(encoded, password, strlen(password)) ==
	    ARGON2_OK);
}

/*
 * A hash of a random password: an unknown e-mail address is verified
 * against it, so that it takes as long as a known one.
 */
void
password_init(void)
{
	unsigned char pw[24];
	char	      hex[sizeof(pw) * 2 + 1];

	/*
	 * Argon2 takes 19 MiB per hash.  A fixed mmap threshold makes such
	 * blocks come from mmap and go back to the system when freed; left
	 * dynamic, glibc raises the threshold after the first free and keeps
	 * the next ones resident in the task threads' arenas (38 MB a worker
	 * after a burst of sign-ins, measured by make bench).
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 1024 * 1024);

	if (RAND_bytes(pw, sizeof(pw)) != 1)
		fatal("password_init: no randomness");
	hex_encode(pw, sizeof(pw), hex);
	if (!password_hash(hex, dummy_hash, sizeof(dummy_hash)))
		fatal("password_init: argon2 failed");
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(hex, sizeof(hex));
}

const char *
password_dummy_hash(void)
{
	return (dummy_hash);
}
