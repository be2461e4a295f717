/*
 * Four eyes on commitments: a response whose status the idea's product
 * area lists as needing approval (planned, released by default) is kept
 * as a draft by response_create() (responses.c), and published only when
 * a second pm or admin approves it here; its author cannot.  Another may
 * reject it with a reason; its author may withdraw it.  Drafts are read
 * by staff only: on the idea's desk (idea_desk_keep() in notes.c calls
 * draft_desk_ctx()), on the triage desk (drafts_query(), drafts_keep())
 * and in GET /api/v1/responses/pending.  Pages:
 * POST /ideas/:id/drafts/:draft/approve and .../reject; API:
 * POST /api/v1/responses/:id/approve and .../reject.
 */

#include "drive.h"

struct decide_in {
	int64_t	    idea; /* the page's idea; 0 from the API */
	int64_t	    draft;
	const char *reason;
};

static const struct db_query q_response_approve = {
	"response_approve",
	"SELECT response_id, idea_id, from_status, to_status, body,"
	" author_name, author_bank,"
	" floor(extract(epoch FROM now()))::bigint AS created"
	" FROM response_approve($1::bigint, nullif($2, '')::bigint, $3::bigint,"
	" nullif($4, '')::inet)",
};

static const struct db_query q_response_reject = {
	"response_reject",
	"SELECT idea_id, state FROM response_reject($1::bigint,"
	" nullif($2, '')::bigint, $3::bigint, $4, nullif($5, '')::inet)",
};

/*
 * The drafts awaiting approval, the oldest first, in the area $2 ("" all;
 * retired areas too); $1 the language.  stale: the idea's status is no
 * longer the one the draft changes from (or it was merged), so it can
 * only be rejected.
 */
static const struct db_query q_drafts = {
	"drafts_pending",
	"SELECT d.id, d.idea_id, i.title, i.status, a.slug AS area,"
	" CASE WHEN $1 = 'de' THEN a.name_de ELSE a.name_en END AS area_label,"
	" d.from_status, d.to_status, d.body, d.author_id,"
	" u.display_name AS author_name,"
	" floor(extract(epoch FROM d.created_at))::bigint AS created,"
	" floor(extract(epoch FROM now() - d.created_at))::bigint AS age_seconds,"
	" i.status <> d.from_status AS stale"
	" FROM response_drafts d JOIN ideas i ON i.id = d.idea_id"
	" JOIN areas a ON a.id = i.area_id JOIN users u ON u.id = d.author_id"
	" WHERE d.state = 'pending' AND ($2 = '' OR a.slug = $2)"
	" ORDER BY d.created_at, d.id LIMIT 500",
};

static const struct refusal approve_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.draft_not_found" },
	{ "DRX09", 409, "decided", NULL, "err.draft_decided" },
	{ "DR403", 403, "forbidden", NULL, "err.forbidden" },
	{ "DRO03", 403, "own_draft", NULL, "err.own_draft" },
	{ "DR409", 409, "merged", NULL, "err.draft_merged" },
	{ "DRS09", 409, "status_changed", NULL, "err.draft_stale" },
	{ NULL },
};

static const struct refusal reject_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.draft_not_found" },
	{ "DRX09", 409, "decided", NULL, "err.draft_decided" },
	{ "DR403", 403, "forbidden", NULL, "err.forbidden" },
	{ "DR422", 422, "invalid", "reason", "err.reject_reason" },
	{ NULL },
};

/* ---- what staff see of a draft ---- */

/*
 * A draft for a page: the change in words, its text, who wrote it and
 * when, whether it is the reader's own (no approving) and whether the
 * idea moved on since (no approving either).
 */
static json_t *
draft_page_json(struct dreq *r, int64_t id, int64_t idea, const char *from,
    const char *to, const char *body, int64_t author, const char *name,
    int64_t created, int stale)
{
	json_t *o;
	char   *html, url[96];

	html = md_html(body);
	(void)snprintf(url, sizeof(url), "/ideas/%lld", (long long)idea);
	o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:b, s:b}", "id",
	    (json_int_t)id, "idea_id", (json_int_t)idea, "idea_url", url,
	    "to_status", to, "body_html", html, "name",
	    name != NULL ? name : "", "mine", author == r->sess.user_id,
	    "stale", stale);
	kore_free(html);
	status_words(r, o, "from_label", from);
	status_words(r, o, "to_label", to);
	out_time(r, o, "created_at", "created_ago", created);
	return (o);
}

/*
 * The idea page's desk: the draft awaiting approval (JSON from the desk
 * query, or NULL), else the last one rejected since the idea's latest
 * response; and which statuses of this idea's area need approval, as a
 * hint by the response form.  status is the idea's now.
 */
