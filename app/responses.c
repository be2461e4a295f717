/*
 * The bank's answers: official responses with the status they set (one
 * transaction with the status change and the notifications, in
 * response_create()), merging duplicates, the voters of an idea with
 * their organisations, and hiding a comment.  Product managers and
 * admins only.
 */

#include "drive.h"

static const struct db_query q_response_create = {
	"response_create",
	"SELECT response_id, from_status, extract(epoch FROM now())::bigint"
	" FROM response_create($1::bigint, $2::bigint, $3, $4,"
	" nullif($5, '')::inet)"
};

static const struct db_query q_idea_merge = {
	"idea_merge",
	"SELECT idea_merge($1::bigint, $2::bigint, $3::bigint,"
	" nullif($4, '')::inet)"
};

static const struct db_query q_merged_count = {
	"merged_count",
	"SELECT vote_count, organization_count FROM ideas WHERE id = $1::bigint"
};

static const struct db_query q_voters = {
	"voters",
	"SELECT i.title, u.display_name, o.name, u.role <> 'client',"
	" extract(epoch FROM v.created_at)::bigint, i.organization_count"
	" FROM ideas i LEFT JOIN votes v ON v.idea_id = i.id"
	" LEFT JOIN users u ON u.id = v.user_id"
	" LEFT JOIN organizations o ON o.id = u.organization_id"
	" WHERE i.id = $1::bigint ORDER BY v.created_at, u.id"
};

static const struct db_query q_comment_hide = {
	"comment_hide",
	"SELECT comment_hide($1::bigint, $2::bigint, nullif($3, '')::inet)"
};

static void
ids(struct http_request *req, struct dreq *r, int idx, char *id,
    char *uid)
{
	(void)snprintf(id, 32, "%lld", (long long)in_path_id(req, idx));
	(void)snprintf(uid, 32, "%lld", (long long)r->sess.user_id);
}

/* A refused form on the idea page: show it again with the error. */
static int
again(struct dreq *r, const char *field, const char *key)
{
	ctx_set_error(r, field, key);
	return (step_goto(r, 2));
}

static int
response_run(struct http_request *req, struct dreq *r)
{
	const char	*status, *body;
	char		 id[32], uid[32];
	size_t		 n;
	int		 rc_s, rc_b;

	rc_s = in_field(r, "status", &status);
	rc_b = in_field(r, "body", &body);
	if (!r->is_api) {
		ctx_set_value(r, "response_body", body);
		ctx_set_value(r, "response_status", status);
	}
	if (rc_s != 1 || !status_valid(status) ||
	    strcmp(status, "duplicate") == 0) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "status",
			    "err.response_status"));
		return (again(r, "response_status", "err.response_status"));
	}
	n = rc_b == 1 ? utf8_count(body, strlen(body)) : 0;
	if (rc_b != 1 || n < 1 || n > 10000 ||
	    strspn(body, " \n\t") == strlen(body)) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "body",
			    rc_b == -1 ? "err.text_invalid" :
			    "err.response_length"));
		return (again(r, "response_body", rc_b == -1 ?
		    "err.text_invalid" : "err.response_length"));
	}
	ids(req, r, r->is_api ? 3 : 1, id, uid);
	db_query(r, &q_response_create, 5, id, uid, status, body, r->address);
	return (STEP_NEXT);
}

static int
response_done(struct http_request *req, struct dreq *r)
{
	json_t	*o;
	char	*html, *iso, url[64];

	if (strcmp(r->sqlstate, "DR404") == 0 || (r->db_error == DB_OK &&
	    db_rows(r) != 1))
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	if (strcmp(r->sqlstate, "DR409") == 0)
		return (out_error(req, r, 409, "merged", NULL,
		    "err.merged_no_status"));
	if (r->db_error != DB_OK)
		return (out_error(req, r, 422, "invalid", "status",
		    "err.response_status"));
	if (!r->is_api) {
		(void)snprintf(url, sizeof(url), "/ideas/%lld#history",
		    (long long)in_path_id(req, 1));
		return (out_redirect(req, r, url));
	}
	html = md_html(in_text(r, "body"));
	iso = out_iso8601(db_int(r, 0, 2));
	o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:s}",
	    "id", (json_int_t)db_int(r, 0, 0),
	    "idea_id", (json_int_t)in_path_id(req, 3),
	    "from_status", db_get(r, 0, 1),
	    "status", in_text(r, "status"),
	    "body", in_text(r, "body"),
	    "body_html", html,
	    "author", author_json(r->sess.name, 1),
	    "created_at", iso);
	kore_free(html);
	kore_free(iso);
	return (out_json(req, r, 201, o));
}

