/*
 * Listening made visible: the public scorecard (/listening and
 * /api/v1/listening, anyone signed in).  How often the bank answered an
 * idea within 14 days, the median time to a first answer, the ideas
 * answered and released this quarter: per product area and in total,
 * numbers only (never an organisation or a person).  README, "Listening
 * scorecard", defines each number; the page says it in short.
 */

#include "drive.h"

/*
 * One statement: a row per area (the areas in use, and a retired one
 * while it holds ideas that can count, see below), then the total
 * (ROLLUP, is_total).  $1 the language.
 *
 * Counted: every idea but a merged duplicate (status 'duplicate'; its
 * merge is no answer, and its votes went to the original).  The first
 * answer is first_response_at, which only an official response sets on
 * an idea that is not merged.
 *   due, on_time: ideas created 14 to 365 days ago; those whose first
 *     answer came at most 14 days after they were created.
 *   median: of the time from creation to first answer, over the ideas
 *     first answered in the last 365 days (seconds, and days with one
 *     decimal).
 *   answered_q: ideas first answered in this calendar quarter (UTC).
 *   released_q: ideas released now whose status was set to released by
 *     a response in this calendar quarter (UTC).
 * Only ideas created or first answered in the last 365 days, or released
 * this quarter, can count: the indexes of 012_listening_notes.sql and
 * ideas_answered_idx find them without reading older ones.
 */
static const struct db_query q_listening = {
	"listening",
	"WITH b AS (SELECT now() AS t, date_trunc('quarter',"
	"  now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS q"
	"), rel AS ("
	"  SELECT DISTINCT r.idea_id FROM responses r CROSS JOIN b"
	"  WHERE r.to_status = 'released' AND r.kind = 'response'"
	"  AND r.created_at >= b.q"
	"), c AS ("
	"  SELECT x.id FROM ideas x CROSS JOIN b"
	"  WHERE x.created_at > b.t - interval '365 days'"
	"  UNION SELECT x.id FROM ideas x CROSS JOIN b"
	"  WHERE x.first_response_at > b.t - interval '365 days'"
	"  UNION SELECT rel.idea_id FROM rel"
	"), i AS ("
	"  SELECT i.area_id,"
	"   i.created_at <= b.t - interval '14 days'"
	"   AND i.created_at > b.t - interval '365 days' AS due,"
	"   i.first_response_at - i.created_at AS wait,"
	"   i.first_response_at > b.t - interval '365 days' AS recent,"
	"   i.first_response_at >= b.q AS answered_q,"
	"   i.status = 'released' AND rel.idea_id IS NOT NULL AS released_q"
	"  FROM c JOIN ideas i ON i.id = c.id CROSS JOIN b"
	"  LEFT JOIN rel ON rel.idea_id = i.id"
	"  WHERE i.status <> 'duplicate' AND i.audience_org IS NULL"
	"), g AS ("
	"  SELECT grouping(i.area_id) = 1 AS is_total, i.area_id,"
	"   count(*) FILTER (WHERE i.due) AS due,"
	"   count(*) FILTER (WHERE i.due AND i.wait <= interval '14 days')"
	"   AS on_time,"
	"   percentile_cont(0.5) WITHIN GROUP (ORDER BY i.wait)"
	"   FILTER (WHERE i.recent) AS median,"
	"   count(*) FILTER (WHERE i.answered_q) AS answered_q,"
	"   count(*) FILTER (WHERE i.released_q) AS released_q"
	"  FROM i GROUP BY ROLLUP (i.area_id)"
	") SELECT coalesce(g.is_total, false) AS is_total, a.slug,"
	" CASE WHEN $1 = 'de' THEN a.name_de ELSE a.name_en END AS name,"
	" coalesce(g.due, 0) AS due, coalesce(g.on_time, 0) AS on_time,"
	" CASE WHEN g.due > 0 THEN round(100.0 * g.on_time / g.due)::integer"
	" END AS share,"
	" round(extract(epoch FROM g.median))::bigint AS median_seconds,"
	" round((extract(epoch FROM g.median) / 86400)::numeric, 1)::text"
	" AS median_days,"
	" coalesce(g.answered_q, 0) AS answered_q,"
	" coalesce(g.released_q, 0) AS released_q,"
	" extract(quarter FROM b.q AT TIME ZONE 'UTC')::integer AS quarter,"
	" extract(year FROM b.q AT TIME ZONE 'UTC')::integer AS year,"
	" to_char(b.q AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS q_start,"
	" to_char(b.q AT TIME ZONE 'UTC' + interval '3 months'"
	"  - interval '1 day', 'YYYY-MM-DD') AS q_end"
	" FROM areas a FULL JOIN g ON g.area_id = a.id CROSS JOIN b"
	" WHERE a.retired_at IS NULL OR g.area_id IS NOT NULL"
	" ORDER BY coalesce(g.is_total, false), a.position, a.id",
};

static int
listening_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_listening, 1, r->lang);
	return (STEP_NEXT);
}

