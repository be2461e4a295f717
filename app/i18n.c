/*
 * Drive: message catalogs and Accept-Language negotiation.
 *
 * A catalog file has one "key = text" line a message.  Each text is
 * compiled at load time into literal runs and {{name}} placeholders.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"

/* Catalogs are small; anything bigger is a mistake. */
#define CAT_SIZE_MAX (4 * 1024 * 1024)

struct msg {
	char		 *key;
	char		 *text;
	char		 *paths; /* placeholder names */
	struct i18n_part *parts;
	size_t		  nparts;
	size_t		  line;
};

struct i18n_cat {
	struct msg *msgs;
	size_t	    n;
};

static const char *langs[I18N_LANG_MAX] = { "en", "de" };

static char *readfile(const char *, size_t *, char *, size_t);
static int   parseline(struct msg *, const char *, size_t, const char **);
static int   compile(struct msg *, const char **);
static int   keycmp(const void *, const void *);
static int   findcmp(const void *, const void *);
static const struct msg *find(const struct i18n_cat *, const char *);
static void		 seterr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static int	   weight(const char *, const char *, int *);
static const char *langrange(const char *, const char *, int *);
static int	   qparams(const char *, const char *);
static int	   isws(int);

struct i18n_cat *
i18n_load(const char *path, char *err, size_t errlen)
{
	struct i18n_cat *cat;
	char		*buf;
	size_t		 len;

	if ((buf = readfile(path, &len, err, errlen)) == NULL)
		return (NULL);
	cat = i18n_parse(buf, len, path, err, errlen);
	free(buf);
	return (cat);
}

/*
 * The messages point into their own copies, never into buf, so that the
 * caller may free it.
 */
struct i18n_cat *
i18n_parse(const char *buf, size_t len, const char *path, char *err,
    size_t errlen)
{
	struct i18n_cat *cat;
	struct msg	 m;
	const char	*p, *end, *nl, *why;
	size_t		 line, cap, i;

	cat = xcalloc(1, sizeof(*cat));
	cap = 0;
	p = buf;
	end = buf + len;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (line = 1; p < end; line++, p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		memset(&m, 0, sizeof(m));
		m.line = line;
		if (!parseline(&m, p, nl - p, &why))
			goto fail;
		if (m.key == NULL)
			continue;
		if (cat->n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			cat->msgs = xrealloc(cat->msgs,
			    cap * sizeof(*cat->msgs));
		}
		cat->msgs[cat->n++] = m;
	}
	if (cat->n > 1)
		qsort(cat->msgs, cat->n, sizeof(*cat->msgs), keycmp);
	for (i = 1; i < cat->n; i++) {
		if (strcmp(cat->msgs[i - 1].key, cat->msgs[i].key) != 0)
			continue;
		seterr(err, errlen,
		    "%s:%zu: duplicate key \"%s\" (first on "
		    "line %zu)",
		    path, cat->msgs[i].line, cat->msgs[i].key,
		    cat->msgs[i - 1].line);
		i18n_free(cat);
		return (NULL);
	}
	return (cat);
fail:
	seterr(err, errlen, "%s:%zu: %s", path, line, why);
	i18n_free(cat);
	return (NULL);
}

void
i18n_free(struct i18n_cat *cat)
{
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->n; i++) {
		free(cat->msgs[i].key);
		free(cat->msgs[i].text);
		free(cat->msgs[i].paths);
		free(cat->msgs[i].parts);
	}
	free(cat->msgs);
	free(cat);
}

const char *
i18n_get(const struct i18n_cat *cat, const char *key)
{
	const struct msg *m;

	if ((m = find(cat, key)) == NULL)
		return (NULL);
	return (m->text);
}

const struct i18n_part *
i18n_parts(const struct i18n_cat *cat, const char *key, size_t *n)
{
	const struct msg *m;

	if ((m = find(cat, key)) == NULL) {
		*n = 0;
		return (NULL);
	}
	*n = m->nparts;
	return (m->parts);
}

const char *
i18n_key_at(const struct i18n_cat *cat, size_t i)
{
	if (cat == NULL || i >= cat->n)
		return (NULL);
	return (cat->msgs[i].key);
}

static const struct msg *
find(const struct i18n_cat *cat, const char *key)
{
	if (cat == NULL || key == NULL || cat->n == 0)
		return (NULL);
	return (bsearch(key, cat->msgs, cat->n, sizeof(*cat->msgs), findcmp));
}

static int
keycmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;
	int		  c;

	if ((c = strcmp(x->key, y->key)) != 0)
		return (c);
	return (x->line < y->line ? -1 : x->line > y->line);
}

