/*
 * People (admin): the list with a search, ADMIN_PAGE_SIZE a page, a role
 * change, deactivation and reactivation, and erasure under a pseudonym.
 * Each change is one SQL function that also writes its audit entry and
 * refuses a change of oneself (DR409).
 *
 * A role change on the page that widens what the person sees (a client
 * made a pm or an admin, a pm made an admin) is asked about first: the
 * POST without confirm=1 answers with a page that says what the new role
 * means and repeats the form with confirm=1; nothing changes until that
 * one is sent.  The API changes at once (its callers are explicit).
 */

#include "drive.h"

struct users_in {
	const char *q;	  /* "" for everyone; NULL: refused */
	int	    page; /* the page's, 1..; 0: refused */
};

struct user_in {
	int64_t	    id;
	const char *role;	 /* NULL: unchanged */
	const char *active;	 /* "true", "false", NULL: unchanged */
	int	    confirm;	 /* the page's confirm=1: widen the role */
	char	    back_q[208]; /* the list's search and page, to return to */
	int	    back_page;
};

static const struct db_query q_users = {
	"admin_users",
	"SELECT u.id, u.display_name AS name, u.email, u.role,"
	" o.name AS organization, u.active,"
	" floor(extract(epoch FROM u.last_sign_in_at))::bigint AS last_sign_in"
	" FROM users u LEFT JOIN organizations o ON o.id = u.organization_id"
	" WHERE $1 = '' OR strpos(lower(u.display_name), lower($1)) > 0"
	" OR strpos(lower(u.email), lower($1)) > 0"
	" ORDER BY u.created_at DESC, u.id DESC LIMIT 500",
};

/*
 * The page's list: ADMIN_PAGE_SIZE people ($3) from $2 on, the newest
 * first, and how many match ($1 the search).  The count comes in a row
 * of its own when the page has nobody (past its end, or no match).
 */
static const struct db_query q_users_page = {
	"admin_users_page",
	"WITH m AS (SELECT u.id, u.created_at FROM users u"
	"  WHERE $1 = '' OR strpos(lower(u.display_name), lower($1)) > 0"
	"  OR strpos(lower(u.email), lower($1)) > 0),"
	" p AS (SELECT id, created_at FROM m"
	"  ORDER BY created_at DESC, id DESC"
	"  LIMIT $3::integer OFFSET $2::bigint)"
	" SELECT t.total, u.id, u.display_name AS name, u.email, u.role,"
	" o.name AS organization, u.active,"
	" floor(extract(epoch FROM u.last_sign_in_at))::bigint AS last_sign_in,"
	" u.totp_enrolled_at IS NOT NULL AS factor"
	" FROM (SELECT count(*) AS total FROM m) t"
	" LEFT JOIN (p JOIN users u ON u.id = p.id"
	"  LEFT JOIN organizations o ON o.id = u.organization_id) ON true"
	" ORDER BY p.created_at DESC, p.id DESC",
};

static const struct db_query q_user_one = {
	"admin_user_one",
	"SELECT u.id, u.display_name AS name, u.email, u.role,"
	" o.name AS organization"
	" FROM users u LEFT JOIN organizations o ON o.id = u.organization_id"
	" WHERE u.id = $1::bigint",
};

static const struct db_query q_user_set = {
	"user_set",
	"SELECT user_set($1::bigint, $2::bigint, $3, $4::boolean,"
	" nullif($5, '')::inet)",
};

static const struct db_query q_user_erase = {
	"user_erase",
	"SELECT user_erase($1::bigint, $2::bigint, nullif($3, '')::inet)",
};

static const struct refusal user_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.not_found" },
	{ "DR409", 409, "self", NULL, "err.self_change" },
	{ "DR422", 422, "invalid", "role", "err.role_change" },
	{ NULL },
};

/* ---- the list ---- */

/*
 * The search, from the query string: a NUL or another control
 * character, invalid UTF-8 or 200 bytes or more is refused (400) rather
 * than searched for as something else.
 */
