/*
 * The second factor, outside the sign-in itself (auth.c): the key that
 * seals the secrets, enrolment from /profile/second-factor (a secret,
 * its QR code and text, confirmed by a code, then ten recovery codes
 * shown once), an admin's reset of a person's factor, and the per-role
 * policy at /admin/sign-in.  A person whose role requires a factor and
 * whose session has none is led here by the engine (request.c) before
 * anything else.
 */

#include <openssl/rand.h>

#include "drive.h"

#define ISSUER "Drive"

static unsigned char secret_key[FACTOR_KEY_LEN];

struct enrol_in {
	char code[FACTOR_RECOVERY_LEN + 1];
};

struct reset_in {
	const char *reason;
};

struct policy_in {
	int client, pm, admin;
};

static const struct db_query q_enrolment = {
	"enrolment",
	"SELECT u.email, encode(u.totp_pending, 'hex') AS pending,"
	" u.totp_pending_at > now() - interval '30 minutes' AS fresh,"
	" floor(extract(epoch FROM u.totp_enrolled_at))::bigint AS enrolled,"
	" (SELECT count(*) FROM recovery_codes c WHERE c.user_id = u.id"
	"  AND c.used_at IS NULL) AS codes_left,"
	" second_factor_required(u.role) AS required"
	" FROM users u WHERE u.id = $1::bigint",
};

static const struct db_query q_enrolment_start = {
	"enrolment_start",
	"UPDATE users SET totp_pending = decode($2, 'hex'),"
	" totp_pending_at = now() WHERE id = $1::bigint",
};

static const struct db_query q_enrol = {
	"enrol",
	"SELECT second_factor_enrol($1::bigint, decode($2, 'hex'),"
	" $3::bigint, $4::text[], $5::bigint, nullif($6, '')::inet) AS ok",
};

static const struct db_query q_own_secret = {
	"second_factor_own",
	"SELECT encode(totp_secret, 'hex') AS secret FROM users"
	" WHERE id = $1::bigint",
};

static const struct db_query q_remove = {
	"second_factor_remove",
	"SELECT second_factor_remove($1::bigint, nullif($2, '')::bigint,"
	" nullif($3, '')::inet) AS outcome",
};

static const struct db_query q_reset_who = {
	"second_factor_reset_who",
	"SELECT u.id, u.display_name AS name, u.email, u.role,"
	" floor(extract(epoch FROM u.totp_enrolled_at))::bigint AS enrolled"
	" FROM users u WHERE u.id = $1::bigint AND u.active",
};

static const struct db_query q_reset = {
	"second_factor_reset",
	"SELECT second_factor_reset($1::bigint, $2::bigint, $3,"
	" nullif($4, '')::inet)",
};

static const struct db_query q_policy = {
	"second_factor_policy",
	"SELECT p.role, p.required,"
	" (SELECT count(*) FROM users u WHERE u.role = p.role AND u.active)"
	" AS people,"
	" (SELECT count(*) FROM users u WHERE u.role = p.role AND u.active"
	"  AND u.totp_enrolled_at IS NOT NULL) AS enrolled"
	" FROM second_factor_policy p"
	" ORDER BY array_position(ARRAY['client', 'pm', 'admin'], p.role)",
};

static const struct db_query q_policy_set = {
	"second_factor_policy_set",
	"SELECT second_factor_policy_set($1::bigint, $2::boolean, $3::boolean,"
	" $4::boolean, nullif($5, '')::inet)",
};

static const struct refusal reset_refusals[] = {
	{ "DR404", 404, "not_found", NULL, "err.not_found" },
	{ "DR409", 409, "self", NULL, "err.second_factor_self" },
	{ NULL, 0, NULL, NULL, NULL },
};

/* ---- the key ---- */

/*
 * DRIVE_SECRET_KEY (64 hex digits), else the file var/secret.key under
 * the root (conf/local.sh makes it).  Without a key the portal does not
 * start: enrolled people could not sign in.
 */
