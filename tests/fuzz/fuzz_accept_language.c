/*
 * The Accept-Language header (app/i18n.c: i18n_pick): always one of the
 * catalogs' languages.
 */

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *lang;
	char	   *hdr;

	hdr = fuzz_str(data, size);
	lang = i18n_pick(hdr);
	if (lang == NULL ||
	    (strcmp(lang, "en") != 0 && strcmp(lang, "de") != 0))
		FUZZ_FAIL("i18n_pick(\"%s\") gave %s", hdr,
		    lang == NULL ? "NULL" : lang);
	free(hdr);
	return (0);
}
