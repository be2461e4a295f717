/*
 * Comments: Markdown, 1-5,000 characters; the idea's author is told (a
 * notification row, written by comment_create() in the same
 * transaction).  Authors may edit or delete their own for 15 minutes.
 */

#include "drive.h"

struct comment_in {
	int64_t		 id;   /* the idea's, or the comment's */
	const char	*body; /* NULL: delete */
	struct sensitive sens; /* the guard's findings */
};

static const struct db_query q_comment_create = {
	"comment_create",
	"SELECT comment_create($1::bigint, $2::bigint, $3) AS id,"
	" floor(extract(epoch FROM now()))::bigint AS created",
};

static const struct db_query q_comment_change = {
	"comment_change",
	"SELECT comment_change($1::bigint, $2::bigint, $3) AS idea_id",
};

/* Confirmed findings: the write and its audit entry in one statement. */
static const struct db_query q_comment_create_confirmed = {
	"comment_create_confirmed",
	"SELECT c.id, c.created, audit($2::bigint,"
	" 'comment.sensitive_confirmed', 'comment:' || c.id,"
	" nullif($4, '')::inet, jsonb_build_object('idea', $1::bigint,"
	" 'kinds', string_to_array($5, ','))) AS audited"
	" FROM (SELECT comment_create($1::bigint, $2::bigint, $3) AS id,"
	" floor(extract(epoch FROM now()))::bigint AS created) c",
};

static const struct db_query q_comment_change_confirmed = {
	"comment_change_confirmed",
	"SELECT c.idea_id, audit($2::bigint, 'comment.sensitive_confirmed',"
	" 'comment:' || $1::bigint, nullif($4, '')::inet,"
	" jsonb_build_object('idea', c.idea_id,"
	" 'kinds', string_to_array($5, ','), 'edit', true)) AS audited"
	" FROM (SELECT comment_change($1::bigint, $2::bigint, $3) AS idea_id)"
	" c",
};

static const struct db_query q_comment_one = {
	"comment_one",
	"SELECT c.body, i.id AS idea_id, i.title,"
	" c.author_id = $2::bigint AS mine,"
	" c.created_at > now() - interval '15 minutes' AND c.hidden_at IS NULL"
	" AS editable"
	" FROM comments c JOIN ideas i ON i.id = c.idea_id"
	" WHERE c.id = $1::bigint AND" IDEA_VISIBLE_TO("$2"),
};

static const struct refusal create_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.idea_not_found" },
	{ NULL },
};

static const struct refusal change_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.not_found" },
	{ "DR403", 403, "forbidden", NULL, "err.not_author" },
	{ "DR409", 409, "too_late", NULL, "err.comment_too_late" },
	{ NULL },
};

/* 1-5,000 characters of acceptable text. */
static void
body_input(struct dreq *r, struct comment_in *in)
{
	size_t n;
	int    rc;

	if ((rc = in_field(r, "body", &in->body)) == -1) {
		field_error(r, "body", "err.text_invalid");
		return;
	}
	n = rc == 1 ? utf8_count(in->body, strlen(in->body)) : 0;
	if (n < 1 || n > 5000 || strspn(in->body, " \n\t") == strlen(in->body))
		field_error(r, "body", "err.comment_length");
	in->sens.confirmed = sensitive_confirmed(r);
	(void)sensitive_check(r, &in->sens, "body", "comment", in->body);
}

static void
comment_input(struct dreq *r, void *arg)
{
	struct comment_in *in = arg;

	in->id = path_id(r, "id");
	body_input(r, in);
}

static void
delete_input(struct dreq *r, void *arg)
{
	struct comment_in *in = arg;

	in->id = path_id(r, "id");
}

/* ---- write one ---- */

static int
create_query(struct http_request *req, struct dreq *r)
{
	struct comment_in *in = r->in;
	char		   id[32], kinds[64];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	if (in->sens.kinds != 0) {
		sensitive_kinds(&in->sens, kinds, sizeof(kinds));
		db_query(r, &q_comment_create_confirmed, 5, id, r->sess.uid,
		    in->body, r->address, kinds);
		return (STEP_NEXT);
	}
	db_query(r, &q_comment_create, 3, id, r->sess.uid, in->body);
	return (STEP_NEXT);
}

static int
create_redirect(struct http_request *req, struct dreq *r)
{
	struct comment_in *in = r->in;
	char		   url[96];

	(void)snprintf(url, sizeof(url), "/ideas/%lld#comment-%lld",
	    (long long)in->id, (long long)row_int(r, 0, "id"));
	return (out_redirect(req, r, url));
}

