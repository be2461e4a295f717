/*
 * Single sign-on for the bank's staff: OpenID Connect, authorization code
 * with PKCE (S256), the ID token verified against the IdP's keys (JWKS,
 * libcjose), and the IdP's back-channel logout (README, "Single sign-on
 * for bank staff").
 *
 *   GET  /login/sso                 to the IdP, with state, nonce, PKCE
 *   GET  /login/sso/callback        back: the code, the token, a session
 *   POST /oidc/backchannel-logout   the IdP ends a person's sessions
 *
 * Every HTTP call to the IdP (discovery, JWKS, token endpoint) runs on a
 * Kore task thread (task_start), never on the event loop.  The thread
 * uses libc's allocator, libcurl, jansson and cjose only; the discovery
 * document and the JWKS are cached per worker by the event loop, which
 * hands a copy to each job and takes back what the job fetched.
 */

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <curl/curl.h>

#include <cjose/cjose.h>
#include <ctype.h>
#include <time.h>

#include "drive.h"

#define OIDC_FETCH_MAX	  (512 * 1024) /* an IdP document, at most */
#define OIDC_TOKEN_MAX	  16384	       /* an ID or logout token */
#define OIDC_CONNECT_SECS 5
#define OIDC_TIMEOUT_SECS 10
#define OIDC_CACHE_SECS	  3600 /* discovery and JWKS, per worker */
#define OIDC_REFETCH_SECS 10   /* an unknown kid: the JWKS again, at most */
#define OIDC_LEEWAY	  60   /* seconds of clock skew allowed */
#define OIDC_IAT_MAX_AGE  3600 /* a token issued longer ago is refused */
#define OIDC_REQUEST_SECS 600  /* the cookie of a sign-in under way */
#define OIDC_BCL_EVENT	  "http://schemas.openid.net/event/backchannel-logout"

/* What a job does. */
#define OJ_DISCOVER 1 /* the discovery document (for /login/sso) */
#define OJ_CODE	    2 /* the code for tokens, the ID token checked */
#define OJ_LOGOUT   3 /* a back-channel logout token checked */

/* What became of it. */
#define OR_OK	       0
#define OR_UNREACHABLE 1 /* no answer from the IdP: 503 */
#define OR_IDP	       2 /* an answer the portal cannot use */
#define OR_GRANT       3 /* the token endpoint refused the code */
#define OR_TOKEN       4 /* the token failed a check (reason says which) */

struct oidc_conf {
	int   configured;
	char *issuer;
	char *client_id;
	char *client_secret;
	char *name;
	char *scope;
	char *role_claim; /* NULL: the role comes from Drive */
	char *admin_value;
	char *pm_value;
	char *redirect_uri;
};

static struct oidc_conf oc;

/* The worker's cache; touched by the event loop only. */
static char  *cache_discovery;
static time_t cache_discovery_at;
static char  *cache_jwks;
static time_t cache_jwks_at;

/* One job for a task thread: malloc'ed, libc only. */
struct oidc_job {
	int	op;
	char   *discovery; /* in: the cached one or NULL; out: as used */
	int	discovery_new;
	char   *jwks;
	int	jwks_new;
	int	jwks_refetch; /* an unknown kid may fetch the JWKS again */
	char   *code;	      /* a secret */
	char   *verifier;     /* a secret */
	char   *nonce;
	char   *token; /* the logout token */
	int	result;
	char	reason[32];  /* audited: "signature", "expired", ... */
	char	detail[200]; /* logged: never a token or a secret */
	json_t *claims;	     /* the verified token's claims */
};

/* What a request of these routes keeps between its steps. */
struct sso_state {
	char	    token[TOKEN_HEX + 1]; /* the cookie's, a secret */
	char	    state[TOKEN_HEX + 1];
	char	    nonce[TOKEN_HEX + 1];
	char	   *next;
	int	    status; /* a refusal's page */
	const char *key;
};

static const struct db_query q_sso_begin = {
	"sso_begin",
	"SELECT sso_request_begin(decode($1, 'hex'), $2, $3, $4,"
	" nullif($5, '0')::bigint, nullif($6, '')::inet)",
};

static const struct db_query q_sso_take = {
	"sso_take",
	"SELECT state, nonce, next, coalesce(user_id, 0) AS user_id, fresh"
	" FROM sso_request_take(decode($1, 'hex'))",
};

static const struct db_query q_sso_refused = {
	"sso_refused",
	"SELECT sso_refused($1, nullif($2, '0')::bigint, $3::jsonb,"
	" nullif($4, '')::inet)",
};

/* The IdP refused a person signed in here: their sessions end too. */
static const struct db_query q_sso_idp_error = {
	"sso_idp_error",
	"SELECT sso_refused('idp_error', NULL,"
	" jsonb_build_object('error', $1::text),"
	" nullif($2, '')::inet),"
	" sso_end_sessions(NULL, nullif($3, '0')::bigint, 'idp_error',"
	" nullif($2, '')::inet)",
};

static const struct db_query q_sso_sign_in = {
	"sso_sign_in",
	"SELECT user_id, role, display_name, refused FROM sso_sign_in($1, $2,"
	" $3::boolean, nullif($4, ''), nullif($5, '')::inet)",
};

