/*
 * Listening made visible: the triage desk (the responses awaiting a
 * second person's approval, then the ideas without an official
 * response, a page at a time, the oldest or the most wanted first, with
 * the median time to a first response), the roadmap, and the export of
 * all ideas as CSV for the product managers.
 */

#include "drive.h"

/*
 * The triage list, a page of TRIAGE_PAGE at a time, with the figures
 * (which count every unanswered idea, whatever the filter).  $1 the area
 * ("" all), $2 the language, $3 the sort, $4 and $5 the cursor (key, id;
 * NULL on the first page), $6 where the page starts: "" first, "after"
 * or "before" the cursor.
 *
 * Each sort is one ascending key k with the id as tie-break: the time of
 * creation in microseconds (the oldest first), or the votes or the
 * organisations negated (the most first).  The cursor is the (k, id) of
 * the last row shown (next page) or the first (previous page); counting
 * the rows on either side of it in the same snapshot gives the place the
 * page starts at, so that "showing 51-100" is exact even when ideas were
 * answered since, and a previous page is always a full one.
 */
#define TRIAGE_PAGE "50"

static const struct db_query q_triage = {
	"triage",
	"WITH stats AS ("
	"  SELECT (SELECT round((extract(epoch FROM percentile_cont(0.5)"
	"   WITHIN GROUP (ORDER BY first_response_at - created_at))"
	"   / 86400)::numeric, 1) FROM ideas"
	"   WHERE first_response_at > now() - interval '90 days') AS median,"
	"  (SELECT count(*) FROM ideas WHERE first_response_at IS NULL"
	"   AND created_at < now() - interval '14 days') AS old,"
	"  (SELECT count(*) FROM ideas WHERE first_response_at IS NULL) AS open"
	"), pool AS ("
	"  SELECT i.id, CASE $3 WHEN 'votes' THEN -i.vote_count::bigint"
	"   WHEN 'organizations' THEN -i.organization_count::bigint"
	"   ELSE (extract(epoch FROM i.created_at) * 1000000)::bigint"
	"   END AS k FROM ideas i WHERE i.first_response_at IS NULL"
	"  AND ($1 = '' OR i.area_id = (SELECT x.id FROM areas x"
	"   WHERE x.slug = $1))"
	"), place AS ("
	"  SELECT count(*) AS total, CASE $6"
	"   WHEN 'after' THEN count(*) FILTER (WHERE (p.k, p.id) <="
	"    ($4::bigint, $5::bigint))"
	"   WHEN 'before' THEN greatest(count(*) FILTER (WHERE (p.k, p.id) <"
	"    ($4::bigint, $5::bigint)) - " TRIAGE_PAGE ", 0)"
	"   ELSE 0 END AS skip FROM pool p"
	") SELECT s.median::text AS median, s.old, s.open, pl.total, pl.skip,"
	" pg.k, i.id, i.title,"
	" CASE WHEN $2 = 'de' THEN a.name_de ELSE a.name_en END AS area_label,"
	" i.status, floor(extract(epoch FROM i.created_at))::bigint AS created,"
	" (extract(epoch FROM now() - i.created_at) / 86400)::integer"
	" AS age_days, i.vote_count, i.organization_count,"
	" ou.display_name AS owner_name"
	" FROM stats s CROSS JOIN place pl LEFT JOIN ("
	"  SELECT p.id, p.k FROM pool p ORDER BY p.k, p.id"
	"  OFFSET (SELECT skip FROM place) LIMIT " TRIAGE_PAGE
	" ) pg ON true LEFT JOIN ideas i ON i.id = pg.id"
	" LEFT JOIN areas a ON a.id = i.area_id"
	" LEFT JOIN users ou ON ou.id = i.owner_id"
	" ORDER BY pg.k, pg.id",
};

/*
 * The roadmap: the first ROADMAP_LIMIT ideas of each column (the most
 * votes first; released, the latest first), each row with its column's
 * total, so that a column can say how many more the ideas list holds.
 */
#define ROADMAP_LIMIT "50"

