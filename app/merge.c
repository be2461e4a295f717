/*
 * Merging a duplicate into its original (product managers and admins).
 * On pages it takes three steps, each one a page that works without
 * JavaScript: find the original (/ideas/:id/merge: the ideas with
 * similar titles, or those a search or a number finds), see both side by
 * side and confirm (POST without confirm=1), merge (POST with confirm=1).
 * A refused choice shows the finding page again with the error next to
 * the field.  The API merges at once (POST /api/v1/ideas/:id/merge).
 */

#include "drive.h"

#define MERGE_CANDIDATES 10

struct merge_in {
	int64_t	    idea; /* the duplicate */
	int64_t	    into; /* the original */
	int	    confirm;
	const char *find; /* the finding page's search, "" for similar titles */
	int64_t	    moved; /* votes moved, once merged */
};

/*
 * The duplicate and the ideas it could go into: with no search, those
 * whose titles are like its own; else the idea of that number and those
 * whose titles or words match.  Never itself, never a duplicate, only
 * ideas the same people see (idea_merge() refuses the others).
 */
static const struct db_query q_merge_find = {
	"merge_find",
	"SELECT d.id AS dup_id, d.title AS dup_title, d.status AS dup_status,"
	" d.vote_count AS dup_votes, d.duplicate_of AS dup_into,"
	" c.id, c.title, c.status, c.vote_count"
	" FROM ideas d LEFT JOIN LATERAL (SELECT i.id, i.title, i.status,"
	"  i.vote_count FROM ideas i JOIN idea_search s ON s.idea_id = i.id"
	"  WHERE i.id <> d.id AND i.status <> 'duplicate'"
	"  AND i.audience_org IS NOT DISTINCT FROM d.audience_org AND"
	"  (($2 = '' AND s.title % d.title) OR ($2 <> '' AND"
	"   (i.id::text = $2 OR s.title % $2 OR"
	"    s.words @@ search_query(nullif($2, '')))))"
	"  ORDER BY i.id::text = $2 DESC, similarity(s.title,"
	"   CASE WHEN $2 = '' THEN d.title ELSE $2 END) DESC,"
	"   i.vote_count DESC, i.id DESC LIMIT 10) c ON true"
	" WHERE d.id = $1::bigint",
};

/* Both ideas, for the confirmation. */
static const struct db_query q_merge_pair = {
	"merge_pair",
	"SELECT d.title AS dup_title, d.vote_count AS dup_votes,"
	" d.status AS dup_status, o.id, o.title, o.status, o.vote_count,"
	" o.duplicate_of IS NOT NULL OR o.status = 'duplicate' AS merged"
	" FROM ideas d LEFT JOIN ideas o ON o.id = $2::bigint"
	" WHERE d.id = $1::bigint",
};

static const struct db_query q_idea_merge = {
	"idea_merge",
	"SELECT idea_merge($1::bigint, $2::bigint, $3::bigint,"
	" nullif($4, '')::inet) AS moved",
};

static const struct db_query q_merged_count = {
	"merged_count",
	"SELECT vote_count, organization_count FROM ideas WHERE id = $1::bigint",
};

static const struct refusal merge_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.idea_not_found" },
	{ "DR409", 409, "merged", NULL, "err.merged_already" },
	{ "DR422", 422, "invalid", "into", "err.merge_into" },
	{ "DR421", 422, "invalid", "into", "err.merge_audience" },
	{ NULL },
};

/* ---- input ---- */

/* The page's forms send the original's number as text. */
static void
merge_page_input(struct dreq *r, void *arg)
{
	struct merge_in *in = arg;
	const char	*into;
	char		*end;

	in->idea = path_id(r, "id");
	if ((into = in_text(r, "into")) != NULL) {
		errno = 0;
		in->into = strtoll(into, &end, 10);
		if (errno != 0 || end == into || *end != '\0')
			in->into = 0;
	}
	if (in->into <= 0)
		field_error(r, "into", "err.merge_into");
	in->confirm = in_confirmed(r);
}