static int
findcmp(const void *key, const void *m)
{
	return (strcmp(key, ((const struct msg *)m)->key));
}

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static char *
readfile(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE  *fp;
	char  *buf;
	size_t n, cap;

	if ((fp = fopen(path, "r")) == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	cap = 8192;
	buf = xmalloc(cap);
	n = 0;
	for (;;) {
		n += fread(buf + n, 1, cap - n, fp);
		if (n < cap)
			break;
		if (cap >= CAT_SIZE_MAX) {
			seterr(err, errlen, "%s: file too large", path);
			goto fail;
		}
		cap *= 2;
		buf = xrealloc(buf, cap);
	}
	if (ferror(fp)) {
		seterr(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(fp);
	*len = n;
	return (buf);
fail:
	fclose(fp);
	free(buf);
	return (NULL);
}

static int
isws(int c)
{
	return (c == ' ' || c == '\t');
}

/*
 * Fills m from one line; leaves m->key NULL for blank and comment
 * lines.  Returns 0 and sets *why on a malformed line.
 */
static int
parseline(struct msg *m, const char *s, size_t len, const char **why)
{
	const char *p, *end, *k, *t;
	char	   *out;
	size_t	    i;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	end = s + len;
	for (p = s; p < end && isws((unsigned char)*p); p++)
		continue;
	if (p == end || *p == '#')
		return (1);
	if (!utf8_valid(s, len)) {
		*why = "invalid UTF-8";
		return (0);
	}
	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f) {
			*why = "control character";
			return (0);
		}
	}
	for (k = p; p < end &&
	     ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		 *p == '_' || *p == '.');
	     p++)
		continue;
	if (p == k) {
		*why = *p == '=' ? "empty key" : "bad character in key";
		return (0);
	}
	t = p;
	while (p < end && isws((unsigned char)*p))
		p++;
	if (p == end) {
		*why = "missing '='";
		return (0);
	}
	if (*p != '=') {
		*why = p == t ? "bad character in key" : "missing '='";
		return (0);
	}
	m->key = xmalloc(t - k + 1);
	memcpy(m->key, k, t - k);
	m->key[t - k] = '\0';
	for (p++; p < end && isws((unsigned char)*p); p++)
		continue;
	while (end > p && isws((unsigned char)end[-1]))
		end--;
	m->text = out = xmalloc(end - p + 1);
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end &&
		    (p[1] == 'n' || p[1] == '\\')) {
			*out++ = p[1] == 'n' ? '\n' : '\\';
			p++;
		} else
			*out++ = *p;
	}
	*out = '\0';
	if (!compile(m, why)) {
		free(m->key);
		free(m->text);
		free(m->paths);
		free(m->parts);
		return (0);
	}
	return (1);
}

/*
 * Splits the text into literal runs and {{name}} placeholders; only
 * plain names are allowed, so a message cannot open sections or emit
 * raw HTML.
 */
static int
compile(struct msg *m, const char **why)
{
	const char *p, *open, *close, *a, *b, *q;
	char	   *path;
	size_t	    len, cap;

	len = strlen(m->text);
	m->paths = path = xmalloc(len + 1);
	cap = 0;
	p = m->text;
	for (;;) {
		if (m->nparts + 2 > cap) {
			cap = cap == 0 ? 4 : cap * 2;
			m->parts = xrealloc(m->parts, cap * sizeof(*m->parts));
		}
		if ((open = strstr(p, "{{")) == NULL)
			open = p + strlen(p);
		if (open > p) {
			m->parts[m->nparts].text = p;
			m->parts[m->nparts].len = open - p;
			m->parts[m->nparts++].var = 0;
		}
		if (*open == '\0')
			return (1);
		if ((close = strstr(open + 2, "}}")) == NULL) {
			*why = "unclosed placeholder";
			return (0);
		}
		for (a = open + 2; a < close && isws((unsigned char)*a); a++)
			continue;
		for (b = close; b > a && isws((unsigned char)b[-1]); b--)
			continue;
		m->parts[m->nparts].text = path;
		m->parts[m->nparts].var = 1;
		if (b - a == 1 && *a == '.') {
			m->parts[m->nparts++].len = 0;
			*path++ = '\0';
			p = close + 2;
			continue;
		}
		if (a == b || *a == '.' || b[-1] == '.' ||
		    (b - a >= 2 && a[0] == 't' && a[1] == ':')) {
			*why = "bad placeholder";
			return (0);
		}
		for (q = a; q < b; q++) {
			if (*q == '.' && q[1] == '.') {
				*why = "bad placeholder";
				return (0);
			}
			if ((*q >= 'a' && *q <= 'z') ||
			    (*q >= 'A' && *q <= 'Z') ||
			    (*q >= '0' && *q <= '9') || *q == '_' ||
			    *q == '-' || *q == ':')
				*path++ = *q;
			else if (*q == '.')
				*path++ = '\0';
			else {
				*why = "bad placeholder";
				return (0);
			}
		}
		*path++ = '\0';
		m->parts[m->nparts++].len = b - a;
		p = close + 2;
	}
}

