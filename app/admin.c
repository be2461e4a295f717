/*
 * The admin console: people (role, deactivation, erasure), organisations,
 * product areas, the audit log, and issuing an invitation anew.  Every
 * change is one SQL function that also writes its audit entry.
 */

#include "drive.h"

static const struct db_query q_users = {
	"admin_users",
	"SELECT u.id, u.display_name, u.email, u.role, o.name, u.active,"
	" extract(epoch FROM u.last_sign_in_at)::bigint"
	" FROM users u LEFT JOIN organizations o ON o.id = u.organization_id"
	" WHERE $1 = '' OR strpos(lower(u.display_name), lower($1)) > 0"
	" OR strpos(lower(u.email), lower($1)) > 0"
	" ORDER BY u.created_at DESC, u.id DESC LIMIT 500"
};

static const struct db_query q_user_set = {
	"user_set",
	"SELECT user_set($1::bigint, $2::bigint, $3, $4::boolean,"
	" nullif($5, '')::inet)"
};

static const struct db_query q_user_erase = {
	"user_erase",
	"SELECT user_erase($1::bigint, $2::bigint, nullif($3, '')::inet)"
};

static const struct db_query q_orgs = {
	"admin_organizations",
	"SELECT o.id, o.name, count(u.id), count(u.id) FILTER (WHERE u.active)"
	" FROM organizations o LEFT JOIN users u ON u.organization_id = o.id"
	" GROUP BY o.id ORDER BY lower(o.name)"
};

static const struct db_query q_org = {
	"admin_organization",
	"SELECT o.name, u.display_name, u.email, u.role, u.active,"
	" extract(epoch FROM u.last_sign_in_at)::bigint"
	" FROM organizations o LEFT JOIN users u ON u.organization_id = o.id"
	" WHERE o.id = $1::bigint ORDER BY lower(u.display_name)"
};

static const struct db_query q_org_rename = {
	"organization_rename",
	"SELECT organization_rename($1::bigint, $2, $3::bigint,"
	" nullif($4, '')::inet)"
};

static const struct db_query q_areas_admin = {
	"admin_areas",
	"SELECT a.id, a.slug, a.name_en, a.name_de, a.retired_at IS NOT NULL,"
	" (SELECT count(*) FROM ideas i WHERE i.area_id = a.id)"
	" FROM areas a ORDER BY a.position, a.id"
};

static const struct db_query q_area_change = {
	"area_change",
	"SELECT area_change(nullif($1, '')::integer, $2, $3, $4, $5,"
	" $6::bigint, nullif($7, '')::inet)"
};

static const struct db_query q_audit = {
	"audit",
	"SELECT a.id, extract(epoch FROM a.at)::bigint, u.display_name,"
	" a.action, a.target, host(a.address), a.details::text"
	" FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id"
	" WHERE ($1 = '' OR strpos(lower(u.display_name), lower($1)) > 0)"
	" AND ($2 = '' OR starts_with(a.action, $2))"
	" AND (nullif($3, '') IS NULL OR a.at >= nullif($3, '')::date)"
	" AND (nullif($4, '') IS NULL OR a.at < nullif($4, '')::date + 1)"
	" AND ($5::bigint IS NULL OR a.id < $5::bigint)"
	" ORDER BY a.id DESC LIMIT $6::integer"
};

static const struct db_query q_invitation_reissue = {
	"invitation_reissue",
	"SELECT id, extract(epoch FROM expires_at)::bigint"
	" FROM invitation_reissue($1::bigint, decode($2, 'hex'), $3::bigint,"
	" nullif($4, '')::inet)"
};

static void
uid_str(struct dreq *r, char *buf)
{
	(void)snprintf(buf, 32, "%lld", (long long)r->sess.user_id);
}

static void
admin_path_id(struct http_request *req, struct dreq *r, int page_idx, char *buf)
{
	(void)snprintf(buf, 32, "%lld", (long long)in_path_id(req,
	    r->is_api ? page_idx + 1 : page_idx));
}

