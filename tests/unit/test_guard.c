/* Unit tests for app/guard.c: the sensitive data guard. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "drive.h"

/* The kind of the only finding in s, 0 for none, -1 for several. */
static int
only(const char *s)
{
	struct guard_hit h[GUARD_MAX];
	size_t		 n;

	n = guard_scan(s, strlen(s), h, GUARD_MAX);
	if (n == 0)
		return (0);
	return (n == 1 ? h[0].kind : -1);
}

/* The text of the first finding. */
static const char *
found(const char *s)
{
	static char	 buf[256];
	struct guard_hit h[GUARD_MAX];

	if (guard_scan(s, strlen(s), h, GUARD_MAX) == 0)
		return ("");
	assert_true(h[0].len < sizeof(buf));
	memcpy(buf, s + h[0].off, h[0].len);
	buf[h[0].len] = '\0';
	return (buf);
}

static void
test_iban_check(void **state)
{
	(void)state;
	assert_true(guard_iban_valid("GB82WEST12345698765432", 22));
	assert_true(guard_iban_valid("DE89370400440532013000", 22));
	assert_true(guard_iban_valid("FR1420041010050500013M02606", 27));
	assert_true(guard_iban_valid("NO9386011117947", 15));
	assert_false(guard_iban_valid("GB82WEST12345698765433", 22));
	assert_false(guard_iban_valid("DE89370400440532013001", 22));
	assert_false(guard_iban_valid("DE88370400440532013000", 22));
	assert_false(guard_iban_valid("DE8937040044", 12));
}

static void
test_iban_found(void **state)
{
	(void)state;
	assert_int_equal(only("GB82 WEST 1234 5698 7654 32"), GUARD_IBAN);
	assert_int_equal(only("pay to DE89 3704 0044 0532 0130 00 today"),
	    GUARD_IBAN);
	assert_string_equal(found("pay to DE89 3704 0044 0532 0130 00 today"),
	    "DE89 3704 0044 0532 0130 00");
	assert_int_equal(only("DE89370400440532013000"), GUARD_IBAN);
	assert_int_equal(only("(IBAN: DE89370400440532013000)."), GUARD_IBAN);
	/* One digit changed: no IBAN (its digits are an account's shape). */
	assert_int_not_equal(only("GB82 WEST 1234 5698 7654 33"), GUARD_IBAN);
	assert_int_not_equal(only("DE89 3704 0044 0532 0130 01"), GUARD_IBAN);
	assert_int_equal(only("GB82 WEST 1234 5698 7654 33"), 0);
	/* Inside a word: not one. */
	assert_int_not_equal(only("XDE89370400440532013000"), GUARD_IBAN);
}

static void
test_luhn(void **state)
{
	(void)state;
	assert_true(guard_luhn_valid("4111111111111111", 16));
	assert_true(guard_luhn_valid("5500000000000004", 16));
	assert_true(guard_luhn_valid("340000000000009", 15));
	assert_false(guard_luhn_valid("4111111111111112", 16));
	assert_false(guard_luhn_valid("5500000000000005", 16));
	assert_false(guard_luhn_valid("340000000000008", 15));
}

static void
test_card_found(void **state)
{
	(void)state;
	assert_int_equal(only("card 4111 1111 1111 1111 exp"), GUARD_CARD);
	assert_string_equal(found("card 4111 1111 1111 1111 exp"),
	    "4111 1111 1111 1111");
	assert_int_equal(only("5500-0000-0000-0004"), GUARD_CARD);
	assert_int_equal(only("3400 000000 00009"), GUARD_CARD);
	assert_int_equal(only("4111111111111111"), GUARD_CARD);
	/* One digit changed: not a card; together, an account's shape. */
	assert_int_equal(only("4111 1111 1111 1112"), 0);
	assert_int_equal(only("4111111111111112"), GUARD_ACCOUNT);
	/* Mixed separators are not one number. */
	assert_int_equal(only("4111-1111 1111-1111"), 0);
}

