/*
 * Drive: one mail as RFC 5322 and MIME want it.
 *
 * Pure code (no I/O, no clock) so that the unit tests can check every
 * line drive-mailer would send: header lines of at most 78 characters,
 * RFC 2047 encoded-words that never split a UTF-8 character, encoded
 * bodies in lines of at most 76, and CRLF everywhere.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmark.h>

#include "drive.h"

/* "=?UTF-8?B?" and "?=": what an encoded-word adds to its base64. */
#define EW_OVERHEAD 12
/* An encoded-word is at most 75 characters (RFC 2047, 2). */
#define EW_MAX 75
/* 57 bytes are 76 characters of base64. */
#define B64_LINE_BYTES 57
/* So that ' boundary="..."' fits on its line. */
#define BOUNDARY_MAX 60

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int  addr_ok(const char *);
static int  plain_ascii(const char *);
static int  atext_phrase(const char *);
static void encwords(struct dbuf *, size_t *, const char *, size_t);
static void quoted(struct dbuf *, size_t *, const char *);
static void crlf_end(struct dbuf *);

void
mime_base64(struct dbuf *out, const void *p, size_t len)
{
	const unsigned char *s = p;
	char		     q[4];
	size_t		     i;

	for (i = 0; i + 2 < len; i += 3) {
		q[0] = b64chars[s[i] >> 2];
		q[1] = b64chars[((s[i] & 0x03) << 4) | (s[i + 1] >> 4)];
		q[2] = b64chars[((s[i + 1] & 0x0f) << 2) | (s[i + 2] >> 6)];
		q[3] = b64chars[s[i + 2] & 0x3f];
		dbuf_append(out, q, 4);
	}
	if (len - i == 1) {
		q[0] = b64chars[s[i] >> 2];
		q[1] = b64chars[(s[i] & 0x03) << 4];
		q[2] = q[3] = '=';
		dbuf_append(out, q, 4);
	} else if (len - i == 2) {
		q[0] = b64chars[s[i] >> 2];
		q[1] = b64chars[((s[i] & 0x03) << 4) | (s[i + 1] >> 4)];
		q[2] = b64chars[(s[i + 1] & 0x0f) << 2];
		q[3] = '=';
		dbuf_append(out, q, 4);
	}
}

void
mime_base64_lines(struct dbuf *out, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t		     i, n;

	for (i = 0; i < len; i += n) {
		n = len - i < B64_LINE_BYTES ? len - i : B64_LINE_BYTES;
		mime_base64(out, s + i, n);
		dbuf_append(out, "\r\n", 2);
	}
}

/*
 * Quoted-printable, RFC 2045 6.7.  A line's last space or tab is
 * encoded (transports strip trailing white space), and so is a '.' at
 * the start of a line (a lone "." would end the SMTP DATA for a relay
 * that forgot dot-stuffing).  Soft breaks keep every line, its '='
 * included, within MIME_BODY_MAX.
 */
void
mime_qp(struct dbuf *out, const char *s, size_t len)
{
	const char   *end, *eol, *p;
	char	      tok[4];
	size_t	      col, llen, tlen;
	unsigned char c;
	int	      last, lit;

	end = s + len;
	while (s < end) {
		if ((eol = memchr(s, '\n', end - s)) == NULL)
			eol = end;
		llen = eol - s;
		if (llen > 0 && s[llen - 1] == '\r')
			llen--;
		col = 0;
		for (p = s; p < s + llen; p++) {
			c = (unsigned char)*p;
			last = p + 1 == s + llen;
			for (;;) {
				lit = (c > 32 && c < 127 && c != '=' &&
					  !(c == '.' && col == 0)) ||
				    ((c == ' ' || c == '\t') && !last);
				tlen = lit ? 1 : 3;
				if (col + tlen <=
				    (last ? MIME_BODY_MAX : MIME_BODY_MAX - 1))
					break;
				dbuf_append(out, "=\r\n", 3);
				col = 0;
			}
			if (lit)
				tok[0] = c;
			else
				(void)snprintf(tok, sizeof(tok), "=%02X", c);
			dbuf_append(out, tok, tlen);
			col += tlen;
		}
		if (eol < end)
			dbuf_append(out, "\r\n", 2);
		s = eol < end ? eol + 1 : end;
	}
}