/*
 * A query value, "" when absent, NULL when not acceptable (a NUL or
 * another control character, invalid UTF-8, 200 bytes or more): the
 * caller refuses it rather than search for something else.
 */
static const char *
qs_value(struct http_request *req, struct form *qs, const char *name)
{
	const struct form_field	*f;

	if (qs->n == 0 && req->query_string != NULL)
		(void)form_decode(req->query_string, strlen(req->query_string),
		    qs);
	if ((f = form_get(qs, name)) == NULL)
		return ("");
	return (line_acceptable(f->value, f->len) && f->len < 200 ?
	    f->value : NULL);
}

static void
qs_free(void *p)
{
	form_free(p);
	kore_free(p);
}

static struct form *
qs_get(struct http_request *req, struct dreq *r)
{
	if (r->data == NULL) {
		r->data = kore_calloc(1, sizeof(struct form));
		r->data_free = qs_free;
	}
	return (r->data);
}

static void
notice_if(struct http_request *req, struct dreq *r, const char *flag,
    const char *key)
{
	if (req->query_string != NULL && strstr(req->query_string, flag))
		ctx_set_msg(r, r->ctx, "notice", key, NULL);
}

static void
admin_nav(struct dreq *r, const char *which)
{
	json_object_set_new(r->ctx, "admin_nav", json_pack("{s:b}", which, 1));
}

static void
put_time(struct dreq *r, json_t *o, const char *iso, const char *ago,
    const char *v)
{
	char	*s;

	if (v == NULL)
		return;
	s = out_iso8601(strtoll(v, NULL, 10));
	json_object_set_new(o, iso, json_string(s));
	kore_free(s);
	if (ago != NULL && !r->is_api) {
		s = out_relative(r, strtoll(v, NULL, 10));
		json_object_set_new(o, ago, json_string(s));
		kore_free(s);
	}
}

static const char *
role_label_key(const char *role)
{
	switch (role_parse(role)) {
	case ROLE_CLIENT:
		return ("role.client");
	case ROLE_PM:
		return ("role.pm");
	default:
		return ("role.admin");
	}
}

/* ---- people ---- */

static int
users_query(struct http_request *req, struct dreq *r)
{
	const char	*q;

	if ((q = qs_value(req, qs_get(req, r), "q")) == NULL)
		return (out_error(req, r, 400, "invalid", "q",
		    "err.text_invalid"));
	json_object_set_new(r->ctx, "filters", json_pack("{s:s}", "q", q));
	db_query(r, &q_users, 1, q);
	return (STEP_NEXT);
}

static int
users_render(struct http_request *req, struct dreq *r)
{
	static const char	*staff[] = { "pm", "admin" };
	json_t			*list, *u, *roles, *o;
	const char		*role;
	int			 i, k;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		role = db_get(r, i, 3);
		u = json_pack("{s:I, s:s, s:s, s:s, s:b}",
		    "id", (json_int_t)db_int(r, i, 0),
		    "name", db_get(r, i, 1), "email", db_get(r, i, 2),
		    "role", role, "active", db_bool(r, i, 5));
		if (db_get(r, i, 4) != NULL)
			json_object_set_new(u, "organization",
			    json_string(db_get(r, i, 4)));
		else if (r->is_api)
			json_object_set_new(u, "organization", json_null());
		put_time(r, u, "last_sign_in_at", "last_sign_in_ago",
		    db_get(r, i, 6));
		if (!r->is_api) {
			ctx_set_msg(r, u, "role_label", role_label_key(role),
			    NULL);
			json_object_set_new(u, "is_self", json_boolean(
			    db_int(r, i, 0) == r->sess.user_id));
			roles = json_array();
			for (k = 0; k < 2; k++) {
				o = json_pack("{s:s, s:b}", "value", staff[k],
				    "selected", strcmp(staff[k], role) == 0);
				ctx_set_msg(r, o, "label",
				    role_label_key(staff[k]), NULL);
				json_array_append_new(roles, o);
			}
			json_object_set_new(u, "roles", roles);
		}
		json_array_append_new(list, u);
	}
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:o}", "users",
		    list)));
	json_object_set_new(r->ctx, "users", list);
	admin_nav(r, "users");
	notice_if(req, r, "saved=1", "notice.user_saved");
	notice_if(req, r, "erased=1", "notice.user_erased");
	return (render_page(req, r, 200, "admin_users", "title.admin_users",
	    "admin"));
}

