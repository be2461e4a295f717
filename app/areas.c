/*
 * Product areas (admin): add one, rename, retire (no new ideas), bring
 * back, delete while no idea uses it.  area_change() does each and
 * writes its audit entry.  Four eyes: which statuses of an area's ideas
 * a second pm or admin must approve (area_approval_set(), approval.c).
 * The list anyone may read (GET /api/v1/areas) is the ideas' (ideas.c).
 */

#include "drive.h"

struct area_in {
	int64_t	    id;	    /* 0: a new one */
	const char *action; /* NULL: not one we know */
	const char *slug;
	const char *name_en;
	const char *name_de;
	char	    approval[32]; /* "{planned,released}": needs approval */
};

static const struct db_query q_areas_admin = {
	"admin_areas",
	"SELECT a.id, a.slug, a.name_en, a.name_de,"
	" a.retired_at IS NOT NULL AS retired,"
	" 'planned' = ANY (a.approval_statuses) AS approve_planned,"
	" 'released' = ANY (a.approval_statuses) AS approve_released,"
	" (SELECT count(*) FROM ideas i WHERE i.area_id = a.id) AS ideas"
	" FROM areas a ORDER BY a.position, a.id",
};

static const struct db_query q_area_change = {
	"area_change",
	"SELECT area_change(nullif($1, '')::integer, $2, $3, $4, $5,"
	" $6::bigint, nullif($7, '')::inet) AS id",
};

static const struct db_query q_area_approval = {
	"area_approval",
	"SELECT $1::integer AS id, to_json(area_approval_set($1::integer,"
	" $2::text[], $3::bigint, nullif($4, '')::inet))::text AS approval",
};

static const struct refusal area_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.not_found" },
	{ "DR409", 409, "in_use", NULL, "err.area_in_use" },
	{ "DR422", 422, "invalid", "approval", "err.approval_statuses" },
	{ "23505", 409, "taken", "slug", "err.area_taken" },
	{ NULL },
};

/* ---- input ---- */

/* A slug of 2-40 lower-case letters, digits and dashes, and two names. */
static void
create_input(struct dreq *r, void *arg)
{
	struct area_in *in = arg;
	size_t		n;

	in->action = "create";
	in->slug = in_text(r, "slug");
	n = in->slug != NULL ? strlen(in->slug) : 0;
	if (n < 2 || n > 40 ||
	    strspn(in->slug, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		field_error(r, "slug", "err.area_slug");
	names_input(r, 60, "err.area_name", &in->name_en, &in->name_de);
}

/*
 * The statuses that need approval: a form's ticked boxes
 * (approval_planned, approval_released), or the API's list
 * {"approval": ["planned", "released"]} (empty: none).
 */
static void
approval_input(struct dreq *r, struct area_in *in)
{
	static const char *statuses[] = { "planned", "released" };
	json_t		  *list, *v;
	char		   box[32];
	int		   want[2] = { 0, 0 };
	size_t		   i, k;

	if (r->json != NULL) {
		list = json_object_get(r->json, "approval");
		if (!json_is_array(list)) {
			field_error(r, "approval", "err.approval_statuses");
			return;
		}
		json_array_foreach(list, i, v) {
			for (k = 0; k < 2; k++) {
				if (json_is_string(v) &&
				    strcmp(json_string_value(v), statuses[k]) ==
					0)
					break;
			}
			if (k == 2) {
				field_error(r, "approval",
				    "err.approval_statuses");
				return;
			}
			want[k] = 1;
		}
	} else {
		for (k = 0; k < 2; k++) {
			(void)snprintf(box, sizeof(box), "approval_%s",
			    statuses[k]);
			want[k] = in_text(r, box) != NULL;
		}
	}
	(void)snprintf(in->approval, sizeof(in->approval), "{%s%s%s}",
	    want[0] ? "planned" : "", want[0] && want[1] ? "," : "",
	    want[1] ? "released" : "");
}

/*
 * "rename" (with both names), "retire", "restore", "delete" or
 * "approval" (four eyes).
 */
static void
change_input(struct dreq *r, void *arg)
{
	static const char *actions[] = { "rename", "retire", "restore",
		"delete", "approval" };
	struct area_in	  *in = arg;
	const char	  *action;
	size_t		   i;

	in->id = path_id(r, "id");
	if (r->req->method == HTTP_METHOD_DELETE)
		action = "delete";
	else
		action = in_text(r, "action");
	for (i = 0; action != NULL && i < 5; i++) {
		if (strcmp(action, actions[i]) == 0)
			in->action = actions[i];
	}
	if (in->action != NULL && strcmp(in->action, "rename") == 0)
		names_input(r, 60, "err.area_name", &in->name_en, &in->name_de);
	if (in->action != NULL && strcmp(in->action, "approval") == 0)
		approval_input(r, in);
}

/* ---- the change ---- */

static int
change_query(struct http_request *req, struct dreq *r)
{
	struct area_in *in = r->in;
	char		id[32];

	/* A forged form or a wrong API call, never a field one types. */
	if (in->action == NULL)
		return (out_error(req, r, 422, "invalid", "action",
		    "err.bad_request"));
	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	if (strcmp(in->action, "approval") == 0)
		db_query(r, &q_area_approval, 4, id, in->approval, r->sess.uid,
		    r->address);
	else
		db_query(r, &q_area_change, 7, in->id != 0 ? id : "",
		    in->action, in->slug, in->name_en, in->name_de, r->sess.uid,
		    r->address);
	return (STEP_NEXT);
}

static int
change_redirect(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/admin/areas?saved=1"));
}

static int
created_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 201,
	    json_pack("{s:I}", "id", (json_int_t)row_int(r, 0, "id"))));
}

