/*
 * Unit tests for app/i18n.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "drive.h"

#define S(x) (x), sizeof(x) - 1

static char path[64];
static char err[512];

static struct i18n_cat *load(const char *, size_t);
static void		fails(const char *, size_t, const char *);

/* Loads a catalog from the given bytes through a temporary file. */
static struct i18n_cat *
load(const char *text, size_t len)
{
	struct i18n_cat *cat;
	int		 fd;

	strncpy(path, "/tmp/drive-i18n-XXXXXX", sizeof(path));
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	err[0] = '\0';
	cat = i18n_load(path, err, sizeof(err));
	unlink(path);
	return (cat);
}

/* Asserts the load fails with "path:" followed by want. */
static void
fails(const char *text, size_t len, const char *want)
{
	char full[600];

	assert_null(load(text, len));
	snprintf(full, sizeof(full), "%s:%s", path, want);
	assert_string_equal(err, full);
}

static void
test_basic(void **state)
{
	struct i18n_cat *cat;

	(void)state;
	cat = load(S("hello = Hello\nbye=Bye\n"));
	assert_non_null(cat);
	assert_string_equal(i18n_get(cat, "hello"), "Hello");
	assert_string_equal(i18n_get(cat, "bye"), "Bye");
	assert_null(i18n_get(cat, "nope"));
	assert_null(i18n_get(cat, ""));
	assert_null(i18n_get(cat, "Hello"));
	i18n_free(cat);
}

static void
test_key_at(void **state)
{
	struct i18n_cat *cat;

	(void)state;
	cat = load(S("z.last = 3\na.first = 1\nm_mid = 2\n"));
	assert_non_null(cat);
	assert_string_equal(i18n_key_at(cat, 0), "a.first");
	assert_string_equal(i18n_key_at(cat, 1), "m_mid");
	assert_string_equal(i18n_key_at(cat, 2), "z.last");
	assert_null(i18n_key_at(cat, 3));
	assert_null(i18n_key_at(cat, 1000));
	i18n_free(cat);
}

static void
test_whitespace(void **state)
{
	struct i18n_cat *cat;

	(void)state;
	cat = load(S("  a   =   spaced out   \nb\t=\tx y\t\nc=\n d =  \n"));
	assert_non_null(cat);
	assert_string_equal(i18n_get(cat, "a"), "spaced out");
	assert_string_equal(i18n_get(cat, "b"), "x y");
	assert_string_equal(i18n_get(cat, "c"), "");
	assert_string_equal(i18n_get(cat, "d"), "");
	i18n_free(cat);
}

static void
test_equals_in_text(void **state)
{
	struct i18n_cat *cat;

	(void)state;
	cat = load(S("eq = a = b == c\n"));
	assert_non_null(cat);
	assert_string_equal(i18n_get(cat, "eq"), "a = b == c");
	i18n_free(cat);
}

static void
test_escapes(void **state)
{
	struct i18n_cat *cat;

	(void)state;
	cat = load(S("a = one\\ntwo\nb = back\\\\slash\nc = keep \\t and \\\n"
		     "d = \\\\n\n"));
	assert_non_null(cat);
	assert_string_equal(i18n_get(cat, "a"), "one\ntwo");
	assert_string_equal(i18n_get(cat, "b"), "back\\slash");
	assert_string_equal(i18n_get(cat, "c"), "keep \\t and \\");
	assert_string_equal(i18n_get(cat, "d"), "\\n");
	i18n_free(cat);
}

static void
test_comments_blank(void **state)
{
	struct i18n_cat *cat;

	(void)state;
	cat = load(S("# a comment = not a key\n\n   \n\t\n  # indented\n"
		     "k = v # not a comment\n#last"));
	assert_non_null(cat);
	assert_string_equal(i18n_get(cat, "k"), "v # not a comment");
	assert_string_equal(i18n_key_at(cat, 0), "k");
	assert_null(i18n_key_at(cat, 1));
	i18n_free(cat);
}

static void
test_empty_file(void **state)
{
	struct i18n_cat *cat;

	(void)state;
	cat = load(S(""));
	assert_non_null(cat);
	assert_null(i18n_key_at(cat, 0));
	assert_null(i18n_get(cat, "a"));
	i18n_free(cat);
}

static void
test_crlf_bom_noeol(void **state)
{
	struct i18n_cat *cat;

	(void)state;
	cat = load(S("\xef\xbb\xbf"
		     "a = x\r\nb = y\r\n\r\nc = z"));
	assert_non_null(cat);
	assert_string_equal(i18n_get(cat, "a"), "x");
	assert_string_equal(i18n_get(cat, "b"), "y");
	assert_string_equal(i18n_get(cat, "c"), "z");
	i18n_free(cat);
}

