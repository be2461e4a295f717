/*
 * The bank's answers: official responses with the status they set (one
 * transaction with the status change and the notifications, in
 * response_create()), the voters of an idea with their organisations,
 * and hiding a comment (merging: merge.c).  Product managers and admins
 * only.  A refused response shows the idea page again (its steps:
 * routes.c), with the error next to the field.  A response whose status
 * needs a second person's approval in its area is kept as a draft
 * (approval.c approves it).
 */

#include "drive.h"

struct response_in {
	int64_t	    idea;
	const char *status;
	const char *body;
};

struct comment_hide_in {
	int64_t comment;
	int	confirm; /* a page's POST hides only with confirm=1 */
};

static const struct db_query q_response_create = {
	"response_create",
	"SELECT response_id, from_status, state,"
	" floor(extract(epoch FROM now()))::bigint AS created"
	" FROM response_create($1::bigint, $2::bigint, $3, $4,"
	" nullif($5, '')::inet)",
};

static const struct db_query q_voters = {
	"voters",
	"SELECT i.title, u.display_name AS name, o.name AS organization,"
	" u.role <> 'client' AS bank,"
	" floor(extract(epoch FROM v.created_at))::bigint AS voted,"
	" i.organization_count"
	" FROM ideas i LEFT JOIN votes v ON v.idea_id = i.id"
	" LEFT JOIN users u ON u.id = v.user_id"
	" LEFT JOIN organizations o ON o.id = u.organization_id"
	" WHERE i.id = $1::bigint ORDER BY v.created_at, u.id",
};

/* The comment a hiding is asked for, shown before it is hidden. */
static const struct db_query q_comment_show = {
	"comment_show",
	"SELECT c.id, c.body, c.hidden_at IS NOT NULL AS hidden, i.id AS idea_id,"
	" i.title AS idea_title, u.display_name AS author,"
	" floor(extract(epoch FROM c.created_at))::bigint AS created"
	" FROM comments c JOIN ideas i ON i.id = c.idea_id"
	" JOIN users u ON u.id = c.author_id WHERE c.id = $1::bigint",
};

static const struct db_query q_comment_hide = {
	"comment_hide",
	"SELECT comment_hide($1::bigint, $2::bigint, nullif($3, '')::inet)"
	" AS idea_id",
};

static const struct refusal response_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.idea_not_found" },
	{ "DR409", 409, "merged", NULL, "err.merged_no_status" },
	{ "DR422", 422, "invalid", "status", "err.response_status" },
	{ "DRD09", 409, "draft_pending", "status", "err.draft_pending" },
	{ NULL },
};

static const struct refusal hide_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.not_found" },
	{ NULL },
};

/* ---- responses ---- */

/* A status a response may set (duplicate: by a merge only) and 1-10,000
 * characters of text. */
static void
response_input(struct dreq *r, void *arg)
{
	struct response_in *in = arg;
	size_t		    n;
	int		    rc;

	in->idea = path_id(r, "id");
	if (in_field(r, "status", &in->status) != 1 ||
	    !status_valid(in->status) || strcmp(in->status, "duplicate") == 0)
		field_error(r, "status", "err.response_status");
	if ((rc = in_field(r, "body", &in->body)) == -1) {
		field_error(r, "body", "err.text_invalid");
		return;
	}
	n = rc == 1 ? utf8_count(in->body, strlen(in->body)) : 0;
	if (n < 1 || n > 10000 || strspn(in->body, " \n\t") == strlen(in->body))
		field_error(r, "body", "err.response_length");
}

static int
response_query(struct http_request *req, struct dreq *r)
{
	struct response_in *in = r->in;
	char		    id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->idea);
	db_query(r, &q_response_create, 5, id, r->sess.uid, in->status,
	    in->body, r->address);
	return (STEP_NEXT);
}

/* Published: the history; a draft: the desk, where it waits. */
static int
response_redirect(struct http_request *req, struct dreq *r)
{
	struct response_in *in = r->in;
	char		    url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%lld#%s", (long long)in->idea,
	    strcmp(row_text(r, 0, "state"), "published") == 0 ? "history" :
								"draft");
	return (out_redirect(req, r, url));
}

/*
 * 201 with the response; a draft (four eyes) 202 with its id and
 * "state": "pending_approval" (PRODUCT.md), the id to approve.
 */
static int
response_json(struct http_request *req, struct dreq *r)
{
	struct response_in *in = r->in;
	json_t		   *o;
	char		   *html;
	int		    draft;

	draft = strcmp(row_text(r, 0, "state"), "published") != 0;
	html = md_html(in->body);
	o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "id",
	    (json_int_t)row_int(r, 0, "response_id"), "state",
	    row_text(r, 0, "state"), "idea_id", (json_int_t)in->idea,
	    "from_status", row_text(r, 0, "from_status"), "status", in->status,
	    "body", in->body, "body_html", html, "author",
	    author_json(r->sess.name, 1));
	kore_free(html);
	out_time(r, o, "created_at", NULL, row_int(r, 0, "created"));
	return (out_json(req, r, draft ? 202 : 201, o));
}

/* ---- voters ---- */

static int
voters_query(struct http_request *req, struct dreq *r)
{
	char id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)path_id(r, "id"));
	db_query(r, &q_voters, 1, id);
	return (STEP_NEXT);
}

/* No row: no such idea (an idea without votes is one row of NULLs). */
static int
voters_found(struct http_request *req, struct dreq *r)
{
	if (db_rows(r) == 0)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	return (STEP_NEXT);
}

static json_t *
voter_json(struct dreq *r, int row)
{
	return (json_pack("{s:s, s:b}", "name", row_text(r, row, "name"),
	    "bank", row_bool(r, row, "bank")));
}