int
second_factor_init(const char *root)
{
	const char *hex;
	char	    path[PATH_MAX], *file = NULL, *nl;
	int	    ok;

	if ((hex = getenv("DRIVE_SECRET_KEY")) == NULL || *hex == '\0') {
		(void)snprintf(path, sizeof(path), "%s/var/secret.key", root);
		if ((file = file_read(path)) == NULL) {
			kore_log(LOG_ERR,
			    "no DRIVE_SECRET_KEY and no %s: the "
			    "second factor's secrets cannot be sealed",
			    path);
			return (0);
		}
		if ((nl = strchr(file, '\n')) != NULL)
			*nl = '\0';
		hex = file;
	}
	ok = factor_key_parse(hex, secret_key);
	if (file != NULL) {
		explicit_bzero(file, strlen(file));
		free(file);
	}
	if (!ok)
		kore_log(LOG_ERR, "the secret key is not 64 hex digits");
	return (ok);
}

const unsigned char *
second_factor_key(void)
{
	return (secret_key);
}

/* A sealed secret opened into out; 0 when it does not open. */
int
second_factor_open(const unsigned char *sealed, size_t len, unsigned char *out,
    size_t cap, size_t *outlen)
{
	if (len <= factor_sealed_len(0) || len - factor_sealed_len(0) > cap)
		return (0);
	if (!factor_open(secret_key, sealed, len, out)) {
		kore_log(LOG_ERR,
		    "second factor: a secret does not open with "
		    "this key");
		return (0);
	}
	*outlen = len - factor_sealed_len(0);
	return (1);
}

/* A sealed secret from the hex the database gives; 0 when none opens. */
static int
open_hex(const char *hex, unsigned char *out, size_t cap, size_t *outlen)
{
	unsigned char sealed[256];
	size_t	      len;

	if (hex == NULL || (len = strlen(hex) / 2) == 0 ||
	    len > sizeof(sealed) || !hex_decode(hex, len * 2, sealed, len))
		return (0);
	return (second_factor_open(sealed, len, out, cap, outlen));
}

/* ---- enrolment ---- */

static int
enrolment_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_enrolment, 1, r->sess.uid);
	return (STEP_NEXT);
}

/* The QR code, the secret as text, the address: an enrolment under way. */
static void
enrolment_ctx(struct dreq *r, const unsigned char *secret, size_t len)
{
	char *uri, *svg, *text, *label;

	uri = factor_otpauth_uri(secret, len, ISSUER, row_text(r, 0, "email"));
	label = out_msg(r, "factor.qr_label", NULL);
	svg = factor_qr_svg(uri, label);
	text = factor_base32(secret, len, 1);
	json_object_set_new(r->ctx, "pending",
	    json_pack("{s:s, s:s?}", "secret", text, "qr_html", svg));
	explicit_bzero(uri, strlen(uri));
	explicit_bzero(text, strlen(text));
	free(uri);
	free(svg);
	free(text);
	kore_free(label);
}

static int
enrolment_page(struct http_request *req, struct dreq *r)
{
	unsigned char secret[64];
	size_t	      len;

	if (db_rows(r) != 1)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	if (!row_null(r, 0, "enrolled"))
		out_time(r, r->ctx, "enrolled", "enrolled_rel",
		    row_int(r, 0, "enrolled"));
	json_object_set_new(r->ctx, "codes_left",
	    json_integer(row_int(r, 0, "codes_left")));
	json_object_set_new(r->ctx, "required",
	    json_boolean(row_bool(r, 0, "required")));
	json_object_set_new(r->ctx, "gated",
	    json_boolean(r->sess.needs_factor));
	(void)in_query(r);
	if (in_text(r, "removed") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.factor_removed", NULL);
	if (row_bool(r, 0, "fresh") &&
	    open_hex(row_text(r, 0, "pending"), secret, sizeof(secret), &len)) {
		enrolment_ctx(r, secret, len);
		explicit_bzero(secret, sizeof(secret));
	}
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200, "second_factor",
	    "title.second_factor", "profile"));
}

