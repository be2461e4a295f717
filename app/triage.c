/*
 * Listening made visible: the triage desk (ideas without an official
 * response, oldest first, with the median time to a first response), the
 * roadmap, and the export of all ideas as CSV for the product managers.
 */

#include "drive.h"

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
	") SELECT s.median::text AS median, s.old, s.open, i.id, i.title,"
	" CASE WHEN $2 = 'de' THEN a.name_de ELSE a.name_en END AS area_label,"
	" i.status, extract(epoch FROM i.created_at)::bigint AS created,"
	" (extract(epoch FROM now() - i.created_at) / 86400)::integer"
	" AS age_days, i.vote_count, i.organization_count"
	" FROM stats s LEFT JOIN ("
	"  SELECT i.* FROM ideas i JOIN areas a2 ON a2.id = i.area_id"
	"  WHERE i.first_response_at IS NULL AND ($1 = '' OR a2.slug = $1)"
	"  ORDER BY i.created_at, i.id LIMIT 200"
	" ) i ON true LEFT JOIN areas a ON a.id = i.area_id"
	" ORDER BY i.created_at, i.id",
};

static const struct db_query q_areas_all = {
	"areas_all",
	"SELECT slug,"
	" CASE WHEN $1 = 'de' THEN name_de ELSE name_en END AS label"
	" FROM areas ORDER BY position, id",
};

static const struct db_query q_roadmap = {
	"roadmap",
	"SELECT i.status, i.id, i.title, a.slug,"
	" CASE WHEN $1 = 'de' THEN a.name_de ELSE a.name_en END AS area_label,"
	" i.vote_count"
	" FROM (SELECT * FROM (SELECT i.*, row_number() OVER (PARTITION BY"
	"  i.status ORDER BY CASE WHEN i.status = 'released' THEN"
	"  extract(epoch FROM i.updated_at) ELSE i.vote_count END DESC,"
	"  i.id DESC) AS n FROM ideas i"
	"  WHERE i.status IN ('planned', 'in_progress', 'released')) x"
	"  WHERE x.n <= 50) i JOIN areas a ON a.id = i.area_id"
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

/*
 * The area filter of the query string ("" for all).  Text that is not
 * one line (a NUL would cut it) is a bad request (400), as before.
 */
struct triage_in {
	const char *area; /* in the decoded query string */
	int	    bad;
};

static void
qs_free(void *arg)
{
	struct form *qs = arg;

	form_free(qs);
	kore_free(qs);
}

static void
triage_input(struct dreq *r, void *arg)
{
	struct triage_in	*in = arg;
	struct form		*qs;
	const struct form_field *f;
	const char		*q = r->req->query_string;

	in->area = "";
	qs = kore_calloc(1, sizeof(*qs));
	r->data = qs;
	r->data_free = qs_free;
	if (q == NULL || !form_decode(q, strlen(q), qs) ||
	    (f = form_get(qs, "area")) == NULL)
		return;
	if (line_acceptable(f->value, f->len))
		in->area = f->value;
	else
		in->bad = 1;
}

static int
triage_areas(struct http_request *req, struct dreq *r)
{
	struct triage_in *in = r->in;

	if (in->bad)
		return (step_refuse(req, r, 400, "invalid", "area",
		    "err.text_invalid"));
	db_query(r, &q_areas_all, 1, r->lang);
	return (STEP_NEXT);
}

static int
triage_query(struct http_request *req, struct dreq *r)
{
	struct triage_in *in = r->in;
	json_t		 *areas;
	int		  i;

	areas = json_array();
	json_array_append_new(areas,
	    json_pack("{s:s, s:b}", "value", "", "selected",
		*in->area == '\0'));
	ctx_set_msg(r, json_array_get(areas, 0), "label", "filter.all_areas",
	    NULL);
	for (i = 0; i < db_rows(r); i++)
		json_array_append_new(areas,
		    json_pack("{s:s, s:s, s:b}", "value",
			row_text(r, i, "slug"), "label",
			row_text(r, i, "label"), "selected",
			strcmp(in->area, row_text(r, i, "slug")) == 0));
	json_object_set_new(r->ctx, "areas", areas);
	db_query(r, &q_triage, 2, in->area, r->lang);
	return (STEP_NEXT);
}

static int
triage_render(struct http_request *req, struct dreq *r)
{
	json_t	   *stats, *list, *o;
	const char *status;
	char	    url[64], key[48], median[32], *dot;
	int	    i;

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
		(void)snprintf(key, sizeof(key), "status.%s", status);
		ctx_set_msg(r, o, "status_label", key, NULL);
		out_time(r, o, "created_at", NULL, row_int(r, i, "created"));
		json_array_append_new(list, o);
	}
	json_object_set_new(r->ctx, "stats", stats);
	json_object_set_new(r->ctx, "has_ideas",
	    json_boolean(json_array_size(list) > 0));
	json_object_set_new(r->ctx, "ideas", list);
	return (render_page(req, r, 200, "triage", "title.triage", "triage"));
}

/* ---- roadmap ---- */

static const char *roadmap_statuses[] = { "planned", "in_progress",
	"released" };
#define ROADMAP_COLUMNS 3

static int
roadmap_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_roadmap, 1, r->lang);
	return (STEP_NEXT);
}

/* The column of a row's status, or -1. */
static int
roadmap_column(struct dreq *r, int row)
{
	int c;

	for (c = 0; c < ROADMAP_COLUMNS; c++) {
		if (strcmp(row_text(r, row, "status"), roadmap_statuses[c]) ==
		    0)
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

static int
roadmap_json(struct http_request *req, struct dreq *r)
{
	json_t *groups[ROADMAP_COLUMNS];
	int	i, c;

	for (c = 0; c < ROADMAP_COLUMNS; c++)
		groups[c] = json_array();
	for (i = 0; i < db_rows(r); i++) {
		if ((c = roadmap_column(r, i)) != -1)
			json_array_append_new(groups[c], roadmap_idea(r, i));
	}
	return (out_json(req, r, 200,
	    json_pack("{s:o, s:o, s:o}", "planned", groups[0], "in_progress",
		groups[1], "released", groups[2])));
}

static int
roadmap_render(struct http_request *req, struct dreq *r)
{
	json_t *groups[ROADMAP_COLUMNS], *columns, *col, *o;
	char	url[64], key[48];
	int	i, c;

	for (c = 0; c < ROADMAP_COLUMNS; c++)
		groups[c] = json_array();
	for (i = 0; i < db_rows(r); i++) {
		if ((c = roadmap_column(r, i)) == -1)
			continue;
		o = roadmap_idea(r, i);
		(void)snprintf(url, sizeof(url), "/ideas/%s",
		    row_text(r, i, "id"));
		json_object_set_new(o, "url", json_string(url));
		json_object_set_new(o, "area_label",
		    json_string(row_text(r, i, "area_label")));
		json_array_append_new(groups[c], o);
	}
	columns = json_array();
	for (c = 0; c < ROADMAP_COLUMNS; c++) {
		col = json_pack("{s:s, s:o, s:b}", "status",
		    roadmap_statuses[c], "ideas", groups[c], "empty",
		    json_array_size(groups[c]) == 0);
		(void)snprintf(key, sizeof(key), "status.%s",
		    roadmap_statuses[c]);
		ctx_set_msg(r, col, "label", key, NULL);
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

static const step_fn triage_steps[] = { triage_areas, triage_query,
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