/* The API sends it as a JSON number, and merges at once. */
static void
merge_api_input(struct dreq *r, void *arg)
{
	struct merge_in *in = arg;
	json_t		*v;

	in->idea = path_id(r, "id");
	v = json_object_get(r->json, "into");
	if (json_is_integer(v))
		in->into = json_integer_value(v);
	if (in->into <= 0)
		field_error(r, "into", "err.merge_into");
	in->confirm = in_confirmed(r);
}

/* ---- finding the original ---- */

static int
find_query(struct http_request *req, struct dreq *r)
{
	const char *find;
	char	    id[32], buf[128];
	int64_t	    idea;

	(void)in_query(r);
	if ((idea = path_id(r, "id")) <= 0)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	find = in_text(r, "find");
	if (find == NULL || strlen(find) > 120 ||
	    !line_acceptable(find, strlen(find)))
		find = "";
	/* "#42" is idea 42. */
	(void)snprintf(buf, sizeof(buf), "%s",
	    find[0] == '#' ? find + 1 : find);
	json_object_set_new(r->ctx, "find", json_string(find));
	(void)snprintf(id, sizeof(id), "%lld", (long long)idea);
	db_query(r, &q_merge_find, 2, id, buf);
	return (STEP_NEXT);
}

static int
find_render(struct http_request *req, struct dreq *r)
{
	json_t *list, *o;
	char	url[64];
	int	i;

	if (db_rows(r) < 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	(void)snprintf(url, sizeof(url), "/ideas/%s", row_text(r, 0, "dup_id"));
	o = json_pack("{s:s, s:s, s:s, s:I}", "id", row_text(r, 0, "dup_id"),
	    "title", row_text(r, 0, "dup_title"), "url", url, "vote_count",
	    (json_int_t)row_int(r, 0, "dup_votes"));
	status_words(r, o, "status_label", row_text(r, 0, "dup_status"));
	json_object_set_new(o, "status",
	    json_string(row_text(r, 0, "dup_status")));
	if (!row_null(r, 0, "dup_into")) {
		(void)snprintf(url, sizeof(url), "/ideas/%s",
		    row_text(r, 0, "dup_into"));
		json_object_set_new(o, "merged_url", json_string(url));
	}
	json_object_set_new(r->ctx, "dup", o);

	list = json_array();
	for (i = 0; i < db_rows(r) && i < MERGE_CANDIDATES; i++) {
		if (row_null(r, i, "id"))
			continue;
		(void)snprintf(url, sizeof(url), "/ideas/%s",
		    row_text(r, i, "id"));
		o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "id",
		    row_text(r, i, "id"), "title", row_text(r, i, "title"),
		    "url", url, "status", row_text(r, i, "status"),
		    "vote_count", (json_int_t)row_int(r, i, "vote_count"));
		status_words(r, o, "status_label", row_text(r, i, "status"));
		json_array_append_new(list, o);
	}
	json_object_set_new(r->ctx, "candidates", list);
	json_object_set_new(r->ctx, "searched",
	    json_boolean(*json_string_value(json_object_get(r->ctx, "find")) !=
		'\0'));
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "merge",
	    "title.merge", "ideas"));
}

/* The finding page's steps, also shown after a refused choice. */
static const step_fn find_steps[] = { find_query, find_render, NULL };

/* ---- confirming, then merging ---- */

/* Without confirm=1: both ideas, to be seen before anything changes. */
static int
merge_check(struct http_request *req, struct dreq *r)
{
	struct merge_in *in = r->in;
	char		 id[32], into[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->idea);
	(void)snprintf(into, sizeof(into), "%lld", (long long)in->into);
	if (in->confirm) {
		db_query(r, &q_idea_merge, 4, id, into, r->sess.uid,
		    r->address);
		return (STEP_NEXT);
	}
	if (in->into == in->idea)
		return (step_refuse(req, r, 422, "invalid", "into",
		    "err.merge_into"));
	db_query(r, &q_merge_pair, 2, id, into);
	return (STEP_NEXT);
}