static const struct db_query q_roadmap = {
	"roadmap",
	"SELECT i.status, i.id, i.title, a.slug,"
	" CASE WHEN $1 = 'de' THEN a.name_de ELSE a.name_en END AS area_label,"
	" i.vote_count, i.total"
	" FROM (SELECT * FROM (SELECT i.*, row_number() OVER (PARTITION BY"
	"  i.status ORDER BY CASE WHEN i.status = 'released' THEN"
	"  extract(epoch FROM i.updated_at) ELSE i.vote_count END DESC,"
	"  i.id DESC) AS n, count(*) OVER (PARTITION BY i.status) AS total"
	"  FROM ideas i"
	"  WHERE i.status = ANY ($3::text[])"
	"  AND i.status NOT IN ('new', 'under_review', 'declined', 'duplicate')"
	"  AND" IDEA_VISIBLE_TO("$2") ") x"
				      "  WHERE x.n <= " ROADMAP_LIMIT
				      ") i JOIN areas a ON a.id = i.area_id"
				      " ORDER BY i.status, i.n",
};

static const struct db_query q_export = {
	"export",
	"SELECT i.id, $1::text || '/ideas/' || i.id AS link,"
	" i.title, a.name_en AS area, i.status, i.vote_count,"
	" i.organization_count,"
	" to_char(i.created_at AT TIME ZONE 'UTC',"
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created,"
	" to_char(i.first_response_at AT TIME ZONE 'UTC',"
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS first_response,"
	" to_char((SELECT max(r.created_at) FROM responses r"
	"  WHERE r.idea_id = i.id) AT TIME ZONE 'UTC',"
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS last_change"
	" FROM ideas i JOIN areas a ON a.id = i.area_id ORDER BY i.id",
};

/* ---- triage ---- */

/* The sorts of the list, the default first. */
static const char * const triage_sorts[] = { "age", "votes", "organizations",
	NULL };

/*
 * The query string: sort, area, and a cursor ("cursor", the next page,
 * or "before", the previous one).  bad_field is the first value refused
 * (400), as the ideas list refuses.
 */
struct triage_in {
	const char *sort; /* one of triage_sorts */
	char	    area[48];
	char	    ck[24], cid[24]; /* the cursor: key, id */
	const char *dir;	     /* "", "after" or "before" */
	const char *bad_field;
	const char *bad_key;
};

static void
triage_bad(struct triage_in *in, const char *field, const char *key)
{
	if (in->bad_field == NULL && in->bad_key == NULL) {
		in->bad_field = field;
		in->bad_key = key;
	}
}

/* A query value, "" when absent; one that is not one line is refused. */
static const char *
triage_value(const struct form *qs, struct triage_in *in, const char *name)
{
	const struct form_field *f;

	if ((f = form_get(qs, name)) == NULL)
		return ("");
	if (!line_acceptable(f->value, f->len))
		triage_bad(in, name, "err.text_invalid");
	return (f->value);
}

static void
triage_input(struct dreq *r, void *arg)
{
	struct triage_in *in = arg;
	struct form	  qs;
	const char	 *sort, *area, *after, *before;
	int		  i;

	in->sort = triage_sorts[0];
	in->dir = "";
	memset(&qs, 0, sizeof(qs));
	if (r->req->query_string != NULL &&
	    !form_decode(r->req->query_string, strlen(r->req->query_string),
		&qs)) {
		triage_bad(in, NULL, "err.bad_request");
		return;
	}
	sort = triage_value(&qs, in, "sort");
	area = triage_value(&qs, in, "area");
	after = triage_value(&qs, in, "cursor");
	before = triage_value(&qs, in, "before");

	for (i = 0; *sort != '\0' && triage_sorts[i] != NULL; i++) {
		if (strcmp(sort, triage_sorts[i]) == 0)
			in->sort = triage_sorts[i];
	}
	if (*sort != '\0' && strcmp(sort, in->sort) != 0)
		triage_bad(in, "sort", "err.triage_sort");
	/* No area is this long: the list says it does not know it. */
	if (strlen(area) >= sizeof(in->area))
		triage_bad(in, "area", "err.area_unknown");
	else
		(void)kore_strlcpy(in->area, area, sizeof(in->area));
	if (*after != '\0') {
		if (cursor_parse_wide(after, in->ck, sizeof(in->ck), in->cid,
			sizeof(in->cid)))
			in->dir = "after";
		else
			triage_bad(in, "cursor", "err.cursor_invalid");
	}
	if (*before != '\0') {
		/* One way at a time. */
		if (*after == '\0' &&
		    cursor_parse_wide(before, in->ck, sizeof(in->ck), in->cid,
			sizeof(in->cid)))
			in->dir = "before";
		else
			triage_bad(in, "before", "err.cursor_invalid");
	}
	form_free(&qs);
}

