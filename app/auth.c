/*
 * Signing in and out, in pages (/login, /logout) and in the API
 * (/api/v1/session, /api/v1/me), plus the start page and the 404.
 * Page and API share the steps; only the answers differ.
 */

#include "drive.h"

struct login {
	int64_t		 user_id;
	int		 active;
	int		 role;
	char		*name;
};

static void
login_free(void *p)
{
	struct login	*l = p;

	kore_free(l->name);
	kore_free(l);
}

static const struct db_query q_user_by_email = {
	"user_by_email",
	"SELECT u.id, u.password_hash, u.active, u.display_name, u.role,"
	" auth_retry_after('sign_in', lower($1), host(nullif($2, '')::inet))"
	" FROM (SELECT 1) one LEFT JOIN users u ON lower(u.email) = lower($1)"
};

static const struct db_query q_session_create = {
	"session_create",
	"SELECT session_create($1::bigint, decode($2, 'hex'), $3,"
	" nullif($4, '')::inet, $5)"
};

static const struct db_query q_sign_in_failed = {
	"sign_in_failed",
	"SELECT sign_in_failed(nullif($1, '0')::bigint, $2,"
	" nullif($3, '')::inet)"
};

static const struct db_query q_session_end = {
	"session_end",
	"WITH gone AS (DELETE FROM sessions WHERE id = $1::bigint"
	" RETURNING user_id)"
	" SELECT audit(user_id, 'session.sign_out', 'user:' || user_id,"
	" nullif($2, '')::inet) FROM gone"
};

static int	login_form(struct http_request *, struct dreq *, int);
static int	login_input(struct http_request *, struct dreq *);
static int	login_verify(struct http_request *, struct dreq *);
static int	login_decide(struct http_request *, struct dreq *);
static int	login_done(struct http_request *, struct dreq *);
static int	login_refused(struct http_request *, struct dreq *);
static int	logout_run(struct http_request *, struct dreq *);
static int	logout_done(struct http_request *, struct dreq *);

/* The steps of a sign-in; login_refused is reached by a jump. */
static const step_fn login_steps[] = {
	login_input, login_verify, login_decide, login_done, login_refused
};
#define LOGIN_REFUSED	4

static int
login_form(struct http_request *req, struct dreq *r, int status)
{
	const char	*next;

	if ((next = local_path(in_text(r, "next"), NULL)) != NULL)
		json_object_set_new(r->ctx, "next", json_string(next));
	return (render_page(req, r, status, "login", "title.login", NULL));
}

static int
login_input(struct http_request *req, struct dreq *r)
{
	const char	*email, *password;
	struct login	*l;

	email = in_text(r, "email");
	password = in_text(r, "password");
	if (!r->is_api)
		ctx_set_value(r, "email", email);

	if (email == NULL || *email == '\0' || !email_valid(email)) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "email",
			    "err.email_invalid"));
		ctx_set_error(r, "email", "err.email_invalid");
		return (login_form(req, r, 422));
	}
	if (password == NULL || *password == '\0' || strlen(password) > 256) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "password",
			    "err.required"));
		ctx_set_error(r, "password", "err.required");
		return (login_form(req, r, 422));
	}

	l = kore_calloc(1, sizeof(*l));
	r->data = l;
	r->data_free = login_free;
	db_query(r, &q_user_by_email, 2, email, r->address);
	return (STEP_NEXT);
}

static int
login_verify(struct http_request *req, struct dreq *r)
{
	struct login	*l = r->data;
	const char	*hash;

	if (db_int(r, 0, 5) > 0) {
		in_wipe(r, "password");
		return (out_rate_limited(req, r, (int)db_int(r, 0, 5)));
	}
	if (db_get(r, 0, 0) != NULL) {
		l->user_id = db_int(r, 0, 0);
		l->active = db_bool(r, 0, 2);
		l->name = kore_strdup(db_get(r, 0, 3));
		l->role = role_parse(db_get(r, 0, 4));
		hash = db_get(r, 0, 1);
	} else {
		hash = password_dummy_hash();
	}
	pw_start(req, r, PW_VERIFY, in_text(r, "password"), hash);
	in_wipe(r, "password");
	return (STEP_NEXT);
}

static int
login_decide(struct http_request *req, struct dreq *r)
{
	struct login	*l = r->data;
	char		 token[TOKEN_HEX + 1], hash[TOKEN_HEX + 1];
	char		 csrf[TOKEN_HEX + 1], uid[32];
	const char	*agent;

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)l->user_id);
	if (!r->pw.ok || !l->active || l->user_id == 0) {
		db_query(r, &q_sign_in_failed, 3, uid, in_text(r, "email"),
		    r->address);
		return (step_goto(r, LOGIN_REFUSED));
	}

	token_new(token);
	token_new(csrf);
	(void)token_hash(token, hash);
	if (!http_request_header(req, "user-agent", &agent))
		agent = "";
	db_query(r, &q_session_create, 5, uid, hash, csrf, r->address, agent);
	session_begin(req, r, token, csrf);
	r->sess.user_id = l->user_id;
	r->sess.role = l->role;
	r->sess.name = l->name;
	l->name = NULL;
	return (STEP_NEXT);
}

static int
login_done(struct http_request *req, struct dreq *r)
{
	const char	*next;

	if (r->is_api) {
		/* The person's name and role, as /me gives them. */
		return (api_me_answer(req, r));
	}
	next = local_path(in_text(r, "next"), "/");
	return (out_redirect(req, r, next));
}

static int
login_refused(struct http_request *req, struct dreq *r)
{
	char	*msg;

	if (r->is_api)
		return (out_error(req, r, 401, "invalid_credentials", NULL,
		    "err.login_failed"));
	msg = out_msg(r, "err.login_failed", NULL);
	json_object_set_new(r->ctx, "error", json_string(msg));
	kore_free(msg);
	return (login_form(req, r, 401));
}

static int
login_show(struct http_request *req, struct dreq *r)
{
	if (r->sess.id != 0)
		return (out_redirect(req, r, "/"));
	if (req->query_string != NULL && strstr(req->query_string,
	    "changed=1") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.password_changed",
		    NULL);
	return (login_form(req, r, 200));
}

int
page_login(struct http_request *req)
{
	static const step_fn show[] = { login_show };

	if (req->method == HTTP_METHOD_POST)
		return (drive_run(req, ROLE_ANON, login_steps, 5));
	return (drive_run(req, ROLE_ANON, show, 1));
}

static int
logout_run(struct http_request *req, struct dreq *r)
{
	char	id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)r->sess.id);
	db_query(r, &q_session_end, 2, id, r->address);
	return (STEP_NEXT);
}

static int
logout_done(struct http_request *req, struct dreq *r)
{
	session_clear_cookie(req, r);
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:b}", "signed_out",
		    1)));
	return (out_redirect(req, r, "/login"));
}

int
page_logout(struct http_request *req)
{
	static const step_fn steps[] = { logout_run, logout_done };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

int
api_session(struct http_request *req)
{
	static const step_fn end[] = { logout_run, logout_done };

	if (req->method == HTTP_METHOD_DELETE)
		return (drive_run(req, ROLE_CLIENT, end, 2));
	return (drive_run(req, ROLE_ANON, login_steps, 5));
}

int
api_me_answer(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 200, json_pack("{s:o, s:s}", "user",
	    session_user_json(r), "csrf_token", r->sess.csrf)));
}

int
api_me(struct http_request *req)
{
	static const step_fn steps[] = { api_me_answer };

	return (drive_run(req, ROLE_CLIENT, steps, 1));
}
