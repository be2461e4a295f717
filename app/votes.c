/*
 * Votes: one per person per idea, cast and withdrawn idempotently.  The
 * count is maintained by vote_cast()/vote_withdraw() under the idea's row
 * lock, so it is the count in the table whatever the race.  Votes freeze
 * while an idea is released, declined or a duplicate (409).
 *
 * The shape of a handler: an input struct and the function that fills
 * it, the queries, the refusals the database may give, the steps (query,
 * then answer), and the handlers that routes.c names: the page and the
 * API share all but the last step.
 */

#include "drive.h"

struct vote_in {
	int64_t	    idea;
	int	    cast; /* 1 cast, 0 withdraw */
	const char *back; /* the page to return to */
};

static const struct db_query q_vote_cast = {
	"vote_cast",
	"SELECT vote_count, voted FROM vote_cast($1::bigint, $2::bigint)",
};

static const struct db_query q_vote_withdraw = {
	"vote_withdraw",
	"SELECT vote_count, voted FROM vote_withdraw($1::bigint, $2::bigint)",
};

static const struct refusal vote_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.idea_not_found" },
	{ "DR409", 409, "votes_frozen", NULL, "err.votes_frozen" },
	{ NULL },
};

/* A form says "action=cast" or "withdraw"; the API says POST or DELETE. */
static void
vote_page_input(struct dreq *r, void *arg)
{
	struct vote_in *in = arg;
	const char     *action;

	in->idea = path_id(r, "id");
	in->back = in_text(r, "back");
	action = in_text(r, "action");
	if (action != NULL && strcmp(action, "cast") == 0)
		in->cast = 1;
	else if (action == NULL || strcmp(action, "withdraw") != 0)
		field_error(r, "action", "err.bad_request");
}

static void
vote_api_input(struct dreq *r, void *arg)
{
	struct vote_in *in = arg;

	in->idea = path_id(r, "id");
	in->cast = r->req->method == HTTP_METHOD_POST;
}

static int
vote_query(struct http_request *req, struct dreq *r)
{
	struct vote_in *in = r->in;
	char		id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->idea);
	db_query(r, in->cast ? &q_vote_cast : &q_vote_withdraw, 2, id,
	    r->sess.uid);
	return (STEP_NEXT);
}

static int
vote_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 200,
	    json_pack("{s:I, s:b}", "vote_count",
		(json_int_t)row_int(r, 0, "vote_count"), "voted",
		row_bool(r, 0, "voted"))));
}

/* Back where the vote was cast (the list or the idea), else the idea. */
static int
vote_redirect(struct http_request *req, struct dreq *r)
{
	struct vote_in *in = r->in;
	char		url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%lld", (long long)in->idea);
	return (out_redirect(req, r, local_path(in->back, url)));
}

static const step_fn vote_page_steps[] = { vote_query, vote_redirect, NULL };
static const step_fn vote_api_steps[] = { vote_query, vote_json, NULL };

const struct handler idea_vote_page = {
	.role = ROLE_CLIENT,
	.input = vote_page_input,
	.input_size = sizeof(struct vote_in),
	.steps = vote_page_steps,
	.refusals = vote_refusals,
};

const struct handler idea_vote_api = {
	.role = ROLE_CLIENT,
	.input = vote_api_input,
	.input_size = sizeof(struct vote_in),
	.steps = vote_api_steps,
	.refusals = vote_refusals,
};
