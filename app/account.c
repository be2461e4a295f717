/*
 * One's own account: changing the password (limited and audited like
 * signing in; every session ends, every API token is revoked), ending
 * the other sessions, personal API tokens (shown once, only a hash kept),
 * and downloading one's own data (GDPR).  The forms are on the profile
 * page, which routes.c names as the page to show them again on.
 */

#include "drive.h"

struct password_in {
	const char *current; /* wiped once given to the task */
	const char *next;
	const char *confirm;
};

struct token_in {
	int64_t	    id;			  /* to revoke */
	const char *name;		  /* to create */
	char	    token[TOKEN_HEX + 1]; /* wiped once shown */
};

static const struct db_query q_password_hash = {
	"password_hash",
	"SELECT password_hash, auth_retry_after('password',"
	" 'user:' || $1::bigint, host(nullif($2, '')::inet)) AS retry_after"
	" FROM users WHERE id = $1::bigint",
};

static const struct db_query q_password_failed = {
	"password_failed",
	"SELECT password_failed($1::bigint, nullif($2, '')::inet)",
};

static const struct db_query q_password_change = {
	"password_change",
	"SELECT password_change($1::bigint, $2, nullif($3, '')::inet)",
};

static const struct db_query q_sessions_end = {
	"sessions_end",
	"DELETE FROM sessions WHERE user_id = $1::bigint AND id <> $2::bigint",
};

static const struct db_query q_token_create = {
	"token_create",
	"SELECT token_create($1::bigint, $2, decode($3, 'hex'),"
	" nullif($4, '')::inet) AS id",
};

static const struct db_query q_token_revoke = {
	"token_revoke",
	"SELECT token_revoke($1::bigint, $2::bigint, nullif($3, '')::inet)"
	" AS revoked",
};

static const struct db_query q_my_data = {
	"my_data",
	"SELECT json_build_object("
	" 'user', (SELECT json_build_object('id', u.id, 'name', u.display_name,"
	"  'email', u.email, 'role', u.role, 'organization', o.name,"
	"  'language', u.lang, 'email_notifications', u.email_notifications,"
	"  'digest', u.digest,"
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
	"  FROM api_tokens t WHERE t.user_id = $1::bigint))::text AS data",
};

static void
uid_str(struct dreq *r, char *buf)
{
	(void)snprintf(buf, 32, "%lld", (long long)r->sess.user_id);
}

/* ---- password ---- */

/* Every field checked: given, 12-256 characters, confirmed. */
static void
password_input(struct dreq *r, void *arg)
{
	struct password_in *in = arg;
	size_t		    n;

	in->current = in_text(r, "current_password");
	in->next = in_text(r, "new_password");
	in->confirm = in_text(r, "new_password_confirm");
	if (in->current == NULL || *in->current == '\0')
		field_error(r, "current_password", "err.required");
	n = in->next != NULL ? utf8_count(in->next, strlen(in->next)) : 0;
	if (n < 12)
		field_error(r, "new_password", "err.password_short");
	else if (n > 256)
		field_error(r, "new_password", "err.password_long");
	if (in->confirm == NULL || in->next == NULL ||
	    strcmp(in->confirm, in->next) != 0)
		field_error(r, "new_password_confirm", "err.password_mismatch");
}

static void
password_wipe_new(struct dreq *r)
{
	in_wipe(r, "new_password");
	in_wipe(r, "new_password_confirm");
}

static int
password_query(struct http_request *req, struct dreq *r)
{
	char uid[32];

	uid_str(r, uid);
	db_query(r, &q_password_hash, 2, uid, r->address);
	return (STEP_NEXT);
}

/* Limited like signing in: past 10 failures, not even tried. */
static int
password_try(struct http_request *req, struct dreq *r)
{
	struct password_in *in = r->in;

	if (row_int(r, 0, "retry_after") > 0) {
		in_wipe(r, "current_password");
		password_wipe_new(r);
		return (out_rate_limited(req, r,
		    (int)row_int(r, 0, "retry_after")));
	}
	pw_start(req, r, PW_VERIFY, in->current,
	    row_text(r, 0, "password_hash"));
	in_wipe(r, "current_password");
	return (STEP_NEXT);
}

/* A wrong current password: audited and counted, then the page again. */
static int
password_failed(struct http_request *req, struct dreq *r)
{
	char uid[32];

	password_wipe_new(r);
	uid_str(r, uid);
	db_query(r, &q_password_failed, 2, uid, r->address);
	return (STEP_NEXT);
}

static int
password_refuse(struct http_request *req, struct dreq *r)
{
	return (step_refuse(req, r, 422, "invalid", "current_password",
	    "err.password_wrong"));
}

static const step_fn password_wrong_steps[] = { password_failed,
	password_refuse, NULL };

static int
password_rehash(struct http_request *req, struct dreq *r)
{
	struct password_in *in = r->in;

	if (!r->pw.ok)
		return (step_then(r, password_wrong_steps));
	pw_start(req, r, PW_HASH, in->next, NULL);
	password_wipe_new(r);
	return (STEP_NEXT);
}

static int
password_store(struct http_request *req, struct dreq *r)
{
	char uid[32];

	if (!r->pw.ok)
		return (out_error(req, r, 500, "internal", NULL,
		    "err.internal"));
	uid_str(r, uid);
	db_query(r, &q_password_change, 3, uid, r->pw.encoded, r->address);
	return (STEP_NEXT);
}

static int
password_done(struct http_request *req, struct dreq *r)
{
	session_clear_cookie(req, r);
	return (out_redirect(req, r, "/login?changed=1"));
}

