/* Unit tests for app/check.c: the pure checks the handlers share. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "drive.h"

static void
test_email_valid(void **state)
{
	(void)state;
	assert_true(email_valid("a@b.test"));
	assert_true(email_valid("first.last+tag@treasury.example.com"));
	assert_false(email_valid(""));
	assert_false(email_valid("a@b"));
	assert_false(email_valid("@b.test"));
	assert_false(email_valid("a@.test"));
	assert_false(email_valid("a@b.test."));
	assert_false(email_valid("a@@b.test"));
	assert_false(email_valid("a b@c.test"));
	assert_false(email_valid("a@b.test\n"));
	assert_false(email_valid("\"x\"@b.test"));
	assert_false(email_valid("<a@b.test>"));
}

static void
test_email_length(void **state)
{
	char	buf[300];

	(void)state;
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 240, "@example.test", 14);	/* 253 characters */
	assert_true(email_valid(buf));
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 250, "@example.test", 14);	/* 263 characters */
	assert_false(email_valid(buf));
}

static void
test_local_path(void **state)
{
	(void)state;
	assert_string_equal(local_path("/ideas/4", "/"), "/ideas/4");
	assert_string_equal(local_path("/?sort=new&q=x", "/"),
	    "/?sort=new&q=x");
	assert_string_equal(local_path("//evil.example/", "/"), "/");
	assert_string_equal(local_path("/\\evil.example/", "/"), "/");
	assert_string_equal(local_path("https://evil.example/", "/"), "/");
	assert_string_equal(local_path("/a\r\nSet-Cookie: x=y", "/"), "/");
	assert_string_equal(local_path(NULL, "/home"), "/home");
	assert_string_equal(local_path("", "/"), "/");
}

static void
test_cursor_parse(void **state)
{
	char	a[16], b[24];

	(void)state;
	assert_true(cursor_parse("12.345", a, sizeof(a), b, sizeof(b)));
	assert_string_equal(a, "12");
	assert_string_equal(b, "345");
	assert_true(cursor_parse("0.1", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse("", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse("12", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse(".5", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse("5.", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse("1.2.3", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse("-1.5", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse("1.5x", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse("1234567890.5", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse("1.1234567890123456789", a, sizeof(a), b,
	    sizeof(b)));
	assert_false(cursor_parse("1'; DROP TABLE ideas;--.1", a, sizeof(a),
	    b, sizeof(b)));
}

static void
test_token_hash(void **state)
{
	char	out[65];

	(void)state;
	/* SHA-256 of 32 zero bytes. */
	assert_true(token_hash("0000000000000000000000000000000000000000"
	    "000000000000000000000000", out));
	assert_string_equal(out, "66687aadf862bd776c8fc18b8e9f8e2008971485"
	    "6ee233b3902a591d0d5f2925");
	assert_false(token_hash("00", out));
	assert_false(token_hash(NULL, out));
	assert_false(token_hash("zz00000000000000000000000000000000000000"
	    "000000000000000000000000", out));
}

static void
test_csrf_equal(void **state)
{
	const char	*t = "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";

	(void)state;
	assert_true(csrf_equal(t, t));
	assert_false(csrf_equal("0123", t));
	assert_false(csrf_equal(NULL, t));
	assert_false(csrf_equal(t, NULL));
	assert_false(csrf_equal("", ""));
	assert_false(csrf_equal("1123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", t));
}

static void
test_relative_key(void **state)
{
	char	key[32];
	int64_t	n;

	(void)state;
	relative_key(-30, key, sizeof(key), &n);
	assert_string_equal(key, "ago.now");
	relative_key(-60, key, sizeof(key), &n);
	assert_string_equal(key, "ago.minute");
	assert_int_equal(n, 1);
	relative_key(-300, key, sizeof(key), &n);
	assert_string_equal(key, "ago.minutes");
	assert_int_equal(n, 5);
	relative_key(-7200, key, sizeof(key), &n);
	assert_string_equal(key, "ago.hours");
	assert_int_equal(n, 2);
	relative_key(7 * 86400, key, sizeof(key), &n);
	assert_string_equal(key, "in.days");
	assert_int_equal(n, 7);
	relative_key(86400 + 5, key, sizeof(key), &n);
	assert_string_equal(key, "in.day");
}

/* Found by tests/fuzz/fuzz_cursor.c: -INT64_MIN does not exist. */
static void
test_relative_key_extremes(void **state)
{
	char	key[32];
	int64_t	n;

	(void)state;
	relative_key(INT64_MIN, key, sizeof(key), &n);
	assert_string_equal(key, "ago.days");
	assert_int_equal(n, 106751991167300LL);
	relative_key(INT64_MAX, key, sizeof(key), &n);
	assert_string_equal(key, "in.days");
	assert_int_equal(n, 106751991167300LL);
	relative_key(INT64_MIN + 1, key, sizeof(key), &n);
	assert_string_equal(key, "ago.days");
	assert_int_equal(n, 106751991167300LL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_valid),
		cmocka_unit_test(test_email_length),
		cmocka_unit_test(test_local_path),
		cmocka_unit_test(test_cursor_parse),
		cmocka_unit_test(test_token_hash),
		cmocka_unit_test(test_csrf_equal),
		cmocka_unit_test(test_relative_key),
		cmocka_unit_test(test_relative_key_extremes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
