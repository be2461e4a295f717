/*
 * One idea: its page (/ideas/:id) with the body, the status history, the
 * comments and, for the bank, the response desk; and the same in the API
 * (GET /api/v1/ideas/:id).  The page's steps also show it again after a
 * refused form on it (a comment, a response: routes.c, ROUTE_FORM).
 */

#include "drive.h"

static const struct db_query q_idea_one = { "idea_one", IDEA_ONE_SQL };

static int
idea_step_query(struct http_request *req, struct dreq *r)
{
	char	id[32];
	int64_t idea;

	if ((idea = path_id(r, "id")) <= 0)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	(void)snprintf(id, sizeof(id), "%lld", (long long)idea);
	db_query(r, &q_idea_one, 3, r->sess.uid, r->lang, id);
	return (STEP_NEXT);
}

/*
 * The bank's latest answer, shown under the title ("latest"): the newest
 * response with a text (a merge has none; its notice is shown anyway).
 * The full history stays below when there is more than that one entry.
 */
static void
idea_latest_answer(struct dreq *r, json_t *idea)
{
	json_t *history, *e;
	size_t	n;

	history = json_object_get(idea, "responses");
	n = json_array_size(history);
	json_object_set_new(r->ctx, "more_history", json_boolean(n > 1));
	while (n-- > 0) {
		e = json_array_get(history, n);
		if (!json_is_true(json_object_get(e, "merge"))) {
			json_object_set(idea, "latest", e);
			return;
		}
	}
}

static int
idea_step_render(struct http_request *req, struct dreq *r)
{
	json_t	   *o;
	const char *chosen;

	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	o = idea_full_json(r);

	/* The statuses a response may set, for the bank's desk. */
	if (r->sess.role >= ROLE_PM) {
		chosen =
		    json_string_value(json_object_get(json_object_get(r->ctx,
							  "values"),
			"response_status"));
		json_object_set_new(r->ctx, "response_statuses",
		    status_options(r,
			chosen != NULL ?
			    chosen :
			    json_string_value(json_object_get(o, "status")),
			NULL, 0));
	}
	json_object_set(r->ctx, "comments", json_object_get(o, "comments"));
	json_object_set(r->ctx, "history", json_object_get(o, "responses"));
	idea_latest_answer(r, o);
	json_object_set(r->ctx, "back", json_object_get(o, "url"));
	json_object_set_new(r->ctx, "idea", o);
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "idea",
	    "title.idea", "ideas"));
}

static int
idea_step_json(struct http_request *req, struct dreq *r)
{
	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	return (out_json(req, r, 200, idea_full_json(r)));
}

/* Its statement may carry the session's lookup (idea_step_query). */
static int
idea_fold_ok(struct dreq *r)
{
	return (path_id(r, "id") > 0);
}

/* The page: staff get their desk's notes and owner first (notes.c). */
static int
idea_step_page_query(struct http_request *req, struct dreq *r)
{
	idea_desk_keep(r);
	return (idea_step_query(req, r));
}

/* The idea page's steps, also shown after a refused form (routes.c). */
const step_fn idea_page_steps[] = { idea_desk_query, idea_step_page_query,
	idea_step_render, NULL };
static const step_fn idea_api_steps[] = { idea_step_query, idea_step_json,
	NULL };

const struct handler idea_page = {
	.role = ROLE_CLIENT,
	.steps = idea_page_steps,
	.fold = idea_step_query,
	.fold_ok = idea_fold_ok,
};

const struct handler idea_api = {
	.role = ROLE_CLIENT,
	.steps = idea_api_steps,
	.fold = idea_step_query,
	.fold_ok = idea_fold_ok,
};