int
page_admin_users(struct http_request *req)
{
	static const step_fn steps[] = { users_query, users_render };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}

/* Role and active, from a page form (/role, /active) or a PATCH. */
static int
user_change(struct http_request *req, struct dreq *r)
{
	const char	*role = NULL, *active = NULL;
	json_t		*v;
	char		 id[32], uid[32];

	if (r->is_api) {
		if (in_field(r, "role", &role) == -1)
			return (out_error(req, r, 422, "invalid", "role",
			    "err.role_invalid"));
		v = json_object_get(r->json, "active");
		if (v != NULL && !json_is_boolean(v))
			return (out_error(req, r, 422, "invalid", "active",
			    "err.bad_request"));
		if (v != NULL)
			active = json_is_true(v) ? "true" : "false";
	} else if (strstr(req->path, "/role") != NULL) {
		role = in_text(r, "role");
		if (role == NULL)
			return (out_error(req, r, 422, "invalid", "role",
			    "err.role_invalid"));
	} else {
		active = in_text(r, "active");
		if (active == NULL || (strcmp(active, "0") &&
		    strcmp(active, "1")))
			return (out_error(req, r, 422, "invalid", "active",
			    "err.bad_request"));
		active = strcmp(active, "1") == 0 ? "true" : "false";
	}
	if (role != NULL && role_parse(role) == ROLE_ANON)
		return (out_error(req, r, 422, "invalid", "role",
		    "err.role_invalid"));
	admin_path_id(req, r, 2, id);
	uid_str(r, uid);
	db_query(r, &q_user_set, 5, id, uid, role, active, r->address);
	return (STEP_NEXT);
}

static int
user_refused(struct http_request *req, struct dreq *r)
{
	if (strcmp(r->sqlstate, "DR404") == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (strcmp(r->sqlstate, "DR409") == 0)
		return (out_error(req, r, 409, "self", NULL,
		    "err.self_change"));
	return (out_error(req, r, 422, "invalid", "role", "err.role_change"));
}

static int
user_changed(struct http_request *req, struct dreq *r)
{
	if (r->db_error != DB_OK)
		return (user_refused(req, r));
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:I, s:b}", "id",
		    (json_int_t)in_path_id(req, 3), "saved", 1)));
	return (out_redirect(req, r, "/admin/users?saved=1"));
}

static int
user_erase_run(struct http_request *req, struct dreq *r)
{
	char	id[32], uid[32];

	admin_path_id(req, r, 2, id);
	uid_str(r, uid);
	db_query(r, &q_user_erase, 3, id, uid, r->address);
	return (STEP_NEXT);
}

static int
user_erased(struct http_request *req, struct dreq *r)
{
	if (r->db_error != DB_OK)
		return (user_refused(req, r));
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:I, s:s}", "id",
		    (json_int_t)in_path_id(req, 3), "name", "Former member")));
	return (out_redirect(req, r, "/admin/users?erased=1"));
}

int
page_admin_user_change(struct http_request *req)
{
	static const step_fn change[] = { user_change, user_changed };
	static const step_fn erase[] = { user_erase_run, user_erased };

	if (strstr(req->path, "/erase") != NULL)
		return (drive_run(req, ROLE_ADMIN, erase, 2));
	return (drive_run(req, ROLE_ADMIN, change, 2));
}

int
api_users(struct http_request *req)
{
	static const step_fn steps[] = { users_query, users_render };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}