/* The drafts awaiting a second person's approval first (approval.c). */
static int
triage_drafts(struct http_request *req, struct dreq *r)
{
	struct triage_in *in = r->in;

	if (in->bad_field != NULL || in->bad_key != NULL)
		return (step_refuse(req, r, 400, "invalid", in->bad_field,
		    in->bad_key));
	return (drafts_query(req, r, in->area));
}

/*
 * Then the ideas.  The filter offers every area, retired ones too (their
 * ideas may still wait), and checks area.
 */
static int
triage_query(struct http_request *req, struct dreq *r)
{
	struct triage_in *in = r->in;
	int		  cursor = *in->dir != '\0';

	drafts_keep(r);
	if (!area_options(r, in->area, "filter.all_areas", 1) &&
	    *in->area != '\0')
		return (step_refuse(req, r, 400, "invalid", "area",
		    "err.area_unknown"));
	db_query(r, &q_triage, 6, in->area, r->lang, in->sort,
	    cursor ? in->ck : NULL, cursor ? in->cid : NULL, in->dir);
	return (STEP_NEXT);
}

/*
 * "/triage?sort=…&area=…" and a cursor: name "cursor" (after) or
 * "before" with the (k, id) of row; name NULL for none.
 */
static void
triage_url(struct dbuf *b, struct dreq *r, const struct triage_in *in,
    const char *sort, const char *name, int row)
{
	dbuf_appendf(b, "/triage?sort=%s", sort);
	if (*in->area != '\0') {
		dbuf_appendstr(b, "&area=");
		url_encode(b, in->area);
	}
	if (name != NULL)
		dbuf_appendf(b, "&%s=%s.%s", name, row_text(r, row, "k"),
		    row_text(r, row, "id"));
}

/* The sorts as links (tabs), each keeping the area, back to page one. */
static void
triage_sort_tabs(struct dreq *r, const struct triage_in *in)
{
	json_t	   *sorts, *o;
	struct dbuf b;
	char	    key[48];
	int	    i;

	sorts = json_array();
	for (i = 0; triage_sorts[i] != NULL; i++) {
		dbuf_init(&b);
		triage_url(&b, r, in, triage_sorts[i], NULL, 0);
		o = json_pack("{s:s, s:s, s:b}", "value", triage_sorts[i],
		    "url", b.data, "selected",
		    strcmp(triage_sorts[i], in->sort) == 0);
		dbuf_free(&b);
		(void)snprintf(key, sizeof(key), "triage.sort_%s",
		    triage_sorts[i]);
		ctx_set_msg(r, o, "label", key, NULL);
		json_array_append_new(sorts, o);
	}
	json_object_set_new(r->ctx, "sorts", sorts);
	json_object_set_new(r->ctx, "sort",
	    json_pack("{s:s, s:b, s:b, s:b}", "value", in->sort, "age",
		strcmp(in->sort, "age") == 0, "votes",
		strcmp(in->sort, "votes") == 0, "organizations",
		strcmp(in->sort, "organizations") == 0));
}

/* The label of the area chosen in the filter, or NULL for all. */
static const char *
triage_area_label(struct dreq *r)
{
	json_t *areas, *o;
	size_t	i;

	areas = json_object_get(r->ctx, "areas");
	json_array_foreach(areas, i, o) {
		if (json_is_true(json_object_get(o, "selected")) &&
		    *json_string_value(json_object_get(o, "value")) != '\0')
			return (json_string_value(json_object_get(o, "label")));
	}
	return (NULL);
}

/*
 * Where the page is: "N unanswered ideas, showing 51-100" (or all of
 * them, or the one), in the area when one is chosen; the links to the
 * previous and the next page.  skip rows come before the page's n.
 */
