/*
 * Templates (app/tpl.c): compiling any source, and rendering what
 * compiled with a context of every JSON type, a partial and a message
 * catalog.  The input is the template, then after a NUL byte the
 * partial "p".  A value of the context is never copied unescaped into
 * the HTML.
 */

#include "fuzz.h"

static json_t	       *ctx;
static struct i18n_cat *cat;

static void
setup(void)
{
	static const char catalog[] = "hello = Hello {{name}}\n"
				      "count = {{n}} votes for {{idea.title}}\n"
				      "plain = <b>tagged</b>\n";
	json_error_t	  jerr;

	ctx = json_loads(
	    "{\"name\": \"<script>x</script>\", \"n\": 3, "
	    "\"r\": 1.5, \"t\": true, \"f\": false, \"z\": null, "
	    "\"e\": \"\", \"a\": [], "
	    "\"idea\": {\"title\": \"<img src=x>\", \"body_html\": \"<p>ok</p>\","
	    " \"tags\": [\"'a'\", \"\\\"b\\\"\"]}, "
	    "\"list\": [{\"name\": \"<i>\"}, {\"n\": 0}, \"&\", 7, [1]], "
	    "\"x_html\": \"<em>raw</em>\"}",
	    0, &jerr);
	cat = i18n_parse(catalog, sizeof(catalog) - 1, "fuzz", NULL, 0);
	if (ctx == NULL || cat == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpl_set *set;
	struct dbuf	out;
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
	(void)tpl_render(set, "t", ctx, cat, &out);
	/* The sources hold no "<script" or "<img": only the context does. */
	if (out.data != NULL && strstr(src, "<script") == NULL &&
	    strstr(partial, "<script") == NULL && strstr(src, "<img") == NULL &&
	    strstr(partial, "<img") == NULL &&
	    (strstr(out.data, "<script") != NULL ||
		strstr(out.data, "<img") != NULL))
		FUZZ_FAIL("a context value was rendered unescaped");
	dbuf_free(&out);
	(void)tpl_render_text(set, "t", ctx, cat, &out);
	dbuf_free(&out);
	tpl_free(set);
done:
	free(src);
	free(partial);
	return (0);
}
