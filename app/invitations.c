/*
 * Invitations: an admin issues one for an e-mail address, a role and (for
 * clients) an organisation; the person redeems it with a display name and
 * a password.  Only the SHA-256 of the token is stored.  Opening the link
 * (GET) changes nothing, since mail scanners open links; only the form
 * redeems.  Used, expired, revoked and unknown tokens get one refusal.
 */

#include "drive.h"

struct redeem {
	char	token[TOKEN_HEX + 1];	/* the new session's */
	char	csrf[TOKEN_HEX + 1];
	char	link_hash[TOKEN_HEX + 1];
};

struct issue {
	char	token[TOKEN_HEX + 1];	/* the invitation's, shown once */
};

static const struct db_query q_invitation_peek = {
	"invitation_peek",
	"SELECT i.email, i.role, o.name, auth_retry_after('redeem', '',"
	" host(nullif($2, '')::inet))"
	" FROM (SELECT 1) one LEFT JOIN invitations i"
	"  ON i.token_hash = decode($1, 'hex') AND i.redeemed_at IS NULL"
	"  AND i.revoked_at IS NULL AND i.expires_at > now()"
	" LEFT JOIN organizations o ON o.id = i.organization_id"
};

static const struct db_query q_redeem_failed = {
	"redeem_failed",
	"SELECT auth_failed('redeem', '', host(nullif($1, '')::inet))"
};

static const struct db_query q_invitation_redeem = {
	"invitation_redeem",
	"SELECT user_id, name, role FROM invitation_redeem(decode($1, 'hex'),"
	" $2, $3, decode($4, 'hex'), $5, nullif($6, '')::inet, $7)"
};

static const struct db_query q_invitation_create = {
	"invitation_create",
	"SELECT id, extract(epoch FROM expires_at)::bigint"
	" FROM invitation_create(decode($1, 'hex'), $2, $3, nullif($4, ''),"
	" $5::bigint, nullif($6, '')::inet)"
};

static const struct db_query q_invitation_list = {
	"invitation_list",
	"SELECT i.id, i.email, i.role, o.name,"
	" CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked'"
	"  WHEN i.redeemed_at IS NOT NULL THEN 'redeemed'"
	"  WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END,"
	" coalesce(u.display_name, 'drivectl'),"
	" extract(epoch FROM i.created_at)::bigint,"
	" extract(epoch FROM i.expires_at)::bigint"
	" FROM invitations i"
	" LEFT JOIN organizations o ON o.id = i.organization_id"
	" LEFT JOIN users u ON u.id = i.issued_by"
	" ORDER BY i.created_at DESC, i.id DESC LIMIT 500"
};

static const struct db_query q_invitation_revoke = {
	"invitation_revoke",
	"SELECT invitation_revoke($1::bigint, $2::bigint,"
	" nullif($3, '')::inet)"
};

static const char	*invite_token(struct http_request *, struct dreq *);
static int		 refuse(struct http_request *, struct dreq *);

/* The token in /invite/<token> or in the JSON body; NULL if malformed. */
static const char *
invite_token(struct http_request *req, struct dreq *r)
{
	const char	*t;

	if (r->is_api)
		t = in_text(r, "token");
	else
		t = req->path + strlen("/invite/");
	if (t == NULL || strlen(t) != TOKEN_HEX)
		return (NULL);
	return (t);
}

static int
refuse(struct http_request *req, struct dreq *r)
{
	if (r->is_api)
		return (out_error(req, r, 404, "invitation_invalid", "token",
		    "err.invite_invalid"));
	json_object_set_new(r->ctx, "invalid", json_true());
	return (render_page(req, r, 404, "invite", "title.invite", NULL));
}

static int
redeem_peek(struct http_request *req, struct dreq *r)
{
	struct redeem	*d;
	const char	*token;

	d = kore_calloc(1, sizeof(*d));
	r->data = d;
	r->data_free = kore_free;

	/* A malformed token is looked up as one that cannot exist, so that
	 * it counts toward the limit like any other wrong one. */
	if ((token = invite_token(req, r)) == NULL ||
	    !token_hash(token, d->link_hash))
		memset(d->link_hash, '0', TOKEN_HEX);
	db_query(r, &q_invitation_peek, 2, d->link_hash, r->address);
	return (STEP_NEXT);
}

