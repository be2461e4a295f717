/*
 * Invitations: an admin issues one for an e-mail address, a role and (for
 * clients) an organisation; the person redeems it with a display name and
 * a password.  Only the SHA-256 of the token is stored.  Opening the link
 * (GET) changes nothing, since mail scanners open links; only the form
 * redeems.  Used, expired, revoked and unknown tokens get one refusal.
 * The admin's list is paged (ADMIN_PAGE_SIZE a page, newest first) and
 * searched by address and state.
 */

#include "drive.h"

struct redeem_in {
	char	    link_hash[TOKEN_HEX + 1];
	const char *name;
	const char *password;		  /* wiped once the hash job has it */
	char	    token[TOKEN_HEX + 1]; /* the new session's */
	char	    csrf[TOKEN_HEX + 1];
};

struct issue_in {
	const char *email;
	int	    role;
	const char *org;     /* NULL for staff */
	int	    new_org; /* the page's "create it": new_org=1 */
	char	    token[TOKEN_HEX + 1]; /* shown once */
};

struct revoke_in {
	int64_t id;
	char	back_q[208]; /* the list as it was: search, state, page */
	char	back_state[16];
	int	back_page;
};

/*
 * The list page's query string: an e-mail search, a state and the page.
 * bad names the first value refused (400).
 */
struct list_in {
	const char *q;
	const char *state; /* one of list_states, or "" */
	int	    page;
	const char *bad;
	const char *bad_key;
};

/* What a state filter may say, after "" (every state). */
static const char * const list_states[] = { "pending", "redeemed", "expired",
	"revoked", NULL };

static const struct db_query q_invitation_peek = {
	"invitation_peek",
	"SELECT i.email, i.role, o.name AS organization,"
	" auth_retry_after('redeem', '', host(nullif($2, '')::inet))"
	" AS retry_after"
	" FROM (SELECT 1) one LEFT JOIN invitations i"
	"  ON i.token_hash = decode($1, 'hex') AND i.redeemed_at IS NULL"
	"  AND i.revoked_at IS NULL AND i.expires_at > now()"
	" LEFT JOIN organizations o ON o.id = i.organization_id",
};

static const struct db_query q_redeem_failed = {
	"redeem_failed",
	"SELECT auth_failed('redeem', '', host(nullif($1, '')::inet))",
};

static const struct db_query q_invitation_redeem = {
	"invitation_redeem",
	"SELECT user_id, name, role FROM invitation_redeem(decode($1, 'hex'),"
	" $2, $3, decode($4, 'hex'), $5, nullif($6, '')::inet, $7)",
};

static const struct db_query q_invitation_create = {
	"invitation_create",
	"SELECT id, floor(extract(epoch FROM expires_at))::bigint AS expires"
	" FROM invitation_create(decode($1, 'hex'), $2, $3, nullif($4, ''),"
	" $5::bigint, nullif($6, '')::inet)",
};

#define INVITATION_STATE \
	" CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked'" \
	"  WHEN i.redeemed_at IS NOT NULL THEN 'redeemed'" \
	"  WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END"

/* The API's list: the newest 500. */
static const struct db_query q_invitation_list = {
	"invitation_list",
	"SELECT i.id, i.email, i.role, o.name AS organization," INVITATION_STATE
	" AS state,"
	" coalesce(u.display_name, 'drivectl') AS issued_by,"
	" floor(extract(epoch FROM i.created_at))::bigint AS created,"
	" floor(extract(epoch FROM i.expires_at))::bigint AS expires"
	" FROM invitations i"
	" LEFT JOIN organizations o ON o.id = i.organization_id"
	" LEFT JOIN users u ON u.id = i.issued_by"
	" ORDER BY i.created_at DESC, i.id DESC LIMIT 500",
};

/*
 * The page's list: ADMIN_PAGE_SIZE invitations ($4) from $3 on, the
 * newest first, whose address holds $1 and whose state is $2 ("" for
 * any), and how many match.  The count comes in a row of its own when
 * the page has none (past its end, or no match).
 */