/* The numbers of one row, as the API gives them. */
static json_t *
listening_numbers(struct dreq *r, int row)
{
	json_t *o;

	o = json_pack("{s:{s:I, s:I, s:o}, s:o, s:I, s:I}",
	    "answered_within_14_days", "ideas",
	    (json_int_t)row_int(r, row, "due"), "answered",
	    (json_int_t)row_int(r, row, "on_time"), "share_percent",
	    row_null(r, row, "share") ?
		json_null() :
		json_integer((json_int_t)row_int(r, row, "share")),
	    "median_seconds_to_first_answer",
	    row_null(r, row, "median_seconds") ?
		json_null() :
		json_integer((json_int_t)row_int(r, row, "median_seconds")),
	    "answered_this_quarter", (json_int_t)row_int(r, row, "answered_q"),
	    "released_this_quarter", (json_int_t)row_int(r, row, "released_q"));
	return (o);
}

static json_t *
listening_quarter(struct dreq *r)
{
	return (json_pack("{s:i, s:i, s:s, s:s, s:s}", "number",
	    (int)row_int(r, 0, "quarter"), "year", (int)row_int(r, 0, "year"),
	    "start", row_text(r, 0, "q_start"), "end", row_text(r, 0, "q_end"),
	    "time_zone", "UTC"));
}

static int
listening_json(struct http_request *req, struct dreq *r)
{
	json_t *areas, *total = NULL, *o;
	int	i;

	areas = json_array();
	for (i = 0; i < db_rows(r); i++) {
		o = listening_numbers(r, i);
		if (row_bool(r, i, "is_total")) {
			if (total != NULL)
				json_decref(total);
			total = o;
			continue;
		}
		json_object_set_new(o, "area",
		    json_string(row_text(r, i, "slug")));
		json_object_set_new(o, "name",
		    json_string(row_text(r, i, "name")));
		json_array_append_new(areas, o);
	}
	if (total == NULL)
		total = json_object();
	return (out_json(req, r, 200,
	    json_pack("{s:o, s:o, s:o}", "quarter", listening_quarter(r),
		"areas", areas, "total", total)));
}

/* The words of one row, for the page: each figure, or why there is none. */
static json_t *
listening_words(struct dreq *r, int row)
{
	json_t *o, *vars;
	char	median[32], *dot;

	o = json_pack("{s:b}", "is_total", row_bool(r, row, "is_total"));
	if (!row_bool(r, row, "is_total"))
		json_object_set_new(o, "name",
		    json_string(row_text(r, row, "name")));
	vars = json_pack("{s:I, s:I, s:I}", "n",
	    (json_int_t)row_int(r, row, "share"), "answered",
	    (json_int_t)row_int(r, row, "on_time"), "ideas",
	    (json_int_t)row_int(r, row, "due"));
	if (row_null(r, row, "share")) {
		ctx_set_msg(r, o, "share_none", "listening.share_none", NULL);
	} else {
		ctx_set_msg(r, o, "share", "listening.percent", vars);
		ctx_set_msg(r, o, "share_of",
		    row_int(r, row, "due") == 1 ? "listening.share_of_one" :
						  "listening.share_of",
		    vars);
	}
	json_decref(vars);
	if (row_null(r, row, "median_days")) {
		ctx_set_msg(r, o, "median_none", "listening.median_none", NULL);
	} else {
		/* One decimal, with a decimal comma in German. */
		(void)snprintf(median, sizeof(median), "%s",
		    row_text(r, row, "median_days"));
		if (strcmp(r->lang, "de") == 0 && (dot = strchr(median, '.')))
			*dot = ',';
		json_object_set_new(o, "median_days", json_string(median));
	}
	json_object_set_new(o, "answered_q",
	    json_integer((json_int_t)row_int(r, row, "answered_q")));
	json_object_set_new(o, "released_q",
	    json_integer((json_int_t)row_int(r, row, "released_q")));
	return (o);
}

static int
listening_render(struct http_request *req, struct dreq *r)
{
	json_t *areas, *o;
	int	i;

	areas = json_array();
	for (i = 0; i < db_rows(r); i++) {
		o = listening_words(r, i);
		if (row_bool(r, i, "is_total"))
			json_object_set_new(r->ctx, "total", o);
		else
			json_array_append_new(areas, o);
	}
	json_object_set_new(r->ctx, "areas", areas);
	if (db_rows(r) > 0)
		json_object_set_new(r->ctx, "quarter", listening_quarter(r));
	return (render_page(req, r, 200, "listening", "title.listening",
	    "listening"));
}

static const step_fn listening_page_steps[] = { listening_query,
	listening_render, NULL };
static const step_fn listening_api_steps[] = { listening_query, listening_json,
	NULL };

const struct handler listening_page = {
	.role = ROLE_CLIENT,
	.steps = listening_page_steps,
};

const struct handler listening_api = {
	.role = ROLE_CLIENT,
	.steps = listening_api_steps,
};
