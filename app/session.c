/*
 * Sessions and CSRF.  The cookie carries 32 random bytes (hex); the
 * database keeps only their SHA-256.  A session ends after 30 minutes
 * without a request or 12 hours in all.  Every state-changing request
 * of a signed-in person carries the session's CSRF token (a form field
 * or the X-CSRF-Token header); anonymous forms use a double-submit
 * cookie, and the anonymous JSON API demands application/json, which no
 * cross-site form can send.
 */

#include <openssl/rand.h>

#include "drive.h"

#define SESSION_IDLE	"30 minutes"
#define SESSION_MAX_AGE (12 * 3600)

/*
 * A session's row (the cookie's hash is $1), touched once a minute, and
 * who it is: its columns named with prefix pre ("" alone, "s_" folded into
 * a page's statement).
 */
#define SESSION_CTES \
	"WITH s AS (" \
	"  SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at," \
	"  s.second_factor" \
	"  FROM sessions s WHERE s.token_hash = decode($1, 'hex')" \
	"  AND s.last_seen_at > now() - interval '" SESSION_IDLE "'" \
	"  AND s.created_at > now() - interval '12 hours'" \
	"), touch AS (" \
	"  UPDATE sessions SET last_seen_at = now() FROM s" \
	"  WHERE sessions.id = s.id" \
	"  AND s.last_seen_at < now() - interval '1 minute'" \
	")"
#define SESSION_SELECT(pre) \
	" SELECT s.id AS " pre "session_id, u.id AS " pre "user_id," \
	"  u.display_name AS " pre "display_name, u.role AS " pre "role," \
	"  coalesce(u.lang, '') AS " pre "lang, s.csrf_token AS " pre \
	"csrf_token," \
	"  (SELECT count(*) FROM notifications n" \
	"  WHERE n.user_id = u.id AND n.read_at IS NULL) AS " pre "unread," \
	"  s.second_factor IS NULL AND coalesce((SELECT p.required" \
	"  FROM second_factor_policy p WHERE p.role = u.role), false)" \
	"  AS " pre "needs_factor," \
	"  (SELECT v.version FROM catalog_version v) AS " pre \
	"catalog_version" \
	"  FROM s JOIN users u ON u.id = s.user_id" \
	"  WHERE u.active"

static const struct db_query q_session_lookup = {
	"session_lookup",
	SESSION_CTES SESSION_SELECT(""),
};

/* A personal API token: the same columns, no session, no CSRF. */
static const struct db_query q_token_lookup = {
	"token_lookup",
	"WITH t AS ("
	"  SELECT t.id, t.user_id, t.last_used_at FROM api_tokens t"
	"  WHERE t.token_hash = decode($1, 'hex') AND t.revoked_at IS NULL"
	"), touch AS ("
	"  UPDATE api_tokens SET last_used_at = now() FROM t"
	"  WHERE api_tokens.id = t.id AND (t.last_used_at IS NULL"
	"  OR t.last_used_at < now() - interval '1 minute')"
	") SELECT 0 AS session_id, u.id AS user_id, u.display_name, u.role,"
	"  coalesce(u.lang, '') AS lang, '' AS csrf_token, 0 AS unread,"
	"  false AS needs_factor,"
	"  (SELECT v.version FROM catalog_version v) AS catalog_version"
	"  FROM t JOIN users u ON u.id = t.user_id WHERE u.active",
};

static const struct db_query q_session_create = {
	"session_create",
	"SELECT session_create($1::bigint, decode($2, 'hex'), $3,"
	" nullif($4, '')::inet, $5, $6)",
};

static int session_fold(struct http_request *, struct dreq *, const char *);
static const struct db_query *session_fold_query(const struct db_query *);
static char		     *session_fold_sql(const char *);

int
session_step_lookup(struct http_request *req, struct dreq *r)
{
	const char *auth;
	char	    hash[TOKEN_HEX + 1];

	/* The API also takes "Authorization: Bearer <token>". */
	if (r->is_api && http_request_header(req, "authorization", &auth) &&
	    strncasecmp(auth, "Bearer ", 7) == 0) {
		if (token_hash(auth + 7, hash)) {
			r->sess.bearer = 1;
			r->sess.asked = 1;
			db_query(r, &q_token_lookup, 1, hash);
		}
		return (STEP_NEXT);
	}
	if (!token_hash(r->cookie_session, hash))
		return (STEP_NEXT);
	r->sess.asked = 1;
	/*
	 * A page that folds (README, "One round trip a page"): its own
	 * statement carries the lookup, unless its input says it will not
	 * run one (then the lookup goes alone).
	 */
	if (r->h->fold != NULL && session_fold(req, r, hash))
		return (STEP_NEXT);
	db_query(r, &q_session_lookup, 1, hash);
	return (STEP_NEXT);
}

/*
 * Runs the page's fold step with its input read ahead: 1 when it queued
 * its statement with the lookup.  The input read stays for the prelude
 * (prelude_validate() reads it only when it is not there); input with
 * field errors is dropped and read again after the session, so that the
 * errors come after the person is known, as for any page.  So a folding
 * page's input must not depend on who is signed in.
 */