static void
users_input(struct dreq *r, void *arg)
{
	struct users_in *in = arg;
	int		 rc;

	(void)in_query(r);
	if ((rc = in_field(r, "q", &in->q)) == 0)
		in->q = "";
	else if (rc == -1 || strlen(in->q) >= 200 ||
	    !line_acceptable(in->q, strlen(in->q)))
		in->q = NULL;
	in->page = 1;
}

/* The page also takes page=N (absent or empty: the first). */
static void
users_page_input(struct dreq *r, void *arg)
{
	struct users_in *in = arg;
	const char	*v;
	int		 rc;

	users_input(r, in);
	if ((rc = in_field(r, "page", &v)) == -1)
		in->page = 0;
	else if (rc == 1 && *v != '\0')
		in->page = page_parse(v);
}

static int
users_query(struct http_request *req, struct dreq *r)
{
	struct users_in *in = r->in;
	char		 offset[24], limit[8];

	if (in->q == NULL)
		return (step_refuse(req, r, 400, "invalid", "q",
		    "err.text_invalid"));
	if (in->page == 0)
		return (step_refuse(req, r, 400, "invalid", "page",
		    "err.page_invalid"));
	json_object_set_new(r->ctx, "filters", json_pack("{s:s}", "q", in->q));
	if (r->is_api) {
		db_query(r, &q_users, 1, in->q);
		return (STEP_NEXT);
	}
	(void)snprintf(offset, sizeof(offset), "%lld",
	    (long long)(in->page - 1) * ADMIN_PAGE_SIZE);
	(void)snprintf(limit, sizeof(limit), "%d", ADMIN_PAGE_SIZE);
	db_query(r, &q_users_page, 3, in->q, offset, limit);
	return (STEP_NEXT);
}

static json_t *
user_json(struct dreq *r, int i)
{
	json_t *u;

	u = json_pack("{s:I, s:s, s:s, s:s, s:b}", "id",
	    (json_int_t)row_int(r, i, "id"), "name", row_text(r, i, "name"),
	    "email", row_text(r, i, "email"), "role", row_text(r, i, "role"),
	    "active", row_bool(r, i, "active"));
	if (!row_null(r, i, "last_sign_in"))
		out_time(r, u, "last_sign_in_at", "last_sign_in_ago",
		    row_int(r, i, "last_sign_in"));
	return (u);
}

static int
users_json(struct http_request *req, struct dreq *r)
{
	json_t *list, *u;
	int	i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		u = user_json(r, i);
		json_object_set_new(u, "organization",
		    row_null(r, i, "organization") ?
			json_null() :
			json_string(row_text(r, i, "organization")));
		json_array_append_new(list, u);
	}
	return (out_json(req, r, 200, json_pack("{s:o}", "users", list)));
}

/*
 * The roles a person's select offers, their current one selected: a
 * client's own and the two of the bank, for staff only the bank's
 * (nobody is made a client here, user_set() refuses it).
 */
static json_t *
role_options(struct dreq *r, const char *role)
{
	static const char *roles[] = { "client", "pm", "admin" };
	json_t		  *list, *o;
	int		   k, current;

	list = json_array();
	for (k = 0; k < 3; k++) {
		current = strcmp(roles[k], role) == 0;
		if (k == 0 && !current)
			continue;
		o = json_pack("{s:s, s:b}", "value", roles[k], "selected",
		    current);
		ctx_set_msg(r, o, "label", role_label_key(roles[k]), NULL);
		json_array_append_new(list, o);
	}
	return (list);
}

