/*
 * The list of ideas (the start page "/" and GET /api/v1/ideas): sort,
 * filters, search, cursor paging; the ideas with similar titles (the
 * "did you mean" of the form, live) and the areas one may choose.
 *
 * A list value that cannot be used is refused with 400 naming it: the
 * list is a link, not a form to show again.
 */

#include "drive.h"

#define PAGE_SIZE 20

/*
 * The lists.  A list first picks the 21 ideas of the page by their sort
 * key (an index walk, or for a search the matching ideas), then joins
 * what the page shows to those 21 only.  p.k is the sort key, p.id the
 * tie-break; the cursor ($6, $7) continues after both.
 *
 * The unfiltered lists, the start page most people see, are prepared:
 * the cursor is a plain row comparison (the first page starts above any
 * real key).  The filtered ones ("$3 = '' OR ..." for status, area and
 * whose ideas: the person's own, voted for or commented on, $8)
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
	" AND" IDEA_VISIBLE_TO( \
	    "$1") " AND ($3 = '' OR i.status = $3)" \
		  " AND ($4 = '' OR i.area_id = (SELECT x.id FROM areas x" \
		  "  WHERE x.slug = $4))" \
		  " AND ($8 = '' OR ($8 = 'mine' AND i.author_id = $1::bigint)" \
		  "  OR ($8 = 'voted' AND EXISTS (SELECT 1 FROM votes v" \
		  "   WHERE v.idea_id = i.id AND v.user_id = $1::bigint))" \
		  "  OR ($8 = 'commented' AND EXISTS (SELECT 1 FROM comments c" \
		  "   WHERE c.idea_id = i.id AND c.author_id = $1::bigint)))"
#define PICK_ALL " FROM ideas i WHERE $5 = ''" PICK_FILTERS
#define PICK_SEARCH \
	" FROM ideas i JOIN idea_search s ON s.idea_id = i.id" \
	" WHERE s.words @@ search_query($5)" PICK_FILTERS
#define PICK_TOP(from) \
	"SELECT i.id, i.vote_count AS k" from \
	" AND ($6::integer IS NULL OR (i.vote_count, i.id) <" \
	"  ($6::integer, $7::bigint))" \
	" ORDER BY i.vote_count DESC, i.id DESC LIMIT 21"
/*
 * A search's best matches first: PostgreSQL's rank of the words, where a
 * title's (weight A) count above a body's (B), as an integer key for the
 * cursor.
 */
#define SEARCH_RANK "(ts_rank(s.words, search_query($5)) * 1000000)::integer"
#define PICK_RELEVANCE(from) \
	"SELECT i.id, " SEARCH_RANK " AS k" from \
	" AND ($6::integer IS NULL OR (" SEARCH_RANK ", i.id) <" \
	"  ($6::integer, $7::bigint))" \
	" ORDER BY k DESC, i.id DESC LIMIT 21"
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
	"SELECT i.id, i.recent_vote_count AS k" from " AND" TRENDING_AGE \
	" AND ($6::integer IS NULL OR (i.recent_vote_count, i.id) <" \
	"  ($6::integer, $7::bigint))" \
	" ORDER BY i.recent_vote_count DESC, i.id DESC LIMIT 21"

static const struct db_query q_ideas_top = {
	"ideas_top",
	IDEA_PAGE(PICK_TOP(PICK_ALL)),
	1,
};
static const struct db_query q_ideas_new = {
	"ideas_new",
	IDEA_PAGE(PICK_NEW(PICK_ALL)),
	1,
};
static const struct db_query q_ideas_trending = {
	"ideas_trending",
	IDEA_PAGE(PICK_TRENDING(PICK_ALL)),
	1,
};
static const struct db_query q_ideas_top_search = {
	"ideas_top_search",
	IDEA_PAGE(PICK_TOP(PICK_SEARCH)),
	1,
};
static const struct db_query q_ideas_new_search = {
	"ideas_new_search",
	IDEA_PAGE(PICK_NEW(PICK_SEARCH)),
	1,
};
static const struct db_query q_ideas_relevance_search = {
	"ideas_relevance_search",
	IDEA_PAGE(PICK_RELEVANCE(PICK_SEARCH)),
	1,
};
static const struct db_query q_ideas_trending_search = {
	"ideas_trending_search",
	IDEA_PAGE(PICK_TRENDING(PICK_SEARCH)),
	1,
};

