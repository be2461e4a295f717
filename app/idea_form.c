/*
 * Proposing an idea (/ideas/new, POST /api/v1/ideas), with "did you mean"
 * for similar titles on the page, and editing one's own until the bank
 * answers (/ideas/:id/edit, PATCH /api/v1/ideas/:id).  The page and the
 * API share the input and the query; the API answers with the idea as
 * GET shows it.
 */

#include "drive.h"

struct idea_in {
	int64_t	    id;	   /* the idea's, when editing */
	const char *title; /* NULL: as it is (PATCH) */
	const char *body;
	const char *area;
	int	    confirm;   /* "post it anyway", seen the similar */
	const char *private;   /* "true": my organisation and the bank */
	struct sensitive sens; /* the guard's findings */
};

static const struct db_query q_idea_one = { "idea_one", IDEA_ONE_SQL };

static const struct db_query q_ideas_similar = {
	"ideas_similar",
	IDEAS_SIMILAR_SQL,
};

static const struct db_query q_idea_create = {
	"idea_create",
	"SELECT idea_create($1::bigint, $2, $3, $4, $5::boolean) AS id",
};

static const struct db_query q_idea_edit = {
	"idea_edit",
	"SELECT idea_edit($1::bigint, $2::bigint, $3, $4, $5)",
};

/*
 * The same, when the author confirmed what the guard found: the audit
 * entry names the kinds and fields, never the text, and is written in
 * the same statement (so both or neither).
 */
static const struct db_query q_idea_create_confirmed = {
	"idea_create_confirmed",
	"SELECT c.id, audit($1::bigint, 'idea.sensitive_confirmed',"
	" 'idea:' || c.id, nullif($5, '')::inet,"
	" jsonb_build_object('kinds', string_to_array($6, ','),"
	" 'fields', string_to_array($7, ','))) AS audited"
	" FROM (SELECT idea_create($1::bigint, $2, $3, $4, $8::boolean) AS id)"
	" c",
};

static const struct db_query q_idea_edit_confirmed = {
	"idea_edit_confirmed",
	"SELECT e.done, audit($2::bigint, 'idea.sensitive_confirmed',"
	" 'idea:' || $1::bigint, nullif($6, '')::inet,"
	" jsonb_build_object('kinds', string_to_array($7, ','),"
	" 'fields', string_to_array($8, ','), 'edit', true)) AS audited"
	" FROM (SELECT idea_edit($1::bigint, $2::bigint, $3, $4, $5)::text"
	" AS done) e",
};

static const struct db_query q_idea_own = {
	"idea_own",
	"SELECT i.id, i.title, i.body, a.slug AS area,"
	" i.author_id = $2::bigint AS mine,"
	" i.first_response_at IS NOT NULL AS answered"
	" FROM ideas i JOIN areas a ON a.id = i.area_id"
	" WHERE i.id = $1::bigint AND" IDEA_VISIBLE_TO("$2"),
};

static const struct refusal create_refusals[] = {
	{ "DR422", 422, "invalid", "area", "err.area_invalid" },
	{ "DR421", 422, "invalid", "audience", "err.audience_staff" },
	{ NULL },
};

static const struct refusal edit_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.idea_not_found" },
	{ "DR403", 403, "forbidden", NULL, "err.not_author" },
	{ "DR409", 409, "answered", NULL, "err.edit_answered" },
	{ "DR422", 422, "invalid", "area", "err.area_invalid" },
	{ NULL },
};

/*
 * Title 5-120 characters on one line, body up to 10,000, area a slug;
 * every field that is wrong is named.  With partial (PATCH) an absent
 * field stays as it is; else an absent body is empty.
 */
static void
idea_fields(struct dreq *r, struct idea_in *in, int partial)
{
	size_t n;
	int    rc;

	in->id = path_id(r, "id");
	rc = in_field(r, "title", &in->title);
	if (rc == -1)
		field_error(r, "title", "err.text_invalid");
	else if (rc == 0 && !partial)
		field_error(r, "title", "err.title_length");
	else if (rc == 1) {
		n = utf8_count(in->title, strlen(in->title));
		if (n < 5 || n > 120 ||
		    !line_acceptable(in->title, strlen(in->title)))
			field_error(r, "title", "err.title_length");
	}

	rc = in_field(r, "body", &in->body);
	if (rc == -1)
		field_error(r, "body", "err.text_invalid");
	else if (rc == 1 && utf8_count(in->body, strlen(in->body)) > 10000)
		field_error(r, "body", "err.body_length");
	else if (rc == 0 && !partial)
		in->body = "";

	rc = in_field(r, "area", &in->area);
	if (rc == -1 || (rc == 0 && !partial) ||
	    (rc == 1 && (strlen(in->area) < 2 || strlen(in->area) > 40)))
		field_error(r, "area", "err.area_invalid");

	in->confirm = in_text(r, "confirm") != NULL;

	/* The guard: what the idea would publish. */
	in->sens.confirmed = sensitive_confirmed(r);
	(void)sensitive_check(r, &in->sens, "title", "title", in->title);
	(void)sensitive_check(r, &in->sens, "body", "body", in->body);
}

