/*
 * The mail drive-mailer builds from what people wrote (app/mime.c):
 * subject and display names as RFC 2047 encoded-words, the text as
 * quoted-printable, the HTML as base64, the comment excerpt.  Every line
 * must end in CRLF, and no line may pass 78 characters.  The input is
 * split at NUL bytes into subject, display name, text and HTML.
 */

#include "fuzz.h"

static void
lines_ok(const struct dbuf *b, size_t max, const char *what)
{
	size_t i, col;

	col = 0;
	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '\r') {
			if (i + 1 == b->len || b->data[i + 1] != '\n')
				FUZZ_FAIL("%s: a CR without LF at %zu", what,
				    i);
			i++;
			col = 0;
			continue;
		}
		if (b->data[i] == '\n')
			FUZZ_FAIL("%s: a bare LF at %zu", what, i);
		if (++col > max)
			FUZZ_FAIL("%s: a line longer than %zu at %zu", what,
			    max, i);
	}
}

static char *
part(const uint8_t **data, size_t *size)
{
	const uint8_t *nul;
	char	      *s;
	size_t	       n;

	nul = memchr(*data, 0, *size);
	n = nul == NULL ? *size : (size_t)(nul - *data);
	s = fuzz_str(*data, n);
	*data += nul == NULL ? n : n + 1;
	*size -= nul == NULL ? n : n + 1;
	return (s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_mail m;
	struct dbuf	 b;
	char		*subject, *name, *text, *html, *ex;

	subject = part(&data, &size);
	name = part(&data, &size);
	text = part(&data, &size);
	html = part(&data, &size);

	dbuf_init(&b);
	mime_header(&b, "Subject", subject);
	lines_ok(&b, MIME_LINE_MAX, "Subject");
	dbuf_free(&b);

	if (!mime_address_header(&b, "To", name, "someone@example.test"))
		FUZZ_FAIL("a plain address refused");
	lines_ok(&b, MIME_LINE_MAX, "To");
	dbuf_free(&b);

	mime_qp(&b, text, strlen(text));
	lines_ok(&b, MIME_BODY_MAX, "quoted-printable");
	if (b.len > 0 && b.data[b.len - 1] == '=')
		FUZZ_FAIL("quoted-printable ends in a lone '='");
	dbuf_free(&b);

	if (utf8_valid(text, strlen(text))) {
		ex = mime_excerpt(text, 300);
		if (!utf8_valid(ex, strlen(ex)) ||
		    utf8_count(ex, strlen(ex)) > 301)
			FUZZ_FAIL("excerpt of %zu code points",
			    utf8_count(ex, strlen(ex)));
		free(ex);
	}

	memset(&m, 0, sizeof(m));
	m.from_name = "Drive";
	m.from_addr = "drive@example.test";
	m.to_name = name;
	m.to_addr = "someone@example.test";
	m.subject = subject;
	m.message_id = "outbox-1.drive@example.test";
	m.date = 1700000000;
	m.text = text;
	m.html = html;
	if (!mime_build(&b, &m))
		FUZZ_FAIL("mime_build refused a mail");
	lines_ok(&b, MIME_LINE_MAX, "mail");
	dbuf_free(&b);

	free(subject);
	free(name);
	free(text);
	free(html);
	return (0);
}
