/*
 * Message catalogs (app/i18n.c: i18n_parse, as i18n_load reads
 * the files in assets/i18n/), then every message rendered as HTML and as text
 * (tpl_message) with a context; an HTML rendering never carries a
 * context value unescaped.
 */

#include "fuzz.h"

static json_t *ctx;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct i18n_cat	       *cat;
	const struct i18n_part *parts;
	struct dbuf		out;
	json_error_t		jerr;
	char			err[256];
	const char	       *k;
	size_t			i, j, n;

	if (ctx == NULL &&
	    (ctx = json_loads(
		 "{\"name\": \"<script>\", "
		 "\"n\": 2, \"a\": {\"b\": \"<img>\"}, \"l\": [1]}",
		 0, &jerr)) == NULL)
		abort();
	err[0] = '\0';
	if ((cat = i18n_parse((const char *)data, size, "fuzz", err,
		 sizeof(err))) == NULL) {
		if (err[0] == '\0')
			FUZZ_FAIL("a refused catalog without a reason");
		return (0);
	}
	for (i = 0; (k = i18n_key_at(cat, i)) != NULL; i++) {
		if (i > 0 && strcmp(i18n_key_at(cat, i - 1), k) >= 0)
			FUZZ_FAIL("keys not sorted and distinct");
		if (i18n_get(cat, k) == NULL ||
		    (parts = i18n_parts(cat, k, &n)) == NULL)
			FUZZ_FAIL("key \"%s\" not found", k);
		for (j = 0; j < n; j++)
			if (parts[j].var == 0 && parts[j].len == 0)
				FUZZ_FAIL("an empty literal part");
		dbuf_init(&out);
		if (!tpl_message(cat, k, ctx, 1, &out))
			FUZZ_FAIL("key \"%s\" not rendered", k);
		if (out.data != NULL &&
		    (strstr(out.data, "<script") || strstr(out.data, "<img")))
			FUZZ_FAIL("a value rendered unescaped in \"%s\"", k);
		dbuf_free(&out);
		(void)tpl_message(cat, k, ctx, 0, &out);
		dbuf_free(&out);
	}
	i18n_free(cat);
	return (0);
}
