/*
 * Templates (app/tpl.c): compiling any source, and rendering what
 * compiled with a context of every JSON type, a partial and a message
 * catalog.  The input is the template, then after a NUL byte the
 * partial "p".  A value of the context is never copied unescaped into
 * the HTML.  The check is differential: the template is rendered with two
 * contexts of the same shape whose markup carries different markers
 * (ZQXJ, KWVM).  Markup a template spells itself, even across a tag or a
 * partial ("<sc{{.}}ript", "<" then a partial "img", a marker split by an
 * empty tag), comes out of both alike; a value rendered unescaped puts
 * "<script>ZQXJ" into the first output only.
 */

#include "fuzz.h"

static json_t	       *ctx, *ctx_b;
static struct i18n_cat *cat;

static void
setup(void)
{
	static const char catalog[] = "hello = Hello {{name}}\n"
				      "count = {{n}} votes for {{idea.title}}\n"
				      "plain = <b>tagged</b>\n";
	static const char context[] =
	    "{\"name\": \"<script>ZQXJ</script>\", \"n\": 3, "
	    "\"r\": 1.5, \"t\": true, \"f\": false, \"z\": null, "
	    "\"e\": \"\", \"a\": [], "
	    "\"idea\": {\"title\": \"<img src=ZQXJ>\", \"body_html\": \"<p>ok</p>\","
	    " \"tags\": [\"'a'\", \"\\\"b\\\"\"]}, "
	    "\"list\": [{\"name\": \"<i>\"}, {\"n\": 0}, \"&\", 7, [1]], "
	    "\"x_html\": \"<em>raw</em>\"}";
	json_error_t jerr;
	char	     other[sizeof(context)], *p;

	ctx = json_loads(context, 0, &jerr);
	memcpy(other, context, sizeof(context));
	while ((p = strstr(other, "ZQXJ")) != NULL)
		memcpy(p, "KWVM", 4);
	ctx_b = json_loads(other, 0, &jerr);
	cat = i18n_parse(catalog, sizeof(catalog) - 1, "fuzz", NULL, 0);
	if (ctx == NULL || ctx_b == NULL || cat == NULL)
		abort();
}

/*
 * How often the output holds what: memmem, not strstr, whose sanitizer
 * check measures the rest of the output at every match.
 */
static size_t
count(const struct dbuf *b, const char *what)
{
	const char *p, *end, *hit;
	size_t	    n = 0, wl = strlen(what);

	if (b->data == NULL)
		return (0);
	p = b->data;
	end = b->data + b->len;
	while ((hit = memmem(p, (size_t)(end - p), what, wl)) != NULL) {
		n++;
		p = hit + 1;
	}
	return (n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpl_set *set;
	struct dbuf	out, out_b;
	char	       *src, *partial, err[256];
	const char     *k;
	size_t		i;

	if (ctx == NULL)
		setup();
	fuzz_split(data, size, &src, &partial);
	err[0] = '\0';
	if ((set = tpl_load_string("t", src, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			FUZZ_FAIL("a refused template without a reason");
		goto done;
	}
	(void)tpl_add_string(set, "p", partial, err, sizeof(err));
	for (i = 0; (k = tpl_message_key_at(set, i)) != NULL; i++)
		if (*k == '\0')
			FUZZ_FAIL("an empty message key");
	dbuf_init(&out);
	dbuf_init(&out_b);
	(void)tpl_render(set, "t", ctx, cat, &out);
	(void)tpl_render(set, "t", ctx_b, cat, &out_b);
	if (count(&out, "<script>ZQXJ") > count(&out_b, "<script>ZQXJ") ||
	    count(&out, "<img src=ZQXJ") > count(&out_b, "<img src=ZQXJ"))
		FUZZ_FAIL("a context value was rendered unescaped");
	dbuf_free(&out);
	dbuf_free(&out_b);
	(void)tpl_render_text(set, "t", ctx, cat, &out);
	dbuf_free(&out);
	tpl_free(set);
done:
	free(src);
	free(partial);
	return (0);
}
