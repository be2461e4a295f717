/*
 * Drive: a small Mustache-like template engine.
 *
 * Templates are compiled at load time into a flat array of nodes; a
 * section node records where its body ends.  Rendering walks that array
 * with a stack of JSON contexts and never parses nor allocates, apart
 * from the output buffer and a context stack deeper than STACK_LOCAL.
 * Every value is HTML-escaped except {{{name_html}}}, and the name rule
 * is enforced when the template is compiled.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"

#define PARTIAL_DEPTH_MAX 16
#define SECTION_DEPTH_MAX 100
#define STACK_LOCAL	  32
#define TPL_SIZE_MAX	  (4 * 1024 * 1024)
/*
 * A render's budget: a page visits a few thousand nodes and writes some
 * 50 KB; a template that includes itself inside a loop would visit
 * items^16 nodes and never end.  Past either limit the render fails.
 */
#define RENDER_STEPS_MAX (256 * 1024)
#define RENDER_OUT_MAX	 (4 * 1024 * 1024)

enum {
	N_TEXT,
	N_VAR,
	N_RAW,
	N_SECTION,
	N_INVERTED,
	N_PARTIAL,
	N_MSG
};

/*
 * s and len: the bytes of N_TEXT; for N_VAR, N_RAW and sections the
 * dotted name with '.' replaced by NUL (len 0 for "."); the name of
 * N_PARTIAL; the key of N_MSG.
 */
struct node {
	int		  type;
	const char	 *s;
	size_t		  len;
	size_t		  end;	   /* sections: past the body */
	const struct tpl *partial; /* resolved when loading */
};

struct tpl {
	char	    *name;
	char	    *src;
	char	    *strs;
	struct node *nodes;
	size_t	     n;
};

struct tpl_set {
	struct tpl **tpls; /* sorted by name */
	size_t	     n;
	const char **keys; /* distinct message keys, sorted */
	size_t	     nkeys;
};

struct stack {
	json_t **v;
	size_t	 n;
	size_t	 cap;
	json_t	*local[STACK_LOCAL];
};

/* A section open while its template is compiled. */
struct section {
	size_t	    node;
	size_t	    line;
	const char *name; /* as written, for errors */
	size_t	    namelen;
	int	    sigil; /* '#' or '^' */
};

/* What parse() knows while it compiles one template. */
struct parser {
	struct tpl    *t;
	const char    *errname;
	char	      *err;
	size_t	       errlen;
	char	      *w;	/* the next free byte of t->strs */
	size_t	       cap;	/* of t->nodes */
	size_t	       line;	/* of the byte being read */
	size_t	       tagline; /* of the tag being compiled */
	size_t	       depth;	/* of open[] */
	struct section open[SECTION_DEPTH_MAX];
};

/* What a tag asks for besides a node type. */
enum {
	TAG_BAD = -3,
	TAG_COMMENT,
	TAG_CLOSE
};

struct rctx {
	const struct tpl_set  *set;
	const struct i18n_cat *cat;
	struct dbuf	      *out;
	struct stack	       st;
	int		       text;  /* text/plain: nothing escaped */
	size_t		       steps; /* left of RENDER_STEPS_MAX */
};

static int  add(struct tpl_set *, const char *, const char *, const char *,
     char *, size_t);