static const struct db_query q_ideas_top_all = {
	"ideas_top_all",
	IDEA_PAGE("SELECT i.id, i.vote_count AS k FROM ideas i"
		  " WHERE (i.vote_count, i.id) < ($3::integer, $4::bigint)"
		  " AND" IDEA_VISIBLE_TO(
		      "$1") " ORDER BY i.vote_count DESC, i.id DESC LIMIT 21"),
};
static const struct db_query q_ideas_new_all = {
	"ideas_new_all",
	IDEA_PAGE("SELECT i.id, 0 AS k FROM ideas i WHERE i.id < $3::bigint"
		  " AND" IDEA_VISIBLE_TO("$1") " ORDER BY i.id DESC LIMIT 21"),
};
static const struct db_query q_ideas_trending_all = {
	"ideas_trending_all",
	IDEA_PAGE(
	    "SELECT i.id, i.recent_vote_count AS k FROM ideas i"
	    " WHERE" TRENDING_AGE
	    " AND (i.recent_vote_count, i.id) < ($3::integer, $4::bigint)"
	    " AND" IDEA_VISIBLE_TO(
		"$1") " ORDER BY i.recent_vote_count DESC, i.id DESC LIMIT 21"),
};

static const struct db_query q_ideas_similar = {
	"ideas_similar",
	IDEAS_SIMILAR_SQL,
};

/* Whose ideas the list may be limited to ("show"), after "" (all). */
static const char * const list_shows[] = { "mine", "voted", "commented", NULL };

/* The list's query string; bad_field is the first value refused. */
struct list_in {
	const char *sort; /* "top", "new", "trending" or "relevance" */
	char	    status[STATUS_KEY_MAX + 2]; /* a status's key, or "" */
	const char *show; /* "mine", "voted", "commented" or "" */
	char	    area[48];
	char	    q[208];
	char	    ca[16], cb[24]; /* the cursor: key, id */
	int	    has_cursor;
	int	    welcome;
	const char *bad_field;
	const char *bad_key;
};

struct similar_in {
	char	    title[512];
	const char *bad_field;
};

/* Notes the first value refused; the list names only that one. */
static void
list_bad(struct list_in *in, const char *field, const char *key)
{
	if (in->bad_field == NULL) {
		in->bad_field = field;
		in->bad_key = key;
	}
}

/*
 * A query value, "" when absent.  A value that is not one line of text
 * (a NUL byte, which would cut it short, or a control character) is
 * refused.
 */
static const char *
qs_value(const struct form *qs, struct list_in *in, const char *name)
{
	const struct form_field *f;

	if ((f = form_get(qs, name)) == NULL)
		return ("");
	if (!line_acceptable(f->value, f->len))
		list_bad(in, name, "err.text_invalid");
	return (f->value);
}

