/*
 * application/x-www-form-urlencoded bodies and query strings
 * (app/form.c: form_decode), then the text checks every field passes.
 */

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form		 f;
	const struct form_field *g;
	size_t			 i;

	if (!form_decode((const char *)data, size, &f)) {
		if (f.n != 0 || f.fields != NULL)
			FUZZ_FAIL("a refused form is not empty");
		return (0);
	}
	for (i = 0; i < f.n; i++) {
		if (f.fields[i].value[f.fields[i].len] != '\0')
			FUZZ_FAIL("value %zu is not terminated at its length",
			    i);
		if (memchr(f.fields[i].value, '\r', f.fields[i].len) != NULL)
			FUZZ_FAIL("a CR survived in value %zu", i);
		if (f.fields[i].len > size || strlen(f.fields[i].name) > size)
			FUZZ_FAIL("field %zu longer than the input", i);
		if ((g = form_get(&f, f.fields[i].name)) == NULL ||
		    strcmp(g->name, f.fields[i].name) != 0)
			FUZZ_FAIL("form_get misses field %zu", i);
		(void)text_acceptable(f.fields[i].value, f.fields[i].len);
		(void)line_acceptable(f.fields[i].value, f.fields[i].len);
	}
	form_free(&f);
	return (0);
}
