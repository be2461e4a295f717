/*
 * Unit tests for app/mime.c (what drive-mailer sends, line by line),
 * tpl_render_text() and the mail templates in assets/mail.  Run from
 * the repository root.
 */

#include <dirent.h>
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

#define MAIL_DIR "assets/mail"

static char *b64(const char *, size_t);
static char *b64dec(const char *, size_t *);
static char *qp(const char *);
static char *qpdec(const char *);
static char *hdr(const char *, const char *);
static char *ewdec(const char *);
static void  lines_max(const char *, size_t, size_t);
static void  crlf_only(const char *, size_t);

static char *
b64(const char *s, size_t len)
{
	struct dbuf b;

	dbuf_init(&b);
	mime_base64(&b, s, len);
	return (dbuf_release(&b));
}

static int
b64val(int c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(a, c)) == NULL)
		return (-1);
	return (p - a);
}

/* Decodes base64, skipping CRLF; *len gets the length. */
static char *
b64dec(const char *s, size_t *len)
{
	struct dbuf  b;
	unsigned int acc;
	int	     bits, v;
	char	     c;

	dbuf_init(&b);
	acc = 0;
	bits = 0;
	for (; *s != '\0' && *s != '='; s++) {
		if (*s == '\r' || *s == '\n')
			continue;
		v = b64val((unsigned char)*s);
		assert_true(v >= 0);
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (char)((acc >> bits) & 0xff);
			dbuf_append(&b, &c, 1);
		}
	}
	*len = b.len;
	dbuf_append(&b, "", 1);
	return (dbuf_release(&b));
}

static char *
qp(const char *s)
{
	struct dbuf b;

	dbuf_init(&b);
	mime_qp(&b, s, strlen(s));
	dbuf_append(&b, "", 1);
	return (dbuf_release(&b));
}

/* Decodes quoted-printable to text with \n line ends. */
static char *
qpdec(const char *s)
{
	struct dbuf b;
	char	    hex[3], c;

	dbuf_init(&b);
	while (*s != '\0') {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=') {
			assert_true(s[1] != '\0' && s[2] != '\0');
			hex[0] = s[1];
			hex[1] = s[2];
			hex[2] = '\0';
			assert_non_null(strchr("0123456789ABCDEF", s[1]));
			assert_non_null(strchr("0123456789ABCDEF", s[2]));
			c = (char)strtol(hex, NULL, 16);
			dbuf_append(&b, &c, 1);
			s += 3;
		} else if (s[0] == '\r' && s[1] == '\n') {
			dbuf_append(&b, "\n", 1);
			s += 2;
		} else {
			dbuf_append(&b, s, 1);
			s++;
		}
	}
	dbuf_append(&b, "", 1);
	return (dbuf_release(&b));
}

static char *
hdr(const char *name, const char *value)
{
	struct dbuf b;

	dbuf_init(&b);
	mime_header(&b, name, value);
	return (dbuf_release(&b));
}

/*
 * The value of one header, unfolded, with its encoded-words decoded;
 * every encoded-word must decode to valid UTF-8 on its own.
 */
static char *
ewdec(const char *h)
{
	struct dbuf b;
	const char *p, *end, *q;
	char	   *raw, *d;
	size_t	    n;
	int	    prev_ew;

	dbuf_init(&b);
	p = strchr(h, ':');
	assert_non_null(p);
	p += 2;
	prev_ew = 0;
	while (*p != '\0') {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			end = strstr(p + 10, "?=");
			assert_non_null(end);
			assert_true(end - p + 2 <= 75);
			q = p + 10;
			raw = xmalloc(end - q + 1);
			memcpy(raw, q, end - q);
			raw[end - q] = '\0';
			d = b64dec(raw, &n);
			assert_true(utf8_valid(d, n));
			dbuf_append(&b, d, n);
			free(d);
			free(raw);
			p = end + 2;
			prev_ew = 1;
			continue;
		}
		if (strncmp(p, "\r\n ", 3) == 0 || *p == ' ') {
			/* White space between encoded-words vanishes. */
			q = p + (*p == ' ' ? 1 : 3);
			if (!(prev_ew && strncmp(q, "=?", 2) == 0) && *p == ' ')
				dbuf_append(&b, " ", 1);
			p = q;
			continue;
		}
		if (strncmp(p, "\r\n", 2) == 0)
			break;
		dbuf_append(&b, p, 1);
		prev_ew = 0;
		p++;
	}
	dbuf_append(&b, "", 1);
	return (dbuf_release(&b));
}