void
draft_desk_ctx(struct dreq *r, const char *draft, const char *rejected,
    const char *approval, const char *status)
{
	json_t	    *d, *x, *list, *vars;
	json_error_t jerr;
	const char  *from;
	size_t	     n;

	if (draft != NULL && (d = json_loads(draft, 0, &jerr)) != NULL) {
		from = json_string_value(json_object_get(d, "from"));
		x = draft_page_json(r,
		    json_integer_value(json_object_get(d, "id")),
		    path_id(r, "id"), from,
		    json_string_value(json_object_get(d, "to")),
		    json_string_value(json_object_get(d, "body")),
		    json_integer_value(json_object_get(d, "author_id")),
		    json_string_value(json_object_get(d, "name")),
		    json_integer_value(json_object_get(d, "created")),
		    strcmp(from, status) != 0);
		status_words(r, x, "status_label", status);
		json_object_set_new(r->ctx, "draft", x);
		json_decref(d);
	} else if (rejected != NULL &&
	    (d = json_loads(rejected, 0, &jerr)) != NULL) {
		x = json_pack("{s:O, s:O}", "name", json_object_get(d, "name"),
		    "reason", json_object_get(d, "reason"));
		status_words(r, x, "to_label",
		    json_string_value(json_object_get(d, "to")));
		out_time(r, x, "decided_at", "decided_ago",
		    json_integer_value(json_object_get(d, "decided")));
		json_object_set_new(r->ctx, "draft_rejected", x);
		json_decref(d);
	}

	if (approval == NULL || (list = json_loads(approval, 0, &jerr)) == NULL)
		return;
	if ((n = json_array_size(list)) > 0 && n <= 2) {
		vars = json_object();
		status_words(r, vars, "a",
		    json_string_value(json_array_get(list, 0)));
		if (n > 1)
			status_words(r, vars, "b",
			    json_string_value(json_array_get(list, 1)));
		ctx_set_msg(r, r->ctx, "approval_hint",
		    n > 1 ? "desk.approval_hint_two" : "desk.approval_hint_one",
		    vars);
		json_decref(vars);
	} else if (n > 2) {
		/* Planned, released and statuses an admin added. */
		vars = json_object();
		statuses_words(r, vars, "list", list, NULL);
		ctx_set_msg(r, r->ctx, "approval_hint",
		    "desk.approval_hint_list", vars);
		json_decref(vars);
	}
	json_decref(list);
}

/* The triage desk's and the API's list; area "" for all. */
int
drafts_query(struct http_request *req, struct dreq *r, const char *area)
{
	db_query(r, &q_drafts, 2, r->lang, area);
	return (STEP_NEXT);
}

/* The triage desk: the drafts of the last query as ctx.drafts. */
void
drafts_keep(struct dreq *r)
{
	json_t *list, *o;
	int	i;

	if (r->res == NULL || r->res_query != &q_drafts)
		return;
	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		o = draft_page_json(r, row_int(r, i, "id"),
		    row_int(r, i, "idea_id"), row_text(r, i, "from_status"),
		    row_text(r, i, "to_status"), row_text(r, i, "body"),
		    row_int(r, i, "author_id"), row_text(r, i, "author_name"),
		    row_int(r, i, "created"), row_bool(r, i, "stale"));
		json_object_set_new(o, "title",
		    json_string(row_text(r, i, "title")));
		json_object_set_new(o, "area_label",
		    json_string(row_text(r, i, "area_label")));
		json_array_append_new(list, o);
	}
	json_object_set_new(r->ctx, "drafts_count",
	    json_integer(json_array_size(list)));
	json_object_set_new(r->ctx, "has_drafts",
	    json_boolean(json_array_size(list) > 0));
	json_object_set_new(r->ctx, "drafts", list);
}

static int
pending_query(struct http_request *req, struct dreq *r)
{
	return (drafts_query(req, r, ""));
}

/* GET /api/v1/responses/pending: every draft awaiting approval. */
static int
pending_json(struct http_request *req, struct dreq *r)
{
	json_t *list, *o;
	int	i, mine, stale;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		mine = row_int(r, i, "author_id") == r->sess.user_id;
		stale = row_bool(r, i, "stale");
		o = json_pack("{s:I, s:s, s:{s:I, s:s, s:s, s:s}, s:s, s:s, "
			      "s:s, s:o, s:I, s:b, s:b}",
		    "id", (json_int_t)row_int(r, i, "id"), "state",
		    "pending_approval", "idea", "id",
		    (json_int_t)row_int(r, i, "idea_id"), "title",
		    row_text(r, i, "title"), "status", row_text(r, i, "status"),
		    "area", row_text(r, i, "area"), "from_status",
		    row_text(r, i, "from_status"), "status",
		    row_text(r, i, "to_status"), "body", row_text(r, i, "body"),
		    "author", author_json(row_text(r, i, "author_name"), 1),
		    "age_seconds", (json_int_t)row_int(r, i, "age_seconds"),
		    "stale", stale, "can_approve", !mine && !stale);
		out_time(r, o, "created_at", NULL, row_int(r, i, "created"));
		json_array_append_new(list, o);
	}
	return (out_json(req, r, 200, json_pack("{s:o}", "responses", list)));
}

/* ---- approving and rejecting ---- */

/* A reason: optional here (the author's withdrawal needs none), at most
 * 2,000 characters; the database asks for one when another rejects. */