/* ---- the other sessions ---- */

static int
sessions_end_query(struct http_request *req, struct dreq *r)
{
	char uid[32], sid[32];

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

/* ---- API tokens ---- */

/* 1-60 characters on one line (the page's field: token_name). */
static void
token_create_input(struct dreq *r, void *arg)
{
	struct token_in *in = arg;
	size_t		 n;
	int		 rc;

	rc = in_field(r, "name", &in->name);
	n = rc == 1 ? utf8_count(in->name, strlen(in->name)) : 0;
	if (rc != 1 || n < 1 || n > 60 ||
	    !line_acceptable(in->name, strlen(in->name)))
		field_error(r, "name", "err.token_name");
}

static void
token_revoke_input(struct dreq *r, void *arg)
{
	struct token_in *in = arg;

	in->id = path_id(r, "id");
}

/* A token never makes another: only a signed-in browser does. */
static int
token_create_query(struct http_request *req, struct dreq *r)
{
	struct token_in *in = r->in;
	char		 uid[32], hash[TOKEN_HEX + 1];

	if (r->sess.bearer)
		return (step_refuse(req, r, 403, "forbidden", NULL,
		    "err.token_by_token"));
	token_new(in->token);
	(void)token_hash(in->token, hash);
	uid_str(r, uid);
	db_query(r, &q_token_create, 4, uid, in->name, hash, r->address);
	return (STEP_NEXT);
}

static int
token_json(struct http_request *req, struct dreq *r)
{
	struct token_in *in = r->in;
	json_t		*o;

	o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)row_int(r, 0, "id"),
	    "name", in->name, "token", in->token);
	explicit_bzero(in->token, sizeof(in->token));
	return (out_json(req, r, 201, o));
}

/* Shown once, on the profile page (its steps: routes.c). */
static int
token_shown(struct http_request *req, struct dreq *r)
{
	struct token_in *in = r->in;

	json_object_set_new(r->ctx, "new_token",
	    json_pack("{s:s, s:s}", "name", in->name, "token", in->token));
	explicit_bzero(in->token, sizeof(in->token));
	ctx_set_msg(r, r->ctx, "notice", "notice.token_created", NULL);
	return (step_then(r, r->form_steps));
}

static int
token_revoke_query(struct http_request *req, struct dreq *r)
{
	struct token_in *in = r->in;
	char		 uid[32], id[32];

	uid_str(r, uid);
	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	db_query(r, &q_token_revoke, 3, uid, id, r->address);
	return (STEP_NEXT);
}

/* Someone else's, or revoked already: not found. */
static int
token_revoke_found(struct http_request *req, struct dreq *r)
{
	if (!row_bool(r, 0, "revoked"))
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	return (STEP_NEXT);
}

static int
token_revoked_redirect(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/profile?revoked=1"));
}

static int
token_revoked_json(struct http_request *req, struct dreq *r)
{
	struct token_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:b}", "id", (json_int_t)in->id, "revoked", 1)));
}

/* ---- one's own data ---- */

static int
data_query(struct http_request *req, struct dreq *r)
{
	char uid[32];

	uid_str(r, uid);
	db_query(r, &q_my_data, 1, uid);
	return (STEP_NEXT);
}

static int
data_send(struct http_request *req, struct dreq *r)
{
	const char *json = row_text(r, 0, "data");

	out_security_headers(req, 0);
	out_header(req, "content-type", "application/json; charset=utf-8");
	out_header(req, "content-disposition",
	    "attachment; filename=\"drive-my-data.json\"");
	http_response(req, 200, json, strlen(json));
	return (STEP_DONE);
}

static const step_fn password_steps[] = { password_query, password_try,
	password_rehash, password_store, password_done, NULL };
static const step_fn sessions_end_steps[] = { sessions_end_query,
	sessions_ended, NULL };
static const step_fn token_create_page_steps[] = { token_create_query,
	token_shown, NULL };
static const step_fn token_create_api_steps[] = { token_create_query,
	token_json, NULL };
static const step_fn token_revoke_page_steps[] = { token_revoke_query,
	token_revoke_found, token_revoked_redirect, NULL };
static const step_fn token_revoke_api_steps[] = { token_revoke_query,
	token_revoke_found, token_revoked_json, NULL };
static const step_fn data_steps[] = { data_query, data_send, NULL };

/* Refused: the profile page again (its steps: routes.c). */
const struct handler password_page = {
	.role = ROLE_CLIENT,
	.input = password_input,
	.input_size = sizeof(struct password_in),
	.steps = password_steps,
};

const struct handler sessions_end_page = {
	.role = ROLE_CLIENT,
	.steps = sessions_end_steps,
};

/* Created or refused: the profile page (its steps: routes.c). */
const struct handler token_create_page = {
	.role = ROLE_CLIENT,
	.input = token_create_input,
	.input_size = sizeof(struct token_in),
	.steps = token_create_page_steps,
	.form_prefix = "token_",
};

const struct handler token_create_api = {
	.role = ROLE_CLIENT,
	.input = token_create_input,
	.input_size = sizeof(struct token_in),
	.steps = token_create_api_steps,
};

const struct handler token_revoke_page = {
	.role = ROLE_CLIENT,
	.input = token_revoke_input,
	.input_size = sizeof(struct token_in),
	.steps = token_revoke_page_steps,
};

const struct handler token_revoke_api = {
	.role = ROLE_CLIENT,
	.input = token_revoke_input,
	.input_size = sizeof(struct token_in),
	.steps = token_revoke_api_steps,
};

const struct handler my_data_page = {
	.role = ROLE_CLIENT,
	.steps = data_steps,
};