static int  parse(struct tpl *, const char *, char *, size_t);
static void parse_err(struct parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static size_t	   countnl(const char *, const char *);
static const char *parse_text(struct parser *, const char *);
static const char *parse_tag(struct parser *, const char *);
static int	   tag_triple(struct parser *, const char *, const char *);
static int	   tag_double(struct parser *, const char *, const char *);
static int	   tag_type(struct parser *, const char *, const char *);
static int section_open(struct parser *, int, const char *, const char *);
static int section_close(struct parser *, const char *, const char *,
    const char *, size_t);
static const char  *putpath(char **, const char *, const char *, size_t *);
static const char  *putname(char **, const char *, const char *, int, size_t *);
static struct node *addnode(struct tpl *, size_t *, int);
static void seterr(char *, size_t, const char *, size_t, const char *, ...)
    __attribute__((format(printf, 5, 6)));
static void vseterr(char *, size_t, const char *, size_t, const char *, va_list)
    __attribute__((format(printf, 5, 0)));
static int		 isws(int);
static int		 iskeychar(int);
static void		 tplfree(struct tpl *);
static int		 namecmp(const void *, const void *);
static int		 strpcmp(const void *, const void *);
static const struct tpl *find(const struct tpl_set *, const char *);
static void		 relink(struct tpl_set *);
static int     render(struct rctx *, const struct tpl *, size_t, size_t, int);
static int     render_top(const struct tpl_set *, const char *, json_t *,
	const struct i18n_cat *, struct dbuf *, int);
static int     message(struct rctx *, const struct i18n_part *, size_t, int);
static json_t *lookup(const struct stack *, const char *, size_t);
static void    emit(struct dbuf *, const json_t *, int);
static int     truthy(const json_t *);
static void    push(struct stack *, json_t *);
static void    stackinit(struct stack *);
static void    stackfree(struct stack *);

struct tpl_set *
tpl_load_string(const char *name, const char *src, char *err, size_t errlen)
{
	struct tpl_set *set;

	set = xcalloc(1, sizeof(*set));
	if (!tpl_add_string(set, name, src, err, errlen)) {
		tpl_free(set);
		return (NULL);
	}
	return (set);
}

static int
add(struct tpl_set *set, const char *name, const char *errname, const char *src,
    char *err, size_t errlen)
{
	struct tpl *t;
	size_t	    i;

	if (*name == '\0' || find(set, name) != NULL) {
		seterr(err, errlen, errname, 0,
		    "duplicate or empty template name \"%s\"", name);
		return (0);
	}
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->src = xstrdup(src);
	t->strs = xmalloc(strlen(src) + 1);
	if (!parse(t, errname, err, errlen)) {
		tplfree(t);
		return (0);
	}
	set->tpls = xrealloc(set->tpls, (set->n + 1) * sizeof(*set->tpls));
	for (i = set->n; i > 0 && strcmp(set->tpls[i - 1]->name, name) > 0; i--)
		set->tpls[i] = set->tpls[i - 1];
	set->tpls[i] = t;
	set->n++;
	relink(set);
	return (1);
}

int
tpl_add_string(struct tpl_set *set, const char *name, const char *src,
    char *err, size_t errlen)
{
	return (add(set, name, name, src, err, errlen));
}

struct tpl_set *
tpl_load_dir(const char *dir, char *err, size_t errlen)
{
	struct tpl_set *set;
	DIR	       *d;
	struct dirent  *de;
	struct stat	st;
	FILE	       *fp;
	char	      **names, *path, *src, *name;
	size_t		n, cap, i, len, plen;
	int		ok;

	if ((d = opendir(dir)) == NULL) {
		seterr(err, errlen, dir, 0, "%s", strerror(errno));
		return (NULL);
	}
	names = NULL;
	n = cap = 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".html") != 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), strpcmp);

	set = xcalloc(1, sizeof(*set));
	ok = 1;
	for (i = 0; ok && i < n; i++) {
		plen = strlen(dir) + strlen(names[i]) + 2;
		path = xmalloc(plen);
		snprintf(path, plen, "%s/%s", dir, names[i]);
		src = NULL;
		fp = NULL;
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		ok = 0;
		if (st.st_size > TPL_SIZE_MAX)
			seterr(err, errlen, path, 0, "file too large");
		else if ((fp = fopen(path, "r")) == NULL)
			seterr(err, errlen, path, 0, "%s", strerror(errno));
		else {
			src = xmalloc((size_t)st.st_size + 1);
			len = fread(src, 1, (size_t)st.st_size, fp);
			src[len] = '\0';
			if (ferror(fp))
				seterr(err, errlen, path, 0, "read error");
			else if (strlen(src) != len)
				seterr(err, errlen, path, 0, "NUL byte");
			else {
				name = names[i];
				name[strlen(name) - 5] = '\0';
				ok = add(set, name, path, src, err, errlen);
			}
			fclose(fp);
		}
		free(src);
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!ok) {
		tpl_free(set);
		return (NULL);
	}
	return (set);
}

void
tpl_free(struct tpl_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		tplfree(set->tpls[i]);
	free(set->tpls);
	free(set->keys);
	free(set);
}

int
tpl_exists(const struct tpl_set *set, const char *name)
{
	return (find(set, name) != NULL);
}

const char *
tpl_message_key_at(const struct tpl_set *set, size_t i)
{
	if (set == NULL || i >= set->nkeys)
		return (NULL);
	return (set->keys[i]);
}