/* An addr-spec we can hand to SMTP as it is: printable ASCII, one '@'. */
static int
addr_ok(const char *a)
{
	const char *p, *at;
	size_t	    len;

	if (a == NULL || (len = strlen(a)) < 3 || len > 254)
		return (0);
	if ((at = strchr(a, '@')) == NULL || at == a || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return (0);
	for (p = a; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 127 || strchr("<>()[]\\,;:\"", *p))
			return (0);
	}
	return (1);
}

/* Printable ASCII that no decoder could take for an encoded-word. */
static int
plain_ascii(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (*p < ' ' || *p >= 127)
			return (0);
	return (strstr(s, "=?") == NULL);
}

/* Words of RFC 5322 atext separated by single spaces. */
static int
atext_phrase(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == ' ')
		return (0);
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') ||
		    strchr("!#$%&'*+-/=?^_`{|}~", *p) != NULL)
			continue;
		if (*p == ' ' && p[1] != ' ' && p[1] != '\0')
			continue;
		return (0);
	}
	return (strstr(s, "=?") == NULL);
}

/*
 * RFC 2047 "B" encoded-words from column *col on, each holding whole
 * UTF-8 characters (2047, 5), folded so that no line passes
 * MIME_LINE_MAX.
 */
static void
encwords(struct dbuf *out, size_t *col, const char *s, size_t len)
{
	size_t room, max, n, used;
	int    sep;

	sep = 0;
	while (len > 0) {
		used = *col + (sep ? 1 : 0);
		room = used < MIME_LINE_MAX ? MIME_LINE_MAX - used : 0;
		if (room > EW_MAX)
			room = EW_MAX;
		max = room > EW_OVERHEAD ? (room - EW_OVERHEAD) / 4 * 3 : 0;
		n = len < max ? len : max;
		/* Back off to the start of a character. */
		while (n > 0 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		if (n == 0 && *col <= 1) /* not UTF-8 at all: cut */
			n = len < max ? len : max;
		if (n == 0) {
			dbuf_append(out, "\r\n ", 3);
			*col = 1;
			sep = 0;
			continue;
		}
		if (sep) {
			dbuf_append(out, " ", 1);
			(*col)++;
		}
		dbuf_append(out, "=?UTF-8?B?", 10);
		mime_base64(out, s, n);
		dbuf_append(out, "?=", 2);
		*col += EW_OVERHEAD + (n + 2) / 3 * 4;
		s += n;
		len -= n;
		sep = 1;
	}
}

static void
quoted(struct dbuf *out, size_t *col, const char *s)
{
	const char *p;

	dbuf_append(out, "\"", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			dbuf_append(out, "\\", 1);
			(*col)++;
		}
		dbuf_append(out, p, 1);
	}
	dbuf_append(out, "\"", 1);
	*col += strlen(s) + 2;
}

void
mime_header(struct dbuf *out, const char *name, const char *value)
{
	size_t col;

	dbuf_appendf(out, "%s: ", name);
	col = strlen(name) + 2;
	if (plain_ascii(value) && col + strlen(value) <= MIME_LINE_MAX)
		dbuf_appendstr(out, value);
	else
		encwords(out, &col, value, strlen(value));
	dbuf_append(out, "\r\n", 2);
}

int
mime_address_header(struct dbuf *out, const char *name, const char *display,
    const char *addr)
{
	size_t col, len, n;

	if (!addr_ok(addr))
		return (0);
	dbuf_appendf(out, "%s: ", name);
	col = strlen(name) + 2;
	if (display == NULL || *display == '\0') {
		dbuf_appendstr(out, addr);
		dbuf_append(out, "\r\n", 2);
		return (1);
	}
	len = strlen(display);
	if (atext_phrase(display) && col + len <= MIME_LINE_MAX) {
		dbuf_appendstr(out, display);
		col += len;
	} else if (plain_ascii(display) && col + 2 * len + 2 <= MIME_LINE_MAX)
		quoted(out, &col, display);
	else
		encwords(out, &col, display, len);
	n = strlen(addr) + 2;
	if (col + 1 + n > MIME_LINE_MAX) {
		dbuf_append(out, "\r\n", 2);
		col = 0;
	}
	dbuf_appendf(out, " <%s>\r\n", addr);
	return (1);
}