static void
reason_input(struct dreq *r, struct decide_in *in)
{
	int rc;

	if ((rc = in_field(r, "reason", &in->reason)) == -1)
		field_error(r, "reason", "err.text_invalid");
	else if (rc == 1 && utf8_count(in->reason, strlen(in->reason)) > 2000)
		field_error(r, "reason", "err.reject_reason");
	if (rc != 1)
		in->reason = "";
}

static void
page_input(struct dreq *r, void *arg)
{
	struct decide_in *in = arg;

	in->idea = path_id(r, "id");
	in->draft = path_id(r, "draft");
	reason_input(r, in);
}

static void
api_input(struct dreq *r, void *arg)
{
	struct decide_in *in = arg;

	in->draft = path_id(r, "id");
	reason_input(r, in);
}

static void
decide_ids(const struct decide_in *in, char *draft, char *idea, size_t len)
{
	(void)snprintf(draft, len, "%lld", (long long)in->draft);
	if (in->idea > 0)
		(void)snprintf(idea, len, "%lld", (long long)in->idea);
	else
		idea[0] = '\0';
}

static int
approve_query(struct http_request *req, struct dreq *r)
{
	struct decide_in *in = r->in;
	char		  draft[32], idea[32];

	decide_ids(in, draft, idea, sizeof(draft));
	db_query(r, &q_response_approve, 4, draft, idea, r->sess.uid,
	    r->address);
	return (STEP_NEXT);
}

static int
reject_query(struct http_request *req, struct dreq *r)
{
	struct decide_in *in = r->in;
	char		  draft[32], idea[32];

	decide_ids(in, draft, idea, sizeof(draft));
	db_query(r, &q_response_reject, 5, draft, idea, r->sess.uid, in->reason,
	    r->address);
	return (STEP_NEXT);
}

/* Published: to the idea's history, as a response published at once. */
static int
approve_redirect(struct http_request *req, struct dreq *r)
{
	char url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%s#history",
	    row_text(r, 0, "idea_id"));
	return (out_redirect(req, r, url));
}

static int
reject_redirect(struct http_request *req, struct dreq *r)
{
	char url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%s#desk",
	    row_text(r, 0, "idea_id"));
	return (out_redirect(req, r, url));
}

/* The published response, as POST .../responses answers it, and who
 * approved it. */
static int
approve_json(struct http_request *req, struct dreq *r)
{
	struct decide_in *in = r->in;
	json_t		 *o;
	char		 *html;

	html = md_html(row_text(r, 0, "body"));
	o = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o}",
	    "id", (json_int_t)row_int(r, 0, "response_id"), "state",
	    "published", "draft_id", (json_int_t)in->draft, "idea_id",
	    (json_int_t)row_int(r, 0, "idea_id"), "from_status",
	    row_text(r, 0, "from_status"), "status",
	    row_text(r, 0, "to_status"), "body", row_text(r, 0, "body"),
	    "body_html", html, "author",
	    author_json(row_text(r, 0, "author_name"),
		row_bool(r, 0, "author_bank")),
	    "approved_by", author_json(r->sess.name, 1));
	kore_free(html);
	out_time(r, o, "created_at", NULL, row_int(r, 0, "created"));
	return (out_json(req, r, 200, o));
}

static int
reject_json(struct http_request *req, struct dreq *r)
{
	struct decide_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:s, s:I}", "id", (json_int_t)in->draft, "state",
		row_text(r, 0, "state"), "idea_id",
		(json_int_t)row_int(r, 0, "idea_id"))));
}

static const step_fn pending_steps[] = { pending_query, pending_json, NULL };
static const step_fn approve_page_steps[] = { approve_query, approve_redirect,
	NULL };
static const step_fn approve_api_steps[] = { approve_query, approve_json,
	NULL };
static const step_fn reject_page_steps[] = { reject_query, reject_redirect,
	NULL };
static const step_fn reject_api_steps[] = { reject_query, reject_json, NULL };

const struct handler drafts_pending_api = {
	.role = ROLE_PM,
	.steps = pending_steps,
};

const struct handler draft_approve_page = {
	.role = ROLE_PM,
	.input = page_input,
	.input_size = sizeof(struct decide_in),
	.steps = approve_page_steps,
	.refusals = approve_refusals,
};

const struct handler draft_approve_api = {
	.role = ROLE_PM,
	.input = api_input,
	.input_size = sizeof(struct decide_in),
	.steps = approve_api_steps,
	.refusals = approve_refusals,
};

/* A refused reason shows the idea page again (its form: routes.c). */
const struct handler draft_reject_page = {
	.role = ROLE_PM,
	.input = page_input,
	.input_size = sizeof(struct decide_in),
	.steps = reject_page_steps,
	.refusals = reject_refusals,
	.form_prefix = "reject_",
};

const struct handler draft_reject_api = {
	.role = ROLE_PM,
	.input = api_input,
	.input_size = sizeof(struct decide_in),
	.steps = reject_api_steps,
	.refusals = reject_refusals,
};