static void
idea_input(struct dreq *r, void *arg)
{
	idea_fields(r, arg, 0);
}

/*
 * Proposing: also who may see it, "all" clients (the default) or
 * "organization" (the author's organisation and the bank only; a client
 * only).
 */
static void
idea_create_input(struct dreq *r, void *arg)
{
	struct idea_in *in = arg;
	const char     *audience;
	int		rc;

	idea_fields(r, in, 0);
	in->private = "false";
	rc = in_field(r, "audience", &audience);
	if (rc == -1 ||
	    (rc == 1 && strcmp(audience, "all") != 0 &&
		strcmp(audience, "organization") != 0))
		field_error(r, "audience", "err.audience_invalid");
	else if (rc == 1 && strcmp(audience, "organization") == 0) {
		if (r->sess.role != ROLE_CLIENT)
			field_error(r, "audience", "err.audience_staff");
		in->private = "true";
		ctx_set_value(r, "audience_private", "1");
	}
}

static void
idea_patch_input(struct dreq *r, void *arg)
{
	idea_fields(r, arg, 1);
}

/* ---- the forms ---- */

/* The area typed (a form shown again) or stored, else none. */
static const char *
area_chosen(struct dreq *r)
{
	return (json_string_value(json_object_get(json_object_get(r->ctx,
						      "values"),
	    "area")));
}

static int
new_render(struct http_request *req, struct dreq *r)
{
	(void)area_options(r, area_chosen(r), NULL, 0);
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "idea_new",
	    "title.idea_new", "ideas"));
}

static int
edit_query(struct http_request *req, struct dreq *r)
{
	char id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)path_id(r, "id"));
	db_query(r, &q_idea_own, 2, id, r->sess.uid);
	return (STEP_NEXT);
}

/* Only its author, only until the bank answers. */
static int
edit_load(struct http_request *req, struct dreq *r)
{
	char url[64];

	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	if (!row_bool(r, 0, "mine"))
		return (step_refuse(req, r, 403, "forbidden", NULL,
		    "err.not_author"));
	if (row_bool(r, 0, "answered"))
		return (step_refuse(req, r, 409, "answered", NULL,
		    "err.edit_answered"));
	(void)snprintf(url, sizeof(url), "/ideas/%s", row_text(r, 0, "id"));
	json_object_set_new(r->ctx, "idea",
	    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)row_int(r, 0, "id"),
		"title", row_text(r, 0, "title"), "url", url));
	if (json_object_get(r->ctx, "values") == NULL) {
		ctx_set_value(r, "title", row_text(r, 0, "title"));
		ctx_set_value(r, "body", row_text(r, 0, "body"));
		ctx_set_value(r, "area", row_text(r, 0, "area"));
	}
	return (STEP_NEXT);
}

static int
edit_render(struct http_request *req, struct dreq *r)
{
	(void)area_options(r, area_chosen(r), NULL, 0);
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "idea_edit",
	    "title.idea_edit", "ideas"));
}

/* ---- proposing ---- */

static int
create_query(struct http_request *req, struct dreq *r)
{
	struct idea_in *in = r->in;
	char		kinds[64];

	if (in->sens.kinds != 0) {
		sensitive_kinds(&in->sens, kinds, sizeof(kinds));
		db_query(r, &q_idea_create_confirmed, 8, r->sess.uid, in->area,
		    in->title, in->body, r->address, kinds, in->sens.fields,
		    in->private);
		return (STEP_NEXT);
	}
	db_query(r, &q_idea_create, 5, r->sess.uid, in->area, in->title,
	    in->body, in->private);
	return (STEP_NEXT);
}

static int
create_redirect(struct http_request *req, struct dreq *r)
{
	char url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%s", row_text(r, 0, "id"));
	return (out_redirect(req, r, url));
}

static const step_fn create_page_steps[] = { create_query, create_redirect,
	NULL };

/* The page asks "did you mean" first, unless that was seen. */
static int
similar_query(struct http_request *req, struct dreq *r)
{
	struct idea_in *in = r->in;

	if (in->confirm)
		return (step_then(r, create_page_steps));
	db_query(r, &q_ideas_similar, 2, in->title, r->sess.uid);
	return (STEP_NEXT);
}

