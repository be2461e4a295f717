/*
 * One's own account: changing the password (limited and audited like
 * signing in; every session ends, every API token is revoked), ending
 * the other sessions, personal API tokens (shown once, only a hash kept),
 * and downloading one's own data (GDPR).
 */

#include "drive.h"

static const struct db_query q_password_hash = {
	"password_hash",
	"SELECT password_hash, auth_retry_after('password',"
	" 'user:' || $1::bigint, host(nullif($2, '')::inet))"
	" FROM users WHERE id = $1::bigint"
};

static const struct db_query q_password_failed = {
	"password_failed",
	"SELECT password_failed($1::bigint, nullif($2, '')::inet)"
};

static const struct db_query q_password_change = {
	"password_change",
	"SELECT password_change($1::bigint, $2, nullif($3, '')::inet)"
};

static const struct db_query q_sessions_end = {
	"sessions_end",
	"DELETE FROM sessions WHERE user_id = $1::bigint AND id <> $2::bigint"
};

static const struct db_query q_token_create = {
	"token_create",
	"SELECT token_create($1::bigint, $2, decode($3, 'hex'),"
	" nullif($4, '')::inet)"
};

static const struct db_query q_token_revoke = {
	"token_revoke",
	"SELECT token_revoke($1::bigint, $2::bigint, nullif($3, '')::inet)"
};

static const struct db_query q_my_data = {
	"my_data",
	"SELECT json_build_object("
	" 'user', (SELECT json_build_object('id', u.id, 'name', u.display_name,"
	"  'email', u.email, 'role', u.role, 'organization', o.name,"
	"  'language', u.lang, 'email_notifications', u.email_notifications,"
	"  'created_at', u.created_at, 'last_sign_in_at', u.last_sign_in_at)"
	"  FROM users u LEFT JOIN organizations o ON o.id = u.organization_id"
	"  WHERE u.id = $1::bigint),"
	" 'ideas', (SELECT coalesce(json_agg(json_build_object('id', i.id,"
	"  'title', i.title, 'body', i.body, 'status', i.status,"
	"  'created_at', i.created_at) ORDER BY i.id), '[]')"
	"  FROM ideas i WHERE i.author_id = $1::bigint),"
	" 'votes', (SELECT coalesce(json_agg(json_build_object('idea_id',"
	"  v.idea_id, 'created_at', v.created_at) ORDER BY v.created_at), '[]')"
	"  FROM votes v WHERE v.user_id = $1::bigint),"
	" 'comments', (SELECT coalesce(json_agg(json_build_object('id', c.id,"
	"  'idea_id', c.idea_id, 'body', c.body, 'created_at', c.created_at)"
	"  ORDER BY c.id), '[]') FROM comments c"
	"  WHERE c.author_id = $1::bigint),"
	" 'notifications', (SELECT coalesce(json_agg(json_build_object("
	"  'kind', n.kind, 'idea_id', n.idea_id, 'created_at', n.created_at,"
	"  'read_at', n.read_at) ORDER BY n.id), '[]') FROM notifications n"
	"  WHERE n.user_id = $1::bigint),"
	" 'sessions', (SELECT coalesce(json_agg(json_build_object("
	"  'created_at', s.created_at, 'last_seen_at', s.last_seen_at,"
	"  'address', host(s.address), 'user_agent', s.user_agent)), '[]')"
	"  FROM sessions s WHERE s.user_id = $1::bigint),"
	" 'api_tokens', (SELECT coalesce(json_agg(json_build_object("
	"  'name', t.name, 'created_at', t.created_at, 'last_used_at',"
	"  t.last_used_at, 'revoked_at', t.revoked_at)), '[]')"
	"  FROM api_tokens t WHERE t.user_id = $1::bigint))::text"
};

struct token_new {
	char	token[TOKEN_HEX + 1];
};

static void
uid_str(struct dreq *r, char *buf)
{
	(void)snprintf(buf, 32, "%lld", (long long)r->sess.user_id);
}