void
mime_date(char *buf, size_t len, int64_t when)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
		"Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	   tm;
	time_t		   t;

	/* Names spelt out: strftime would follow the locale. */
	t = (time_t)when;
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	(void)snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
mime_split_address(const char *s, char **name, char **addr)
{
	const char *lt, *gt, *a, *b;
	size_t	    len;

	*name = *addr = NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len > 0 && s[len - 1] == '>' &&
	    (lt = memchr(s, '<', len)) != NULL) {
		gt = s + len - 1;
		*addr = xmalloc(gt - lt);
		memcpy(*addr, lt + 1, gt - lt - 1);
		(*addr)[gt - lt - 1] = '\0';
		a = s;
		b = lt;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b - a >= 2 && *a == '"' && b[-1] == '"') {
			a++;
			b--;
		}
		*name = xmalloc(b - a + 1);
		memcpy(*name, a, b - a);
		(*name)[b - a] = '\0';
	} else {
		*addr = xmalloc(len + 1);
		memcpy(*addr, s, len);
		(*addr)[len] = '\0';
		*name = xstrdup("");
	}
	if (!addr_ok(*addr) || strpbrk(*name, "\r\n") != NULL) {
		free(*name);
		free(*addr);
		*name = *addr = NULL;
		return (0);
	}
	return (1);
}

static void
crlf_end(struct dbuf *out)
{
	if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		dbuf_append(out, "\r\n", 2);
}

/*
 * The boundary starts with "=_", which neither quoted-printable (a '='
 * is always followed by hex or a line break) nor base64 can produce,
 * so it never occurs in an encoded part.
 */
