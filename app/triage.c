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
	") SELECT s.median::text, s.old, s.open, i.id, i.title,"
	" CASE WHEN $2 = 'de' THEN a.name_de ELSE a.name_en END, i.status,"
	" extract(epoch FROM i.created_at)::bigint,"
	" (extract(epoch FROM now() - i.created_at) / 86400)::integer,"
	" i.vote_count, i.organization_count"
	" FROM stats s LEFT JOIN ("
	"  SELECT i.* FROM ideas i JOIN areas a2 ON a2.id = i.area_id"
	"  WHERE i.first_response_at IS NULL AND ($1 = '' OR a2.slug = $1)"
	"  ORDER BY i.created_at, i.id LIMIT 200"
	" ) i ON true LEFT JOIN areas a ON a.id = i.area_id"
	" ORDER BY i.created_at, i.id"
};

static const struct db_query q_areas_all = {
	"areas_all",
	"SELECT slug, CASE WHEN $1 = 'de' THEN name_de ELSE name_en END"
	" FROM areas ORDER BY position, id"
};

static const struct db_query q_roadmap = {
	"roadmap",
	"SELECT i.status, i.id, i.title, a.slug,"
	" CASE WHEN $1 = 'de' THEN a.name_de ELSE a.name_en END, i.vote_count"
	" FROM (SELECT * FROM (SELECT i.*, row_number() OVER (PARTITION BY"
	"  i.status ORDER BY CASE WHEN i.status = 'released' THEN"
	"  extract(epoch FROM i.updated_at) ELSE i.vote_count END DESC,"
	"  i.id DESC) AS n FROM ideas i"
	"  WHERE i.status IN ('planned', 'in_progress', 'released')) x"
	"  WHERE x.n <= 50) i JOIN areas a ON a.id = i.area_id"
	" ORDER BY i.status, i.n"
};

static const struct db_query q_export = {
	"export",
	"SELECT i.title, a.name_en, i.status, i.vote_count,"
	" i.organization_count,"
	" to_char(i.created_at AT TIME ZONE 'UTC',"
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	" to_char(i.first_response_at AT TIME ZONE 'UTC',"
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	" to_char((SELECT max(r.created_at) FROM responses r"
	"  WHERE r.idea_id = i.id) AT TIME ZONE 'UTC',"
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	" FROM ideas i JOIN areas a ON a.id = i.area_id ORDER BY i.id"
};

/* ---- triage ---- */

static const char *
triage_area(struct http_request *req, struct form *qs)
{
	const struct form_field	*f;

	if (req->query_string == NULL || !form_decode(req->query_string,
	    strlen(req->query_string), qs))
		return ("");
	if ((f = form_get(qs, "area")) == NULL)
		return ("");
	/* NULL: not one line of text (a NUL would cut it): refused. */
	return (line_acceptable(f->value, f->len) ? f->value : NULL);
}

static int
triage_areas(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_areas_all, 1, r->lang);
	return (STEP_NEXT);
}

static int
triage_query(struct http_request *req, struct dreq *r)
{
	struct form	 qs;
	const char	*area;
	json_t		*areas;
	int		 i;

	memset(&qs, 0, sizeof(qs));
	if ((area = triage_area(req, &qs)) == NULL) {
		form_free(&qs);
		return (out_error(req, r, 400, "invalid", "area",
		    "err.text_invalid"));
	}
	areas = json_array();
	json_array_append_new(areas, json_pack("{s:s, s:b}", "value", "",
	    "selected", *area == '\0'));
	ctx_set_msg(r, json_array_get(areas, 0), "label", "filter.all_areas",
	    NULL);
	for (i = 0; i < db_rows(r); i++)
		json_array_append_new(areas, json_pack("{s:s, s:s, s:b}",
		    "value", db_get(r, i, 0), "label", db_get(r, i, 1),
		    "selected", strcmp(area, db_get(r, i, 0)) == 0));
	json_object_set_new(r->ctx, "areas", areas);
	db_query(r, &q_triage, 2, area, r->lang);
	form_free(&qs);
	return (STEP_NEXT);
}