/* A form error on /profile: the page again (at step n), with it. */
static int
profile_again(struct dreq *r, const char *field, const char *key, size_t n)
{
	ctx_set_error(r, field, key);
	return (step_goto(r, n));
}
#define PW_PAGE		4	/* in the password steps */
#define PW_DONE		6
#define PW_WRONG	7
#define TOKEN_PAGE	2	/* in the token steps */

/* ---- password ---- */

static int
password_check(struct http_request *req, struct dreq *r)
{
	const char	*cur, *next, *confirm;
	char		 uid[32];
	size_t		 n;

	cur = in_text(r, "current_password");
	next = in_text(r, "new_password");
	confirm = in_text(r, "new_password_confirm");
	if (cur == NULL || *cur == '\0')
		return (profile_again(r, "current_password", "err.required",
		    PW_PAGE));
	n = next != NULL ? utf8_count(next, strlen(next)) : 0;
	if (n < 12)
		return (profile_again(r, "new_password", "err.password_short",
		    PW_PAGE));
	if (n > 256)
		return (profile_again(r, "new_password", "err.password_long",
		    PW_PAGE));
	if (confirm == NULL || strcmp(confirm, next) != 0)
		return (profile_again(r, "new_password_confirm",
		    "err.password_mismatch", PW_PAGE));
	uid_str(r, uid);
	db_query(r, &q_password_hash, 2, uid, r->address);
	return (STEP_NEXT);
}

/* Limited like signing in: past 10 failures, not even tried. */
static int
password_verify_step(struct http_request *req, struct dreq *r)
{
	if (db_int(r, 0, 1) > 0) {
		in_wipe(r, "current_password");
		in_wipe(r, "new_password");
		in_wipe(r, "new_password_confirm");
		return (out_rate_limited(req, r, (int)db_int(r, 0, 1)));
	}
	pw_start(req, r, PW_VERIFY, in_text(r, "current_password"),
	    db_get(r, 0, 0));
	in_wipe(r, "current_password");
	return (STEP_NEXT);
}

static int
password_hash_step(struct http_request *req, struct dreq *r)
{
	char	uid[32];

	if (!r->pw.ok) {
		/* Audited and counted, then the page with the error. */
		in_wipe(r, "new_password");
		in_wipe(r, "new_password_confirm");
		uid_str(r, uid);
		db_query(r, &q_password_failed, 2, uid, r->address);
		return (step_goto(r, PW_WRONG));
	}
	pw_start(req, r, PW_HASH, in_text(r, "new_password"), NULL);
	in_wipe(r, "new_password");
	in_wipe(r, "new_password_confirm");
	return (step_goto(r, 3));
}

static int
password_store(struct http_request *req, struct dreq *r)
{
	char	uid[32];

	if (!r->pw.ok)
		return (out_error(req, r, 500, "internal", NULL,
		    "err.internal"));
	uid_str(r, uid);
	db_query(r, &q_password_change, 3, uid, r->pw.encoded, r->address);
	return (step_goto(r, PW_DONE));
}

static int
password_wrong(struct http_request *req, struct dreq *r)
{
	return (profile_again(r, "current_password", "err.password_wrong",
	    PW_PAGE));
}

static int
password_done(struct http_request *req, struct dreq *r)
{
	session_clear_cookie(req, r);
	return (out_redirect(req, r, "/login?changed=1"));
}

int
page_profile_password(struct http_request *req)
{
	/*
	 * 0-3: check, verify, hash, store; 4-5: the page again; 6: done;
	 * 7: a wrong current password (counted), then the page again.
	 */
	static const step_fn steps[] = {
		password_check, password_verify_step, password_hash_step,
		password_store, profile_step_query, profile_step, password_done,
		password_wrong
	};

	return (drive_run(req, ROLE_CLIENT, steps, 8));
}

/* ---- the other sessions ---- */

static int
sessions_end(struct http_request *req, struct dreq *r)
{
	char	uid[32], sid[32];

	uid_str(r, uid);
	(void)snprintf(sid, sizeof(sid), "%lld", (long long)r->sess.id);
	db_query(r, &q_sessions_end, 2, uid, sid);
	return (STEP_NEXT);
}

static int
sessions_ended(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/profile?ended=1"));
}