/* The comment as stored: the text sent, by the one who asks. */
static int
create_json(struct http_request *req, struct dreq *r)
{
	struct comment_in *in = r->in;
	json_t		  *c;
	char		  *html;

	html = md_html(in->body);
	c = json_pack("{s:I, s:s, s:s, s:o}", "id",
	    (json_int_t)row_int(r, 0, "id"), "body", in->body, "body_html",
	    html, "author", author_json(r->sess.name, r->sess.role >= ROLE_PM));
	kore_free(html);
	out_time(r, c, "created_at", NULL, row_int(r, 0, "created"));
	return (out_json(req, r, 201, c));
}

/* ---- change or delete one's own ---- */

static int
change_query(struct http_request *req, struct dreq *r)
{
	struct comment_in *in = r->in;
	char		   id[32], kinds[64];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->id);
	if (in->body != NULL && in->sens.kinds != 0) {
		sensitive_kinds(&in->sens, kinds, sizeof(kinds));
		db_query(r, &q_comment_change_confirmed, 5, id, r->sess.uid,
		    in->body, r->address, kinds);
		return (STEP_NEXT);
	}
	db_query(r, &q_comment_change, 3, id, r->sess.uid, in->body);
	return (STEP_NEXT);
}

static int
change_redirect(struct http_request *req, struct dreq *r)
{
	char url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%lld",
	    (long long)row_int(r, 0, "idea_id"));
	return (out_redirect(req, r, url));
}

static int
change_json(struct http_request *req, struct dreq *r)
{
	struct comment_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:b}", "id", (json_int_t)in->id, "deleted",
		in->body == NULL)));
}

/* ---- the edit form ---- */

static int
edit_query(struct http_request *req, struct dreq *r)
{
	char id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)path_id(r, "id"));
	db_query(r, &q_comment_one, 2, id, r->sess.uid);
	return (STEP_NEXT);
}

static int
edit_show(struct http_request *req, struct dreq *r)
{
	char url[64];

	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (!row_bool(r, 0, "mine"))
		return (step_refuse(req, r, 403, "forbidden", NULL,
		    "err.not_author"));
	if (!row_bool(r, 0, "editable"))
		return (step_refuse(req, r, 409, "too_late", NULL,
		    "err.comment_too_late"));
	(void)snprintf(url, sizeof(url), "/ideas/%s",
	    row_text(r, 0, "idea_id"));
	json_object_set_new(r->ctx, "comment",
	    json_pack("{s:I, s:s}", "id", (json_int_t)path_id(r, "id"), "body",
		row_text(r, 0, "body")));
	json_object_set_new(r->ctx, "idea",
	    json_pack("{s:s, s:s}", "url", url, "title",
		row_text(r, 0, "title")));
	if (json_object_get(r->ctx, "values") == NULL)
		ctx_set_value(r, "body", row_text(r, 0, "body"));
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "comment_edit",
	    "title.comment_edit", "ideas"));
}

static const step_fn create_page_steps[] = { create_query, create_redirect,
	NULL };
static const step_fn create_api_steps[] = { create_query, create_json, NULL };
static const step_fn edit_steps[] = { edit_query, edit_show, NULL };
static const step_fn change_page_steps[] = { change_query, change_redirect,
	NULL };
static const step_fn change_api_steps[] = { change_query, change_json, NULL };

/* A refused comment shows the idea page again (its form: routes.c). */
const struct handler comment_create_page = {
	.role = ROLE_CLIENT,
	.input = comment_input,
	.input_size = sizeof(struct comment_in),
	.steps = create_page_steps,
	.refusals = create_refusals,
	.form_prefix = "comment_",
};

const struct handler comment_create_api = {
	.role = ROLE_CLIENT,
	.input = comment_input,
	.input_size = sizeof(struct comment_in),
	.steps = create_api_steps,
	.refusals = create_refusals,
};

const struct handler comment_edit_page = {
	.role = ROLE_CLIENT,
	.steps = edit_steps,
};

const struct handler comment_change_page = {
	.role = ROLE_CLIENT,
	.input = comment_input,
	.input_size = sizeof(struct comment_in),
	.steps = change_page_steps,
	.refusals = change_refusals,
	.form = edit_steps,
};

const struct handler comment_delete_page = {
	.role = ROLE_CLIENT,
	.input = delete_input,
	.input_size = sizeof(struct comment_in),
	.steps = change_page_steps,
	.refusals = change_refusals,
};

const struct handler comment_change_api = {
	.role = ROLE_CLIENT,
	.input = comment_input,
	.input_size = sizeof(struct comment_in),
	.steps = change_api_steps,
	.refusals = change_refusals,
};

const struct handler comment_delete_api = {
	.role = ROLE_CLIENT,
	.input = delete_input,
	.input_size = sizeof(struct comment_in),
	.steps = change_api_steps,
	.refusals = change_refusals,
};