static const struct db_query q_invitation_page = {
	"invitation_page",
	"WITH m AS (SELECT i.id, i.created_at," INVITATION_STATE " AS state"
	"  FROM invitations i"
	"  WHERE $1 = '' OR strpos(lower(i.email), lower($1)) > 0),"
	" f AS (SELECT id, created_at, state FROM m"
	"  WHERE $2 = '' OR state = $2),"
	" p AS (SELECT id, created_at, state FROM f"
	"  ORDER BY created_at DESC, id DESC"
	"  LIMIT $4::integer OFFSET $3::bigint)"
	" SELECT t.total, i.id, i.email, i.role, o.name AS organization,"
	" p.state, coalesce(u.display_name, 'drivectl') AS issued_by,"
	" floor(extract(epoch FROM i.created_at))::bigint AS created,"
	" floor(extract(epoch FROM i.expires_at))::bigint AS expires"
	" FROM (SELECT count(*) AS total FROM f) t"
	" LEFT JOIN (p JOIN invitations i ON i.id = p.id"
	"  LEFT JOIN organizations o ON o.id = i.organization_id"
	"  LEFT JOIN users u ON u.id = i.issued_by) ON true"
	" ORDER BY p.created_at DESC, p.id DESC",
};

/* The organisations by name, for the invitation form to offer. */
static const struct db_query q_org_names = {
	"org_names",
	"SELECT name FROM organizations ORDER BY lower(name) LIMIT 2000",
};

/*
 * An organisation typed on the form: the one of that name (any case), or
 * those with a name like it, which a new one would sit beside.
 */
static const struct db_query q_org_near = {
	"org_near",
	"SELECT name, lower(name) = lower($1) AS exact FROM organizations"
	" WHERE lower(name) = lower($1) OR similarity(name, $1) >= 0.3"
	" OR strpos(lower(name), lower($1)) > 0"
	" OR strpos(lower($1), lower(name)) > 0"
	" ORDER BY lower(name) = lower($1) DESC, similarity(name, $1) DESC"
	" LIMIT 5",
};

static const struct db_query q_invitation_revoke = {
	"invitation_revoke",
	"SELECT invitation_revoke($1::bigint, $2::bigint,"
	" nullif($3, '')::inet) AS result",
};

/*
 * A link that cannot be redeemed: the page shows the invitation page
 * again (its show step says "invalid"), the API names the token.
 */
static const struct refusal redeem_refusals[] = {
	{ "DR404", 404, "invitation_invalid", "token", "err.invite_invalid" },
	{ "DR409", 409, "invitation_taken", "name", "err.invite_taken" },
	{ NULL },
};

/* ---- redeeming ---- */

/*
 * A malformed token is looked up as one that cannot exist, so that it
 * counts toward the limit like any other wrong one.
 */
static void
link_hash(struct redeem_in *in, const char *token)
{
	if (token == NULL || strlen(token) != TOKEN_HEX ||
	    !token_hash(token, in->link_hash))
		memset(in->link_hash, '0', TOKEN_HEX);
}

static void
link_input(struct dreq *r, void *arg)
{
	struct redeem_in *in = arg;
	char		  token[TOKEN_HEX + 1];

	link_hash(in, path_text(r, "token", token, sizeof(token)));
}

/*
 * The display name (the bank's names, for a client, are checked once
 * the invitation says who it is for) and a password of 12-256
 * characters.
 */
static void
fields_input(struct dreq *r, struct redeem_in *in)
{
	const char *refusal;
	size_t	    n;

	if (in_field(r, "name", &in->name) == -1)
		field_error(r, "name", "err.text_invalid");
	else if ((refusal = name_refusal(in->name, 0)) != NULL)
		field_error(r, "name", refusal);

	if (in_field(r, "password", &in->password) == -1) {
		in->password = NULL;
		field_error(r, "password", "err.text_invalid");
		return;
	}
	n = in->password != NULL ?
	    utf8_count(in->password, strlen(in->password)) :
	    0;
	if (n < 12)
		field_error(r, "password", "err.password_short");
	else if (n > 256)
		field_error(r, "password", "err.password_long");
}