/* None similar: posted.  Else the form again, listing them. */
static int
similar_offer(struct http_request *req, struct dreq *r)
{
	struct idea_in *in = r->in;
	json_t	       *list, *o;
	char		url[64];
	int		i;

	if (db_rows(r) == 0)
		return (step_then(r, create_page_steps));
	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		(void)snprintf(url, sizeof(url), "/ideas/%s",
		    row_text(r, i, "id"));
		o = json_pack("{s:I, s:s, s:s, s:s, s:i}", "id",
		    (json_int_t)row_int(r, i, "id"), "url", url, "title",
		    row_text(r, i, "title"), "status", row_text(r, i, "status"),
		    "vote_count", (int)row_int(r, i, "vote_count"));
		status_words(r, o, "status_label", row_text(r, i, "status"));
		json_array_append_new(list, o);
	}
	json_object_set_new(r->ctx, "similar", list);
	json_object_set_new(r->ctx, "confirm_needed", json_true());
	if (in->sens.kinds != 0) {
		/* Keep the author's "not confidential" ticked. */
		json_object_set_new(r->ctx, "sensitive_confirm", json_true());
		ctx_set_value(r, "confirm_sensitive", "1");
	}
	ctx_set_value(r, "title", in->title);
	ctx_set_value(r, "body", in->body);
	ctx_set_value(r, "area", in->area);
	return (STEP_NEXT);
}

/* The idea as GET shows it: the API's answer to a write. */
static int
idea_reload(struct http_request *req, struct dreq *r, int64_t idea)
{
	char id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)idea);
	db_query(r, &q_idea_one, 3, r->sess.uid, r->lang, id);
	return (STEP_NEXT);
}

static int
created_query(struct http_request *req, struct dreq *r)
{
	return (idea_reload(req, r, row_int(r, 0, "id")));
}

static int
created_json(struct http_request *req, struct dreq *r)
{
	if (db_rows(r) != 1)
		return (step_refuse(req, r, 500, "internal", NULL,
		    "err.internal"));
	return (out_json(req, r, 201, idea_full_json(r)));
}

/* ---- editing ---- */

static int
change_query(struct http_request *req, struct dreq *r)
{
	struct idea_in *in = r->in;
	char		id[32], kinds[64];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	if (in->sens.kinds != 0) {
		sensitive_kinds(&in->sens, kinds, sizeof(kinds));
		db_query(r, &q_idea_edit_confirmed, 8, id, r->sess.uid,
		    in->title, in->body, in->area, r->address, kinds,
		    in->sens.fields);
		return (STEP_NEXT);
	}
	db_query(r, &q_idea_edit, 5, id, r->sess.uid, in->title, in->body,
	    in->area);
	return (STEP_NEXT);
}

static int
change_redirect(struct http_request *req, struct dreq *r)
{
	struct idea_in *in = r->in;
	char		url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%lld", (long long)in->id);
	return (out_redirect(req, r, url));
}

static int
changed_query(struct http_request *req, struct dreq *r)
{
	struct idea_in *in = r->in;

	return (idea_reload(req, r, in->id));
}

static int
changed_json(struct http_request *req, struct dreq *r)
{
	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	return (out_json(req, r, 200, idea_full_json(r)));
}

static const step_fn new_form_steps[] = { new_render, NULL };
static const step_fn create_offer_steps[] = { similar_query, similar_offer,
	new_render, NULL };
static const step_fn create_api_steps[] = { create_query, created_query,
	created_json, NULL };
static const step_fn edit_form_steps[] = { edit_query, edit_load, edit_render,
	NULL };
static const step_fn change_page_steps[] = { change_query, change_redirect,
	NULL };
static const step_fn change_api_steps[] = { change_query, changed_query,
	changed_json, NULL };

const struct handler idea_new_page = {
	.role = ROLE_CLIENT,
	.steps = new_form_steps,
};

const struct handler idea_create_page = {
	.role = ROLE_CLIENT,
	.input = idea_create_input,
	.input_size = sizeof(struct idea_in),
	.steps = create_offer_steps,
	.refusals = create_refusals,
	.form = new_form_steps,
};

const struct handler idea_create_api = {
	.role = ROLE_CLIENT,
	.input = idea_create_input,
	.input_size = sizeof(struct idea_in),
	.steps = create_api_steps,
	.refusals = create_refusals,
};

const struct handler idea_edit_page = {
	.role = ROLE_CLIENT,
	.steps = edit_form_steps,
};

const struct handler idea_change_page = {
	.role = ROLE_CLIENT,
	.input = idea_input,
	.input_size = sizeof(struct idea_in),
	.steps = change_page_steps,
	.refusals = edit_refusals,
	.form = edit_form_steps,
};

const struct handler idea_change_api = {
	.role = ROLE_CLIENT,
	.input = idea_patch_input,
	.input_size = sizeof(struct idea_in),
	.steps = change_api_steps,
	.refusals = edit_refusals,
};