static void
triage_paging(struct dreq *r, const struct triage_in *in, int64_t total,
    int64_t skip, int n, int first)
{
	json_t	   *vars, *pages;
	struct dbuf b;
	const char *area, *key;
	json_int_t  from, to;

	area = triage_area_label(r);
	from = (json_int_t)skip + 1;
	to = (json_int_t)skip + n;
	vars = json_pack("{s:I, s:I, s:I, s:s}", "total", (json_int_t)total,
	    "from", from, "to", to, "area", area != NULL ? area : "");
	if (total == 1 && n == 1)
		key = area != NULL ? "triage.count_one_area" :
				     "triage.count_one";
	else if (skip == 0 && n == total)
		key = area != NULL ? "triage.count_all_area" :
				     "triage.count_all";
	else
		key = area != NULL ? "triage.count_page_area" :
				     "triage.count_page";
	if (total > 0 && n > 0)
		ctx_set_msg(r, r->ctx, "count_text", key, vars);
	json_decref(vars);
	json_object_set_new(r->ctx, "page_empty",
	    json_boolean(total > 0 && n == 0));

	pages = json_object();
	if (skip > 0) {
		/* Before the first row; past the end, the first page. */
		dbuf_init(&b);
		triage_url(&b, r, in, in->sort, n > 0 ? "before" : NULL, first);
		json_object_set_new(pages, n > 0 ? "prev_url" : "first_url",
		    json_string(b.data));
		dbuf_free(&b);
	}
	if (n > 0 && skip + n < total) {
		dbuf_init(&b);
		triage_url(&b, r, in, in->sort, "cursor", first + n - 1);
		json_object_set_new(pages, "next_url", json_string(b.data));
		dbuf_free(&b);
	}
	json_object_set_new(pages, "any",
	    json_boolean(json_object_size(pages)));
	json_object_set_new(r->ctx, "pages", pages);
}

static int
triage_render(struct http_request *req, struct dreq *r)
{
	struct triage_in *in = r->in;
	json_t		 *stats, *list, *o;
	const char	 *status;
	char		  url[64], median[32], *dot;
	int		  i, first = -1;

	stats = json_pack("{s:I, s:I}", "unanswered_old",
	    (json_int_t)row_int(r, 0, "old"), "unanswered",
	    (json_int_t)row_int(r, 0, "open"));
	if (!row_null(r, 0, "median")) {
		/* One decimal, with a decimal comma in German. */
		(void)snprintf(median, sizeof(median), "%s",
		    row_text(r, 0, "median"));
		if (strcmp(r->lang, "de") == 0 && (dot = strchr(median, '.')))
			*dot = ',';
		json_object_set_new(stats, "median_days", json_string(median));
	}
	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		if (row_null(r, i, "id"))
			continue; /* no idea: the figures alone */
		if (first == -1)
			first = i;
		(void)snprintf(url, sizeof(url), "/ideas/%s",
		    row_text(r, i, "id"));
		status = row_text(r, i, "status");
		o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:i, s:i}", "id",
		    (json_int_t)row_int(r, i, "id"), "url", url, "title",
		    row_text(r, i, "title"), "area_label",
		    row_text(r, i, "area_label"), "status", status, "age_days",
		    (json_int_t)row_int(r, i, "age_days"), "vote_count",
		    (int)row_int(r, i, "vote_count"), "organization_count",
		    (int)row_int(r, i, "organization_count"));
		status_words(r, o, "status_label", status);
		if (!row_null(r, i, "owner_name"))
			json_object_set_new(o, "owner_name",
			    json_string(row_text(r, i, "owner_name")));
		out_time(r, o, "created_at", NULL, row_int(r, i, "created"));
		json_array_append_new(list, o);
	}
	json_object_set_new(r->ctx, "stats", stats);
	json_object_set_new(r->ctx, "filters",
	    json_pack("{s:s, s:s}", "sort", in->sort, "area", in->area));
	triage_sort_tabs(r, in);
	triage_paging(r, in, row_int(r, 0, "total"), row_int(r, 0, "skip"),
	    (int)json_array_size(list), first);
	json_object_set_new(r->ctx, "has_ideas",
	    json_boolean(json_array_size(list) > 0));
	json_object_set_new(r->ctx, "ideas", list);
	return (render_page(req, r, 200, "triage", "title.triage", "triage"));
}