/* A new secret, sealed, kept as the enrolment under way. */
static int
enrolment_start(struct http_request *req, struct dreq *r)
{
	unsigned char secret[FACTOR_SECRET_LEN], sealed[128];
	char	      hex[sizeof(sealed) * 2 + 1];
	size_t	      len;

	if (RAND_bytes(secret, sizeof(secret)) != 1)
		fatal("enrolment_start: no randomness");
	len = factor_sealed_len(sizeof(secret));
	if (!factor_seal(secret_key, secret, sizeof(secret), sealed))
		fatal("enrolment_start: cannot seal");
	explicit_bzero(secret, sizeof(secret));
	hex_encode(sealed, len, hex);
	db_query(r, &q_enrolment_start, 2, r->sess.uid, hex);
	return (STEP_NEXT);
}

/* The API's enrolment: the secret as text, as an address and drawn. */
static int
start_json(struct http_request *req, struct dreq *r)
{
	unsigned char secret[64];
	size_t	      len;
	char	     *uri, *svg, *text, *label;
	json_t	     *o;

	if (db_rows(r) != 1 || !row_bool(r, 0, "fresh") ||
	    !open_hex(row_text(r, 0, "pending"), secret, sizeof(secret), &len))
		return (out_error(req, r, 500, "internal", NULL,
		    "err.internal"));
	uri = factor_otpauth_uri(secret, len, ISSUER, row_text(r, 0, "email"));
	label = out_msg(r, "factor.qr_label", NULL);
	svg = factor_qr_svg(uri, label);
	text = factor_base32(secret, len, 0);
	explicit_bzero(secret, sizeof(secret));
	o = json_pack("{s:s, s:s, s:s?}", "secret", text, "otpauth_uri", uri,
	    "qr_svg", svg);
	explicit_bzero(uri, strlen(uri));
	explicit_bzero(text, strlen(text));
	free(uri);
	free(svg);
	free(text);
	kore_free(label);
	return (out_json(req, r, 201, o));
}

static int
to_enrolment(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/profile/second-factor#setup"));
}

static void
enrol_input(struct dreq *r, void *arg)
{
	struct enrol_in *in = arg;

	if (factor_code_parse(in_text(r, "code"), in->code, sizeof(in->code)) !=
	    FACTOR_TOTP)
		field_error(r, "code", "err.code_format");
	in_wipe(r, "code");
}

/*
 * Turning it off: the code in the form, or for the API's DELETE in the
 * X-Second-Factor-Code header, since Kore 4.1.0 reads no body on a
 * DELETE (README, "Two-step sign-in").
 */
static void
remove_input(struct dreq *r, void *arg)
{
	struct enrol_in *in = arg;
	const char	*code = NULL;

	if (r->req->method == HTTP_METHOD_DELETE)
		(void)http_request_header(r->req, "x-second-factor-code",
		    &code);
	else
		code = in_text(r, "code");
	if (factor_code_parse(code, in->code, sizeof(in->code)) != FACTOR_TOTP)
		field_error(r, "code", "err.code_format");
	in_wipe(r, "code");
}

/*
 * The code against the enrolment under way; on a match the secret is
 * the person's and ten recovery codes are made (their HMACs stored, the
 * codes shown once, in r->data).
 */