static void
redeem_page_input(struct dreq *r, void *arg)
{
	struct redeem_in *in = arg;
	const char	 *confirm;

	link_input(r, in);
	fields_input(r, in);
	confirm = in_text(r, "password_confirm");
	if (in->password != NULL &&
	    (confirm == NULL || strcmp(confirm, in->password) != 0))
		field_error(r, "password_confirm", "err.password_mismatch");
}

static void
redeem_api_input(struct dreq *r, void *arg)
{
	struct redeem_in *in = arg;

	link_hash(in, in_text(r, "token"));
	fields_input(r, in);
}

static int
redeem_peek(struct http_request *req, struct dreq *r)
{
	struct redeem_in *in = r->in;

	db_query(r, &q_invitation_peek, 2, in->link_hash, r->address);
	return (STEP_NEXT);
}

/* The form, or one refusal for every link that cannot be redeemed. */
static int
redeem_show(struct http_request *req, struct dreq *r)
{
	json_t *inv;
	char	token[TOKEN_HEX + 1];

	if (row_int(r, 0, "retry_after") > 0)
		return (out_rate_limited(req, r,
		    (int)row_int(r, 0, "retry_after")));
	if (row_null(r, 0, "email")) {
		json_object_set_new(r->ctx, "invalid", json_true());
		return (render_page(req, r, 404, "invite", "title.invite",
		    NULL));
	}
	inv = json_pack("{s:s}", "email", row_text(r, 0, "email"));
	ctx_set_msg(r, inv, "role_label",
	    role_label_key(row_text(r, 0, "role")), NULL);
	if (!row_null(r, 0, "organization"))
		json_object_set_new(inv, "organization",
		    json_string(row_text(r, 0, "organization")));
	json_object_set_new(r->ctx, "invite", inv);
	json_object_set_new(r->ctx, "token",
	    json_string(path_text(r, "token", token, sizeof(token))));
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "invite",
	    "title.invite", NULL));
}

static int
redeem_refused(struct http_request *req, struct dreq *r)
{
	return (step_refuse(req, r, 404, "invitation_invalid", "token",
	    "err.invite_invalid"));
}

static const step_fn redeem_refused_steps[] = { redeem_refused, NULL };

/* A wrong link is counted, then refused; a good one hashes the password. */
static int
redeem_check(struct http_request *req, struct dreq *r)
{
	struct redeem_in *in = r->in;
	const char	 *refusal;

	if (row_int(r, 0, "retry_after") > 0)
		return (out_rate_limited(req, r,
		    (int)row_int(r, 0, "retry_after")));
	if (row_null(r, 0, "email")) {
		db_query(r, &q_redeem_failed, 1, r->address);
		return (step_then(r, redeem_refused_steps));
	}
	if (role_parse(row_text(r, 0, "role")) == ROLE_CLIENT &&
	    (refusal = name_refusal(in->name, 1)) != NULL)
		return (step_refuse(req, r, 422, "invalid", "name", refusal));
	pw_start(req, r, PW_HASH, in->password, NULL);
	in_wipe(r, "password");
	in_wipe(r, "password_confirm");
	in->password = NULL;
	return (STEP_NEXT);
}

static int
redeem_store(struct http_request *req, struct dreq *r)
{
	struct redeem_in *in = r->in;
	char		  hash[TOKEN_HEX + 1];
	const char	 *agent;

	if (!r->pw.ok)
		return (out_error(req, r, 500, "internal", NULL,
		    "err.internal"));
	token_new(in->token);
	token_new(in->csrf);
	(void)token_hash(in->token, hash);
	if (!http_request_header(req, "user-agent", &agent))
		agent = "";
	db_query(r, &q_invitation_redeem, 7, in->link_hash, in->name,
	    r->pw.encoded, hash, in->csrf, r->address, agent);
	return (STEP_NEXT);
}

/* Signed in as the new person. */
static int
redeem_session(struct http_request *req, struct dreq *r)
{
	struct redeem_in *in = r->in;

	if (db_rows(r) != 1)
		return (redeem_refused(req, r));
	session_user(r, row_int(r, 0, "user_id"));
	r->sess.name = kore_strdup(row_text(r, 0, "name"));
	r->sess.role = role_parse(row_text(r, 0, "role"));
	session_begin(req, r, in->token, in->csrf);
	return (STEP_NEXT);
}

