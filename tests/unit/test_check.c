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
	char buf[300];

	(void)state;
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 240, "@example.test", 14); /* 253 characters */
	assert_true(email_valid(buf));
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 250, "@example.test", 14); /* 263 characters */
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

/* Issue 12, finding 4: header injection and leaving the site. */
static void
test_local_path_attacks(void **state)
{
	char long_path[LOCAL_PATH_MAX + 2];

	(void)state;
	assert_string_equal(local_path("/\r\nSet-Cookie: a=b", "/"), "/");
	assert_string_equal(local_path("/\nSet-Cookie:a=b", "/"), "/");
	assert_string_equal(local_path("/\rx", "/"), "/");
	assert_string_equal(local_path("/\t/evil.example/x", "/"), "/");
	assert_string_equal(local_path("\t//evil.example/x", "/"), "/");
	assert_string_equal(local_path("/ /evil.example", "/"), "/");
	assert_string_equal(local_path("/a b", "/"), "/");
	assert_string_equal(local_path("/\x7f", "/"), "/");
	assert_string_equal(local_path("/caf\xc3\xa9", "/"), "/");
	/* Escapes count as what they decode to, however often. */
	assert_string_equal(local_path("/%2F/evil.example", "/"), "/");
	assert_string_equal(local_path("/%2f/evil.example", "/"), "/");
	assert_string_equal(local_path("/%5Cevil.example", "/"), "/");
	assert_string_equal(local_path("/%252F/evil.example", "/"), "/");
	assert_string_equal(local_path("/%25252F/evil.example", "/"), "/");
	assert_string_equal(local_path("/%09/evil.example", "/"), "/");
	assert_string_equal(local_path("/%0d%0aSet-Cookie:a=b", "/"), "/");
	assert_string_equal(local_path("/a%00b", "/"), "/");
	assert_string_equal(local_path("/a%20b", "/"), "/");
	assert_string_equal(local_path("%2F%2Fevil.example", "/"), "/");
	/* What a page of this site is stays as it is. */
	assert_string_equal(local_path("/ideas/12#comment-3", "/"),
	    "/ideas/12#comment-3");
	assert_string_equal(local_path("/?q=caf%C3%A9", "/"), "/");
	assert_string_equal(local_path("/?q=a%2Cb&sort=new", "/"),
	    "/?q=a%2Cb&sort=new");
	assert_string_equal(local_path("/%", "/"), "/%");
	assert_string_equal(local_path("/%zz", "/"), "/%zz");
	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	long_path[LOCAL_PATH_MAX] = '\0';
	assert_ptr_equal(local_path(long_path, "/"), long_path);
	long_path[LOCAL_PATH_MAX] = 'a';
	long_path[LOCAL_PATH_MAX + 1] = '\0';
	assert_string_equal(local_path(long_path, "/"), "/");
}

