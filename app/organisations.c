/*
 * Organisations (admin): the list with member counts, one organisation
 * with its people, and a rename (organization_rename(), audited; a name
 * another organisation has, in any case, is refused).
 */

#include "drive.h"

struct org_in {
	int64_t	    id;
	const char *name;
};

static const struct db_query q_orgs = {
	"admin_organizations",
	"SELECT o.id, o.name, count(u.id) AS members,"
	" count(u.id) FILTER (WHERE u.active) AS active_members"
	" FROM organizations o LEFT JOIN users u ON u.organization_id = o.id"
	" GROUP BY o.id ORDER BY lower(o.name)",
};

static const struct db_query q_org = {
	"admin_organization",
	"SELECT o.name AS org_name, u.display_name AS name, u.email, u.role,"
	" u.active, floor(extract(epoch FROM u.last_sign_in_at))::bigint"
	" AS last_sign_in"
	" FROM organizations o LEFT JOIN users u ON u.organization_id = o.id"
	" WHERE o.id = $1::bigint ORDER BY lower(u.display_name)",
};

static const struct db_query q_org_rename = {
	"organization_rename",
	"SELECT organization_rename($1::bigint, $2, $3::bigint,"
	" nullif($4, '')::inet)",
};

static const struct refusal rename_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.not_found" },
	{ "23505", 409, "taken", "name", "err.org_taken" },
	{ NULL },
};

/* ---- the list ---- */

static int
orgs_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_orgs, 0);
	return (STEP_NEXT);
}

static json_t *
orgs_list(struct dreq *r, int urls)
{
	json_t *list, *o;
	char	url[64];
	int	i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		o = json_pack("{s:I, s:s, s:I, s:I}", "id",
		    (json_int_t)row_int(r, i, "id"), "name",
		    row_text(r, i, "name"), "members",
		    (json_int_t)row_int(r, i, "members"), "active_members",
		    (json_int_t)row_int(r, i, "active_members"));
		if (urls) {
			(void)snprintf(url, sizeof(url),
			    "/admin/organizations/%s", row_text(r, i, "id"));
			json_object_set_new(o, "url", json_string(url));
		}
		json_array_append_new(list, o);
	}
	return (list);
}

static int
orgs_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 200,
	    json_pack("{s:o}", "organizations", orgs_list(r, 0))));
}

static int
orgs_render(struct http_request *req, struct dreq *r)
{
	json_object_set_new(r->ctx, "organizations", orgs_list(r, 1));
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "organizations", 1));
	return (render_page(req, r, 200, "admin_organizations",
	    "title.admin_organizations", "admin"));
}

/* ---- one, and its rename ---- */

static void
org_input(struct dreq *r, void *arg)
{
	struct org_in *in = arg;

	in->id = path_id(r, "id");
	(void)in_query(r);
}

/* 2-120 characters on one line. */
static void
rename_input(struct dreq *r, void *arg)
{
	struct org_in *in = arg;
	size_t	       n;

	in->id = path_id(r, "id");
	if (in_field(r, "name", &in->name) != 1)
		n = 0;
	else
		n = utf8_count(in->name, strlen(in->name));
	if (n < 2 || n > 120 || !line_acceptable(in->name, strlen(in->name)))
		field_error(r, "name", "err.org_length");
}

static int
org_query(struct http_request *req, struct dreq *r)
{
	char id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)path_id(r, "id"));
	db_query(r, &q_org, 1, id);
	return (STEP_NEXT);
}

/* Also the form shown again after a refused rename. */
static int
org_render(struct http_request *req, struct dreq *r)
{
	json_t *list, *m;
	int	i;

	if (db_rows(r) == 0)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		if (row_null(r, i, "name"))
			continue;
		m = json_pack("{s:s, s:s, s:b}", "name", row_text(r, i, "name"),
		    "email", row_text(r, i, "email"), "active",
		    row_bool(r, i, "active"));
		ctx_set_msg(r, m, "role_label",
		    role_label_key(row_text(r, i, "role")), NULL);
		if (!row_null(r, i, "last_sign_in"))
			out_time(r, m, "last_sign_in_at", "last_sign_in_ago",
			    row_int(r, i, "last_sign_in"));
		json_array_append_new(list, m);
	}
	json_object_set_new(r->ctx, "organization",
	    json_pack("{s:I, s:s}", "id", (json_int_t)path_id(r, "id"), "name",
		row_text(r, 0, "org_name")));
	if (json_object_get(r->ctx, "values") == NULL)
		ctx_set_value(r, "name", row_text(r, 0, "org_name"));
	json_object_set_new(r->ctx, "members", list);
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "organizations", 1));
	if (!json_object_get(r->ctx, "has_errors") &&
	    in_text(r, "saved") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.org_saved", NULL);
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200,
	    "admin_organization", "title.admin_organization", "admin"));
}

static int
rename_query(struct http_request *req, struct dreq *r)
{
	struct org_in *in = r->in;
	char	       id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	db_query(r, &q_org_rename, 4, id, in->name, r->sess.uid, r->address);
	return (STEP_NEXT);
}

static int
rename_redirect(struct http_request *req, struct dreq *r)
{
	struct org_in *in = r->in;
	char	       url[64];

	(void)snprintf(url, sizeof(url), "/admin/organizations/%lld?saved=1",
	    (long long)in->id);
	return (out_redirect(req, r, url));
}

static int
rename_json(struct http_request *req, struct dreq *r)
{
	struct org_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:s}", "id", (json_int_t)in->id, "name",
		in->name)));
}

static const step_fn orgs_page_steps[] = { orgs_query, orgs_render, NULL };
static const step_fn orgs_api_steps[] = { orgs_query, orgs_json, NULL };
static const step_fn org_page_steps[] = { org_query, org_render, NULL };
static const step_fn rename_page_steps[] = { rename_query, rename_redirect,
	NULL };
static const step_fn rename_api_steps[] = { rename_query, rename_json, NULL };

const struct handler organizations_page = {
	.role = ROLE_ADMIN,
	.steps = orgs_page_steps,
};

const struct handler organizations_api = {
	.role = ROLE_ADMIN,
	.steps = orgs_api_steps,
};

const struct handler organization_page = {
	.role = ROLE_ADMIN,
	.input = org_input,
	.input_size = sizeof(struct org_in),
	.steps = org_page_steps,
};

const struct handler organization_rename_page = {
	.role = ROLE_ADMIN,
	.input = rename_input,
	.input_size = sizeof(struct org_in),
	.steps = rename_page_steps,
	.refusals = rename_refusals,
	.form = org_page_steps,
};

const struct handler organization_rename_api = {
	.role = ROLE_ADMIN,
	.input = rename_input,
	.input_size = sizeof(struct org_in),
	.steps = rename_api_steps,
	.refusals = rename_refusals,
};
