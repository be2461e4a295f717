/*
 * The weekly digest's setting (README, "Weekly digest").  The mail's
 * link GET /digest/unsubscribe?token=... shows a page with one button;
 * only its POST (or a mail program's one-click POST to the same link,
 * RFC 8058) turns the digest off, so that a scanner following links
 * unsubscribes nobody.  Neither needs a session: the token, signed with
 * a key derived from the portal's secret key (factor_digest_check()),
 * is the proof, so no CSRF token is asked for either.  A token that is
 * not one the portal signed is a 400 that names nobody.  Signed in,
 * PATCH /api/v1/me {"digest": true|false} turns it on or off, as the
 * profile's form does (profile.c).  Every change goes through
 * digest_set() (sql/repeatable/digest.sql), which audits it.
 */

#include "drive.h"

struct unsubscribe_in {
	int64_t user; /* 0: the token is not one of ours */
};

struct me_change_in {
	int digest; /* -1: not given */
};

static const struct db_query q_digest_set = {
	"digest_set",
	"SELECT digest_set($1::bigint, $2::boolean, $3, nullif($4, '')::inet)"
	" AS digest",
};

static const struct db_query q_digest_get = {
	"digest_get",
	"SELECT digest FROM users WHERE id = $1::bigint",
};

static const struct refusal digest_refusals[] = {
	{ "DR404", 400, "bad_token", NULL, "err.digest_token" },
	{ NULL },
};

/* The person the token names, or 0; the token is never kept. */
static int64_t
token_user(const char *token)
{
	unsigned char key[FACTOR_KEY_LEN];
	int64_t	      user;

	if (token == NULL || strlen(token) >= FACTOR_DIGEST_TOKEN_MAX)
		return (0);
	factor_digest_key(second_factor_key(), key);
	user = factor_digest_check(key, token);
	explicit_bzero(key, sizeof(key));
	return (user);
}

/* GET: the token of the query string. */
static void
unsubscribe_show_input(struct dreq *r, void *arg)
{
	struct unsubscribe_in *in = arg;

	(void)in_query(r);
	in->user = token_user(in_text(r, "token"));
}

/*
 * POST: the page's form sends the token as a field; a mail program's
 * one-click POST sends "List-Unsubscribe=One-Click" (urlencoded or
 * multipart, which is read as no body: any_body) to the link itself,
 * whose query string holds it.
 */
static void
unsubscribe_input(struct dreq *r, void *arg)
{
	struct unsubscribe_in *in = arg;
	struct form	       q;
	const char	      *q_s = r->req->query_string;

	if ((in->user = token_user(in_text(r, "token"))) != 0 || q_s == NULL)
		return;
	memset(&q, 0, sizeof(q));
	if (form_decode(q_s, strlen(q_s), &q) && form_get(&q, "token") != NULL)
		in->user = token_user(form_get(&q, "token")->value);
	form_free(&q);
}

static int
unsubscribe_check(struct http_request *req, struct dreq *r)
{
	struct unsubscribe_in *in = r->in;

	if (in->user == 0)
		return (step_refuse(req, r, 400, "bad_token", NULL,
		    "err.digest_token"));
	return (STEP_NEXT);
}

static int
unsubscribe_show(struct http_request *req, struct dreq *r)
{
	ctx_set_value(r, "token", in_text(r, "token"));
	return (render_page(req, r, 200, "digest_unsubscribe",
	    "title.digest_unsubscribe", NULL));
}

static int
unsubscribe_query(struct http_request *req, struct dreq *r)
{
	struct unsubscribe_in *in = r->in;
	char		       uid[32];

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)in->user);
	db_query(r, &q_digest_set, 4, uid, "false", "link", r->address);
	return (STEP_NEXT);
}

static int
unsubscribe_done(struct http_request *req, struct dreq *r)
{
	json_object_set_new(r->ctx, "done", json_true());
	return (render_page(req, r, 200, "digest_unsubscribe",
	    "title.digest_unsubscribe", NULL));
}

/* ---- PATCH /api/v1/me ---- */

/* {"digest": true|false}; {} changes nothing and tells the setting. */
static void
me_change_input(struct dreq *r, void *arg)
{
	struct me_change_in *in = arg;
	json_t		    *v;

	in->digest = -1;
	if (r->json == NULL) {
		field_error(r, "digest", "err.digest_invalid");
		return;
	}
	if ((v = json_object_get(r->json, "digest")) == NULL)
		return;
	if (!json_is_boolean(v))
		field_error(r, "digest", "err.digest_invalid");
	else
		in->digest = json_is_true(v);
}

static int
me_change_query(struct http_request *req, struct dreq *r)
{
	struct me_change_in *in = r->in;

	if (in->digest == -1)
		db_query(r, &q_digest_get, 1, r->sess.uid);
	else
		db_query(r, &q_digest_set, 4, r->sess.uid,
		    in->digest ? "true" : "false", "api", r->address);
	return (STEP_NEXT);
}

static int
me_change_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 200,
	    json_pack("{s:b}", "digest", row_bool(r, 0, "digest"))));
}

static const step_fn unsubscribe_show_steps[] = { unsubscribe_check,
	unsubscribe_show, NULL };
static const step_fn unsubscribe_steps[] = { unsubscribe_check,
	unsubscribe_query, unsubscribe_done, NULL };
static const step_fn me_change_steps[] = { me_change_query, me_change_json,
	NULL };

const struct handler digest_unsubscribe_page = {
	.role = ROLE_NONE,
	.input = unsubscribe_show_input,
	.input_size = sizeof(struct unsubscribe_in),
	.steps = unsubscribe_show_steps,
};

const struct handler digest_unsubscribe_do_page = {
	.role = ROLE_NONE,
	.input = unsubscribe_input,
	.input_size = sizeof(struct unsubscribe_in),
	.steps = unsubscribe_steps,
	.refusals = digest_refusals,
	.any_body = 1,
};

const struct handler me_change_api = {
	.role = ROLE_CLIENT,
	.input = me_change_input,
	.input_size = sizeof(struct me_change_in),
	.steps = me_change_steps,
};