static int
session_fold(struct http_request *req, struct dreq *r, const char *hash)
{
	if (r->h->input != NULL) {
		r->in = kore_calloc(1, r->h->input_size);
		r->h->input(r, r->in);
	}
	if (r->field_errors == NULL && r->h->fold_ok(r)) {
		r->folding = 1;
		(void)r->h->fold(req, r);
		r->folding = 0;
	}
	if (r->field_errors != NULL) {
		json_decref(r->field_errors);
		r->field_errors = NULL;
		kore_free(r->in);
		r->in = NULL;
	}
	if (r->fold_src == NULL || r->fold_nparams < 2 ||
	    (r->fold_q = session_fold_query(r->fold_src)) == NULL) {
		db_fold_forget(r);
		return (0);
	}
	/* $1 the cookie's hash; the page's own values from $2 on. */
	kore_free(r->fold_params[0]);
	r->fold_params[0] = kore_strdup(hash);
	db_query_params(r, r->fold_q, r->fold_nparams, r->fold_params);
	return (1);
}

/*
 * The folded form of q, made once per worker (session_fold_sql()); NULL
 * when q cannot fold.
 */
#define FOLD_MAX 16

static const struct db_query *
session_fold_query(const struct db_query *q)
{
	static struct {
		const struct db_query *src;
		struct db_query	       q; /* q.sql NULL: src cannot fold */
	} folds[FOLD_MAX];
	static int folds_n;
	int	   i;

	for (i = 0; i < folds_n; i++) {
		if (folds[i].src == q)
			return (folds[i].q.sql != NULL ? &folds[i].q : NULL);
	}
	if (folds_n == FOLD_MAX)
		return (NULL);
	folds[folds_n].src = q;
	folds[folds_n].q.name = q->name;
	folds[folds_n].q.custom = q->custom;
	folds[folds_n].q.sql = session_fold_sql(q->sql);
	if (folds[folds_n].q.sql == NULL)
		kore_log(LOG_ERR, "query %s cannot fold: no $1::bigint",
		    q->name);
	folds_n++;
	return (folds[folds_n - 1].q.sql != NULL ? &folds[folds_n - 1].q :
						   NULL);
}

/*
 * The statement of a page folded with the session's lookup: the lookup's
 * row (columns s_*) joined to each of the page's rows in their order, or
 * alone with the page's columns NULL when it has none; no row when the
 * session is not one.  A page that folds has $1 who is signed in and $2
 * the language: $1 becomes the lookup's user, and $2 the person's stored
 * language when there is one (as session_step_loaded() chooses it), else
 * the browser's that $2 carries.  The other parameters keep their
 * numbers, and $1 is the cookie's hash.  sess is MATERIALIZED: once
 * inlined, its subqueries (the unread count, the second factor's policy)
 * ran for every row of the page (pgbench: 7,650 against 8,900 tps for
 * the list).  NULL when page_sql has no $1, or one not $1::bigint.  The
 * caller frees it (free()).
 */
static char *
session_fold_sql(const char *page_sql)
{
	static const char head[] = SESSION_CTES
	    ", sess AS MATERIALIZED (" SESSION_SELECT(
		"s_") ") SELECT sess.*, p.* FROM sess"
		      " LEFT JOIN LATERAL (SELECT q.*, row_number() OVER () AS s_n"
		      " FROM (";
	static const char tail[] = ") q) p ON true ORDER BY p.s_n";
	static const char uid[] = "sess.s_user_id";
	static const char lang[] = "(CASE WHEN sess.s_lang = '' THEN $2"
				   " WHEN sess.s_lang = 'de' THEN 'de'"
				   " ELSE 'en' END)";
	struct dbuf	  b;
	const char	 *p;
	int		  found = 0;

	dbuf_init(&b);
	dbuf_append(&b, head, sizeof(head) - 1);
	for (p = page_sql; *p != '\0'; p++) {
		if (p[0] != '$' || (p[1] != '1' && p[1] != '2') ||
		    (p[2] >= '0' && p[2] <= '9')) {
			dbuf_append(&b, p, 1);
			continue;
		}
		if (p[1] == '2') {
			dbuf_append(&b, lang, sizeof(lang) - 1);
		} else if (strncmp(p + 2, "::bigint", 8) == 0) {
			dbuf_append(&b, uid, sizeof(uid) - 1);
			found = 1;
		} else {
			dbuf_free(&b);
			return (NULL);
		}
		p++;
	}
	dbuf_append(&b, tail, sizeof(tail) - 1);
	if (!found) {
		dbuf_free(&b);
		return (NULL);
	}
	return (dbuf_release(&b));
}