int
api_user(struct http_request *req)
{
	static const step_fn change[] = { user_change, user_changed };
	static const step_fn erase[] = { user_erase_run, user_erased };

	if (strstr(req->path, "/erase") != NULL)
		return (drive_run(req, ROLE_ADMIN, erase, 2));
	return (drive_run(req, ROLE_ADMIN, change, 2));
}

/* ---- organisations ---- */

static int
orgs_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_orgs, 0);
	return (STEP_NEXT);
}

static int
orgs_render(struct http_request *req, struct dreq *r)
{
	json_t	*list, *o;
	char	 url[64];
	int	 i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		o = json_pack("{s:I, s:s, s:I, s:I}", "id",
		    (json_int_t)db_int(r, i, 0), "name", db_get(r, i, 1),
		    "members", (json_int_t)db_int(r, i, 2), "active_members",
		    (json_int_t)db_int(r, i, 3));
		if (!r->is_api) {
			(void)snprintf(url, sizeof(url),
			    "/admin/organizations/%s", db_get(r, i, 0));
			json_object_set_new(o, "url", json_string(url));
		}
		json_array_append_new(list, o);
	}
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:o}",
		    "organizations", list)));
	json_object_set_new(r->ctx, "organizations", list);
	admin_nav(r, "organizations");
	return (render_page(req, r, 200, "admin_organizations",
	    "title.admin_organizations", "admin"));
}

int
page_admin_organizations(struct http_request *req)
{
	static const step_fn steps[] = { orgs_query, orgs_render };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}

static int
org_rename(struct http_request *req, struct dreq *r)
{
	const char	*name;
	char		 id[32], uid[32];
	size_t		 n;
	int		 rc;

	if (in_reading(req))
		return (step_goto(r, 2));
	rc = in_field(r, "name", &name);
	if (!r->is_api)
		ctx_set_value(r, "name", name);
	n = rc == 1 ? utf8_count(name, strlen(name)) : 0;
	if (rc != 1 || n < 2 || n > 120 || !line_acceptable(name,
	    strlen(name))) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "name",
			    "err.org_length"));
		ctx_set_error(r, "name", "err.org_length");
		return (step_goto(r, 2));
	}
	admin_path_id(req, r, 2, id);
	uid_str(r, uid);
	db_query(r, &q_org_rename, 4, id, name, uid, r->address);
	return (STEP_NEXT);
}

static int
org_renamed(struct http_request *req, struct dreq *r)
{
	char	url[64];

	if (strcmp(r->sqlstate, "DR404") == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (strcmp(r->sqlstate, "23505") == 0) {
		if (r->is_api)
			return (out_error(req, r, 409, "taken", "name",
			    "err.org_taken"));
		ctx_set_error(r, "name", "err.org_taken");
		return (STEP_NEXT);
	}
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:I, s:s}", "id",
		    (json_int_t)in_path_id(req, 3), "name",
		    in_text(r, "name"))));
	(void)snprintf(url, sizeof(url), "/admin/organizations/%lld?saved=1",
	    (long long)in_path_id(req, 2));
	return (out_redirect(req, r, url));
}

static int
org_query(struct http_request *req, struct dreq *r)
{
	char	id[32];

	admin_path_id(req, r, 2, id);
	db_query(r, &q_org, 1, id);
	return (STEP_NEXT);
}

static int
org_render(struct http_request *req, struct dreq *r)
{
	json_t	*list, *m;
	int	 i;

	if (db_rows(r) == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		if (db_get(r, i, 1) == NULL)
			continue;
		m = json_pack("{s:s, s:s, s:b}", "name", db_get(r, i, 1),
		    "email", db_get(r, i, 2), "active", db_bool(r, i, 4));
		ctx_set_msg(r, m, "role_label", role_label_key(db_get(r, i, 3)),
		    NULL);
		put_time(r, m, "last_sign_in_at", "last_sign_in_ago",
		    db_get(r, i, 5));
		json_array_append_new(list, m);
	}
	json_object_set_new(r->ctx, "organization", json_pack("{s:I, s:s}",
	    "id", (json_int_t)in_path_id(req, 2), "name", db_get(r, 0, 0)));
	if (json_object_get(r->ctx, "values") == NULL)
		ctx_set_value(r, "name", db_get(r, 0, 0));
	json_object_set_new(r->ctx, "members", list);
	admin_nav(r, "organizations");
	notice_if(req, r, "saved=1", "notice.org_saved");
	return (render_page(req, r, json_object_get(r->ctx, "has_errors") ?
	    422 : 200, "admin_organization", "title.admin_organization",
	    "admin"));
}

