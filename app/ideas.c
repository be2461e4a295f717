/*
 * Ideas: the list (sort, filters, search, cursor paging), proposing with
 * "did you mean" for similar titles, the idea page, editing by the author
 * until the bank answers, and the areas.  Pages and API share validation
 * and queries; only the render step differs.
 *
 * Confidentiality: an idea carries its author's display name and whether
 * the author is bank staff, never an organisation or an e-mail address.
 */

#include <cmark.h>

#include "drive.h"

#define PAGE_SIZE	20

/*
 * The columns every idea query starts with; idea_json() reads them.  The
 * vote of the person asking comes from a join on the votes' primary key:
 * one probe per idea shown, however many votes that person has cast.
 */
#define IDEA_COLUMNS \
	"i.id, i.title, a.slug," \
	" CASE WHEN $2 = 'de' THEN a.name_de ELSE a.name_en END," \
	" i.status, i.vote_count, i.comment_count, i.organization_count," \
	" extract(epoch FROM i.created_at)::bigint," \
	" extract(epoch FROM i.updated_at)::bigint," \
	" u.display_name, u.role <> 'client', mv.user_id IS NOT NULL, i.body"
#define IDEA_FROM \
	" FROM ideas i JOIN areas a ON a.id = i.area_id" \
	" JOIN users u ON u.id = i.author_id" \
	" LEFT JOIN votes mv ON mv.idea_id = i.id AND mv.user_id = $1::bigint"
#define COL_BODY	13

/*
 * The lists.  A list first picks the 21 ideas of the page by their sort
 * key (an index walk, or for a search the matching ideas), then joins
 * what the page shows to those 21 only.  p.k is the sort key, p.id the
 * tie-break; the cursor ($6, $7) continues after both.
 *
 * The unfiltered lists, the start page most people see, are prepared:
 * the cursor is a plain row comparison (the first page starts above any
 * real key).  The filtered ones ("$3 = '' OR ..." for status and area)
 * need a plan for the values at hand and are planned on each call.  The
 * search matches every word of q as a prefix ("statement" finds
 * "statements"), in titles and bodies (search_query() in SQL).
 */
#define IDEA_PAGE(pick) \
	"SELECT " IDEA_COLUMNS ", p.k FROM (" pick ") p" \
	" JOIN ideas i ON i.id = p.id JOIN areas a ON a.id = i.area_id" \
	" JOIN users u ON u.id = i.author_id" \
	" LEFT JOIN votes mv ON mv.idea_id = i.id AND mv.user_id = $1::bigint" \
	" ORDER BY p.k DESC, p.id DESC"
#define PICK_FILTERS \
	" AND ($3 = '' OR i.status = $3)" \
	" AND ($4 = '' OR i.area_id = (SELECT x.id FROM areas x" \
	"  WHERE x.slug = $4))"
#define PICK_ALL	" FROM ideas i WHERE $5 = ''" PICK_FILTERS
#define PICK_SEARCH \
	" FROM ideas i JOIN idea_search s ON s.idea_id = i.id" \
	" WHERE s.words @@ search_query($5)" PICK_FILTERS
#define PICK_TOP(from) \
	"SELECT i.id, i.vote_count AS k" from \
	" AND ($6::integer IS NULL OR (i.vote_count, i.id) <" \
	"  ($6::integer, $7::bigint))" \
	" ORDER BY i.vote_count DESC, i.id DESC LIMIT 21"
#define PICK_NEW(from) \
	"SELECT i.id, 0 AS k" from \
	" AND ($6::integer IS NULL OR i.id < $7::bigint)" \
	" ORDER BY i.id DESC LIMIT 21"
/*
 * Trending first takes back the votes that turned 14 days old, when the
 * clock is more than a minute behind (sql/005_speed.sql); the page that
 * does it still shows the counts from before.
 */
#define TRENDING_AGE \
	" coalesce((SELECT trending_age() FROM trending_clock c" \
	"  WHERE c.aged_to < now() - interval '14 days 1 minute'), 0) >= 0"
#define PICK_TRENDING(from) \
	"SELECT i.id, i.recent_vote_count AS k" from \
	" AND" TRENDING_AGE \
	" AND ($6::integer IS NULL OR (i.recent_vote_count, i.id) <" \
	"  ($6::integer, $7::bigint))" \
	" ORDER BY i.recent_vote_count DESC, i.id DESC LIMIT 21"

static const struct db_query q_ideas_top = {
	"ideas_top", IDEA_PAGE(PICK_TOP(PICK_ALL)), 1
};
static const struct db_query q_ideas_new = {
	"ideas_new", IDEA_PAGE(PICK_NEW(PICK_ALL)), 1
};
static const struct db_query q_ideas_trending = {
	"ideas_trending", IDEA_PAGE(PICK_TRENDING(PICK_ALL)), 1
};
static const struct db_query q_ideas_top_search = {
	"ideas_top_search", IDEA_PAGE(PICK_TOP(PICK_SEARCH)), 1
};
static const struct db_query q_ideas_new_search = {
	"ideas_new_search", IDEA_PAGE(PICK_NEW(PICK_SEARCH)), 1
};
static const struct db_query q_ideas_trending_search = {
	"ideas_trending_search", IDEA_PAGE(PICK_TRENDING(PICK_SEARCH)), 1
};