static void
list_input(struct dreq *r, void *arg)
{
	struct list_in		*in = arg;
	struct form		 qs;
	const struct form_field *f;
	const char		*sort, *status, *area, *q, *cur, *show;
	int			 i;

	memset(&qs, 0, sizeof(qs));
	if (r->req->query_string != NULL &&
	    !form_decode(r->req->query_string, strlen(r->req->query_string),
		&qs)) {
		list_bad(in, NULL, "err.bad_request");
		return;
	}
	sort = qs_value(&qs, in, "sort");
	status = qs_value(&qs, in, "status");
	area = qs_value(&qs, in, "area");
	q = qs_value(&qs, in, "q");
	cur = qs_value(&qs, in, "cursor");
	show = qs_value(&qs, in, "show");
	f = form_get(&qs, "welcome");
	in->welcome = f != NULL && *f->value != '\0';

	in->sort = *sort == '\0' || strcmp(sort, "top") == 0 ? "top" :
	    strcmp(sort, "new") == 0			     ? "new" :
	    strcmp(sort, "trending") == 0		     ? "trending" :
	    strcmp(sort, "relevance") == 0		     ? "relevance" :
							       NULL;
	if (in->sort == NULL) {
		in->sort = "top";
		list_bad(in, "sort", "err.sort_invalid");
	}
	/* A search ranks by relevance unless a sort is asked for; without
	 * words there is nothing to rank by (the top ideas, then). */
	if (*q != '\0' && *sort == '\0')
		in->sort = "relevance";
	else if (*q == '\0' && strcmp(in->sort, "relevance") == 0)
		in->sort = "top";
	in->status[0] = '\0';
	if (status_valid(status))
		(void)snprintf(in->status, sizeof(in->status), "%s", status);
	else if (*status != '\0')
		list_bad(in, "status", "err.status_invalid");
	in->show = "";
	for (i = 0; *show != '\0' && list_shows[i] != NULL; i++) {
		if (strcmp(show, list_shows[i]) == 0)
			in->show = list_shows[i];
	}
	if (*show != '\0' && *in->show == '\0')
		list_bad(in, "show", "err.show_invalid");
	if (strlen(q) > 200)
		list_bad(in, "q", "err.text_invalid");
	else
		(void)kore_strlcpy(in->q, q, sizeof(in->q));
	if (*cur != '\0') {
		if (cursor_parse(cur, in->ca, sizeof(in->ca), in->cb,
			sizeof(in->cb)))
			in->has_cursor = 1;
		else
			list_bad(in, "cursor", "err.cursor_invalid");
	}
	/* No area is this long: the list says it does not know it. */
	if (strlen(area) >= sizeof(in->area))
		list_bad(in, "area", "err.area_unknown");
	else
		(void)kore_strlcpy(in->area, area, sizeof(in->area));
	form_free(&qs);
}

/* The filter offers the areas (catalog.c), and checks area. */
static int
list_query(struct http_request *req, struct dreq *r)
{
	struct list_in	      *in = r->in;
	const struct db_query *q;

	if (in->bad_field != NULL || in->bad_key != NULL)
		return (step_refuse(req, r, 400, "invalid", in->bad_field,
		    in->bad_key));
	if (!area_options(r, in->area, "filter.all_areas", 0) &&
	    *in->area != '\0')
		return (step_refuse(req, r, 400, "invalid", "area",
		    "err.area_unknown"));

	if (*in->status == '\0' && *in->area == '\0' && *in->q == '\0' &&
	    *in->show == '\0') {
		if (strcmp(in->sort, "new") == 0)
			db_query(r, &q_ideas_new_all, 3, r->sess.uid, r->lang,
			    in->has_cursor ? in->cb : "9223372036854775807");
		else
			db_query(r,
			    strcmp(in->sort, "trending") == 0 ?
				&q_ideas_trending_all :
				&q_ideas_top_all,
			    4, r->sess.uid, r->lang,
			    in->has_cursor ? in->ca : "2147483647",
			    in->has_cursor ? in->cb : "9223372036854775807");
		return (STEP_NEXT);
	}
	if (*in->q == '\0')
		q = strcmp(in->sort, "new") == 0      ? &q_ideas_new :
		    strcmp(in->sort, "trending") == 0 ? &q_ideas_trending :
							&q_ideas_top;
	else
		q = strcmp(in->sort, "new") == 0 ? &q_ideas_new_search :
		    strcmp(in->sort, "trending") == 0 ?
						   &q_ideas_trending_search :
		    strcmp(in->sort, "relevance") == 0 ?
						   &q_ideas_relevance_search :
						   &q_ideas_top_search;
	db_query(r, q, 8, r->sess.uid, r->lang, in->status, in->area, in->q,
	    in->has_cursor ? in->ca : NULL, in->has_cursor ? in->cb : NULL,
	    in->show);
	return (STEP_NEXT);
}

/*
 * The list's statement may carry the session's lookup (list_query run by
 * the prelude) when its input will not be refused: no bad field, no area
 * but one to choose.
 */
static int
list_fold_ok(struct dreq *r)
{
	const struct list_in  *in = r->in;
	const struct area_def *a;

	if (in->bad_field != NULL || in->bad_key != NULL)
		return (0);
	return (*in->area == '\0' ||
	    ((a = area_find(in->area)) != NULL && !a->retired));
}