static void
test_utf8_text(void **state)
{
	struct i18n_cat *cat;

	(void)state;
	cat = load(S("greet = Gr\xc3\xbc\xc3\x9f"
		     "e, <b>&\"'\n"));
	assert_non_null(cat);
	assert_string_equal(i18n_get(cat, "greet"),
	    "Gr\xc3\xbc\xc3\x9f"
	    "e, <b>&\"'");
	i18n_free(cat);
}

static void
test_many_keys(void **state)
{
	struct i18n_cat *cat;
	struct dbuf	 b;
	char		 key[32], want[32];
	size_t		 i;

	(void)state;
	dbuf_init(&b);
	for (i = 5000; i > 0; i--)
		dbuf_appendf(&b, "key.%zu = value %zu\n", i, i);
	cat = load(b.data, b.len);
	dbuf_free(&b);
	assert_non_null(cat);
	for (i = 1; i <= 5000; i++) {
		snprintf(key, sizeof(key), "key.%zu", i);
		snprintf(want, sizeof(want), "value %zu", i);
		assert_string_equal(i18n_get(cat, key), want);
	}
	for (i = 1; i < 5000; i++)
		assert_true(strcmp(i18n_key_at(cat, i - 1),
				i18n_key_at(cat, i)) < 0);
	assert_null(i18n_key_at(cat, 5000));
	i18n_free(cat);
}

static void
test_parts(void **state)
{
	struct i18n_cat	       *cat;
	const struct i18n_part *p;
	size_t			n;

	(void)state;
	cat = load(S("m = Hi {{ user.name }}, {{n}} new{{.}}\nplain = x\n"
		     "e =\n"));
	assert_non_null(cat);
	p = i18n_parts(cat, "m", &n);
	assert_non_null(p);
	assert_int_equal(n, 6);
	assert_false(p[0].var);
	assert_int_equal(p[0].len, 3);
	assert_memory_equal(p[0].text, "Hi ", 3);
	assert_true(p[1].var);
	assert_int_equal(p[1].len, 9);
	assert_memory_equal(p[1].text, "user\0name\0", 10);
	assert_false(p[2].var);
	assert_memory_equal(p[2].text, ", ", 2);
	assert_true(p[3].var);
	assert_string_equal(p[3].text, "n");
	assert_memory_equal(p[4].text, " new", 4);
	assert_true(p[5].var);
	assert_int_equal(p[5].len, 0);
	p = i18n_parts(cat, "plain", &n);
	assert_int_equal(n, 1);
	assert_memory_equal(p[0].text, "x", 1);
	(void)i18n_parts(cat, "e", &n);
	assert_int_equal(n, 0);
	assert_null(i18n_parts(cat, "missing", &n));
	assert_int_equal(n, 0);
	i18n_free(cat);
}

static void
test_err_duplicate(void **state)
{
	(void)state;
	fails(S("a = 1\nb = 2\n\na = 3\n"),
	    "4: duplicate key \"a\" (first on line 1)");
	fails(S("x = 1\nx = 1\n"), "2: duplicate key \"x\" (first on line 1)");
}

static void
test_err_missing_equals(void **state)
{
	(void)state;
	fails(S("a = 1\njust words\n"), "2: missing '='");
	fails(S("a = 1\nkey\n"), "2: missing '='");
	fails(S("key   \n"), "1: missing '='");
	fails(S("a b = c\n"), "1: missing '='");
}

static void
test_err_bad_key(void **state)
{
	(void)state;
	fails(S("Key = x\n"), "1: bad character in key");
	fails(S("a-b = x\n"), "1: bad character in key");
	fails(S("a:b = x\n"), "1: bad character in key");
	fails(S("\xc3\xa9 = x\n"), "1: bad character in key");
	fails(S("= x\n"), "1: empty key");
	fails(S("ok = 1\n  = x\n"), "2: empty key");
}

static void
test_err_encoding(void **state)
{
	(void)state;
	fails(S("a = \xc0\xaf\n"), "1: invalid UTF-8");
	fails(S("a = ok\nb = \xed\xa0\x80\n"), "2: invalid UTF-8");
	fails(S("a = \xe2\x82\n"), "1: invalid UTF-8");
	fails(S("a = x\x01y\n"), "1: control character");
	fails(S("a = x\x7fy\n"), "1: control character");
	fails("a = x\0y\n", 8, "1: control character");
	fails(S("a = x\ry\n"), "1: control character");
}