int
page_profile_sessions_end(struct http_request *req)
{
	static const step_fn steps[] = { sessions_end, sessions_ended };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

/* ---- API tokens ---- */

static int
token_create_run(struct http_request *req, struct dreq *r)
{
	struct token_new	*d;
	const char		*name;
	char			 uid[32], hash[TOKEN_HEX + 1];
	size_t			 n;
	int			 rc;

	/* A token never makes another: only a signed-in browser does. */
	if (r->sess.bearer)
		return (out_error(req, r, 403, "forbidden", NULL,
		    "err.token_by_token"));
	rc = in_field(r, r->is_api ? "name" : "token_name", &name);
	if (!r->is_api)
		ctx_set_value(r, "token_name", name);
	n = rc == 1 ? utf8_count(name, strlen(name)) : 0;
	if (rc != 1 || n < 1 || n > 60 || !line_acceptable(name,
	    strlen(name))) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "name",
			    "err.token_name"));
		return (profile_again(r, "token_name", "err.token_name",
		    TOKEN_PAGE));
	}
	d = kore_calloc(1, sizeof(*d));
	r->data = d;
	r->data_free = kore_free;
	token_new(d->token);
	(void)token_hash(d->token, hash);
	uid_str(r, uid);
	db_query(r, &q_token_create, 4, uid, name, hash, r->address);
	return (STEP_NEXT);
}

static int
token_created(struct http_request *req, struct dreq *r)
{
	struct token_new	*d = r->data;
	json_t			*o;

	if (r->is_api) {
		o = json_pack("{s:I, s:s, s:s}", "id",
		    (json_int_t)db_int(r, 0, 0), "name", in_text(r, "name"),
		    "token", d->token);
		explicit_bzero(d->token, sizeof(d->token));
		return (out_json(req, r, 201, o));
	}
	/* Shown once, on the profile page that follows. */
	json_object_set_new(r->ctx, "new_token", json_pack("{s:s, s:s}",
	    "name", in_text(r, "token_name"), "token", d->token));
	explicit_bzero(d->token, sizeof(d->token));
	json_object_del(r->ctx, "values");
	ctx_set_msg(r, r->ctx, "notice", "notice.token_created", NULL);
	return (STEP_NEXT);
}

int
page_profile_tokens(struct http_request *req)
{
	static const step_fn steps[] = {
		token_create_run, token_created, profile_step_query,
		profile_step
	};

	return (drive_run(req, ROLE_CLIENT, steps, 4));
}

static int
token_revoke_run(struct http_request *req, struct dreq *r)
{
	char	uid[32], id[32];

	uid_str(r, uid);
	(void)snprintf(id, sizeof(id), "%lld", (long long)in_path_id(req,
	    r->is_api ? 3 : 2));
	db_query(r, &q_token_revoke, 3, uid, id, r->address);
	return (STEP_NEXT);
}

static int
token_revoked(struct http_request *req, struct dreq *r)
{
	if (!db_bool(r, 0, 0))
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:I, s:b}", "id",
		    (json_int_t)in_path_id(req, 3), "revoked", 1)));
	return (out_redirect(req, r, "/profile?revoked=1"));
}

int
page_profile_token_revoke(struct http_request *req)
{
	static const step_fn steps[] = { token_revoke_run, token_revoked };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

int
api_tokens(struct http_request *req)
{
	static const step_fn steps[] = { token_create_run, token_created };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

int
api_token(struct http_request *req)
{
	static const step_fn steps[] = { token_revoke_run, token_revoked };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

/* ---- one's own data ---- */

static int
data_query(struct http_request *req, struct dreq *r)
{
	char	uid[32];

	uid_str(r, uid);
	db_query(r, &q_my_data, 1, uid);
	return (STEP_NEXT);
}

static int
data_send(struct http_request *req, struct dreq *r)
{
	const char	*json = db_get(r, 0, 0);

	out_security_headers(req, 0);
	out_header(req, "content-type",
	    "application/json; charset=utf-8");
	out_header(req, "content-disposition",
	    "attachment; filename=\"drive-my-data.json\"");
	http_response(req, 200, json, strlen(json));
	return (STEP_DONE);
}

int
page_profile_data(struct http_request *req)
{
	static const step_fn steps[] = { data_query, data_send };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}
