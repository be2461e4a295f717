/*
 * /profile: the display name, the language of pages and mails, whether
 * mails about one's ideas are sent, and the weekly digest.  The page also holds the forms of
 * account.c (password, sessions, tokens): routes.c shows it again for
 * them (profile_page_steps), with their errors.
 */

#include "drive.h"

struct profile_in {
	const char *name;
	const char *lang;
	int	    mail;
	int	    digest;
};

static const struct db_query q_profile = {
	"profile",
	"SELECT u.display_name, coalesce(u.lang, '') AS lang,"
	" u.email_notifications, u.digest,"
	" u.totp_enrolled_at IS NOT NULL AS factor,"
	" second_factor_required(u.role) AS factor_required,"
	" (SELECT coalesce(json_agg(json_build_object('id', s.id,"
	"  'created', floor(extract(epoch FROM s.created_at))::bigint,"
	"  'seen', floor(extract(epoch FROM s.last_seen_at))::bigint,"
	"  'address', host(s.address), 'agent', s.user_agent,"
	"  'current', s.id = $2::bigint) ORDER BY s.last_seen_at DESC), '[]')"
	"  FROM sessions s WHERE s.user_id = u.id"
	"  AND s.last_seen_at > now() - interval '30 minutes'"
	"  AND s.created_at > now() - interval '12 hours') AS sessions,"
	" (SELECT coalesce(json_agg(json_build_object('id', t.id,"
	"  'name', t.name, 'created', floor(extract(epoch FROM t.created_at))::bigint,"
	"  'used', floor(extract(epoch FROM t.last_used_at))::bigint,"
	"  'revoked', t.revoked_at IS NOT NULL) ORDER BY t.id DESC), '[]')"
	"  FROM api_tokens t WHERE t.user_id = u.id) AS tokens"
	" FROM users u WHERE u.id = $1::bigint",
};

static const struct db_query q_profile_save = {
	"profile_save",
	"UPDATE users SET display_name = $2, lang = nullif($3, ''),"
	" email_notifications = $4::boolean WHERE id = $1::bigint",
};

static const struct db_query q_profile_digest = {
	"profile_digest",
	"SELECT digest_set($1::bigint, $2::boolean, 'profile',"
	" nullif($3, '')::inet)",
};

/*
 * A display name as on accepting an invitation, "en" or "de", and mails
 * on or off.
 */
static void
profile_input(struct dreq *r, void *arg)
{
	struct profile_in *in = arg;
	const char	  *refusal;

	refusal = in_field(r, "name", &in->name) == 1 ?
	    name_refusal(in->name, r->sess.role == ROLE_CLIENT) :
	    "err.name_length";
	if (refusal != NULL)
		field_error(r, "name", refusal);
	in->lang = in_text(r, "lang");
	if (in->lang == NULL ||
	    (strcmp(in->lang, "en") != 0 && strcmp(in->lang, "de") != 0))
		field_error(r, "lang", "err.lang_invalid");
	in->mail = in_text(r, "email_notifications") != NULL;
	in->digest = in_text(r, "digest") != NULL;
}

/* ---- the page ---- */

static int
profile_query(struct http_request *req, struct dreq *r)
{
	char sid[32];

	(void)snprintf(sid, sizeof(sid), "%lld", (long long)r->sess.id);
	db_query(r, &q_profile, 2, r->sess.uid, sid);
	return (STEP_NEXT);
}

/* The open sessions, from the profile query's JSON column. */
static void
sessions_into_ctx(struct dreq *r)
{
	json_t	    *in, *list, *e, *o;
	json_error_t jerr;
	size_t	     i;
	int	     others = 0;

	list = json_array();
	if ((in = json_loads(row_text(r, 0, "sessions"), 0, &jerr)) != NULL) {
		json_array_foreach(in, i, e) {
			o = json_pack("{s:O, s:O, s:O}", "id",
			    json_object_get(e, "id"), "current",
			    json_object_get(e, "current"), "address",
			    json_object_get(e, "address"));
			json_object_set(o, "user_agent",
			    json_object_get(e, "agent"));
			out_time(r, o, "created_at", "created_ago",
			    json_integer_value(json_object_get(e, "created")));
			out_time(r, o, "last_seen_at", "last_seen_ago",
			    json_integer_value(json_object_get(e, "seen")));
			if (!json_is_true(json_object_get(e, "current")))
				others = 1;
			json_array_append_new(list, o);
		}
		json_decref(in);
	}
	json_object_set_new(r->ctx, "sessions", list);
	json_object_set_new(r->ctx, "has_other_sessions", json_boolean(others));
}