static void
test_err_placeholder(void **state)
{
	(void)state;
	fails(S("a = {{name\n"), "1: unclosed placeholder");
	fails(S("a = {{}}\n"), "1: bad placeholder");
	fails(S("a = {{ }}\n"), "1: bad placeholder");
	fails(S("a = {{#x}}y{{/x}}\n"), "1: bad placeholder");
	fails(S("a = {{^x}}\n"), "1: bad placeholder");
	fails(S("a = {{{x_html}}}\n"), "1: bad placeholder");
	fails(S("a = {{> p}}\n"), "1: bad placeholder");
	fails(S("a = {{t:other}}\n"), "1: bad placeholder");
	fails(S("a = {{!c}}\n"), "1: bad placeholder");
	fails(S("a = {{a..b}}\n"), "1: bad placeholder");
	fails(S("a = {{.a}}\n"), "1: bad placeholder");
	fails(S("a = {{a.}}\n"), "1: bad placeholder");
	fails(S("a = {{a b}}\n"), "1: bad placeholder");
}

static void
test_err_missing_file(void **state)
{
	char e[256];

	(void)state;
	assert_null(i18n_load("/nonexistent/dir/x.txt", e, sizeof(e)));
	assert_string_equal(e,
	    "/nonexistent/dir/x.txt: No such file or directory");
	assert_null(i18n_load("/nonexistent/dir/x.txt", NULL, 0));
	assert_null(i18n_load("/nonexistent/dir/x.txt", e, 1));
	assert_string_equal(e, "");
}

static void
test_null_cat(void **state)
{
	size_t n;

	(void)state;
	assert_null(i18n_get(NULL, "a"));
	assert_null(i18n_key_at(NULL, 0));
	assert_null(i18n_parts(NULL, "a", &n));
	i18n_free(NULL);
}

static void
test_pick_basic(void **state)
{
	(void)state;
	assert_string_equal(i18n_pick(NULL), "en");
	assert_string_equal(i18n_pick(""), "en");
	assert_string_equal(i18n_pick("en"), "en");
	assert_string_equal(i18n_pick("de"), "de");
	assert_string_equal(i18n_pick("DE"), "de");
	assert_string_equal(i18n_pick("en-GB"), "en");
	assert_string_equal(i18n_pick("de-AT"), "de");
	assert_string_equal(i18n_pick("de-CH-1996"), "de");
	assert_string_equal(i18n_pick("fr"), "en");
	assert_string_equal(i18n_pick("*"), "en");
}

static void
test_pick_q(void **state)
{
	(void)state;
	assert_string_equal(i18n_pick("de-DE,de;q=0.9,en;q=0.8"), "de");
	assert_string_equal(i18n_pick("fr, de;q=0.5"), "de");
	assert_string_equal(i18n_pick("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7,"
				      "de;q=0.6"),
	    "en");
	assert_string_equal(i18n_pick("en;q=0.5, de;q=0.8"), "de");
	assert_string_equal(i18n_pick("en;q=0.5,de;q=0.501"), "de");
	assert_string_equal(i18n_pick("de;q=0.1, en;q=1.0"), "en");
	assert_string_equal(i18n_pick("de;Q=0.9,en;q=0.3"), "de");
	assert_string_equal(i18n_pick(" de ; q=0.7 , en;q=0.6 "), "de");
	assert_string_equal(i18n_pick("de;q=1.000"), "de");
	assert_string_equal(i18n_pick("de;q=0."), "en");
}

static void
test_pick_ties(void **state)
{
	(void)state;
	assert_string_equal(i18n_pick("de, en"), "de");
	assert_string_equal(i18n_pick("en, de"), "en");
	assert_string_equal(i18n_pick("de;q=0.8, en;q=0.8"), "de");
	assert_string_equal(i18n_pick("en;q=0.8, de;q=0.8"), "en");
	assert_string_equal(i18n_pick("fr, en-GB;q=0.5, de;q=0.5"), "en");
	/* The best of several ranges counts for a language. */
	assert_string_equal(i18n_pick("de;q=0.2, en;q=0.5, de-AT"), "de");
}

static void
test_pick_zero(void **state)
{
	(void)state;
	assert_string_equal(i18n_pick("de;q=0"), "en");
	assert_string_equal(i18n_pick("de;q=0.000"), "en");
	assert_string_equal(i18n_pick("en;q=0, de;q=0.1"), "de");
	assert_string_equal(i18n_pick("en;q=0, *"), "de");
	assert_string_equal(i18n_pick("de;q=0, *"), "en");
	assert_string_equal(i18n_pick("*;q=0"), "en");
	assert_string_equal(i18n_pick("en;q=0,de;q=0"), "en");
}