/* Every line of s (CRLF-separated) has at most max characters. */
static void
lines_max(const char *s, size_t len, size_t max)
{
	const char *p, *end, *nl;

	end = s + len;
	for (p = s; p < end; p = nl + 2) {
		nl = strstr(p, "\r\n");
		if (nl == NULL || nl > end)
			nl = end;
		if ((size_t)(nl - p) > max)
			fail_msg("line of %zu > %zu: %.*s", (size_t)(nl - p),
			    max, (int)(nl - p), p);
		if (nl == end)
			break;
	}
}

/* No bare CR, no bare LF. */
static void
crlf_only(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r')
			assert_true(i + 1 < len && s[i + 1] == '\n');
		if (s[i] == '\n')
			assert_true(i > 0 && s[i - 1] == '\r');
	}
}

static void
test_base64_vectors(void **state)
{
	static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba",
		"foobar" };
	static const char *out[] = { "", "Zg==", "Zm8=", "Zm9v",
		"Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char		  *s;
	size_t		   i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		s = b64(in[i], strlen(in[i]));
		assert_string_equal(s, out[i]);
		free(s);
	}
	s = b64("\xff\xfe\x00", 3);
	assert_string_equal(s, "//4A");
	free(s);
}

static void
test_base64_lines(void **state)
{
	struct dbuf b;
	char	    in[1000], *d;
	size_t	    i, n, len;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7 + 3);
	for (len = 0; len <= sizeof(in); len += 57) {
		dbuf_init(&b);
		mime_base64_lines(&b, in, len);
		dbuf_append(&b, "", 1);
		if (len > 0) {
			lines_max(b.data, b.len - 1, MIME_BODY_MAX);
			crlf_only(b.data, b.len - 1);
			assert_memory_equal(b.data + b.len - 3, "\r\n", 2);
			/* Full lines are exactly 76 characters. */
			if (len > 57)
				assert_int_equal(strstr(b.data, "\r\n") -
					b.data,
				    76);
		}
		d = b64dec(b.data == NULL ? "" : b.data, &n);
		assert_int_equal(n, len);
		assert_memory_equal(d, in, len);
		free(d);
		dbuf_free(&b);
	}
}

static void
test_qp_basics(void **state)
{
	char *s;

	(void)state;
	s = qp("a=b");
	assert_string_equal(s, "a=3Db");
	free(s);
	s = qp("one\ntwo\r\nthree\n");
	assert_string_equal(s, "one\r\ntwo\r\nthree\r\n");
	free(s);
	/* A line's last blank is encoded; the one before it need not be. */
	s = qp("end  \nx\t\n");
	assert_string_equal(s, "end =20\r\nx=09\r\n");
	free(s);
	s = qp("Grüße");
	assert_string_equal(s, "Gr=C3=BC=C3=9Fe");
	free(s);
	s = qp(".\n..x\na.b");
	assert_string_equal(s, "=2E\r\n=2E.x\r\na.b");
	free(s);
	s = qp("tab\there and\x01"
	       "ctl");
	assert_string_equal(s, "tab\there and=01ctl");
	free(s);
}