static const struct db_query q_ideas_top_all = {
	"ideas_top_all",
	IDEA_PAGE("SELECT i.id, i.vote_count AS k FROM ideas i"
	" WHERE (i.vote_count, i.id) < ($3::integer, $4::bigint)"
	" ORDER BY i.vote_count DESC, i.id DESC LIMIT 21")
};
static const struct db_query q_ideas_new_all = {
	"ideas_new_all",
	IDEA_PAGE("SELECT i.id, 0 AS k FROM ideas i WHERE i.id < $3::bigint"
	" ORDER BY i.id DESC LIMIT 21")
};
static const struct db_query q_ideas_trending_all = {
	"ideas_trending_all",
	IDEA_PAGE("SELECT i.id, i.recent_vote_count AS k FROM ideas i"
	" WHERE" TRENDING_AGE
	" AND (i.recent_vote_count, i.id) < ($3::integer, $4::bigint)"
	" ORDER BY i.recent_vote_count DESC, i.id DESC LIMIT 21")
};

static const struct db_query q_idea_one = {
	"idea_one",
	"SELECT " IDEA_COLUMNS ","
	" i.author_id = $1::bigint AND i.first_response_at IS NULL,"
	" d.id, d.title,"
	" (SELECT coalesce(json_agg(json_build_object('id', c.id,"
	"  'body', CASE WHEN c.hidden_at IS NULL THEN c.body END,"
	"  'name', cu.display_name, 'bank', cu.role <> 'client',"
	"  'created', extract(epoch FROM c.created_at)::bigint,"
	"  'edited', c.updated_at > c.created_at,"
	"  'hidden', c.hidden_at IS NOT NULL,"
	"  'mine', c.author_id = $1::bigint AND c.hidden_at IS NULL"
	"   AND c.created_at > now() - interval '15 minutes')"
	"  ORDER BY c.id), '[]')"
	"  FROM comments c JOIN users cu ON cu.id = c.author_id"
	"  WHERE c.idea_id = i.id),"
	" i.author_id = $1::bigint, i.first_response_at IS NOT NULL,"
	" (SELECT coalesce(json_agg(json_build_object('id', r.id,"
	"  'kind', r.kind, 'from', r.from_status, 'to', r.to_status,"
	"  'body', r.body, 'name', ru.display_name,"
	"  'bank', ru.role <> 'client',"
	"  'at', extract(epoch FROM r.created_at)::bigint) ORDER BY r.id), '[]')"
	"  FROM responses r JOIN users ru ON ru.id = r.author_id"
	"  WHERE r.idea_id = i.id)"
	IDEA_FROM " LEFT JOIN ideas d ON d.id = i.duplicate_of"
	" WHERE i.id = $3::bigint"
};
#define COL_CAN_EDIT	14
#define COL_DUP_ID	15
#define COL_DUP_TITLE	16
#define COL_COMMENTS	17
#define COL_MINE	18
#define COL_ANSWERED	19
#define COL_RESPONSES	20

static const struct db_query q_areas = {
	"areas",
	"SELECT slug, CASE WHEN $1 = 'de' THEN name_de ELSE name_en END"
	" FROM areas WHERE retired_at IS NULL ORDER BY position, id"
};

static const struct db_query q_ideas_similar = {
	"ideas_similar",
	"SELECT i.id, i.title, i.status, i.vote_count FROM idea_search s"
	" JOIN ideas i ON i.id = s.idea_id"
	" WHERE s.title % $1 AND i.status <> 'duplicate'"
	" ORDER BY similarity(s.title, $1) DESC, i.vote_count DESC LIMIT 5"
};

static const struct db_query q_idea_create = {
	"idea_create",
	"SELECT idea_create($1::bigint, $2, $3, $4)"
};

static const struct db_query q_idea_edit = {
	"idea_edit",
	"SELECT idea_edit($1::bigint, $2::bigint, $3, $4, $5)"
};

static void	desk_into_ctx(struct dreq *, const char *);
static json_t	*responses_json(struct dreq *, const char *);

static const char *statuses[] = {
	"new", "under_review", "planned", "in_progress", "released",
	"declined", "duplicate", NULL
};

/* ---- shared by ideas, votes and comments ---- */

/*
 * Markdown to HTML, safe: cmark drops raw HTML and unsafe links.  Headings
 * move down two levels, so that "# Heading" in an idea is an <h3> under
 * the page's own <h1> and <h2>.
 */
char *
md_html(const char *text)
{
	cmark_node	*doc, *node;
	cmark_iter	*it;
	cmark_event_type ev;
	char		*html, *copy;
	int		 level;

	doc = cmark_parse_document(text, strlen(text),
	    CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER &&
		    cmark_node_get_type(node) == CMARK_NODE_HEADING) {
			level = cmark_node_get_heading_level(node) + 2;
			(void)cmark_node_set_heading_level(node,
			    level > 6 ? 6 : level);
		}
	}
	cmark_iter_free(it);
	html = cmark_render_html(doc, CMARK_OPT_DEFAULT);
	cmark_node_free(doc);
	copy = kore_strdup(html);
	free(html);
	return (copy);
}

int
status_valid(const char *s)
{
	int	i;

	for (i = 0; statuses[i] != NULL; i++) {
		if (strcmp(s, statuses[i]) == 0)
			return (1);
	}
	return (0);
}