int
tpl_render(const struct tpl_set *set, const char *name, json_t *ctx,
    const struct i18n_cat *cat, struct dbuf *out)
{
	return (render_top(set, name, ctx, cat, out, 0));
}

/*
 * For the text/plain part of a mail only: nothing is escaped, so the
 * output must never be served as HTML.
 */
int
tpl_render_text(const struct tpl_set *set, const char *name, json_t *ctx,
    const struct i18n_cat *cat, struct dbuf *out)
{
	return (render_top(set, name, ctx, cat, out, 1));
}

static int
render_top(const struct tpl_set *set, const char *name, json_t *ctx,
    const struct i18n_cat *cat, struct dbuf *out, int text)
{
	const struct tpl *t;
	struct rctx	  r;
	int		  ok;

	if ((t = find(set, name)) == NULL)
		return (0);
	r.set = set;
	r.cat = cat;
	r.out = out;
	r.text = text;
	r.steps = RENDER_STEPS_MAX;
	stackinit(&r.st);
	if (ctx != NULL)
		push(&r.st, ctx);
	ok = render(&r, t, 0, t->n, 0);
	stackfree(&r.st);
	return (ok);
}

int
tpl_message(const struct i18n_cat *cat, const char *key, json_t *ctx,
    int escape, struct dbuf *out)
{
	const struct i18n_part *parts;
	struct rctx		r;
	size_t			n;

	if ((parts = i18n_parts(cat, key, &n)) == NULL) {
		if (escape)
			html_escape(out, key, strlen(key));
		else
			dbuf_appendstr(out, key);
		return (0);
	}
	r.set = NULL;
	r.cat = cat;
	r.out = out;
	r.text = !escape;
	r.steps = RENDER_STEPS_MAX;
	stackinit(&r.st);
	if (ctx != NULL)
		push(&r.st, ctx);
	message(&r, parts, n, escape);
	stackfree(&r.st);
	return (1);
}

static void
tplfree(struct tpl *t)
{
	free(t->name);
	free(t->src);
	free(t->strs);
	free(t->nodes);
	free(t);
}

static int
namecmp(const void *key, const void *t)
{
	return (strcmp(key, (*(struct tpl * const *)t)->name));
}

static int
strpcmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

static const struct tpl *
find(const struct tpl_set *set, const char *name)
{
	struct tpl **t;

	if (set == NULL || set->n == 0 || name == NULL)
		return (NULL);
	t = bsearch(name, set->tpls, set->n, sizeof(*set->tpls), namecmp);
	return (t == NULL ? NULL : *t);
}

/* Resolves partials and rebuilds the key list after a template is added. */
static void
relink(struct tpl_set *set)
{
	struct node *nd;
	size_t	     i, j, n;

	n = 0;
	for (i = 0; i < set->n; i++) {
		for (j = 0; j < set->tpls[i]->n; j++) {
			nd = &set->tpls[i]->nodes[j];
			if (nd->type == N_PARTIAL)
				nd->partial = find(set, nd->s);
			else if (nd->type == N_MSG)
				n++;
		}
	}
	free(set->keys);
	set->keys = xcalloc(n, sizeof(*set->keys));
	set->nkeys = 0;
	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->tpls[i]->n; j++)
			if (set->tpls[i]->nodes[j].type == N_MSG)
				set->keys[set->nkeys++] =
				    set->tpls[i]->nodes[j].s;
	if (set->nkeys < 2)
		return;
	qsort(set->keys, set->nkeys, sizeof(*set->keys), strpcmp);
	for (i = 1, n = 1; i < set->nkeys; i++)
		if (strcmp(set->keys[i], set->keys[n - 1]) != 0)
			set->keys[n++] = set->keys[i];
	set->nkeys = n;
}

static void
seterr(char *err, size_t errlen, const char *name, size_t line, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(err, errlen, name, line, fmt, ap);
	va_end(ap);
}

static void
vseterr(char *err, size_t errlen, const char *name, size_t line,
    const char *fmt, va_list ap)
{
	int n;

	if (err == NULL || errlen == 0)
		return;
	if (line > 0)
		n = snprintf(err, errlen, "%s:%zu: ", name, line);
	else
		n = snprintf(err, errlen, "%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return;
	vsnprintf(err + n, errlen - n, fmt, ap);
}

static int
isws(int c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r');
}

static int
iskeychar(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '.');
}

