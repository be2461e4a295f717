/*
 * Unit tests for app/factor.c: TOTP against RFC 6238's published test
 * vectors (SHA-1, secret "12345678901234567890"), the window of one step,
 * what a person may type, recovery codes, the sealed secret, the key URI
 * and the QR code; the weekly digest's unsubscribe token.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drive.h"

static const unsigned char rfc_secret[] = "12345678901234567890";
#define RFC_LEN 20

/* RFC 6238, appendix B: the 8-digit values; 6 digits are their last six. */
static const struct {
	int64_t	    t;
	const char *code;
} rfc_vectors[] = {
	{ 59, "287082" },
	{ 1111111109, "081804" },
	{ 1111111111, "050471" },
	{ 1234567890, "005924" },
	{ 2000000000, "279037" },
	{ 20000000000LL, "353130" },
};

static void
test_totp_rfc6238(void **state)
{
	char   code[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++) {
		int64_t step = -1;

		assert_true(factor_totp_code(rfc_secret, RFC_LEN,
		    rfc_vectors[i].t, code));
		assert_string_equal(code, rfc_vectors[i].code);
		assert_true(factor_totp_check(rfc_secret, RFC_LEN,
		    rfc_vectors[i].code, rfc_vectors[i].t, &step));
		assert_int_equal(step, rfc_vectors[i].t / 30);
	}
}

/* One step either way, and the step the code belongs to; two: refused. */
static void
test_totp_window(void **state)
{
	int64_t step;

	(void)state;
	/* 287082 is the code of step 1 (t 30..59). */
	assert_true(factor_totp_check(rfc_secret, RFC_LEN, "287082", 89,
	    &step));
	assert_int_equal(step, 1);
	assert_true(factor_totp_check(rfc_secret, RFC_LEN, "287082", 0, &step));
	assert_int_equal(step, 1);
	assert_false(factor_totp_check(rfc_secret, RFC_LEN, "287082", 90,
	    &step));
	assert_false(factor_totp_check(rfc_secret, RFC_LEN, "287082",
	    1111111109, &step));
	assert_false(factor_totp_check(rfc_secret, RFC_LEN, "287083", 59,
	    &step));
	assert_false(factor_totp_check(rfc_secret, RFC_LEN, "28708", 59,
	    &step));
	assert_false(factor_totp_check(rfc_secret, RFC_LEN, "94287082", 59,
	    &step));
	assert_false(factor_totp_check(rfc_secret, RFC_LEN, "", 59, &step));
}

static void
test_code_parse(void **state)
{
	char out[FACTOR_RECOVERY_LEN + 1];

	(void)state;
	assert_int_equal(factor_code_parse("123456", out, sizeof(out)),
	    FACTOR_TOTP);
	assert_string_equal(out, "123456");
	assert_int_equal(factor_code_parse(" 123 456 ", out, sizeof(out)),
	    FACTOR_TOTP);
	assert_string_equal(out, "123456");
	assert_int_equal(factor_code_parse("ABCDE-fghjk", out, sizeof(out)),
	    FACTOR_RECOVERY);
	assert_string_equal(out, "abcdefghjk");
	/* i and l are read as 1, o as 0 (Crockford). */
	assert_int_equal(factor_code_parse("iLoOa 2b3c4", out, sizeof(out)),
	    FACTOR_RECOVERY);
	assert_string_equal(out, "1100a2b3c4");
	/* Ten digits are a recovery code, too. */
	assert_int_equal(factor_code_parse("1234567890", out, sizeof(out)),
	    FACTOR_RECOVERY);

	assert_int_equal(factor_code_parse("12345", out, sizeof(out)), 0);
	assert_int_equal(factor_code_parse("1234567", out, sizeof(out)), 0);
	assert_int_equal(factor_code_parse("12345a", out, sizeof(out)), 0);
	assert_int_equal(factor_code_parse("abcde-fghju", out, sizeof(out)),
	    0); /* u is not in the alphabet */
	assert_int_equal(factor_code_parse("abcde_fghjk", out, sizeof(out)), 0);
	assert_int_equal(factor_code_parse("abcdefghjkm", out, sizeof(out)), 0);
	assert_int_equal(factor_code_parse("", out, sizeof(out)), 0);
	assert_int_equal(factor_code_parse(NULL, out, sizeof(out)), 0);
	assert_int_equal(factor_code_parse("123456", out, 4), 0);
	assert_int_equal(factor_code_parse("12\xc3\xa9"
					   "456",
			     out, sizeof(out)),
	    0);
}

static void
test_recovery(void **state)
{
	char a[16], b[16], na[16], hex[TOKEN_HEX + 1], hex2[TOKEN_HEX + 1];
	unsigned char key[FACTOR_KEY_LEN], key2[FACTOR_KEY_LEN];

	(void)state;
	memset(key, 7, sizeof(key));
	memset(key2, 8, sizeof(key2));
	factor_recovery_new(a);
	factor_recovery_new(b);
	assert_int_equal(strlen(a), 11);
	assert_int_equal(a[5], '-');
	assert_string_not_equal(a, b);
	assert_int_equal(factor_code_parse(a, na, sizeof(na)), FACTOR_RECOVERY);
	factor_recovery_hash(key, na, hex);
	assert_int_equal(strlen(hex), TOKEN_HEX);
	factor_recovery_hash(key, na, hex2);
	assert_string_equal(hex, hex2);
	factor_recovery_hash(key2, na, hex2);
	assert_string_not_equal(hex, hex2);
}