int
status_frozen(const char *s)
{
	return (strcmp(s, "released") == 0 || strcmp(s, "declined") == 0 ||
	    strcmp(s, "duplicate") == 0);
}

json_t *
author_json(const char *name, int bank)
{
	return (json_pack("{s:s, s:b}", "name", name != NULL ? name : "",
	    "bank", bank));
}

/*
 * One idea from a row that starts with IDEA_COLUMNS: the API's fields,
 * and for pages the words and links a template needs.  Staff see the
 * number of organisations; clients never do.
 */
json_t *
idea_json(struct dreq *r, int row, int with_body)
{
	json_t		*o;
	const char	*status;
	char		 key[48], url[64];
	int64_t		 id;

	id = db_int(r, row, 0);
	status = db_get(r, row, 4);
	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:i, s:b, s:i}",
	    "id", (json_int_t)id,
	    "title", db_get(r, row, 1),
	    "area", db_get(r, row, 2),
	    "status", status,
	    "author", author_json(db_get(r, row, 10), db_bool(r, row, 11)),
	    "vote_count", (int)db_int(r, row, 5),
	    "voted", db_bool(r, row, 12),
	    "comment_count", (int)db_int(r, row, 6));
	if (with_body || r->is_api)
		json_object_set_new(o, "body", json_string(db_get(r, row,
		    COL_BODY)));
	out_time(r, o, "created_at", "created_ago", db_int(r, row, 8));
	out_time(r, o, "updated_at", NULL, db_int(r, row, 9));
	if (r->sess.role >= ROLE_PM)
		json_object_set_new(o, "organization_count",
		    json_integer(db_int(r, row, 7)));

	if (!r->is_api) {
		(void)snprintf(url, sizeof(url), "/ideas/%lld", (long long)id);
		json_object_set_new(o, "url", json_string(url));
		json_object_set_new(o, "area_label",
		    json_string(db_get(r, row, 3)));
		(void)snprintf(key, sizeof(key), "status.%s", status);
		ctx_set_msg(r, o, "status_label", key, NULL);
		json_object_set_new(o, "frozen",
		    json_boolean(status_frozen(status)));
	}
	return (o);
}

/* ---- the list ---- */

struct list_args {
	struct form	 qs;
	const char	*sort, *status, *area, *q;
	const char	*bad;		/* the first value refused */
	char		 ca[16], cb[24];
	int		 has_cursor;
};

static void
list_args_free(void *p)
{
	struct list_args	*a = p;

	form_free(&a->qs);
	kore_free(a);
}

/*
 * A query value, "" when absent.  A value that is not one line of text
 * (a NUL byte, which would cut it short, or a control character) is
 * remembered in a->bad and refused by the caller.
 */
static const char *
qs_get(struct list_args *a, const char *name)
{
	const struct form_field	*f;

	if ((f = form_get(&a->qs, name)) == NULL)
		return ("");
	if (!line_acceptable(f->value, f->len) && a->bad == NULL)
		a->bad = name;
	return (f->value);
}

static int
list_bad(struct http_request *req, struct dreq *r, const char *field,
    const char *key)
{
	return (out_error(req, r, 400, "invalid", field, key));
}

/* Reads and checks sort, status, area, q and cursor; areas come first. */
static int
list_areas(struct http_request *req, struct dreq *r)
{
	struct list_args	*a;
	const char		*cur;

	a = kore_calloc(1, sizeof(*a));
	r->data = a;
	r->data_free = list_args_free;
	if (req->query_string != NULL && !form_decode(req->query_string,
	    strlen(req->query_string), &a->qs))
		return (list_bad(req, r, NULL, "err.bad_request"));

	a->sort = qs_get(a, "sort");
	a->status = qs_get(a, "status");
	a->area = qs_get(a, "area");
	a->q = qs_get(a, "q");
	cur = qs_get(a, "cursor");
	if (a->bad != NULL)
		return (list_bad(req, r, a->bad, "err.text_invalid"));
	if (*a->sort == '\0')
		a->sort = "top";
	if (strcmp(a->sort, "top") && strcmp(a->sort, "new") &&
	    strcmp(a->sort, "trending"))
		return (list_bad(req, r, "sort", "err.sort_invalid"));
	if (*a->status != '\0' && !status_valid(a->status))
		return (list_bad(req, r, "status", "err.status_invalid"));
	if (!line_acceptable(a->q, strlen(a->q)) || strlen(a->q) > 200 ||
	    !line_acceptable(a->area, strlen(a->area)))
		return (list_bad(req, r, "q", "err.text_invalid"));

	if (*cur != '\0') {
		if (!cursor_parse(cur, a->ca, sizeof(a->ca), a->cb,
		    sizeof(a->cb)))
			return (list_bad(req, r, "cursor",
			    "err.cursor_invalid"));
		a->has_cursor = 1;
	}

	db_query(r, &q_areas, 1, r->lang);
	return (STEP_NEXT);
}

