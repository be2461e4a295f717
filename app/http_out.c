/*
 * Output: security headers, cookies with SameSite, JSON answers and the
 * error envelope, redirects, and the words for times.
 */

#include <time.h>

#include "drive.h"

static const char
    *csp_html = "default-src 'none'; script-src 'self'; style-src 'self'; "
		"img-src 'self' data:; connect-src 'self'; form-action 'self'; "
		"frame-ancestors 'none'; base-uri 'none'";

/*
 * Every header the module writes goes through here.  A value holding a
 * line break (or any other control character) would end this header and
 * begin one of the sender's choosing, so it is refused: logged by name
 * (never its value, which may be a secret) and not written.
 */
void
out_header(struct http_request *req, const char *name, const char *value)
{
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			kore_log(LOG_WARNING,
			    "header %s refused: it holds a "
			    "control character",
			    name);
			return;
		}
	}
	http_response_header(req, name, value);
}

/* Every answer's headers but its caching (static files are cached). */
void
out_security_base(struct http_request *req, int html)
{
	out_header(req, "content-security-policy",
	    html ? csp_html : "default-src 'none'; frame-ancestors 'none'");
	out_header(req, "x-content-type-options", "nosniff");
	out_header(req, "x-frame-options", "DENY");
	out_header(req, "referrer-policy", "same-origin");
	out_header(req, "cross-origin-opener-policy", "same-origin");
	out_header(req, "permissions-policy",
	    "camera=(), microphone=(), geolocation=()");
}

void
out_security_headers(struct http_request *req, int html)
{
	out_security_base(req, html);
	out_header(req, "cache-control", "no-store");
}

/*
 * Kore's own cookie writer has no SameSite and copies the Host header
 * into Domain; this one is ours.  max_age < 0: a session cookie; 0:
 * delete it.
 */
void
out_cookie(struct http_request *req, struct dreq *r, const char *name,
    const char *value, int max_age)
{
	char buf[512];
	int  len;

	len = snprintf(buf, sizeof(buf),
	    "%s=%s; Path=/; HttpOnly; "
	    "SameSite=Lax%s",
	    name, value, r->secure ? "; Secure" : "");
	if (len < 0 || (size_t)len >= sizeof(buf))
		fatal("out_cookie: too long");
	if (max_age >= 0)
		(void)snprintf(buf + len, sizeof(buf) - len, "; Max-Age=%d",
		    max_age);
	out_header(req, "set-cookie", buf);
}

int
out_json(struct http_request *req, struct dreq *r, int status, json_t *obj)
{
	char *s;

	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (s == NULL)
		fatal("out_json: cannot serialise");
	out_security_headers(req, 0);
	out_header(req, "content-type", "application/json; charset=utf-8");
	http_response(req, status, s, strlen(s));
	free(s);
	return (STEP_DONE);
}

/* JSON written straight into b (freed), without a jansson tree. */
int
out_json_buf(struct http_request *req, struct dreq *r, int status,
    struct dbuf *b)
{
	out_security_headers(req, 0);
	out_header(req, "content-type", "application/json; charset=utf-8");
	http_response(req, status, b->data, b->len);
	dbuf_free(b);
	return (STEP_DONE);
}

int
out_redirect(struct http_request *req, struct dreq *r, const char *location)
{
	out_security_headers(req, 1);
	/* Only ever a path on this site, whatever the caller passed. */
	out_header(req, "location", local_path(location, "/"));
	http_response(req, 303, NULL, 0);
	return (STEP_DONE);
}

/*
 * To base ("/login", "/login/code") with ?next=<next> when next is a
 * local path other than "/", so that the person comes back there.
 */
int
out_redirect_next(struct http_request *req, struct dreq *r, const char *base,
    const char *next)
{
	struct dbuf b;
	char	   *location;
	int	    rc;

	dbuf_init(&b);
	dbuf_appendstr(&b, base);
	if (next != NULL && strcmp(next, "/") != 0 &&
	    local_path(next, NULL) != NULL) {
		dbuf_appendstr(&b, "?next=");
		url_encode(&b, next);
	}
	location = dbuf_release(&b);
	rc = out_redirect(req, r, local_path(location, base));
	free(location);
	return (rc);
}