int
mime_build(struct dbuf *out, const struct mime_mail *m)
{
	char	    date[64], boundary[BOUNDARY_MAX + 1];
	const char *p;
	size_t	    n;

	if (!addr_ok(m->from_addr) || !addr_ok(m->to_addr) ||
	    m->message_id == NULL || !plain_ascii(m->message_id) ||
	    strpbrk(m->message_id, "<> ") != NULL ||
	    strlen(m->message_id) > MIME_LINE_MAX - 14)
		return (0);
	if (m->unsubscribe != NULL &&
	    (!plain_ascii(m->unsubscribe) ||
		strpbrk(m->unsubscribe, "<> ,") != NULL ||
		strlen(m->unsubscribe) > MIME_UNSUBSCRIBE_MAX))
		return (0);

	n = snprintf(boundary, sizeof(boundary), "=_drive_");
	for (p = m->message_id; *p != '\0' && n < BOUNDARY_MAX; p++)
		boundary[n++] = ((*p >= 'a' && *p <= 'z') ||
				    (*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9') || *p == '.' ||
				    *p == '-') ?
		    *p :
		    '_';
	boundary[n] = '\0';

	(void)mime_address_header(out, "From", m->from_name, m->from_addr);
	(void)mime_address_header(out, "To", m->to_name, m->to_addr);
	mime_header(out, "Subject", m->subject);
	mime_date(date, sizeof(date), m->date);
	dbuf_appendf(out, "Date: %s\r\n", date);
	dbuf_appendf(out, "Message-ID: <%s>\r\n", m->message_id);
	dbuf_appendstr(out, "MIME-Version: 1.0\r\n");
	/* RFC 3834: no vacation replies to a notification, please. */
	dbuf_appendstr(out, "Auto-Submitted: auto-generated\r\n");
	/*
	 * RFC 2369 and RFC 8058 (one click, by POST).  A URL cannot be
	 * folded: past 78 characters it has a line of its own, the one line
	 * of a mail that may be longer (RFC 5322 allows 998).
	 */
	if (m->unsubscribe != NULL) {
		dbuf_appendf(out, "List-Unsubscribe:%s<%s>\r\n",
		    strlen(m->unsubscribe) + 20 > MIME_LINE_MAX ? "\r\n " : " ",
		    m->unsubscribe);
		dbuf_appendstr(out,
		    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
	}
	dbuf_appendf(out,
	    "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"%s\"\r\n",
	    boundary);
	dbuf_appendstr(out, "\r\n");

	dbuf_appendf(out, "--%s\r\n", boundary);
	dbuf_appendstr(out,
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp(out, m->text, strlen(m->text));
	crlf_end(out);

	/* Base64: cmark's HTML has lines of any length. */
	dbuf_appendf(out, "--%s\r\n", boundary);
	dbuf_appendstr(out,
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	mime_base64_lines(out, m->html, strlen(m->html));
	crlf_end(out);
	dbuf_appendf(out, "--%s--\r\n", boundary);
	return (1);
}

char *
mime_excerpt(const char *s, size_t max)
{
	struct dbuf b;
	size_t	    i, chars, cut, word;

	chars = 0;
	cut = 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (chars == max) {
			cut = i;
			break;
		}
		chars++;
	}
	if (s[i] == '\0')
		return (xstrdup(s));
	/* After the last word that ends in the final fifth, if any. */
	for (word = cut; word > cut - cut / 5 && word > 0; word--)
		if (s[word - 1] == ' ' || s[word - 1] == '\n' ||
		    s[word - 1] == '\t')
			break;
	if (word > cut - cut / 5 && word > 0)
		cut = word;
	while (cut > 0 &&
	    (s[cut - 1] == ' ' || s[cut - 1] == '\n' || s[cut - 1] == '\t'))
		cut--;
	dbuf_init(&b);
	dbuf_append(&b, s, cut);
	dbuf_appendstr(&b, "\xe2\x80\xa6");
	return (dbuf_release(&b));
}

/* The text inside a node (an image's alt text), without markup. */
static void
md_plain(cmark_node *node, struct dbuf *b)
{
	cmark_node *c;
	const char *lit;

	for (c = cmark_node_first_child(node); c != NULL;
	     c = cmark_node_next(c)) {
		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			if ((lit = cmark_node_get_literal(c)) != NULL)
				dbuf_appendstr(b, lit);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			dbuf_append(b, " ", 1);
			break;
		default:
			md_plain(c, b);
			break;
		}
	}
}

/* 1 when a link shows its own address already (<https://...>). */
static int
md_link_shows_url(cmark_node *link, const char *url)
{
	cmark_node *c = cmark_node_first_child(link);
	const char *lit;

	if (c == NULL || cmark_node_next(c) != NULL ||
	    cmark_node_get_type(c) != CMARK_NODE_TEXT ||
	    (lit = cmark_node_get_literal(c)) == NULL)
		return (0);
	return (strcmp(lit, url) == 0 ||
	    (strncmp(url, "mailto:", 7) == 0 && strcmp(lit, url + 7) == 0));
}

static cmark_node *
md_text(const char *s)
{
	cmark_node *t;

	t = cmark_node_new(CMARK_NODE_TEXT);
	(void)cmark_node_set_literal(t, s);
	return (t);
}

/*
 * Markdown (a comment, a response) as HTML for a mail.  cmark keeps it
 * safe as on the pages (no raw HTML, no javascript: links); a mail also
 * loads no remote image, which would tell whoever wrote the Markdown
 * when, where and by whom the mail was read: an image becomes its alt
 * text.  And a link shows where it goes, "text (https://...)", since the
 * reader of a mail cannot hover over it first.
 */
char *
mime_md_html(const char *text)
{
	cmark_node	*doc, *node, **found = NULL;
	cmark_iter	*it;
	cmark_event_type ev;
	cmark_node_type	 type;
	struct dbuf	 b;
	const char	*url;
	char		*html, *copy;
	size_t		 n = 0, i;

	doc = cmark_parse_document(text, strlen(text),
	    CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	/* Collected first: the tree must not change under the iterator. */
	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		type = cmark_node_get_type(node);
		if (ev == CMARK_EVENT_EXIT &&
		    (type == CMARK_NODE_IMAGE || type == CMARK_NODE_LINK)) {
			found = xrealloc(found, (n + 1) * sizeof(*found));
			found[n++] = node;
		}
	}
	cmark_iter_free(it);

	/* Inner nodes exit first: an image inside a link goes first. */
	for (i = 0; i < n; i++) {
		node = found[i];
		dbuf_init(&b);
		if (cmark_node_get_type(node) == CMARK_NODE_IMAGE) {
			md_plain(node, &b);
			if (b.len > 0)
				(void)cmark_node_insert_before(node,
				    md_text(b.data));
			cmark_node_free(node);
		} else if ((url = cmark_node_get_url(node)) != NULL &&
		    *url != '\0' && !md_link_shows_url(node, url)) {
			dbuf_appendf(&b, " (%s)", url);
			(void)cmark_node_insert_after(node, md_text(b.data));
		}
		dbuf_free(&b);
	}
	free(found);

	html = cmark_render_html(doc, CMARK_OPT_DEFAULT);
	cmark_node_free(doc);
	copy = xstrdup(html);
	free(html);
	return (copy);
}