/* Shows the form: the invitation is valid. */
static int
redeem_form(struct http_request *req, struct dreq *r, int status)
{
	json_object_set_new(r->ctx, "token",
	    json_string(req->path + strlen("/invite/")));
	return (render_page(req, r, status, "invite", "title.invite", NULL));
}

static int
redeem_field_error(struct http_request *req, struct dreq *r,
    const char *field, const char *key)
{
	if (r->is_api)
		return (out_error(req, r, 422, "invalid", field, key));
	ctx_set_error(r, field, key);
	return (redeem_form(req, r, 422));
}

static int
redeem_check(struct http_request *req, struct dreq *r)
{
	const char	*name, *password, *confirm, *org, *refusal;
	json_t		*inv;
	char		*label;
	size_t		 n;
	int		 rc;

	if (db_int(r, 0, 3) > 0)
		return (out_rate_limited(req, r, (int)db_int(r, 0, 3)));
	if (db_get(r, 0, 0) == NULL) {
		if (in_reading(req))
			return (refuse(req, r));
		/* A wrong token submitted: counted, then refused. */
		db_query(r, &q_redeem_failed, 1, r->address);
		return (step_goto(r, 4));
	}

	org = db_get(r, 0, 2);
	inv = json_pack("{s:s}", "email", db_get(r, 0, 0));
	label = out_msg(r, role_parse(db_get(r, 0, 1)) == ROLE_CLIENT ?
	    "role.client" : role_parse(db_get(r, 0, 1)) == ROLE_PM ?
	    "role.pm" : "role.admin", NULL);
	json_object_set_new(inv, "role_label", json_string(label));
	kore_free(label);
	if (org != NULL)
		json_object_set_new(inv, "organization", json_string(org));
	json_object_set_new(r->ctx, "invite", inv);

	if (in_reading(req))
		return (redeem_form(req, r, 200));

	if ((rc = in_field(r, "name", &name)) == -1)
		return (redeem_field_error(req, r, "name", "err.text_invalid"));
	if (!r->is_api)
		ctx_set_value(r, "name", name);
	if ((refusal = name_refusal(name, role_parse(db_get(r, 0, 1)) ==
	    ROLE_CLIENT)) != NULL)
		return (redeem_field_error(req, r, "name", refusal));

	if (in_field(r, "password", &password) == -1)
		return (redeem_field_error(req, r, "password",
		    "err.text_invalid"));
	n = (password != NULL) ? utf8_count(password, strlen(password)) : 0;
	if (n < 12)
		return (redeem_field_error(req, r, "password",
		    "err.password_short"));
	if (n > 256)
		return (redeem_field_error(req, r, "password",
		    "err.password_long"));
	if (!r->is_api) {
		confirm = in_text(r, "password_confirm");
		if (confirm == NULL || strcmp(confirm, password) != 0)
			return (redeem_field_error(req, r, "password_confirm",
			    "err.password_mismatch"));
		in_wipe(r, "password_confirm");
	}

	pw_start(req, r, PW_HASH, password, NULL);
	in_wipe(r, "password");
	return (STEP_NEXT);
}

static int
redeem_store(struct http_request *req, struct dreq *r)
{
	struct redeem	*d = r->data;
	char		 hash[TOKEN_HEX + 1];
	const char	*agent;

	if (!r->pw.ok)
		return (out_error(req, r, 500, "internal", NULL,
		    "err.internal"));

	token_new(d->token);
	token_new(d->csrf);
	(void)token_hash(d->token, hash);
	if (!http_request_header(req, "user-agent", &agent))
		agent = "";
	db_query(r, &q_invitation_redeem, 7, d->link_hash,
	    in_text(r, "name"), r->pw.encoded, hash, d->csrf, r->address,
	    agent);
	return (STEP_NEXT);
}

static int
redeem_done(struct http_request *req, struct dreq *r)
{
	struct redeem	*d = r->data;

	if (strcmp(r->sqlstate, "DR409") == 0) {
		if (r->is_api)
			return (out_error(req, r, 409, "invitation_taken",
			    NULL, "err.invite_taken"));
		ctx_set_error(r, "name", "err.invite_taken");
		return (redeem_form(req, r, 409));
	}
	if (r->db_error != DB_OK || db_rows(r) != 1)
		return (refuse(req, r));

	r->sess.user_id = db_int(r, 0, 0);
	r->sess.name = kore_strdup(db_get(r, 0, 1));
	r->sess.role = role_parse(db_get(r, 0, 2));
	session_begin(req, r, d->token, d->csrf);

	if (!r->is_api)
		return (out_redirect(req, r, "/?welcome=1"));
	return (out_json(req, r, 201, json_pack("{s:o, s:s}", "user",
	    session_user_json(r), "csrf_token", r->sess.csrf)));
}

