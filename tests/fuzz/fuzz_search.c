/*
 * The search words marked in a title and an excerpt of a body
 * (app/check.c: search_mark, search_excerpt): the input is "q\n text".
 * What comes out must be the text HTML-escaped with only <mark> and
 * </mark> added, balanced, and valid UTF-8 whenever the text was.
 */

#include "fuzz.h"

/* The output with the <mark> tags taken out and the entities undone. */
static char *
unmark(const char *h, int *balanced)
{
	static const struct {
		const char *ent;
		char	    c;
	} ents[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&#39;", '\'' } };
	char  *out, *o;
	size_t k;
	int    open = 0;

	out = o = malloc(strlen(h) + 1);
	*balanced = 1;
	while (*h != '\0') {
		if (strncmp(h, "<mark>", 6) == 0) {
			if (open++)
				*balanced = 0;
			h += 6;
			continue;
		}
		if (strncmp(h, "</mark>", 7) == 0) {
			if (!open--)
				*balanced = 0;
			h += 7;
			continue;
		}
		if (*h == '<' || *h == '>' || *h == '"' || *h == '\'')
			*balanced = 0; /* unescaped */
		for (k = 0; *h == '&' && k < sizeof(ents) / sizeof(ents[0]);
		     k++) {
			if (strncmp(h, ents[k].ent, strlen(ents[k].ent)) == 0)
				break;
		}
		if (*h == '&' && k < sizeof(ents) / sizeof(ents[0])) {
			*o++ = ents[k].c;
			h += strlen(ents[k].ent);
			continue;
		}
		*o++ = *h++;
	}
	*o = '\0';
	if (open)
		*balanced = 0;
	return (out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbuf b;
	char	   *all, *text, *back;
	int	    balanced;

	all = fuzz_str(data, size);
	if ((text = strchr(all, '\n')) == NULL) {
		free(all);
		return (0);
	}
	*text++ = '\0';

	dbuf_init(&b);
	(void)search_mark(&b, text, all);
	dbuf_append(&b, "", 1);
	back = unmark(b.data, &balanced);
	if (!balanced || strcmp(back, text) != 0)
		FUZZ_FAIL("search_mark changed the text: \"%s\"", b.data);
	if (utf8_valid(text, strlen(text)) && !utf8_valid(b.data, b.len - 1))
		FUZZ_FAIL("search_mark cut a character: \"%s\"", b.data);
	free(back);
	dbuf_free(&b);

	dbuf_init(&b);
	if (search_excerpt(&b, text, all, 60)) {
		dbuf_append(&b, "", 1);
		back = unmark(b.data, &balanced);
		if (!balanced)
			FUZZ_FAIL("search_excerpt: tags \"%s\"", b.data);
		if (utf8_valid(text, strlen(text)) &&
		    !utf8_valid(b.data, b.len - 1))
			FUZZ_FAIL("search_excerpt cut a character: \"%s\"",
			    b.data);
		free(back);
	} else if (b.len != 0)
		FUZZ_FAIL("search_excerpt wrote without a match");
	dbuf_free(&b);
	free(all);
	return (0);
}
