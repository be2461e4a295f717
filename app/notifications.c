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
	" n.read_at IS NOT NULL"
	" FROM notifications n LEFT JOIN ideas i ON i.id = n.idea_id"
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

	if (req->method != HTTP_METHOD_GET)
		return (page_not_found(req));
	return (drive_run(req, ROLE_CLIENT, steps, 2));
}