static int
redeem_refused(struct http_request *req, struct dreq *r)
{
	return (refuse(req, r));
}

static const step_fn redeem_steps[] = {
	redeem_peek, redeem_check, redeem_store, redeem_done, redeem_refused
};

int
page_invite(struct http_request *req)
{
	return (drive_run(req, ROLE_ANON, redeem_steps, 5));
}

int
api_invitation_accept(struct http_request *req)
{
	return (drive_run(req, ROLE_ANON, redeem_steps, 5));
}

/* ---- issuing, listing, revoking (admin) ---- */

static int
issue_field_error(struct http_request *req, struct dreq *r,
    const char *field, const char *key)
{
	if (r->is_api)
		return (out_error(req, r, 422, "invalid", field, key));
	ctx_set_error(r, field, key);
	/* list_query, then the page with the errors */
	return (step_goto(r, 2));
}

static int
issue_check(struct http_request *req, struct dreq *r)
{
	const char	*email, *role, *org;
	struct issue	*d;
	char		 hash[TOKEN_HEX + 1], issuer[32];
	int		 erole, rc_e, rc_r, rc_o;
	size_t		 n;

	rc_e = in_field(r, "email", &email);
	rc_r = in_field(r, "role", &role);
	rc_o = in_field(r, "organization", &org);
	if (!r->is_api) {
		ctx_set_value(r, "email", email);
		ctx_set_value(r, "role", role);
		ctx_set_value(r, "organization", org);
	}
	if (org != NULL && *org == '\0')
		org = NULL;

	if (rc_e == -1 || email == NULL || !email_valid(email))
		return (issue_field_error(req, r, "email", "err.email_invalid"));
	erole = (rc_r == 1) ? role_parse(role) : ROLE_ANON;
	if (erole == ROLE_ANON)
		return (issue_field_error(req, r, "role", "err.role_invalid"));
	if (rc_o == -1)
		return (issue_field_error(req, r, "organization",
		    "err.text_invalid"));
	if (erole == ROLE_CLIENT) {
		if (org == NULL)
			return (issue_field_error(req, r, "organization",
			    "err.org_required"));
		n = utf8_count(org, strlen(org));
		if (n < 2 || n > 120 || !line_acceptable(org, strlen(org)))
			return (issue_field_error(req, r, "organization",
			    "err.org_length"));
	} else if (org != NULL) {
		return (issue_field_error(req, r, "organization",
		    "err.org_staff"));
	}

	d = kore_calloc(1, sizeof(*d));
	r->data = d;
	r->data_free = kore_free;
	token_new(d->token);
	(void)token_hash(d->token, hash);
	(void)snprintf(issuer, sizeof(issuer), "%lld",
	    (long long)r->sess.user_id);
	db_query(r, &q_invitation_create, 6, hash, email, role_name(erole),
	    org != NULL ? org : "", issuer, r->address);
	return (STEP_NEXT);
}

static int
issue_done(struct http_request *req, struct dreq *r)
{
	struct issue	*d = r->data;
	json_t		*created;
	char		 url[1024], *iso, *rel;
	int64_t		 expires;

	if (r->db_error != DB_OK || db_rows(r) != 1)
		return (out_error(req, r, 500, "internal", NULL,
		    "err.internal"));

	expires = db_int(r, 0, 1);
	(void)snprintf(url, sizeof(url), "%s/invite/%s", drive_base_url,
	    d->token);
	iso = out_iso8601(expires);
	if (r->is_api) {
		created = json_pack("{s:I, s:s, s:s}", "id",
		    (json_int_t)db_int(r, 0, 0), "url", url, "expires_at", iso);
		explicit_bzero(url, sizeof(url));
		kore_free(iso);
		explicit_bzero(d->token, sizeof(d->token));
		return (out_json(req, r, 201, created));
	}

	rel = out_relative(r, expires);
	created = json_pack("{s:s, s:s, s:s, s:s}", "url", url, "email",
	    in_text(r, "email"), "expires_at", iso, "expires_in", rel);
	json_object_set_new(r->ctx, "created", created);
	/* The form starts empty again. */
	json_object_del(r->ctx, "values");
	explicit_bzero(url, sizeof(url));
	kore_free(iso);
	kore_free(rel);
	explicit_bzero(d->token, sizeof(d->token));
	return (STEP_NEXT);
}

