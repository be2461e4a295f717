/*
 * Custom statuses (README, "Custom statuses").  An idea's statuses are
 * the rows of idea_statuses: the seven built in and those an admin adds
 * within the lifecycle's groups (open, committed, closed), with an
 * English and a German name.  Every worker keeps them in memory
 * (catalog.c), so a change shows on every host with the next request of
 * anyone signed in.
 *
 * Admin: GET /admin/statuses, POST /admin/statuses (add),
 * POST /admin/statuses/:key (rename one added); the API the same under
 * /api/v1/statuses, whose GET anyone signed in may read.
 */

#include "drive.h"

struct status_in {
	char	    key[STATUS_KEY_MAX + 2];
	const char *group;
	const char *name_en;
	const char *name_de;
};

static const struct db_query q_statuses_admin = {
	"statuses_admin",
	"SELECT s.key, s.grp, s.builtin, coalesce(s.name_en, '') AS name_en,"
	" coalesce(s.name_de, '') AS name_de, coalesce(c.n, 0) AS ideas"
	" FROM idea_statuses s LEFT JOIN (SELECT i.status, count(*) AS n"
	"  FROM ideas i GROUP BY i.status) c ON c.status = s.key"
	" ORDER BY CASE s.grp WHEN 'open' THEN 0 WHEN 'committed' THEN 1"
	" ELSE 2 END, s.position, s.key",
};

static const struct db_query q_status_create = {
	"status_create",
	"SELECT status_create($1, $2, $3, $4, $5::bigint, nullif($6, '')::inet)"
	" AS key",
};

static const struct db_query q_status_rename = {
	"status_rename",
	"SELECT status_rename($1, $2, $3, $4::bigint, nullif($5, '')::inet)"
	" AS key",
};

static const struct refusal status_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.status_unknown" },
	{ "DR409", 409, "builtin", NULL, "err.status_builtin" },
	{ "DR422", 422, "invalid", "key", "err.status_key" },
	{ "DRG22", 422, "invalid", "group", "err.status_group" },
	{ "DRE22", 422, "invalid", "name_en", "err.status_name" },
	{ "DRN22", 422, "invalid", "name_de", "err.status_name" },
	{ "DRK09", 409, "taken", "key", "err.status_taken" },
	{ NULL },
};

/* ---- input ---- */

/* A key (a-z, 0-9, _), its group and two names. */
static void
create_input(struct dreq *r, void *arg)
{
	struct status_in *in = arg;
	const char	 *key;

	key = in_text(r, "key");
	if (!status_key_valid(key))
		field_error(r, "key", "err.status_key");
	else
		(void)snprintf(in->key, sizeof(in->key), "%s", key);
	in->group = in_text(r, "group");
	if (status_group_parse(in->group) == -1)
		field_error(r, "group", "err.status_group");
	names_input(r, 40, "err.status_name", &in->name_en, &in->name_de);
}

static void
rename_input(struct dreq *r, void *arg)
{
	struct status_in *in = arg;

	if (path_text(r, "key", in->key, sizeof(in->key)) == NULL)
		in->key[0] = '\0';
	names_input(r, 40, "err.status_name", &in->name_en, &in->name_de);
}

/* ---- the changes ---- */

static int
create_query(struct http_request *req, struct dreq *r)
{
	struct status_in *in = r->in;

	db_query(r, &q_status_create, 6, in->key, in->group, in->name_en,
	    in->name_de, r->sess.uid, r->address);
	return (STEP_NEXT);
}

static int
rename_query(struct http_request *req, struct dreq *r)
{
	struct status_in *in = r->in;

	db_query(r, &q_status_rename, 5, in->key, in->name_en, in->name_de,
	    r->sess.uid, r->address);
	return (STEP_NEXT);
}

static int
saved_redirect(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/admin/statuses?saved=1"));
}

/* One status as the API tells it, its words in r's language. */
static json_t *
status_json(struct dreq *r, const struct status_def *d)
{
	json_t	   *o;
	char	    key[48];
	const char *en, *de;

	o = json_pack("{s:s, s:s, s:b}", "key", d->key, "group",
	    status_group_name(d->group), "builtin", d->builtin);
	status_words(r, o, "name", d->key);
	if (d->builtin) {
		/* The portal's own words, from its two catalogs. */
		(void)snprintf(key, sizeof(key), "status.%s", d->key);
		en = i18n_get(drive_catalogs[0], key);
		de = i18n_get(drive_catalogs[1], key);
	} else {
		en = d->name_en;
		de = d->name_de;
	}
	json_object_set_new(o, "name_en", json_string(en != NULL ? en : ""));
	json_object_set_new(o, "name_de", json_string(de != NULL ? de : ""));
	return (o);
}

/*
 * 201 (added) or 200 (renamed) with the status.  The worker's copy is
 * older than the change now: the next request's prelude loads it.
 */
static int
changed_json(struct http_request *req, struct dreq *r)
{
	struct status_in *in = r->in;
	json_t		 *o;

	o = json_pack("{s:s, s:s, s:s}", "key", row_text(r, 0, "key"),
	    "name_en", in->name_en, "name_de", in->name_de);
	if (in->group != NULL)
		json_object_set_new(o, "group", json_string(in->group));
	return (out_json(req, r, in->group != NULL ? 201 : 200, o));
}