static void
test_qp_long_lines(void **state)
{
	static const char *pieces[] = { "x", "ä", " ", "=", ".", "\t", "€",
		"a b ", "\n", "😀" };
	struct dbuf	   in;
	char		  *s, *d;
	size_t		   round, i, len;
	unsigned int	   seed;

	(void)state;
	seed = 42;
	for (round = 0; round < 300; round++) {
		dbuf_init(&in);
		len = round % 5 == 0 ? 400 : round;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			dbuf_appendstr(&in,
			    pieces[(seed >> 16) % (round % 3 == 0 ? 8 : 10)]);
		}
		dbuf_append(&in, "", 1);
		s = qp(in.data == NULL ? "" : in.data);
		lines_max(s, strlen(s), MIME_BODY_MAX);
		crlf_only(s, strlen(s));
		/* Never a blank before a line break. */
		assert_null(strstr(s, " \r\n"));
		assert_null(strstr(s, "\t\r\n"));
		d = qpdec(s);
		assert_string_equal(d, in.data == NULL ? "" : in.data);
		free(d);
		free(s);
		dbuf_free(&in);
	}
	/* 76 is allowed as it is, 77 needs a soft break. */
	s = qp("0123456789012345678901234567890123456789012345678901234567890"
	       "123456789012345");
	assert_null(strchr(s, '='));
	free(s);
	s = qp("0123456789012345678901234567890123456789012345678901234567890"
	       "1234567890123456");
	assert_non_null(strstr(s, "=\r\n"));
	free(s);
}

static void
test_header_plain(void **state)
{
	char *s;

	(void)state;
	s = hdr("Subject", "Your idea was answered: Faster FX");
	assert_string_equal(s,
	    "Subject: Your idea was answered: Faster FX\r\n");
	free(s);
}

static void
test_header_rfc2047(void **state)
{
	static const char *vals[] = {
		"Ihre Idee wurde beantwortet: Größere Überweisungslimits",
		"Eine von Ihnen unterstützte Idee hat einen neuen Status: "
		"ÄÖÜäöüß€ — 😀😀😀😀😀😀😀😀😀😀😀😀 and some more text to "
		"fold over several lines of the header",
		"An idea you support changed status: a very long but plain "
		"ASCII title that cannot fit on one single header line",
		"looks like =?UTF-8?B?YQ==?= an encoded-word",
		"line\r\nBcc: victim@example.test",
		"ääääääääääääääääääääääääääääääääääääääääääääääääääääääää",
	};
	const char *p;
	char	   *s, *d;
	size_t	    i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		s = hdr("Subject", vals[i]);
		lines_max(s, strlen(s), MIME_LINE_MAX);
		crlf_only(s, strlen(s));
		assert_non_null(strstr(s, "=?UTF-8?B?"));
		/* Header injection: the CRLF is inside an encoded-word. */
		assert_null(strstr(s, "\r\nBcc"));
		/* Only folds, each followed by a blank, and the final CRLF. */
		for (p = strstr(s, "\r\n"); p != NULL;
		     p = strstr(p + 2, "\r\n"))
			assert_true(p[2] == ' ' || p[2] == '\0');
		d = ewdec(s);
		assert_string_equal(d, vals[i]);
		free(d);
		free(s);
	}
}

static void
test_address_header(void **state)
{
	struct dbuf b;
	char	   *d;

	(void)state;
	dbuf_init(&b);
	assert_true(mime_address_header(&b, "To", "Anna Muster",
	    "anna@example.test"));
	assert_string_equal(b.data, "To: Anna Muster <anna@example.test>\r\n");
	dbuf_free(&b);

	dbuf_init(&b);
	assert_true(mime_address_header(&b, "To", "Doe, \"JD\" John",
	    "jd@example.test"));
	assert_string_equal(b.data,
	    "To: \"Doe, \\\"JD\\\" John\" <jd@example.test>\r\n");
	dbuf_free(&b);

	dbuf_init(&b);
	assert_true(mime_address_header(&b, "To",
	    "Jürgen Müller-Lüdenscheidt "
	    "von und zu Großbeeren",
	    "juergen.mueller@example.test"));
	lines_max(b.data, b.len, MIME_LINE_MAX);
	crlf_only(b.data, b.len);
	assert_non_null(strstr(b.data, "<juergen.mueller@example.test>\r\n"));
	d = ewdec(b.data);
	assert_non_null(strstr(d,
	    "Jürgen Müller-Lüdenscheidt von und zu "
	    "Großbeeren"));
	free(d);
	dbuf_free(&b);

	dbuf_init(&b);
	assert_true(mime_address_header(&b, "From", NULL, "drive@localhost"));
	assert_string_equal(b.data, "From: drive@localhost\r\n");
	dbuf_free(&b);

	dbuf_init(&b);
	assert_false(mime_address_header(&b, "To", "x", "a@b\r\nBcc: c@d"));
	assert_false(mime_address_header(&b, "To", "x", "two@at@x"));
	assert_false(mime_address_header(&b, "To", "x", "with space@x.y"));
	assert_false(mime_address_header(&b, "To", "x", "ümlaut@x.y"));
	assert_int_equal(b.len, 0);
	dbuf_free(&b);
}