static int
redeem_redirect(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/?welcome=1"));
}

static int
redeem_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 201,
	    json_pack("{s:o, s:s}", "user", session_user_json(r), "csrf_token",
		r->sess.csrf)));
}

/* ---- the list (admin) ---- */

/* The first page of every invitation: shown after issuing one anew. */
static const struct list_in list_first = { "", "", 1, NULL, NULL };

static void
list_bad(struct list_in *in, const char *field, const char *key)
{
	if (in->bad == NULL) {
		in->bad = field;
		in->bad_key = key;
	}
}

/* A state of list_states, "" for any; NULL when it is none of them. */
static const char *
list_state(const char *v)
{
	int i;

	if (v == NULL || *v == '\0')
		return ("");
	for (i = 0; list_states[i] != NULL; i++) {
		if (strcmp(v, list_states[i]) == 0)
			return (list_states[i]);
	}
	return (NULL);
}

/*
 * The page's query string: q (part of an address; one line of fewer
 * than 200 bytes), state, page (absent or empty: the first).  A value
 * that cannot be meant is refused with 400 naming it.
 */
static void
list_input(struct dreq *r, void *arg)
{
	struct list_in *in = arg;
	const char     *v;
	int		rc;

	if (!in_query(r))
		list_bad(in, NULL, "err.bad_request");
	if ((rc = in_field(r, "q", &in->q)) == 0)
		in->q = "";
	else if (rc == -1 || strlen(in->q) >= 200 ||
	    !line_acceptable(in->q, strlen(in->q))) {
		in->q = "";
		list_bad(in, "q", "err.text_invalid");
	}
	if ((rc = in_field(r, "state", &v)) == -1 ||
	    (in->state = list_state(rc == 1 ? v : NULL)) == NULL) {
		in->state = "";
		list_bad(in, "state", "err.state_invalid");
	}
	in->page = 1;
	if ((rc = in_field(r, "page", &v)) == -1 ||
	    (rc == 1 && *v != '\0' && (in->page = page_parse(v)) == 0)) {
		in->page = 1;
		list_bad(in, "page", "err.page_invalid");
	}
}

/*
 * The list page's own query string; the pages that show the list after
 * issuing (or refusing to issue) a link show its first page.
 */
static const struct list_in *
list_of(struct dreq *r)
{
	return (r->h == &invitations_page ? r->in : &list_first);
}

static int
list_query(struct http_request *req, struct dreq *r)
{
	const struct list_in *in = list_of(r);
	char		      offset[24], limit[8];

	if (r->is_api) {
		db_query(r, &q_invitation_list, 0);
		return (STEP_NEXT);
	}
	if (in->bad != NULL || in->bad_key != NULL)
		return (step_refuse(req, r, 400, "invalid", in->bad,
		    in->bad_key));
	(void)snprintf(offset, sizeof(offset), "%lld",
	    (long long)(in->page - 1) * ADMIN_PAGE_SIZE);
	(void)snprintf(limit, sizeof(limit), "%d", ADMIN_PAGE_SIZE);
	db_query(r, &q_invitation_page, 4, in->q, in->state, offset, limit);
	return (STEP_NEXT);
}

static json_t *
invitation_json(struct dreq *r, int i)
{
	json_t *row;

	row = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
	    (json_int_t)row_int(r, i, "id"), "email", row_text(r, i, "email"),
	    "role", row_text(r, i, "role"), "state", row_text(r, i, "state"),
	    "issued_by", row_text(r, i, "issued_by"));
	json_object_set_new(row, "organization",
	    row_null(r, i, "organization") ?
		json_null() :
		json_string(row_text(r, i, "organization")));
	out_time(r, row, "created_at", "created_ago", row_int(r, i, "created"));
	out_time(r, row, "expires_at", "expires_label",
	    row_int(r, i, "expires"));
	return (row);
}