/* ---- roadmap ---- */

/*
 * The roadmap's columns: every status of the committed group, in the
 * order of the lifecycle (planned, in_progress and those an admin
 * added), then released.  q_roadmap's index leaves out the statuses
 * that can never be one (016_statuses.sql).
 */
#define ROADMAP_COLUMNS STATUS_MAX

struct roadmap {
	const char *status[ROADMAP_COLUMNS];
	json_t	   *ideas[ROADMAP_COLUMNS];
	int64_t	    total[ROADMAP_COLUMNS];
	int	    n;
};

static void
roadmap_columns(struct roadmap *rm)
{
	const struct status_def *d;
	int			 i;

	rm->n = 0;
	for (i = 0; (d = status_at(i)) != NULL; i++) {
		if (d->group == STATUS_COMMITTED && rm->n < ROADMAP_COLUMNS - 1)
			rm->status[rm->n++] = d->key;
	}
	rm->status[rm->n++] = "released";
}

static int
roadmap_query(struct http_request *req, struct dreq *r)
{
	struct roadmap rm;
	struct dbuf    b;
	int	       c;

	roadmap_columns(&rm);
	dbuf_init(&b);
	for (c = 0; c < rm.n; c++)
		dbuf_appendf(&b, "%s%s", c == 0 ? "{" : ",", rm.status[c]);
	dbuf_appendf(&b, "}");
	db_query(r, &q_roadmap, 3, r->lang, r->sess.uid, b.data);
	dbuf_free(&b);
	return (STEP_NEXT);
}

/* The column of a row's status, or -1. */
static int
roadmap_column(struct dreq *r, const struct roadmap *rm, int row)
{
	int c;

	for (c = 0; c < rm->n; c++) {
		if (strcmp(row_text(r, row, "status"), rm->status[c]) == 0)
			return (c);
	}
	return (-1);
}

static json_t *
roadmap_idea(struct dreq *r, int row)
{
	return (json_pack("{s:I, s:s, s:s, s:i}", "id",
	    (json_int_t)row_int(r, row, "id"), "title",
	    row_text(r, row, "title"), "area", row_text(r, row, "slug"),
	    "vote_count", (int)row_int(r, row, "vote_count")));
}

/* The columns, the ideas of each, and each one's total (0 when empty). */
static void
roadmap_groups(struct dreq *r, struct roadmap *rm, int page)
{
	json_t *o;
	char	url[64];
	int	i, c;

	roadmap_columns(rm);
	for (c = 0; c < rm->n; c++) {
		rm->ideas[c] = json_array();
		rm->total[c] = 0;
	}
	for (i = 0; i < db_rows(r); i++) {
		if ((c = roadmap_column(r, rm, i)) == -1)
			continue;
		rm->total[c] = row_int(r, i, "total");
		o = roadmap_idea(r, i);
		if (page) {
			(void)snprintf(url, sizeof(url), "/ideas/%s",
			    row_text(r, i, "id"));
			json_object_set_new(o, "url", json_string(url));
			json_object_set_new(o, "area_label",
			    json_string(row_text(r, i, "area_label")));
		}
		json_array_append_new(rm->ideas[c], o);
	}
}

/*
 * As before, a list per column under its status (at most ROADMAP_LIMIT
 * ideas each) and totals, how many ideas each status has in all; and
 * columns, the statuses in their order with their words.
 */
static int
roadmap_json(struct http_request *req, struct dreq *r)
{
	struct roadmap rm;
	json_t	      *out, *totals, *columns, *col;
	int	       c;

	roadmap_groups(r, &rm, 0);
	out = json_object();
	totals = json_object();
	columns = json_array();
	for (c = 0; c < rm.n; c++) {
		json_object_set_new(out, rm.status[c], rm.ideas[c]);
		json_object_set_new(totals, rm.status[c],
		    json_integer((json_int_t)rm.total[c]));
		col = json_pack("{s:s, s:I}", "status", rm.status[c], "total",
		    (json_int_t)rm.total[c]);
		status_words(r, col, "label", rm.status[c]);
		json_array_append_new(columns, col);
	}
	json_object_set_new(out, "totals", totals);
	json_object_set_new(out, "columns", columns);
	return (out_json(req, r, 200, out));
}

