/*
 * Redaction: a product manager replaces a published passage of an idea's
 * description or of one of its comments by "[redacted]" (POST
 * /ideas/:id/redact, a form on the idea page for staff; POST
 * /api/v1/ideas/:id/redact).  The passage is named by its exact text;
 * every occurrence in that one text goes.  redact() (sql/repeatable/
 * redact.sql) keeps the original where the portal cannot read it and
 * audits the place and length, never the text.
 */

#include "drive.h"

struct redact_in {
	int64_t	    idea;
	const char *text;
	char	    comment[24]; /* "" for the description */
};

static const struct db_query q_redact = {
	"redact",
	"SELECT redact($1::bigint, $2::bigint, nullif($3, '')::bigint, $4,"
	" nullif($5, '')::inet) AS occurrences",
};

static const struct refusal redact_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.not_found" },
	{ "DR403", 403, "forbidden", NULL, "err.forbidden" },
	{ "DR422", 422, "invalid", "text", "err.redact_not_found" },
	{ NULL },
};

/* The passage: 1-1,000 characters; the comment: its id, or none. */
static void
redact_input(struct dreq *r, void *arg)
{
	struct redact_in *in = arg;
	json_t		 *c;
	const char	 *v;
	size_t		  n;
	int		  rc;

	in->idea = path_id(r, "id");
	rc = in_field(r, "text", &in->text);
	n = rc == 1 ? utf8_count(in->text, strlen(in->text)) : 0;
	if (rc != 1 || n < 1 || n > 1000)
		field_error(r, "text", "err.redact_length");

	if (r->json != NULL) {
		c = json_object_get(r->json, "comment_id");
		if (json_is_integer(c) && json_integer_value(c) > 0)
			(void)snprintf(in->comment, sizeof(in->comment), "%lld",
			    (long long)json_integer_value(c));
		else if (c != NULL && !json_is_null(c))
			field_error(r, "comment_id", "err.redact_comment");
	} else if ((v = in_text(r, "comment")) != NULL && *v != '\0') {
		if (strlen(v) > 18 || strspn(v, "0123456789") != strlen(v))
			field_error(r, "comment", "err.redact_comment");
		else
			(void)snprintf(in->comment, sizeof(in->comment), "%s",
			    v);
	}
}

static int
redact_query(struct http_request *req, struct dreq *r)
{
	struct redact_in *in = r->in;
	char		  id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)in->idea);
	db_query(r, &q_redact, 5, r->sess.uid, id, in->comment, in->text,
	    r->address);
	return (STEP_NEXT);
}

static int
redact_redirect(struct http_request *req, struct dreq *r)
{
	struct redact_in *in = r->in;
	char		  url[96];

	if (in->comment[0] != '\0')
		(void)snprintf(url, sizeof(url), "/ideas/%lld#comment-%s",
		    (long long)in->idea, in->comment);
	else
		(void)snprintf(url, sizeof(url), "/ideas/%lld",
		    (long long)in->idea);
	return (out_redirect(req, r, url));
}

static int
redact_json(struct http_request *req, struct dreq *r)
{
	struct redact_in *in = r->in;
	json_t		 *o;

	o = json_pack("{s:I, s:I}", "idea_id", (json_int_t)in->idea,
	    "occurrences", (json_int_t)row_int(r, 0, "occurrences"));
	if (in->comment[0] != '\0')
		json_object_set_new(o, "comment_id",
		    json_integer(strtoll(in->comment, NULL, 10)));
	return (out_json(req, r, 200, o));
}

static const step_fn redact_page_steps[] = { redact_query, redact_redirect,
	NULL };
static const step_fn redact_api_steps[] = { redact_query, redact_json, NULL };

/* A refused passage shows the idea page again (its form: routes.c). */
const struct handler redact_page = {
	.role = ROLE_PM,
	.input = redact_input,
	.input_size = sizeof(struct redact_in),
	.steps = redact_page_steps,
	.refusals = redact_refusals,
	.form_prefix = "redact_",
};

const struct handler redact_api = {
	.role = ROLE_PM,
	.input = redact_input,
	.input_size = sizeof(struct redact_in),
	.steps = redact_api_steps,
	.refusals = redact_refusals,
};