static int
list_json(struct http_request *req, struct dreq *r)
{
	json_t *list;
	int	i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++)
		json_array_append_new(list, invitation_json(r, i));
	return (out_json(req, r, 200, json_pack("{s:o}", "invitations", list)));
}

/*
 * The search form: what it says, the states to choose from, and the
 * list's address with them for its pages.
 */
static void
list_filters(struct dreq *r, const struct list_in *in, int64_t total, int shown)
{
	json_t	   *states, *o;
	struct dbuf b;
	char	    key[32];
	int	    i;

	json_object_set_new(r->ctx, "filters",
	    json_pack("{s:s, s:s, s:b}", "q", in->q, "state", in->state, "any",
		*in->q != '\0' || *in->state != '\0'));
	states = json_array();
	o = json_pack("{s:s, s:b}", "value", "", "selected",
	    *in->state == '\0');
	ctx_set_msg(r, o, "label", "inv.all_states", NULL);
	json_array_append_new(states, o);
	for (i = 0; list_states[i] != NULL; i++) {
		o = json_pack("{s:s, s:b}", "value", list_states[i], "selected",
		    strcmp(in->state, list_states[i]) == 0);
		(void)snprintf(key, sizeof(key), "state.%s", list_states[i]);
		ctx_set_msg(r, o, "label", key, NULL);
		json_array_append_new(states, o);
	}
	json_object_set_new(r->ctx, "states", states);

	dbuf_init(&b);
	dbuf_appendstr(&b, "/admin/invitations?");
	if (*in->q != '\0') {
		dbuf_appendstr(&b, "q=");
		query_encode(&b, in->q);
		dbuf_appendstr(&b, "&");
	}
	if (*in->state != '\0')
		dbuf_appendf(&b, "state=%s&", in->state);
	pager_json(r, b.data, in->page, total, shown, "inv");
	dbuf_free(&b);
}

/* The page: the form (again, with its errors), a new link, the list. */
static int
list_render(struct http_request *req, struct dreq *r)
{
	static const char *role_values[] = { "client", "pm", "admin" };
	json_t		  *list, *row, *roles;
	const char	  *state, *chosen;
	char		   key[32];
	int64_t		   total;
	int		   i, n;

	list = json_array();
	n = db_rows(r);
	total = n > 0 ? row_int(r, 0, "total") : 0;
	for (i = 0; i < n; i++) {
		if (row_null(r, i, "id"))
			continue;
		row = invitation_json(r, i);
		state = row_text(r, i, "state");
		ctx_set_msg(r, row, "role_label",
		    role_label_key(row_text(r, i, "role")), NULL);
		(void)snprintf(key, sizeof(key), "state.%s", state);
		ctx_set_msg(r, row, "state_label", key, NULL);
		json_object_set_new(row, "can_revoke",
		    json_boolean(strcmp(state, "pending") == 0));
		json_object_set_new(row, "can_reissue",
		    json_boolean(strcmp(state, "redeemed") != 0));
		json_array_append_new(list, row);
	}
	list_filters(r, list_of(r), total, (int)json_array_size(list));
	json_object_set_new(r->ctx, "has_invitations", json_boolean(total > 0));
	json_object_set_new(r->ctx, "invitations", list);
	roles = json_array();
	chosen = json_string_value(json_object_get(json_object_get(r->ctx,
						       "values"),
	    "role"));
	for (i = 0; i < 3; i++) {
		row = json_pack("{s:s, s:b}", "value", role_values[i],
		    "selected",
		    chosen != NULL && strcmp(chosen, role_values[i]) == 0);
		ctx_set_msg(r, row, "label", role_label_key(role_values[i]),
		    NULL);
		json_array_append_new(roles, row);
	}
	json_object_set_new(r->ctx, "roles", roles);
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "invitations", 1));
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors")  ? 422 :
		json_object_get(r->ctx, "created") ? 201 :
						     200,
	    "admin_invitations", "title.admin_invitations", "admin"));
}

/* ---- issuing (admin) ---- */

/*
 * An address, a role, and for a client an organisation of 2-120
 * characters on one line (staff have none).
 */
