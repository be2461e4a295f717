/*
 * The audit log (admin): the newest entries first, filtered by actor,
 * action (one, or a group of them such as "session") and dates, a
 * hundred a page; the same as CSV, whole.  The page names each action in
 * words and tells its details as a sentence; the CSV keeps the codes and
 * the JSON.  A filter that cannot be what was meant is refused (400),
 * never searched for as something else.
 */

#include "drive.h"

struct audit_in {
	const char *actor;
	const char *action;
	const char *from;
	const char *to;
	const char *before; /* "" for the newest */
	const char *limit;
	const char *bad; /* the first filter refused, or NULL */
	const char *bad_key;
};

static const struct db_query q_audit = {
	"audit",
	"SELECT a.id, floor(extract(epoch FROM a.at))::bigint AS at,"
	" u.display_name AS actor, a.action, a.target,"
	" host(a.address) AS address, a.details::text AS details"
	" FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id"
	" WHERE ($1 = '' OR strpos(lower(u.display_name), lower($1)) > 0)"
	" AND ($2 = '' OR a.action = $2 OR starts_with(a.action, $2 || '.'))"
	" AND (nullif($3, '') IS NULL OR a.at >= nullif($3, '')::date)"
	" AND (nullif($4, '') IS NULL OR a.at < nullif($4, '')::date + 1)"
	" AND ($5::bigint IS NULL OR a.id < $5::bigint)"
	" ORDER BY a.id DESC LIMIT $6::integer",
};

/*
 * The actions the database records (sql/repeatable/), by group; the
 * filter takes one of them or a group.  Each has its words in the
 * catalogs (audit.act.<action>, audit.group.<group>) and, when its
 * details say more, a sentence (audit.say.<action>).
 */
static const char * const audit_groups[][16] = {
	{ "session", "session.sign_in", "session.sign_in_failed",
	    "session.password_passed", "session.second_factor_failed",
	    "session.sso_refused", "session.sso_ended", "session.sign_out",
	    NULL },
	{ "invitation", "invitation.create", "invitation.redeem",
	    "invitation.revoke", NULL },
	{ "user", "user.role", "user.deactivate", "user.reactivate",
	    "user.erase", "user.password", "user.password_failed",
	    "user.second_factor_enrolled", "user.second_factor_replaced",
	    "user.second_factor_removed", "user.recovery_code_used",
	    "user.second_factor_reset", "user.sso_linked", "user.digest_on",
	    "user.digest_off", NULL },
	{ "token", "token.create", "token.revoke", NULL },
	{ "idea", "idea.response", "idea.response_draft",
	    "idea.response_approved", "idea.response_rejected",
	    "idea.response_withdrawn", "idea.merge", "idea.note", "idea.owner",
	    "idea.sensitive_confirmed", "idea.redact", "idea.audience_proposed",
	    "idea.audience_widened", "idea.audience_kept", NULL },
	{ "comment", "comment.hide", "comment.sensitive_confirmed",
	    "comment.redact", NULL },
	{ "organization", "organization.rename", NULL },
	{ "area", "area.create", "area.rename", "area.retire", "area.restore",
	    "area.delete", "area.approval", NULL },
	{ "status", "status.create", "status.rename", NULL },
	{ "settings", "settings.second_factor_policy", NULL },
};
#define AUDIT_GROUPS	 (sizeof(audit_groups) / sizeof(audit_groups[0]))
#define AUDIT_GROUP_SIZE (sizeof(audit_groups[0]) / sizeof(char *))

/* "" (all), a group or one action: the filter's accepted values. */
static int
action_known(const char *v)
{
	size_t g, i;

	if (*v == '\0')
		return (1);
	for (g = 0; g < AUDIT_GROUPS; g++) {
		for (i = 0; i < AUDIT_GROUP_SIZE && audit_groups[g][i] != NULL;
		     i++) {
			if (strcmp(v, audit_groups[g][i]) == 0)
				return (1);
		}
	}
	return (0);
}

/* YYYY-MM-DD, a real date; "" is no filter. */
static int
date_valid(const char *s)
{
	int  y, m, d;
	char end;

	if (*s == '\0')
		return (1);
	if (strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || s[4] != '-' ||
	    s[7] != '-')
		return (0);
	return (y >= 2000 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= (m == 2 ? ((y % 4 == 0 && y % 100) || y % 400 == 0 ? 29 : 28) :
			 (m == 4 || m == 6 || m == 9 || m == 11) ? 30 :
								   31));
}

/* An id: digits that fit a bigint (PostgreSQL would fail, 500). */
static int
cursor_valid(const char *s)
{
	size_t n = strlen(s);

	return (n == 0 ||
	    (strspn(s, "0123456789") == n &&
		(n < 19 ||
		    (n == 19 && strcmp(s, "9223372036854775807") <= 0))));
}

