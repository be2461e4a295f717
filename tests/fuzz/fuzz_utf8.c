/*
 * The text checks every field passes (app/util.c: utf8_valid,
 * text_acceptable, line_acceptable), HTML escaping, hex tokens and CSV
 * cells.
 */

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char   *s = (const char *)data;
	struct dbuf   b;
	unsigned char raw[32];
	char	     *z;
	int	      valid;

	valid = utf8_valid(s, size);
	if (text_acceptable(s, size) &&
	    (!valid || fuzz_has_any(s, size, "\r\x01\x7f") ||
		memchr(s, 0, size)))
		FUZZ_FAIL("text_acceptable took a control character or "
			  "invalid UTF-8");
	if (line_acceptable(s, size) &&
	    (!text_acceptable(s, size) || memchr(s, '\n', size) != NULL ||
		memchr(s, '\t', size) != NULL))
		FUZZ_FAIL("line_acceptable took a line break or tab");
	if (valid && utf8_count(s, size) > size)
		FUZZ_FAIL("more code points than bytes");

	dbuf_init(&b);
	html_escape(&b, s, size);
	if (fuzz_has_any(b.data == NULL ? "" : b.data, b.len, "<>\"'"))
		FUZZ_FAIL("html_escape let a special character through");
	dbuf_free(&b);

	if (hex_decode(s, size, raw, sizeof(raw)) && size != 64)
		FUZZ_FAIL("hex_decode took %zu digits", size);

	z = fuzz_str(data, size);
	csv_cell(&b, z, 1);
	if (b.len < strlen(z) + 4 || b.data[0] != '"' ||
	    strchr("=+-@\t\r", b.data[1]) != NULL)
		FUZZ_FAIL("csv_cell: %s", b.data);
	dbuf_free(&b);
	free(z);
	return (0);
}
