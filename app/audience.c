/*
 * Who may see an idea (issue 16, part 1): every client, or only the
 * author's organisation and the bank (chosen when proposing:
 * idea_form.c).  The test itself is idea_visible() in SQL, applied by
 * every query a client can reach (IDEA_VISIBLE_TO in drive.h).  Here:
 * a pm proposes to open a private idea to all clients, and its author
 * accepts or declines; both audited (sql/repeatable/ideas.sql).
 *
 *   POST /ideas/:id/audience/proposal      pm: propose (the desk's form)
 *   POST /ideas/:id/audience               author: decision=accept|decline
 *   POST /api/v1/ideas/:id/audience/proposal
 *   POST /api/v1/ideas/:id/audience        {"decision": "accept"|"decline"}
 */

#include "drive.h"

struct decide_in {
	int64_t	    idea;
	const char *accept; /* "true" or "false" */
};

static const struct db_query q_propose = {
	"audience_propose",
	"SELECT audience_propose($1::bigint, $2::bigint, nullif($3, '')::inet)"
	" AS id",
};

static const struct db_query q_decide = {
	"audience_decide",
	"SELECT audience_decide($1::bigint, $2::bigint, $3::boolean,"
	" nullif($4, '')::inet)",
};

static const struct refusal propose_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.idea_not_found" },
	{ "DR409", 409, "conflict", NULL, "err.audience_pending" },
	{ "DR422", 422, "invalid", NULL, "err.audience_public" },
	{ NULL },
};

static const struct refusal decide_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.idea_not_found" },
	{ "DR403", 403, "forbidden", NULL, "err.not_author" },
	{ "DR409", 409, "conflict", NULL, "err.audience_none" },
	{ NULL },
};

static int
propose_query(struct http_request *req, struct dreq *r)
{
	char id[32];

	if (path_id(r, "id") <= 0)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	(void)snprintf(id, sizeof(id), "%lld", (long long)path_id(r, "id"));
	db_query(r, &q_propose, 3, id, r->sess.uid, r->address);
	return (STEP_NEXT);
}

/* Back to the idea, where the desk says the proposal awaits the author. */
static int
back_to_idea(struct http_request *req, struct dreq *r)
{
	char url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%lld#audience",
	    (long long)path_id(r, "id"));
	return (out_redirect(req, r, url));
}

static int
propose_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 201,
	    json_pack("{s:I, s:I}", "id", (json_int_t)row_int(r, 0, "id"),
		"idea_id", (json_int_t)path_id(r, "id"))));
}

/* "decision": accept or decline, from the form or the JSON body. */
static void
decide_input(struct dreq *r, void *arg)
{
	struct decide_in *in = arg;
	const char	 *v;

	in->idea = path_id(r, "id");
	v = in_text(r, "decision");
	if (v != NULL && strcmp(v, "accept") == 0)
		in->accept = "true";
	else if (v != NULL && strcmp(v, "decline") == 0)
		in->accept = "false";
	else
		field_error(r, "decision", "err.audience_decision");
}

static int
decide_query(struct http_request *req, struct dreq *r)
{
	struct decide_in *in = r->in;
	char		  id[32];

	if (in->idea <= 0)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	(void)snprintf(id, sizeof(id), "%lld", (long long)in->idea);
	db_query(r, &q_decide, 4, id, r->sess.uid, in->accept, r->address);
	return (STEP_NEXT);
}

static int
decide_json(struct http_request *req, struct dreq *r)
{
	struct decide_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:s}", "idea_id", (json_int_t)in->idea, "audience",
		strcmp(in->accept, "true") == 0 ? "all" : "organization")));
}

static const step_fn propose_page_steps[] = { propose_query, back_to_idea,
	NULL };
static const step_fn propose_api_steps[] = { propose_query, propose_json,
	NULL };
static const step_fn decide_page_steps[] = { decide_query, back_to_idea, NULL };
static const step_fn decide_api_steps[] = { decide_query, decide_json, NULL };

const struct handler audience_propose_page = {
	.role = ROLE_PM,
	.steps = propose_page_steps,
	.refusals = propose_refusals,
};

const struct handler audience_propose_api = {
	.role = ROLE_PM,
	.steps = propose_api_steps,
	.refusals = propose_refusals,
};

const struct handler audience_decide_page = {
	.role = ROLE_CLIENT,
	.input = decide_input,
	.input_size = sizeof(struct decide_in),
	.steps = decide_page_steps,
	.refusals = decide_refusals,
};

const struct handler audience_decide_api = {
	.role = ROLE_CLIENT,
	.input = decide_input,
	.input_size = sizeof(struct decide_in),
	.steps = decide_api_steps,
	.refusals = decide_refusals,
};
