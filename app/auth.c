/*
 * Signing in and out, in pages (/login, /logout) and in the API
 * (/api/v1/session, /api/v1/me).  Page and API share the steps; only the
 * last, the answer, differs.  A person with a second factor passes two
 * steps: the password makes a challenge (a cookie for the page, a token
 * in the API's answer), and a code from their authenticator app or a
 * recovery code answers it (/login/code, /api/v1/session/second-factor);
 * only then is a session made.
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
	int	    totp;	/* enrolled: a code comes next */
	char	    challenge[TOKEN_HEX + 1]; /* its token, when it does */
};

/* The second step: the code, and the challenge it answers. */
struct code_in {
	char	code[FACTOR_RECOVERY_LEN + 1]; /* normalised */
	int	kind;			       /* FACTOR_TOTP, _RECOVERY */
	char	challenge_hash[TOKEN_HEX + 1]; /* "" when none came */
	int64_t user_id;
	int	role;
};

#define CHALLENGE_COOKIE  "drive_challenge"
#define CHALLENGE_SECONDS 300

static const struct db_query q_user_by_email = {
	"user_by_email",
	"SELECT u.id, u.password_hash, u.active, u.display_name AS name,"
	" u.role, u.totp_enrolled_at IS NOT NULL AS totp,"
	" u.oidc_sub IS NOT NULL AS sso_linked,"
	" auth_retry_after('sign_in', lower($1),"
	" host(nullif($2, '')::inet)) AS retry_after"
	" FROM (SELECT 1) one LEFT JOIN users u ON lower(u.email) = lower($1)",
};

static const struct db_query q_sign_in_failed = {
	"sign_in_failed",
	"SELECT sign_in_failed(nullif($1, '0')::bigint, $2,"
	" nullif($3, '')::inet)",
};

static const struct db_query q_challenge_create = {
	"challenge_create",
	"SELECT sign_in_challenge_create($1::bigint, decode($2, 'hex'),"
	" nullif($3, '')::inet)",
};

/* The challenge, the person and their sealed secret. */
static const struct db_query q_challenge = {
	"challenge",
	"SELECT c.id AS challenge_id, u.id, u.display_name AS name, u.role,"
	" u.active, encode(u.totp_secret, 'hex') AS secret,"
	" auth_retry_after('second_factor', 'user:' || u.id,"
	" host(nullif($2, '')::inet)) AS retry_after"
	" FROM sign_in_challenges c JOIN users u ON u.id = c.user_id"
	" WHERE c.token_hash = decode($1, 'hex')"
	" AND c.created_at > now() - interval '5 minutes' AND c.attempts < 5",
};

static const struct db_query q_second_factor_check = {
	"second_factor_check",
	"SELECT second_factor_check($1::bigint, nullif($2, '')::bigint,"
	" decode(nullif($3, ''), 'hex'), nullif($4, '')::inet) AS outcome",
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
		in->totp = row_bool(r, 0, "totp");
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
	char		 uid[32], hash[TOKEN_HEX + 1];

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

	if (in->totp) {
		/* The password passed; the code is next. */
		token_new(in->challenge);
		(void)token_hash(in->challenge, hash);
		db_query(r, &q_challenge_create, 3, uid, hash, r->address);
		login_free_name(in);
		return (STEP_NEXT);
	}
	session_open(req, r, in->user_id, in->role, in->name, NULL);
	in->name = NULL;
	return (STEP_NEXT);
}

/* The page asks for the code: the challenge in a cookie, then /login/code. */
static int
code_ask(struct http_request *req, struct dreq *r)
{
	struct login_in *in = r->in;

	out_cookie(req, r, CHALLENGE_COOKIE, in->challenge, CHALLENGE_SECONDS);
	explicit_bzero(in->challenge, sizeof(in->challenge));
	return (out_redirect_next(req, r, "/login/code", in_text(r, "next")));
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
	if (in->totp)
		return (code_ask(req, r));
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
	if (in->totp) {
		/* No session yet: the challenge goes in a cookie, as for a
		 * page, and the code to /api/v1/session/second-factor. */
		out_cookie(req, r, CHALLENGE_COOKIE, in->challenge,
		    CHALLENGE_SECONDS);
		explicit_bzero(in->challenge, sizeof(in->challenge));
		return (out_json(req, r, 200,
		    json_pack("{s:b}", "second_factor_required", 1)));
	}
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

/* ---- the second step: a code ---- */

static int
code_form(struct http_request *req, struct dreq *r)
{
	const char *next;

	if ((next = local_path(in_text(r, "next"), NULL)) != NULL)
		json_object_set_new(r->ctx, "next", json_string(next));
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "login_code",
	    "title.login_code", NULL));
}

static int
code_show(struct http_request *req, struct dreq *r)
{
	(void)in_query(r);
	if (r->sess.id != 0)
		return (out_redirect(req, r,
		    local_path(in_text(r, "next"), "/")));
	if (in_cookie(req, CHALLENGE_COOKIE) == NULL)
		return (out_redirect(req, r, "/login"));
	return (code_form(req, r));
}