static int
enrol_check(struct http_request *req, struct dreq *r)
{
	struct enrol_in *in = r->in;
	unsigned char	 secret[64];
	struct dbuf	 codes;
	json_t		*shown;
	const char	*pending;
	char		 code[FACTOR_RECOVERY_LEN + 2], norm[16];
	char	hash[TOKEN_HEX + 1], step_text[32], sid[32], *arr, *pend;
	size_t	len;
	int64_t step;
	int	i, ok;

	pending = row_text(r, 0, "pending");
	if (db_rows(r) != 1 || !row_bool(r, 0, "fresh") ||
	    !open_hex(pending, secret, sizeof(secret), &len))
		return (step_refuse(req, r, 409, "no_enrolment", "code",
		    "err.enrolment_gone"));
	ok = factor_totp_check(secret, len, in->code, (int64_t)time(NULL),
	    &step);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(in->code, sizeof(in->code));
	if (!ok)
		return (step_refuse(req, r, 422, "invalid_code", "code",
		    "err.code_wrong"));

	shown = json_array();
	dbuf_init(&codes);
	dbuf_appendstr(&codes, "{");
	for (i = 0; i < FACTOR_RECOVERY_N; i++) {
		factor_recovery_new(code);
		(void)factor_code_parse(code, norm, sizeof(norm));
		factor_recovery_hash(secret_key, norm, hash);
		dbuf_appendf(&codes, "%s%s", i ? "," : "", hash);
		json_array_append_new(shown, json_string(code));
		explicit_bzero(code, sizeof(code));
		explicit_bzero(norm, sizeof(norm));
	}
	dbuf_appendstr(&codes, "}");
	arr = dbuf_release(&codes);
	r->data = shown;
	r->data_free = (void (*)(void *))json_decref;
	(void)snprintf(step_text, sizeof(step_text), "%lld", (long long)step);
	(void)snprintf(sid, sizeof(sid), "%lld", (long long)r->sess.id);
	/* db_query() frees the result pending points into: a copy. */
	pend = kore_strdup(pending);
	db_query(r, &q_enrol, 6, r->sess.uid, pend, step_text, arr, sid,
	    r->address);
	kore_free(pend);
	free(arr);
	return (STEP_NEXT);
}

/* The recovery codes, this once. */
static int
enrol_done(struct http_request *req, struct dreq *r)
{
	if (!row_bool(r, 0, "ok"))
		return (step_refuse(req, r, 409, "no_enrolment", "code",
		    "err.enrolment_gone"));
	r->sess.needs_factor = 0;
	if (r->is_api)
		return (out_json(req, r, 200,
		    json_pack("{s:O}", "recovery_codes", r->data)));
	json_object_set(r->ctx, "codes", r->data);
	return (render_page(req, r, 200, "second_factor_codes",
	    "title.second_factor_codes", "profile"));
}

/* ---- turning it off ---- */

static int
remove_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_own_secret, 1, r->sess.uid);
	return (STEP_NEXT);
}

/* A code of the factor itself says it is the person, not a stolen session. */
static int
remove_check(struct http_request *req, struct dreq *r)
{
	struct enrol_in *in = r->in;
	unsigned char	 secret[64];
	char		 step_text[32] = "";
	size_t		 len;
	int64_t		 step;

	if (db_rows(r) == 1 &&
	    open_hex(row_text(r, 0, "secret"), secret, sizeof(secret), &len)) {
		if (factor_totp_check(secret, len, in->code,
			(int64_t)time(NULL), &step))
			(void)snprintf(step_text, sizeof(step_text), "%lld",
			    (long long)step);
		explicit_bzero(secret, sizeof(secret));
	} else {
		return (step_refuse(req, r, 409, "no_second_factor", NULL,
		    "err.factor_none"));
	}
	explicit_bzero(in->code, sizeof(in->code));
	if (step_text[0] == '\0')
		return (step_refuse(req, r, 401, "invalid_code", "code",
		    "err.code_wrong"));
	db_query(r, &q_remove, 3, r->sess.uid, step_text, r->address);
	return (STEP_NEXT);
}