int
invitations_step_list(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_invitation_list, 0);
	return (STEP_NEXT);
}

static const char *
role_key(const char *role)
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

int
invitations_step_render(struct http_request *req, struct dreq *r)
{
	json_t		*list, *row, *roles;
	const char	*state, *org, *chosen;
	char		*s, key[32];
	int		 i, n;
	static const char *role_values[] = { "client", "pm", "admin" };

	list = json_array();
	n = db_rows(r);
	for (i = 0; i < n; i++) {
		state = db_get(r, i, 4);
		org = db_get(r, i, 3);
		row = json_pack("{s:I, s:s, s:s, s:s}",
		    "id", (json_int_t)db_int(r, i, 0),
		    "email", db_get(r, i, 1),
		    "role", db_get(r, i, 2),
		    "state", state);
		json_object_set_new(row, "organization",
		    org != NULL ? json_string(org) : json_null());
		json_object_set_new(row, "issued_by",
		    json_string(db_get(r, i, 5)));
		s = out_iso8601(db_int(r, i, 6));
		json_object_set_new(row, "created_at", json_string(s));
		kore_free(s);
		s = out_iso8601(db_int(r, i, 7));
		json_object_set_new(row, "expires_at", json_string(s));
		kore_free(s);
		if (!r->is_api) {
			s = out_msg(r, role_key(db_get(r, i, 2)), NULL);
			json_object_set_new(row, "role_label", json_string(s));
			kore_free(s);
			(void)snprintf(key, sizeof(key), "state.%s", state);
			s = out_msg(r, key, NULL);
			json_object_set_new(row, "state_label", json_string(s));
			kore_free(s);
			s = out_relative(r, db_int(r, i, 6));
			json_object_set_new(row, "created_ago", json_string(s));
			kore_free(s);
			s = out_relative(r, db_int(r, i, 7));
			json_object_set_new(row, "expires_label",
			    json_string(s));
			kore_free(s);
			json_object_set_new(row, "can_revoke",
			    json_boolean(strcmp(state, "pending") == 0));
			json_object_set_new(row, "can_reissue",
			    json_boolean(strcmp(state, "redeemed") != 0));
		}
		json_array_append_new(list, row);
	}

	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:o}", "invitations",
		    list)));

	json_object_set_new(r->ctx, "has_invitations", json_boolean(n > 0));
	json_object_set_new(r->ctx, "invitations", list);
	roles = json_array();
	chosen = json_string_value(json_object_get(json_object_get(r->ctx,
	    "values"), "role"));
	for (i = 0; i < 3; i++) {
		s = out_msg(r, role_key(role_values[i]), NULL);
		json_array_append_new(roles, json_pack("{s:s, s:s, s:b}",
		    "value", role_values[i], "label", s, "selected",
		    chosen != NULL && strcmp(chosen, role_values[i]) == 0));
		kore_free(s);
	}
	json_object_set_new(r->ctx, "roles", roles);
	json_object_set_new(r->ctx, "admin_nav", json_pack("{s:b}",
	    "invitations", 1));
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 :
	    json_object_get(r->ctx, "created") ? 201 : 200,
	    "admin_invitations", "title.admin_invitations", "admin"));
}

static const step_fn issue_steps[] = {
	issue_check, issue_done, invitations_step_list, invitations_step_render
};
static const step_fn list_steps[] = { invitations_step_list, invitations_step_render };

int
page_admin_invitations(struct http_request *req)
{
	if (req->method == HTTP_METHOD_POST)
		return (drive_run(req, ROLE_ADMIN, issue_steps, 4));
	return (drive_run(req, ROLE_ADMIN, list_steps, 2));
}

int
api_invitations(struct http_request *req)
{
	if (req->method == HTTP_METHOD_POST)
		return (drive_run(req, ROLE_ADMIN, issue_steps, 4));
	return (drive_run(req, ROLE_ADMIN, list_steps, 2));
}

