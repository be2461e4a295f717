/*
 * Notifications in the portal: written by the database in the same
 * transaction as what they tell of (a comment on one's idea, a status
 * change, a merge); listed newest first.  Opening one
 * (/notifications/:id) marks it read and leads to what it tells of: the
 * comment on its idea's page, the idea, or for a merge the original.
 */

#include "drive.h"

static const struct db_query q_notifications = {
	"notifications",
	"SELECT n.id, n.kind, i.id AS idea_id, i.title AS idea_title,"
	" u.display_name AS actor, u.role <> 'client' AS actor_bank,"
	" floor(extract(epoch FROM n.created_at))::bigint AS created,"
	" n.read_at IS NOT NULL AS read, i.status, n.comment_id,"
	" i.duplicate_of AS into_id, o.title AS into_title"
	" FROM notifications n LEFT JOIN ideas i ON i.id = n.idea_id"
	" LEFT JOIN ideas o ON o.id = i.duplicate_of AND n.kind = 'merged'"
	" LEFT JOIN users u ON u.id = n.actor_id"
	" WHERE n.user_id = $1::bigint ORDER BY n.id DESC LIMIT 100",
};

/* Marks one read, and what it leads to (a hidden comment: its idea). */
static const struct db_query q_notification_open = {
	"notification_open",
	"UPDATE notifications n SET read_at = coalesce(n.read_at, now())"
	" FROM ideas i WHERE n.id = $2::bigint AND n.user_id = $1::bigint"
	" AND i.id = n.idea_id"
	" RETURNING CASE WHEN n.kind = 'merged' AND i.duplicate_of IS NOT NULL"
	"  THEN i.duplicate_of ELSE i.id END AS idea_id,"
	" (SELECT c.id FROM comments c WHERE c.id = n.comment_id"
	"  AND c.hidden_at IS NULL) AS comment_id",
};

static const struct db_query q_notifications_read = {
	"notifications_read",
	"UPDATE notifications SET read_at = now()"
	" WHERE user_id = $1::bigint AND read_at IS NULL",
};

static int
list_query(struct http_request *req, struct dreq *r)
{

	db_query(r, &q_notifications, 1, r->sess.uid);
	return (STEP_NEXT);
}

static int
list_json(struct http_request *req, struct dreq *r)
{
	json_t *list, *n;
	int	i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		n = json_pack("{s:I, s:s}", "id",
		    (json_int_t)row_int(r, i, "id"), "kind",
		    row_text(r, i, "kind"));
		out_time(r, n, "created_at", NULL, row_int(r, i, "created"));
		json_object_set_new(n, "read",
		    json_boolean(row_bool(r, i, "read")));
		if (!row_null(r, i, "idea_id"))
			json_object_set_new(n, "idea",
			    json_pack("{s:I, s:s}", "id",
				(json_int_t)row_int(r, i, "idea_id"), "title",
				row_text(r, i, "idea_title")));
		/* A merge says where the idea went. */
		if (!row_null(r, i, "into_title"))
			json_object_set_new(n, "into",
			    json_pack("{s:I, s:s}", "id",
				(json_int_t)row_int(r, i, "into_id"), "title",
				row_text(r, i, "into_title")));
		if (!row_null(r, i, "comment_id"))
			json_object_set_new(n, "comment",
			    json_pack("{s:I}", "id",
				(json_int_t)row_int(r, i, "comment_id")));
		if (!row_null(r, i, "actor"))
			json_object_set_new(n, "actor",
			    author_json(row_text(r, i, "actor"),
				row_bool(r, i, "actor_bank")));
		json_array_append_new(list, n);
	}
	return (out_json(req, r, 200,
	    json_pack("{s:o}", "notifications", list)));
}

/* "" for a NULL column, for a message's variables. */
static const char *
text_or_empty(struct dreq *r, int row, const char *name)
{
	const char *v;

	return ((v = row_text(r, row, name)) != NULL ? v : "");
}