static void
code_input(struct dreq *r, void *arg)
{
	struct code_in *in = arg;
	const char     *token;

	in->kind = factor_code_parse(in_text(r, "code"), in->code,
	    sizeof(in->code));
	in_wipe(r, "code");
	if (in->kind == 0)
		field_error(r, "code", "err.code_format");
	token = in_cookie(r->req, CHALLENGE_COOKIE);
	if (token == NULL || !token_hash(token, in->challenge_hash))
		in->challenge_hash[0] = '\0';
}

/* No challenge, or a spent one: the password again. */
static int
code_expired(struct http_request *req, struct dreq *r)
{
	out_cookie(req, r, CHALLENGE_COOKIE, "", 0);
	if (r->is_api)
		return (out_error(req, r, 401, "challenge_expired", NULL,
		    "err.code_expired"));
	ctx_set_msg(r, r->ctx, "error", "err.code_expired", NULL);
	return (login_page(req, r));
}

static int
code_lookup(struct http_request *req, struct dreq *r)
{
	struct code_in *in = r->in;

	if (in->challenge_hash[0] == '\0')
		return (code_expired(req, r));
	db_query(r, &q_challenge, 2, in->challenge_hash, r->address);
	return (STEP_NEXT);
}

/*
 * The code against the sealed secret (liboath, one step either way), or
 * the recovery code's HMAC; the database decides what may not race.
 */
static int
code_verify(struct http_request *req, struct dreq *r)
{
	struct code_in *in = r->in;
	unsigned char	sealed[256], plain[256];
	char		cid[32], step_text[32] = "", rec[TOKEN_HEX + 1] = "";
	const char     *hex;
	size_t		len;
	int64_t		step;

	if (db_rows(r) != 1 || !row_bool(r, 0, "active"))
		return (code_expired(req, r));
	if (row_int(r, 0, "retry_after") > 0)
		return (out_rate_limited(req, r,
		    (int)row_int(r, 0, "retry_after")));
	in->user_id = row_int(r, 0, "id");
	in->role = role_parse(row_text(r, 0, "role"));
	/* The name the session takes, freed with the request otherwise. */
	r->data = kore_strdup(row_text(r, 0, "name"));
	r->data_free = kore_free;
	(void)snprintf(cid, sizeof(cid), "%lld",
	    (long long)row_int(r, 0, "challenge_id"));
	if (in->kind == FACTOR_TOTP) {
		hex = row_text(r, 0, "secret");
		len = strlen(hex) / 2;
		if (len > sizeof(sealed) ||
		    !hex_decode(hex, len * 2, sealed, len) ||
		    !second_factor_open(sealed, len, plain, sizeof(plain),
			&len))
			len = 0;
		if (len > 0 &&
		    factor_totp_check(plain, len, in->code, (int64_t)time(NULL),
			&step))
			(void)snprintf(step_text, sizeof(step_text), "%lld",
			    (long long)step);
		explicit_bzero(plain, sizeof(plain));
	} else {
		factor_recovery_hash(second_factor_key(), in->code, rec);
	}
	explicit_bzero(in->code, sizeof(in->code));
	db_query(r, &q_second_factor_check, 4, cid, step_text, rec, r->address);
	return (STEP_NEXT);
}

static int
code_decide(struct http_request *req, struct dreq *r)
{
	struct code_in *in = r->in;
	const char     *outcome;

	outcome = row_text(r, 0, "outcome");
	if (strcmp(outcome, "totp") == 0 || strcmp(outcome, "recovery") == 0) {
		out_cookie(req, r, CHALLENGE_COOKIE, "", 0);
		session_open(req, r, in->user_id, in->role, r->data,
		    strcmp(outcome, "totp") == 0 ? "totp" : "recovery");
		r->data = NULL;
		return (STEP_NEXT);
	}
	if (strcmp(outcome, "expired") == 0)
		return (code_expired(req, r));
	return (step_refuse(req, r, 401, "invalid_code", "code",
	    strcmp(outcome, "replay") == 0 ? "err.code_used" :
					     "err.code_wrong"));
}

static int
code_redirect(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, local_path(in_text(r, "next"), "/")));
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
static const step_fn code_show_steps[] = { code_show, NULL };
static const step_fn code_form_steps[] = { code_form, NULL };
static const step_fn code_page_steps[] = { code_lookup, code_verify,
	code_decide, code_redirect, NULL };
static const step_fn code_api_steps[] = { code_lookup, code_verify, code_decide,
	me_json, NULL };

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
	.enrolment = 1,
	.steps = logout_page_steps,
};

const struct handler logout_api = {
	.role = ROLE_CLIENT,
	.enrolment = 1,
	.steps = logout_api_steps,
};

const struct handler me_api = {
	.role = ROLE_CLIENT,
	.enrolment = 1,
	.steps = me_steps,
};

const struct handler login_code_form_page = {
	.role = ROLE_ANON,
	.steps = code_show_steps,
};

const struct handler login_code_page = {
	.role = ROLE_ANON,
	.input = code_input,
	.input_size = sizeof(struct code_in),
	.steps = code_page_steps,
	.form = code_form_steps,
};

const struct handler login_code_api = {
	.role = ROLE_ANON,
	.input = code_input,
	.input_size = sizeof(struct code_in),
	.steps = code_api_steps,
};