int
page_admin_organization(struct http_request *req)
{
	static const step_fn steps[] = {
		org_rename, org_renamed, org_query, org_render
	};

	return (drive_run(req, ROLE_ADMIN, steps, 4));
}

int
api_organizations(struct http_request *req)
{
	static const step_fn steps[] = { orgs_query, orgs_render };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}

int
api_organization(struct http_request *req)
{
	static const step_fn steps[] = { org_rename, org_renamed };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}

/* ---- product areas ---- */

static int
slug_valid(const char *s)
{
	size_t	n = strlen(s);

	return (n >= 2 && n <= 40 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n);
}

static int
name_valid(const char *s)
{
	size_t	n;

	if (s == NULL)
		return (0);
	n = utf8_count(s, strlen(s));
	return (n >= 1 && n <= 60 && line_acceptable(s, strlen(s)));
}

static int
area_refuse(struct http_request *req, struct dreq *r, const char *field,
    const char *key)
{
	char	*msg;

	if (r->is_api)
		return (out_error(req, r, 422, "invalid", field, key));
	if (in_path_id(req, 2) == 0) {
		ctx_set_error(r, field, key);
		return (step_goto(r, 2));
	}
	/* A rename: the error belongs to that area's own form. */
	msg = out_msg(r, key, NULL);
	json_object_set_new(r->ctx, "rename_failed", json_pack("{s:I, s:s, "
	    "s:s, s:s}", "id", (json_int_t)in_path_id(req, 2), "field", field,
	    "message", msg, "name_en", in_text(r, "name_en") ?
	    in_text(r, "name_en") : "", "name_de", in_text(r, "name_de") ?
	    in_text(r, "name_de") : ""));
	json_object_set_new(r->ctx, "has_errors", json_true());
	kore_free(msg);
	return (step_goto(r, 2));
}

static int
area_run(struct http_request *req, struct dreq *r)
{
	const char	*action, *slug = NULL, *en, *de;
	char		 id[32], uid[32];
	int64_t		 area;

	if (in_reading(req))
		return (step_goto(r, 2));
	area = in_path_id(req, r->is_api ? 3 : 2);
	en = in_text(r, "name_en");
	de = in_text(r, "name_de");
	if (area == 0) {
		action = "create";
		slug = in_text(r, "slug");
		if (!r->is_api) {
			ctx_set_value(r, "slug", slug);
			ctx_set_value(r, "name_en", en);
			ctx_set_value(r, "name_de", de);
		}
		if (slug == NULL || !slug_valid(slug))
			return (area_refuse(req, r, "slug", "err.area_slug"));
	} else if (req->method == HTTP_METHOD_DELETE) {
		action = "delete";
	} else {
		action = in_text(r, "action");
		if (action == NULL || (strcmp(action, "rename") &&
		    strcmp(action, "retire") && strcmp(action, "restore") &&
		    strcmp(action, "delete")))
			return (out_error(req, r, 422, "invalid", "action",
			    "err.bad_request"));
	}
	if (strcmp(action, "create") == 0 || strcmp(action, "rename") == 0) {
		if (!name_valid(en))
			return (area_refuse(req, r, "name_en",
			    "err.area_name"));
		if (!name_valid(de))
			return (area_refuse(req, r, "name_de",
			    "err.area_name"));
	}
	(void)snprintf(id, sizeof(id), "%lld", (long long)area);
	uid_str(r, uid);
	db_query(r, &q_area_change, 7, area != 0 ? id : "", action, slug, en,
	    de, uid, r->address);
	return (STEP_NEXT);
}

