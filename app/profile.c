/*
 * /profile: the display name, the language of pages and mails, and
 * whether mails are sent at all.
 */

#include "drive.h"

static const struct db_query q_profile = {
	"profile",
	"SELECT u.display_name, coalesce(u.lang, ''), u.email_notifications,"
	" u.role,"
	" (SELECT coalesce(json_agg(json_build_object('id', s.id,"
	"  'created', extract(epoch FROM s.created_at)::bigint,"
	"  'seen', extract(epoch FROM s.last_seen_at)::bigint,"
	"  'address', host(s.address), 'agent', s.user_agent,"
	"  'current', s.id = $2::bigint) ORDER BY s.last_seen_at DESC), '[]')"
	"  FROM sessions s WHERE s.user_id = u.id"
	"  AND s.last_seen_at > now() - interval '30 minutes'"
	"  AND s.created_at > now() - interval '12 hours'),"
	" (SELECT coalesce(json_agg(json_build_object('id', t.id,"
	"  'name', t.name, 'created', extract(epoch FROM t.created_at)::bigint,"
	"  'used', extract(epoch FROM t.last_used_at)::bigint,"
	"  'revoked', t.revoked_at IS NOT NULL) ORDER BY t.id DESC), '[]')"
	"  FROM api_tokens t WHERE t.user_id = u.id)"
	" FROM users u WHERE u.id = $1::bigint"
};

static const struct db_query q_profile_save = {
	"profile_save",
	"UPDATE users SET display_name = $2, lang = nullif($3, ''),"
	" email_notifications = $4::boolean WHERE id = $1::bigint"
};

int
profile_step_query(struct http_request *req, struct dreq *r)
{
	char	uid[32], sid[32];

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	(void)snprintf(sid, sizeof(sid), "%lld", (long long)r->sess.id);
	db_query(r, &q_profile, 2, uid, sid);
	return (STEP_NEXT);
}

/* Sessions and tokens from the profile query's JSON columns. */
static void
security_into_ctx(struct dreq *r)
{
	json_t		*in, *list, *e, *o;
	json_error_t	 jerr;
	size_t		 i;
	int		 others = 0;
	char		*s;

	list = json_array();
	if ((in = json_loads(db_get(r, 0, 4), 0, &jerr)) != NULL) {
		for (i = 0; i < json_array_size(in); i++) {
			e = json_array_get(in, i);
			o = json_pack("{s:O, s:O, s:O}", "id",
			    json_object_get(e, "id"), "current",
			    json_object_get(e, "current"), "address",
			    json_object_get(e, "address"));
			json_object_set(o, "user_agent",
			    json_object_get(e, "agent"));
			s = out_iso8601(json_integer_value(json_object_get(e,
			    "created")));
			json_object_set_new(o, "created_at", json_string(s));
			kore_free(s);
			s = out_relative(r, json_integer_value(
			    json_object_get(e, "created")));
			json_object_set_new(o, "created_ago", json_string(s));
			kore_free(s);
			s = out_relative(r, json_integer_value(
			    json_object_get(e, "seen")));
			json_object_set_new(o, "last_seen_ago", json_string(s));
			kore_free(s);
			if (!json_is_true(json_object_get(e, "current")))
				others = 1;
			json_array_append_new(list, o);
		}
		json_decref(in);
	}
	json_object_set_new(r->ctx, "sessions", list);
	json_object_set_new(r->ctx, "has_other_sessions", json_boolean(others));

	list = json_array();
	if ((in = json_loads(db_get(r, 0, 5), 0, &jerr)) != NULL) {
		for (i = 0; i < json_array_size(in); i++) {
			e = json_array_get(in, i);
			o = json_pack("{s:O, s:O, s:O}", "id",
			    json_object_get(e, "id"), "name",
			    json_object_get(e, "name"), "revoked",
			    json_object_get(e, "revoked"));
			s = out_iso8601(json_integer_value(json_object_get(e,
			    "created")));
			json_object_set_new(o, "created_at", json_string(s));
			kore_free(s);
			s = out_relative(r, json_integer_value(
			    json_object_get(e, "created")));
			json_object_set_new(o, "created_ago", json_string(s));
			kore_free(s);
			if (json_is_integer(json_object_get(e, "used"))) {
				s = out_relative(r, json_integer_value(
				    json_object_get(e, "used")));
				json_object_set_new(o, "last_used_ago",
				    json_string(s));
				kore_free(s);
			}
			json_array_append_new(list, o);
		}
		json_decref(in);
	}
	json_object_set_new(r->ctx, "tokens", list);
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
	security_into_ctx(r);
	if (req->query_string != NULL && strstr(req->query_string, "saved=1"))
		ctx_set_msg(r, r->ctx, "notice", "notice.profile_saved", NULL);
	if (req->query_string != NULL && strstr(req->query_string, "ended=1"))
		ctx_set_msg(r, r->ctx, "notice", "notice.sessions_ended", NULL);
	if (req->query_string != NULL && strstr(req->query_string,
	    "revoked=1"))
		ctx_set_msg(r, r->ctx, "notice", "notice.token_revoked", NULL);
	return (render_page(req, r, status, "profile", "title.profile",
	    "profile"));
}

int
profile_step(struct http_request *req, struct dreq *r)
{
	const char	*name, *lang, *mail, *refusal;
	json_t		*values;
	char		 uid[32];
	int		 rc;

	if (db_rows(r) != 1)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if ((values = json_object_get(r->ctx, "values")) == NULL) {
		values = json_object();
		json_object_set_new(r->ctx, "values", values);
	}
	/* Shown again after another form of the page (password, token). */
	if (req->method != HTTP_METHOD_POST ||
	    strcmp(req->path, "/profile") != 0) {
		json_object_set_new(values, "name",
		    json_string(db_get(r, 0, 0)));
		json_object_set_new(values, "email_notifications",
		    json_boolean(db_bool(r, 0, 2)));
		return (profile_form(req, r, json_object_get(r->ctx,
		    "has_errors") ? 422 : 200, db_get(r, 0, 1)));
	}

	rc = in_field(r, "name", &name);
	lang = in_text(r, "lang");
	mail = in_text(r, "email_notifications");
	json_object_set_new(values, "name", json_string(name != NULL ?
	    name : ""));
	json_object_set_new(values, "email_notifications",
	    json_boolean(mail != NULL));
	refusal = rc == 1 ? name_refusal(name, r->sess.role == ROLE_CLIENT) :
	    "err.name_length";
	if (refusal != NULL) {
		ctx_set_error(r, "name", refusal);
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
		profile_step_query, profile_step, profile_saved
	};

	return (drive_run(req, ROLE_CLIENT, steps, 3));
}
