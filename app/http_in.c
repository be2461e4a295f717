/*
 * Input: the body (JSON or a form, decoded by our own decoder so that
 * newlines survive), cookies, the client's address and language.  Kore's
 * own parameter parsing is not used: it drops control characters and
 * undeclared fields (see conf/KORE-NOTES.md).
 */

#include <arpa/inet.h>
#include <ctype.h>

#include "drive.h"

static void in_address(struct http_request *, struct dreq *);
static int  in_body(struct http_request *, struct dreq *);
static int  content_type_is(struct http_request *, const char *);
static void body_free(struct kore_buf *);

int
in_parse(struct http_request *req, struct dreq *r)
{
	const char *v;

	r->lang = i18n_pick(http_request_header(req, "accept-language", &v) ?
		v :
		NULL);
	in_address(req, r);

	if ((v = in_cookie(req, "drive_session")) != NULL)
		r->cookie_session = kore_strdup(v);
	if ((v = in_cookie(req, "drive_csrf")) != NULL)
		r->cookie_csrf = kore_strdup(v);

	return (in_body(req, r));
}

/*
 * A destructive or widening change that pages confirm on a page of their
 * own: the form sent again with confirm=1 (or, with JavaScript, after the
 * browser's confirm(): confirm.js adds it).  The API acts at once.
 */
int
in_confirmed(struct dreq *r)
{
	const char *v;

	return (r->is_api ||
	    ((v = in_text(r, "confirm")) != NULL && strcmp(v, "1") == 0));
}

/* GET or HEAD: the request reads and changes nothing. */
int
in_reading(struct http_request *req)
{
	return (req->method == HTTP_METHOD_GET ||
	    req->method == HTTP_METHOD_HEAD);
}

/*
 * The peer's address, or when the peer is one of the proxies named in
 * DRIVE_TRUSTED_PROXIES (nginx on this host: "127.0.0.1"), the address
 * that proxy appended to X-Forwarded-For, and whether it was reached
 * over HTTPS.  Nobody else's headers are believed.  The address is kept
 * in its canonical text (addr_canonical), so that "2001:db8:0:0:0:0:0:5"
 * and "2001:db8::5" are one address for the rate limits and the audit.
 */
static void
in_address(struct http_request *req, struct dreq *r)
{
	struct connection *c = req->owner;
	const char	  *fwd, *proto;
	char		   peer[64], buf[64];
	static int	   warned;

	peer[0] = '\0';
	if (c->family == AF_INET)
		inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, peer, sizeof(peer));
	else if (c->family == AF_INET6)
		inet_ntop(AF_INET6, &c->addr.ipv6.sin6_addr, peer,
		    sizeof(peer));
	(void)kore_strlcpy(r->address, peer, sizeof(r->address));

	if (peer[0] == '\0' || !addr_listed(drive_trusted_proxies, peer)) {
		/* A proxy not configured would make everyone one address. */
		if (!warned &&
		    http_request_header(req, "x-forwarded-for", &fwd)) {
			warned = 1;
			kore_log(LOG_NOTICE,
			    "X-Forwarded-For from %s ignored: "
			    "name the proxy in DRIVE_TRUSTED_PROXIES",
			    peer);
		}
		return;
	}

	/* The last entry is the one our proxy added (app/input.c). */
	if (http_request_header(req, "x-forwarded-for", &fwd) &&
	    forwarded_for(fwd, buf, sizeof(buf)))
		(void)addr_canonical(buf, r->address, sizeof(r->address));
	if (http_request_header(req, "x-forwarded-proto", &proto) &&
	    strcasecmp(proto, "https") == 0)
		r->secure = 1;
}

/* The raw body holds passwords: wipe it, and Kore's copy, when done. */
static void
body_free(struct kore_buf *buf)
{
	explicit_bzero(buf->data, buf->length);
	kore_buf_free(buf);
}

static int
content_type_is(struct http_request *req, const char *type)
{
	const char *v;

	if (!http_request_header(req, "content-type", &v))
		return (0);
	return (content_type_match(v, type));
}