static void
issue_input(struct dreq *r, void *arg)
{
	struct issue_in *in = arg;
	size_t		 n;
	int		 rc;

	if (in_field(r, "email", &in->email) != 1 || !email_valid(in->email))
		field_error(r, "email", "err.email_invalid");
	in->role = in_text(r, "role") != NULL ? role_parse(in_text(r, "role")) :
						ROLE_ANON;
	if (in->role == ROLE_ANON)
		field_error(r, "role", "err.role_invalid");
	if ((rc = in_field(r, "organization", &in->org)) == -1) {
		field_error(r, "organization", "err.text_invalid");
		return;
	}
	if (rc == 0 || *in->org == '\0')
		in->org = NULL;
	if (in->role == ROLE_CLIENT) {
		n = in->org != NULL ? utf8_count(in->org, strlen(in->org)) : 0;
		if (in->org == NULL)
			field_error(r, "organization", "err.org_required");
		else if (n < 2 || n > 120 ||
		    !line_acceptable(in->org, strlen(in->org)))
			field_error(r, "organization", "err.org_length");
	} else if (in->role != ROLE_ANON && in->org != NULL)
		field_error(r, "organization", "err.org_staff");
	in->new_org = in_text(r, "new_org") != NULL &&
	    strcmp(in_text(r, "new_org"), "1") == 0;
}

/* ---- the organisations the form offers, and a new one's near names ---- */

static int
org_names_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_org_names, 0);
	return (STEP_NEXT);
}

static int
org_names_keep(struct http_request *req, struct dreq *r)
{
	json_t *names;
	int	i;

	names = json_array();
	for (i = 0; i < db_rows(r); i++)
		json_array_append_new(names,
		    json_string(row_text(r, i, "name")));
	json_object_set_new(r->ctx, "org_names", names);
	return (STEP_NEXT);
}

/* A client's organisation, looked up before the invitation is issued. */
static int
org_near_query(struct http_request *req, struct dreq *r)
{
	struct issue_in *in = r->in;

	if (in->role == ROLE_CLIENT)
		db_query(r, &q_org_near, 1, in->org);
	return (STEP_NEXT);
}

/*
 * On a page a new organisation is created only when the form says so
 * (new_org=1): an unknown name is refused at the field, naming the
 * organisations with names like it, so that "Hanseatic Logistics" does
 * not quietly sit beside "Hanseatic Logistics GmbH".
 */
static int
org_near_check(struct http_request *req, struct dreq *r)
{
	struct issue_in *in = r->in;
	json_t		*near;
	int		 i;

	if (in->role != ROLE_CLIENT || in->new_org ||
	    (db_rows(r) > 0 && row_bool(r, 0, "exact")))
		return (STEP_NEXT);
	near = json_array();
	for (i = 0; i < db_rows(r); i++)
		json_array_append_new(near,
		    json_string(row_text(r, i, "name")));
	json_object_set_new(r->ctx, "org_near_any",
	    json_boolean(json_array_size(near) > 0));
	json_object_set_new(r->ctx, "org_near", near);
	json_object_set_new(r->ctx, "org_is_new", json_true());
	return (step_refuse(req, r, 422, "invalid", "organization",
	    json_array_size(near) > 0 ? "err.org_near" : "err.org_new"));
}

static int
issue_query(struct http_request *req, struct dreq *r)
{
	struct issue_in *in = r->in;
	char		 hash[TOKEN_HEX + 1], issuer[32];

	token_new(in->token);
	(void)token_hash(in->token, hash);
	(void)snprintf(issuer, sizeof(issuer), "%lld",
	    (long long)r->sess.user_id);
	db_query(r, &q_invitation_create, 6, hash, in->email,
	    role_name(in->role), in->org != NULL ? in->org : "", issuer,
	    r->address);
	return (STEP_NEXT);
}

/* The new link, once; the token is wiped when it is in the answer. */
static json_t *
link_json(struct dreq *r, char *token, size_t len)
{
	json_t *o;
	char	url[1024];

	(void)snprintf(url, sizeof(url), "%s/invite/%s", drive_base_url, token);
	explicit_bzero(token, len);
	o = json_pack("{s:s}", "url", url);
	explicit_bzero(url, sizeof(url));
	out_time(r, o, "expires_at", "expires_in", row_int(r, 0, "expires"));
	return (o);
}

