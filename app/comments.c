/*
 * Comments: Markdown, 1-5,000 characters; the idea's author is told (a
 * notification row, written by comment_create() in the same
 * transaction).  Authors may edit or delete their own for 15 minutes.
 */

#include "drive.h"

static const struct db_query q_comment_create = {
	"comment_create",
	"SELECT comment_create($1::bigint, $2::bigint, $3),"
	" extract(epoch FROM now())::bigint"
};

static const struct db_query q_comment_change = {
	"comment_change",
	"SELECT comment_change($1::bigint, $2::bigint, $3)"
};

static const struct db_query q_comment_one = {
	"comment_one",
	"SELECT c.body, i.id, i.title, c.author_id = $2::bigint,"
	" c.created_at > now() - interval '15 minutes' AND c.hidden_at IS NULL"
	" FROM comments c JOIN ideas i ON i.id = c.idea_id"
	" WHERE c.id = $1::bigint"
};

/* 1-5,000 characters of acceptable text, or the field's refusal key. */
static const char *
comment_check(struct dreq *r, const char **body)
{
	size_t	n;
	int	rc;

	if ((rc = in_field(r, "body", body)) == -1)
		return ("err.text_invalid");
	n = rc == 1 ? utf8_count(*body, strlen(*body)) : 0;
	if (n < 1 || n > 5000 || strspn(*body, " \n\t") == strlen(*body))
		return ("err.comment_length");
	return (NULL);
}

static int
create_run(struct http_request *req, struct dreq *r)
{
	const char	*body, *key;
	char		 id[32], uid[32];
	int64_t		 idea;

	idea = in_path_id(req, r->is_api ? 3 : 1);
	if ((key = comment_check(r, &body)) != NULL) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "body", key));
		/* Show the idea page again, with the error and the text. */
		ctx_set_error(r, "comment", key);
		ctx_set_value(r, "comment", in_text(r, "body"));
		return (step_goto(r, 2));
	}
	(void)snprintf(id, sizeof(id), "%lld", (long long)idea);
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, &q_comment_create, 3, id, uid, body);
	return (STEP_NEXT);
}

static int
create_done(struct http_request *req, struct dreq *r)
{
	json_t	*c;
	char	*html, *iso, url[96];

	if (strcmp(r->sqlstate, "DR404") == 0 || db_rows(r) != 1)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	if (!r->is_api) {
		(void)snprintf(url, sizeof(url), "/ideas/%lld#comment-%s",
		    (long long)in_path_id(req, 1), db_get(r, 0, 0));
		return (out_redirect(req, r, url));
	}
	/* The comment as stored: the text sent, by the one who asks. */
	html = md_html(in_text(r, "body"));
	iso = out_iso8601(db_int(r, 0, 1));
	c = json_pack("{s:I, s:s, s:s, s:o, s:s}", "id",
	    (json_int_t)db_int(r, 0, 0), "body", in_text(r, "body"),
	    "body_html", html, "author", author_json(r->sess.name,
	    r->sess.role >= ROLE_PM), "created_at", iso);
	kore_free(html);
	kore_free(iso);
	return (out_json(req, r, 201, c));
}

/* After a refused comment, steps 2-3 show the idea page again. */
static const step_fn create_steps[] = {
	create_run, create_done, idea_step_query, idea_step_render
};

int
page_idea_comment(struct http_request *req)
{
	return (drive_run(req, ROLE_CLIENT, create_steps, 4));
}

int
api_idea_comments(struct http_request *req)
{
	return (drive_run(req, ROLE_CLIENT, create_steps, 2));
}

/* ---- edit and delete one's own ---- */

static int
change_refused(struct http_request *req, struct dreq *r)
{
	if (strcmp(r->sqlstate, "DR404") == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (strcmp(r->sqlstate, "DR403") == 0)
		return (out_error(req, r, 403, "forbidden", NULL,
		    "err.not_author"));
	return (out_error(req, r, 409, "too_late", NULL,
	    "err.comment_too_late"));
}

static int
change_run(struct http_request *req, struct dreq *r)
{
	const char	*body = NULL, *key;
	char		 id[32], uid[32];
	int		 delete;

	delete = r->is_api ? req->method == HTTP_METHOD_DELETE :
	    strstr(req->path, "/delete") != NULL;
	if (!delete && (key = comment_check(r, &body)) != NULL) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "body", key));
		ctx_set_error(r, "body", key);
		ctx_set_value(r, "body", in_text(r, "body"));
		return (step_goto(r, 2));
	}
	(void)snprintf(id, sizeof(id), "%lld",
	    (long long)in_path_id(req, r->is_api ? 3 : 1));
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, &q_comment_change, 3, id, uid, delete ? NULL : body);
	return (STEP_NEXT);
}

static int
change_done(struct http_request *req, struct dreq *r)
{
	char	url[96];

	if (r->db_error != DB_OK || db_rows(r) != 1)
		return (change_refused(req, r));
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:I, s:b}", "id",
		    (json_int_t)in_path_id(req, 3), "deleted",
		    req->method == HTTP_METHOD_DELETE)));
	(void)snprintf(url, sizeof(url), "/ideas/%s", db_get(r, 0, 0));
	return (out_redirect(req, r, url));
}

static int
edit_query(struct http_request *req, struct dreq *r)
{
	char	id[32], uid[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in_path_id(req, 1));
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, &q_comment_one, 2, id, uid);
	return (STEP_NEXT);
}

static int
edit_show(struct http_request *req, struct dreq *r)
{
	char	url[64];

	if (db_rows(r) != 1)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (!db_bool(r, 0, 3))
		return (out_error(req, r, 403, "forbidden", NULL,
		    "err.not_author"));
	if (!db_bool(r, 0, 4))
		return (out_error(req, r, 409, "too_late", NULL,
		    "err.comment_too_late"));
	(void)snprintf(url, sizeof(url), "/ideas/%s", db_get(r, 0, 1));
	json_object_set_new(r->ctx, "comment", json_pack("{s:I, s:s}", "id",
	    (json_int_t)in_path_id(req, 1), "body", db_get(r, 0, 0)));
	json_object_set_new(r->ctx, "idea", json_pack("{s:s, s:s}", "url", url,
	    "title", db_get(r, 0, 2)));
	if (json_object_get(r->ctx, "values") == NULL)
		ctx_set_value(r, "body", db_get(r, 0, 0));
	return (render_page(req, r, json_object_get(r->ctx, "has_errors") ?
	    422 : 200, "comment_edit", "title.comment_edit", "ideas"));
}

int
page_comment_edit(struct http_request *req)
{
	static const step_fn get[] = { edit_query, edit_show };
	static const step_fn post[] = {
		change_run, change_done, edit_query, edit_show
	};

	if (req->method == HTTP_METHOD_POST)
		return (drive_run(req, ROLE_CLIENT, post, 4));
	return (drive_run(req, ROLE_CLIENT, get, 2));
}

int
page_comment_delete(struct http_request *req)
{
	static const step_fn steps[] = { change_run, change_done };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

int
api_comment(struct http_request *req)
{
	static const step_fn steps[] = { change_run, change_done };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}
