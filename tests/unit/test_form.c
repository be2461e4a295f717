/*
 * Unit tests for app/form.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drive.h"

#define S(x) (x), sizeof(x) - 1

static void check(const struct form *, const char *, const char *, size_t);
static void one(const char *, size_t, const char *, size_t);
static void bad(const char *, size_t);

/* Asserts that name's first value is exactly the len bytes of want. */
static void
check(const struct form *f, const char *name, const char *want, size_t len)
{
	const struct form_field *ff;

	ff = form_get(f, name);
	assert_non_null(ff);
	assert_int_equal(ff->len, len);
	assert_memory_equal(ff->value, want, len);
	assert_int_equal(ff->value[len], '\0');
}

/* Decodes "v=<body>" and checks the single value. */
static void
one(const char *body, size_t blen, const char *want, size_t len)
{
	struct form f;
	char	   *s;

	s = malloc(blen + 2);
	assert_non_null(s);
	memcpy(s, "v=", 2);
	memcpy(s + 2, body, blen);
	assert_true(form_decode(s, blen + 2, &f));
	assert_int_equal(f.n, 1);
	check(&f, "v", want, len);
	form_free(&f);
	free(s);
}

static void
bad(const char *body, size_t len)
{
	struct form f;

	assert_false(form_decode(body, len, &f));
	assert_int_equal(f.n, 0);
	assert_null(f.fields);
	form_free(&f);
}

static void
test_simple(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S("a=1&b=two&c="), &f));
	assert_int_equal(f.n, 3);
	assert_string_equal(f.fields[0].name, "a");
	assert_string_equal(f.fields[1].name, "b");
	assert_string_equal(f.fields[2].name, "c");
	check(&f, "a", S("1"));
	check(&f, "b", S("two"));
	check(&f, "c", S(""));
	assert_null(form_get(&f, "d"));
	assert_null(form_get(&f, "A"));
	assert_null(form_get(&f, ""));
	form_free(&f);
	assert_int_equal(f.n, 0);
	assert_null(f.fields);
}

static void
test_empty(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S(""), &f));
	assert_int_equal(f.n, 0);
	assert_null(form_get(&f, "a"));
	form_free(&f);
	assert_true(form_decode(NULL, 0, &f));
	assert_int_equal(f.n, 0);
	form_free(&f);
	assert_true(form_decode(S("&&&"), &f));
	assert_int_equal(f.n, 0);
	form_free(&f);
}

static void
test_empty_pairs(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S("a=1&&b=2"), &f));
	assert_int_equal(f.n, 2);
	check(&f, "a", S("1"));
	check(&f, "b", S("2"));
	form_free(&f);
	assert_true(form_decode(S("&a=1&"), &f));
	assert_int_equal(f.n, 1);
	check(&f, "a", S("1"));
	form_free(&f);
}

static void
test_no_equals(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S("flag&x=1&other"), &f));
	assert_int_equal(f.n, 3);
	check(&f, "flag", S(""));
	check(&f, "x", S("1"));
	check(&f, "other", S(""));
	form_free(&f);
}

static void
test_empty_name(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S("=x"), &f));
	assert_int_equal(f.n, 1);
	check(&f, "", S("x"));
	form_free(&f);
}

static void
test_equals_in_value(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S("a=b=c&d==&e=%3D"), &f));
	check(&f, "a", S("b=c"));
	check(&f, "d", S("="));
	check(&f, "e", S("="));
	form_free(&f);
}

static void
test_plus(void **state)
{
	struct form f;

	(void)state;
	one(S("a+b"), S("a b"));
	one(S("+"), S(" "));
	one(S("%2B"), S("+"));
	one(S("1%2b1+=+2"), S("1+1 = 2"));
	assert_true(form_decode(S("first+name=Ada+Lovelace"), &f));
	check(&f, "first name", S("Ada Lovelace"));
	form_free(&f);
}