/* The areas as select options (pages) and whether slug is one of them. */
static int
areas_into_ctx(struct dreq *r, const char *chosen, const char *all_key)
{
	json_t		*areas;
	int		 i, found = 0;
	const char	*slug;

	areas = json_array();
	if (all_key != NULL) {
		json_array_append_new(areas, json_pack("{s:s, s:b}", "value",
		    "", "selected", *chosen == '\0'));
		ctx_set_msg(r, json_array_get(areas, 0), "label", all_key,
		    NULL);
	}
	for (i = 0; i < db_rows(r); i++) {
		slug = db_get(r, i, 0);
		if (strcmp(slug, chosen) == 0)
			found = 1;
		json_array_append_new(areas, json_pack("{s:s, s:s, s:b}",
		    "value", slug, "label", db_get(r, i, 1), "selected",
		    strcmp(slug, chosen) == 0));
	}
	json_object_set_new(r->ctx, "areas", areas);
	return (found);
}

static int
list_query(struct http_request *req, struct dreq *r)
{
	struct list_args	*a = r->data;
	const struct db_query	*q;
	char			 uid[32];

	if (!areas_into_ctx(r, a->area, "filter.all_areas") && *a->area != '\0')
		return (list_bad(req, r, "area", "err.area_unknown"));

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	if (*a->status == '\0' && *a->area == '\0' && *a->q == '\0') {
		if (strcmp(a->sort, "new") == 0)
			db_query(r, &q_ideas_new_all, 3, uid, r->lang,
			    a->has_cursor ? a->cb : "9223372036854775807");
		else
			db_query(r, strcmp(a->sort, "trending") == 0 ?
			    &q_ideas_trending_all : &q_ideas_top_all, 4, uid,
			    r->lang, a->has_cursor ? a->ca : "2147483647",
			    a->has_cursor ? a->cb : "9223372036854775807");
		return (STEP_NEXT);
	}
	if (*a->q == '\0')
		q = strcmp(a->sort, "new") == 0 ? &q_ideas_new :
		    strcmp(a->sort, "trending") == 0 ? &q_ideas_trending :
		    &q_ideas_top;
	else
		q = strcmp(a->sort, "new") == 0 ? &q_ideas_new_search :
		    strcmp(a->sort, "trending") == 0 ?
		    &q_ideas_trending_search : &q_ideas_top_search;
	db_query(r, q, 7, uid, r->lang, a->status, a->area, a->q,
	    a->has_cursor ? a->ca : NULL, a->has_cursor ? a->cb : NULL);
	return (STEP_NEXT);
}

/* "/?sort=…&status=…" keeping the filters; cursor optional. */
static void
list_url(struct dbuf *b, struct list_args *a, const char *sort,
    const char *cursor)
{
	const char	*names[] = { "status", "area", "q" };
	const char	*vals[] = { a->status, a->area, a->q };
	const char	*p;
	size_t		 i;

	dbuf_appendf(b, "/?sort=%s", sort);
	for (i = 0; i < 3; i++) {
		if (*vals[i] == '\0')
			continue;
		dbuf_appendf(b, "&%s=", names[i]);
		for (p = vals[i]; *p != '\0'; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '_' || *p == '.')
				dbuf_append(b, p, 1);
			else
				dbuf_appendf(b, "%%%02X", (unsigned char)*p);
		}
	}
	if (cursor != NULL)
		dbuf_appendf(b, "&cursor=%s", cursor);
}

static int
list_render(struct http_request *req, struct dreq *r)
{
	struct list_args	*a = r->data;
	json_t			*ideas, *filters, *sorts, *st;
	struct dbuf		 b;
	char			 cursor[48], key[32];
	const char		*sortv[] = { "top", "new", "trending" };
	int			 i, n, more;

	n = db_rows(r);
	more = n > PAGE_SIZE;
	if (more)
		n = PAGE_SIZE;
	ideas = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(ideas, idea_json(r, i, 0));
	cursor[0] = '\0';
	if (more)
		(void)snprintf(cursor, sizeof(cursor), "%lld.%lld",
		    (long long)db_int(r, n - 1, 14),
		    (long long)db_int(r, n - 1, 0));

	if (r->is_api) {
		return (out_json(req, r, 200, json_pack("{s:o, s:s?}",
		    "ideas", ideas, "next_cursor", more ? cursor : NULL)));
	}

	json_object_set_new(r->ctx, "ideas", ideas);
	json_object_set_new(r->ctx, "has_ideas", json_boolean(n > 0));
	filters = json_pack("{s:s, s:s, s:s, s:s}", "sort", a->sort,
	    "status", a->status, "area", a->area, "q", a->q);
	json_object_set_new(r->ctx, "filters", filters);

	sorts = json_array();
	for (i = 0; i < 3; i++) {
		dbuf_init(&b);
		list_url(&b, a, sortv[i], NULL);
		json_array_append_new(sorts, json_pack("{s:s, s:s, s:b}",
		    "value", sortv[i], "url", b.data, "selected",
		    strcmp(sortv[i], a->sort) == 0));
		(void)snprintf(key, sizeof(key), "sort.%s", sortv[i]);
		ctx_set_msg(r, json_array_get(sorts, i), "label", key, NULL);
		dbuf_free(&b);
	}
	json_object_set_new(r->ctx, "sorts", sorts);

	st = json_array();
	json_array_append_new(st, json_pack("{s:s, s:b}", "value", "",
	    "selected", *a->status == '\0'));
	ctx_set_msg(r, json_array_get(st, 0), "label", "filter.all_statuses",
	    NULL);
	for (i = 0; statuses[i] != NULL; i++) {
		json_array_append_new(st, json_pack("{s:s, s:b}", "value",
		    statuses[i], "selected", strcmp(statuses[i],
		    a->status) == 0));
		(void)snprintf(key, sizeof(key), "status.%s", statuses[i]);
		ctx_set_msg(r, json_array_get(st, i + 1), "label", key, NULL);
	}
	json_object_set_new(r->ctx, "statuses", st);

	/* A vote by form comes back to this very page, cursor and all. */
	dbuf_init(&b);
	(void)snprintf(cursor, sizeof(cursor), "%s.%s", a->ca, a->cb);
	list_url(&b, a, a->sort, a->has_cursor ? cursor : NULL);
	json_object_set_new(r->ctx, "back", json_string(b.data));
	dbuf_free(&b);
	if (more) {
		(void)snprintf(cursor, sizeof(cursor), "%lld.%lld",
		    (long long)db_int(r, n - 1, 14),
		    (long long)db_int(r, n - 1, 0));
		dbuf_init(&b);
		list_url(&b, a, a->sort, cursor);
		json_object_set_new(r->ctx, "next_url", json_string(b.data));
		dbuf_free(&b);
	}
	if (*qs_get(a, "welcome") != '\0') {
		json_object_set_new(r->ctx, "user", session_user_json(r));
		ctx_set_msg(r, r->ctx, "notice", "notice.welcome", r->ctx);
	}
	return (render_page(req, r, 200, "ideas", "title.ideas", "ideas"));
}