/* A filter of the query string: "" when absent, NULL when refused. */
static const char *
filter(struct dreq *r, const char *name)
{
	const char *v;
	int	    rc;

	if ((rc = in_field(r, name, &v)) == 0)
		return ("");
	if (rc == -1 || strlen(v) >= 200 || !line_acceptable(v, strlen(v)))
		return (NULL);
	return (v);
}

static void
refused(struct audit_in *in, const char *field, const char *key)
{
	if (in->bad == NULL) {
		in->bad = field;
		in->bad_key = key;
	}
}

static void
filters_input(struct dreq *r, struct audit_in *in)
{
	const char **v[] = { &in->actor, &in->action, &in->from, &in->to,
		&in->before };
	const char  *names[] = { "actor", "action", "from", "to", "before" };
	size_t	     i;

	(void)in_query(r);
	for (i = 0; i < 5; i++) {
		if ((*v[i] = filter(r, names[i])) == NULL) {
			refused(in, names[i], "err.text_invalid");
			*v[i] = "";
		}
	}
	if (!date_valid(in->from))
		refused(in, "from", "err.date_invalid");
	if (!date_valid(in->to))
		refused(in, "to", "err.date_invalid");
	if (!cursor_valid(in->before))
		refused(in, "before", "err.cursor_invalid");
	if (!action_known(in->action))
		refused(in, "action", "err.action_unknown");
}

static void
page_input(struct dreq *r, void *arg)
{
	struct audit_in *in = arg;

	filters_input(r, in);
	in->limit = "101"; /* one more tells that there is a next page */
}

static void
csv_input(struct dreq *r, void *arg)
{
	struct audit_in *in = arg;

	filters_input(r, in);
	in->limit = "100000";
}

static int
audit_query(struct http_request *req, struct dreq *r)
{
	struct audit_in *in = r->in;

	if (in->bad != NULL)
		return (step_refuse(req, r, 400, "invalid", in->bad,
		    in->bad_key));
	db_query(r, &q_audit, 6, in->actor, in->action, in->from, in->to,
	    *in->before != '\0' ? in->before : NULL, in->limit);
	return (STEP_NEXT);
}

static const char *
blank(const char *s)
{
	return (s != NULL ? s : "");
}

static int
audit_csv(struct http_request *req, struct dreq *r)
{
	struct dbuf b;
	char	   *iso;
	int	    i;

	csv_start(&b);
	csv_cell(&b, "id", 0);
	csv_cell(&b, "at", 0);
	csv_cell(&b, "actor", 0);
	csv_cell(&b, "action", 0);
	csv_cell(&b, "target", 0);
	csv_cell(&b, "address", 0);
	csv_cell(&b, "details", 1);
	for (i = 0; i < db_rows(r); i++) {
		csv_cell(&b, row_text(r, i, "id"), 0);
		iso = out_iso8601(row_int(r, i, "at"));
		csv_cell(&b, iso, 0);
		kore_free(iso);
		csv_cell(&b, blank(row_text(r, i, "actor")), 0);
		csv_cell(&b, row_text(r, i, "action"), 0);
		csv_cell(&b, blank(row_text(r, i, "target")), 0);
		csv_cell(&b, blank(row_text(r, i, "address")), 0);
		csv_cell(&b, row_text(r, i, "details"), 1);
	}
	return (out_csv(req, "audit.csv", &b));
}

