/*
 * Pages: the handler fills r->ctx, render_page() adds what every page
 * needs (language, the person, the CSRF token, navigation), renders the
 * page template and then the layout around it.  Templates escape every
 * value; only fields named *_html are inserted as they are.
 */

#include "drive.h"

static void ctx_put_member(struct dreq *, const char *, const char *,
    const char *);

int
render_page(struct http_request *req, struct dreq *r, int status,
    const char *name, const char *title_key, const char *nav)
{
	struct dbuf page, html;
	json_t	   *user, *navobj;
	char	   *title, csrf[TOKEN_HEX + 1];
	const char *token;
	int	    lang;

	lang = strcmp(r->lang, "de") == 0 ? 1 : 0;
	json_object_set_new(r->ctx, "lang", json_string(r->lang));
	title = out_msg(r, title_key, r->ctx);
	json_object_set_new(r->ctx, "page_title", json_string(title));
	kore_free(title);

	if (r->sess.id != 0) {
		user = session_user_json(r);
		title = out_msg(r,
		    r->sess.role == ROLE_CLIENT ? "role.client" :
			r->sess.role == ROLE_PM ? "role.pm" :
						  "role.admin",
		    NULL);
		json_object_set_new(user, "role_label", json_string(title));
		kore_free(title);
		json_object_set_new(user, "is_staff",
		    json_boolean(r->sess.role >= ROLE_PM));
		json_object_set_new(user, "is_admin",
		    json_boolean(r->sess.role >= ROLE_ADMIN));
		if (r->sess.unread > 0)
			json_object_set_new(user, "unread",
			    json_integer(r->sess.unread));
		json_object_set_new(r->ctx, "user", user);
		token = r->sess.csrf;
	} else {
		/* Anonymous forms: double-submit cookie. */
		if (r->cookie_csrf != NULL &&
		    strlen(r->cookie_csrf) == TOKEN_HEX) {
			token = r->cookie_csrf;
		} else {
			token_new(csrf);
			out_cookie(req, r, "drive_csrf", csrf, -1);
			token = csrf;
		}
	}
	json_object_set_new(r->ctx, "csrf_token", json_string(token));

	if (nav != NULL) {
		navobj = json_object();
		json_object_set_new(navobj, nav, json_true());
		json_object_set_new(r->ctx, "nav", navobj);
	}

	dbuf_init(&page);
	dbuf_init(&html);
	if (!tpl_render(drive_templates, name, r->ctx, drive_catalogs[lang],
		&page)) {
		kore_log(LOG_ERR, "template %s failed", name);
		goto fail;
	}
	/*
	 * The page is our own renderer's output from checked UTF-8: no need
	 * for jansson to check its 25 KB again (it cost a tenth of a list
	 * page's time).
	 */
	json_object_set_new(r->ctx, "content_html",
	    json_stringn_nocheck(page.data != NULL ? page.data : "", page.len));
	if (!tpl_render(drive_templates, "layout", r->ctx, drive_catalogs[lang],
		&html)) {
		kore_log(LOG_ERR, "layout failed for %s", name);
		goto fail;
	}

	out_security_headers(req, 1);
	out_header(req, "content-type", "text/html; charset=utf-8");
	out_header(req, "content-language", r->lang);
	http_response(req, status, html.data, html.len);
	dbuf_free(&page);
	dbuf_free(&html);
	return (STEP_DONE);

fail:
	dbuf_free(&page);
	dbuf_free(&html);
	out_security_headers(req, 0);
	http_response(req, 500, "internal error\n", 15);
	return (STEP_DONE);
}

/* errors.<field> = the message of key, in the request's language. */
void
ctx_set_error(struct dreq *r, const char *field, const char *key)
{
	ctx_set_error_vars(r, field, key, NULL);
}

/* The same with the message's variables (NULL for none). */
void
ctx_set_error_vars(struct dreq *r, const char *field, const char *key,
    json_t *vars)
{
	char *msg;

	msg = out_msg(r, key, vars);
	ctx_put_member(r, "errors", field, msg);
	kore_free(msg);
	json_object_set_new(r->ctx, "has_errors", json_true());
}