static int
remove_done(struct http_request *req, struct dreq *r)
{
	const char *outcome = row_text(r, 0, "outcome");

	if (strcmp(outcome, "required") == 0)
		return (step_refuse(req, r, 409, "second_factor_required", NULL,
		    "err.factor_keep"));
	if (strcmp(outcome, "none") == 0)
		return (step_refuse(req, r, 409, "no_second_factor", NULL,
		    "err.factor_none"));
	if (strcmp(outcome, "replay") == 0)
		return (step_refuse(req, r, 401, "invalid_code", "code",
		    "err.code_used"));
	if (r->is_api)
		return (out_json(req, r, 200,
		    json_pack("{s:b}", "removed", 1)));
	return (out_redirect(req, r, "/profile/second-factor?removed=1"));
}

/* ---- an admin's reset ---- */

static int
reset_who(struct http_request *req, struct dreq *r)
{
	char id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)path_id(r, "id"));
	db_query(r, &q_reset_who, 1, id);
	return (STEP_NEXT);
}

static int
reset_page(struct http_request *req, struct dreq *r)
{
	if (db_rows(r) != 1)
		return (out_error(req, r, 404, "not_found", NULL,
		    "err.not_found"));
	json_object_set_new(r->ctx, "who",
	    json_pack("{s:I, s:s, s:s, s:b, s:b}", "id",
		(json_int_t)row_int(r, 0, "id"), "name", row_text(r, 0, "name"),
		"email", row_text(r, 0, "email"), "enrolled",
		!row_null(r, 0, "enrolled"), "self",
		row_int(r, 0, "id") == r->sess.user_id));
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "users", 1));
	if (!row_null(r, 0, "enrolled"))
		out_time(r, r->ctx, "enrolled", "enrolled_rel",
		    row_int(r, 0, "enrolled"));
	return (render_page(req, r,
	    json_object_get(r->ctx, "has_errors") ? 422 : 200,
	    "admin_second_factor", "title.second_factor_reset", "admin"));
}

static void
reset_input(struct dreq *r, void *arg)
{
	struct reset_in *in = arg;
	size_t		 n;

	if (in_field(r, "reason", &in->reason) != 1 ||
	    (n = utf8_count(in->reason, strlen(in->reason))) < 3 || n > 500)
		field_error(r, "reason", "err.reason_required");
}

static int
reset_store(struct http_request *req, struct dreq *r)
{
	struct reset_in *in = r->in;
	char		 id[32];

	(void)snprintf(id, sizeof(id), "%lld", (long long)path_id(r, "id"));
	db_query(r, &q_reset, 4, r->sess.uid, id, in->reason, r->address);
	return (STEP_NEXT);
}

static int
reset_redirect(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/admin/users?factor_reset=1"));
}

static int
reset_json(struct http_request *req, struct dreq *r)
{
	return (out_json(req, r, 200, json_pack("{s:b}", "reset", 1)));
}

/* ---- the policy ---- */

static int
policy_query(struct http_request *req, struct dreq *r)
{
	db_query(r, &q_policy, 0);
	return (STEP_NEXT);
}

static int
policy_page(struct http_request *req, struct dreq *r)
{
	json_t *roles, *o;
	int	i;

	(void)in_query(r);
	roles = json_array();
	for (i = 0; i < db_rows(r); i++) {
		o = json_pack("{s:s, s:b, s:I, s:I}", "role",
		    row_text(r, i, "role"), "required",
		    row_bool(r, i, "required"), "people",
		    (json_int_t)row_int(r, i, "people"), "enrolled",
		    (json_int_t)row_int(r, i, "enrolled"));
		ctx_set_msg(r, o, "label",
		    role_label_key(row_text(r, i, "role")), NULL);
		json_array_append_new(roles, o);
	}
	json_object_set_new(r->ctx, "roles", roles);
	json_object_set_new(r->ctx, "admin_nav",
	    json_pack("{s:b}", "sign_in", 1));
	if (in_text(r, "saved") != NULL)
		ctx_set_msg(r, r->ctx, "notice", "notice.policy_saved", NULL);
	return (render_page(req, r, 200, "admin_sign_in",
	    "title.sign_in_policy", "admin"));
}