static const step_fn list_steps[] = { list_areas, list_query, list_render };

int
page_home(struct http_request *req)
{
	return (drive_run(req, ROLE_CLIENT, list_steps, 3));
}

/* ---- one idea ---- */

int
idea_step_query(struct http_request *req, struct dreq *r)
{
	char	uid[32], id[32];
	int64_t	idea;

	idea = in_path_id(req, r->is_api ? 3 : 1);
	if (idea == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	(void)snprintf(id, sizeof(id), "%lld", (long long)idea);
	db_query(r, &q_idea_one, 3, uid, r->lang, id);
	return (STEP_NEXT);
}

/* The idea page's steps, also shown after a refused comment (routes.c). */
const step_fn idea_page_steps[] = { idea_step_query, idea_step_render, NULL };

/*
 * The status history, oldest first: each official response with who (a
 * bank person, by name), when, from and to which status, and its text.
 */
static json_t *
responses_json(struct dreq *r, const char *agg)
{
	json_t		*in, *list, *e, *out;
	json_error_t	 jerr;
	const char	*body, *from, *to;
	char		*html, key[48];
	size_t		 i;

	list = json_array();
	if ((in = json_loads(agg != NULL ? agg : "[]", 0, &jerr)) == NULL)
		return (list);
	for (i = 0; i < json_array_size(in); i++) {
		e = json_array_get(in, i);
		body = json_string_value(json_object_get(e, "body"));
		from = json_string_value(json_object_get(e, "from"));
		to = json_string_value(json_object_get(e, "to"));
		out = json_pack("{s:O, s:s, s:s, s:s, s:o}",
		    "id", json_object_get(e, "id"),
		    "from_status", from, "status", to,
		    "body", body != NULL ? body : "",
		    "author", author_json(json_string_value(json_object_get(e,
		    "name")), json_is_true(json_object_get(e, "bank"))));
		out_time(r, out, "created_at", NULL,
		    json_integer_value(json_object_get(e, "at")));
		if (!r->is_api) {
			html = md_html(body != NULL ? body : "");
			json_object_set_new(out, "body_html", json_string(html));
			kore_free(html);
			(void)snprintf(key, sizeof(key), "status.%s", from);
			ctx_set_msg(r, out, "from_label", key, NULL);
			(void)snprintf(key, sizeof(key), "status.%s", to);
			ctx_set_msg(r, out, "to_label", key, NULL);
			json_object_set_new(out, "to_status", json_string(to));
			json_object_set(out, "by_name", json_object_get(e,
			    "name"));
			json_object_set(out, "at", json_object_get(out,
			    "created_at"));
			out_time(r, out, "at_iso", "ago",
			    json_integer_value(json_object_get(e, "at")));
			json_object_set_new(out, "merge", json_boolean(
			    strcmp(json_string_value(json_object_get(e,
			    "kind")), "merge") == 0));
		}
		json_array_append_new(list, out);
	}
	json_decref(in);
	return (list);
}

/* The idea with its body, history and comments, for page and API. */
static json_t *
idea_full_json(struct dreq *r)
{
	json_t		*o, *comments, *list, *c, *out;
	json_error_t	 jerr;
	const char	*body;
	char		*html, url[64];
	size_t		 i;

	o = idea_json(r, 0, 1);
	html = md_html(db_get(r, 0, COL_BODY));
	json_object_set_new(o, "body_html", json_string(html));
	kore_free(html);
	json_object_set_new(o, "can_edit", json_boolean(db_bool(r, 0,
	    COL_CAN_EDIT)));
	if (db_get(r, 0, COL_DUP_ID) != NULL) {
		(void)snprintf(url, sizeof(url), "/ideas/%s",
		    db_get(r, 0, COL_DUP_ID));
		json_object_set_new(o, "duplicate_of", json_pack("{s:I, s:s, "
		    "s:s}", "id", (json_int_t)db_int(r, 0, COL_DUP_ID),
		    "title", db_get(r, 0, COL_DUP_TITLE), "url", url));
	}

	list = json_array();
	comments = json_loads(db_get(r, 0, COL_COMMENTS), 0, &jerr);
	for (i = 0; comments != NULL && i < json_array_size(comments); i++) {
		c = json_array_get(comments, i);
		body = json_string_value(json_object_get(c, "body"));
		out = json_pack("{s:O, s:o, s:O, s:O}",
		    "id", json_object_get(c, "id"),
		    "author", author_json(json_string_value(
		    json_object_get(c, "name")),
		    json_is_true(json_object_get(c, "bank"))),
		    "edited", json_object_get(c, "edited"),
		    "hidden", json_object_get(c, "hidden"));
		json_object_set_new(out, "body", body != NULL ?
		    json_string(body) : json_null());
		if (body != NULL) {
			html = md_html(body);
			json_object_set_new(out, "body_html",
			    json_string(html));
			kore_free(html);
		}
		out_time(r, out, "created_at", "created_ago",
		    json_integer_value(json_object_get(c, "created")));
		if (!r->is_api)
			json_object_set(out, "can_change",
			    json_object_get(c, "mine"));
		json_array_append_new(list, out);
	}
	if (comments != NULL)
		json_decref(comments);
	json_object_set_new(o, "comments", list);
	json_object_set_new(o, "responses", responses_json(r,
	    db_get(r, 0, COL_RESPONSES)));
	return (o);
}

int
idea_step_render(struct http_request *req, struct dreq *r)
{
	json_t	*o;

	if (db_rows(r) != 1)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	o = idea_full_json(r);
	if (r->is_api)
		return (out_json(req, r, 200, o));

	if (r->sess.role >= ROLE_PM)
		desk_into_ctx(r, json_string_value(json_object_get(o,
		    "status")));
	json_object_set(r->ctx, "comments", json_object_get(o, "comments"));
	json_object_set(r->ctx, "history", json_object_get(o, "responses"));
	json_object_set(r->ctx, "back", json_object_get(o, "url"));
	json_object_set_new(r->ctx, "idea", o);
	return (render_page(req, r, json_object_get(r->ctx, "has_errors") ?
	    422 : 200, "idea", "title.idea", "ideas"));
}

/* The statuses a response may set, for the bank desk on the idea page. */
static void
desk_into_ctx(struct dreq *r, const char *current)
{
	json_t		*list, *o;
	const char	*chosen;
	char		 key[48];
	int		 i;

	chosen = json_string_value(json_object_get(json_object_get(r->ctx,
	    "values"), "response_status"));
	if (chosen == NULL)
		chosen = current;
	list = json_array();
	for (i = 0; statuses[i] != NULL; i++) {
		if (strcmp(statuses[i], "duplicate") == 0)
			continue;
		o = json_pack("{s:s, s:b}", "value", statuses[i], "selected",
		    chosen != NULL && strcmp(chosen, statuses[i]) == 0);
		(void)snprintf(key, sizeof(key), "status.%s", statuses[i]);
		ctx_set_msg(r, o, "label", key, NULL);
		json_array_append_new(list, o);
	}
	json_object_set_new(r->ctx, "response_statuses", list);
}

int
page_idea(struct http_request *req)
{
	static const step_fn steps[] = { idea_step_query, idea_step_render };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

/* ---- proposing and editing ---- */

/*
 * Title 5-120 characters on one line, body up to 10,000, area a slug.
 * For a PATCH (partial) absent fields are fine.  Returns 1 or writes the
 * error (API) / records it in the context (page) and returns 0.
 */
static int
idea_validate(struct dreq *r, int partial, const char **title,
    const char **body, const char **area, const char **field,
    const char **key)
{
	size_t	n;
	int	rc;

	*field = NULL;
	rc = in_field(r, "title", title);
	if (rc == -1 || (rc == 0 && !partial)) {
		*field = "title";
		*key = rc == -1 ? "err.text_invalid" : "err.title_length";
	} else if (rc == 1) {
		n = utf8_count(*title, strlen(*title));
		if (n < 5 || n > 120 || !line_acceptable(*title,
		    strlen(*title))) {
			*field = "title";
			*key = "err.title_length";
		}
	}
	if (*field == NULL) {
		rc = in_field(r, "body", body);
		if (rc == -1) {
			*field = "body";
			*key = "err.text_invalid";
		} else if (rc == 1 && utf8_count(*body, strlen(*body)) > 10000) {
			*field = "body";
			*key = "err.body_length";
		} else if (rc == 0 && !partial) {
			*body = "";
		}
	}
	if (*field == NULL) {
		rc = in_field(r, "area", area);
		if (rc == -1 || (rc == 0 && !partial) || (rc == 1 &&
		    (strlen(*area) < 2 || strlen(*area) > 40))) {
			*field = "area";
			*key = "err.area_invalid";
		}
	}
	return (*field == NULL);
}

static void
form_values(struct dreq *r)
{
	ctx_set_value(r, "title", in_text(r, "title"));
	ctx_set_value(r, "body", in_text(r, "body"));
	ctx_set_value(r, "area", in_text(r, "area"));
}

static int
new_areas(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_areas, 1, r->lang);
	return (STEP_NEXT);
}

static int
new_form(struct http_request *req, struct dreq *r, int status)
{
	return (render_page(req, r, status, "idea_new", "title.idea_new",
	    "ideas"));
}

static void
create_queue(struct dreq *r)
{
	char	uid[32];

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	db_query(r, &q_idea_create, 4, uid, in_text(r, "area"),
	    in_text(r, "title"), in_text(r, "body") != NULL ?
	    in_text(r, "body") : "");
}

/* Step 1: validate; ask for similar ideas unless confirmed. */
static int
new_check(struct http_request *req, struct dreq *r)
{
	const char	*title, *body, *area, *field, *key;

	area = in_text(r, "area");
	areas_into_ctx(r, area != NULL ? area : "", NULL);
	if (in_reading(req) && !r->is_api)
		return (new_form(req, r, 200));

	if (!r->is_api)
		form_values(r);
	if (!idea_validate(r, 0, &title, &body, &area, &field, &key)) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", field, key));
		ctx_set_error(r, field, key);
		return (new_form(req, r, 422));
	}
	/* The API creates at once; a page asks "did you mean" first. */
	if (r->is_api || in_text(r, "confirm") != NULL) {
		create_queue(r);
		return (step_goto(r, 3));
	}
	db_query(r, &q_ideas_similar, 1, title);
	return (STEP_NEXT);
}