static struct node *
addnode(struct tpl *t, size_t *cap, int type)
{
	struct node *n;

	if (t->n == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		t->nodes = xrealloc(t->nodes, *cap * sizeof(*t->nodes));
	}
	n = &t->nodes[t->n++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	return (n);
}

/*
 * Copies the name [a, b) to *w with '.' turned into NUL and sets *len.
 * Returns NULL, or why the name is bad.
 */
static const char *
putpath(char **w, const char *a, const char *b, size_t *len)
{
	const char *p;
	char	   *o;

	if (a == b)
		return ("empty name");
	o = *w;
	if (b - a == 1 && *a == '.') {
		*o = '\0';
		*w = o + 1;
		*len = 0;
		return (NULL);
	}
	for (p = a; p < b; p++) {
		if (*p == '.') {
			if (p == a || p + 1 == b || p[1] == '.')
				return ("bad name (empty segment)");
			*o++ = '\0';
		} else if ((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-' || *p == ':')
			*o++ = *p;
		else
			return ("bad character in name");
	}
	*o++ = '\0';
	*w = o;
	*len = b - a;
	return (NULL);
}

/* Partial names and message keys are looked up whole, dots included. */
static const char *
putname(char **w, const char *a, const char *b, int key, size_t *len)
{
	const char *p;
	char	   *o;

	if (a == b)
		return (key ? "empty message key" : "empty partial name");
	o = *w;
	for (p = a; p < b; p++) {
		if (key && !iskeychar((unsigned char)*p))
			return ("bad character in message key");
		if (!key && !iskeychar((unsigned char)*p) &&
		    !(*p >= 'A' && *p <= 'Z') && *p != '-' && *p != ':')
			return ("bad character in partial name");
		*o++ = *p;
	}
	*o++ = '\0';
	*w = o;
	*len = b - a;
	return (NULL);
}

static int
parse(struct tpl *t, const char *errname, char *err, size_t errlen)
{
	struct parser	      ps;
	const struct section *sec;
	const char	     *p;

	ps.t = t;
	ps.errname = errname;
	ps.err = err;
	ps.errlen = errlen;
	ps.w = t->strs;
	ps.cap = 0;
	ps.line = 1;
	ps.tagline = 0;
	ps.depth = 0;
	p = t->src;
	while (*p != '\0') {
		p = parse_text(&ps, p);
		if (*p == '\0')
			break;
		if ((p = parse_tag(&ps, p)) == NULL)
			return (0);
	}
	if (ps.depth > 0) {
		sec = &ps.open[ps.depth - 1];
		seterr(err, errlen, errname, sec->line,
		    "unclosed section {{%c%.*s}}", sec->sigil,
		    (int)sec->namelen, sec->name);
		return (0);
	}
	return (1);
}

static void
parse_err(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(ps->err, ps->errlen, ps->errname, ps->tagline, fmt, ap);
	va_end(ap);
}

static size_t
countnl(const char *a, const char *b)
{
	size_t n;

	for (n = 0; a < b; a++)
		if (*a == '\n')
			n++;
	return (n);
}

/* Adds the text from p to the next tag; returns the tag, or the end. */
static const char *
parse_text(struct parser *ps, const char *p)
{
	struct node *n;
	const char  *tag;

	if ((tag = strstr(p, "{{")) == NULL)
		tag = p + strlen(p);
	if (tag > p) {
		n = addnode(ps->t, &ps->cap, N_TEXT);
		n->s = p;
		n->len = tag - p;
		ps->line += countnl(p, tag);
	}
	return (tag);
}

/* Compiles the tag at tag; returns what follows it, or NULL on error. */
static const char *
parse_tag(struct parser *ps, const char *tag)
{
	const char *a, *b, *close;
	int	    triple;

	ps->tagline = ps->line;
	triple = tag[2] == '{';
	a = tag + (triple ? 3 : 2);
	if ((close = strstr(a, "}}")) == NULL || (triple && close[2] != '}')) {
		parse_err(ps, "unclosed tag");
		return (NULL);
	}
	ps->line += countnl(tag, close);
	while (a < close && isws((unsigned char)*a))
		a++;
	b = close;
	while (b > a && isws((unsigned char)b[-1]))
		b--;
	if (!(triple ? tag_triple(ps, a, b) : tag_double(ps, a, b)))
		return (NULL);
	return (close + (triple ? 3 : 2));
}

/* {{{name_html}}}: the value of a dotted name, not escaped. */
static int
tag_triple(struct parser *ps, const char *a, const char *b)
{
	struct node *n;
	const char  *s, *why;
	size_t	     len;

	s = ps->w;
	if ((why = putpath(&ps->w, a, b, &len)) != NULL) {
		parse_err(ps, "%s", why);
		return (0);
	}
	if (b - a < 5 || memcmp(b - 5, "_html", 5) != 0) {
		parse_err(ps,
		    "{{{%.*s}}}: unescaped output needs a name ending in _html",
		    (int)(b - a), a);
		return (0);
	}
	n = addnode(ps->t, &ps->cap, N_RAW);
	n->s = s;
	n->len = len;
	return (1);
}

/*
 * {{name}}, {{#name}}, {{^name}}, {{/name}}, {{>partial}}, {{t:key}} or
 * {{!comment}}, [a, b) the text between the braces.
 */
static int
tag_double(struct parser *ps, const char *a, const char *b)
{
	struct node *n;
	const char  *s, *why;
	size_t	     len;
	int	     type;

	if (a == b) {
		parse_err(ps, "empty name");
		return (0);
	}
	if ((type = tag_type(ps, a, b)) == TAG_COMMENT)
		return (1);
	if (type == TAG_BAD)
		return (0);
	if (type != N_VAR) {
		a += type == N_MSG ? 2 : 1;
		while (a < b && isws((unsigned char)*a))
			a++;
	}
	s = ps->w;
	if (type == N_PARTIAL || type == N_MSG)
		why = putname(&ps->w, a, b, type == N_MSG, &len);
	else
		why = putpath(&ps->w, a, b, &len);
	if (why != NULL) {
		parse_err(ps, "%s", why);
		return (0);
	}
	if (type == TAG_CLOSE)
		return (section_close(ps, a, b, s, len));
	n = addnode(ps->t, &ps->cap, type);
	n->s = s;
	n->len = len;
	if (type == N_SECTION || type == N_INVERTED)
		return (section_open(ps, type, a, b));
	return (1);
}

/* The node type a tag's sigil asks for, or TAG_COMMENT, TAG_CLOSE, TAG_BAD. */
static int
tag_type(struct parser *ps, const char *a, const char *b)
{
	switch (*a) {
	case '!':
		return (TAG_COMMENT);
	case '#':
		return (N_SECTION);
	case '^':
		return (N_INVERTED);
	case '/':
		return (TAG_CLOSE);
	case '>':
		return (N_PARTIAL);
	case '&':
	case '{':
		parse_err(ps, "unescaped output needs {{{name_html}}}");
		return (TAG_BAD);
	case '=':
		parse_err(ps, "delimiter changes are not supported");
		return (TAG_BAD);
	default:
		if (b - a >= 2 && a[0] == 't' && a[1] == ':')
			return (N_MSG);
		return (N_VAR);
	}
}

/* The section node just added opens; [a, b) is its name as written. */
static int
section_open(struct parser *ps, int type, const char *a, const char *b)
{
	struct section *sec;

	if (ps->depth == SECTION_DEPTH_MAX) {
		parse_err(ps, "sections nested too deeply");
		return (0);
	}
	sec = &ps->open[ps->depth++];
	sec->node = ps->t->n - 1;
	sec->line = ps->tagline;
	sec->name = a;
	sec->namelen = b - a;
	sec->sigil = type == N_SECTION ? '#' : '^';
	return (1);
}

/* {{/name}}: [a, b) as written, s and len as putpath() stored it. */
static int
section_close(struct parser *ps, const char *a, const char *b, const char *s,
    size_t len)
{
	const struct section *sec;
	struct node	     *n;

	if (ps->depth == 0) {
		parse_err(ps, "{{/%.*s}} without an open section", (int)(b - a),
		    a);
		return (0);
	}
	sec = &ps->open[ps->depth - 1];
	n = &ps->t->nodes[sec->node];
	if (n->len != len || memcmp(n->s, s, len) != 0) {
		parse_err(ps, "{{/%.*s}} does not close {{%c%.*s}} of line %zu",
		    (int)(b - a), a, sec->sigil, (int)sec->namelen, sec->name,
		    sec->line);
		return (0);
	}
	n->end = ps->t->n;
	ps->depth--;
	return (1);
}

static void
stackinit(struct stack *st)
{
	st->v = st->local;
	st->n = 0;
	st->cap = STACK_LOCAL;
}

static void
stackfree(struct stack *st)
{
	if (st->v != st->local)
		free(st->v);
}

static void
push(struct stack *st, json_t *v)
{
	if (st->n == st->cap) {
		if (st->v == st->local) {
			st->v = xcalloc(st->cap * 2, sizeof(*st->v));
			memcpy(st->v, st->local, sizeof(st->local));
		} else
			st->v = xrealloc(st->v, st->cap * 2 * sizeof(*st->v));
		st->cap *= 2;
	}
	st->v[st->n++] = v;
}

/* The first segment is searched from the innermost context outward. */
static json_t *
lookup(const struct stack *st, const char *path, size_t len)
{
	json_t *v;
	size_t	i, off;

	if (len == 0)
		return (st->n > 0 ? st->v[st->n - 1] : NULL);
	v = NULL;
	for (i = st->n; i > 0; i--)
		if ((v = json_object_get(st->v[i - 1], path)) != NULL)
			break;
	for (off = strlen(path) + 1; v != NULL && off < len;
	     off += strlen(path + off) + 1)
		v = json_object_get(v, path + off);
	return (v);
}

static void
emit(struct dbuf *out, const json_t *v, int escape)
{
	char buf[64];
	int  n;

	if (v == NULL)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			html_escape(out, json_string_value(v),
			    json_string_length(v));
		else
			dbuf_append(out, json_string_value(v),
			    json_string_length(v));
		return;
	case JSON_INTEGER:
		n = snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		n = snprintf(buf, sizeof(buf), "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		dbuf_append(out, "true", 4);
		return;
	default:
		return;
	}
	if (n > 0 && (size_t)n < sizeof(buf))
		dbuf_append(out, buf, n);
}

static int
truthy(const json_t *v)
{
	if (v == NULL)
		return (0);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_TRUE:
		return (1);
	case JSON_ARRAY:
		return (json_array_size(v) > 0);
	case JSON_STRING:
		return (json_string_length(v) > 0);
	case JSON_INTEGER:
		return (json_integer_value(v) != 0);
	case JSON_REAL:
		return (json_real_value(v) != 0.0);
	default:
		return (0);
	}
}

static int
message(struct rctx *r, const struct i18n_part *parts, size_t n, int escape)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (parts[i].var)
			emit(r->out,
			    lookup(&r->st, parts[i].text, parts[i].len),
			    escape);
		else if (escape)
			html_escape(r->out, parts[i].text, parts[i].len);
		else
			dbuf_append(r->out, parts[i].text, parts[i].len);
	}
	return (1);
}

