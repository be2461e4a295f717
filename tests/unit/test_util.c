/*
 * Unit tests for app/util.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drive.h"

#define S(x) (x), sizeof(x) - 1

static char *esc(const char *, size_t);
static int   refvalid(const unsigned char *, size_t);

static char *
esc(const char *s, size_t len)
{
	struct dbuf b;

	dbuf_init(&b);
	html_escape(&b, s, len);
	return (dbuf_release(&b));
}

static void
test_dbuf_empty(void **state)
{
	struct dbuf b;
	char	   *s;

	(void)state;
	dbuf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	dbuf_append(&b, NULL, 0);
	assert_int_equal(b.len, 0);
	s = dbuf_release(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void
test_dbuf_append(void **state)
{
	struct dbuf b;
	char	   *s;

	(void)state;
	dbuf_init(&b);
	dbuf_append(&b, "ab", 2);
	assert_int_equal(b.len, 2);
	assert_string_equal(b.data, "ab");
	dbuf_appendstr(&b, "cd");
	dbuf_append(&b, "e\0f", 3);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "abcde\0f", 8);
	s = dbuf_release(&b);
	assert_memory_equal(s, "abcde\0f", 8);
	free(s);
}

static void
test_dbuf_appendf(void **state)
{
	struct dbuf b;
	char	    big[1001];

	(void)state;
	memset(big, 'x', 1000);
	big[1000] = '\0';
	dbuf_init(&b);
	dbuf_appendf(&b, "%d-%s", 42, "z");
	assert_string_equal(b.data, "42-z");
	dbuf_appendf(&b, "<%s>", big);
	assert_int_equal(b.len, 4 + 1002);
	assert_int_equal(b.data[4], '<');
	assert_int_equal(b.data[5 + 1000], '>');
	assert_int_equal(b.data[b.len], '\0');
	dbuf_appendf(&b, "%s", "");
	assert_int_equal(b.len, 1006);
	dbuf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void
test_dbuf_grow(void **state)
{
	struct dbuf b;
	size_t	    i;

	(void)state;
	dbuf_init(&b);
	for (i = 0; i < 100000; i++)
		dbuf_append(&b, "0123456789", 10);
	assert_int_equal(b.len, 1000000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 999990, "0123456789", 10);
	dbuf_free(&b);
	dbuf_free(&b);
}

static void
test_escape_each(void **state)
{
	char *s;

	(void)state;
	s = esc(S("&"));
	assert_string_equal(s, "&amp;");
	free(s);
	s = esc(S("<"));
	assert_string_equal(s, "&lt;");
	free(s);
	s = esc(S(">"));
	assert_string_equal(s, "&gt;");
	free(s);
	s = esc(S("\""));
	assert_string_equal(s, "&quot;");
	free(s);
	s = esc(S("'"));
	assert_string_equal(s, "&#39;");
	free(s);
}

static void
test_escape_mixed(void **state)
{
	char *s;

	(void)state;
	s = esc(S("<script>alert('x&y')</script>"));
	assert_string_equal(s,
	    "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;");
	free(s);
	s = esc(S("\" onmouseover='evil()' x=\""));
	assert_string_equal(s, "&quot; onmouseover=&#39;evil()&#39; x=&quot;");
	free(s);
	s = esc(S("&amp;"));
	assert_string_equal(s, "&amp;amp;");
	free(s);
}

static void
test_escape_plain(void **state)
{
	char *s;

	(void)state;
	s = esc(S(""));
	assert_string_equal(s, "");
	free(s);
	s = esc(S("plain text / = ` ; 100%"));
	assert_string_equal(s, "plain text / = ` ; 100%");
	free(s);
	s = esc(S("Gr\xc3\xbc\xc3\x9f"
		  "e \xe2\x82\xac"));
	assert_string_equal(s,
	    "Gr\xc3\xbc\xc3\x9f"
	    "e \xe2\x82\xac");
	free(s);
	s = esc(S("a\0<"));
	assert_memory_equal(s, "a\0&lt;", 7);
	free(s);
}

static void
test_escape_appends(void **state)
{
	struct dbuf b;

	(void)state;
	dbuf_init(&b);
	dbuf_appendstr(&b, "<p>");
	html_escape(&b, S("1 < 2"));
	dbuf_appendstr(&b, "</p>");
	assert_string_equal(b.data, "<p>1 &lt; 2</p>");
	dbuf_free(&b);
}

static void
test_utf8_valid_ok(void **state)
{
	(void)state;
	assert_true(utf8_valid(S("")));
	assert_true(utf8_valid(S("hello")));
	assert_true(utf8_valid(S("\x00")));
	assert_true(utf8_valid(S("\x7f")));
	assert_true(utf8_valid(S("\xc2\x80")));		/* U+0080 */
	assert_true(utf8_valid(S("\xc3\xa9")));		/* e acute */
	assert_true(utf8_valid(S("\xdf\xbf")));		/* U+07FF */
	assert_true(utf8_valid(S("\xe0\xa0\x80")));	/* U+0800 */
	assert_true(utf8_valid(S("\xe2\x82\xac")));	/* euro */
	assert_true(utf8_valid(S("\xed\x9f\xbf")));	/* U+D7FF */
	assert_true(utf8_valid(S("\xee\x80\x80")));	/* U+E000 */
	assert_true(utf8_valid(S("\xef\xbf\xbf")));	/* U+FFFF */
	assert_true(utf8_valid(S("\xf0\x90\x80\x80"))); /* U+10000 */
	assert_true(utf8_valid(S("\xf0\x9f\x98\x80"))); /* emoji */
	assert_true(utf8_valid(S("\xf4\x8f\xbf\xbf"))); /* U+10FFFF */
}