static json_t *
issued(struct dreq *r)
{
	struct issue_in *in = r->in;

	return (link_json(r, in->token, sizeof(in->token)));
}

static int
issue_json(struct http_request *req, struct dreq *r)
{
	json_t *o;

	o = issued(r);
	json_object_set_new(o, "id", json_integer(row_int(r, 0, "id")));
	return (out_json(req, r, 201, o));
}

static int
issue_shown(struct http_request *req, struct dreq *r)
{
	struct issue_in *in = r->in;
	json_t		*o;

	o = issued(r);
	json_object_set_new(o, "email", json_string(in->email));
	json_object_set_new(r->ctx, "created", o);
	return (STEP_NEXT);
}

/* ---- revoking (admin) ---- */

/*
 * The page's revoke form also says where the list was (search, state,
 * page); a value that could not be the list's is dropped, not refused.
 */
static void
revoke_input(struct dreq *r, void *arg)
{
	struct revoke_in *in = arg;
	const char	 *v;

	in->id = path_id(r, "id");
	if ((v = in_text(r, "q")) != NULL && strlen(v) < 200 &&
	    line_acceptable(v, strlen(v)))
		(void)kore_strlcpy(in->back_q, v, sizeof(in->back_q));
	if ((v = list_state(in_text(r, "state"))) != NULL)
		(void)kore_strlcpy(in->back_state, v, sizeof(in->back_state));
	in->back_page = page_parse(in_text(r, "page"));
}

static int
revoke_query(struct http_request *req, struct dreq *r)
{
	struct revoke_in *in = r->in;
	char		  id[32], actor[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	(void)snprintf(actor, sizeof(actor), "%lld",
	    (long long)r->sess.user_id);
	db_query(r, &q_invitation_revoke, 3, id, actor, r->address);
	return (STEP_NEXT);
}

/* invitation_revoke() says what became of it; revoked twice is fine. */
static int
revoke_result(struct http_request *req, struct dreq *r)
{
	const char *result;

	result = db_rows(r) == 1 ? row_text(r, 0, "result") : NULL;
	if (result == NULL || strcmp(result, "not_found") == 0)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (strcmp(result, "redeemed") == 0)
		return (step_refuse(req, r, 409, "invitation_redeemed", NULL,
		    "err.invite_redeemed"));
	return (STEP_NEXT);
}

/*
 * Back to the list as it was.  A search that a redirect may not carry
 * (local_path() refuses what decodes to bytes beyond ASCII) is left out.
 */
static int
revoke_redirect(struct http_request *req, struct dreq *r)
{
	struct revoke_in *in = r->in;
	struct dbuf	  b;
	char		  sep;
	int		  rc;

	dbuf_init(&b);
	dbuf_appendstr(&b, "/admin/invitations");
	sep = '?';
	if (in->back_q[0] != '\0') {
		dbuf_appendstr(&b, "?q=");
		query_encode(&b, in->back_q);
		if (local_path(b.data, NULL) == NULL) {
			b.len = strlen("/admin/invitations");
			b.data[b.len] = '\0';
		} else
			sep = '&';
	}
	if (in->back_state[0] != '\0') {
		dbuf_appendf(&b, "%cstate=%s", sep, in->back_state);
		sep = '&';
	}
	if (in->back_page > 1)
		dbuf_appendf(&b, "%cpage=%d", sep, in->back_page);
	rc = out_redirect(req, r, b.data);
	dbuf_free(&b);
	return (rc);
}

static int
revoke_json(struct http_request *req, struct dreq *r)
{
	struct revoke_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:s}", "id", (json_int_t)in->id, "state",
		"revoked")));
}

static const step_fn invite_steps[] = { redeem_peek, redeem_show, NULL };
static const step_fn redeem_page_steps[] = { redeem_peek, redeem_check,
	redeem_store, redeem_session, redeem_redirect, NULL };
static const step_fn redeem_api_steps[] = { redeem_peek, redeem_check,
	redeem_store, redeem_session, redeem_json, NULL };
