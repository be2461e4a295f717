/*
 * The bank's own desk on an idea: staff notes (pm, admin; never shown to
 * a client, in no notification and no mail) and the idea's owner (a pm
 * or an admin), shown on the triage desk.  Pages: the forms on the
 * idea's desk (a refused note shows the idea page again: routes.c,
 * ROUTE_FORM); API: GET and POST /api/v1/ideas/:id/notes, PUT
 * /api/v1/ideas/:id/owner.  idea_page.c asks idea_desk_query() for the
 * notes and the owner when the person is staff, and no one else; the
 * same query brings the draft awaiting approval (approval.c).
 */

#include "drive.h"

struct note_in {
	int64_t	    idea;
	const char *body;
};

struct owner_in {
	int64_t idea;
	char	owner[24]; /* "" clears */
};

/*
 * The idea's owner, notes and the staff one may choose, for staff; and
 * of four eyes (approval.c), the draft awaiting approval, the last one
 * rejected since the latest response, and the statuses of the idea's
 * area that need approval.
 */
static const struct db_query q_idea_desk = {
	"idea_desk",
	"SELECT i.owner_id, ou.display_name AS owner_name,"
	" (SELECT coalesce(json_agg(json_build_object('id', n.id,"
	"  'body', n.body, 'name', nu.display_name,"
	"  'created', floor(extract(epoch FROM n.created_at))::bigint)"
	"  ORDER BY n.id), '[]') FROM idea_notes n"
	"  JOIN users nu ON nu.id = n.author_id WHERE n.idea_id = i.id)"
	" AS notes,"
	" (SELECT coalesce(json_agg(json_build_object('id', s.id,"
	"  'name', s.display_name) ORDER BY s.display_name, s.id), '[]')"
	"  FROM users s WHERE s.active AND s.role IN ('pm', 'admin')) AS staff,"
	" i.status, (SELECT coalesce(json_agg(s.key ORDER BY CASE s.grp"
	"  WHEN 'open' THEN 0 WHEN 'committed' THEN 1 ELSE 2 END, s.position),"
	"  '[]') FROM idea_statuses s"
	"  WHERE status_needs_approval(a.id, s.key))::text AS approval,"
	" (SELECT json_build_object('id', d.id, 'from', d.from_status,"
	"  'to', d.to_status, 'body', d.body, 'author_id', d.author_id,"
	"  'name', du.display_name,"
	"  'created', floor(extract(epoch FROM d.created_at))::bigint)"
	"  FROM response_drafts d JOIN users du ON du.id = d.author_id"
	"  WHERE d.idea_id = i.id AND d.state = 'pending') AS draft,"
	" (SELECT json_build_object('to', d.to_status, 'reason', d.reason,"
	"  'name', du.display_name,"
	"  'decided', floor(extract(epoch FROM d.decided_at))::bigint)"
	"  FROM response_drafts d JOIN users du ON du.id = d.decided_by"
	"  WHERE d.idea_id = i.id AND d.state = 'rejected'"
	"  AND d.decided_at > coalesce((SELECT max(r.created_at)"
	"   FROM responses r WHERE r.idea_id = i.id), '-infinity')"
	"  ORDER BY d.decided_at DESC, d.id DESC LIMIT 1) AS rejected"
	" FROM ideas i JOIN areas a ON a.id = i.area_id"
	" LEFT JOIN users ou ON ou.id = i.owner_id"
	" WHERE i.id = $1::bigint",
};

static const struct db_query q_note_create = {
	"note_create",
	"SELECT note_create($1::bigint, $2::bigint, $3, nullif($4, '')::inet)"
	" AS id, floor(extract(epoch FROM now()))::bigint AS created",
};

static const struct db_query q_owner_set = {
	"owner_set",
	"SELECT new_owner, new_owner_name FROM idea_owner_set($1::bigint,"
	" nullif($2, '')::bigint, $3::bigint, nullif($4, '')::inet)",
};

static const struct refusal note_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.idea_not_found" },
	{ NULL },
};

static const struct refusal owner_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.idea_not_found" },
	{ "DR422", 422, "invalid", "owner", "err.owner_invalid" },
	{ NULL },
};

/* ---- the idea page's desk (idea_page.c) ---- */

int
idea_desk_query(struct http_request *req, struct dreq *r)
{
	char id[32];

	if (r->sess.role < ROLE_PM || path_id(r, "id") <= 0)
		return (STEP_NEXT);
	(void)snprintf(id, sizeof(id), "%lld", (long long)path_id(r, "id"));
	db_query(r, &q_idea_desk, 1, id);
	return (STEP_NEXT);
}

