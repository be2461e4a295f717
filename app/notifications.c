/*
 * Notifications in the portal: written by the database in the same
 * transaction as what they tell of (a comment on one's idea, later a
 * status change); listed newest first.
 */

#include "drive.h"

static const struct db_query q_notifications = {
	"notifications",
	"SELECT n.id, n.kind, i.id, i.title, u.display_name,"
	" u.role <> 'client', extract(epoch FROM n.created_at)::bigint,"
	" n.read_at IS NOT NULL, i.status, i.duplicate_of, o.title"
	" FROM notifications n LEFT JOIN ideas i ON i.id = n.idea_id"
	" LEFT JOIN ideas o ON o.id = i.duplicate_of AND n.kind = 'merged'"
	" LEFT JOIN users u ON u.id = n.actor_id"
	" WHERE n.user_id = $1::bigint ORDER BY n.id DESC LIMIT 100"
};

static int
list_query(struct http_request *req, struct dreq *r)
{
	char	uid[32];

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, &q_notifications, 1, uid);
	return (STEP_NEXT);
}

static int
list_render(struct http_request *req, struct dreq *r)
{
	json_t	*list, *n;
	char	*iso;
	int	 i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		iso = out_iso8601(db_int(r, i, 6));
		n = json_pack("{s:I, s:s, s:s, s:b}", "id",
		    (json_int_t)db_int(r, i, 0), "kind", db_get(r, i, 1),
		    "created_at", iso, "read", db_bool(r, i, 7));
		kore_free(iso);
		if (db_get(r, i, 2) != NULL)
			json_object_set_new(n, "idea", json_pack("{s:I, s:s}",
			    "id", (json_int_t)db_int(r, i, 2), "title",
			    db_get(r, i, 3)));
		/* A merge says where the idea went. */
		if (db_get(r, i, 10) != NULL)
			json_object_set_new(n, "into", json_pack("{s:I, s:s}",
			    "id", (json_int_t)db_int(r, i, 9), "title",
			    db_get(r, i, 10)));
		if (db_get(r, i, 4) != NULL)
			json_object_set_new(n, "actor", author_json(
			    db_get(r, i, 4), db_bool(r, i, 5)));
		json_array_append_new(list, n);
	}
	return (out_json(req, r, 200, json_pack("{s:o}", "notifications",
	    list)));
}

int
api_notifications(struct http_request *req)
{
	static const step_fn steps[] = { list_query, list_render };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

static const struct db_query q_notifications_read = {
	"notifications_read",
	"UPDATE notifications SET read_at = now()"
	" WHERE user_id = $1::bigint AND read_at IS NULL"
};

/* The page: each notification as a sentence with its link. */
static int
page_render(struct http_request *req, struct dreq *r)
{
	json_t		*list, *n, *vars;
	const char	*kind;
	char		 key[48], url[64], *label;
	int		 i, unread = 0;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		kind = db_get(r, i, 1);
		(void)snprintf(key, sizeof(key), "status.%s",
		    db_get(r, i, 8) != NULL ? db_get(r, i, 8) : "new");
		label = out_msg(r, key, NULL);
		vars = json_pack("{s:s, s:s, s:s, s:s}",
		    "title", db_get(r, i, 3) != NULL ? db_get(r, i, 3) : "",
		    "actor", db_get(r, i, 4) != NULL ? db_get(r, i, 4) : "",
		    "status", label,
		    "into", db_get(r, i, 10) != NULL ? db_get(r, i, 10) : "");
		kore_free(label);
		(void)snprintf(key, sizeof(key), "notif.%s", kind);
		n = json_pack("{s:I, s:b}", "id", (json_int_t)db_int(r, i, 0),
		    "unread", !db_bool(r, i, 7));
		ctx_set_msg(r, n, "text", key, vars);
		json_decref(vars);
		(void)snprintf(url, sizeof(url), "/ideas/%s",
		    db_get(r, i, 10) != NULL ?
		    db_get(r, i, 9) : (db_get(r, i, 2) != NULL ?
		    db_get(r, i, 2) : ""));
		json_object_set_new(n, "url", json_string(url));
		{
			char *iso = out_iso8601(db_int(r, i, 6));
			char *ago = out_relative(r, db_int(r, i, 6));
			json_object_set_new(n, "created_at", json_string(iso));
			json_object_set_new(n, "created_ago", json_string(ago));
			kore_free(iso);
			kore_free(ago);
		}
		if (!db_bool(r, i, 7))
			unread = 1;
		json_array_append_new(list, n);
	}
	json_object_set_new(r->ctx, "notifications", list);
	json_object_set_new(r->ctx, "has_unread", json_boolean(unread));
	if (req->query_string != NULL && strstr(req->query_string, "read=1"))
		ctx_set_msg(r, r->ctx, "notice", "notice.all_read", NULL);
	return (render_page(req, r, 200, "notifications",
	    "title.notifications", "notifications"));
}

int
page_notifications(struct http_request *req)
{
	static const step_fn steps[] = { list_query, page_render };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

static int
read_run(struct http_request *req, struct dreq *r)
{
	char	uid[32];

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, &q_notifications_read, 1, uid);
	return (STEP_NEXT);
}

static int
read_done(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/notifications?read=1"));
}

int
page_notifications_read(struct http_request *req)
{
	static const step_fn steps[] = { read_run, read_done };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}