static int
new_similar(struct http_request *req, struct dreq *r)
{
	json_t	*list, *o;
	char	 key[48], url[64];
	int	 i;

	if (db_rows(r) == 0) {
		create_queue(r);
		return (STEP_NEXT);
	}
	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		(void)snprintf(url, sizeof(url), "/ideas/%s", db_get(r, i, 0));
		o = json_pack("{s:I, s:s, s:s, s:s, s:i}", "id",
		    (json_int_t)db_int(r, i, 0), "url", url, "title",
		    db_get(r, i, 1), "status", db_get(r, i, 2), "vote_count",
		    (int)db_int(r, i, 3));
		(void)snprintf(key, sizeof(key), "status.%s", db_get(r, i, 2));
		ctx_set_msg(r, o, "status_label", key, NULL);
		json_array_append_new(list, o);
	}
	json_object_set_new(r->ctx, "similar", list);
	json_object_set_new(r->ctx, "confirm_needed", json_true());
	return (new_form(req, r, 200));
}

static int
new_wait(struct http_request *req, struct dreq *r)
{
	return (STEP_NEXT);
}

static int
new_done(struct http_request *req, struct dreq *r)
{
	char	url[64], uid[32];

	if (strcmp(r->sqlstate, "DR422") == 0) {
		if (r->is_api)
			return (out_error(req, r, 422, "invalid", "area",
			    "err.area_invalid"));
		ctx_set_error(r, "area", "err.area_invalid");
		return (new_form(req, r, 422));
	}
	if (r->is_api) {
		/* Answer with the idea as GET would show it. */
		(void)snprintf(url, sizeof(url), "%s", db_get(r, 0, 0));
		(void)snprintf(uid, sizeof(uid), "%lld",
		    (long long)r->sess.user_id);
		db_query(r, &q_idea_one, 3, uid, r->lang, url);
		return (STEP_NEXT);
	}
	(void)snprintf(url, sizeof(url), "/ideas/%s", db_get(r, 0, 0));
	return (out_redirect(req, r, url));
}