static int
users_render(struct http_request *req, struct dreq *r)
{
	struct users_in *in = r->in;
	json_t		*list, *u;
	struct dbuf	 b;
	const char	*role;
	int64_t		 total;
	int		 i;

	list = json_array();
	total = db_rows(r) > 0 ? row_int(r, 0, "total") : 0;
	for (i = 0; i < db_rows(r); i++) {
		if (row_null(r, i, "id"))
			continue;
		u = user_json(r, i);
		role = row_text(r, i, "role");
		if (!row_null(r, i, "organization"))
			json_object_set_new(u, "organization",
			    json_string(row_text(r, i, "organization")));
		ctx_set_msg(r, u, "role_label", role_label_key(role), NULL);
		json_object_set_new(u, "is_self",
		    json_boolean(row_int(r, i, "id") == r->sess.user_id));
		json_object_set_new(u, "roles", role_options(r, role));
		json_object_set_new(u, "factor",
		    json_boolean(row_bool(r, i, "factor")));
		json_array_append_new(list, u);
	}
	dbuf_init(&b);
	dbuf_appendstr(&b, "/admin/users?");
	if (*in->q != '\0') {
		dbuf_appendstr(&b, "q=");
		query_encode(&b, in->q);
		dbuf_appendstr(&b, "&");
	}
	pager_json(r, b.data, in->page, total, (int)json_array_size(list),
	    "users");
	dbuf_free(&b);
	json_object_set_new(r->ctx, "users", list);
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "users", 1));
	if (in_text(r, "saved") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.user_saved", NULL);
	if (in_text(r, "erased") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.user_erased", NULL);
	if (in_text(r, "factor_reset") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.factor_reset", NULL);
	return (render_page(req, r, 200, "admin_users", "title.admin_users",
	    "admin"));
}

/* ---- role, active, erasure ---- */

/*
 * Where the page's forms return to: the list as it was (its search).
 * A value that could not be the list's is dropped, not refused: it only
 * says where to go back to.
 */
static void
back_input(struct dreq *r, struct user_in *in)
{
	const char *q;

	if ((q = in_text(r, "q")) != NULL && strlen(q) < 200 &&
	    line_acceptable(q, strlen(q)))
		(void)kore_strlcpy(in->back_q, q, sizeof(in->back_q));
	in->back_page = page_parse(in_text(r, "page"));
}

/*
 * "/admin/users?saved=1&q=…&page=2": the list, with a notice (or NULL).
 * A search that a redirect may not carry (local_path() refuses what
 * decodes to bytes beyond ASCII) is left out of one: the list then
 * shows all.  A link carries any.
 */
static void
back_url(struct dbuf *b, const struct user_in *in, const char *notice,
    int redirect)
{
	size_t len;
	char   sep;

	dbuf_appendstr(b, "/admin/users");
	sep = '?';
	if (notice != NULL) {
		dbuf_appendf(b, "%c%s=1", sep, notice);
		sep = '&';
	}
	len = b->len;
	if (in->back_q[0] != '\0') {
		dbuf_appendf(b, "%cq=", sep);
		query_encode(b, in->back_q);
		if (redirect && local_path(b->data, NULL) == NULL) {
			b->len = len;
			b->data[len] = '\0';
		} else
			sep = '&';
	}
	if (in->back_page > 1)
		dbuf_appendf(b, "%cpage=%d", sep, in->back_page);
}

static void
role_input(struct dreq *r, void *arg)
{
	struct user_in *in = arg;

	in->id = path_id(r, "id");
	if (in_field(r, "role", &in->role) != 1 ||
	    role_parse(in->role) == ROLE_ANON) {
		in->role = NULL;
		field_error(r, "role", "err.role_invalid");
	}
	in->confirm = in_confirmed(r);
	back_input(r, in);
}

/* The page's form says active=1 or active=0. */
static void
active_input(struct dreq *r, void *arg)
{
	struct user_in *in = arg;
	const char     *v;

	in->id = path_id(r, "id");
	back_input(r, in);
	v = in_text(r, "active");
	if (v != NULL && strcmp(v, "1") == 0)
		in->active = "true";
	else if (v != NULL && strcmp(v, "0") == 0)
		in->active = "false";
	else
		field_error(r, "active", "err.bad_request");
}

/* PATCH {"role": "pm"} and/or {"active": false}. */
static void
user_api_input(struct dreq *r, void *arg)
{
	struct user_in *in = arg;
	json_t	       *v;
	int		rc;

	in->id = path_id(r, "id");
	if ((rc = in_field(r, "role", &in->role)) == -1 ||
	    (rc == 1 && role_parse(in->role) == ROLE_ANON)) {
		in->role = NULL;
		field_error(r, "role", "err.role_invalid");
	} else if (rc == 0)
		in->role = NULL;
	v = json_object_get(r->json, "active");
	if (v != NULL && !json_is_boolean(v))
		field_error(r, "active", "err.bad_request");
	else if (v != NULL)
		in->active = json_is_true(v) ? "true" : "false";
}

static void
erase_input(struct dreq *r, void *arg)
{
	struct user_in *in = arg;

	in->id = path_id(r, "id");
	back_input(r, in);
	in->confirm = in_confirmed(r);
}

static int
user_set_query(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;
	char		id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	db_query(r, &q_user_set, 5, id, r->sess.uid, in->role, in->active,
	    r->address);
	return (STEP_NEXT);
}

/* Confirmed: erased; else the person, to confirm (erase_confirm). */
static int
user_erase_query(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;
	char		id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	if (in->confirm)
		db_query(r, &q_user_erase, 3, id, r->sess.uid, r->address);
	else
		db_query(r, &q_user_one, 1, id);
	return (STEP_NEXT);
}

/*
 * What a confirmation page (a role widened, data erased) shows of the
 * person as they are now ("person", from q_user_one's row) and how it
 * returns to the list ("change": the search, the page, the back link).
 * The "change" object, for the caller to add to.
 */
static json_t *
confirm_ctx(struct dreq *r, struct user_in *in)
{
	json_t	   *person, *change;
	struct dbuf b;

	/* Erased already: no e-mail address is left to show. */
	person = json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)in->id,
	    "name", row_text(r, 0, "name"), "email", row_text(r, 0, "email"));
	ctx_set_msg(r, person, "role_label",
	    role_label_key(row_text(r, 0, "role")), NULL);
	if (!row_null(r, 0, "organization"))
		json_object_set_new(person, "organization",
		    json_string(row_text(r, 0, "organization")));
	json_object_set_new(r->ctx, "person", person);
	change = json_pack("{s:s}", "q", in->back_q);
	if (in->back_page > 1)
		json_object_set_new(change, "page",
		    json_integer(in->back_page));
	dbuf_init(&b);
	back_url(&b, in, NULL, 0);
	json_object_set_new(change, "back_url", json_string(b.data));
	dbuf_free(&b);
	json_object_set_new(r->ctx, "change", change);
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "users", 1));
	return (change);
}