/* The owner's choices: nobody, then each pm and admin. */
static json_t *
owner_options(struct dreq *r, json_t *staff, const char *owner)
{
	json_t	   *list, *o, *s;
	size_t	    i;
	char	    id[24];
	const char *chosen;

	chosen = json_string_value(json_object_get(json_object_get(r->ctx,
						       "values"),
	    "owner_owner"));
	if (chosen == NULL)
		chosen = owner;
	list = json_array();
	o = json_pack("{s:s, s:b}", "value", "", "selected", *chosen == '\0');
	ctx_set_msg(r, o, "label", "desk.owner_none", NULL);
	json_array_append_new(list, o);
	json_array_foreach(staff, i, s) {
		(void)snprintf(id, sizeof(id), "%lld",
		    (long long)json_integer_value(json_object_get(s, "id")));
		json_array_append_new(list,
		    json_pack("{s:s, s:O, s:b}", "value", id, "label",
			json_object_get(s, "name"), "selected",
			strcmp(id, chosen) == 0));
	}
	return (list);
}

/*
 * Called by the idea page's next step before it queries the idea: keeps
 * the desk's row (if staff asked for it) in the page's context.
 */
void
idea_desk_keep(struct dreq *r)
{
	json_t	    *notes, *staff, *n, *out;
	json_error_t jerr;
	size_t	     i;
	const char  *owner;

	if (r->sess.role < ROLE_PM || r->res == NULL ||
	    r->res_query != &q_idea_desk || db_rows(r) != 1)
		return;
	notes = json_loads(row_text(r, 0, "notes"), 0, &jerr);
	staff = json_loads(row_text(r, 0, "staff"), 0, &jerr);
	owner = row_null(r, 0, "owner_id") ? "" : row_text(r, 0, "owner_id");
	out = json_array();
	json_array_foreach(notes, i, n) {
		json_t *o;

		o = json_pack("{s:O, s:O, s:O}", "id", json_object_get(n, "id"),
		    "body", json_object_get(n, "body"), "name",
		    json_object_get(n, "name"));
		out_time(r, o, "created_at", "created_ago",
		    json_integer_value(json_object_get(n, "created")));
		json_array_append_new(out, o);
	}
	json_object_set_new(r->ctx, "desk_notes", out);
	json_object_set_new(r->ctx, "owner_options",
	    owner_options(r, staff, owner));
	if (*owner != '\0')
		json_object_set_new(r->ctx, "owner_name",
		    json_string(row_text(r, 0, "owner_name")));
	draft_desk_ctx(r,
	    row_null(r, 0, "draft") ? NULL : row_text(r, 0, "draft"),
	    row_null(r, 0, "rejected") ? NULL : row_text(r, 0, "rejected"),
	    row_text(r, 0, "approval"), row_text(r, 0, "status"));
	json_decref(notes);
	json_decref(staff);
}

/* ---- notes ---- */

/* 1-5,000 characters, not only spaces. */
static void
note_input(struct dreq *r, void *arg)
{
	struct note_in *in = arg;
	size_t		n;
	int		rc;

	in->idea = path_id(r, "id");
	if ((rc = in_field(r, "body", &in->body)) == -1) {
		field_error(r, "body", "err.text_invalid");
		return;
	}
	n = rc == 1 ? utf8_count(in->body, strlen(in->body)) : 0;
	if (n < 1 || n > 5000 || strspn(in->body, " \n\t") == strlen(in->body))
		field_error(r, "body", "err.note_length");
}

static int
note_query(struct http_request *req, struct dreq *r)
{
	struct note_in *in = r->in;
	char		id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->idea);
	db_query(r, &q_note_create, 4, id, r->sess.uid, in->body, r->address);
	return (STEP_NEXT);
}

static int
note_redirect(struct http_request *req, struct dreq *r)
{
	struct note_in *in = r->in;
	char		url[96];

	(void)snprintf(url, sizeof(url), "/ideas/%lld#note-%lld",
	    (long long)in->idea, (long long)row_int(r, 0, "id"));
	return (out_redirect(req, r, url));
}

static int
note_json(struct http_request *req, struct dreq *r)
{
	struct note_in *in = r->in;
	json_t	       *o;

	o = json_pack("{s:I, s:I, s:s, s:o}", "id",
	    (json_int_t)row_int(r, 0, "id"), "idea_id", (json_int_t)in->idea,
	    "body", in->body, "author", author_json(r->sess.name, 1));
	out_time(r, o, "created_at", NULL, row_int(r, 0, "created"));
	return (out_json(req, r, 201, o));
}

static int
notes_query(struct http_request *req, struct dreq *r)
{
	char id[32];

	if (path_id(r, "id") <= 0)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	(void)snprintf(id, sizeof(id), "%lld", (long long)path_id(r, "id"));
	db_query(r, &q_idea_desk, 1, id);
	return (STEP_NEXT);
}