static void
test_date(void **state)
{
	char buf[64];

	(void)state;
	mime_date(buf, sizeof(buf), 0);
	assert_string_equal(buf, "Thu, 01 Jan 1970 00:00:00 +0000");
	mime_date(buf, sizeof(buf), 1700000000);
	assert_string_equal(buf, "Tue, 14 Nov 2023 22:13:20 +0000");
}

static void
test_split_address(void **state)
{
	char *n, *a;

	(void)state;
	assert_true(mime_split_address("Drive <drive@localhost>", &n, &a));
	assert_string_equal(n, "Drive");
	assert_string_equal(a, "drive@localhost");
	free(n);
	free(a);
	assert_true(mime_split_address(" \"Drive, Bank\" <d@b.example> ", &n,
	    &a));
	assert_string_equal(n, "Drive, Bank");
	assert_string_equal(a, "d@b.example");
	free(n);
	free(a);
	assert_true(mime_split_address("d@b.example", &n, &a));
	assert_string_equal(n, "");
	assert_string_equal(a, "d@b.example");
	free(n);
	free(a);
	assert_false(mime_split_address("Drive", &n, &a));
	assert_null(a);
	assert_false(mime_split_address("Drive <>", &n, &a));
}

/* The value of a header of a built message, or NULL. */
static const char *
find_header(const char *msg, const char *name)
{
	const char *p;
	size_t	    n;

	n = strlen(name);
	for (p = msg; p != NULL && strncmp(p, "\r\n", 2) != 0;
	     p = strstr(p, "\r\n") + 2) {
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return (p);
		if (strstr(p, "\r\n") == NULL)
			break;
	}
	return (NULL);
}

/*
 * The digest's List-Unsubscribe (RFC 2369) and one-click POST (RFC
 * 8058): on the header's line when it fits, else on a line of its own
 * (a URL cannot be folded); a URL that could break the header is refused.
 */
static void
test_build_unsubscribe(void **state)
{
	struct mime_mail   m;
	struct dbuf	   b;
	const char	  *body, *p;
	static const char *bad[] = { "https://x/u?t=1>\r\nBcc: a@b.c",
		"https://x/u?t=1 2", "https://x/u?t=\xc3\xa4", "https://x/<u>",
		"https://x/u?a,b" };
	size_t		   i;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.from_addr = "drive@localhost";
	m.to_addr = "joerg@example.test";
	m.subject = "Your week in Drive";
	m.message_id = "outbox-43.1700000000@drive";
	m.text = "Hello\n";
	m.html = "<p>Hello</p>\n";
	m.unsubscribe = "https://d.example/digest/unsubscribe?token=4.ab";
	dbuf_init(&b);
	assert_true(mime_build(&b, &m));
	assert_non_null(p = find_header(b.data, "List-Unsubscribe"));
	assert_true(strncmp(p,
			"List-Unsubscribe: "
			"<https://d.example/digest/unsubscribe?token=4.ab>\r\n"
			"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
			120) == 0);
	body = strstr(b.data, "\r\n\r\n");
	lines_max(b.data, body - b.data, MIME_LINE_MAX);
	dbuf_free(&b);

	m.unsubscribe = "https://drive.bank.example/digest/unsubscribe?"
			"token=123456.0123456789abcdef0123456789abcdef";
	dbuf_init(&b);
	assert_true(mime_build(&b, &m));
	assert_non_null(strstr(b.data,
	    "List-Unsubscribe:\r\n <https://drive.bank.example/digest/"
	    "unsubscribe?token=123456.0123456789abcdef0123456789abcdef>\r\n"));
	dbuf_free(&b);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.unsubscribe = bad[i];
		dbuf_init(&b);
		assert_false(mime_build(&b, &m));
		dbuf_free(&b);
	}
}

