/*
 * Votes: one per person per idea, cast and withdrawn idempotently.  The
 * count is maintained by vote_cast()/vote_withdraw() under the idea's row
 * lock, so it is the count in the table whatever the race.  Votes freeze
 * while an idea is released, declined or a duplicate (409).
 */

#include "drive.h"

static const struct db_query q_vote_cast = {
	"vote_cast",
	"SELECT vote_count, voted FROM vote_cast($1::bigint, $2::bigint)"
};

static const struct db_query q_vote_withdraw = {
	"vote_withdraw",
	"SELECT vote_count, voted FROM vote_withdraw($1::bigint, $2::bigint)"
};

static int
vote_run(struct http_request *req, struct dreq *r)
{
	const char	*action;
	char		 id[32], uid[32];
	int64_t		 idea;
	int		 cast;

	idea = in_path_id(req, r->is_api ? 3 : 1);
	if (idea == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	if (r->is_api) {
		cast = req->method == HTTP_METHOD_POST;
	} else {
		action = in_text(r, "action");
		if (action == NULL || (strcmp(action, "cast") != 0 &&
		    strcmp(action, "withdraw") != 0))
			return (out_error(req, r, 400, "invalid", "action",
			    "err.bad_request"));
		cast = strcmp(action, "cast") == 0;
	}
	(void)snprintf(id, sizeof(id), "%lld", (long long)idea);
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, cast ? &q_vote_cast : &q_vote_withdraw, 2, id, uid);
	return (STEP_NEXT);
}

static int
vote_done(struct http_request *req, struct dreq *r)
{
	char	url[64];

	if (strcmp(r->sqlstate, "DR404") == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	if (strcmp(r->sqlstate, "DR409") == 0)
		return (out_error(req, r, 409, "votes_frozen", NULL,
		    "err.votes_frozen"));
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:i, s:b}",
		    "vote_count", (int)db_int(r, 0, 0), "voted",
		    db_bool(r, 0, 1))));
	(void)snprintf(url, sizeof(url), "/ideas/%lld",
	    (long long)in_path_id(req, 1));
	return (out_redirect(req, r, local_path(in_text(r, "back"), url)));
}

int
page_idea_vote(struct http_request *req)
{
	static const step_fn steps[] = { vote_run, vote_done };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

int
api_idea_vote(struct http_request *req)
{
	static const step_fn steps[] = { vote_run, vote_done };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}