static int
triage_render(struct http_request *req, struct dreq *r)
{
	json_t	*stats, *list, *o;
	char	 url[64], key[48], median[32], *dot;
	int	 i;

	stats = json_pack("{s:I, s:I}",
	    "unanswered_old", (json_int_t)db_int(r, 0, 1),
	    "unanswered", (json_int_t)db_int(r, 0, 2));
	if (db_get(r, 0, 0) != NULL) {
		/* One decimal, with a decimal comma in German. */
		(void)snprintf(median, sizeof(median), "%s", db_get(r, 0, 0));
		if (strcmp(r->lang, "de") == 0 && (dot = strchr(median, '.')))
			*dot = ',';
		json_object_set_new(stats, "median_days", json_string(median));
	}
	list = json_array();
	for (i = 0; i < db_rows(r); i++) {
		if (db_get(r, i, 3) == NULL)
			continue;
		(void)snprintf(url, sizeof(url), "/ideas/%s", db_get(r, i, 3));
		o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:i, s:i}",
		    "id", (json_int_t)db_int(r, i, 3), "url", url,
		    "title", db_get(r, i, 4), "area_label", db_get(r, i, 5),
		    "status", db_get(r, i, 6),
		    "age_days", (json_int_t)db_int(r, i, 8),
		    "vote_count", (int)db_int(r, i, 9),
		    "organization_count", (int)db_int(r, i, 10));
		(void)snprintf(key, sizeof(key), "status.%s", db_get(r, i, 6));
		ctx_set_msg(r, o, "status_label", key, NULL);
		{
			char *iso = out_iso8601(db_int(r, i, 7));
			json_object_set_new(o, "created_at", json_string(iso));
			kore_free(iso);
		}
		json_array_append_new(list, o);
	}
	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:o, s:o}", "stats",
		    stats, "ideas", list)));
	json_object_set_new(r->ctx, "stats", stats);
	json_object_set_new(r->ctx, "has_ideas",
	    json_boolean(json_array_size(list) > 0));
	json_object_set_new(r->ctx, "ideas", list);
	return (render_page(req, r, 200, "triage", "title.triage", "triage"));
}

int
page_triage(struct http_request *req)
{
	static const step_fn steps[] = {
		triage_areas, triage_query, triage_render
	};

	return (drive_run(req, ROLE_PM, steps, 3));
}

/* ---- roadmap ---- */

static int
roadmap_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_roadmap, 1, r->lang);
	return (STEP_NEXT);
}

static int
roadmap_render(struct http_request *req, struct dreq *r)
{
	static const char	*cols[] = { "planned", "in_progress", "released" };
	json_t			*groups[3], *columns, *col, *o;
	char			 url[64], key[48];
	int			 i, c;

	for (c = 0; c < 3; c++)
		groups[c] = json_array();
	for (i = 0; i < db_rows(r); i++) {
		for (c = 0; c < 3; c++) {
			if (strcmp(db_get(r, i, 0), cols[c]) == 0)
				break;
		}
		if (c == 3)
			continue;
		o = json_pack("{s:I, s:s, s:s, s:i}", "id",
		    (json_int_t)db_int(r, i, 1), "title", db_get(r, i, 2),
		    "area", db_get(r, i, 3), "vote_count",
		    (int)db_int(r, i, 5));
		if (!r->is_api) {
			(void)snprintf(url, sizeof(url), "/ideas/%s",
			    db_get(r, i, 1));
			json_object_set_new(o, "url", json_string(url));
			json_object_set_new(o, "area_label",
			    json_string(db_get(r, i, 4)));
		}
		json_array_append_new(groups[c], o);
	}

	if (r->is_api)
		return (out_json(req, r, 200, json_pack("{s:o, s:o, s:o}",
		    "planned", groups[0], "in_progress", groups[1],
		    "released", groups[2])));

	columns = json_array();
	for (c = 0; c < 3; c++) {
		col = json_pack("{s:s, s:o, s:b}", "status", cols[c], "ideas",
		    groups[c], "empty", json_array_size(groups[c]) == 0);
		(void)snprintf(key, sizeof(key), "status.%s", cols[c]);
		ctx_set_msg(r, col, "label", key, NULL);
		json_array_append_new(columns, col);
	}
	json_object_set_new(r->ctx, "columns", columns);
	return (render_page(req, r, 200, "roadmap", "title.roadmap",
	    "roadmap"));
}

int
page_roadmap(struct http_request *req)
{
	static const step_fn steps[] = { roadmap_query, roadmap_render };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

int
api_roadmap(struct http_request *req)
{
	static const step_fn steps[] = { roadmap_query, roadmap_render };

	return (drive_run(req, ROLE_CLIENT, steps, 2));
}

/* ---- export ---- */

static int
export_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_export, 0);
	return (STEP_NEXT);
}

static int
export_render(struct http_request *req, struct dreq *r)
{
	static const char	*head[] = {
		"title", "area", "status", "votes", "organisations", "created",
		"first response", "last status change"
	};
	struct dbuf		 b;
	const char		*v;
	int			 i, c;

	dbuf_init(&b);
	for (c = 0; c < 8; c++)
		csv_cell(&b, head[c], c == 7);
	for (i = 0; i < db_rows(r); i++) {
		for (c = 0; c < 8; c++) {
			v = db_get(r, i, c);
			csv_cell(&b, v != NULL ? v : "", c == 7);
		}
	}
	out_security_headers(req, 0);
	out_header(req, "content-type", "text/csv; charset=utf-8");
	out_header(req, "content-disposition",
	    "attachment; filename=\"ideas.csv\"");
	http_response(req, 200, b.data, b.len);
	dbuf_free(&b);
	return (STEP_DONE);
}

int
page_export_ideas(struct http_request *req)
{
	static const step_fn steps[] = { export_query, export_render };

	return (drive_run(req, ROLE_PM, steps, 2));
}