static int
area_done(struct http_request *req, struct dreq *r)
{
	if (strcmp(r->sqlstate, "DR404") == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (strcmp(r->sqlstate, "DR409") == 0)
		return (out_error(req, r, 409, "in_use", NULL,
		    "err.area_in_use"));
	if (strcmp(r->sqlstate, "23505") == 0) {
		if (r->is_api)
			return (out_error(req, r, 409, "taken", "slug",
			    "err.area_taken"));
		ctx_set_error(r, "slug", "err.area_taken");
		return (STEP_NEXT);
	}
	if (r->is_api)
		return (out_json(req, r, in_path_id(req, 3) == 0 ? 201 : 200,
		    json_pack("{s:I}", "id", (json_int_t)db_int(r, 0, 0))));
	return (out_redirect(req, r, "/admin/areas?saved=1"));
}

static int
areas_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_areas_admin, 0);
	return (STEP_NEXT);
}

static int
areas_render(struct http_request *req, struct dreq *r)
{
	json_t	*list, *a, *failed;
	int	 i;

	failed = json_object_get(r->ctx, "rename_failed");
	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		a = json_pack("{s:I, s:s, s:s, s:s, s:b, s:I, s:b}",
		    "id", (json_int_t)db_int(r, i, 0),
		    "slug", db_get(r, i, 1), "name_en", db_get(r, i, 2),
		    "name_de", db_get(r, i, 3), "retired", db_bool(r, i, 4),
		    "ideas", (json_int_t)db_int(r, i, 5), "can_delete",
		    db_int(r, i, 5) == 0);
		if (failed != NULL && json_integer_value(json_object_get(failed,
		    "id")) == db_int(r, i, 0)) {
			json_object_set(a, "name_en", json_object_get(failed,
			    "name_en"));
			json_object_set(a, "name_de", json_object_get(failed,
			    "name_de"));
			json_object_set_new(a, "rename_errors", json_pack(
			    "{s:O}", json_string_value(json_object_get(failed,
			    "field")), json_object_get(failed, "message")));
		}
		json_array_append_new(list, a);
	}
	json_object_set_new(r->ctx, "areas", list);
	admin_nav(r, "areas");
	notice_if(req, r, "saved=1", "notice.area_saved");
	return (render_page(req, r, json_object_get(r->ctx, "has_errors") ?
	    422 : 200, "admin_areas", "title.admin_areas", "admin"));
}

int
page_admin_areas(struct http_request *req)
{
	static const step_fn steps[] = {
		area_run, area_done, areas_query, areas_render
	};

	return (drive_run(req, ROLE_ADMIN, steps, 4));
}

int
api_area(struct http_request *req)
{
	static const step_fn steps[] = { area_run, area_done };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}

/* ---- the audit log ---- */

/* YYYY-MM-DD, a real date; "" is no filter. */
static int
date_valid(const char *s)
{
	int	y, m, d;
	char	end;

	if (*s == '\0')
		return (1);
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d,
	    &end) != 3 || s[4] != '-' || s[7] != '-')
		return (0);
	return (y >= 2000 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= (m == 2 ? ((y % 4 == 0 && y % 100) || y % 400 == 0 ? 29 :
	    28) : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31));
}

