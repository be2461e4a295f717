/* /healthz: 200 when PostgreSQL answers, 503 when it does not. */

#include "drive.h"

static const struct db_query q_health = { "health", "SELECT 1" };

static int
health_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_health, 0);
	return (STEP_NEXT);
}

static int
health_answer(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 200, json_pack("{s:s}", "status", "ok")));
}

int
page_healthz(struct http_request *req)
{
	static const step_fn steps[] = { health_query, health_answer };
	return (drive_run(req, ROLE_ANON, steps, 2));
}