/* The owner and the notes, oldest first. */
static int
notes_json(struct http_request *req, struct dreq *r)
{
	json_t	    *notes, *n, *list, *owner;
	json_error_t jerr;
	size_t	     i;

	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	notes = json_loads(row_text(r, 0, "notes"), 0, &jerr);
	list = json_array();
	json_array_foreach(notes, i, n) {
		json_t *o;

		o = json_pack("{s:O, s:O, s:o}", "id", json_object_get(n, "id"),
		    "body", json_object_get(n, "body"), "author",
		    author_json(json_string_value(json_object_get(n, "name")),
			1));
		out_time(r, o, "created_at", NULL,
		    json_integer_value(json_object_get(n, "created")));
		json_array_append_new(list, o);
	}
	json_decref(notes);
	owner = row_null(r, 0, "owner_id") ?
	    json_null() :
	    json_pack("{s:I, s:s}", "id", (json_int_t)row_int(r, 0, "owner_id"),
		"name", row_text(r, 0, "owner_name"));
	return (out_json(req, r, 200,
	    json_pack("{s:o, s:o}", "owner", owner, "notes", list)));
}

/* ---- owner ---- */

/* A form's "owner": a person's id, or "" for nobody. */
static void
owner_page_input(struct dreq *r, void *arg)
{
	struct owner_in *in = arg;
	const char	*v;

	in->idea = path_id(r, "id");
	if (in_field(r, "owner", &v) == -1 ||
	    (v != NULL && *v != '\0' &&
		(strlen(v) > 18 || strspn(v, "0123456789") != strlen(v))))
		field_error(r, "owner", "err.owner_invalid");
	else if (v != NULL)
		(void)kore_strlcpy(in->owner, v, sizeof(in->owner));
}

/* The API's {"owner": id} or {"owner": null}. */
static void
owner_api_input(struct dreq *r, void *arg)
{
	struct owner_in *in = arg;
	json_t		*v;

	in->idea = path_id(r, "id");
	v = r->json != NULL ? json_object_get(r->json, "owner") : NULL;
	if (v == NULL || (!json_is_null(v) && !json_is_integer(v)) ||
	    (json_is_integer(v) && json_integer_value(v) <= 0))
		field_error(r, "owner", "err.owner_invalid");
	else if (json_is_integer(v))
		(void)snprintf(in->owner, sizeof(in->owner), "%lld",
		    (long long)json_integer_value(v));
}

static int
owner_query(struct http_request *req, struct dreq *r)
{
	struct owner_in *in = r->in;
	char		 id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->idea);
	db_query(r, &q_owner_set, 4, id, in->owner, r->sess.uid, r->address);
	return (STEP_NEXT);
}

static int
owner_redirect(struct http_request *req, struct dreq *r)
{
	struct owner_in *in = r->in;
	char		 url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%lld#desk",
	    (long long)in->idea);
	return (out_redirect(req, r, url));
}

static int
owner_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 200,
	    json_pack("{s:o}", "owner",
		row_null(r, 0, "new_owner") ?
		    json_null() :
		    json_pack("{s:I, s:s}", "id",
			(json_int_t)row_int(r, 0, "new_owner"), "name",
			row_text(r, 0, "new_owner_name")))));
}

static const step_fn note_page_steps[] = { note_query, note_redirect, NULL };
static const step_fn note_api_steps[] = { note_query, note_json, NULL };
static const step_fn notes_api_steps[] = { notes_query, notes_json, NULL };
static const step_fn owner_page_steps[] = { owner_query, owner_redirect, NULL };
static const step_fn owner_api_steps[] = { owner_query, owner_json, NULL };

const struct handler note_create_page = {
	.role = ROLE_PM,
	.input = note_input,
	.input_size = sizeof(struct note_in),
	.steps = note_page_steps,
	.refusals = note_refusals,
	.form_prefix = "note_",
};

const struct handler note_create_api = {
	.role = ROLE_PM,
	.input = note_input,
	.input_size = sizeof(struct note_in),
	.steps = note_api_steps,
	.refusals = note_refusals,
};

const struct handler notes_api = {
	.role = ROLE_PM,
	.steps = notes_api_steps,
};

const struct handler owner_set_page = {
	.role = ROLE_PM,
	.input = owner_page_input,
	.input_size = sizeof(struct owner_in),
	.steps = owner_page_steps,
	.refusals = owner_refusals,
	.form_prefix = "owner_",
};

const struct handler owner_set_api = {
	.role = ROLE_PM,
	.input = owner_api_input,
	.input_size = sizeof(struct owner_in),
	.steps = owner_api_steps,
	.refusals = owner_refusals,
};