/* Page numbers: 1-1000000 in plain digits, anything else is 0. */
static void
test_page_parse(void **state)
{
	static const char *bad[] = { NULL, "", "0", "00", "01", "-1", "+1",
		"1.5", "1e3", " 1", "1 ", "abc", "2a", "1000001", "9999999",
		"99999999999999999999", "0x10" };
	size_t		   i;

	(void)state;
	assert_int_equal(page_parse("1"), 1);
	assert_int_equal(page_parse("7"), 7);
	assert_int_equal(page_parse("50"), 50);
	assert_int_equal(page_parse("1000000"), PAGE_NUMBER_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(page_parse(bad[i]), 0);
}

static void
test_cursor_parse(void **state)
{
	char a[16], b[24];

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
	assert_false(cursor_parse("1'; DROP TABLE ideas;--.1", a, sizeof(a), b,
	    sizeof(b)));
}

static void
test_cursor_parse_wide(void **state)
{
	char a[24], b[24];

	(void)state;
	assert_true(cursor_parse_wide("1700000000123456.345", a, sizeof(a), b,
	    sizeof(b)));
	assert_string_equal(a, "1700000000123456");
	assert_string_equal(b, "345");
	assert_true(cursor_parse_wide("-12.7", a, sizeof(a), b, sizeof(b)));
	assert_string_equal(a, "-12");
	assert_string_equal(b, "7");
	assert_true(cursor_parse_wide("999999999999999999.999999999999999999",
	    a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("-", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("-.5", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("--1.5", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("1.-5", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("+1.5", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide(".5", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("5.", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("1.2.3", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("1e3.5", a, sizeof(a), b, sizeof(b)));
	assert_false(cursor_parse_wide("1234567890123456789.5", a, sizeof(a), b,
	    sizeof(b)));
	assert_false(cursor_parse_wide("1.1234567890123456789", a, sizeof(a), b,
	    sizeof(b)));
	/* What does not fit the caller's buffers is refused. */
	assert_false(cursor_parse_wide("-123456789.5", a, 10, b, sizeof(b)));
	assert_false(cursor_parse_wide("1.123456789", a, sizeof(a), b, 9));
}

static void
test_token_hash(void **state)
{
	char out[65];

	(void)state;
	/* SHA-256 of 32 zero bytes. */
	assert_true(token_hash("0000000000000000000000000000000000000000"
			       "000000000000000000000000",
	    out));
	assert_string_equal(out,
	    "66687aadf862bd776c8fc18b8e9f8e2008971485"
	    "6ee233b3902a591d0d5f2925");
	assert_false(token_hash("00", out));
	assert_false(token_hash(NULL, out));
	assert_false(token_hash("zz00000000000000000000000000000000000000"
				"000000000000000000000000",
	    out));
}

static void
test_csrf_equal(void **state)
{
	const char *t = "0123456789abcdef0123456789abcdef"
			"0123456789abcdef0123456789abcdef";

	(void)state;
	assert_true(csrf_equal(t, t));
	assert_false(csrf_equal("0123", t));
	assert_false(csrf_equal(NULL, t));
	assert_false(csrf_equal(t, NULL));
	assert_false(csrf_equal("", ""));
	assert_false(csrf_equal("1123456789abcdef0123456789abcdef"
				"0123456789abcdef0123456789abcdef",
	    t));
}

static void
test_relative_key(void **state)
{
	char	key[32];
	int64_t n;

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
	/* The extremes: -INT64_MIN does not exist (a fuzzer found it). */
	relative_key(INT64_MIN, key, sizeof(key), &n);
	assert_string_equal(key, "ago.days");
	assert_true(n == (int64_t)(UINT64_C(9223372036854775808) / 86400));
	relative_key(INT64_MIN + 1, key, sizeof(key), &n);
	assert_string_equal(key, "ago.days");
	assert_true(n == INT64_MAX / 86400);
	relative_key(INT64_MAX, key, sizeof(key), &n);
	assert_string_equal(key, "in.days");
	assert_true(n == INT64_MAX / 86400);
}

/* Issue 12, finding 5: posing as bank staff or as another person. */
static void
test_name_refusal(void **state)
{
	const char *hidden[] = {
		"Julia\xe2\x80\x8b"
		"Brandt", /* U+200B zero width space */
		"Julia\xe2\x80\x8d"
		"Brandt", /* U+200D zero width joiner */
		"Julia \xe2\x80\xae"
		"Brandt", /* U+202E right-to-left override */
		"Julia \xe2\x81\xa6"
		"Brandt", /* U+2066 left-to-right isolate */
		"Julia \xe2\x81\xa9"
		"Brandt", /* U+2069 pop directional isolate */
		"Julia\xc2\xad"
		"Brandt", /* U+00AD soft hyphen */
		"\xef\xbb\xbf"
		"Julia Brandt", /* U+FEFF byte order mark */
		"Julia\xd8\x9c"
		"Brandt", /* U+061C arabic letter mark */
		"Julia\xc2\x85"
		"Brandt", /* U+0085 next line (Cc) */
		"Julia\xe2\x80\xa8"
		"Brandt", /* U+2028 line separator */
		"Julia\xc2\xa0"
		"Brandt", /* U+00A0 no-break space */
		"Julia\xe3\x80\x80"
		"Brandt", /* U+3000 ideographic space */
		"Julia\xe1\x85\x9f"
		"Brandt", /* U+115F hangul filler */
		"Julia\xef\xb8\x8f"
		"Brandt", /* U+FE0F variation selector */
		"Julia\xf3\xa0\x81\x81"
		"Brandt", /* U+E0041 tag A */
		"Julia\xee\x80\x80"
		"Brandt", /* U+E000 private use */
		"Julia\tBrandt",
		"Julia\x7f"
		"Brandt",
	};
	const char *labels[] = {
		"Julia Brandt (Bank)", "Julia Brandt [Bank]",
		"Julia Brandt {BANK}", "Julia Brandt <bank>",
		"Julia Brandt (bAnK)", "Julia Brandt Bank",
		"Julia Brandt - Bank", "Julia Brandt, Bank", "Bank",
		"Bank Julia",
		"Julia Brandt (\xd0\x92"
		"ank)", /* Cyrillic Ve */
		"Julia Brandt (B\xd0\xb0"
		"nk)", /* Cyrillic a */
		"Julia Brandt (Ba\xd0\xbf"
		"k)",			      /* Cyrillic pe */
		"Julia Brandt (Ban\xce\xba)", /* Greek kappa */
		"Julia Brandt (\xce\x92\xce\x91\xce\x9d\xce\x9a)", /* Greek */
		"Julia Brandt (Ban\xe2\x84\xaa)", /* Kelvin sign */
		"Julia Brandt (\xef\xbc\xa2\xef\xbd\x81\xef\xbd\x8e\xef\xbd\x8b)", /* full width */
		"Julia Brandt \xef\xbc\x88"
		"Bank\xef\xbc\x89", /* full-width brackets */
		"Julia Brandt \xe3\x80\x90"
		"Bank\xe3\x80\x91", /* lenticular brackets */
		"Julia Brandt \xc2\xab"
		"Bank\xc2\xbb", /* guillemets */
		"Julia Brandt (\xf0\x9d\x90\x81\xf0\x9d\x90\x9a\xf0\x9d\x90\xa7\xf0\x9d\x90\xa4)", /* bold */
		"Julia Brandt (Ba\xcc\x81nk)",	     /* combining acute */
		"Julia Brandt (B\xc3\xa4nk)",	     /* a with diaeresis */
		"Julia Brandt (B\xc4\x81\xc5\x84k)", /* a macron, n acute */
		"Julia Brandt (B a n k)", "Julia Brandt (B.A.N.K.)",
		"Julia Brandt (Bankmitarbeiterin)",
		"Julia Brandt (Transaction Bank)",
		"Julia Brandt (Mitarbeiterin der Bank)", "Julia Brandt (Bank",
		"Julia Brandt ((Bank))",
		"Julia Brandt \xe2\x93\x91\xe2\x93\x90\xe2\x93\x9d\xe2\x93\x9a", /* circled */
	};
	const char *fine[] = {
		"Julia Brandt",
		"Tyra Banks",
		"Bankole Adeyemi",
		"Ines Sandbank",
		"J\xc3\xbcrgen M\xc3\xbcller",
		"\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e",
		"Zo\xc3\xab (Treasury)",
		"Ana-Maria O'Neil",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		assert_non_null(name_refusal(hidden[i], 0));
		assert_non_null(name_refusal(hidden[i], 1));
	}
	assert_string_equal(name_refusal(hidden[0], 0), "err.name_chars");
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (name_refusal(labels[i], 1) == NULL)
			fail_msg("accepted for a client: %s", labels[i]);
		assert_string_equal(name_refusal(labels[i], 1),
		    "err.name_bank");
		/* Staff carry the label anyway: their names may say it. */
		assert_null(name_refusal(labels[i], 0));
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		if (name_refusal(fine[i], 1) != NULL)
			fail_msg("refused: %s", fine[i]);
	}
	assert_string_equal(name_refusal("J", 1), "err.name_length");
	assert_string_equal(name_refusal(NULL, 1), "err.name_length");
	assert_string_equal(name_refusal("\xff\xfe", 1), "err.text_invalid");
}

/* Issue 12, finding 6: one form per address; the proxies believed. */
static void
test_addresses(void **state)
{
	char out[64];

	(void)state;
	assert_true(addr_canonical("2001:db8:0:0:0:0:0:5", out, sizeof(out)));
	assert_string_equal(out, "2001:db8::5");
	assert_true(addr_canonical("2001:DB8::5", out, sizeof(out)));
	assert_string_equal(out, "2001:db8::5");
	assert_true(addr_canonical("::ffff:10.1.2.3", out, sizeof(out)));
	assert_string_equal(out, "::ffff:10.1.2.3");
	assert_true(addr_canonical("10.1.2.3", out, sizeof(out)));
	assert_string_equal(out, "10.1.2.3");
	assert_false(addr_canonical("010.1.2.3", out, sizeof(out)));
	assert_false(addr_canonical("10.1.2.3, 10.1.2.4", out, sizeof(out)));
	assert_false(addr_canonical("", out, sizeof(out)));
	assert_false(addr_canonical(NULL, out, sizeof(out)));

	assert_false(addr_listed(NULL, "127.0.0.1"));
	assert_false(addr_listed("", "127.0.0.1"));
	assert_true(addr_listed("127.0.0.1", "127.0.0.1"));
	assert_false(addr_listed("127.0.0.1", "127.0.0.2"));
	assert_true(addr_listed("10.0.0.0/8, ::1", "10.200.3.4"));
	assert_true(addr_listed("10.0.0.0/8,::1", "::1"));
	assert_true(addr_listed("10.0.0.0/8 ::1", "0:0::1"));
	assert_false(addr_listed("10.0.0.0/8,::1", "11.0.0.1"));
	assert_true(addr_listed("192.168.4.0/22", "192.168.7.255"));
	assert_false(addr_listed("192.168.4.0/22", "192.168.8.0"));
	assert_true(addr_listed("fd00::/8", "fd12:3456::1"));
	assert_false(addr_listed("fd00::/8", "fe80::1"));
	assert_true(addr_listed("0.0.0.0/0", "203.0.113.9"));
	assert_false(addr_listed("0.0.0.0/0", "::1"));
	/* Malformed entries match nothing. */
	assert_false(addr_listed("127.0.0.1/33", "127.0.0.1"));
	assert_false(addr_listed("127.0.0.1/", "127.0.0.1"));
	assert_false(addr_listed("127.0.0.1/-1", "127.0.0.1"));
	assert_false(addr_listed("localhost", "127.0.0.1"));
	assert_false(addr_listed("127.0.0.1", "localhost"));
}

/* Found by tests/fuzz/fuzz_cursor.c: -INT64_MIN does not exist. */
static void
test_relative_key_extremes(void **state)
{
	char	key[32];
	int64_t n;

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

static void
test_status(void **state)
{
	(void)state;
	assert_true(status_valid("new"));
	assert_true(status_valid("duplicate"));
	assert_false(status_valid(""));
	assert_false(status_valid("open"));
	assert_false(status_valid("New"));
	assert_true(status_frozen("released"));
	assert_true(status_frozen("declined"));
	assert_true(status_frozen("duplicate"));
	assert_false(status_frozen("planned"));
	assert_false(status_frozen("new"));
}

/*
 * The product areas every worker keeps: loaded in the database's order,
 * retired ones flagged, names of any length; a bad load (a slug that is
 * not one, a slug twice, too many) leaves the catalog as it was.
 */
static void
test_area_catalog(void **state)
{
	const struct area_row rows[] = {
		{ "cash-management", "Cash Management", "Cash Management",
		    "[\"planned\", \"released\"]", 0 },
		{ "fx", "FX", "Devisen", "[]", 0 },
		{ "old-area", "Old", "Alt", "[]", 1 },
	};
	const struct area_row  bad_slug[] = { rows[1],
		 { "Bad Slug", "Bad", "Bad", "[]", 0 } };
	const struct area_row  twice[] = { rows[1], rows[1] };
	const struct area_row  one[] = { { "x", "X", "X", "[]", 0 } };
	char		       long_name[4000];
	struct area_row	       long_row = rows[1];
	const struct area_def *a;

	(void)state;
	area_catalog_reset();
	assert_int_equal(area_count(), 0);
	assert_null(area_at(0));
	assert_null(area_find("fx"));

	assert_true(area_catalog_load(3, rows));
	assert_int_equal(area_count(), 3);
	assert_string_equal(area_at(0)->slug, "cash-management");
	assert_null(area_at(3));
	assert_null(area_at(-1));
	a = area_find("fx");
	assert_non_null(a);
	assert_string_equal(area_name(a, "de"), "Devisen");
	assert_string_equal(area_name(a, "en"), "FX");
	assert_string_equal(area_name(a, NULL), "FX");
	assert_false(a->retired);
	assert_true(area_find("old-area")->retired);
	assert_string_equal(area_at(0)->approval,
	    "[\"planned\", \"released\"]");

	assert_false(area_catalog_load(2, bad_slug));
	assert_false(area_catalog_load(2, twice));
	assert_false(area_catalog_load(1, one));
	assert_false(area_catalog_load(AREA_MAX + 1, rows));
	assert_false(area_catalog_load(-1, rows));
	assert_int_equal(area_count(), 3);
	assert_string_equal(area_name(area_find("fx"), "de"), "Devisen");

	/* A long name is kept whole; an area gone is gone here too. */
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	long_row.name_en = long_name;
	assert_true(area_catalog_load(1, &long_row));
	assert_int_equal(area_count(), 1);
	assert_int_equal(strlen(area_name(area_find("fx"), "en")),
	    sizeof(long_name) - 1);
	assert_null(area_find("cash-management"));
	assert_true(area_catalog_load(0, rows));
	assert_int_equal(area_count(), 0);

	assert_true(area_slug_valid("channels-apis"));
	assert_false(area_slug_valid("a"));
	assert_false(area_slug_valid("UPPER"));
	assert_false(area_slug_valid(NULL));
	area_catalog_reset();
}

/*
 * The statuses the database holds replace the built-in ones: each
 * behaves as its group says; a load with a bad row changes nothing.
 */
static void
test_status_catalog(void **state)
{
	const char *keys[] = { "new", "under_review", "not_now", "planned",
		"in_progress", "pilot", "released", "declined", "sunset",
		"duplicate" };
	const char *groups[] = { "open", "open", "open", "committed",
		"committed", "committed", "closed", "closed", "closed",
		"closed" };
	const int   builtin[] = { 1, 1, 0, 1, 1, 0, 1, 1, 0, 1 };
	const char *en[] = { "", "", "Not now", "", "", "In pilot", "", "",
		"Sunset", "" };
	const char *de[] = { "", "", "Nicht jetzt", "", "", "Im Pilotbetrieb",
		"", "", "Eingestellt", "" };
	const char *bad_groups[] = { "open", "frozen" };
	const char *bad_keys[] = { "new", "Bad" };
	const char *no_new[] = { "planned" };
	char	    long_name[200];
	const char *long_en[] = { "", long_name };
	const char *two[] = { "new", "pilot" };
	const char *two_groups[] = { "open", "committed" };
	const struct status_def *d;

	(void)state;
	status_catalog_reset();
	assert_int_equal(status_count(), 7);
	assert_null(status_custom_name(status_find("planned"), "de"));

	assert_true(status_catalog_load(10, keys, groups, builtin, en, de));
	assert_int_equal(status_count(), 10);
	assert_string_equal(status_at(2)->key, "not_now");
	assert_null(status_at(10));
	assert_true(status_valid("pilot"));
	assert_false(status_frozen("not_now"));
	assert_false(status_frozen("pilot"));
	assert_true(status_frozen("sunset"));
	assert_true(status_frozen("released"));
	d = status_find("pilot");
	assert_int_equal(d->group, STATUS_COMMITTED);
	assert_string_equal(status_custom_name(d, "de"), "Im Pilotbetrieb");
	assert_string_equal(status_custom_name(d, "en"), "In pilot");
	assert_string_equal(status_custom_name(d, NULL), "In pilot");
	assert_null(status_custom_name(status_find("released"), "en"));
	assert_null(status_custom_name(NULL, "en"));

	/* Bad loads leave the catalog as it was. */
	assert_false(status_catalog_load(2, bad_keys, groups, builtin, en, de));
	assert_false(status_catalog_load(2, keys, bad_groups, builtin, en, de));
	assert_false(status_catalog_load(1, no_new, groups, builtin, en, de));
	assert_false(status_catalog_load(0, keys, groups, builtin, en, de));
	assert_false(status_catalog_load(STATUS_MAX + 1, keys, groups, builtin,
	    en, de));
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_false(status_catalog_load(2, two, two_groups, builtin, long_en,
	    de));
	assert_int_equal(status_count(), 10);
	assert_true(status_valid("sunset"));

	/* A status gone from the database is gone here too. */
	assert_true(status_catalog_load(2, two, two_groups, builtin, en, de));
	assert_false(status_valid("sunset"));
	assert_false(status_frozen("sunset"));
	status_catalog_reset();
	assert_false(status_valid("pilot"));
	assert_true(status_valid("duplicate"));
}

static void
test_status_key(void **state)
{
	(void)state;
	assert_true(status_key_valid("not_now"));
	assert_true(status_key_valid("ab"));
	assert_true(status_key_valid("a23456789012345678901234567890"));
	assert_false(status_key_valid("a234567890123456789012345678901"));
	assert_false(status_key_valid("a"));
	assert_false(status_key_valid(""));
	assert_false(status_key_valid(NULL));
	assert_false(status_key_valid("1ab"));
	assert_false(status_key_valid("_ab"));
	assert_false(status_key_valid("Not_now"));
	assert_false(status_key_valid("not-now"));
	assert_false(status_key_valid("not now"));
	assert_false(status_key_valid("totals"));
	assert_false(status_key_valid("columns"));
	assert_int_equal(status_group_parse("open"), STATUS_OPEN);
	assert_int_equal(status_group_parse("committed"), STATUS_COMMITTED);
	assert_int_equal(status_group_parse("closed"), STATUS_CLOSED);
	assert_int_equal(status_group_parse("Closed"), -1);
	assert_int_equal(status_group_parse(NULL), -1);
	assert_string_equal(status_group_name(STATUS_COMMITTED), "committed");
}

/* A CSV file: the byte-order mark, quoted cells, formulas neutralised. */
static void
test_csv(void **state)
{
	struct dbuf b;
	const char  want[] = "\xEF\xBB\xBF\"id\",\"title\"\r\n"
			     "\"7\",\"Gr\xC3\xBC\xC3\x9F\x65 \"\"x\"\", y\"\r\n"
			     "\"8\",\"'=SUM(A1)\"\r\n";

	(void)state;
	csv_start(&b);
	csv_cell(&b, "id", 0);
	csv_cell(&b, "title", 1);
	csv_cell(&b, "7", 0);
	csv_cell(&b, "Gr\xC3\xBC\xC3\x9F\x65 \"x\", y", 1);
	csv_cell(&b, "8", 0);
	csv_cell(&b, "=SUM(A1)", 1);
	assert_int_equal(b.len, sizeof(want) - 1);
	assert_memory_equal(b.data, want, b.len);
	dbuf_free(&b);
}

/* Search words marked where they match: word starts, any case. */
static void
test_search_mark(void **state)
{
	struct dbuf b;

	(void)state;
	dbuf_init(&b);
	assert_int_equal(search_mark(&b, "Camt.053 intraday <reports>",
			     "CAMT.053 report"),
	    1);
	dbuf_append(&b, "", 1);
	assert_string_equal(b.data,
	    "<mark>Camt.053</mark> intraday &lt;<mark>report</mark>s&gt;");
	dbuf_free(&b);

	/* Only at word starts; umlauts fold; a character is never cut. */
	dbuf_init(&b);
	assert_int_equal(search_mark(&b,
			     "Preis \xC3\x9C"
			     "berweisung",
			     "\xC3\xBC"),
	    1);
	dbuf_append(&b, "", 1);
	assert_string_equal(b.data, "Preis <mark>\xC3\x9C</mark>berweisung");
	dbuf_free(&b);

	dbuf_init(&b);
	assert_int_equal(search_mark(&b, "reiseport", "port"), 0);
	assert_int_equal(search_mark(&b, "x", ""), 0);
	assert_int_equal(search_mark(&b, "x", NULL), 0);
	dbuf_free(&b);
}

static void
test_search_excerpt(void **state)
{
	struct dbuf b;
	const char *body = "We reconcile every morning by hand from three "
			   "portals, and the intraday statements come late "
			   "so our treasury waits until noon for the figures.";

	(void)state;
	dbuf_init(&b);
	assert_int_equal(search_excerpt(&b, body, "intraday", 60), 1);
	dbuf_append(&b, "", 1);
	assert_non_null(strstr(b.data, "<mark>intraday</mark>"));
	assert_memory_equal(b.data, "\xE2\x80\xA6", 3);
	assert_true(b.len < 60 + 30);
	dbuf_free(&b);

	dbuf_init(&b);
	assert_int_equal(search_excerpt(&b, body, "camt", 60), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(search_excerpt(&b, "", "x", 60), 0);
	dbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_valid),
		cmocka_unit_test(test_email_length),
		cmocka_unit_test(test_local_path),
		cmocka_unit_test(test_local_path_attacks),
		cmocka_unit_test(test_name_refusal),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_cursor_parse),
		cmocka_unit_test(test_cursor_parse_wide),
		cmocka_unit_test(test_page_parse),
		cmocka_unit_test(test_token_hash),
		cmocka_unit_test(test_csrf_equal),
		cmocka_unit_test(test_relative_key),
		cmocka_unit_test(test_relative_key_extremes),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_status_catalog),
		cmocka_unit_test(test_area_catalog),
		cmocka_unit_test(test_status_key),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_search_mark),
		cmocka_unit_test(test_search_excerpt),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