/* The API tokens, from the profile query's JSON column. */
static void
tokens_into_ctx(struct dreq *r)
{
	json_t	    *in, *list, *e, *o;
	json_error_t jerr;
	size_t	     i;

	list = json_array();
	if ((in = json_loads(row_text(r, 0, "tokens"), 0, &jerr)) != NULL) {
		json_array_foreach(in, i, e) {
			o = json_pack("{s:O, s:O, s:O}", "id",
			    json_object_get(e, "id"), "name",
			    json_object_get(e, "name"), "revoked",
			    json_object_get(e, "revoked"));
			out_time(r, o, "created_at", "created_ago",
			    json_integer_value(json_object_get(e, "created")));
			if (json_is_integer(json_object_get(e, "used")))
				out_time(r, o, "last_used_at", "last_used_ago",
				    json_integer_value(json_object_get(e,
					"used")));
			json_array_append_new(list, o);
		}
		json_decref(in);
	}
	json_object_set_new(r->ctx, "tokens", list);
}

static void
notice_from_query(struct http_request *req, struct dreq *r)
{
	static const struct {
		const char *param;
		const char *key;
	} notices[] = {
		{ "saved=1", "notice.profile_saved" },
		{ "ended=1", "notice.sessions_ended" },
		{ "revoked=1", "notice.token_revoked" },
	};
	size_t i;

	if (req->query_string == NULL)
		return;
	for (i = 0; i < sizeof(notices) / sizeof(notices[0]); i++) {
		if (strstr(req->query_string, notices[i].param) != NULL)
			ctx_set_msg(r, r->ctx, "notice", notices[i].key, NULL);
	}
}

/*
 * The page, also after a refused form of it: what the profile form was
 * given stays (values.name is there then), else the stored profile.
 */
static int
profile_render(struct http_request *req, struct dreq *r)
{
	json_t	   *values, *langs;
	const char *lang;

	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if ((values = json_object_get(r->ctx, "values")) == NULL) {
		values = json_object();
		json_object_set_new(r->ctx, "values", values);
	}
	if (json_object_get(values, "name") == NULL) {
		json_object_set_new(values, "name",
		    json_string(row_text(r, 0, "display_name")));
		json_object_set_new(values, "email_notifications",
		    json_boolean(row_bool(r, 0, "email_notifications")));
		json_object_set_new(values, "digest",
		    json_boolean(row_bool(r, 0, "digest")));
	}
	if ((lang = json_string_value(json_object_get(values, "lang"))) == NULL)
		lang = row_text(r, 0, "lang");
	/* None saved: the language this page is in, so a save keeps it. */
	if (*lang == '\0' && r->lang != NULL)
		lang = r->lang;

	langs = json_array();
	json_array_append_new(langs,
	    json_pack("{s:s, s:b}", "value", "en", "selected",
		strcmp(lang, "de") != 0));
	ctx_set_msg(r, json_array_get(langs, 0), "label", "lang.en", NULL);
	json_array_append_new(langs,
	    json_pack("{s:s, s:b}", "value", "de", "selected",
		strcmp(lang, "de") == 0));
	ctx_set_msg(r, json_array_get(langs, 1), "label", "lang.de", NULL);
	json_object_set_new(r->ctx, "langs", langs);
	json_object_set_new(r->ctx, "factor",
	    json_pack("{s:b, s:b}", "on", row_bool(r, 0, "factor"), "required",
		row_bool(r, 0, "factor_required")));
	sessions_into_ctx(r);
	tokens_into_ctx(r);
	notice_from_query(req, r);
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "profile",
	    "title.profile", "profile"));
}

/* ---- saving it ---- */

static int
profile_save_query(struct http_request *req, struct dreq *r)
{
	struct profile_in *in = r->in;

	db_query(r, &q_profile_save, 4, r->sess.uid, in->name, in->lang,
	    in->mail ? "true" : "false");
	return (STEP_NEXT);
}

/* The digest through digest_set(), which audits a change (digest.c). */
static int
profile_digest_query(struct http_request *req, struct dreq *r)
{
	struct profile_in *in = r->in;

	db_query(r, &q_profile_digest, 3, r->sess.uid,
	    in->digest ? "true" : "false", r->address);
	return (STEP_NEXT);
}

static int
profile_saved(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/profile?saved=1"));
}

/* The page's steps, also shown after its other forms (routes.c). */
const step_fn profile_page_steps[] = { profile_query, profile_render, NULL };

static const step_fn profile_save_steps[] = { profile_save_query,
	profile_digest_query, profile_saved, NULL };

const struct handler profile_page = {
	.role = ROLE_CLIENT,
	.steps = profile_page_steps,
};

const struct handler profile_save_page = {
	.role = ROLE_CLIENT,
	.input = profile_input,
	.input_size = sizeof(struct profile_in),
	.steps = profile_save_steps,
	.form = profile_page_steps,
};
