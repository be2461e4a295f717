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
			/* Not hex: the one character; hex: the space ending it. */
			if (n == 0 ||
			    (i < len && css_space((unsigned char)src[i])))
				i++;
			css_copy(&o, src + start, i - start);
		} else {
			css_put(&o, src[i]);
			i++;
		}
	}
}

/*
 * Scripts: js_minify() drops comments, blank lines, the indentation and
 * runs of spaces, and nothing else.  Every line break between two tokens
 * stays (one for a run of them, and for a comment that spans lines), so
 * that automatic semicolon insertion reads the same statements.  Strings,
 * template literals (their ${} included) and regular expressions are
 * copied as they are; a / begins a regular expression where an operand
 * may begin: at the start, after punctuation other than ) ] ++ --, and
 * after keywords such as return.
 */
struct js_out {
	struct dbuf *buf;
	int	     space;    /* a space is pending */
	int	     newline;  /* a line break is pending */
	char	     last;     /* the last byte written, 0 at the start */
	char	     word[16]; /* the identifier written last, or "" */
};

static int    js_ident(int);
static size_t js_string_end(const char *, size_t, size_t);
static size_t js_template_end(const char *, size_t, size_t);
static size_t js_braces_end(const char *, size_t, size_t);
static size_t js_regex_end(const char *, size_t, size_t);
static int    js_regex_may_start(const struct js_out *);
static void   js_put(struct js_out *, const char *, size_t, int);

static int
js_ident(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80);
}

/* Where the string whose quote is s[i] ends (after its closing quote). */
static size_t
js_string_end(const char *s, size_t len, size_t i)
{
	char quote = s[i];

	for (i++; i < len && s[i] != quote && s[i] != '\n'; i++) {
		if (s[i] == '\\')
			i++;
	}
	return (i < len ? i + 1 : len);
}

/* Where the template literal whose backtick is s[i] ends. */
static size_t
js_template_end(const char *s, size_t len, size_t i)
{
	for (i++; i < len && s[i] != '`'; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '$' && i + 1 < len && s[i + 1] == '{')
			i = js_braces_end(s, len, i + 1) - 1;
	}
	return (i < len ? i + 1 : len);
}

/* Where the ${...} whose { is s[i] ends (after its matching }). */
static size_t
js_braces_end(const char *s, size_t len, size_t i)
{
	int depth = 0;

	for (; i < len; i++) {
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && --depth == 0)
			return (i + 1);
		else if (s[i] == '\'' || s[i] == '"')
			i = js_string_end(s, len, i) - 1;
		else if (s[i] == '`')
			i = js_template_end(s, len, i) - 1;
	}
	return (len);
}

/* Where the regular expression whose first / is s[i] ends, flags and all. */
static size_t
js_regex_end(const char *s, size_t len, size_t i)
{
	int in_class = 0;

	for (i++; i < len && s[i] != '\n'; i++) {
		if (s[i] == '\\') {
			i++;
		} else if (s[i] == '[') {
			in_class = 1;
		} else if (s[i] == ']') {
			in_class = 0;
		} else if (s[i] == '/' && !in_class) {
			for (i++; i < len && js_ident((unsigned char)s[i]); i++)
				;
			return (i);
		}
	}
	return (i < len ? i : len);
}

/* Whether a / here begins a regular expression rather than a division. */
static int
js_regex_may_start(const struct js_out *o)
{
	static const char * const words[] = { "return", "typeof", "case", "do",
		"else", "in", "of", "new", "delete", "void", "throw",
		"instanceof", "yield", "await", NULL };
	const struct dbuf	 *b = o->buf;
	size_t			  i;

	if (o->last == '\0')
		return (1);
	if ((o->last == '+' || o->last == '-') && b->len >= 2 &&
	    b->data[b->len - 2] == o->last)
		return (0);
	if (strchr("(,=:[!&|?{};+-*%<>~^", o->last) != NULL)
		return (1);
	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(o->word, words[i]) == 0)
			return (1);
	}
	return (0);
}

/* Appends the token s, after the pending line break or space. */
static void
js_put(struct js_out *o, const char *s, size_t n, int word)
{
	if (o->buf->len > 0 && o->newline)
		dbuf_append(o->buf, "\n", 1);
	else if (o->buf->len > 0 && o->space)
		dbuf_append(o->buf, " ", 1);
	o->newline = o->space = 0;
	dbuf_append(o->buf, s, n);
	o->last = s[n - 1];
	o->word[0] = '\0';
	if (word && n < sizeof(o->word)) {
		memcpy(o->word, s, n);
		o->word[n] = '\0';
	}
}

void
js_minify(struct dbuf *out, const char *src, size_t len)
{
	struct js_out o;
	size_t	      i, end;
	int	      c;

	memset(&o, 0, sizeof(o));
	o.buf = out;
	for (i = 0; i < len; i = end) {
		c = (unsigned char)src[i];
		end = i + 1;
		if (c == '\n' || c == '\r') {
			o.newline = 1;
		} else if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
			o.space = 1;
		} else if (c == '/' && end < len && src[end] == '/') {
			/* A line comment: up to its line break, which stays. */
			while (end < len && src[end] != '\n')
				end++;
		} else if (c == '/' && end < len && src[end] == '*') {
			for (end = i + 2; end + 1 < len &&
			     !(src[end] == '*' && src[end + 1] == '/');
			     end++)
				;
			end = end + 1 < len ? end + 2 : len;
			if (memchr(src + i, '\n', end - i) != NULL)
				o.newline = 1;
			else
				o.space = 1;
		} else if (c == '\'' || c == '"') {
			end = js_string_end(src, len, i);
			js_put(&o, src + i, end - i, 0);
		} else if (c == '`') {
			end = js_template_end(src, len, i);
			js_put(&o, src + i, end - i, 0);
		} else if (c == '/' && js_regex_may_start(&o)) {
			end = js_regex_end(src, len, i);
			js_put(&o, src + i, end - i, 0);
		} else if (js_ident(c)) {
			while (end < len && js_ident((unsigned char)src[end]))
				end++;
			js_put(&o, src + i, end - i, 1);
		} else {
			js_put(&o, src + i, 1, 0);
		}
	}
}
