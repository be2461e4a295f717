/*
 * Drive: growable buffers, HTML escaping, UTF-8 and hex helpers.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"

static void grow(struct dbuf *, size_t);

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		abort();
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		abort();
	return (p);
}

void *
xrealloc(void *old, size_t n)
{
	void *p;

	if ((p = realloc(old, n == 0 ? 1 : n)) == NULL)
		abort();
	return (p);
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		abort();
	return (p);
}

void
dbuf_init(struct dbuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Makes room for n more bytes plus the terminating NUL. */
static void
grow(struct dbuf *b, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - b->len - 1)
		abort();
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
dbuf_append(struct dbuf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
dbuf_appendstr(struct dbuf *b, const char *s)
{
	dbuf_append(b, s, strlen(s));
}

void
dbuf_appendf(struct dbuf *b, const char *fmt, ...)
{
	va_list ap, aq;
	char	small[256];
	int	n;

	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if ((size_t)n < sizeof(small)) {
		dbuf_append(b, small, n);
	} else {
		grow(b, (size_t)n);
		if (vsnprintf(b->data + b->len, (size_t)n + 1, fmt, aq) != n)
			abort();
		b->len += n;
	}
	va_end(aq);
}

char *
dbuf_release(struct dbuf *b)
{
	char *p;

	p = b->data != NULL ? b->data : xstrdup("");
	dbuf_init(b);
	return (p);
}

void
dbuf_free(struct dbuf *b)
{
	free(b->data);
	dbuf_init(b);
}

void
html_escape(struct dbuf *b, const char *s, size_t len)
{
	const char *ent;
	size_t	    i, run;

	run = 0;
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		dbuf_append(b, s + run, i - run);
		dbuf_appendstr(b, ent);
		run = i + 1;
	}
	dbuf_append(b, s + run, len - run);
}

void
json_escape(struct dbuf *b, const char *s, size_t len)
{
	char	      esc[8];
	const char   *e;
	size_t	      i, run;
	unsigned char c;

	dbuf_append(b, "\"", 1);
	run = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\b':
			e = "\\b";
			break;
		case '\f':
			e = "\\f";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		default:
			(void)snprintf(esc, sizeof(esc), "\\u%04X", c);
			e = esc;
		}
		dbuf_append(b, s + run, i - run);
		dbuf_appendstr(b, e);
		run = i + 1;
	}
	dbuf_append(b, s + run, len - run);
	dbuf_append(b, "\"", 1);
}

/* Follows table 3-7 of the Unicode standard. */
int
utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t		     i, n, k;
	unsigned char	     lo, hi;

	i = 0;
	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1;
		else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			if (s[i] == 0xe0)
				lo = 0xa0;
			else if (s[i] == 0xed)
				hi = 0x9f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			if (s[i] == 0xf0)
				lo = 0x90;
			else if (s[i] == 0xf4)
				hi = 0x8f;
		} else
			return (0);
		if (len - i - 1 < n)
			return (0);
		if (s[i + 1] < lo || s[i + 1] > hi)
			return (0);
		for (k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return (0);
		i += n + 1;
	}
	return (1);
}

size_t
utf8_count(const char *s, size_t len)
{
	size_t i, n;

	n = 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return (n);
}

int
text_acceptable(const char *s, size_t len)
{
	size_t	      i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return (0);
	}
	return (utf8_valid(s, len));
}

int
line_acceptable(const char *s, size_t len)
{
	size_t	      i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (c < 0x20 || c == 0x7f)
			return (0);
	}
	return (utf8_valid(s, len));
}

void
hex_encode(const unsigned char *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t		  i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/* The value of one hexadecimal digit, or -1. */
int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
hex_decode(const char *s, size_t len, unsigned char *out, size_t outlen)
{
	size_t i;
	int    hi, lo;

	if (outlen > SIZE_MAX / 2 || len != 2 * outlen)
		return (0);
	for (i = 0; i < outlen; i++) {
		if ((hi = hex_value((unsigned char)s[2 * i])) == -1 ||
		    (lo = hex_value((unsigned char)s[2 * i + 1])) == -1)
			return (0);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (1);
}

/* A whole file as a NUL-terminated string (caller frees), or NULL. */
char *
file_read(const char *path)
{
	FILE	   *f;
	struct dbuf b;
	char	    chunk[8192];
	size_t	    n;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	dbuf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		dbuf_append(&b, chunk, n);
	fclose(f);
	dbuf_append(&b, "", 1);
	return (dbuf_release(&b));
}

/*
 * Appends s for a query string: letters, digits and "-._" as they are,
 * every other byte as %XX (so a space is %20, never '+').
 */
static void
url_encode_byte(struct dbuf *b, const char *p)
{
	if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_')
		dbuf_append(b, p, 1);
	else
		dbuf_appendf(b, "%%%02X", (unsigned char)*p);
}

void
url_encode(struct dbuf *b, const char *s)
{
	const char *p;

	for (p = s; p != NULL && *p != '\0'; p++)
		url_encode_byte(b, p);
}

/*
 * The same as a form would send it: a space is '+', so that a search of
 * several words stays a path that local_path() accepts.
 */
void
query_encode(struct dbuf *b, const char *s)
{
	const char *p;

	for (p = s; p != NULL && *p != '\0'; p++) {
		if (*p == ' ')
			dbuf_append(b, "+", 1);
		else
			url_encode_byte(b, p);
	}
}