/* values.<field> = what was typed, so that a failed form keeps it. */
void
ctx_set_value(struct dreq *r, const char *field, const char *value)
{
	ctx_put_member(r, "values", field, value != NULL ? value : "");
}

static void
ctx_put_member(struct dreq *r, const char *obj, const char *field,
    const char *value)
{
	json_t *o;

	if ((o = json_object_get(r->ctx, obj)) == NULL) {
		o = json_object();
		json_object_set_new(r->ctx, obj, o);
	}
	json_object_set_new(o, field, json_string(value));
}

/* obj.field = the message of key with vars, in the request's language. */
void
ctx_set_msg(struct dreq *r, json_t *obj, const char *field, const char *key,
    json_t *vars)
{
	char *s;

	s = out_msg(r, key, vars);
	json_object_set_new(obj, field, json_string(s));
	kore_free(s);
}

/* The person signed in, as the API and the pages show them. */
json_t *
session_user_json(struct dreq *r)
{
	return (json_pack("{s:I, s:s, s:s}", "id", (json_int_t)r->sess.user_id,
	    "name", r->sess.name != NULL ? r->sess.name : "", "role",
	    role_name(r->sess.role)));
}

static const char *
error_heading(int status)
{
	switch (status) {
	case 400:
	case 415:
	case 422:
		return ("heading.bad_request");
	case 401:
	case 403:
		return ("heading.forbidden");
	case 404:
		return ("heading.not_found");
	case 405:
		return ("heading.method");
	case 413:
		return ("heading.too_large");
	case 503:
		return ("heading.unavailable");
	default:
		return ("heading.internal");
	}
}

/*
 * The error envelope for the API, the error page for people.  The message
 * is a catalog key, so that no error ever carries data from the request
 * or the database.
 */
int
out_error(struct http_request *req, struct dreq *r, int status,
    const char *code, const char *field, const char *msgkey)
{
	json_t *err;
	char   *msg;

	msg = out_msg(r, msgkey, NULL);
	if (r->is_api) {
		err = json_pack("{s:s, s:s}", "code", code, "message", msg);
		if (field != NULL)
			json_object_set_new(err, "field", json_string(field));
		kore_free(msg);
		return (out_json(req, r, status,
		    json_pack("{s:o}", "error", err)));
	}

	json_object_set_new(r->ctx, "status", json_integer(status));
	json_object_set_new(r->ctx, "message", json_string(msg));
	kore_free(msg);
	msg = out_msg(r, error_heading(status), NULL);
	json_object_set_new(r->ctx, "heading", json_string(msg));
	kore_free(msg);
	return (render_page(req, r, status, "error", "title.error", NULL));
}

/*
 * 429: too many failed attempts.  The API gets the envelope, a page the
 * error page; both say when to try again.
 */
int
out_rate_limited(struct http_request *req, struct dreq *r, int seconds)
{
	json_t *vars;
	char	buf[16], *msg;

	(void)snprintf(buf, sizeof(buf), "%d", seconds);
	out_header(req, "retry-after", buf);
	vars = json_pack("{s:i}", "minutes", (seconds + 59) / 60);
	msg = out_msg(r, "err.rate_limited", vars);
	json_decref(vars);
	if (r->is_api) {
		json_t *err = json_pack("{s:s, s:s}", "code", "rate_limited",
		    "message", msg);
		kore_free(msg);
		return (out_json(req, r, 429,
		    json_pack("{s:o}", "error", err)));
	}
	json_object_set_new(r->ctx, "status", json_integer(429));
	json_object_set_new(r->ctx, "message", json_string(msg));
	kore_free(msg);
	msg = out_msg(r, "heading.forbidden", NULL);
	json_object_set_new(r->ctx, "heading", json_string(msg));
	kore_free(msg);
	return (render_page(req, r, 429, "error", "title.error", NULL));
}

/* The catalog key of a role's name as people read it ("role.pm"). */
const char *
role_label_key(const char *role)
{
	switch (role_parse(role)) {
	case ROLE_CLIENT:
		return ("role.client");
	case ROLE_PM:
		return ("role.pm");
	default:
		return ("role.admin");
	}
}