static const struct db_query q_sso_logout = {
	"sso_logout",
	"SELECT sso_end_sessions($1, NULL, 'backchannel_logout',"
	" nullif($2, '')::inet) AS ended",
};

/* ---- configuration ---- */

static char *
env_dup(const char *name, const char *fallback)
{
	const char *v;

	v = getenv(name);
	if (v == NULL || *v == '\0')
		v = fallback;
	return (v != NULL ? xstrdup(v) : NULL);
}

/* 1 for an absolute http(s) URL without spaces or control characters. */
static int
url_usable(const char *u)
{
	const unsigned char *p;

	if (u == NULL ||
	    (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
		return (0);
	for (p = (const unsigned char *)u; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f)
			return (0);
	}
	return (1);
}

/*
 * Reads DRIVE_OIDC_* (drive_init, in every worker before it serves).
 * Unset issuer, client id or secret: no SSO (/login/sso is a 404).
 */
int
oidc_init(void)
{
	struct dbuf b;

	oc.issuer = env_dup("DRIVE_OIDC_ISSUER", NULL);
	oc.client_id = env_dup("DRIVE_OIDC_CLIENT_ID", NULL);
	oc.client_secret = env_dup("DRIVE_OIDC_CLIENT_SECRET", NULL);
	oc.name = env_dup("DRIVE_OIDC_NAME", "the bank");
	oc.scope = env_dup("DRIVE_OIDC_SCOPE", "openid email");
	oc.role_claim = env_dup("DRIVE_OIDC_ROLE_CLAIM", NULL);
	oc.admin_value = env_dup("DRIVE_OIDC_ADMIN_VALUE", NULL);
	oc.pm_value = env_dup("DRIVE_OIDC_PM_VALUE", NULL);
	if (oc.issuer == NULL || oc.client_id == NULL ||
	    oc.client_secret == NULL)
		return (1);
	if (!url_usable(oc.issuer)) {
		kore_log(LOG_ERR, "DRIVE_OIDC_ISSUER is not an http(s) URL");
		return (0);
	}
	if (strncmp(oc.issuer, "https://", 8) != 0)
		kore_log(LOG_NOTICE,
		    "DRIVE_OIDC_ISSUER is not https: "
		    "acceptable on loopback for tests only");
	if (oc.role_claim != NULL && oc.admin_value == NULL &&
	    oc.pm_value == NULL) {
		kore_log(LOG_ERR,
		    "DRIVE_OIDC_ROLE_CLAIM needs "
		    "DRIVE_OIDC_ADMIN_VALUE or DRIVE_OIDC_PM_VALUE");
		return (0);
	}
	dbuf_init(&b);
	dbuf_appendf(&b, "%s/login/sso/callback", drive_base_url);
	oc.redirect_uri = dbuf_release(&b);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		kore_log(LOG_ERR, "curl_global_init failed");
		return (0);
	}
	oc.configured = 1;
	return (1);
}

int
oidc_configured(void)
{
	return (oc.configured);
}

/* The sign-in page's button: ctx.sso = { name, href }. */
void
oidc_login_ctx(struct dreq *r, const char *next)
{
	struct dbuf b;
	char	   *href;

	if (!oc.configured)
		return;
	dbuf_init(&b);
	dbuf_appendstr(&b, "/login/sso");
	if (next != NULL && *next != '\0') {
		dbuf_appendstr(&b, "?next=");
		url_encode(&b, next);
	}
	href = dbuf_release(&b);
	json_object_set_new(r->ctx, "sso",
	    json_pack("{s:s, s:s}", "name", oc.name, "href", href));
	free(href);
}

/* ---- on the task thread: HTTP ---- */

struct fetch {
	char  *data;
	size_t len;
	int    too_big;
};

static size_t
fetch_write(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t	      len = size * n;

	if (f->len + len > OIDC_FETCH_MAX) {
		f->too_big = 1;
		return (0);
	}
	f->data = xrealloc(f->data, f->len + len + 1);
	memcpy(f->data + f->len, p, len);
	f->len += len;
	f->data[f->len] = '\0';
	return (len);
}

static void
job_fail(struct oidc_job *j, int result, const char *reason, const char *detail)
{
	j->result = result;
	(void)snprintf(j->reason, sizeof(j->reason), "%s", reason);
	(void)snprintf(j->detail, sizeof(j->detail), "%s", detail);
}

/*
 * One request to the IdP: a GET, or a POST of a form (with HTTP Basic
 * client authentication when user is set).  1 with the status and the
 * body (NUL-terminated, caller frees), else 0 and the job failed.
 */