static int
render(struct rctx *r, const struct tpl *t, size_t from, size_t to, int depth)
{
	const struct node      *nd;
	const struct i18n_part *parts;
	json_t		       *v;
	size_t			i, j, n;
	int			ok;

	for (i = from; i < to; i++) {
		if (r->steps == 0 || r->out->len > RENDER_OUT_MAX)
			return (0);
		r->steps--;
		nd = &t->nodes[i];
		switch (nd->type) {
		case N_TEXT:
			dbuf_append(r->out, nd->s, nd->len);
			break;
		case N_VAR:
		case N_RAW:
			emit(r->out, lookup(&r->st, nd->s, nd->len),
			    nd->type == N_VAR && !r->text);
			break;
		case N_SECTION:
			v = lookup(&r->st, nd->s, nd->len);
			if (json_is_array(v)) {
				n = json_array_size(v);
				for (j = 0; j < n; j++) {
					push(&r->st, json_array_get(v, j));
					ok = render(r, t, i + 1, nd->end,
					    depth);
					r->st.n--;
					if (!ok)
						return (0);
				}
			} else if (truthy(v)) {
				push(&r->st, v);
				ok = render(r, t, i + 1, nd->end, depth);
				r->st.n--;
				if (!ok)
					return (0);
			}
			i = nd->end - 1;
			break;
		case N_INVERTED:
			v = lookup(&r->st, nd->s, nd->len);
			if (!truthy(v) && !render(r, t, i + 1, nd->end, depth))
				return (0);
			i = nd->end - 1;
			break;
		case N_PARTIAL:
			if (nd->partial == NULL || depth >= PARTIAL_DEPTH_MAX)
				return (0);
			if (!render(r, nd->partial, 0, nd->partial->n,
				depth + 1))
				return (0);
			break;
		case N_MSG:
			if ((parts = i18n_parts(r->cat, nd->s, &n)) == NULL)
				return (0);
			message(r, parts, n, !r->text);
			break;
		}
	}
	return (1);
}
