/*
 * /profile: the display name, the language of pages and mails, and
 * whether mails are sent at all.
 */

#include "drive.h"

static const struct db_query q_profile = {
	"profile",
	"SELECT display_name, coalesce(lang, ''), email_notifications, role"
	" FROM users WHERE id = $1::bigint"
};

static const struct db_query q_profile_save = {
	"profile_save",
	"UPDATE users SET display_name = $2, lang = nullif($3, ''),"
	" email_notifications = $4::boolean WHERE id = $1::bigint"
};

static int
profile_query(struct http_request *req, struct dreq *r)
{
	char	uid[32];

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, &q_profile, 1, uid);
	return (STEP_NEXT);
}

static int
profile_form(struct http_request *req, struct dreq *r, int status,
    const char *lang)
{
	json_t	*langs;

	langs = json_array();
	json_array_append_new(langs, json_pack("{s:s, s:b}", "value", "en",
	    "selected", strcmp(lang, "de") != 0));
	ctx_set_msg(r, json_array_get(langs, 0), "label", "lang.en", NULL);
	json_array_append_new(langs, json_pack("{s:s, s:b}", "value", "de",
	    "selected", strcmp(lang, "de") == 0));
	ctx_set_msg(r, json_array_get(langs, 1), "label", "lang.de", NULL);
	json_object_set_new(r->ctx, "langs", langs);
	if (req->query_string != NULL && strstr(req->query_string, "saved=1"))
		ctx_set_msg(r, r->ctx, "notice", "notice.profile_saved", NULL);
	return (render_page(req, r, status, "profile", "title.profile",
	    "profile"));
}

static int
profile_step(struct http_request *req, struct dreq *r)
{
	const char	*name, *lang, *mail;
	json_t		*values;
	char		 uid[32];
	size_t		 n;
	int		 rc;

	if (db_rows(r) != 1)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	values = json_object();
	json_object_set_new(r->ctx, "values", values);
	if (req->method != HTTP_METHOD_POST) {
		json_object_set_new(values, "name",
		    json_string(db_get(r, 0, 0)));
		json_object_set_new(values, "email_notifications",
		    json_boolean(db_bool(r, 0, 2)));
		return (profile_form(req, r, 200, db_get(r, 0, 1)));
	}

	rc = in_field(r, "name", &name);
	lang = in_text(r, "lang");
	mail = in_text(r, "email_notifications");
	json_object_set_new(values, "name", json_string(name != NULL ?
	    name : ""));
	json_object_set_new(values, "email_notifications",
	    json_boolean(mail != NULL));
	n = rc == 1 ? utf8_count(name, strlen(name)) : 0;
	if (rc != 1 || n < 2 || n > 60 || !line_acceptable(name,
	    strlen(name))) {
		ctx_set_error(r, "name", "err.name_length");
		return (profile_form(req, r, 422, lang != NULL ? lang : ""));
	}
	if (lang == NULL || (strcmp(lang, "en") != 0 && strcmp(lang, "de"))) {
		ctx_set_error(r, "lang", "err.lang_invalid");
		return (profile_form(req, r, 422, ""));
	}
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, &q_profile_save, 4, uid, name, lang,
	    mail != NULL ? "true" : "false");
	return (STEP_NEXT);
}

static int
profile_saved(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/profile?saved=1"));
}

int
page_profile(struct http_request *req)
{
	static const step_fn steps[] = {
		profile_query, profile_step, profile_saved
	};

	return (drive_run(req, ROLE_CLIENT, steps, 3));
}