static int
http_call(struct oidc_job *j, const char *url, const char *post,
    const char *user, const char *pass, long *status, char **body)
{
	CURL		  *c;
	struct curl_slist *hdr = NULL;
	struct fetch	   f = { NULL, 0, 0 };
	CURLcode	   rc;
	char		   msg[160];

	*body = NULL;
	if ((c = curl_easy_init()) == NULL) {
		job_fail(j, OR_UNREACHABLE, "unreachable", "curl_easy_init");
		return (0);
	}
	(void)curl_easy_setopt(c, CURLOPT_URL, url);
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)OIDC_CONNECT_SECS);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)OIDC_TIMEOUT_SECS);
	(void)curl_easy_setopt(c, CURLOPT_USERAGENT, "drive");
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (post != NULL) {
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
		if (user != NULL) {
			(void)curl_easy_setopt(c, CURLOPT_HTTPAUTH,
			    (long)CURLAUTH_BASIC);
			(void)curl_easy_setopt(c, CURLOPT_USERNAME, user);
			(void)curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
		}
	}
	(void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		free(f.data);
		(void)snprintf(msg, sizeof(msg), "%s: %s",
		    f.too_big ? "answer too large" : "no answer",
		    curl_easy_strerror(rc));
		job_fail(j, f.too_big ? OR_IDP : OR_UNREACHABLE,
		    f.too_big ? "idp_answer" : "unreachable", msg);
		return (0);
	}
	*body = f.data != NULL ? f.data : xstrdup("");
	return (1);
}

/* A GET that must answer 200 with JSON; the text in *out (malloc'ed). */
static int
fetch_json(struct oidc_job *j, const char *what, const char *url, char **out)
{
	json_t *doc;
	char   *body, msg[160];
	long	status = 0;

	if (!http_call(j, url, NULL, NULL, NULL, &status, &body))
		return (0);
	doc = status == 200 ? json_loads(body, 0, NULL) : NULL;
	if (doc == NULL || !json_is_object(doc)) {
		json_decref(doc);
		(void)snprintf(msg, sizeof(msg), "%s: status %ld, not JSON",
		    what, status);
		free(body);
		job_fail(j, OR_IDP, "idp_answer", msg);
		return (0);
	}
	json_decref(doc);
	*out = body;
	return (1);
}

static const char *
doc_text(json_t *doc, const char *name)
{
	return (json_string_value(json_object_get(doc, name)));
}

/*
 * The discovery document, fetched unless the job brought one; it must
 * name this issuer and usable endpoints.  Returns it parsed (caller
 * json_decrefs), or NULL when the job failed.
 */
static json_t *
discovery_get(struct oidc_job *j)
{
	struct dbuf b;
	json_t	   *doc;
	char	   *url, *text;

	if (j->discovery == NULL) {
		dbuf_init(&b);
		dbuf_appendstr(&b, oc.issuer);
		if (b.len > 0 && b.data[b.len - 1] == '/')
			b.data[--b.len] = '\0';
		dbuf_appendstr(&b, "/.well-known/openid-configuration");
		url = dbuf_release(&b);
		if (!fetch_json(j, "discovery", url, &text)) {
			free(url);
			return (NULL);
		}
		free(url);
		j->discovery = text;
		j->discovery_new = 1;
	}
	doc = json_loads(j->discovery, 0, NULL);
	if (doc == NULL || doc_text(doc, "issuer") == NULL ||
	    strcmp(doc_text(doc, "issuer"), oc.issuer) != 0 ||
	    !url_usable(doc_text(doc, "authorization_endpoint")) ||
	    !url_usable(doc_text(doc, "token_endpoint")) ||
	    !url_usable(doc_text(doc, "jwks_uri"))) {
		json_decref(doc);
		job_fail(j, OR_IDP, "idp_answer",
		    "discovery: another issuer or an endpoint missing");
		/* Not cached: the next sign-in asks again. */
		j->discovery_new = 0;
		return (NULL);
	}
	return (doc);
}

/* ---- on the task thread: tokens ---- */

static int
alg_allowed(const char *alg)
{
	static const char * const ok[] = { "RS256", "RS384", "RS512", "PS256",
		"PS384", "PS512", "ES256", "ES384", "ES512", NULL };
	size_t			  i;

	for (i = 0; alg != NULL && ok[i] != NULL; i++) {
		if (strcmp(alg, ok[i]) == 0)
			return (1);
	}
	return (0);
}

/*
 * Tries the keys of the JWKS text on jws: *known is set when a key has
 * the token's kid (or the token names none).  1 when one verifies.
 */
static int
jwks_verify(const char *jwks, cjose_jws_t *jws, const char *kid, int *known)
{
	json_t	    *doc, *key;
	cjose_jwk_t *jwk;
	cjose_err    err;
	const char  *k, *use;
	size_t	     i;
	int	     ok = 0;

	if ((doc = json_loads(jwks, 0, NULL)) == NULL)
		return (0);
	json_array_foreach(json_object_get(doc, "keys"), i, key) {
		k = json_string_value(json_object_get(key, "kid"));
		use = json_string_value(json_object_get(key, "use"));
		if (kid != NULL && (k == NULL || strcmp(k, kid) != 0))
			continue;
		if (use != NULL && strcmp(use, "sig") != 0)
			continue;
		*known = 1;
		if ((jwk = cjose_jwk_import_json(key, &err)) == NULL)
			continue;
		/* Never a shared secret: only the IdP's public keys. */
		if (cjose_jwk_get_kty(jwk, &err) != CJOSE_JWK_KTY_OCT &&
		    cjose_jws_verify(jws, jwk, &err))
			ok = 1;
		(void)cjose_jwk_release(jwk);
		if (ok)
			break;
	}
	json_decref(doc);
	return (ok);
}