/* {id}; a change of the approvals also the statuses that need one. */
static int
changed_json(struct http_request *req, struct dreq *r)
{
	struct area_in *in = r->in;
	json_t	       *o, *approval;
	json_error_t	jerr;

	o = json_pack("{s:I}", "id", (json_int_t)row_int(r, 0, "id"));
	if (strcmp(in->action, "approval") == 0 &&
	    (approval = json_loads(row_text(r, 0, "approval"), 0, &jerr)) !=
		NULL)
		json_object_set_new(o, "approval", approval);
	return (out_json(req, r, 200, o));
}

/* ---- the page ---- */

static void
list_input(struct dreq *r, void *arg)
{
	(void)in_query(r);
}

static int
areas_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_areas_admin, 0);
	return (STEP_NEXT);
}

static int
areas_render(struct http_request *req, struct dreq *r)
{
	json_t *list, *a;
	int64_t renamed;
	int	i;

	renamed = json_object_get(r->ctx, "has_errors") ? path_id(r, "id") : 0;
	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		a = json_pack("{s:I, s:s, s:s, s:s, s:b, s:I, s:b, s:b, s:b}",
		    "id", (json_int_t)row_int(r, i, "id"), "slug",
		    row_text(r, i, "slug"), "name_en",
		    row_text(r, i, "name_en"), "name_de",
		    row_text(r, i, "name_de"), "retired",
		    row_bool(r, i, "retired"), "ideas",
		    (json_int_t)row_int(r, i, "ideas"), "can_delete",
		    row_int(r, i, "ideas") == 0, "approve_planned",
		    row_bool(r, i, "approve_planned"), "approve_released",
		    row_bool(r, i, "approve_released"));
		if (renamed != 0 && row_int(r, i, "id") == renamed)
			rename_errors_keep(r, a);
		json_array_append_new(list, a);
	}
	json_object_set_new(r->ctx, "areas", list);
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "areas", 1));
	if (in_text(r, "saved") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.area_saved", NULL);
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "admin_areas",
	    "title.admin_areas", "admin"));
}

static const step_fn areas_steps[] = { areas_query, areas_render, NULL };
static const step_fn change_page_steps[] = { change_query, change_redirect,
	NULL };
static const step_fn create_api_steps[] = { change_query, created_json, NULL };
static const step_fn change_api_steps[] = { change_query, changed_json, NULL };

/* GET /admin/areas, and /admin/areas/:id (the same list). */
const struct handler areas_page = {
	.role = ROLE_ADMIN,
	.input = list_input,
	.steps = areas_steps,
};

const struct handler area_create_page = {
	.role = ROLE_ADMIN,
	.input = create_input,
	.input_size = sizeof(struct area_in),
	.steps = change_page_steps,
	.refusals = area_refusals,
	.form = areas_steps,
};

const struct handler area_change_page = {
	.role = ROLE_ADMIN,
	.input = change_input,
	.input_size = sizeof(struct area_in),
	.steps = change_page_steps,
	.refusals = area_refusals,
	.form = areas_steps,
	.form_prefix = "rename_",
};

const struct handler area_create_api = {
	.role = ROLE_ADMIN,
	.input = create_input,
	.input_size = sizeof(struct area_in),
	.steps = create_api_steps,
	.refusals = area_refusals,
};

const struct handler area_change_api = {
	.role = ROLE_ADMIN,
	.input = change_input,
	.input_size = sizeof(struct area_in),
	.steps = change_api_steps,
	.refusals = area_refusals,
};