/*
 * A column that holds more than it shows ends in a link to the rest: the
 * ideas list of its status, which pages.
 */
static int
roadmap_render(struct http_request *req, struct dreq *r)
{
	struct roadmap rm;
	json_t	      *columns, *col, *vars;
	int64_t	       more;
	char	       key[48], url[64];
	int	       c;

	roadmap_groups(r, &rm, 1);
	columns = json_array();
	for (c = 0; c < rm.n; c++) {
		col = json_pack("{s:s, s:o, s:b}", "status", rm.status[c],
		    "ideas", rm.ideas[c], "empty",
		    json_array_size(rm.ideas[c]) == 0);
		status_words(r, col, "label", rm.status[c]);
		more = rm.total[c] - (int64_t)json_array_size(rm.ideas[c]);
		if (more > 0) {
			(void)snprintf(url, sizeof(url), "/?status=%s",
			    rm.status[c]);
			json_object_set_new(col, "more_url", json_string(url));
			vars = json_pack("{s:I, s:O}", "n", (json_int_t)more,
			    "status", json_object_get(col, "label"));
			if (status_custom_name(status_find(rm.status[c]),
				r->lang) != NULL)
				(void)snprintf(key, sizeof(key),
				    "roadmap.more_custom%s",
				    more == 1 ? "_one" : "");
			else
				(void)snprintf(key, sizeof(key),
				    "roadmap.more_%s%s", rm.status[c],
				    more == 1 ? "_one" : "");
			ctx_set_msg(r, col, "more_text", key, vars);
			json_decref(vars);
		}
		json_array_append_new(columns, col);
	}
	json_object_set_new(r->ctx, "columns", columns);
	return (render_page(req, r, 200, "roadmap", "title.roadmap",
	    "roadmap"));
}

/* ---- export ---- */

static int
export_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_export, 1, drive_base_url);
	return (STEP_NEXT);
}

static int
export_csv(struct http_request *req, struct dreq *r)
{
	static const struct {
		const char *head;
		const char *column;
	} cols[] = {
		{ "id", "id" },
		{ "title", "title" },
		{ "link", "link" },
		{ "area", "area" },
		{ "status", "status" },
		{ "votes", "vote_count" },
		{ "organisations", "organization_count" },
		{ "created", "created" },
		{ "first response", "first_response" },
		{ "last status change", "last_change" },
	};
	const size_t ncols = sizeof(cols) / sizeof(cols[0]);
	struct dbuf  b;
	const char  *v;
	size_t	     c;
	int	     i;

	csv_start(&b);
	for (c = 0; c < ncols; c++)
		csv_cell(&b, cols[c].head, c == ncols - 1);
	for (i = 0; i < db_rows(r); i++) {
		for (c = 0; c < ncols; c++) {
			v = row_text(r, i, cols[c].column);
			csv_cell(&b, v != NULL ? v : "", c == ncols - 1);
		}
	}
	return (out_csv(req, "ideas.csv", &b));
}

static const step_fn triage_steps[] = { triage_drafts, triage_query,
	triage_render, NULL };
static const step_fn roadmap_page_steps[] = { roadmap_query, roadmap_render,
	NULL };
static const step_fn roadmap_api_steps[] = { roadmap_query, roadmap_json,
	NULL };
static const step_fn export_steps[] = { export_query, export_csv, NULL };

const struct handler triage_page = {
	.role = ROLE_PM,
	.input = triage_input,
	.input_size = sizeof(struct triage_in),
	.steps = triage_steps,
};

const struct handler roadmap_page = {
	.role = ROLE_CLIENT,
	.steps = roadmap_page_steps,
};

const struct handler roadmap_api = {
	.role = ROLE_CLIENT,
	.steps = roadmap_api_steps,
};

const struct handler export_ideas_page = {
	.role = ROLE_PM,
	.steps = export_steps,
};