static void
policy_input(struct dreq *r, void *arg)
{
	struct policy_in *in = arg;

	in->client = in_text(r, "client") != NULL;
	in->pm = in_text(r, "pm") != NULL;
	in->admin = in_text(r, "admin") != NULL;
}

static int
policy_store(struct http_request *req, struct dreq *r)
{
	struct policy_in *in = r->in;

	db_query(r, &q_policy_set, 5, r->sess.uid, in->client ? "t" : "f",
	    in->pm ? "t" : "f", in->admin ? "t" : "f", r->address);
	return (STEP_NEXT);
}

static int
policy_redirect(struct http_request *req, struct dreq *r)
{
	return (out_redirect(req, r, "/admin/sign-in?saved=1"));
}

static const step_fn enrolment_steps[] = { enrolment_query, enrolment_page,
	NULL };
static const step_fn start_steps[] = { enrolment_start, to_enrolment, NULL };
static const step_fn enrol_steps[] = { enrolment_query, enrol_check, enrol_done,
	NULL };
static const step_fn start_api_steps[] = { enrolment_start, enrolment_query,
	start_json, NULL };
static const step_fn remove_steps[] = { remove_query, remove_check, remove_done,
	NULL };
static const step_fn reset_page_steps[] = { reset_who, reset_page, NULL };
static const step_fn reset_steps[] = { reset_store, reset_redirect, NULL };
static const step_fn reset_api_steps[] = { reset_store, reset_json, NULL };
static const step_fn policy_steps[] = { policy_query, policy_page, NULL };
static const step_fn policy_set_steps[] = { policy_store, policy_redirect,
	NULL };

const struct handler second_factor_page = {
	.role = ROLE_CLIENT,
	.enrolment = 1,
	.steps = enrolment_steps,
};

const struct handler second_factor_start_page = {
	.role = ROLE_CLIENT,
	.enrolment = 1,
	.steps = start_steps,
};

const struct handler second_factor_enrol_page = {
	.role = ROLE_CLIENT,
	.enrolment = 1,
	.input = enrol_input,
	.input_size = sizeof(struct enrol_in),
	.steps = enrol_steps,
	.form = enrolment_steps,
};

const struct handler second_factor_start_api = {
	.role = ROLE_CLIENT,
	.enrolment = 1,
	.steps = start_api_steps,
};

const struct handler second_factor_confirm_api = {
	.role = ROLE_CLIENT,
	.enrolment = 1,
	.input = enrol_input,
	.input_size = sizeof(struct enrol_in),
	.steps = enrol_steps,
};

const struct handler second_factor_remove_page = {
	.role = ROLE_CLIENT,
	.input = remove_input,
	.input_size = sizeof(struct enrol_in),
	.steps = remove_steps,
	.form = enrolment_steps,
	.form_prefix = "remove_",
};

const struct handler second_factor_remove_api = {
	.role = ROLE_CLIENT,
	.input = remove_input,
	.input_size = sizeof(struct enrol_in),
	.steps = remove_steps,
};

const struct handler second_factor_reset_form_page = {
	.role = ROLE_ADMIN,
	.steps = reset_page_steps,
};

const struct handler second_factor_reset_page = {
	.role = ROLE_ADMIN,
	.input = reset_input,
	.input_size = sizeof(struct reset_in),
	.steps = reset_steps,
	.refusals = reset_refusals,
	.form = reset_page_steps,
};

const struct handler second_factor_reset_api = {
	.role = ROLE_ADMIN,
	.input = reset_input,
	.input_size = sizeof(struct reset_in),
	.steps = reset_api_steps,
	.refusals = reset_refusals,
};

const struct handler sign_in_policy_page = {
	.role = ROLE_ADMIN,
	.steps = policy_steps,
};

const struct handler sign_in_policy_save_page = {
	.role = ROLE_ADMIN,
	.input = policy_input,
	.input_size = sizeof(struct policy_in),
	.steps = policy_set_steps,
};