static int
claim_time(json_t *claims, const char *name, json_int_t *out)
{
	json_t *v = json_object_get(claims, name);

	if (json_is_integer(v))
		*out = json_integer_value(v);
	else if (json_is_real(v))
		*out = (json_int_t)json_real_value(v);
	else
		return (0);
	return (1);
}

/* aud is the client id, or a list holding it (then azp must be it). */
static int
audience_ok(json_t *claims)
{
	json_t	   *aud, *v;
	const char *azp;
	size_t	    i;
	int	    found = 0;

	aud = json_object_get(claims, "aud");
	if (json_is_string(aud))
		return (strcmp(json_string_value(aud), oc.client_id) == 0);
	if (!json_is_array(aud))
		return (0);
	json_array_foreach(aud, i, v) {
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), oc.client_id) == 0)
			found = 1;
	}
	if (!found)
		return (0);
	if (json_array_size(aud) == 1)
		return (1);
	azp = json_string_value(json_object_get(claims, "azp"));
	return (azp != NULL && strcmp(azp, oc.client_id) == 0);
}

static int
text_same(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL || (n = strlen(a)) != strlen(b))
		return (0);
	return (CRYPTO_memcmp(a, b, n) == 0);
}

/*
 * A signed JWT from the IdP (an ID token, or a logout token when
 * logout): the signature by a key of the IdP's JWKS (fetched again once
 * when no key has the token's kid), then iss, aud, exp, iat, and the
 * nonce or the logout event.  1 with j->claims set.
 */
static int
token_verify(struct oidc_job *j, json_t *disc, const char *token, int logout)
{
	cjose_jws_t *jws;
	cjose_err    err;
	json_t	    *claims, *ev;
	uint8_t	    *plain;
	size_t	     plainlen;
	const char  *alg, *kid, *sub;
	json_int_t   exp, iat;
	time_t	     now;
	int	     known, ok, tries;

	if (strlen(token) > OIDC_TOKEN_MAX ||
	    (jws = cjose_jws_import(token, strlen(token), &err)) == NULL) {
		job_fail(j, OR_TOKEN, "malformed", "token: not a JWS");
		return (0);
	}
	alg = cjose_header_get(cjose_jws_get_protected(jws), CJOSE_HDR_ALG,
	    &err);
	kid = cjose_header_get(cjose_jws_get_protected(jws), CJOSE_HDR_KID,
	    &err);
	if (!alg_allowed(alg)) {
		cjose_jws_release(jws);
		job_fail(j, OR_TOKEN, "algorithm", "token: algorithm refused");
		return (0);
	}
	ok = 0;
	for (tries = 0; tries < 2 && !ok; tries++) {
		/* Fetched when there is none, and again for an unknown kid. */
		if (j->jwks == NULL ||
		    (tries == 1 && !j->jwks_new && j->jwks_refetch)) {
			free(j->jwks);
			j->jwks = NULL;
			if (!fetch_json(j, "jwks", doc_text(disc, "jwks_uri"),
				&j->jwks)) {
				cjose_jws_release(jws);
				return (0);
			}
			j->jwks_new = 1;
		} else if (tries == 1) {
			break;
		}
		known = 0;
		ok = jwks_verify(j->jwks, jws, kid, &known);
		if (known)
			break;
	}
	if (!ok) {
		cjose_jws_release(jws);
		job_fail(j, OR_TOKEN, "signature",
		    "token: no key of the IdP verifies the signature");
		return (0);
	}
	if (!cjose_jws_get_plaintext(jws, &plain, &plainlen, &err) ||
	    (claims = json_loadb((const char *)plain, plainlen, 0, NULL)) ==
		NULL ||
	    !json_is_object(claims)) {
		cjose_jws_release(jws);
		job_fail(j, OR_TOKEN, "malformed", "token: claims not JSON");
		return (0);
	}
	cjose_jws_release(jws);
	j->claims = claims;

	now = time(NULL);
	if (!text_same(json_string_value(json_object_get(claims, "iss")),
		oc.issuer)) {
		job_fail(j, OR_TOKEN, "issuer", "token: another issuer");
		return (0);
	}
	if (!audience_ok(claims)) {
		job_fail(j, OR_TOKEN, "audience", "token: another audience");
		return (0);
	}
	if ((!logout || json_object_get(claims, "exp") != NULL) &&
	    (!claim_time(claims, "exp", &exp) ||
		exp + OIDC_LEEWAY < (json_int_t)now)) {
		job_fail(j, OR_TOKEN, "expired", "token: expired");
		return (0);
	}
	if (!claim_time(claims, "iat", &iat) ||
	    iat > (json_int_t)now + OIDC_LEEWAY ||
	    iat < (json_int_t)now - OIDC_IAT_MAX_AGE) {
		job_fail(j, OR_TOKEN, "issued_at", "token: iat out of range");
		return (0);
	}
	sub = json_string_value(json_object_get(claims, "sub"));
	if (sub == NULL || *sub == '\0' || strlen(sub) > 255) {
		job_fail(j, OR_TOKEN, "subject", "token: no usable sub");
		return (0);
	}
	if (logout) {
		ev = json_object_get(claims, "events");
		if (!json_is_object(ev) ||
		    json_object_get(ev, OIDC_BCL_EVENT) == NULL ||
		    json_object_get(claims, "nonce") != NULL) {
			job_fail(j, OR_TOKEN, "logout_event",
			    "logout token: no logout event, or a nonce");
			return (0);
		}
	} else if (!text_same(json_string_value(json_object_get(claims,
				  "nonce")),
		       j->nonce)) {
		job_fail(j, OR_TOKEN, "nonce", "token: another nonce");
		return (0);
	}
	return (1);
}