static int
merge_confirm_page(struct http_request *req, struct dreq *r)
{
	struct merge_in *in = r->in;
	json_t		*dup, *into;
	char		 url[64];

	if (in->confirm)
		return (STEP_NEXT);
	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	if (row_null(r, 0, "id"))
		return (step_refuse(req, r, 422, "invalid", "into",
		    "err.merge_into_unknown"));
	if (row_bool(r, 0, "merged") ||
	    strcmp(row_text(r, 0, "dup_status"), "duplicate") == 0)
		return (step_refuse(req, r, 422, "invalid", "into",
		    "err.merge_into"));
	(void)snprintf(url, sizeof(url), "/ideas/%lld", (long long)in->idea);
	dup = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)in->idea,
	    "title", row_text(r, 0, "dup_title"), "url", url, "vote_count",
	    (json_int_t)row_int(r, 0, "dup_votes"));
	(void)snprintf(url, sizeof(url), "/ideas/%lld", (long long)in->into);
	into = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)in->into,
	    "title", row_text(r, 0, "title"), "url", url, "vote_count",
	    (json_int_t)row_int(r, 0, "vote_count"));
	status_words(r, into, "status_label", row_text(r, 0, "status"));
	json_object_set_new(into, "status",
	    json_string(row_text(r, 0, "status")));
	json_object_set_new(r->ctx, "dup", dup);
	json_object_set_new(r->ctx, "into", into);
	return (render_page(req, r, 200, "merge_confirm", "title.merge",
	    "ideas"));
}

/* Merged: to the original, where the votes went. */
static int
merge_redirect(struct http_request *req, struct dreq *r)
{
	struct merge_in *in = r->in;
	char		 url[64];

	(void)snprintf(url, sizeof(url), "/ideas/%lld", (long long)in->into);
	return (out_redirect(req, r, url));
}

/* The original's counts after the merge, for the API's answer. */
static int
merge_count_query(struct http_request *req, struct dreq *r)
{
	struct merge_in *in = r->in;
	char		 into[32];

	in->moved = row_int(r, 0, "moved");
	(void)snprintf(into, sizeof(into), "%lld", (long long)in->into);
	db_query(r, &q_merged_count, 1, into);
	return (STEP_NEXT);
}

static int
merge_json(struct http_request *req, struct dreq *r)
{
	struct merge_in *in = r->in;

	return (out_json(req, r, 200,
	    json_pack("{s:I, s:s, s:I, s:i, s:i}", "id", (json_int_t)in->idea,
		"status", "duplicate", "votes_moved", (json_int_t)in->moved,
		"into_vote_count", (int)row_int(r, 0, "vote_count"),
		"into_organization_count",
		(int)row_int(r, 0, "organization_count"))));
}

static const step_fn merge_page_steps[] = { merge_check, merge_confirm_page,
	merge_redirect, NULL };
static const step_fn merge_api_steps[] = { merge_check, merge_count_query,
	merge_json, NULL };

const struct handler idea_merge_find_page = {
	.role = ROLE_PM,
	.steps = find_steps,
};

/* A refused choice shows the finding page again, the error at "into". */
const struct handler idea_merge_page = {
	.role = ROLE_PM,
	.input = merge_page_input,
	.input_size = sizeof(struct merge_in),
	.steps = merge_page_steps,
	.form = find_steps,
	.refusals = merge_refusals,
};

const struct handler idea_merge_api = {
	.role = ROLE_PM,
	.input = merge_api_input,
	.input_size = sizeof(struct merge_in),
	.steps = merge_api_steps,
	.refusals = merge_refusals,
};