static int
in_body(struct http_request *req, struct dreq *r)
{
	struct kore_buf *buf;
	char		 chunk[8192];
	ssize_t		 n;

	if (req->method != HTTP_METHOD_POST && req->method != HTTP_METHOD_PUT &&
	    req->method != HTTP_METHOD_PATCH)
		return (1);

	if (req->http_body_length == 0)
		return (1);
	if (req->http_body_length > DRIVE_BODY_MAX) {
		out_error(req, r, 413, "too_large", NULL, "err.too_large");
		return (0);
	}

	buf = kore_buf_alloc(req->http_body_length + 1);
	for (;;) {
		n = http_body_read(req, chunk, sizeof(chunk));
		if (n == -1) {
			body_free(buf);
			out_error(req, r, 400, "bad_request", NULL,
			    "err.bad_request");
			return (0);
		}
		if (n == 0)
			break;
		kore_buf_append(buf, chunk, n);
		if (buf->offset > DRIVE_BODY_MAX) {
			body_free(buf);
			out_error(req, r, 413, "too_large", NULL,
			    "err.too_large");
			return (0);
		}
	}

	if (req->http_body != NULL)
		explicit_bzero(req->http_body->data, req->http_body->length);

	if (content_type_is(req, "application/json")) {
		r->json = body_json((const char *)buf->data, buf->offset);
		body_free(buf);
		if (r->json == NULL) {
			out_error(req, r, 400, "malformed_json", NULL,
			    "err.malformed_json");
			return (0);
		}
		return (1);
	}

	if (r->is_api && buf->offset > 0) {
		body_free(buf);
		out_error(req, r, 415, "unsupported_media_type", NULL,
		    "err.media_type");
		return (0);
	}

	if (buf->offset > 0 &&
	    !content_type_is(req, "application/x-www-form-urlencoded")) {
		body_free(buf);
		/* A handler that needs nothing of it reads it as none. */
		if (r->h->any_body)
			return (1);
		out_error(req, r, 415, "unsupported_media_type", NULL,
		    "err.media_type");
		return (0);
	}

	if (!form_decode((const char *)buf->data, buf->offset, &r->form)) {
		body_free(buf);
		out_error(req, r, 400, "bad_request", NULL, "err.bad_request");
		return (0);
	}
	body_free(buf);
	return (1);
}

/*
 * A text field of the JSON body or the form: 1 with *out set, 0 when the
 * field is absent, -1 when it is not a string or not acceptable text
 * (NUL bytes, control characters, invalid UTF-8).
 */
int
in_field(struct dreq *r, const char *name, const char **out)
{
	return (field_text(r->json, &r->form, name, out));
}

/* The field's text, or NULL when absent or not acceptable. */
const char *
in_text(struct dreq *r, const char *name)
{
	const char *v;

	return (in_field(r, name, &v) == 1 ? v : NULL);
}

/*
 * A cookie's value from the request, or NULL.  Parsed here, because Kore
 * keeps only nine cookies and cuts values at '='.
 */
const char *
in_cookie(struct http_request *req, const char *name)
{
	static char value[256];
	const char *hdr;

	if (!http_request_header(req, "cookie", &hdr) ||
	    !cookie_get(hdr, name, value, sizeof(value)))
		return (NULL);
	return (value);
}

/*
 * A GET's query string decoded into the form, so that in_text() and
 * in_field() read its fields as they read a POST's; 0 when malformed.
 */
int
in_query(struct dreq *r)
{
	const char *q = r->req->query_string;

	if (q == NULL || r->form.n > 0 || !in_reading(r->req))
		return (1);
	return (form_decode(q, strlen(q), &r->form));
}

/* Wipes a secret field (a password) once it has been copied. */
void
in_wipe(struct dreq *r, const char *name)
{
	const struct form_field *f;
	json_t			*v;

	if (r->json != NULL) {
		v = json_object_get(r->json, name);
		if (json_is_string(v))
			explicit_bzero((char *)json_string_value(v),
			    json_string_length(v));
		json_object_del(r->json, name);
		return;
	}
	if ((f = form_get(&r->form, name)) != NULL)
		explicit_bzero(f->value, f->len);
}
