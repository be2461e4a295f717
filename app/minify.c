/*
 * Drive: the stylesheets as browsers get them.  The .css files of
 * assets/static stay written for people (a comment for each part, a rule
 * a line); static.c serves them through css_minify(), which drops what a
 * browser does not read: comments, line breaks and the spaces around
 * punctuation.
 *
 * Only changes that cannot alter a rule are made.  Quoted strings are
 * copied as they are (content:"\2190  " keeps both spaces), and so is an
 * escape outside them (the space ending "\31 " belongs to it).  A comment
 * becomes a space, so that it never joins two words.  A run of spaces
 * becomes one, and goes only next to { } ; , or > (never next to ( or :,
 * where "and (" and ".bar :focus" need it, nor + or -, which calc()
 * needs spaced).  The last ; before } goes.
 */

#include <string.h>

#include "drive.h"

/* What was written last, for the space and ; in front of what comes. */
struct css_out {
	struct dbuf *buf;
	int	     space; /* a space is pending */
	int	     tight; /* the last byte was punctuation that needs none */
	int	     semi;  /* the last byte was a ; ending a declaration */
};

static int  css_space(int);
static int  css_hex(int);
static int  css_tight(int);
static void css_put(struct css_out *, char);
static void css_copy(struct css_out *, const char *, size_t);

static int
css_space(int c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f');
}

static int
css_hex(int c)
{
	return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F'));
}

/* Punctuation that needs no space on either side. */
static int
css_tight(int c)
{
	return (c == '{' || c == '}' || c == ';' || c == ',' || c == '>');
}

/*
 * Appends the byte c as punctuation or part of a word: first the space
 * pending before it, unless either side is tight; a } drops the ; just
 * before it.
 */
static void
css_put(struct css_out *o, char c)
{
	int tight;

	tight = css_tight((unsigned char)c);
	if (o->space && !o->tight && !tight)
		dbuf_append(o->buf, " ", 1);
	if (c == '}' && o->semi)
		o->buf->len--;
	dbuf_append(o->buf, &c, 1);
	o->space = 0;
	o->tight = tight;
	o->semi = c == ';';
}

/* Appends the rest of a string or an escape as it is. */
static void
css_copy(struct css_out *o, const char *s, size_t n)
{
	dbuf_append(o->buf, s, n);
	o->tight = 0;
	o->semi = 0;
}

void
css_minify(struct dbuf *out, const char *src, size_t len)
{
	struct css_out o = { out, 0, 1, 0 };
	size_t	       i, n, start;
	char	       quote;

	for (i = 0; i < len;) {
		if (css_space((unsigned char)src[i])) {
			o.space = 1;
			i++;
		} else if (src[i] == '/' && i + 1 < len && src[i + 1] == '*') {
			/* A comment: a space, up to its end or the file's. */
			for (i += 2; i + 1 < len &&
			     !(src[i] == '*' && src[i + 1] == '/');
			     i++)
				;
			i = i + 1 < len ? i + 2 : len;
			o.space = 1;
		} else if (src[i] == '"' || src[i] == '\'') {
			quote = src[i];
			css_put(&o, quote);
			for (start = ++i; i < len && src[i] != quote; i++) {
				if (src[i] == '\\' && i + 1 < len)
					i++;
			}
			if (i < len)
				i++;
			css_copy(&o, src + start, i - start);
		} else if (src[i] == '\\' && i + 1 < len) {
			/* An escape: up to six hex digits and one space. */
			css_put(&o, '\\');
			start = ++i;
			for (n = 0;
			     n < 6 && i < len && css_hex((unsigned char)src[i]);
			     n++)
				i++;
			if (n == 0)
				i++;
			else if (i < len && css_space((unsigned char)src[i]))
				i++;
			css_copy(&o, src + start, i - start);
		} else {
			css_put(&o, src[i]);
			i++;
		}
	}
}