static void
test_seal(void **state)
{
	unsigned char key[FACTOR_KEY_LEN], other[FACTOR_KEY_LEN];
	unsigned char sealed[64], sealed2[64], plain[64];
	size_t	      n;

	(void)state;
	assert_true(factor_key_parse(
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    key));
	assert_false(factor_key_parse("0001", other));
	assert_false(factor_key_parse(
	    "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    other));
	memcpy(other, key, sizeof(key));
	other[0] ^= 1;

	n = factor_sealed_len(RFC_LEN);
	assert_int_equal(n, 12 + RFC_LEN + 16);
	assert_true(factor_seal(key, rfc_secret, RFC_LEN, sealed));
	assert_true(factor_seal(key, rfc_secret, RFC_LEN, sealed2));
	assert_memory_not_equal(sealed, sealed2, n); /* a nonce each time */
	assert_null(memmem(sealed, n, rfc_secret, RFC_LEN));
	assert_true(factor_open(key, sealed, n, plain));
	assert_memory_equal(plain, rfc_secret, RFC_LEN);
	/* Another key, a flipped bit, a cut tag: nothing opens. */
	assert_false(factor_open(other, sealed, n, plain));
	sealed[20] ^= 0x40;
	assert_false(factor_open(key, sealed, n, plain));
	sealed[20] ^= 0x40;
	assert_false(factor_open(key, sealed, n - 1, plain));
	assert_false(factor_open(key, sealed, 28, plain));
}

static void
test_uri_and_qr(void **state)
{
	char *s32, *grouped, *uri, *svg;

	(void)state;
	s32 = factor_base32(rfc_secret, RFC_LEN, 0);
	assert_string_equal(s32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	grouped = factor_base32(rfc_secret, RFC_LEN, 1);
	assert_string_equal(grouped, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
	uri = factor_otpauth_uri(rfc_secret, RFC_LEN, "Drive",
	    "anna+x@example.test");
	assert_string_equal(uri,
	    "otpauth://totp/Drive:anna%2Bx%40example.test?secret="
	    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Drive&algorithm=SHA1"
	    "&digits=6&period=30");
	svg = factor_qr_svg(uri, "QR <code>");
	assert_non_null(svg);
	assert_non_null(strstr(svg, "aria-label=\"QR &lt;code&gt;\""));
	/* Version 5 (37 modules) plus the quiet zone for this address. */
	assert_non_null(strstr(svg, "viewBox=\"0 0 "));
	assert_non_null(strstr(svg, "M4 4h1v1h-1z")); /* a finder's corner */
	assert_null(strstr(svg, "GEZD"));	      /* no secret in clear */
	free(s32);
	free(grouped);
	free(uri);
	free(svg);
}

/*
 * The digest's unsubscribe token against a value computed apart (Python's
 * hmac: HMAC-SHA256 under HMAC-SHA256(key, "drive digest unsubscribe")
 * of "unsubscribe:42", first 16 bytes); anything else names nobody.
 */
static void
test_digest_token(void **state)
{
	unsigned char key[FACTOR_KEY_LEN], dkey[FACTOR_KEY_LEN];
	unsigned char other[FACTOR_KEY_LEN];
	char   token[FACTOR_DIGEST_TOKEN_MAX], bad[FACTOR_DIGEST_TOKEN_MAX];
	size_t i;
	static const char *refused[] = { "", "42", "42.",
		".e2113e78ccaa609fa009171efcea42ae",
		"042.e2113e78ccaa609fa009171efcea42ae",
		"42.E2113E78CCAA609FA009171EFCEA42AE",
		"42.e2113e78ccaa609fa009171efcea42a",
		"42.e2113e78ccaa609fa009171efcea42ae0",
		"43.e2113e78ccaa609fa009171efcea42ae",
		"-42.e2113e78ccaa609fa009171efcea42ae",
		"42.e2113e78ccaa609fa009171efcea42ae ",
		"1234567890123456789.e2113e78ccaa609fa009171efcea42ae" };

	(void)state;
	assert_true(factor_key_parse(
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    key));
	factor_digest_key(key, dkey);
	factor_digest_token(dkey, 42, token);
	assert_string_equal(token, "42.e2113e78ccaa609fa009171efcea42ae");
	assert_int_equal(factor_digest_check(dkey, token), 42);
	assert_int_equal(factor_digest_check(dkey, NULL), 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(factor_digest_check(dkey, refused[i]), 0);
	/* Each digit flipped is refused. */
	for (i = 3; i < strlen(token); i++) {
		memcpy(bad, token, sizeof(bad));
		bad[i] = bad[i] == '0' ? '1' : '0';
		assert_int_equal(factor_digest_check(dkey, bad), 0);
	}
	/* Another key's token is refused; the operator's key is not it. */
	memcpy(other, key, sizeof(key));
	other[31] ^= 1;
	factor_digest_key(other, other);
	assert_int_equal(factor_digest_check(other, token), 0);
	assert_int_equal(factor_digest_check(key, token), 0);
	factor_digest_token(dkey, 9223372036854775807LL, token);
	assert_int_equal(factor_digest_check(dkey, token), 0); /* 19 digits */
	factor_digest_token(dkey, 123456789012345678LL, token);
	assert_int_equal(factor_digest_check(dkey, token),
	    123456789012345678LL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totp_rfc6238),
		cmocka_unit_test(test_totp_window),
		cmocka_unit_test(test_code_parse),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_uri_and_qr),
		cmocka_unit_test(test_digest_token),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