static void
test_pick_wildcard(void **state)
{
	(void)state;
	assert_string_equal(i18n_pick("fr, *;q=0.5"), "en");
	assert_string_equal(i18n_pick("*;q=0.5, de;q=0.6"), "de");
	assert_string_equal(i18n_pick("*;q=0.5, de;q=0.4"), "en");
	assert_string_equal(i18n_pick("fr;q=0.9, *;q=0.1, de;q=0.05"), "en");
}

static void
test_pick_garbage(void **state)
{
	(void)state;
	assert_string_equal(i18n_pick("garbage"), "en");
	assert_string_equal(i18n_pick(";;;,,,==="), "en");
	assert_string_equal(i18n_pick(",,,de,,,"), "de");
	assert_string_equal(i18n_pick("deu"), "en");
	assert_string_equal(i18n_pick("deutsch"), "en");
	assert_string_equal(i18n_pick("english, de;q=0.2"), "de");
	assert_string_equal(i18n_pick("de-"), "en");
	assert_string_equal(i18n_pick("de--DE"), "en");
	assert_string_equal(i18n_pick("de_DE"), "en");
	assert_string_equal(i18n_pick("de;q=1.5"), "en");
	assert_string_equal(i18n_pick("de;q=2"), "en");
	assert_string_equal(i18n_pick("de;q=-1"), "en");
	assert_string_equal(i18n_pick("de;q=0.0001"), "en");
	assert_string_equal(i18n_pick("de;q=abc"), "en");
	assert_string_equal(i18n_pick("de;q="), "en");
	assert_string_equal(i18n_pick("de;q"), "en");
	assert_string_equal(i18n_pick("de;"), "en");
	assert_string_equal(i18n_pick("de;q=0.9x"), "en");
	assert_string_equal(i18n_pick("de x"), "en");
	assert_string_equal(i18n_pick("d\xc3\xa9"), "en");
	assert_string_equal(i18n_pick("\xff\xfe"), "en");
	assert_string_equal(i18n_pick("*-DE"), "en");
	assert_string_equal(i18n_pick("de-abcdefghi"), "en");
	assert_string_equal(i18n_pick("garbage;q=1, de;q=0.3"), "de");
}

static void
test_pick_long(void **state)
{
	struct dbuf b;
	size_t	    i;

	(void)state;
	dbuf_init(&b);
	for (i = 0; i < 100000; i++)
		dbuf_appendstr(&b, "fr;q=0.9, ");
	dbuf_appendstr(&b, "de;q=0.1");
	assert_string_equal(i18n_pick(b.data), "de");
	dbuf_free(&b);
	dbuf_init(&b);
	for (i = 0; i < 100000; i++)
		dbuf_appendstr(&b, "dededede");
	assert_string_equal(i18n_pick(b.data), "en");
	dbuf_appendstr(&b, ",de");
	assert_string_equal(i18n_pick(b.data), "de");
	dbuf_free(&b);
}

/* Every prefix of a header picks something without reading past it. */
static void
test_pick_prefixes(void **state)
{
	static const char al[] = "fr-CH, fr;q=0.9, de-DE;q=0.8, "
				 "*;q=0.5, en;q=0";
	char		 *s;
	const char	 *l;
	size_t		  i;

	(void)state;
	for (i = 0; i < sizeof(al); i++) {
		s = malloc(i + 1);
		assert_non_null(s);
		memcpy(s, al, i);
		s[i] = '\0';
		l = i18n_pick(s);
		assert_true(strcmp(l, "en") == 0 || strcmp(l, "de") == 0);
		free(s);
	}
	assert_string_equal(i18n_pick(al), "de");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_key_at),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_equals_in_text),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_comments_blank),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_crlf_bom_noeol),
		cmocka_unit_test(test_utf8_text),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_err_duplicate),
		cmocka_unit_test(test_err_missing_equals),
		cmocka_unit_test(test_err_bad_key),
		cmocka_unit_test(test_err_encoding),
		cmocka_unit_test(test_err_placeholder),
		cmocka_unit_test(test_err_missing_file),
		cmocka_unit_test(test_null_cat),
		cmocka_unit_test(test_pick_basic),
		cmocka_unit_test(test_pick_q),
		cmocka_unit_test(test_pick_ties),
		cmocka_unit_test(test_pick_zero),
		cmocka_unit_test(test_pick_wildcard),
		cmocka_unit_test(test_pick_garbage),
		cmocka_unit_test(test_pick_long),
		cmocka_unit_test(test_pick_prefixes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