static int
revoke_run(struct http_request *req, struct dreq *r)
{
	char	id[32], actor[32];
	int64_t	inv;

	inv = in_path_id(req, r->is_api ? 3 : 2);
	if (inv == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	(void)snprintf(id, sizeof(id), "%lld", (long long)inv);
	(void)snprintf(actor, sizeof(actor), "%lld",
	    (long long)r->sess.user_id);
	db_query(r, &q_invitation_revoke, 3, id, actor, r->address);
	return (STEP_NEXT);
}

static int
revoke_done(struct http_request *req, struct dreq *r)
{
	const char	*result;

	result = db_get(r, 0, 0);
	if (result == NULL || strcmp(result, "not_found") == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (strcmp(result, "redeemed") == 0)
		return (out_error(req, r, 409, "invitation_redeemed", NULL,
		    "err.invite_redeemed"));
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:I, s:s}", "id",
		    (json_int_t)in_path_id(req, 3), "state", "revoked")));
	return (out_redirect(req, r, "/admin/invitations"));
}

int
page_admin_invitation_revoke(struct http_request *req)
{
	static const step_fn steps[] = { revoke_run, revoke_done };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}

int
api_invitation_one(struct http_request *req)
{
	static const step_fn steps[] = { revoke_run, revoke_done };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}

/* ---- issuing one anew: a new link, the old one dies ---- */

struct reissue_in {
	int64_t		 id;
	char		 token[TOKEN_HEX + 1];	/* shown once */
};

static const struct db_query q_invitation_reissue = {
	"invitation_reissue",
	"SELECT id, extract(epoch FROM expires_at)::bigint AS expires"
	" FROM invitation_reissue($1::bigint, decode($2, 'hex'), $3::bigint,"
	" nullif($4, '')::inet)"
};

static const struct refusal reissue_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.not_found" },
	{ "DR409", 409, "invitation_redeemed", NULL, "err.invite_redeemed" },
	{ NULL }
};

static void
reissue_input(struct dreq *r, void *arg)
{
	struct reissue_in	*in = arg;

	in->id = path_id(r, "id");
}

static int
reissue_query(struct http_request *req, struct dreq *r)
{
	struct reissue_in	*in = r->in;
	char			 id[32], uid[32], hash[TOKEN_HEX + 1];

	token_new(in->token);
	(void)token_hash(in->token, hash);
	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, &q_invitation_reissue, 4, id, hash, uid, r->address);
	return (STEP_NEXT);
}

/* The new link, once; the token is wiped when it is in the answer. */
static json_t *
reissued(struct dreq *r)
{
	struct reissue_in	*in = r->in;
	json_t			*o;
	char			 url[1024];

	(void)snprintf(url, sizeof(url), "%s/invite/%s", drive_base_url,
	    in->token);
	explicit_bzero(in->token, sizeof(in->token));
	o = json_pack("{s:s}", "url", url);
	explicit_bzero(url, sizeof(url));
	out_time(r, o, "expires_at", "expires_in", row_int(r, 0, "expires"));
	return (o);
}

static int
reissue_json(struct http_request *req, struct dreq *r)
{
	json_t	*o;

	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	o = reissued(r);
	json_object_set_new(o, "id", json_integer(row_int(r, 0, "id")));
	return (out_json(req, r, 201, o));
}

/* The page: the list follows, with the new link above it. */
static int
reissue_shown(struct http_request *req, struct dreq *r)
{
	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	json_object_set_new(r->ctx, "created", reissued(r));
	ctx_set_msg(r, r->ctx, "notice", "notice.invitation_reissued", NULL);
	return (STEP_NEXT);
}

static const step_fn reissue_page_steps[] = {
	reissue_query, reissue_shown, invitations_step_list,
	invitations_step_render, NULL
};
static const step_fn reissue_api_steps[] = {
	reissue_query, reissue_json, NULL
};

const struct handler invitation_reissue_page = {
	.role = ROLE_ADMIN,
	.input = reissue_input,
	.input_size = sizeof(struct reissue_in),
	.steps = reissue_page_steps,
	.refusals = reissue_refusals,
};

const struct handler invitation_reissue_api = {
	.role = ROLE_ADMIN,
	.input = reissue_input,
	.input_size = sizeof(struct reissue_in),
	.steps = reissue_api_steps,
	.refusals = reissue_refusals,
};