/*
 * The rows of the page (at most PAGE_SIZE) and the cursor after the last
 * ("" when no more follow).
 */
static int
list_rows(struct dreq *r, char *cursor, size_t len)
{
	int n;

	n = db_rows(r);
	cursor[0] = '\0';
	if (n <= PAGE_SIZE)
		return (n);
	(void)snprintf(cursor, len, "%lld.%lld",
	    (long long)row_int(r, PAGE_SIZE - 1, "k"),
	    (long long)row_int(r, PAGE_SIZE - 1, "id"));
	return (PAGE_SIZE);
}

/* The ideas of the page; 1 when more follow. */
static int
list_ideas(struct dreq *r, json_t **ideas, char *cursor, size_t len)
{
	int i, n;

	n = list_rows(r, cursor, len);
	*ideas = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(*ideas, idea_json(r, i, 0));
	return (cursor[0] != '\0');
}

/* "/?sort=…&status=…" keeping the filters; cursor optional. */
static void
list_url(struct dbuf *b, struct list_in *in, const char *sort,
    const char *cursor)
{
	const char *names[] = { "status", "area", "show", "q" };
	const char *vals[] = { in->status, in->area, in->show, in->q };
	size_t	    i;

	dbuf_appendf(b, "/?sort=%s", sort);
	for (i = 0; i < 4; i++) {
		if (*vals[i] == '\0')
			continue;
		dbuf_appendf(b, "&%s=", names[i]);
		url_encode(b, vals[i]);
	}
	if (cursor != NULL)
		dbuf_appendf(b, "&cursor=%s", cursor);
}

/*
 * The API's list, written from the rows without a jansson tree (the
 * tree and json_dumps() were 85 % of its instructions; README,
 * "Instructions per request").
 */
static int
list_json(struct http_request *req, struct dreq *r)
{
	struct dbuf b;
	char	    cursor[48];
	int	    i, n;

	n = list_rows(r, cursor, sizeof(cursor));
	dbuf_init(&b);
	dbuf_appendstr(&b, "{\"ideas\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			dbuf_append(&b, ",", 1);
		idea_api_write(r, i, &b);
	}
	/* The cursor is digits and a dot: nothing to escape. */
	if (cursor[0] != '\0')
		dbuf_appendf(&b, "],\"next_cursor\":\"%s\"}", cursor);
	else
		dbuf_appendstr(&b, "],\"next_cursor\":null}");
	return (out_json_buf(req, r, 200, &b));
}

/*
 * A search's words where they matched: the title with them marked
 * ("title_html"), and from the description the passage around the first
 * ("excerpt_html").
 */
static void
list_matches(struct dreq *r, const struct list_in *in, json_t *ideas)
{
	struct dbuf b;
	json_t	   *o;
	size_t	    i;

	if (*in->q == '\0')
		return;
	json_array_foreach(ideas, i, o) {
		dbuf_init(&b);
		if (search_mark(&b, row_text(r, (int)i, "title"), in->q)) {
			dbuf_append(&b, "", 1);
			json_object_set_new(o, "title_html",
			    json_string(b.data));
		}
		dbuf_free(&b);
		dbuf_init(&b);
		if (search_excerpt(&b, row_text(r, (int)i, "body"), in->q,
			160)) {
			dbuf_append(&b, "", 1);
			json_object_set_new(o, "excerpt_html",
			    json_string(b.data));
		}
		dbuf_free(&b);
	}
}

/* The label of the option chosen in one of the filter's selects, or NULL. */
static const char *
chosen_label(json_t *options)
{
	json_t *o;
	size_t	i;

	json_array_foreach(options, i, o) {
		if (json_is_true(json_object_get(o, "selected")) &&
		    *json_string_value(json_object_get(o, "value")) != '\0')
			return (json_string_value(json_object_get(o, "label")));
	}
	return (NULL);
}