/* ---- reading ---- */

static void
list_input(struct dreq *r, void *arg)
{
	(void)in_query(r);
}

/* GET /api/v1/statuses: every status in the lifecycle's order. */
static int
list_json(struct http_request *req, struct dreq *r)
{
	const struct status_def *d;
	json_t			*list;
	int			 i;

	list = json_array();
	for (i = 0; (d = status_at(i)) != NULL; i++)
		json_array_append_new(list, status_json(r, d));
	return (out_json(req, r, 200, json_pack("{s:o}", "statuses", list)));
}

static int
admin_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_statuses_admin, 0);
	return (STEP_NEXT);
}

/* A refused rename shows in that status's own form. */
static void
rename_failed(struct dreq *r, json_t *s)
{
	char key[STATUS_KEY_MAX + 2];

	if (path_text(r, "key", key, sizeof(key)) != NULL &&
	    strcmp(key, json_string_value(json_object_get(s, "key"))) == 0)
		rename_errors_keep(r, s);
}

/* The statuses by group, each with its ideas; a form for each added. */
static int
admin_render(struct http_request *req, struct dreq *r)
{
	static const char *groups[] = { "open", "committed", "closed" };
	json_t		  *list[3], *s, *g, *out;
	const char	  *group;
	char		   key[48];
	int		   i, k;

	for (k = 0; k < 3; k++)
		list[k] = json_array();
	for (i = 0; i < db_rows(r); i++) {
		group = row_text(r, i, "grp");
		if ((k = status_group_parse(group)) == -1)
			continue;
		s = json_pack("{s:s, s:b, s:s, s:s, s:I}", "key",
		    row_text(r, i, "key"), "builtin", row_bool(r, i, "builtin"),
		    "name_en", row_text(r, i, "name_en"), "name_de",
		    row_text(r, i, "name_de"), "ideas",
		    (json_int_t)row_int(r, i, "ideas"));
		if (row_bool(r, i, "builtin")) {
			(void)snprintf(key, sizeof(key), "status.%s",
			    row_text(r, i, "key"));
			ctx_set_msg(r, s, "label", key, NULL);
		} else {
			json_object_set_new(s, "label",
			    json_string(row_text(r, i,
				strcmp(r->lang, "de") == 0 ? "name_de" :
							     "name_en")));
		}
		if (json_object_get(r->ctx, "has_errors") != NULL)
			rename_failed(r, s);
		json_array_append_new(list[k], s);
	}
	/* The group chosen in a form shown again stays chosen. */
	group = json_string_value(json_object_get(json_object_get(r->ctx,
						      "values"),
	    "group"));
	out = json_array();
	for (k = 0; k < 3; k++) {
		g = json_pack("{s:s, s:o, s:b}", "group", groups[k], "statuses",
		    list[k], "checked",
		    group != NULL && strcmp(group, groups[k]) == 0);
		(void)snprintf(key, sizeof(key), "statuses.group_%s",
		    groups[k]);
		ctx_set_msg(r, g, "label", key, NULL);
		(void)snprintf(key, sizeof(key), "statuses.group_%s_hint",
		    groups[k]);
		ctx_set_msg(r, g, "hint", key, NULL);
		json_array_append_new(out, g);
	}
	json_object_set_new(r->ctx, "groups", out);
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "statuses", 1));
	if (in_text(r, "saved") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.status_saved", NULL);
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "admin_statuses",
	    "title.admin_statuses", "admin"));
}

static const step_fn admin_steps[] = { admin_query, admin_render, NULL };
static const step_fn create_page_steps[] = { create_query, saved_redirect,
	NULL };
static const step_fn rename_page_steps[] = { rename_query, saved_redirect,
	NULL };
static const step_fn create_api_steps[] = { create_query, changed_json, NULL };
static const step_fn rename_api_steps[] = { rename_query, changed_json, NULL };
static const step_fn list_api_steps[] = { list_json, NULL };

/* GET /admin/statuses, and /admin/statuses/:key (the same list). */
const struct handler statuses_page = {
	.role = ROLE_ADMIN,
	.input = list_input,
	.steps = admin_steps,
};

const struct handler status_create_page = {
	.role = ROLE_ADMIN,
	.input = create_input,
	.input_size = sizeof(struct status_in),
	.steps = create_page_steps,
	.refusals = status_refusals,
	.form = admin_steps,
};

const struct handler status_rename_page = {
	.role = ROLE_ADMIN,
	.input = rename_input,
	.input_size = sizeof(struct status_in),
	.steps = rename_page_steps,
	.refusals = status_refusals,
	.form = admin_steps,
	.form_prefix = "rename_",
};

const struct handler statuses_api = {
	.role = ROLE_CLIENT,
	.steps = list_api_steps,
};

const struct handler status_create_api = {
	.role = ROLE_ADMIN,
	.input = create_input,
	.input_size = sizeof(struct status_in),
	.steps = create_api_steps,
	.refusals = status_refusals,
};

const struct handler status_rename_api = {
	.role = ROLE_ADMIN,
	.input = rename_input,
	.input_size = sizeof(struct status_in),
	.steps = rename_api_steps,
	.refusals = status_refusals,
};