/* The code for tokens at the token endpoint (PKCE: the verifier). */
static void
job_code(struct oidc_job *j, json_t *disc)
{
	struct dbuf b;
	json_t	   *ans, *methods, *m;
	char	   *form, *body, *user, *pass, msg[160];
	const char *id_token, *error;
	long	    status = 0;
	size_t	    i;
	int	    basic = 1, ok;

	/* client_secret_basic unless the IdP takes only _post. */
	methods = json_object_get(disc,
	    "token_endpoint_auth_methods_supported");
	if (json_is_array(methods)) {
		basic = 0;
		json_array_foreach(methods, i, m) {
			if (json_is_string(m) &&
			    strcmp(json_string_value(m),
				"client_secret_basic") == 0)
				basic = 1;
		}
	}
	dbuf_init(&b);
	dbuf_appendstr(&b, "grant_type=authorization_code&code=");
	query_encode(&b, j->code);
	dbuf_appendstr(&b, "&redirect_uri=");
	query_encode(&b, oc.redirect_uri);
	dbuf_appendstr(&b, "&code_verifier=");
	query_encode(&b, j->verifier);
	user = pass = NULL;
	if (basic) {
		/* RFC 6749 2.3.1: each form-encoded before Base64. */
		struct dbuf u, p;

		dbuf_init(&u);
		query_encode(&u, oc.client_id);
		user = dbuf_release(&u);
		dbuf_init(&p);
		query_encode(&p, oc.client_secret);
		pass = dbuf_release(&p);
	} else {
		dbuf_appendstr(&b, "&client_id=");
		query_encode(&b, oc.client_id);
		dbuf_appendstr(&b, "&client_secret=");
		query_encode(&b, oc.client_secret);
	}
	form = dbuf_release(&b);
	ok = http_call(j, doc_text(disc, "token_endpoint"), form, user, pass,
	    &status, &body);
	explicit_bzero(form, strlen(form));
	free(form);
	if (pass != NULL)
		explicit_bzero(pass, strlen(pass));
	free(user);
	free(pass);
	if (!ok)
		return;
	ans = json_loads(body, 0, NULL);
	explicit_bzero(body, strlen(body));
	free(body);
	if (status != 200) {
		error = json_string_value(json_object_get(ans, "error"));
		(void)snprintf(msg, sizeof(msg),
		    "token endpoint: status %ld, error %.40s", status,
		    error != NULL ? error : "-");
		job_fail(j, status == 400 || status == 401 ? OR_GRANT : OR_IDP,
		    status == 400 || status == 401 ? "grant" : "idp_answer",
		    msg);
		json_decref(ans);
		return;
	}
	id_token = json_string_value(json_object_get(ans, "id_token"));
	if (id_token == NULL)
		job_fail(j, OR_IDP, "idp_answer",
		    "token endpoint: no id_token");
	else if (token_verify(j, disc, id_token, 0))
		j->result = OR_OK;
	json_decref(ans);
}

/* Runs on the task thread (task_start): libc, libcurl, jansson, cjose. */
static void
oidc_run(void *arg)
{
	struct oidc_job *j = arg;
	json_t		*disc;

	if ((disc = discovery_get(j)) == NULL)
		return;
	switch (j->op) {
	case OJ_DISCOVER:
		j->result = OR_OK;
		break;
	case OJ_CODE:
		job_code(j, disc);
		break;
	case OJ_LOGOUT:
		if (token_verify(j, disc, j->token, 1))
			j->result = OR_OK;
		break;
	}
	json_decref(disc);
}

/* ---- on the event loop ---- */

static void
secret_wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
job_free(void *arg)
{
	struct oidc_job *j = arg;

	free(j->discovery);
	free(j->jwks);
	secret_wipe_free(j->code);
	secret_wipe_free(j->verifier);
	free(j->nonce);
	secret_wipe_free(j->token);
	if (j->claims != NULL)
		json_decref(j->claims);
	free(j);
}

/* A job with the cache's documents, if still fresh. */
static struct oidc_job *
job_new(int op)
{
	struct oidc_job *j;
	time_t		 now = time(NULL);

	j = xcalloc(1, sizeof(*j));
	j->op = op;
	j->result = OR_IDP;
	if (cache_discovery != NULL &&
	    now - cache_discovery_at < OIDC_CACHE_SECS)
		j->discovery = xstrdup(cache_discovery);
	if (cache_jwks != NULL && now - cache_jwks_at < OIDC_CACHE_SECS)
		j->jwks = xstrdup(cache_jwks);
	/*
	 * A token naming a key the cached JWKS lacks fetches it again, at
	 * most once in OIDC_REFETCH_SECS: made-up kids posted to the
	 * back-channel logout cannot make the worker hammer the IdP.
	 */
	j->jwks_refetch = now - cache_jwks_at >= OIDC_REFETCH_SECS;
	return (j);
}