static const step_fn list_page_steps[] = { org_names_query, org_names_keep,
	list_query, list_render, NULL };
static const step_fn list_api_steps[] = { list_query, list_json, NULL };
static const step_fn issue_page_steps[] = { org_near_query, org_near_check,
	issue_query, issue_shown, org_names_query, org_names_keep, list_query,
	list_render, NULL };
static const step_fn issue_api_steps[] = { issue_query, issue_json, NULL };
static const step_fn revoke_page_steps[] = { revoke_query, revoke_result,
	revoke_redirect, NULL };
static const step_fn revoke_api_steps[] = { revoke_query, revoke_result,
	revoke_json, NULL };

const struct handler invite_page = {
	.role = ROLE_ANON,
	.input = link_input,
	.input_size = sizeof(struct redeem_in),
	.steps = invite_steps,
};

const struct handler invite_redeem_page = {
	.role = ROLE_ANON,
	.input = redeem_page_input,
	.input_size = sizeof(struct redeem_in),
	.steps = redeem_page_steps,
	.refusals = redeem_refusals,
	.form = invite_steps,
};

const struct handler invite_redeem_api = {
	.role = ROLE_ANON,
	.input = redeem_api_input,
	.input_size = sizeof(struct redeem_in),
	.steps = redeem_api_steps,
	.refusals = redeem_refusals,
};

const struct handler invitations_page = {
	.role = ROLE_ADMIN,
	.input = list_input,
	.input_size = sizeof(struct list_in),
	.steps = list_page_steps,
};

const struct handler invitations_api = {
	.role = ROLE_ADMIN,
	.steps = list_api_steps,
};

const struct handler invitation_issue_page = {
	.role = ROLE_ADMIN,
	.input = issue_input,
	.input_size = sizeof(struct issue_in),
	.steps = issue_page_steps,
	.form = list_page_steps,
};

const struct handler invitation_issue_api = {
	.role = ROLE_ADMIN,
	.input = issue_input,
	.input_size = sizeof(struct issue_in),
	.steps = issue_api_steps,
};

const struct handler invitation_revoke_page = {
	.role = ROLE_ADMIN,
	.input = revoke_input,
	.input_size = sizeof(struct revoke_in),
	.steps = revoke_page_steps,
};

const struct handler invitation_revoke_api = {
	.role = ROLE_ADMIN,
	.input = revoke_input,
	.input_size = sizeof(struct revoke_in),
	.steps = revoke_api_steps,
};

/* ---- issuing one anew: a new link, the old one dies ---- */

struct reissue_in {
	int64_t id;
	char	token[TOKEN_HEX + 1]; /* shown once */
};

static const struct db_query q_invitation_reissue = {
	"invitation_reissue",
	"SELECT id, floor(extract(epoch FROM expires_at))::bigint AS expires"
	" FROM invitation_reissue($1::bigint, decode($2, 'hex'), $3::bigint,"
	" nullif($4, '')::inet)",
};

static const struct refusal reissue_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.not_found" },
	{ "DR409", 409, "invitation_redeemed", NULL, "err.invite_redeemed" },
	{ NULL },
};

static void
reissue_input(struct dreq *r, void *arg)
{
	struct reissue_in *in = arg;

	in->id = path_id(r, "id");
}

static int
reissue_query(struct http_request *req, struct dreq *r)
{
	struct reissue_in *in = r->in;
	char		   id[32], hash[TOKEN_HEX + 1];

	token_new(in->token);
	(void)token_hash(in->token, hash);
	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	db_query(r, &q_invitation_reissue, 4, id, hash, r->sess.uid,
	    r->address);
	return (STEP_NEXT);
}

static json_t *
reissued(struct dreq *r)
{
	struct reissue_in *in = r->in;

	return (link_json(r, in->token, sizeof(in->token)));
}

static int
reissue_json(struct http_request *req, struct dreq *r)
{
	json_t *o;

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

static const step_fn reissue_page_steps[] = { reissue_query, reissue_shown,
	list_query, list_render, NULL };
static const step_fn reissue_api_steps[] = { reissue_query, reissue_json,
	NULL };

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