/* The page: each notification as a sentence with its link. */
static int
list_render(struct http_request *req, struct dreq *r)
{
	json_t *list, *n, *vars;
	char	key[48], url[64];
	int	i, unread = 0;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		vars = json_pack("{s:s, s:s, s:s}", "title",
		    text_or_empty(r, i, "idea_title"), "actor",
		    text_or_empty(r, i, "actor"), "into",
		    text_or_empty(r, i, "into_title"));
		status_words(r, vars, "status",
		    row_null(r, i, "status") ? "new" :
					       row_text(r, i, "status"));
		(void)snprintf(key, sizeof(key), "notif.%s",
		    row_text(r, i, "kind"));
		n = json_pack("{s:I, s:b}", "id",
		    (json_int_t)row_int(r, i, "id"), "unread",
		    !row_bool(r, i, "read"));
		ctx_set_msg(r, n, "text", key, vars);
		json_decref(vars);
		/* Opened, it is read and leads on (notification_go). */
		(void)snprintf(url, sizeof(url), "/notifications/%lld",
		    (long long)row_int(r, i, "id"));
		json_object_set_new(n, "url", json_string(url));
		out_time(r, n, "created_at", "created_ago",
		    row_int(r, i, "created"));
		if (!row_bool(r, i, "read"))
			unread = 1;
		json_array_append_new(list, n);
	}
	json_object_set_new(r->ctx, "notifications", list);
	json_object_set_new(r->ctx, "has_unread", json_boolean(unread));
	if (req->query_string != NULL && strstr(req->query_string, "read=1"))
		ctx_set_msg(r, r->ctx, "notice", "notice.all_read", NULL);
	return (render_page(req, r, 200, "notifications", "title.notifications",
	    "notifications"));
}

/* ---- opening one ---- */

static int
notification_open(struct http_request *req, struct dreq *r)
{
	char	id[32];
	int64_t n;

	if ((n = path_id(r, "id")) <= 0)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	(void)snprintf(id, sizeof(id), "%lld", (long long)n);
	db_query(r, &q_notification_open, 2, r->sess.uid, id);
	return (STEP_NEXT);
}

/* To the idea, at the comment when there is one to see. */
static int
notification_go(struct http_request *req, struct dreq *r)
{
	char url[96];

	/* Another person's, or one whose idea is gone: not found. */
	if (db_rows(r) != 1)
		return (step_refuse(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (row_null(r, 0, "comment_id"))
		(void)snprintf(url, sizeof(url), "/ideas/%lld",
		    (long long)row_int(r, 0, "idea_id"));
	else
		(void)snprintf(url, sizeof(url), "/ideas/%lld#comment-%lld",
		    (long long)row_int(r, 0, "idea_id"),
		    (long long)row_int(r, 0, "comment_id"));
	return (out_redirect(req, r, url));
}

/* ---- mark all read ---- */

static int
read_query(struct http_request *req, struct dreq *r)
{

	db_query(r, &q_notifications_read, 1, r->sess.uid);
	return (STEP_NEXT);
}

static int
read_redirect(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/notifications?read=1"));
}

static const step_fn list_page_steps[] = { list_query, list_render, NULL };
static const step_fn list_api_steps[] = { list_query, list_json, NULL };
static const step_fn read_steps[] = { read_query, read_redirect, NULL };
static const step_fn open_steps[] = { notification_open, notification_go,
	NULL };

const struct handler notifications_page = {
	.role = ROLE_CLIENT,
	.steps = list_page_steps,
};

const struct handler notifications_api = {
	.role = ROLE_CLIENT,
	.steps = list_api_steps,
};

const struct handler notifications_read_page = {
	.role = ROLE_CLIENT,
	.steps = read_steps,
};

const struct handler notification_open_page = {
	.role = ROLE_CLIENT,
	.steps = open_steps,
};