static int
voters_json(struct http_request *req, struct dreq *r)
{
	json_t *list, *v;
	int	i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		if (row_null(r, i, "name"))
			continue;
		v = voter_json(r, i);
		json_object_set_new(v, "organization",
		    row_null(r, i, "organization") ?
			json_null() :
			json_string(row_text(r, i, "organization")));
		out_time(r, v, "voted_at", NULL, row_int(r, i, "voted"));
		json_array_append_new(list, v);
	}
	return (out_json(req, r, 200, json_pack("{s:o}", "voters", list)));
}

static int
voters_render(struct http_request *req, struct dreq *r)
{
	json_t *list, *v;
	char	url[64];
	int64_t idea;
	int	i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		if (row_null(r, i, "name"))
			continue;
		v = voter_json(r, i);
		if (!row_null(r, i, "organization"))
			json_object_set_new(v, "organization",
			    json_string(row_text(r, i, "organization")));
		out_time(r, v, "voted_at", "voted_ago", row_int(r, i, "voted"));
		json_array_append_new(list, v);
	}
	idea = path_id(r, "id");
	(void)snprintf(url, sizeof(url), "/ideas/%lld", (long long)idea);
	json_object_set_new(r->ctx, "idea",
	    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)idea, "url", url,
		"title", row_text(r, 0, "title")));
	json_object_set_new(r->ctx, "voter_count",
	    json_integer(json_array_size(list)));
	json_object_set_new(r->ctx, "organization_count",
	    json_integer(row_int(r, 0, "organization_count")));
	json_object_set_new(r->ctx, "voters", list);
	return (render_page(req, r, 200, "voters", "title.voters", "ideas"));
}

/* ---- hiding a comment ---- */

static void
hide_input(struct dreq *r, void *arg)
{
	struct comment_hide_in *in = arg;
	in->comment = path_id(r, "id");
	in->confirm = in_confirmed(r);
}

/* Confirmed: hidden; else the comment, to confirm (hide_confirm). */
static int
hide_query(struct http_request *req, struct dreq *r)
{
	struct comment_hide_in *in = r->in;
	char			id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->comment);
	if (in->confirm)
		db_query(r, &q_comment_hide, 3, id, r->sess.uid, r->address);
	else
		db_query(r, &q_comment_show, 1, id);
	return (STEP_NEXT);
}

static int hide_redirect(struct http_request *, struct dreq *);

/* The page that asks, without JavaScript, before a comment is hidden. */
static int
hide_confirm(struct http_request *req, struct dreq *r)
{
	struct comment_hide_in *in = r->in;
	json_t		       *c;
	char		       *html;

	if (in->confirm)
		return (STEP_NEXT);
	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (row_bool(r, 0, "hidden"))
		return (hide_redirect(req, r));
	html = md_html(row_text(r, 0, "body"));
	c = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
	    (json_int_t)in->comment, "body_html", html, "author",
	    row_text(r, 0, "author"), "idea_id", row_text(r, 0, "idea_id"),
	    "idea_title", row_text(r, 0, "idea_title"));
	kore_free(html);
	out_time(r, c, "created_at", "created_ago", row_int(r, 0, "created"));
	json_object_set_new(r->ctx, "comment", c);
	return (render_page(req, r, 200, "comment_hide", "title.comment_hide",
	    "ideas"));
}

static int
hide_redirect(struct http_request *req, struct dreq *r)
{
	struct comment_hide_in *in = r->in;
	char			url[96];

	(void)snprintf(url, sizeof(url), "/ideas/%s#comment-%lld",
	    row_text(r, 0, "idea_id"), (long long)in->comment);
	return (out_redirect(req, r, url));
}

static int
hide_json(struct http_request *req, struct dreq *r)
{
	struct comment_hide_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:b}", "id", (json_int_t)in->comment, "hidden",
		1)));
}

static const step_fn response_page_steps[] = { response_query,
	response_redirect, NULL };
static const step_fn response_api_steps[] = { response_query, response_json,
	NULL };
static const step_fn voters_page_steps[] = { voters_query, voters_found,
	voters_render, NULL };
static const step_fn voters_api_steps[] = { voters_query, voters_found,
	voters_json, NULL };
static const step_fn hide_page_steps[] = { hide_query, hide_confirm,
	hide_redirect, NULL };
static const step_fn hide_api_steps[] = { hide_query, hide_json, NULL };

/* A refused response shows the idea page again (its form: routes.c). */
const struct handler response_create_page = {
	.role = ROLE_PM,
	.input = response_input,
	.input_size = sizeof(struct response_in),
	.steps = response_page_steps,
	.refusals = response_refusals,
	.form_prefix = "response_",
};

const struct handler response_create_api = {
	.role = ROLE_PM,
	.input = response_input,
	.input_size = sizeof(struct response_in),
	.steps = response_api_steps,
	.refusals = response_refusals,
};

const struct handler idea_voters_page = {
	.role = ROLE_PM,
	.steps = voters_page_steps,
};

const struct handler idea_voters_api = {
	.role = ROLE_PM,
	.steps = voters_api_steps,
};

const struct handler comment_hide_page = {
	.role = ROLE_PM,
	.input = hide_input,
	.input_size = sizeof(struct comment_hide_in),
	.steps = hide_page_steps,
	.refusals = hide_refusals,
};

const struct handler comment_hide_api = {
	.role = ROLE_PM,
	.input = hide_input,
	.input_size = sizeof(struct comment_hide_in),
	.steps = hide_api_steps,
	.refusals = hide_refusals,
};