static const step_fn response_steps[] = {
	response_run, response_done, idea_step_query, idea_step_render
};

int
page_idea_response(struct http_request *req)
{
	return (drive_run(req, ROLE_PM, response_steps, 4));
}

int
api_idea_responses(struct http_request *req)
{
	return (drive_run(req, ROLE_PM, response_steps, 2));
}

/* ---- merging ---- */

static int
merge_run(struct http_request *req, struct dreq *r)
{
	const char	*into_s = NULL;
	json_t		*v;
	char		 id[32], uid[32], into[32];
	long long	 n = 0;
	char		*end;

	if (r->json != NULL) {
		v = json_object_get(r->json, "into");
		if (json_is_integer(v))
			n = json_integer_value(v);
	} else if ((into_s = in_text(r, "into")) != NULL) {
		ctx_set_value(r, "into", into_s);
		errno = 0;
		n = strtoll(into_s, &end, 10);
		if (errno != 0 || *end != '\0')
			n = 0;
	}
	if (n <= 0) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "into",
			    "err.merge_into"));
		return (again(r, "into", "err.merge_into"));
	}
	(void)snprintf(into, sizeof(into), "%lld", n);
	ids(req, r, r->is_api ? 3 : 1, id, uid);
	db_query(r, &q_idea_merge, 4, id, into, uid, r->address);
	return (STEP_NEXT);
}

static int
merge_done(struct http_request *req, struct dreq *r)
{
	char	into[32];

	if (strcmp(r->sqlstate, "DR404") == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	if (strcmp(r->sqlstate, "DR409") == 0)
		return (out_error(req, r, 409, "merged", NULL,
		    "err.merged_already"));
	if (r->db_error != DB_OK) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "into",
			    "err.merge_into"));
		return (again(r, "into", "err.merge_into"));
	}
	(void)snprintf(into, sizeof(into), "%s", in_text(r, "into") != NULL ?
	    in_text(r, "into") : "");
	if (r->json != NULL)
		(void)snprintf(into, sizeof(into), "%lld", (long long)
		    json_integer_value(json_object_get(r->json, "into")));
	json_object_set_new(r->ctx, "moved", json_integer(db_int(r, 0, 0)));
	json_object_set_new(r->ctx, "into", json_string(into));
	db_query(r, &q_merged_count, 1, into);
	return (STEP_NEXT);
}

static int
merge_answer(struct http_request *req, struct dreq *r)
{
	char	url[64];

	if (!r->is_api) {
		(void)snprintf(url, sizeof(url), "/ideas/%s",
		    json_string_value(json_object_get(r->ctx, "into")));
		return (out_redirect(req, r, url));
	}
	return (out_json(req, r, 200, json_pack("{s:I, s:s, s:O, s:i, s:i}",
	    "id", (json_int_t)in_path_id(req, 3),
	    "status", "duplicate",
	    "votes_moved", json_object_get(r->ctx, "moved"),
	    "into_vote_count", (int)db_int(r, 0, 0),
	    "into_organization_count", (int)db_int(r, 0, 1))));
}

/* After a merge, on to merge_answer: the page's list has the idea page's
 * steps (for a refused form) in between. */
static int
merge_done_jump(struct http_request *req, struct dreq *r)
{
	int	rc;

	rc = merge_done(req, r);
	if (rc != STEP_NEXT)
		return (rc);
	return (step_goto(r, r->is_api ? 2 : 4));
}

int
page_idea_merge(struct http_request *req)
{
	static const step_fn steps[] = {
		merge_run, merge_done_jump, idea_step_query, idea_step_render,
		merge_answer
	};

	return (drive_run(req, ROLE_PM, steps, 5));
}