/* What the job fetched goes to the worker's cache. */
static void
job_done(struct dreq *r, struct oidc_job *j)
{
	if (j->discovery_new && j->discovery != NULL) {
		free(cache_discovery);
		cache_discovery = xstrdup(j->discovery);
		cache_discovery_at = time(NULL);
	}
	if (j->jwks_new && j->jwks != NULL && j->result != OR_IDP) {
		free(cache_jwks);
		cache_jwks = xstrdup(j->jwks);
		cache_jwks_at = time(NULL);
	}
	if (j->result != OR_OK)
		kore_log(LOG_NOTICE, "%s: sso: %s (%s)", r->req->path,
		    j->reason, j->detail);
}

/* Frees the request's state (r->data_free); the token is wiped. */
static void
sso_state_free(void *arg)
{
	struct sso_state *st = arg;

	explicit_bzero(st->token, sizeof(st->token));
	kore_free(st->next);
	kore_free(st);
}

static struct sso_state *
sso_state(struct dreq *r)
{
	struct sso_state *st;

	if (r->data == NULL) {
		st = kore_calloc(1, sizeof(*st));
		r->data = st;
		r->data_free = sso_state_free;
	}
	return (r->data);
}

/* Base64url without padding. */
static void
b64url(struct dbuf *out, const unsigned char *p, size_t n)
{
	struct dbuf b;
	size_t	    i;

	dbuf_init(&b);
	mime_base64(&b, p, n);
	for (i = 0; i < b.len; i++) {
		if (b.data[i] == '+')
			b.data[i] = '-';
		else if (b.data[i] == '/')
			b.data[i] = '_';
		else if (b.data[i] == '=')
			break;
	}
	dbuf_append(out, b.data, i);
	dbuf_free(&b);
}

/*
 * The PKCE verifier: derived from the cookie's random token, so that it
 * is stored nowhere (43 characters of base64url, RFC 7636).
 */
static char *
pkce_verifier(const char *token)
{
	struct dbuf   b;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen;
	char	      in[TOKEN_HEX + 32];

	(void)snprintf(in, sizeof(in), "drive-pkce-v1:%s", token);
	if (!EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha256(), NULL))
		fatal("pkce: sha256 failed");
	explicit_bzero(in, sizeof(in));
	dbuf_init(&b);
	b64url(&b, md, mdlen);
	explicit_bzero(md, sizeof(md));
	return (dbuf_release(&b));
}

static char *
pkce_challenge(const char *verifier)
{
	struct dbuf   b;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen;

	if (!EVP_Digest(verifier, strlen(verifier), md, &mdlen, EVP_sha256(),
		NULL))
		fatal("pkce: sha256 failed");
	dbuf_init(&b);
	b64url(&b, md, mdlen);
	return (dbuf_release(&b));
}

/* A redirect to the IdP: the only Location that leaves the site. */
static int
redirect_away(struct http_request *req, const char *url)
{
	out_security_headers(req, 1);
	out_header(req, "location", url);
	http_response(req, 303, NULL, 0);
	return (STEP_DONE);
}

static void
sso_clear_cookie(struct http_request *req, struct dreq *r)
{
	out_cookie(req, r, "drive_sso", "", 0);
}

/* The page of a refusal queued by sso_refuse(). */
static int
sso_refused_page(struct http_request *req, struct dreq *r)
{
	struct sso_state *st = sso_state(r);

	return (out_error(req, r, st->status, "sso_refused", NULL, st->key));
}

static const step_fn refused_steps[] = { sso_refused_page, NULL };

/* Audits the refusal (reason), then shows the page (status, key). */
static int
sso_refuse(struct dreq *r, const char *reason, int status, const char *key)
{
	struct sso_state *st = sso_state(r);

	st->status = status;
	st->key = key;
	db_query(r, &q_sso_refused, 4, reason, "0", "{}", r->address);
	return (step_then(r, refused_steps));
}

/* A job's failure: its page and, for a sign-in, its audit entry. */
static int
sso_job_refuse(struct http_request *req, struct dreq *r, struct oidc_job *j,
    int audit)
{
	int	    status;
	const char *key;

	switch (j->result) {
	case OR_UNREACHABLE:
		status = 503;
		key = "err.sso_unreachable";
		break;
	case OR_GRANT:
		status = 401;
		key = "err.sso_failed";
		break;
	case OR_TOKEN:
		status = 401;
		key = "err.sso_token";
		break;
	default:
		status = 502;
		key = "err.sso_idp";
		break;
	}
	if (!audit)
		return (out_error(req, r, status, "sso_failed", NULL, key));
	return (sso_refuse(r, j->reason, status, key));
}

/* ---- GET /login/sso ---- */

static int
sso_start(struct http_request *req, struct dreq *r)
{
	if (!oc.configured)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	(void)in_query(r);
	task_start(req, r, oidc_run, job_new(OJ_DISCOVER), job_free);
	return (STEP_NEXT);
}