static void
test_email(void **state)
{
	(void)state;
	assert_int_equal(only("write to anna.berg@treasury.example.com."),
	    GUARD_EMAIL);
	assert_string_equal(found("write to anna.berg@treasury.example.com."),
	    "anna.berg@treasury.example.com");
	assert_int_equal(only("<a+b@x.de>"), GUARD_EMAIL);
	assert_int_equal(only("ask @anna about it"), 0);
	assert_int_equal(only("a@b"), 0);
	assert_int_equal(only("user@localhost"), 0);
	assert_int_equal(only("x@1.2"), 0);
	assert_int_equal(only("@example.com"), 0);
}

static void
test_phone(void **state)
{
	(void)state;
	assert_int_equal(only("call +49 30 1234567"), GUARD_PHONE);
	assert_string_equal(found("call +49 30 1234567, thanks"),
	    "+49 30 1234567");
	assert_int_equal(only("+44 (0)20 7946 0958"), GUARD_PHONE);
	assert_int_equal(only("+1-212-555-0123"), GUARD_PHONE);
	assert_int_equal(only("030 12345678"), GUARD_PHONE);
	assert_int_equal(only("0171/1234567"), GUARD_PHONE);
	assert_int_equal(only("(030) 123 456 78"), GUARD_PHONE);
	assert_int_equal(only("0049 89 1234 5678"), GUARD_PHONE);
	/* Too few digits. */
	assert_int_equal(only("+49 30 12"), 0);
	assert_int_equal(only("030 1234"), 0);
}

static void
test_not_found(void **state)
{
	(void)state;
	assert_int_equal(only("In 2026 we saved 1,250,000.00 EUR."), 0);
	assert_int_equal(only("Due 2026-12-06 or 06.12.2026."), 0);
	assert_int_equal(only("Like #42 and #1234567890."), 0);
	assert_int_equal(only("Version 10.0.19045.2965 and v1.2.3"), 0);
	assert_int_equal(only("EUR 12345678.90 in total"), 0);
	assert_int_equal(only("12.345.678,90 EUR"), 0);
	assert_int_equal(only("from 2024 to 2026, 15% up, 3 x 4"), 0);
	assert_int_equal(only("Straße 12, 10115 Berlin"), 0);
	assert_int_equal(only(""), 0);
}

static void
test_account(void **state)
{
	(void)state;
	assert_int_equal(only("account 12345678"), GUARD_ACCOUNT);
	assert_int_equal(only("Konto 1234567890 bei"), GUARD_ACCOUNT);
	assert_int_equal(only("1234567"), 0);
}

static void
test_several(void **state)
{
	const char	*s = "Ä DE89 3704 0044 0532 0130 00\nmail a@b.de\n"
			     "card 4111111111111111";
	struct guard_hit h[GUARD_MAX];
	size_t		 n;

	(void)state;
	n = guard_scan(s, strlen(s), h, GUARD_MAX);
	assert_int_equal(n, 3);
	assert_int_equal(h[0].kind, GUARD_IBAN);
	assert_int_equal(h[0].off, 3); /* after the two bytes of "Ä " */
	assert_int_equal(h[1].kind, GUARD_EMAIL);
	assert_int_equal(h[2].kind, GUARD_CARD);
	assert_int_equal(guard_line(s, strlen(s), h[0].off), 1);
	assert_int_equal(guard_line(s, strlen(s), h[1].off), 2);
	assert_int_equal(guard_line(s, strlen(s), h[2].off), 3);
	/* At most max. */
	assert_int_equal(guard_scan(s, strlen(s), h, 1), 1);
}

static void
test_mask(void **state)
{
	const char	*s = "DE89 3704 0044 0532 0130 00 and anna@x.de "
			     "4111111111111111";
	struct guard_hit h[GUARD_MAX];
	struct dbuf	 b;

	(void)state;
	assert_int_equal(guard_scan(s, strlen(s), h, GUARD_MAX), 3);
	dbuf_init(&b);
	guard_mask(&b, s, &h[0]);
	assert_string_equal(b.data, "DE89 3704 …");
	dbuf_free(&b);
	dbuf_init(&b);
	guard_mask(&b, s, &h[1]);
	assert_string_equal(b.data, "an…@x.de");
	dbuf_free(&b);
	dbuf_init(&b);
	guard_mask(&b, s, &h[2]);
	assert_string_equal(b.data, "4111 …");
	dbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iban_check),
		cmocka_unit_test(test_iban_found),
		cmocka_unit_test(test_luhn),
		cmocka_unit_test(test_card_found),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_several),
		cmocka_unit_test(test_mask),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