static void
test_utf8_overlong(void **state)
{
	(void)state;
	assert_false(utf8_valid(S("\xc0\xaf")));
	assert_false(utf8_valid(S("\xc0\x80")));
	assert_false(utf8_valid(S("\xc1\xbf")));
	assert_false(utf8_valid(S("\xe0\x80\xaf")));
	assert_false(utf8_valid(S("\xe0\x9f\xbf")));
	assert_false(utf8_valid(S("\xf0\x80\x80\xaf")));
	assert_false(utf8_valid(S("\xf0\x8f\xbf\xbf")));
}

static void
test_utf8_surrogates(void **state)
{
	(void)state;
	assert_false(utf8_valid(S("\xed\xa0\x80"))); /* U+D800 */
	assert_false(utf8_valid(S("\xed\xad\xbf"))); /* U+DB7F */
	assert_false(utf8_valid(S("\xed\xb0\x80"))); /* U+DC00 */
	assert_false(utf8_valid(S("\xed\xbf\xbf"))); /* U+DFFF */
	assert_false(utf8_valid(S("\xed\xa0\xbd\xed\xb8\x80")));
}

static void
test_utf8_too_big(void **state)
{
	(void)state;
	assert_false(utf8_valid(S("\xf4\x90\x80\x80"))); /* U+110000 */
	assert_false(utf8_valid(S("\xf5\x80\x80\x80")));
	assert_false(utf8_valid(S("\xf7\xbf\xbf\xbf")));
	assert_false(utf8_valid(S("\xf8\x88\x80\x80\x80")));
	assert_false(utf8_valid(S("\xfc\x84\x80\x80\x80\x80")));
	assert_false(utf8_valid(S("\xfe")));
	assert_false(utf8_valid(S("\xff")));
}

static void
test_utf8_truncated(void **state)
{
	(void)state;
	assert_false(utf8_valid(S("\xc3")));
	assert_false(utf8_valid(S("\xe2\x82")));
	assert_false(utf8_valid(S("\xe2")));
	assert_false(utf8_valid(S("\xf0\x9f\x98")));
	assert_false(utf8_valid(S("\xf0\x9f")));
	assert_false(utf8_valid(S("ok\xf0")));
	/* The length given is what counts, not the NUL. */
	assert_false(utf8_valid("\xc3\xa9", 1));
	assert_true(utf8_valid("\xc3\xa9", 2));
}

static void
test_utf8_bad_continuation(void **state)
{
	(void)state;
	assert_false(utf8_valid(S("\x80")));
	assert_false(utf8_valid(S("\xbf")));
	assert_false(utf8_valid(S("a\x80"
				  "b")));
	assert_false(utf8_valid(S("\xc3\x28")));
	assert_false(utf8_valid(S("\xc3\xc3")));
	assert_false(utf8_valid(S("\xe2\x28\xa1")));
	assert_false(utf8_valid(S("\xe2\x82\x28")));
	assert_false(utf8_valid(S("\xf0\x9f\x98\x28")));
	assert_false(utf8_valid(S("\xc3\xa9\xa9")));
}

static void
test_utf8_count(void **state)
{
	(void)state;
	assert_int_equal(utf8_count(S("")), 0);
	assert_int_equal(utf8_count(S("abc")), 3);
	assert_int_equal(utf8_count(S("\xc3\xa9t\xc3\xa9")), 3);
	assert_int_equal(utf8_count(S("\xe2\x82\xac")), 1);
	assert_int_equal(utf8_count(S("\xf0\x9f\x98\x80!")), 2);
	assert_int_equal(utf8_count(S("a\0b")), 3);
}

