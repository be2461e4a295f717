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

static const struct db_query q_session_lookup = {
	"session_lookup",
	"WITH s AS ("
	"  SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at,"
	"  s.second_factor"
	"  FROM sessions s WHERE s.token_hash = decode($1, 'hex')"
	"  AND s.last_seen_at > now() - interval '" SESSION_IDLE "'"
	"  AND s.created_at > now() - interval '12 hours'"
	"), touch AS ("
	"  UPDATE sessions SET last_seen_at = now() FROM s"
	"  WHERE sessions.id = s.id"
	"  AND s.last_seen_at < now() - interval '1 minute'"
	") SELECT s.id AS session_id, u.id AS user_id, u.display_name,"
	"  u.role, coalesce(u.lang, '') AS lang, s.csrf_token,"
	"  (SELECT count(*) FROM notifications n"
	"  WHERE n.user_id = u.id AND n.read_at IS NULL) AS unread,"
	"  s.second_factor IS NULL AND coalesce((SELECT p.required"
	"  FROM second_factor_policy p WHERE p.role = u.role), false)"
	"  AS needs_factor,"
	"  (SELECT v.version FROM catalog_version v) AS catalog_version"
	"  FROM s JOIN users u ON u.id = s.user_id"
	"  WHERE u.active",
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
			db_query(r, &q_token_lookup, 1, hash);
		}
		return (STEP_NEXT);
	}
	if (token_hash(r->cookie_session, hash))
		db_query(r, &q_session_lookup, 1, hash);
	return (STEP_NEXT);
}

int
session_step_loaded(struct http_request *req, struct dreq *r)
{
	const char *lang;

	if (r->res == NULL)
		return (STEP_NEXT);

	if (db_rows(r) != 1) {
		/* Expired or ended: forget the cookie. */
		if (!r->sess.bearer)
			session_clear_cookie(req, r);
		r->sess.bearer = 0;
		return (STEP_NEXT);
	}

	r->sess.id = row_int(r, 0, "session_id");
	session_user(r, row_int(r, 0, "user_id"));
	r->sess.name = kore_strdup(row_text(r, 0, "display_name"));
	r->sess.role = role_parse(row_text(r, 0, "role"));
	lang = row_text(r, 0, "lang");
	if (lang != NULL && *lang != '\0') {
		(void)kore_strlcpy(r->sess.lang, lang, sizeof(r->sess.lang));
		r->lang = strcmp(lang, "de") == 0 ? "de" : "en";
	}
	(void)kore_strlcpy(r->sess.csrf, row_text(r, 0, "csrf_token"),
	    sizeof(r->sess.csrf));
	r->sess.unread = (int)row_int(r, 0, "unread");
	r->sess.needs_factor = row_bool(r, 0, "needs_factor");
	r->sess.catalog_version = row_int(r, 0, "catalog_version");
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