static void
test_build(void **state)
{
	struct mime_mail m;
	struct dbuf	 b;
	const char	*body, *p, *q;
	char		*d, *part, boundary[128];
	size_t		 n, count;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.from_name = "Drive";
	m.from_addr = "drive@localhost";
	m.to_name = "Jörg Ärger";
	m.to_addr = "joerg@example.test";
	m.subject = "Ihre Idee wurde beantwortet: Schnellere Devisen";
	m.message_id = "outbox-42.1700000000@drive";
	m.date = 1700000000;
	m.text =
	    "Guten Tag Jörg,\n\n> a quoted line that is long enough to "
	    "need a soft line break in quoted-printable, surely\n\n-- \nend";
	m.html = "<!DOCTYPE html>\n<p>Gr\xc3\xbc\xc3\x9f"
		 "e &amp; "
		 "<strong>Geplant</strong></p>\n";
	dbuf_init(&b);
	assert_true(mime_build(&b, &m));
	crlf_only(b.data, b.len);
	assert_memory_equal(b.data + b.len - 2, "\r\n", 2);

	body = strstr(b.data, "\r\n\r\n");
	assert_non_null(body);
	lines_max(b.data, body - b.data, MIME_LINE_MAX);
	lines_max(body, b.len - (body - b.data), MIME_BODY_MAX);

	assert_non_null(p = find_header(b.data, "From"));
	assert_true(strncmp(p, "From: Drive <drive@localhost>\r\n", 31) == 0);
	assert_non_null(p = find_header(b.data, "To"));
	d = ewdec(p);
	assert_string_equal(d, "Jörg Ärger <joerg@example.test>");
	free(d);
	assert_non_null(p = find_header(b.data, "Subject"));
	d = ewdec(p);
	assert_string_equal(d, m.subject);
	free(d);
	assert_non_null(p = find_header(b.data, "Date"));
	assert_true(strncmp(p, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n",
			39) == 0);
	assert_non_null(p = find_header(b.data, "Message-ID"));
	assert_true(strncmp(p, "Message-ID: <outbox-42.1700000000@drive>\r\n",
			42) == 0);
	assert_non_null(find_header(b.data, "MIME-Version"));
	assert_non_null(p = find_header(b.data, "Content-Type"));
	assert_true(strncmp(p, "Content-Type: multipart/alternative;", 36) ==
	    0);

	p = strstr(p, "boundary=\"");
	assert_non_null(p);
	p += 10;
	q = strchr(p, '"');
	assert_true(q - p < (long)sizeof(boundary) - 2);
	boundary[0] = boundary[1] = '-';
	memcpy(boundary + 2, p, q - p);
	boundary[q - p + 2] = '\0';
	for (count = 0, p = b.data; (p = strstr(p, boundary)) != NULL; p++)
		count++;
	assert_int_equal(count, 3);
	assert_non_null(strstr(b.data,
	    "Content-Type: text/plain; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
	    "\r\n\r\n"));
	assert_non_null(strstr(b.data,
	    "Content-Type: text/html; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"));

	/* Both parts decode back to what went in. */
	p = strstr(b.data, "quoted-printable\r\n\r\n") + 20;
	q = strstr(p, boundary);
	part = xmalloc(q - p + 1);
	memcpy(part, p, q - p);
	part[q - p] = '\0';
	d = qpdec(part);
	assert_true(strncmp(d, m.text, strlen(m.text)) == 0);
	free(d);
	free(part);
	p = strstr(b.data, "base64\r\n\r\n") + 10;
	q = strstr(p, boundary);
	part = xmalloc(q - p + 1);
	memcpy(part, p, q - p);
	part[q - p] = '\0';
	d = b64dec(part, &n);
	assert_int_equal(n, strlen(m.html));
	assert_string_equal(d, m.html);
	free(d);
	free(part);
	dbuf_free(&b);

	/* No message to an unusable address. */
	m.to_addr = "joerg@example.test\r\nBcc: x@y.z";
	dbuf_init(&b);
	assert_false(mime_build(&b, &m));
	dbuf_free(&b);
	m.to_addr = "joerg@example.test";
	m.message_id = "a b@c";
	dbuf_init(&b);
	assert_false(mime_build(&b, &m));
	dbuf_free(&b);
}