static void
test_text_acceptable(void **state)
{
	(void)state;
	assert_true(text_acceptable(S("")));
	assert_true(text_acceptable(S("line one\nline two\tend")));
	assert_true(text_acceptable(S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")));
	assert_true(text_acceptable(S("~ <>&\"'")));
	assert_false(text_acceptable(S("a\0b")));
	assert_false(text_acceptable(S("a\rb")));
	assert_false(text_acceptable(S("\x01")));
	assert_false(text_acceptable(S("\x08")));
	assert_false(text_acceptable(S("\x0b")));
	assert_false(text_acceptable(S("\x0c")));
	assert_false(text_acceptable(S("\x1b[31m")));
	assert_false(text_acceptable(S("\x1f")));
	assert_false(text_acceptable(S("\x7f")));
	assert_false(text_acceptable(S("\xc0\xaf")));
	assert_false(text_acceptable(S("\xed\xa0\x80")));
	assert_false(text_acceptable(S("ok\xe2\x82")));
}

static void
test_line_acceptable(void **state)
{
	(void)state;
	assert_true(line_acceptable(S("")));
	assert_true(line_acceptable(S("A title: <b> & \"x\"")));
	assert_true(line_acceptable(S("Gr\xc3\xbc\xc3\x9f"
				      "e")));
	assert_false(line_acceptable(S("a\nb")));
	assert_false(line_acceptable(S("a\tb")));
	assert_false(line_acceptable(S("a\rb")));
	assert_false(line_acceptable(S("a\0b")));
	assert_false(line_acceptable(S("\x1f")));
	assert_false(line_acceptable(S("\x7f")));
	assert_false(line_acceptable(S("\xc3")));
	assert_false(line_acceptable(S("\xed\xbf\xbf")));
}

static void
test_hex_encode(void **state)
{
	unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char	      out[2 * sizeof(in) + 1];

	(void)state;
	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abff");
	hex_encode(in, 0, out);
	assert_string_equal(out, "");
}

static void
test_hex_decode(void **state)
{
	unsigned char out[4];

	(void)state;
	assert_true(hex_decode(S("deadbeef"), out, 4));
	assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
	assert_true(hex_decode(S("DEADBEEF"), out, 4));
	assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
	assert_true(hex_decode(S("00fF0a9B"), out, 4));
	assert_memory_equal(out, "\x00\xff\x0a\x9b", 4);
	assert_true(hex_decode(S(""), out, 0));
}

static void
test_hex_decode_bad(void **state)
{
	unsigned char out[4];

	(void)state;
	assert_false(hex_decode(S("deadbee"), out, 4));
	assert_false(hex_decode(S("deadbeef00"), out, 4));
	assert_false(hex_decode(S("deadbeef"), out, 3));
	assert_false(hex_decode(S("deadbeeg"), out, 4));
	assert_false(hex_decode(S("g0"), out, 1));
	assert_false(hex_decode(S(" 0"), out, 1));
	assert_false(hex_decode(S("0x"), out, 1));
	assert_false(hex_decode(S("-1"), out, 1));
	assert_false(hex_decode("0\0", 2, out, 1));
	assert_false(hex_decode(S(""), out, 1));
}

static void
test_hex_roundtrip(void **state)
{
	unsigned char in[256], back[256];
	char	      hex[513];
	size_t	      i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	hex_encode(in, sizeof(in), hex);
	assert_int_equal(strlen(hex), 512);
	assert_true(hex_decode(hex, 512, back, sizeof(back)));
	assert_memory_equal(in, back, sizeof(in));
}

static void
test_url_encode(void **state)
{
	struct dbuf b;

	(void)state;
	dbuf_init(&b);
	url_encode(&b, "camt.053 Zahlung/über&x=1_-");
	assert_string_equal(b.data, "camt.053%20Zahlung%2F%C3%BCber%26x%3D1_-");
	url_encode(&b, NULL);
	url_encode(&b, "+%");
	assert_string_equal(b.data + strlen(b.data) - 6, "%2B%25");
	dbuf_free(&b);
}

/* A space as '+', as forms send it; every other byte as url_encode(). */
static void
test_query_encode(void **state)
{
	struct dbuf b;

	(void)state;
	dbuf_init(&b);
	query_encode(&b, "Ana T. + Co/ü");
	assert_string_equal(b.data, "Ana+T.+%2B+Co%2F%C3%BC");
	query_encode(&b, NULL);
	assert_string_equal(b.data, "Ana+T.+%2B+Co%2F%C3%BC");
	dbuf_free(&b);
	/* What local_path() then makes of a redirect carrying it. */
	assert_non_null(local_path("/admin/users?q=two+words", NULL));
	assert_null(local_path("/admin/users?q=M%C3%BCller", NULL));
}

static void
test_xalloc(void **state)
{
	char  *p, *z;
	size_t i;

	(void)state;
	p = xstrdup("abc");
	assert_string_equal(p, "abc");
	p = xrealloc(p, 1000);
	assert_string_equal(p, "abc");
	free(p);
	z = xcalloc(100, 1);
	for (i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	free(z);
	free(xmalloc(0));
	free(xcalloc(0, 8));
}

/* A slow, obviously correct decoder to compare utf8_valid() with. */
static int
refvalid(const unsigned char *s, size_t len)
{
	size_t	 i, n, k;
	uint32_t cp, min;

	for (i = 0; i < len; i += n) {
		if (s[i] < 0x80) {
			n = 1;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return (0);
		if (len - i < n)
			return (0);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
	}
	return (1);
}

/* All strings of 1 to 4 bytes drawn from the bytes at the boundaries. */
static void
test_utf8_exhaustive(void **state)
{
	static const unsigned char set[] = { 0x00, 0x0a, 0x41, 0x7f, 0x80, 0x8f,
		0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed,
		0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff };
	unsigned char		   s[4];
	size_t			   i, len, n = sizeof(set), total, idx, v;

	(void)state;
	for (len = 1; len <= 4; len++) {
		for (total = 1, i = 0; i < len; i++)
			total *= n;
		for (idx = 0; idx < total; idx++) {
			for (i = 0, v = idx; i < len; i++, v /= n)
				s[i] = set[v % n];
			assert_int_equal(utf8_valid((char *)s, len),
			    refvalid(s, len));
		}
	}
}

/* json_escape() against jansson's own json_dumps() of the same string. */
static void
json_same(const char *s, size_t len)
{
	struct dbuf b;
	json_t	   *j;
	char	   *want;

	j = json_stringn(s, len);
	assert_non_null(j);
	want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	assert_non_null(want);
	dbuf_init(&b);
	json_escape(&b, s, len);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	free(want);
	dbuf_free(&b);
}

/* A code point as UTF-8 into out (4 bytes at most); its length. */
static size_t
utf8_put(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return (1);
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return (2);
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return (3);
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return (4);
}

static void
test_json_escape(void **state)
{
	char	 buf[4096], one[3];
	size_t	 n, k;
	unsigned cp, seed = 42;
	int	 c, round;

	(void)state;
	json_same("", 0);
	json_same("plain", 5);
	json_same("a \"quoted\" \\ back/slash", 23);
	json_same("Zahlungsverkehr \xc3\xa4\xc3\xb6\xc3\xbc \xe2\x82\xac "
		  "\xf0\x9f\x98\x80 \xe2\x80\xa8",
	    35);
	/* Every byte below 0x80 alone and between letters, NUL too. */
	for (c = 0; c < 0x80; c++) {
		one[0] = (char)c;
		json_same(one, 1);
		one[0] = 'x';
		one[1] = (char)c;
		one[2] = 'y';
		json_same(one, 3);
	}
	/* Random valid UTF-8, often control characters and quotes. */
	for (round = 0; round < 2000; round++) {
		n = 0;
		for (k = 0; k < 200 && n + 4 < sizeof(buf); k++) {
			seed = seed * 1103515245u + 12345u;
			switch ((seed >> 16) % 4) {
			case 0:
				cp = (seed >> 8) % 0x20;
				break;
			case 1:
				cp = "\"\\/ az"[(seed >> 8) % 7];
				break;
			case 2:
				cp = 0x80 + (seed >> 8) % 0x780;
				break;
			default:
				cp = 0x800 + (seed >> 4) % 0x10F800;
				if (cp >= 0xD800 && cp <= 0xDFFF)
					cp = 0xE000;
			}
			n += utf8_put(cp, buf + n);
		}
		json_same(buf, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dbuf_empty),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_url_encode),
		cmocka_unit_test(test_query_encode),
		cmocka_unit_test(test_dbuf_append),
		cmocka_unit_test(test_dbuf_appendf),
		cmocka_unit_test(test_dbuf_grow),
		cmocka_unit_test(test_escape_each),
		cmocka_unit_test(test_escape_mixed),
		cmocka_unit_test(test_escape_plain),
		cmocka_unit_test(test_escape_appends),
		cmocka_unit_test(test_utf8_valid_ok),
		cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogates),
		cmocka_unit_test(test_utf8_too_big),
		cmocka_unit_test(test_utf8_truncated),
		cmocka_unit_test(test_utf8_bad_continuation),
		cmocka_unit_test(test_utf8_count),
		cmocka_unit_test(test_text_acceptable),
		cmocka_unit_test(test_line_acceptable),
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_hex_decode),
		cmocka_unit_test(test_hex_decode_bad),
		cmocka_unit_test(test_hex_roundtrip),
		cmocka_unit_test(test_xalloc),
		cmocka_unit_test(test_utf8_exhaustive),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