/*
 * The page that asks, without JavaScript, before a person's data is
 * erased: who, what goes and what stays, the form again with confirm=1.
 */
static int
erase_confirm(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;

	if (in->confirm)
		return (STEP_NEXT);
	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	(void)confirm_ctx(r, in);
	return (render_page(req, r, 200, "admin_user_erase",
	    "title.admin_user_erase", "admin"));
}

/* The person whose role the page would change, as they are now. */
static int
role_lookup(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;
	char		id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	db_query(r, &q_user_one, 1, id);
	return (STEP_NEXT);
}

/*
 * The page that asks before a role is widened: who, what they are now,
 * what the new role may see, and the form again with confirm=1.
 */
static int
role_confirm_render(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;
	json_t	       *change;
	const char     *to;

	to = in->role;
	change = confirm_ctx(r, in);
	json_object_set_new(change, "role", json_string(to));
	ctx_set_msg(r, change, "role_label", role_label_key(to), NULL);
	ctx_set_msg(r, change, "heading",
	    strcmp(to, "admin") == 0 ? "users.confirm_admin_heading" :
				       "users.confirm_pm_heading",
	    r->ctx);
	ctx_set_msg(r, change, "meaning",
	    strcmp(to, "admin") == 0 ? "users.confirm_admin_meaning" :
				       "users.confirm_pm_meaning",
	    NULL);
	ctx_set_msg(r, change, "submit",
	    strcmp(to, "admin") == 0 ? "users.confirm_admin_submit" :
				       "users.confirm_pm_submit",
	    NULL);
	if (!row_null(r, 0, "organization"))
		ctx_set_msg(r, change, "leaves", "users.confirm_leaves",
		    r->ctx);
	return (render_page(req, r, 200, "admin_user_role",
	    "title.admin_user_role", "admin"));
}