static int
audit_query(struct http_request *req, struct dreq *r)
{
	struct form	*qs = qs_get(req, r);
	const char	*actor, *action, *from, *to, *before;
	const char	*limit;
	int		 csv;

	csv = strstr(req->path, ".csv") != NULL;
	actor = qs_value(req, qs, "actor");
	action = qs_value(req, qs, "action");
	from = qs_value(req, qs, "from");
	to = qs_value(req, qs, "to");
	before = qs_value(req, qs, "before");
	if (actor == NULL || action == NULL || from == NULL || to == NULL ||
	    before == NULL)
		return (out_error(req, r, 400, "invalid", actor == NULL ?
		    "actor" : action == NULL ? "action" : from == NULL ?
		    "from" : to == NULL ? "to" : "before", "err.text_invalid"));
	json_object_set_new(r->ctx, "filters", json_pack("{s:s, s:s, s:s, "
	    "s:s}", "actor", actor, "action", action, "from", from, "to", to));
	if (!date_valid(from) || !date_valid(to))
		return (out_error(req, r, 400, "invalid", !date_valid(from) ?
		    "from" : "to", "err.date_invalid"));
	/* An id: digits that fit a bigint (PostgreSQL would fail, 500). */
	if (*before != '\0' && (strspn(before, "0123456789") !=
	    strlen(before) || strlen(before) > 19 || (strlen(before) == 19 &&
	    strcmp(before, "9223372036854775807") > 0)))
		return (out_error(req, r, 400, "invalid", "before",
		    "err.cursor_invalid"));
	limit = csv ? "100000" : "101";
	db_query(r, &q_audit, 6, actor, action, from, to,
	    *before != '\0' ? before : NULL, limit);
	return (STEP_NEXT);
}

static void
audit_url(struct dbuf *b, struct dreq *r, const char *base,
    const char *before)
{
	json_t		*f = json_object_get(r->ctx, "filters");
	const char	*keys[] = { "actor", "action", "from", "to" };
	const char	*v, *p;
	size_t		 i;

	dbuf_appendstr(b, base);
	dbuf_appendstr(b, "?");
	for (i = 0; i < 4; i++) {
		v = json_string_value(json_object_get(f, keys[i]));
		dbuf_appendf(b, "%s%s=", i ? "&" : "", keys[i]);
		for (p = v; p != NULL && *p != '\0'; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '.' || *p == '_')
				dbuf_append(b, p, 1);
			else
				dbuf_appendf(b, "%%%02X", (unsigned char)*p);
		}
	}
	if (before != NULL)
		dbuf_appendf(b, "&before=%s", before);
}

static int
audit_render(struct http_request *req, struct dreq *r)
{
	json_t		*list, *e;
	struct dbuf	 b;
	char		*iso;
	int		 i, n, more;

	if (strstr(req->path, ".csv") != NULL) {
		dbuf_init(&b);
		csv_cell(&b, "id", 0);
		csv_cell(&b, "at", 0);
		csv_cell(&b, "actor", 0);
		csv_cell(&b, "action", 0);
		csv_cell(&b, "target", 0);
		csv_cell(&b, "address", 0);
		csv_cell(&b, "details", 1);
		for (i = 0; i < db_rows(r); i++) {
			csv_cell(&b, db_get(r, i, 0), 0);
			iso = out_iso8601(db_int(r, i, 1));
			csv_cell(&b, iso, 0);
			kore_free(iso);
			csv_cell(&b, db_get(r, i, 2) ? db_get(r, i, 2) : "", 0);
			csv_cell(&b, db_get(r, i, 3), 0);
			csv_cell(&b, db_get(r, i, 4) ? db_get(r, i, 4) : "", 0);
			csv_cell(&b, db_get(r, i, 5) ? db_get(r, i, 5) : "", 0);
			csv_cell(&b, db_get(r, i, 6), 1);
		}
		out_security_headers(req, 0);
		out_header(req, "content-type",
		    "text/csv; charset=utf-8");
		out_header(req, "content-disposition",
		    "attachment; filename=\"audit.csv\"");
		http_response(req, 200, b.data, b.len);
		dbuf_free(&b);
		return (STEP_DONE);
	}

	n = db_rows(r);
	more = n > 100;
	if (more)
		n = 100;
	list = json_array();
	for (i = 0; i < n; i++) {
		iso = out_iso8601(db_int(r, i, 1));
		e = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}",
		    "id", (json_int_t)db_int(r, i, 0), "at", iso,
		    "at_label", iso, "action", db_get(r, i, 3),
		    "target", db_get(r, i, 4) ? db_get(r, i, 4) : "",
		    "details", db_get(r, i, 6));
		kore_free(iso);
		if (db_get(r, i, 2) != NULL)
			json_object_set_new(e, "actor_name",
			    json_string(db_get(r, i, 2)));
		json_object_set_new(e, "address", json_string(
		    db_get(r, i, 5) ? db_get(r, i, 5) : ""));
		json_array_append_new(list, e);
	}
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:o}", "entries",
		    list)));
	json_object_set_new(r->ctx, "entries", list);
	dbuf_init(&b);
	audit_url(&b, r, "/admin/audit.csv", NULL);
	json_object_set_new(r->ctx, "csv_url", json_string(b.data));
	dbuf_free(&b);
	if (more) {
		char	before[32];

		(void)snprintf(before, sizeof(before), "%s",
		    db_get(r, n - 1, 0));
		dbuf_init(&b);
		audit_url(&b, r, "/admin/audit", before);
		json_object_set_new(r->ctx, "next_url", json_string(b.data));
		dbuf_free(&b);
	}
	admin_nav(r, "audit");
	return (render_page(req, r, 200, "admin_audit", "title.admin_audit",
	    "admin"));
}

