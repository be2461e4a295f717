/*
 * Signing in and out, in pages (/login, /logout) and in the API
 * (/api/v1/session, /api/v1/me).  Page and API share the steps; only the
 * last, the answer, differs.
 */

#include "drive.h"

struct login_in {
	const char *email;
	int64_t	    user_id; /* 0: no such person */
	int	    active;
	int	    role;
	char	   *name; /* the session's once signed in */
	int	    failed;
	int	    sso_linked; /* signs in through the bank's IdP */
	int	    sso_only;	/* refused: the password is not for it */
};

static const struct db_query q_user_by_email = {
	"user_by_email",
	"SELECT u.id, u.password_hash, u.active, u.display_name AS name,"
	" u.role, u.oidc_sub IS NOT NULL AS sso_linked,"
	" auth_retry_after('sign_in', lower($1),"
	" host(nullif($2, '')::inet)) AS retry_after"
	" FROM (SELECT 1) one LEFT JOIN users u ON lower(u.email) = lower($1)",
};

static const struct db_query q_sign_in_failed = {
	"sign_in_failed",
	"SELECT sign_in_failed(nullif($1, '0')::bigint, $2,"
	" nullif($3, '')::inet)",
};

/* A correct password for an account linked to the IdP (see below). */
static const struct db_query q_sign_in_sso_only = {
	"sign_in_sso_only",
	"SELECT sso_refused('password_linked', $1::bigint, NULL,"
	" nullif($2, '')::inet)",
};

static const struct db_query q_session_end = {
	"session_end",
	"WITH gone AS (DELETE FROM sessions WHERE id = $1::bigint"
	" RETURNING user_id)"
	" SELECT audit(user_id, 'session.sign_out', 'user:' || user_id,"
	" nullif($2, '')::inet) FROM gone",
};

/* ---- the form ---- */

/* Also the form shown again with its errors. */
static int
login_page(struct http_request *req, struct dreq *r)
{
	const char *next;

	if ((next = local_path(in_text(r, "next"), NULL)) != NULL)
		json_object_set_new(r->ctx, "next", json_string(next));
	oidc_login_ctx(r, next);
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "login",
	    "title.login", NULL));
}

static int
login_show(struct http_request *req, struct dreq *r)
{
	(void)in_query(r);
	if (r->sess.id != 0)
		return (out_redirect(req, r,
		    local_path(in_text(r, "next"), "/")));
	if (req->query_string != NULL &&
	    strstr(req->query_string, "changed=1") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.password_changed",
		    NULL);
	return (login_page(req, r));
}

/* ---- signing in ---- */

static void
login_free_name(struct login_in *in)
{
	kore_free(in->name);
	in->name = NULL;
}

static void
login_input(struct dreq *r, void *arg)
{
	struct login_in *in = arg;
	const char	*password;

	in->email = in_text(r, "email");
	if (in->email == NULL || *in->email == '\0' || !email_valid(in->email))
		field_error(r, "email", "err.email_invalid");
	password = in_text(r, "password");
	if (password == NULL || *password == '\0' || strlen(password) > 256)
		field_error(r, "password", "err.required");
}

static int
login_lookup(struct http_request *req, struct dreq *r)
{
	struct login_in *in = r->in;

	db_query(r, &q_user_by_email, 2, in->email, r->address);
	return (STEP_NEXT);
}

/* Someone unknown costs as much time as someone known. */
static int
login_verify(struct http_request *req, struct dreq *r)
{
	struct login_in *in = r->in;
	const char	*hash;

	if (row_int(r, 0, "retry_after") > 0) {
		in_wipe(r, "password");
		return (out_rate_limited(req, r,
		    (int)row_int(r, 0, "retry_after")));
	}
	if (!row_null(r, 0, "id")) {
		in->user_id = row_int(r, 0, "id");
		in->active = row_bool(r, 0, "active");
		in->name = kore_strdup(row_text(r, 0, "name"));
		in->role = role_parse(row_text(r, 0, "role"));
		in->sso_linked = row_bool(r, 0, "sso_linked");
		hash = row_text(r, 0, "password_hash");
	} else {
		hash = password_dummy_hash();
	}
	pw_start(req, r, PW_VERIFY, in_text(r, "password"), hash);
	in_wipe(r, "password");
	return (STEP_NEXT);
}

