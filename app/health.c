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
health_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 200, json_pack("{s:s}", "status", "ok")));
}

static const step_fn health_steps[] = { health_query, health_json, NULL };

const struct handler health_api = {
	.role = ROLE_ANON,
	.steps = health_steps,
};