static void
test_percent(void **state)
{
	(void)state;
	one(S("%41%42%43"), S("ABC"));
	one(S("%26"), S("&"));
	one(S("a%26b%3Dc"), S("a&b=c"));
	one(S("%c3%a9%C3%A9%c3%A9"), S("\xc3\xa9\xc3\xa9\xc3\xa9"));
	one(S("%25"), S("%"));
	one(S("%2525"), S("%25"));
	one(S("%ff%FE"), S("\xff\xfe"));
	one(S("%3Cscript%3E"), S("<script>"));
}

static void
test_nul(void **state)
{
	struct form		 f;
	const struct form_field *ff;

	(void)state;
	one(S("a%00b"), "a\0b", 3);
	one(S("%00"), "\0", 1);
	assert_true(form_decode(S("t=a%00b"), &f));
	ff = form_get(&f, "t");
	assert_non_null(ff);
	assert_int_equal(ff->len, 3);
	assert_false(text_acceptable(ff->value, ff->len));
	form_free(&f);
}

static void
test_nul_in_name(void **state)
{
	(void)state;
	bad(S("a%00b=1"));
	bad(S("x=1&%00=2"));
}

static void
test_newlines(void **state)
{
	(void)state;
	one(S("a%0Ab"), S("a\nb"));
	one(S("a%0D%0Ab"), S("a\nb"));
	one(S("a%0d%0ab"), S("a\nb"));
	one(S("a%0Db"), S("a\nb"));
	one(S("a%0D"), S("a\n"));
	one(S("%0D%0A%0D%0A"), S("\n\n"));
	one(S("%0D%0D%0A"), S("\n\n"));
	one(S("%0A%0D"), S("\n\n"));
	one(S("x%0D%0Ay%0Dz%0Aw"), S("x\ny\nz\nw"));
}

static void
test_raw_newlines(void **state)
{
	(void)state;
	one(S("a\r\nb"), S("a\nb"));
	one(S("a\rb"), S("a\nb"));
	one(S("a\nb"), S("a\nb"));
	one(S("a\r"), S("a\n"));
	one(S("a%0D\nb"), S("a\nb"));
	one(S("a\r%0Ab"), S("a\nb"));
	one(S("\r\n\r\n"), S("\n\n"));
}

static void
test_tabs(void **state)
{
	(void)state;
	one(S("a%09b"), S("a\tb"));
	one(S("a\tb"), S("a\tb"));
}

static void
test_newline_in_name(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S("a%0D%0Ab=1"), &f));
	check(&f, "a\nb", S("1"));
	form_free(&f);
}

static void
test_duplicates(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S("tag=a&tag=b&x=1&tag=c"), &f));
	assert_int_equal(f.n, 4);
	check(&f, "tag", S("a"));
	assert_string_equal(f.fields[1].value, "b");
	assert_string_equal(f.fields[3].value, "c");
	form_free(&f);
}

static void
test_malformed(void **state)
{
	(void)state;
	bad(S("a=%"));
	bad(S("a=%4"));
	bad(S("a=%zz"));
	bad(S("a=%g0"));
	bad(S("a=%0g"));
	bad(S("a=% 1"));
	bad(S("a=%+1"));
	bad(S("a=%-1"));
	bad(S("a=1&b=%"));
	bad(S("a=1&b=2&c=%4"));
	bad(S("%=1"));
	bad(S("%4=1"));
	bad(S("ok=1&b%z=2"));
	bad(S("a=%%41"));
	bad("a=%4\0", 5);
}

static void
test_hostile_bytes(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S("a=\xff\xfe\x01\x7f"), &f));
	check(&f, "a", S("\xff\xfe\x01\x7f"));
	assert_false(text_acceptable(f.fields[0].value, f.fields[0].len));
	form_free(&f);
	assert_true(form_decode("a=x\0y&b=1", 9, &f));
	assert_int_equal(f.n, 2);
	check(&f, "a", "x\0y", 3);
	check(&f, "b", S("1"));
	form_free(&f);
}