static int
sso_start_store(struct http_request *req, struct dreq *r)
{
	struct oidc_job	 *j = r->job_arg;
	struct sso_state *st;
	char		  hash[TOKEN_HEX + 1];
	const char	 *next;

	job_done(r, j);
	if (j->result != OR_OK)
		return (sso_job_refuse(req, r, j, 0));
	st = sso_state(r);
	token_new(st->token);
	token_new(st->state);
	token_new(st->nonce);
	(void)token_hash(st->token, hash);
	next = local_path(in_text(r, "next"), NULL);
	db_query(r, &q_sso_begin, 6, hash, st->state, st->nonce,
	    next != NULL ? next : "", r->sess.uid, r->address);
	return (STEP_NEXT);
}

static int
sso_start_redirect(struct http_request *req, struct dreq *r)
{
	struct oidc_job	 *j = r->job_arg;
	struct sso_state *st = r->data;
	struct dbuf	  b;
	json_t		 *disc;
	const char	 *ep;
	char		 *verifier, *challenge, *url;
	int		  rc;

	disc = json_loads(j->discovery, 0, NULL);
	ep = doc_text(disc, "authorization_endpoint");
	verifier = pkce_verifier(st->token);
	challenge = pkce_challenge(verifier);
	secret_wipe_free(verifier);
	dbuf_init(&b);
	dbuf_appendstr(&b, ep);
	dbuf_appendstr(&b, strchr(ep, '?') != NULL ? "&" : "?");
	dbuf_appendstr(&b, "response_type=code&client_id=");
	url_encode(&b, oc.client_id);
	dbuf_appendstr(&b, "&redirect_uri=");
	url_encode(&b, oc.redirect_uri);
	dbuf_appendstr(&b, "&scope=");
	url_encode(&b, oc.scope);
	dbuf_appendf(&b, "&state=%s&nonce=%s", st->state, st->nonce);
	dbuf_appendstr(&b, "&code_challenge=");
	url_encode(&b, challenge);
	dbuf_appendstr(&b, "&code_challenge_method=S256");
	if (strcmp(r->lang, "de") == 0)
		dbuf_appendstr(&b, "&ui_locales=de");
	url = dbuf_release(&b);
	free(challenge);
	json_decref(disc);
	out_cookie(req, r, "drive_sso", st->token, OIDC_REQUEST_SECS);
	rc = redirect_away(req, url);
	free(url);
	return (rc);
}

/* ---- GET /login/sso/callback ---- */

static int
sso_back(struct http_request *req, struct dreq *r)
{
	const char *cookie;
	char	    hash[TOKEN_HEX + 1];

	if (!oc.configured)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (!in_query(r))
		return (sso_refuse(r, "state", 400, "err.sso_state"));
	sso_clear_cookie(req, r);
	cookie = in_cookie(req, "drive_sso");
	if (cookie == NULL || !token_hash(cookie, hash))
		return (sso_refuse(r, "state", 400, "err.sso_state"));
	(void)kore_strlcpy(sso_state(r)->token, cookie, TOKEN_HEX + 1);
	db_query(r, &q_sso_take, 1, hash);
	return (STEP_NEXT);
}

/* The IdP's error code, as far as it is a word (for the audit). */
static void
idp_error_word(const char *e, char *out, size_t len)
{
	size_t i;

	for (i = 0; e[i] != '\0' && i + 1 < len; i++) {
		if (!isalnum((unsigned char)e[i]) && e[i] != '_')
			break;
		out[i] = e[i];
	}
	out[i] = '\0';
}

static int
sso_back_exchange(struct http_request *req, struct dreq *r)
{
	struct sso_state *st = r->data;
	struct oidc_job	 *j;
	const char	 *error, *code;
	char		  word[48], uid[24];

	if (db_rows(r) != 1 || !row_bool(r, 0, "fresh") ||
	    !text_same(in_text(r, "state"), row_text(r, 0, "state")))
		return (sso_refuse(r, "state", 400, "err.sso_state"));
	st->next = kore_strdup(row_text(r, 0, "next"));
	if ((error = in_text(r, "error")) != NULL) {
		/*
		 * The IdP refused (access_denied, a disabled account): the
		 * person signed in here when this began loses every session.
		 */
		idp_error_word(error, word, sizeof(word));
		(void)snprintf(uid, sizeof(uid), "%lld",
		    (long long)(row_int(r, 0, "user_id") != 0 ?
			    row_int(r, 0, "user_id") :
			    r->sess.user_id));
		st->status = 403;
		st->key = "err.sso_denied";
		db_query(r, &q_sso_idp_error, 3, word, r->address, uid);
		return (step_then(r, refused_steps));
	}
	if ((code = in_text(r, "code")) == NULL || *code == '\0' ||
	    strlen(code) > 2048)
		return (sso_refuse(r, "no_code", 400, "err.sso_state"));
	j = job_new(OJ_CODE);
	j->code = xstrdup(code);
	j->verifier = pkce_verifier(st->token);
	j->nonce = xstrdup(row_text(r, 0, "nonce"));
	task_start(req, r, oidc_run, j, job_free);
	return (STEP_NEXT);
}