static int
created_render(struct http_request *req, struct dreq *r)
{
	if (db_rows(r) != 1)
		return (out_error(req, r, 500, "internal", NULL,
		    "err.internal"));
	return (out_json(req, r, 201, idea_full_json(r)));
}

static const step_fn new_steps[] = {
	new_areas, new_check, new_similar, new_wait, new_done, created_render
};

int
page_idea_new(struct http_request *req)
{
	return (drive_run(req, ROLE_CLIENT, new_steps, 6));
}

/* Edit: the page shows the form (GET) or saves (POST); PATCH in the API. */
static int
edit_load(struct http_request *req, struct dreq *r)
{
	json_t		*idea;
	char		 url[64];

	if (db_rows(r) != 1)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	if (!db_bool(r, 0, COL_MINE))
		return (out_error(req, r, 403, "forbidden", NULL,
		    "err.not_author"));
	if (db_bool(r, 0, COL_ANSWERED))
		return (out_error(req, r, 409, "answered", NULL,
		    "err.edit_answered"));
	idea = json_pack("{s:I, s:s}", "id", (json_int_t)db_int(r, 0, 0),
	    "title", db_get(r, 0, 1));
	(void)snprintf(url, sizeof(url), "/ideas/%lld",
	    (long long)db_int(r, 0, 0));
	json_object_set_new(idea, "url", json_string(url));
	json_object_set_new(r->ctx, "idea", idea);
	if (in_reading(req)) {
		ctx_set_value(r, "title", db_get(r, 0, 1));
		ctx_set_value(r, "body", db_get(r, 0, COL_BODY));
		ctx_set_value(r, "area", db_get(r, 0, 2));
	} else {
		form_values(r);
	}
	json_object_set_new(r->ctx, "area_chosen", json_string(
	    in_reading(req) ? db_get(r, 0, 2) :
	    (in_text(r, "area") != NULL ? in_text(r, "area") : "")));
	db_query(r, &q_areas, 1, r->lang);
	return (STEP_NEXT);
}