/* A message in the request's language as plain text, appended to b. */
static void
msg_into(struct dreq *r, const char *key, json_t *vars, struct dbuf *b)
{
	int lang;

	lang = (r->lang != NULL && strcmp(r->lang, "de") == 0) ? 1 : 0;
	if (!tpl_message(drive_catalogs[lang], key, vars, 0, b))
		kore_log(LOG_NOTICE, "message %s missing", key);
}

/* A message in the request's language as plain text; kore_free it. */
char *
out_msg(struct dreq *r, const char *key, json_t *vars)
{
	struct dbuf b;
	char	   *s;

	dbuf_init(&b);
	msg_into(r, key, vars, &b);
	s = kore_strdup(b.len > 0 ? b.data : "");
	dbuf_free(&b);
	return (s);
}

/* t in ISO 8601 ("2026-12-07T14:52:39Z") into buf, of 21 bytes. */
void
out_iso8601_into(int64_t t, char buf[21])
{
	struct tm tm;
	time_t	  tt = (time_t)t;
	int	  f[6], k, y;

	gmtime_r(&tt, &tm);
	y = tm.tm_year + 1900;
	y = y < 0 ? 0 : y > 9999 ? 9999 : y;
	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	f[0] = tm.tm_mon + 1;
	f[1] = tm.tm_mday;
	f[2] = tm.tm_hour;
	f[3] = tm.tm_min;
	f[4] = tm.tm_sec;
	for (k = 0; k < 5; k++) {
		buf[4 + 3 * k] = "--T::"[k];
		buf[5 + 3 * k] = (char)('0' + f[k] / 10 % 10);
		buf[6 + 3 * k] = (char)('0' + f[k] % 10);
	}
	buf[19] = 'Z';
	buf[20] = '\0';
}

char *
out_iso8601(int64_t t)
{
	char buf[21];

	out_iso8601_into(t, buf);
	return (kore_strdup(buf));
}

/* "3 days ago" or "in 6 days", in the request's language, appended to b. */
static void
relative_into(struct dreq *r, int64_t t, struct dbuf *b)
{
	json_t *vars;
	char	key[32];
	int64_t n;

	relative_key(t - (int64_t)time(NULL), key, sizeof(key), &n);
	vars = json_object();
	json_object_set_new(vars, "n", json_integer((json_int_t)n));
	msg_into(r, key, vars, b);
	json_decref(vars);
}

char *
out_relative(struct dreq *r, int64_t t)
{
	struct dbuf b;
	char	   *s;

	dbuf_init(&b);
	relative_into(r, t, &b);
	s = kore_strdup(b.len > 0 ? b.data : "");
	dbuf_free(&b);
	return (s);
}

/*
 * obj.iso_field = t in ISO 8601; for pages also obj.ago_field = "3 days
 * ago" (when ago_field is not NULL).
 */
void
out_time(struct dreq *r, json_t *obj, const char *iso_field,
    const char *ago_field, int64_t t)
{
	struct dbuf b;
	char	    iso[21];

	out_iso8601_into(t, iso);
	json_object_set_new(obj, iso_field, json_stringn(iso, 20));
	if (ago_field != NULL && !r->is_api) {
		dbuf_init(&b);
		relative_into(r, t, &b);
		json_object_set_new(obj, ago_field,
		    json_stringn(b.data != NULL ? b.data : "", b.len));
		dbuf_free(&b);
	}
}

/* A CSV file to download, from b (freed). */
int
out_csv(struct http_request *req, const char *filename, struct dbuf *b)
{
	char disposition[128];

	(void)snprintf(disposition, sizeof(disposition),
	    "attachment; filename=\"%s\"", filename);
	out_security_headers(req, 0);
	out_header(req, "content-type", "text/csv; charset=utf-8");
	out_header(req, "content-disposition", disposition);
	http_response(req, 200, b->data, b->len);
	dbuf_free(b);
	return (STEP_DONE);
}