/* Who is signed in, from row 0: columns named as SESSION_SELECT(pre). */
#define SESSION_READ(r, pre) \
	do { \
		const char *lang_; \
\
		(r)->sess.id = row_int((r), 0, pre "session_id"); \
		session_user((r), row_int((r), 0, pre "user_id")); \
		(r)->sess.name = kore_strdup(row_text((r), 0, \
		    pre "display_name")); \
		(r)->sess.role = role_parse(row_text((r), 0, pre "role")); \
		lang_ = row_text((r), 0, pre "lang"); \
		if (lang_ != NULL && *lang_ != '\0') { \
			(void)kore_strlcpy((r)->sess.lang, lang_, \
			    sizeof((r)->sess.lang)); \
			(r)->lang = strcmp(lang_, "de") == 0 ? "de" : "en"; \
		} \
		(void)kore_strlcpy((r)->sess.csrf, \
		    row_text((r), 0, pre "csrf_token"), \
		    sizeof((r)->sess.csrf)); \
		(r)->sess.unread = (int)row_int((r), 0, pre "unread"); \
		(r)->sess.needs_factor = row_bool((r), 0, pre "needs_factor"); \
		(r)->sess.catalog_version = row_int((r), 0, \
		    pre "catalog_version"); \
	} while (0)

int
session_step_loaded(struct http_request *req, struct dreq *r)
{
	int folded;

	/*
	 * A lookup that was sent and came back with no result at all (not
	 * even "no row") says nothing about the session: the person is not
	 * signed out, the database is not answering as it should (seen
	 * during a switchover, after a read-only server's statement was
	 * tried again).  Unavailable, never "sign in first".
	 */
	if (r->res == NULL) {
		if (!r->sess.asked)
			return (STEP_NEXT);
		kore_log(LOG_NOTICE, "session lookup: no result (%s%s)",
		    r->sqlstate[0] != '\0' ? "after SQLSTATE " : "no error",
		    r->sqlstate);
		out_error(req, r, 503, "unavailable", NULL, "err.unavailable");
		return (STEP_DONE);
	}
	folded = r->fold_q != NULL && r->res_query == r->fold_q;

	if (folded ? db_rows(r) < 1 : db_rows(r) != 1) {
		/* Expired or ended: forget the cookie. */
		if (!r->sess.bearer)
			session_clear_cookie(req, r);
		r->sess.bearer = 0;
		db_result_free(r);
		return (STEP_NEXT);
	}

	if (folded) {
		SESSION_READ(r, "s_");
		/* The page's rows wait for its step (db_query). */
		db_fold_keep(r, row_null(r, 0, "s_n"));
	} else {
		SESSION_READ(r, "");
	}
	return (STEP_NEXT);
}

/* CSRF: 1 when the request may go on, else the refusal was written. */
int
session_check(struct http_request *req, struct dreq *r)
{
	const char *sent = NULL, *expected;

	if (req->method == HTTP_METHOD_GET || req->method == HTTP_METHOD_HEAD)
		return (1);
	/* A token is not sent by browsers on their own: no CSRF risk. */
	if (r->sess.bearer)
		return (1);

	if (r->sess.id != 0) {
		expected = r->sess.csrf;
		if (r->is_api)
			(void)http_request_header(req, "x-csrf-token", &sent);
		else
			sent = in_text(r, "csrf_token");
	} else {
		/* Anonymous JSON: application/json was demanded already. */
		if (r->is_api)
			return (1);
		expected = r->cookie_csrf;
		sent = in_text(r, "csrf_token");
	}

	if (csrf_equal(sent, expected))
		return (1);

	out_error(req, r, 403, "csrf", NULL, "err.csrf");
	return (0);
}

void
session_begin(struct http_request *req, struct dreq *r, char *token, char *csrf)
{
	out_cookie(req, r, "drive_session", token, SESSION_MAX_AGE);
	(void)kore_strlcpy(r->sess.csrf, csrf, sizeof(r->sess.csrf));
	explicit_bzero(token, TOKEN_HEX);
}

void
session_clear_cookie(struct http_request *req, struct dreq *r)
{
	out_cookie(req, r, "drive_session", "", 0);
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	kore_free(s);
}

/* Who is signed in: the id, and the same as text for queries. */
void
session_user(struct dreq *r, int64_t id)
{
	r->sess.user_id = id;
	(void)snprintf(r->sess.uid, sizeof(r->sess.uid), "%lld", (long long)id);
}

/*
 * Signs the person in once every step of signing in passed (password,
 * second factor, or the bank's identity provider): the session's row
 * (queued; the caller returns STEP_NEXT), its cookie, and who is signed
 * in for the rest of the request.  name is taken over; factor is the
 * second step passed ("totp", "recovery", "sso"; NULL: none).
 */
void
session_open(struct http_request *req, struct dreq *r, int64_t user_id,
    int role, char *name, const char *factor)
{
	char	    token[TOKEN_HEX + 1], hash[TOKEN_HEX + 1];
	char	    csrf[TOKEN_HEX + 1];
	const char *agent;

	token_new(token);
	token_new(csrf);
	(void)token_hash(token, hash);
	if (!http_request_header(req, "user-agent", &agent))
		agent = "";
	session_user(r, user_id);
	db_query(r, &q_session_create, 6, r->sess.uid, hash, csrf, r->address,
	    agent, factor != NULL ? factor : "");
	session_begin(req, r, token, csrf);
	r->sess.role = role;
	kore_free(r->sess.name);
	r->sess.name = name;
}