static int
edit_form(struct http_request *req, struct dreq *r)
{
	const char	*title, *body, *area, *field, *key;
	char		 uid[32], id[32];

	areas_into_ctx(r, json_string_value(json_object_get(r->ctx,
	    "area_chosen")), NULL);
	if (in_reading(req))
		return (render_page(req, r, 200, "idea_edit",
		    "title.idea_edit", "ideas"));

	if (!idea_validate(r, 0, &title, &body, &area, &field, &key)) {
		ctx_set_error(r, field, key);
		return (render_page(req, r, 422, "idea_edit",
		    "title.idea_edit", "ideas"));
	}
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	(void)snprintf(id, sizeof(id), "%lld", (long long)in_path_id(req, 1));
	db_query(r, &q_idea_edit, 5, id, uid, title, body, area);
	return (STEP_NEXT);
}

static int
edit_saved(struct http_request *req, struct dreq *r)
{
	char	url[64];

	if (r->db_error != DB_OK)
		return (edit_error(req, r));
	(void)snprintf(url, sizeof(url), "/ideas/%lld",
	    (long long)in_path_id(req, r->is_api ? 3 : 1));
	if (!r->is_api)
		return (out_redirect(req, r, url));
	return (STEP_NEXT);
}

/* The refusals of idea_edit(), for page and API alike. */
int
edit_error(struct http_request *req, struct dreq *r)
{
	if (strcmp(r->sqlstate, "DR404") == 0)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.idea_not_found"));
	if (strcmp(r->sqlstate, "DR403") == 0)
		return (out_error(req, r, 403, "forbidden", NULL,
		    "err.not_author"));
	if (strcmp(r->sqlstate, "DR409") == 0)
		return (out_error(req, r, 409, "answered", NULL,
		    "err.edit_answered"));
	return (out_error(req, r, 422, "invalid", "area", "err.area_invalid"));
}

int
page_idea_edit(struct http_request *req)
{
	static const step_fn steps[] = {
		idea_step_query, edit_load, edit_form, edit_saved
	};

	return (drive_run(req, ROLE_CLIENT, steps, 4));
}

static int
patch_run(struct http_request *req, struct dreq *r)
{
	const char	*title = NULL, *body = NULL, *area = NULL;
	const char	*field, *key;
	char		 uid[32], id[32];

	if (!idea_validate(r, 1, &title, &body, &area, &field, &key))
		return (out_error(req, r, 422, "invalid", field, key));
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->sess.user_id);
	(void)snprintf(id, sizeof(id), "%lld", (long long)in_path_id(req, 3));
	db_query(r, &q_idea_edit, 5, id, uid, title, body, area);
	return (STEP_NEXT);
}

static int
patch_reload(struct http_request *req, struct dreq *r)
{
	return (idea_step_query(req, r));
}

int
api_idea(struct http_request *req)
{
	static const step_fn get[] = { idea_step_query, idea_step_render };
	static const step_fn patch[] = {
		patch_run, edit_saved, patch_reload, idea_step_render
	};

	if (req->method == HTTP_METHOD_PATCH)
		return (drive_run(req, ROLE_CLIENT, patch, 4));
	return (drive_run(req, ROLE_CLIENT, get, 2));
}

int
api_ideas(struct http_request *req)
{
	if (req->method == HTTP_METHOD_POST)
		return (drive_run(req, ROLE_CLIENT, new_steps, 6));
	return (drive_run(req, ROLE_CLIENT, list_steps, 3));
}

/* ---- similar titles, areas ---- */

static int
similar_query(struct http_request *req, struct dreq *r)
{
	struct form		 qs;
	const struct form_field	*f;
	size_t			 n;

	memset(&qs, 0, sizeof(qs));
	if (req->query_string == NULL || !form_decode(req->query_string,
	    strlen(req->query_string), &qs) ||
	    (f = form_get(&qs, "title")) == NULL ||
	    !line_acceptable(f->value, f->len) ||
	    (n = utf8_count(f->value, f->len)) < 1 || n > 120) {
		form_free(&qs);
		return (out_error(req, r, 400, "invalid", "title",
		    "err.title_length"));
	}
	db_query(r, &q_ideas_similar, 1, f->value);
	form_free(&qs);
	return (STEP_NEXT);
}

static int
similar_render(struct http_request *req, struct dreq *r)
{
	json_t	*list;
	int	 i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++)
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:i}",
		    "id", (json_int_t)db_int(r, i, 0), "title", db_get(r, i, 1),
		    "status", db_get(r, i, 2), "vote_count",
		    (int)db_int(r, i, 3)));
	return (out_json(req, r, 200, json_pack("{s:o}", "ideas", list)));
}

int
api_ideas_similar(struct http_request *req)
{
	static const step_fn steps[] = { similar_query, similar_render };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

static int
areas_render(struct http_request *req, struct dreq *r)
{
	json_t	*list;
	int	 i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "slug",
		    db_get(r, i, 0), "name", db_get(r, i, 1)));
	return (out_json(req, r, 200, json_pack("{s:o}", "areas", list)));
}

int
api_areas(struct http_request *req)
{
	static const step_fn steps[] = { new_areas, areas_render };

	if (req->method == HTTP_METHOD_POST)
		return (api_area(req));	/* admins create areas */
	return (drive_run(req, ROLE_CLIENT, steps, 2));
}