/* The choice of whose ideas: all, the person's own, voted, commented. */
static void
list_show_options(struct dreq *r, const struct list_in *in)
{
	json_t *shows, *o;
	char	key[32];
	int	i;

	shows = json_array();
	o = json_pack("{s:s, s:b}", "value", "", "selected", *in->show == '\0');
	ctx_set_msg(r, o, "label", "show.all", NULL);
	json_array_append_new(shows, o);
	for (i = 0; list_shows[i] != NULL; i++) {
		o = json_pack("{s:s, s:b}", "value", list_shows[i], "selected",
		    strcmp(in->show, list_shows[i]) == 0);
		(void)snprintf(key, sizeof(key), "show.%s", list_shows[i]);
		ctx_set_msg(r, o, "label", key, NULL);
		json_array_append_new(shows, o);
	}
	json_object_set_new(r->ctx, "shows", shows);
}

/*
 * What the folded filter form says on a phone while it is closed: the
 * search words and the chosen status, area and whose ideas
 * ("filters.active").
 */
static void
list_active_filters(struct dreq *r, const struct list_in *in)
{
	json_t	   *filters, *active;
	const char *label;

	filters = json_object_get(r->ctx, "filters");
	active = json_array();
	if (*in->q != '\0')
		json_array_append_new(active,
		    json_pack("{s:s, s:b}", "text", in->q, "quoted", 1));
	if ((label = chosen_label(json_object_get(r->ctx, "statuses"))) != NULL)
		json_array_append_new(active,
		    json_pack("{s:s}", "text", label));
	if ((label = chosen_label(json_object_get(r->ctx, "areas"))) != NULL)
		json_array_append_new(active,
		    json_pack("{s:s}", "text", label));
	if ((label = chosen_label(json_object_get(r->ctx, "shows"))) != NULL)
		json_array_append_new(active,
		    json_pack("{s:s}", "text", label));
	json_object_set_new(filters, "any",
	    json_boolean(json_array_size(active)));
	json_object_set_new(filters, "active", active);
}

static int
list_render(struct http_request *req, struct dreq *r)
{
	struct list_in *in = r->in;
	json_t	       *ideas, *sorts, *o;
	struct dbuf	b;
	char		cursor[48], key[32];
	const char     *sortv[] = { "relevance", "top", "new", "trending" };
	int		i, more;

	more = list_ideas(r, &ideas, cursor, sizeof(cursor));
	list_matches(r, in, ideas);
	json_object_set_new(r->ctx, "has_ideas",
	    json_boolean(json_array_size(ideas) > 0));
	json_object_set_new(r->ctx, "ideas", ideas);
	json_object_set_new(r->ctx, "filters",
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "sort", in->sort, "status",
		in->status, "area", in->area, "show", in->show, "q", in->q));
	list_show_options(r, in);
	/* A new search from the form ranks by relevance, unless another
	 * order than the default was chosen. */
	json_object_set_new(json_object_get(r->ctx, "filters"), "keep_sort",
	    json_boolean(strcmp(in->sort, "top") != 0));

	sorts = json_array();
	/* "Best match" only for a search. */
	for (i = *in->q != '\0' ? 0 : 1; i < 4; i++) {
		dbuf_init(&b);
		list_url(&b, in, sortv[i], NULL);
		o = json_pack("{s:s, s:s, s:b}", "value", sortv[i], "url",
		    b.data, "selected", strcmp(sortv[i], in->sort) == 0);
		(void)snprintf(key, sizeof(key), "sort.%s", sortv[i]);
		ctx_set_msg(r, o, "label", key, NULL);
		json_array_append_new(sorts, o);
		dbuf_free(&b);
	}
	json_object_set_new(r->ctx, "sorts", sorts);
	json_object_set_new(r->ctx, "statuses",
	    status_options(r, in->status, "filter.all_statuses", 1));
	list_active_filters(r, in);

	if (more) {
		dbuf_init(&b);
		list_url(&b, in, in->sort, cursor);
		json_object_set_new(r->ctx, "next_url", json_string(b.data));
		dbuf_free(&b);
	}
	/* A vote by form comes back to this very page, cursor and all. */
	dbuf_init(&b);
	(void)snprintf(cursor, sizeof(cursor), "%s.%s", in->ca, in->cb);
	list_url(&b, in, in->sort, in->has_cursor ? cursor : NULL);
	json_object_set_new(r->ctx, "back", json_string(b.data));
	dbuf_free(&b);
	if (in->welcome) {
		json_object_set_new(r->ctx, "user", session_user_json(r));
		ctx_set_msg(r, r->ctx, "notice", "notice.welcome", r->ctx);
	}
	/* The list needs drive.css alone (pages.css: every other page). */
	json_object_set_new(r->ctx, "css_core_only", json_true());
	return (render_page(req, r, 200, "ideas", "title.ideas", "ideas"));
}