/* A session, or the failure counted toward the limits. */
static int
login_decide(struct http_request *req, struct dreq *r)
{
	struct login_in *in = r->in;
	char		 uid[32];

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)in->user_id);
	if (!r->pw.ok || !in->active || in->user_id == 0) {
		in->failed = 1;
		login_free_name(in);
		db_query(r, &q_sign_in_failed, 3, uid, in->email, r->address);
		return (STEP_NEXT);
	}
	/*
	 * Once an account signed in through the bank's IdP, the IdP alone
	 * decides: leaving the bank ends access.  Said only after the right
	 * password, so that it tells a stranger nothing.
	 */
	if (in->sso_linked && oidc_configured()) {
		in->sso_only = 1;
		login_free_name(in);
		db_query(r, &q_sign_in_sso_only, 2, uid, r->address);
		return (STEP_NEXT);
	}

	session_open(req, r, in->user_id, in->role, in->name, NULL);
	in->name = NULL;
	return (STEP_NEXT);
}

static int
login_redirect(struct http_request *req, struct dreq *r)
{
	struct login_in *in = r->in;
	const char	*next;

	if (in->failed || in->sso_only) {
		ctx_set_msg(r, r->ctx, "error",
		    in->sso_only ? "err.login_sso" : "err.login_failed", NULL);
		ctx_set_value(r, "email", in->email);
		if ((next = local_path(in_text(r, "next"), NULL)) != NULL)
			json_object_set_new(r->ctx, "next", json_string(next));
		oidc_login_ctx(r, next);
		return (render_page(req, r, in->sso_only ? 403 : 401, "login",
		    "title.login", NULL));
	}
	return (out_redirect(req, r, local_path(in_text(r, "next"), "/")));
}

/* The person's name and role, as /me gives them. */
static int
me_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 200,
	    json_pack("{s:o, s:s}", "user", session_user_json(r), "csrf_token",
		r->sess.csrf)));
}

static int
login_json(struct http_request *req, struct dreq *r)
{
	struct login_in *in = r->in;

	if (in->failed)
		return (out_error(req, r, 401, "invalid_credentials", NULL,
		    "err.login_failed"));
	if (in->sso_only)
		return (out_error(req, r, 403, "sso_required", NULL,
		    "err.login_sso"));
	return (me_json(req, r));
}

/* ---- signing out ---- */

static int
logout_query(struct http_request *req, struct dreq *r)
{
	char id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)r->sess.id);
	db_query(r, &q_session_end, 2, id, r->address);
	return (STEP_NEXT);
}

static int
logout_redirect(struct http_request *req, struct dreq *r)
{
	session_clear_cookie(req, r);
	return (out_redirect(req, r, "/login"));
}

static int
logout_json(struct http_request *req, struct dreq *r)
{
	session_clear_cookie(req, r);
	return (out_json(req, r, 200, json_pack("{s:b}", "signed_out", 1)));
}

static const step_fn show_steps[] = { login_show, NULL };
static const step_fn form_steps[] = { login_page, NULL };
static const step_fn login_page_steps[] = { login_lookup, login_verify,
	login_decide, login_redirect, NULL };
static const step_fn login_api_steps[] = { login_lookup, login_verify,
	login_decide, login_json, NULL };
static const step_fn logout_page_steps[] = { logout_query, logout_redirect,
	NULL };
static const step_fn logout_api_steps[] = { logout_query, logout_json, NULL };
static const step_fn me_steps[] = { me_json, NULL };

const struct handler login_form_page = {
	.role = ROLE_ANON,
	.steps = show_steps,
};

const struct handler login_submit_page = {
	.role = ROLE_ANON,
	.input = login_input,
	.input_size = sizeof(struct login_in),
	.steps = login_page_steps,
	.form = form_steps,
};

const struct handler login_api = {
	.role = ROLE_ANON,
	.input = login_input,
	.input_size = sizeof(struct login_in),
	.steps = login_api_steps,
};

const struct handler logout_page = {
	.role = ROLE_CLIENT,
	.steps = logout_page_steps,
};

const struct handler logout_api = {
	.role = ROLE_CLIENT,
	.steps = logout_api_steps,
};

const struct handler me_api = {
	.role = ROLE_CLIENT,
	.steps = me_steps,
};