static void
test_excerpt(void **state)
{
	char *s;

	(void)state;
	s = mime_excerpt("short", 10);
	assert_string_equal(s, "short");
	free(s);
	s = mime_excerpt("exactly10!", 10);
	assert_string_equal(s, "exactly10!");
	free(s);
	/* After the last word that ends in the final fifth... */
	s = mime_excerpt("one two three four five", 16);
	assert_string_equal(s, "one two three…");
	free(s);
	/* ...else at the limit. */
	s = mime_excerpt("one two three four five", 12);
	assert_string_equal(s, "one two thre…");
	free(s);
	/* No blank near the end: cut inside the word, never in a character. */
	s = mime_excerpt("ääääääääääääää", 5);
	assert_string_equal(s, "äääää…");
	assert_true(utf8_valid(s, strlen(s)));
	free(s);
	s = mime_excerpt("abcdefghijklmnopqrstuvwxyz abc", 20);
	assert_string_equal(s, "abcdefghijklmnopqrst…");
	free(s);
}

static void
test_render_text(void **state)
{
	struct tpl_set	*set;
	struct i18n_cat *cat;
	struct dbuf	 b;
	json_t		*ctx;
	char		 err[256], path[] = "/tmp/drive-mail-cat-XXXXXX";
	FILE		*fp;
	int		 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs("hi = Hello {{name}} & <friends>\n", fp);
	fclose(fp);
	cat = i18n_load(path, err, sizeof(err));
	unlink(path);
	assert_non_null(cat);
	set = tpl_load_string("t",
	    "{{t:hi}} | {{title}} | "
	    "{{#list}}[{{.}}]{{/list}}",
	    err, sizeof(err));
	assert_non_null(set);
	ctx = json_pack("{s:s, s:s, s:[s]}", "name", "A&B", "title",
	    "<b>\"x\"</b>", "list", "<i>");

	dbuf_init(&b);
	assert_true(tpl_render_text(set, "t", ctx, cat, &b));
	assert_string_equal(b.data,
	    "Hello A&B & <friends> | <b>\"x\"</b> | "
	    "[<i>]");
	dbuf_free(&b);

	/* tpl_render still escapes everything. */
	dbuf_init(&b);
	assert_true(tpl_render(set, "t", ctx, cat, &b));
	assert_string_equal(b.data,
	    "Hello A&amp;B &amp; &lt;friends&gt; | "
	    "&lt;b&gt;&quot;x&quot;&lt;/b&gt; | [&lt;i&gt;]");
	dbuf_free(&b);

	json_decref(ctx);
	tpl_free(set);
	i18n_free(cat);
}