/* pm or admin from the role claim (a string or a list), else "none". */
static const char *
claim_role(json_t *claims)
{
	json_t	   *c, *v;
	const char *s;
	size_t	    i;
	int	    pm = 0, admin = 0;

	c = json_object_get(claims, oc.role_claim);
	if (json_is_string(c)) {
		s = json_string_value(c);
		admin = oc.admin_value != NULL &&
		    strcmp(s, oc.admin_value) == 0;
		pm = oc.pm_value != NULL && strcmp(s, oc.pm_value) == 0;
	}
	json_array_foreach(c, i, v) {
		if (!json_is_string(v))
			continue;
		s = json_string_value(v);
		if (oc.admin_value != NULL && strcmp(s, oc.admin_value) == 0)
			admin = 1;
		if (oc.pm_value != NULL && strcmp(s, oc.pm_value) == 0)
			pm = 1;
	}
	return (admin ? "admin" : pm ? "pm" : "none");
}

static int
sso_back_account(struct http_request *req, struct dreq *r)
{
	struct oidc_job *j = r->job_arg;
	const char	*email;
	json_t		*v;

	job_done(r, j);
	if (j->result != OR_OK)
		return (sso_job_refuse(req, r, j, 1));
	email = json_string_value(json_object_get(j->claims, "email"));
	v = json_object_get(j->claims, "email_verified");
	/* Some IdPs send "true" as a string. */
	db_query(r, &q_sso_sign_in, 5,
	    json_string_value(json_object_get(j->claims, "sub")),
	    email != NULL ? email : "",
	    (json_is_true(v) ||
		(json_is_string(v) &&
		    strcmp(json_string_value(v), "true") == 0)) ?
		"true" :
		"false",
	    oc.role_claim != NULL ? claim_role(j->claims) : "", r->address);
	return (STEP_NEXT);
}

static int
sso_back_session(struct http_request *req, struct dreq *r)
{
	struct sso_state *st = r->data;
	const char	 *refused;

	refused = row_text(r, 0, "refused");
	if (refused != NULL && *refused != '\0') {
		/* Audited by sso_sign_in(). */
		if (strcmp(refused, "client") == 0)
			st->key = "err.sso_client";
		else if (strcmp(refused, "inactive") == 0)
			st->key = "err.sso_inactive";
		else if (strcmp(refused, "no_role") == 0)
			st->key = "err.sso_no_role";
		else
			st->key = "err.sso_no_account";
		st->status = 403;
		return (step_then(r, refused_steps));
	}
	session_open(req, r, row_int(r, 0, "user_id"),
	    role_parse(row_text(r, 0, "role")),
	    kore_strdup(row_text(r, 0, "display_name")), "sso");
	return (STEP_NEXT);
}

static int
sso_back_done(struct http_request *req, struct dreq *r)
{
	struct sso_state *st = r->data;

	return (out_redirect(req, r, local_path(st->next, "/")));
}

/* ---- POST /oidc/backchannel-logout ---- */

static int
bcl_answer(struct http_request *req, struct dreq *r, int status)
{
	if (status == 200) {
		out_security_headers(req, 0);
		http_response(req, 200, NULL, 0);
		return (STEP_DONE);
	}
	return (out_json(req, r, status,
	    json_pack("{s:s}", "error",
		status == 400 ? "invalid_request" :
				"temporarily_unavailable")));
}

static int
bcl_start(struct http_request *req, struct dreq *r)
{
	struct oidc_job *j;
	const char	*token;

	if (!oc.configured)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	token = in_text(r, "logout_token");
	if (token == NULL || *token == '\0' || strlen(token) > OIDC_TOKEN_MAX)
		return (bcl_answer(req, r, 400));
	j = job_new(OJ_LOGOUT);
	j->token = xstrdup(token);
	in_wipe(r, "logout_token");
	task_start(req, r, oidc_run, j, job_free);
	return (STEP_NEXT);
}

static int
bcl_end(struct http_request *req, struct dreq *r)
{
	struct oidc_job *j = r->job_arg;

	job_done(r, j);
	if (j->result == OR_UNREACHABLE || j->result == OR_IDP)
		return (bcl_answer(req, r, 503));
	if (j->result != OR_OK)
		return (bcl_answer(req, r, 400));
	db_query(r, &q_sso_logout, 2,
	    json_string_value(json_object_get(j->claims, "sub")), r->address);
	return (STEP_NEXT);
}

static int
bcl_done(struct http_request *req, struct dreq *r)
{
	return (bcl_answer(req, r, 200));
}

static const step_fn sso_start_steps[] = { sso_start, sso_start_store,
	sso_start_redirect, NULL };
static const step_fn sso_back_steps[] = { sso_back, sso_back_exchange,
	sso_back_account, sso_back_session, sso_back_done, NULL };
static const step_fn bcl_steps[] = { bcl_start, bcl_end, bcl_done, NULL };

const struct handler sso_start_page = {
	.role = ROLE_ANON,
	.steps = sso_start_steps,
};

const struct handler sso_callback_page = {
	.role = ROLE_ANON,
	.steps = sso_back_steps,
};

/*
 * The IdP posts here, with no session and no CSRF token: the logout
 * token is signed by the IdP, which is the whole of the proof.
 */
const struct handler sso_backchannel_logout = {
	.role = ROLE_NONE,
	.steps = bcl_steps,
};