/*
 * A change that widens what the person sees waits for confirm=1; one
 * that narrows it (or keeps it) is made at once, as is one of oneself
 * (which user_set() refuses).
 */
static int
role_decide(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;

	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (!in->confirm && in->id != r->sess.user_id &&
	    role_parse(in->role) > role_parse(row_text(r, 0, "role")))
		return (role_confirm_render(req, r));
	return (user_set_query(req, r));
}

static int
user_set_redirect(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;
	struct dbuf	b;
	int		rc;

	dbuf_init(&b);
	back_url(&b, in, "saved", 1);
	rc = out_redirect(req, r, b.data);
	dbuf_free(&b);
	return (rc);
}

static int
user_set_json(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:b}", "id", (json_int_t)in->id, "saved", 1)));
}

static int
user_erase_redirect(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;
	struct dbuf	b;
	int		rc;

	dbuf_init(&b);
	back_url(&b, in, "erased", 1);
	rc = out_redirect(req, r, b.data);
	dbuf_free(&b);
	return (rc);
}

static int
user_erase_json(struct http_request *req, struct dreq *r)
{
	struct user_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:s}", "id", (json_int_t)in->id, "name",
		"Former member")));
}

static const step_fn users_page_steps[] = { users_query, users_render, NULL };
static const step_fn users_api_steps[] = { users_query, users_json, NULL };
static const step_fn role_page_steps[] = { role_lookup, role_decide,
	user_set_redirect, NULL };
static const step_fn set_page_steps[] = { user_set_query, user_set_redirect,
	NULL };
static const step_fn set_api_steps[] = { user_set_query, user_set_json, NULL };
static const step_fn erase_page_steps[] = { user_erase_query, erase_confirm,
	user_erase_redirect, NULL };
static const step_fn erase_api_steps[] = { user_erase_query, user_erase_json,
	NULL };

const struct handler users_page = {
	.role = ROLE_ADMIN,
	.input = users_page_input,
	.input_size = sizeof(struct users_in),
	.steps = users_page_steps,
};

const struct handler users_api = {
	.role = ROLE_ADMIN,
	.input = users_input,
	.input_size = sizeof(struct users_in),
	.steps = users_api_steps,
};

const struct handler user_role_page = {
	.role = ROLE_ADMIN,
	.input = role_input,
	.input_size = sizeof(struct user_in),
	.steps = role_page_steps,
	.refusals = user_refusals,
};

const struct handler user_active_page = {
	.role = ROLE_ADMIN,
	.input = active_input,
	.input_size = sizeof(struct user_in),
	.steps = set_page_steps,
	.refusals = user_refusals,
};

const struct handler user_erase_page = {
	.role = ROLE_ADMIN,
	.input = erase_input,
	.input_size = sizeof(struct user_in),
	.steps = erase_page_steps,
	.refusals = user_refusals,
};

const struct handler user_change_api = {
	.role = ROLE_ADMIN,
	.input = user_api_input,
	.input_size = sizeof(struct user_in),
	.steps = set_api_steps,
	.refusals = user_refusals,
};

const struct handler user_erase_api = {
	.role = ROLE_ADMIN,
	.input = erase_input,
	.input_size = sizeof(struct user_in),
	.steps = erase_api_steps,
	.refusals = user_refusals,
};