static void
test_limit(void **state)
{
	struct form f;
	struct dbuf b;
	size_t	    i;

	(void)state;
	dbuf_init(&b);
	for (i = 0; i < 1000; i++)
		dbuf_appendf(&b, "%sf%zu=%zu", i ? "&" : "", i, i);
	assert_true(form_decode(b.data, b.len, &f));
	assert_int_equal(f.n, 1000);
	check(&f, "f999", S("999"));
	form_free(&f);
	/* Empty pairs do not count. */
	dbuf_appendstr(&b, "&&&");
	assert_true(form_decode(b.data, b.len, &f));
	assert_int_equal(f.n, 1000);
	form_free(&f);
	dbuf_appendstr(&b, "x");
	bad(b.data, b.len);
	dbuf_free(&b);
}

static void
test_long_value(void **state)
{
	struct form f;
	struct dbuf b;
	size_t	    i;

	(void)state;
	dbuf_init(&b);
	dbuf_appendstr(&b, "body=");
	for (i = 0; i < 100000; i++)
		dbuf_appendstr(&b, "%41+");
	assert_true(form_decode(b.data, b.len, &f));
	assert_int_equal(f.n, 1);
	assert_int_equal(f.fields[0].len, 200000);
	assert_memory_equal(f.fields[0].value, "A A A ", 6);
	form_free(&f);
	dbuf_free(&b);
}

static void
test_free_twice(void **state)
{
	struct form f;

	(void)state;
	assert_true(form_decode(S("a=1"), &f));
	form_free(&f);
	form_free(&f);
	assert_int_equal(f.n, 0);
}

/* Every prefix of a tricky body decodes or fails cleanly. */
static void
test_prefixes(void **state)
{
	static const char body[] =
	    "title=Hello+%3Cworld%3E&body=line"
	    "%0D%0Aline2%0D&x=a=b=c&&flag&e%C3%A9=%00%ff&z=%2";
	struct form f;
	size_t	    i, j;
	int	    ok;

	(void)state;
	for (i = 0; i <= sizeof(body) - 1; i++) {
		ok = form_decode(body, i, &f);
		if (!ok)
			assert_int_equal(f.n, 0);
		for (j = 0; j < f.n; j++) {
			assert_non_null(f.fields[j].name);
			assert_int_equal(f.fields[j].value[f.fields[j].len],
			    '\0');
			assert_null(memchr(f.fields[j].value, '\r',
			    f.fields[j].len));
		}
		form_free(&f);
	}
	assert_false(form_decode(body, sizeof(body) - 1, &f));
	assert_true(form_decode(body, sizeof(body) - 5, &f));
	check(&f, "x", S("a=b=c"));
	check(&f, "body", S("line\nline2\n"));
	check(&f, "e\xc3\xa9", "\0\xff", 2);
	form_free(&f);
}

/* Random bytes from a fixed seed: no crash, no CR left in a value. */
static void
test_random(void **state)
{
	static const char alpha[] = "ab=&%+0Dd\r\n\x00\xff"
				    "A9";
	char		  buf[64];
	struct form	  f;
	uint32_t	  x = 2463534242u;
	size_t		  round, i, j, len;

	(void)state;
	for (round = 0; round < 20000; round++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		len = x % sizeof(buf);
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = alpha[x % (sizeof(alpha) - 1)];
		}
		if (form_decode(buf, len, &f)) {
			for (j = 0; j < f.n; j++) {
				assert_null(memchr(f.fields[j].value, '\r',
				    f.fields[j].len));
				assert_null(strchr(f.fields[j].name, '\r'));
			}
		} else
			assert_int_equal(f.n, 0);
		form_free(&f);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_empty_pairs),
		cmocka_unit_test(test_no_equals),
		cmocka_unit_test(test_empty_name),
		cmocka_unit_test(test_equals_in_value),
		cmocka_unit_test(test_plus),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_nul_in_name),
		cmocka_unit_test(test_newlines),
		cmocka_unit_test(test_raw_newlines),
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_newline_in_name),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_free_twice),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_random),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