/*
 * Parses one Accept-Language element [s, end): returns the q-value in
 * thousandths, or -1 when malformed; *lang is the index in langs, -2
 * for "*" and -1 for languages we do not have.
 */
static int
weight(const char *s, const char *end, int *lang)
{
	const char *p;

	p = s;
	while (p < end && isws((unsigned char)*p))
		p++;
	if ((p = langrange(p, end, lang)) == NULL)
		return (-1);
	return (qparams(p, end));
}

/*
 * The language range at p ("*" or a tag of 1 to 8 letters and subtags of
 * 1 to 8 letters or digits) sets *lang as weight() says: returns what
 * follows it, or NULL when malformed.
 */
static const char *
langrange(const char *p, const char *end, int *lang)
{
	const char *tag;
	size_t	    n, i;

	if (p < end && *p == '*') {
		*lang = -2;
		return (p + 1);
	}
	tag = p;
	for (n = 0; p < end && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'); p++)
		n++;
	if (n == 0 || n > 8)
		return (NULL);
	*lang = -1;
	for (i = 0; i < I18N_LANG_MAX; i++)
		if (n == 2 && (tag[0] | 0x20) == langs[i][0] &&
		    (tag[1] | 0x20) == langs[i][1])
			*lang = i;
	while (p < end && *p == '-') {
		for (n = 0, p++; p < end &&
		     (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
			 (*p >= '0' && *p <= '9'));
		     p++)
			n++;
		if (n == 0 || n > 8)
			return (NULL);
	}
	return (p);
}

/*
 * The parameters [p, end) after a language range (";q=0.5"): the last
 * q-value in thousandths, 1000 when there is none, or -1 when malformed.
 */
static int
qparams(const char *p, const char *end)
{
	int q, d;

	q = 1000;
	for (;;) {
		while (p < end && isws((unsigned char)*p))
			p++;
		if (p == end)
			return (q);
		if (*p != ';')
			return (-1);
		for (p++; p < end && isws((unsigned char)*p); p++)
			continue;
		if (end - p < 3 || (*p | 0x20) != 'q' || p[1] != '=')
			return (-1);
		p += 2;
		if (*p != '0' && *p != '1')
			return (-1);
		q = (*p++ - '0') * 1000;
		if (p < end && *p == '.') {
			for (p++, d = 100; p < end && *p >= '0' && *p <= '9';
			     p++, d /= 10) {
				if (d == 0)
					return (-1);
				q += (*p - '0') * d;
			}
		}
		if (q > 1000)
			return (-1);
	}
}

const char *
i18n_pick(const char *al)
{
	const char *p, *end;
	size_t	    pos[I18N_LANG_MAX], n, wpos, bpos;
	int	    q[I18N_LANG_MAX], wq, lang, w, i, best, bq;

	if (al == NULL)
		return (langs[0]);
	for (i = 0; i < I18N_LANG_MAX; i++) {
		q[i] = -1;
		pos[i] = SIZE_MAX;
	}
	wq = -1;
	wpos = SIZE_MAX;
	for (p = al, n = 0; *p != '\0'; n++) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		w = weight(p, end, &lang);
		if (w >= 0 && lang >= 0 && w > q[lang]) {
			q[lang] = w;
			pos[lang] = n;
		} else if (w >= 0 && lang == -2 && w > wq) {
			wq = w;
			wpos = n;
		}
		p = *end == ',' ? end + 1 : end;
	}
	best = 0;
	bq = -1;
	bpos = SIZE_MAX;
	for (i = 0; i < I18N_LANG_MAX; i++) {
		if (q[i] == -1) {
			q[i] = wq;
			pos[i] = wpos;
		}
		if (q[i] > bq || (q[i] == bq && pos[i] < bpos)) {
			best = i;
			bq = q[i];
			bpos = pos[i];
		}
	}
	return (bq > 0 ? langs[best] : langs[0]);
}