/* The page's address with the filters, and a cursor when before is set. */
static void
audit_url(struct dbuf *b, struct audit_in *in, const char *base,
    const char *before)
{
	const char *v[] = { in->actor, in->action, in->from, in->to };
	const char *keys[] = { "actor", "action", "from", "to" };
	const char *p;
	size_t	    i;

	dbuf_appendstr(b, base);
	dbuf_appendstr(b, "?");
	for (i = 0; i < 4; i++) {
		dbuf_appendf(b, "%s%s=", i ? "&" : "", keys[i]);
		for (p = v[i]; *p != '\0'; p++) {
			if ((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' ||
			    *p == '.' || *p == '_')
				dbuf_append(b, p, 1);
			else
				dbuf_appendf(b, "%%%02X", (unsigned char)*p);
		}
	}
	if (before != NULL)
		dbuf_appendf(b, "&before=%s", before);
}

/* The action filter's choices: all, then each group and its actions. */
static json_t *
action_options(struct dreq *r, const char *chosen)
{
	json_t *groups, *g, *list, *o;
	char	key[64];
	size_t	i, k;

	groups = json_array();
	for (i = 0; i < AUDIT_GROUPS; i++) {
		g = json_object();
		(void)snprintf(key, sizeof(key), "audit.group.%s",
		    audit_groups[i][0]);
		ctx_set_msg(r, g, "label", key, NULL);
		list = json_array();
		for (k = 0; k < AUDIT_GROUP_SIZE && audit_groups[i][k] != NULL;
		     k++) {
			o = json_pack("{s:s, s:b}", "value", audit_groups[i][k],
			    "selected",
			    strcmp(chosen, audit_groups[i][k]) == 0);
			(void)snprintf(key, sizeof(key),
			    k == 0 ? "audit.all_of_group" : "audit.act.%s",
			    audit_groups[i][k]);
			ctx_set_msg(r, o, "label", key, k == 0 ? g : NULL);
			json_array_append_new(list, o);
		}
		json_object_set_new(g, "actions", list);
		json_array_append_new(groups, g);
	}
	return (groups);
}

/*
 * An entry's action in words, and its details as a sentence when the
 * catalogs have one for it (the details' fields are its variables; a
 * role or status also in words).  Unknown details stay as they are.
 */
static void
entry_words(struct dreq *r, json_t *e, const char *action, const char *json)
{
	json_t			 *vars;
	json_error_t		  jerr;
	const char		 *v;
	char			  key[64], label[64];
	size_t			  i;
	static const char * const worded[] = { "from", "to", "role" };
	int			  statuses;

	(void)snprintf(key, sizeof(key), "audit.act.%s", action);
	if (i18n_get(drive_catalogs[0], key) != NULL)
		ctx_set_msg(r, e, "action_label", key, NULL);
	(void)snprintf(key, sizeof(key), "audit.say.%s", action);
	if (i18n_get(drive_catalogs[0], key) == NULL ||
	    (vars = json_loads(json != NULL ? json : "{}", 0, &jerr)) == NULL ||
	    !json_is_object(vars))
		return;
	/* idea.response and its drafts' actions tell statuses. */
	statuses = strncmp(action, "idea.response", 13) == 0;
	if (strcmp(action, "area.approval") == 0) {
		statuses_words(r, vars, "from_label",
		    json_object_get(vars, "from"), "audit.approval_none");
		statuses_words(r, vars, "to_label", json_object_get(vars, "to"),
		    "audit.approval_none");
	}
	for (i = 0; i < sizeof(worded) / sizeof(worded[0]); i++) {
		if ((v = json_string_value(json_object_get(vars, worded[i]))) ==
		    NULL)
			continue;
		(void)snprintf(label, sizeof(label), "%s.%s",
		    statuses ? "status" : "role", v);
		if (i18n_get(drive_catalogs[0], label) != NULL) {
			(void)snprintf(key, sizeof(key), "%s_label", worded[i]);
			ctx_set_msg(r, vars, key, label, NULL);
		}
	}
	(void)snprintf(key, sizeof(key), "audit.say.%s", action);
	ctx_set_msg(r, e, "sentence", key, vars);
	json_decref(vars);
}

static int
audit_render(struct http_request *req, struct dreq *r)
{
	struct audit_in *in = r->in;
	json_t		*list, *e;
	struct dbuf	 b;
	char		*iso;
	int		 i, n, more;

	n = db_rows(r);
	more = n > 100;
	if (more)
		n = 100;
	list = json_array();
	for (i = 0; i < n; i++) {
		iso = out_iso8601(row_int(r, i, "at"));
		e = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
		    (json_int_t)row_int(r, i, "id"), "at", iso, "at_label", iso,
		    "action", row_text(r, i, "action"), "target",
		    blank(row_text(r, i, "target")), "details",
		    strcmp(row_text(r, i, "details"), "{}") == 0 ?
			"" :
			row_text(r, i, "details"),
		    "address", blank(row_text(r, i, "address")));
		kore_free(iso);
		if (!row_null(r, i, "actor"))
			json_object_set_new(e, "actor_name",
			    json_string(row_text(r, i, "actor")));
		entry_words(r, e, row_text(r, i, "action"),
		    row_text(r, i, "details"));
		json_array_append_new(list, e);
	}
	json_object_set_new(r->ctx, "entries", list);
	json_object_set_new(r->ctx, "action_groups",
	    action_options(r, in->action));
	json_object_set_new(r->ctx, "filters",
	    json_pack("{s:s, s:s, s:s, "
		      "s:s}",
		"actor", in->actor, "action", in->action, "from", in->from,
		"to", in->to));
	dbuf_init(&b);
	audit_url(&b, in, "/admin/audit.csv", NULL);
	json_object_set_new(r->ctx, "csv_url", json_string(b.data));
	dbuf_free(&b);
	if (more) {
		dbuf_init(&b);
		audit_url(&b, in, "/admin/audit", row_text(r, n - 1, "id"));
		json_object_set_new(r->ctx, "next_url", json_string(b.data));
		dbuf_free(&b);
	}
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "audit", 1));
	return (render_page(req, r, 200, "admin_audit", "title.admin_audit",
	    "admin"));
}

static const step_fn page_steps[] = { audit_query, audit_render, NULL };
static const step_fn csv_steps[] = { audit_query, audit_csv, NULL };

const struct handler audit_page = {
	.role = ROLE_ADMIN,
	.input = page_input,
	.input_size = sizeof(struct audit_in),
	.steps = page_steps,
};

const struct handler audit_csv_file = {
	.role = ROLE_ADMIN,
	.input = csv_input,
	.input_size = sizeof(struct audit_in),
	.steps = csv_steps,
};