int
page_admin_audit(struct http_request *req)
{
	static const step_fn steps[] = { audit_query, audit_render };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}

/* ---- issuing an invitation anew ---- */

struct reissue {
	char	token[TOKEN_HEX + 1];
};

static int
reissue_run(struct http_request *req, struct dreq *r)
{
	struct reissue	*d;
	char		 id[32], uid[32], hash[TOKEN_HEX + 1];

	d = kore_calloc(1, sizeof(*d));
	r->data = d;
	r->data_free = kore_free;
	token_new(d->token);
	(void)token_hash(d->token, hash);
	admin_path_id(req, r, 2, id);
	uid_str(r, uid);
	db_query(r, &q_invitation_reissue, 4, id, hash, uid, r->address);
	return (STEP_NEXT);
}

static int
reissue_done(struct http_request *req, struct dreq *r)
{
	struct reissue	*d = r->data;
	char		 url[1024], *iso, *rel;
	int64_t		 expires;

	if (strcmp(r->sqlstate, "DR404") == 0 || (r->db_error == DB_OK &&
	    db_rows(r) != 1))
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (r->db_error != DB_OK)
		return (out_error(req, r, 409, "invitation_redeemed", NULL,
		    "err.invite_redeemed"));
	expires = db_int(r, 0, 1);
	(void)snprintf(url, sizeof(url), "%s/invite/%s", drive_base_url,
	    d->token);
	explicit_bzero(d->token, sizeof(d->token));
	iso = out_iso8601(expires);
	if (r->is_api) {
		json_t *o = json_pack("{s:I, s:s, s:s}", "id",
		    (json_int_t)db_int(r, 0, 0), "url", url, "expires_at", iso);
		explicit_bzero(url, sizeof(url));
		kore_free(iso);
		return (out_json(req, r, 201, o));
	}
	rel = out_relative(r, expires);
	json_object_set_new(r->ctx, "created", json_pack("{s:s, s:s, s:s}",
	    "url", url, "expires_at", iso, "expires_in", rel));
	explicit_bzero(url, sizeof(url));
	kore_free(iso);
	kore_free(rel);
	ctx_set_msg(r, r->ctx, "notice", "notice.invitation_reissued", NULL);
	return (STEP_NEXT);
}

int
page_admin_invitation_reissue(struct http_request *req)
{
	static const step_fn steps[] = {
		reissue_run, reissue_done, invitations_step_list,
		invitations_step_render
	};

	return (drive_run(req, ROLE_ADMIN, steps, 4));
}

int
api_invitation_reissue(struct http_request *req)
{
	static const step_fn steps[] = { reissue_run, reissue_done };

	return (drive_run(req, ROLE_ADMIN, steps, 2));
}