/* The mail templates load, and each message they use is in both catalogs. */
static void
test_mail_templates(void **state)
{
	static const char *kinds[] = { "status", "comment", "merged" };
	struct tpl_set	  *set;
	struct i18n_cat	  *en, *de;
	DIR		  *d;
	struct dirent	  *e;
	char		   err[512], path[1024], *src;
	const char	  *k;
	size_t		   i, len, missing;

	(void)state;
	set = tpl_load_dir(MAIL_DIR, err, sizeof(err));
	if (set == NULL)
		fail_msg("%s", err);
	assert_non_null(d = opendir(MAIL_DIR));
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".txt") != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", MAIL_DIR,
		    e->d_name);
		assert_non_null(src = file_read(path));
		if (!tpl_add_string(set, e->d_name, src, err, sizeof(err)))
			fail_msg("%s", err);
		free(src);
	}
	closedir(d);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		assert_true(tpl_exists(set, kinds[i]));
		(void)snprintf(path, sizeof(path), "%s.txt", kinds[i]);
		assert_true(tpl_exists(set, path));
	}
	en = i18n_load("assets/i18n/en.txt", err, sizeof(err));
	de = i18n_load("assets/i18n/de.txt", err, sizeof(err));
	assert_non_null(en);
	assert_non_null(de);
	missing = 0;
	for (i = 0; (k = tpl_message_key_at(set, i)) != NULL; i++) {
		if (i18n_get(en, k) == NULL || i18n_get(de, k) == NULL) {
			print_error("mail message \"%s\" is missing\n", k);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
	assert_string_equal(i18n_get(de, "mail.subject.comment"),
	    "Neuer Kommentar zu Ihrer Idee: {{title}}");
	i18n_free(en);
	i18n_free(de);
	tpl_free(set);
}

/* Issue 12, finding 5: no remote image in a mail, every link's address. */
static void
test_md_html(void **state)
{
	char *h;

	(void)state;
	/* A tracking pixel becomes its alt text; nothing is loaded. */
	h = mime_md_html("Look ![our logo](https://track.example/p.gif?to=x)"
			 " here.\n");
	assert_null(strstr(h, "<img"));
	assert_null(strstr(h, "track.example"));
	assert_string_equal(h, "<p>Look our logo here.</p>\n");
	free(h);
	/* Alt text with markup, and an image without any. */
	h = mime_md_html("![a *b* `c`](https://x.example/1.png)"
			 "![](https://x.example/2.png)\n\n"
			 "[ref]: https://x.example/3.png\n\n![by ref][ref]\n");
	assert_null(strstr(h, "<img"));
	assert_null(strstr(h, "x.example"));
	assert_non_null(strstr(h, "a b c"));
	assert_non_null(strstr(h, "by ref"));
	free(h);
	/* A link shows where it goes, escaped. */
	h = mime_md_html(
	    "[your bank](https://evil.example/login?a=1&b=\"2\")\n");
	assert_string_equal(h,
	    "<p><a href=\"https://evil.example/login?a=1"
	    "&amp;b=%222%22\">your bank</a> (https://evil.example/login?a=1&amp;"
	    "b=&quot;2&quot;)</p>\n");
	free(h);
	/* An image inside a link: alt text, then the address. */
	h = mime_md_html(
	    "[![pixel](https://t.example/p.gif)](https://t.example/"
	    "go)\n");
	assert_null(strstr(h, "<img"));
	assert_non_null(strstr(h, ">pixel</a> (https://t.example/go)"));
	free(h);
	/* An autolink shows its address already: not twice. */
	h = mime_md_html("<https://drive.example/ideas/1> and <a@b.test>\n");
	assert_string_equal(h,
	    "<p><a href=\"https://drive.example/ideas/1\">"
	    "https://drive.example/ideas/1</a> and <a href=\"mailto:a@b.test\">"
	    "a@b.test</a></p>\n");
	free(h);
	/* Still cmark's safe mode: raw HTML and script links go. */
	h = mime_md_html("<img src=\"https://t.example/p.gif\"> [x](javascript:"
			 "alert(1))\n");
	assert_null(strstr(h, "<img"));
	assert_non_null(strstr(h, "href=\"\""));
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_lines),
		cmocka_unit_test(test_qp_basics),
		cmocka_unit_test(test_qp_long_lines),
		cmocka_unit_test(test_header_plain),
		cmocka_unit_test(test_header_rfc2047),
		cmocka_unit_test(test_address_header),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_split_address),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_build_unsubscribe),
		cmocka_unit_test(test_excerpt),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_mail_templates),
		cmocka_unit_test(test_md_html),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
