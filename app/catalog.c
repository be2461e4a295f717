/*
 * What every worker keeps in memory (README, "One round trip a page"):
 * the statuses (check.c's status catalog) and the product areas (its
 * area catalog), so that a page's words, filters, forms, roadmap and vote
 * buttons cost no statement.  Any statement that changes idea_statuses
 * or areas moves catalog_version (a trigger, sql/repeatable/statuses.sql);
 * the session's lookup brings the stamp along, and the prelude loads
 * both again, in one statement, when this worker's copy is older.  So a
 * change shows on every host with the next request of anyone signed in.
 * A request without a session (nothing it shows names a status or an
 * area) reloads at most once a second.
 */

#include "drive.h"

#define CATALOG_ANON_MS 1000

static int64_t	 loaded_version;
static u_int64_t loaded_at;

/*
 * The statuses in the lifecycle's order (group, position, key), then the
 * areas in the admin's (position, id), with the stamp they were read at.
 */
static const struct db_query q_catalog_load = {
	"catalog_load",
	"SELECT 's' AS kind, s.key, s.grp, s.builtin,"
	" coalesce(s.name_en, '') AS name_en,"
	" coalesce(s.name_de, '') AS name_de, '' AS approval, false AS retired,"
	" CASE s.grp WHEN 'open' THEN 0 WHEN 'committed' THEN 1 ELSE 2 END"
	" AS o1, s.position AS o2, 0 AS o3,"
	" (SELECT v.version FROM catalog_version v) AS version"
	" FROM idea_statuses s"
	" UNION ALL SELECT 'a', a.slug, '', false, a.name_en, a.name_de,"
	" to_json(a.approval_statuses)::text, a.retired_at IS NOT NULL,"
	" 3, a.position, a.id, (SELECT v.version FROM catalog_version v)"
	" FROM areas a ORDER BY o1, o2, o3, key",
};

/* Queues the catalog when this worker's copy is older than the stamp. */
int
catalog_step_check(struct http_request *req, struct dreq *r)
{
	if (r->sess.user_id != 0) {
		if (r->sess.catalog_version == loaded_version)
			return (STEP_NEXT);
	} else if (loaded_version != 0 &&
	    kore_time_ms() - loaded_at < CATALOG_ANON_MS) {
		return (STEP_NEXT);
	}
	db_query(r, &q_catalog_load, 0);
	return (STEP_NEXT);
}

/* The statuses: rows from..to-1 of the load. */
static int
catalog_statuses(struct dreq *r, int from, int to)
{
	const char *keys[STATUS_MAX], *groups[STATUS_MAX];
	const char *en[STATUS_MAX], *de[STATUS_MAX];
	int	    builtin[STATUS_MAX], i, n;

	n = to - from;
	if (n < 1 || n > STATUS_MAX)
		return (0);
	for (i = 0; i < n; i++) {
		keys[i] = row_text(r, from + i, "key");
		groups[i] = row_text(r, from + i, "grp");
		builtin[i] = row_bool(r, from + i, "builtin");
		en[i] = row_text(r, from + i, "name_en");
		de[i] = row_text(r, from + i, "name_de");
	}
	return (status_catalog_load(n, keys, groups, builtin, en, de));
}

/* The areas: rows from..to-1 of the load. */
static int
catalog_areas(struct dreq *r, int from, int to)
{
	struct area_row *rows;
	int		 i, n, ok;

	n = to - from;
	if (n < 0 || n > AREA_MAX)
		return (0);
	rows = kore_calloc((size_t)n + 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		rows[i].slug = row_text(r, from + i, "key");
		rows[i].name_en = row_text(r, from + i, "name_en");
		rows[i].name_de = row_text(r, from + i, "name_de");
		rows[i].approval = row_text(r, from + i, "approval");
		rows[i].retired = row_bool(r, from + i, "retired");
	}
	ok = area_catalog_load(n, rows);
	kore_free(rows);
	return (ok);
}

int
catalog_step_loaded(struct http_request *req, struct dreq *r)
{
	int n, first_area;

	if (r->res == NULL || r->res_query != &q_catalog_load)
		return (STEP_NEXT);
	n = db_rows(r);
	for (first_area = 0; first_area < n; first_area++) {
		if (strcmp(row_text(r, first_area, "kind"), "a") == 0)
			break;
	}
	if (!catalog_statuses(r, 0, first_area)) {
		kore_log(LOG_ERR, "idea_statuses: %d rows not loaded",
		    first_area);
		return (STEP_NEXT);
	}
	if (!catalog_areas(r, first_area, n)) {
		kore_log(LOG_ERR, "areas: %d rows not loaded", n - first_area);
		return (STEP_NEXT);
	}
	loaded_version = row_int(r, 0, "version");
	loaded_at = kore_time_ms();
	return (STEP_NEXT);
}