int
api_idea_merge(struct http_request *req)
{
	static const step_fn steps[] = {
		merge_run, merge_done_jump, merge_answer
	};

	return (drive_run(req, ROLE_PM, steps, 3));
}

/* ---- voters ---- */

static int
voters_query(struct http_request *req, struct dreq *r)
{
	char	id[32], uid[32];

	ids(req, r, r->is_api ? 3 : 1, id, uid);
	db_query(r, &q_voters, 1, id);
	return (STEP_NEXT);
}

static int
voters_render(struct http_request *req, struct dreq *r)
{
	json_t		*list, *v;
	char		 url[64];
	int		 i, n;

	if ((n = db_rows(r)) == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	list = json_array();
	for (i = 0; i < n; i++) {
		if (db_get(r, i, 1) == NULL)
			continue;	/* no votes: the idea row alone */
		v = json_pack("{s:s, s:b}", "name", db_get(r, i, 1), "bank",
		    db_bool(r, i, 3));
		if (db_get(r, i, 2) != NULL)
			json_object_set_new(v, "organization",
			    json_string(db_get(r, i, 2)));
		else if (r->is_api)
			json_object_set_new(v, "organization", json_null());
		if (r->is_api) {
			char *iso = out_iso8601(db_int(r, i, 4));
			json_object_set_new(v, "voted_at", json_string(iso));
			kore_free(iso);
		} else {
			char *iso = out_iso8601(db_int(r, i, 4));
			char *ago = out_relative(r, db_int(r, i, 4));
			json_object_set_new(v, "voted_at", json_string(iso));
			json_object_set_new(v, "voted_ago", json_string(ago));
			kore_free(iso);
			kore_free(ago);
		}
		json_array_append_new(list, v);
	}
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:o}", "voters",
		    list)));
	(void)snprintf(url, sizeof(url), "/ideas/%lld",
	    (long long)in_path_id(req, 1));
	json_object_set_new(r->ctx, "idea", json_pack("{s:I, s:s, s:s}", "id",
	    (json_int_t)in_path_id(req, 1), "url", url, "title",
	    db_get(r, 0, 0)));
	json_object_set_new(r->ctx, "voter_count",
	    json_integer(json_array_size(list)));
	json_object_set_new(r->ctx, "organization_count",
	    json_integer(db_int(r, 0, 5)));
	json_object_set_new(r->ctx, "voters", list);
	return (render_page(req, r, 200, "voters", "title.voters", "ideas"));
}

int
page_idea_voters(struct http_request *req)
{
	static const step_fn steps[] = { voters_query, voters_render };

	return (drive_run(req, ROLE_PM, steps, 2));
}

int
api_idea_voters(struct http_request *req)
{
	static const step_fn steps[] = { voters_query, voters_render };

	return (drive_run(req, ROLE_PM, steps, 2));
}

/* ---- hiding a comment ---- */

static int
hide_run(struct http_request *req, struct dreq *r)
{
	char	id[32], uid[32];

	ids(req, r, r->is_api ? 3 : 1, id, uid);
	db_query(r, &q_comment_hide, 3, id, uid, r->address);
	return (STEP_NEXT);
}

static int
hide_done(struct http_request *req, struct dreq *r)
{
	char	url[96];

	if (r->db_error != DB_OK || db_rows(r) != 1)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:I, s:b}", "id",
		    (json_int_t)in_path_id(req, 3), "hidden", 1)));
	(void)snprintf(url, sizeof(url), "/ideas/%s#comment-%lld",
	    db_get(r, 0, 0), (long long)in_path_id(req, 1));
	return (out_redirect(req, r, url));
}

int
page_comment_hide(struct http_request *req)
{
	static const step_fn steps[] = { hide_run, hide_done };

	return (drive_run(req, ROLE_PM, steps, 2));
}

int
api_comment_hide(struct http_request *req)
{
	static const step_fn steps[] = { hide_run, hide_done };

	return (drive_run(req, ROLE_PM, steps, 2));
}