/* ---- similar titles ---- */

static void
similar_input(struct dreq *r, void *arg)
{
	struct similar_in	*in = arg;
	struct form		 qs;
	const struct form_field *f;
	size_t			 n;

	memset(&qs, 0, sizeof(qs));
	if (r->req->query_string == NULL ||
	    !form_decode(r->req->query_string, strlen(r->req->query_string),
		&qs) ||
	    (f = form_get(&qs, "title")) == NULL ||
	    !line_acceptable(f->value, f->len) ||
	    (n = utf8_count(f->value, f->len)) < 1 || n > 120 ||
	    f->len >= sizeof(in->title))
		in->bad_field = "title";
	else
		(void)kore_strlcpy(in->title, f->value, sizeof(in->title));
	form_free(&qs);
}

static int
similar_query(struct http_request *req, struct dreq *r)
{
	struct similar_in *in = r->in;

	if (in->bad_field != NULL)
		return (step_refuse(req, r, 400, "invalid", in->bad_field,
		    "err.title_length"));
	db_query(r, &q_ideas_similar, 2, in->title, r->sess.uid);
	return (STEP_NEXT);
}

static int
similar_json(struct http_request *req, struct dreq *r)
{
	json_t *list;
	int	i;

	list = json_array();
	for (i = 0; i < db_rows(r); i++)
		json_array_append_new(list,
		    json_pack("{s:I, s:s, s:s, s:i}", "id",
			(json_int_t)row_int(r, i, "id"), "title",
			row_text(r, i, "title"), "status",
			row_text(r, i, "status"), "vote_count",
			(int)row_int(r, i, "vote_count")));
	return (out_json(req, r, 200, json_pack("{s:o}", "ideas", list)));
}

/* ---- the areas ---- */

/*
 * The areas one may choose, from this worker's copy (catalog.c).  Staff
 * also see which statuses need a second person's approval.
 */
static int
areas_json(struct http_request *req, struct dreq *r)
{
	const struct area_def *d;
	json_t		      *list, *a, *approval;
	json_error_t	       jerr;
	int		       i;

	list = json_array();
	for (i = 0; (d = area_at(i)) != NULL; i++) {
		if (d->retired)
			continue;
		a = json_pack("{s:s, s:s}", "slug", d->slug, "name",
		    area_name(d, r->lang));
		if (r->sess.role >= ROLE_PM &&
		    (approval = json_loads(d->approval, 0, &jerr)) != NULL)
			json_object_set_new(a, "approval", approval);
		json_array_append_new(list, a);
	}
	return (out_json(req, r, 200, json_pack("{s:o}", "areas", list)));
}

static const step_fn list_page_steps[] = { list_query, list_render, NULL };
static const step_fn list_api_steps[] = { list_query, list_json, NULL };
static const step_fn similar_steps[] = { similar_query, similar_json, NULL };
static const step_fn areas_steps[] = { areas_json, NULL };

const struct handler ideas_page = {
	.role = ROLE_CLIENT,
	.input = list_input,
	.input_size = sizeof(struct list_in),
	.steps = list_page_steps,
	.fold = list_query,
	.fold_ok = list_fold_ok,
};

const struct handler ideas_api = {
	.role = ROLE_CLIENT,
	.input = list_input,
	.input_size = sizeof(struct list_in),
	.steps = list_api_steps,
	.fold = list_query,
	.fold_ok = list_fold_ok,
};

const struct handler ideas_similar_api = {
	.role = ROLE_CLIENT,
	.input = similar_input,
	.input_size = sizeof(struct similar_in),
	.steps = similar_steps,
};

const struct handler areas_api = {
	.role = ROLE_CLIENT,
	.steps = areas_steps,
};
