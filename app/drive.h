/*
 * Drive: the client co-creation portal.
 *
 * One header for the whole module.  The first half declares the pure code
 * (no Kore): buffers, text checks, form decoding, templates and message
 * catalogs.  Unit tests compile it with -DDRIVE_PURE.  The second half
 * declares the Kore side: SQL, HTTP in and out, sessions, handlers.
 */

#ifndef DRIVE_H
#define DRIVE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* util.c: a growable byte buffer and text helpers. */
struct dbuf {
	char  *data; /* always NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
};

void dbuf_init(struct dbuf *);
void dbuf_append(struct dbuf *, const void *, size_t);
void dbuf_appendstr(struct dbuf *, const char *);
void dbuf_appendf(struct dbuf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
char *dbuf_release(struct dbuf *); /* caller frees, never NULL */
void  dbuf_free(struct dbuf *);
char *file_read(const char *);
int   hex_value(int);

/* Appends s as a query string value: %XX for all but [A-Za-z0-9._-]. */
void url_encode(struct dbuf *, const char *);
/* The same, but a space as '+' (as forms send it). */
void query_encode(struct dbuf *, const char *);

/* Appends s escaping & < > " ' as entities. */
void html_escape(struct dbuf *, const char *, size_t);
/*
 * Appends s (valid UTF-8) as a JSON string, quoted, byte for byte as
 * jansson's json_dumps() writes it: " and \ escaped, control characters
 * as \b \f \n \r \t or \u00XX, everything else as it is.
 */
void json_escape(struct dbuf *, const char *, size_t);

/* 1 when the bytes are valid UTF-8 (no overlongs, no surrogates). */
int    utf8_valid(const char *, size_t);
/* Number of code points in valid UTF-8. */
size_t utf8_count(const char *, size_t);
/*
 * 1 when the text is valid UTF-8 without NUL and without control
 * characters other than \n and \t (\r must have been normalised away).
 */
int    text_acceptable(const char *, size_t);
/* 1 when valid UTF-8 without any control character (single-line text). */
int    line_acceptable(const char *, size_t);

/*
 * minify.c: appends the stylesheet src without its comments, line breaks
 * and needless spaces (what static.c serves).
 */
void css_minify(struct dbuf *, const char *, size_t);
/* The same for a script: without comments, indentation and blank lines. */
void js_minify(struct dbuf *, const char *, size_t);

/* Abort on allocation failure: a worker that cannot allocate must die. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);

/* Lower-case hex; out holds 2 * len + 1 bytes. */
void hex_encode(const unsigned char *, size_t, char *);
/* Decodes exactly outlen bytes from 2 * outlen hex digits; 1 on success. */
int  hex_decode(const char *, size_t, unsigned char *, size_t);

/* form.c: application/x-www-form-urlencoded and query strings. */
struct form_field {
	char  *name;
	char  *value; /* NUL-terminated; may contain \n */
	size_t len;   /* bytes in value */
};

struct form {
	struct form_field *fields;
	size_t		   n;
};

/*
 * Decodes "a=b&c=d": '+' is a space, %XX any byte (also %00, which the
 * caller refuses through text_acceptable()), CRLF and lone CR become LF.
 * A value may contain '='.  Fields without '=' have an empty value.
 * Returns 1, or 0 on a malformed escape (the form is then empty).
 */
int			 form_decode(const char *, size_t, struct form *);
/* The first value of name, or NULL. */
const struct form_field *form_get(const struct form *, const char *);
void			 form_free(struct form *);

/* input.c: the pure half of reading a request (http_in.c uses it). */
int cookie_get(const char *, const char *, char *, size_t);
int content_type_match(const char *, const char *);
int forwarded_for(const char *, char *, size_t);
/*
 * A route's path pattern against a request's path: "/ideas/:id/vote"
 * (":name" a segment of 1-18 digits, "*name" any one segment, a last
 * "**" any rest).  1 on a match, with the parameters in params (at most
 * PATH_PARAMS_MAX; params may be NULL).
 */
#define PATH_PARAMS_MAX 4
struct path_param {
	const char *name; /* in the pattern, after ':' or '*' */
	size_t	    namelen;
	const char *value; /* in the request's path */
	size_t	    len;
};
int	    route_match(const char *, const char *, struct path_param *, int *);
/* The text of the parameter called name in buf; NULL when none fits. */
const char *param_text(const struct path_param *, int, const char *, char *,
    size_t);
json_t	   *body_json(const char *, size_t);
int field_text(json_t *, const struct form *, const char *, const char **);

/* check.c: pure checks shared by the handlers. */
#define TOKEN_BYTES 32
#define TOKEN_HEX   (TOKEN_BYTES * 2)
/* Roles, ordered: a handler names the least role it needs. */
/*
 * ROLE_NONE: no session needed and no CSRF token checked: the 404 page,
 * and the IdP's back-channel logout, whose signed token is its proof.
 */
#define ROLE_NONE   (-1)
#define ROLE_ANON   0
#define ROLE_CLIENT 1
#define ROLE_PM	    2
#define ROLE_ADMIN  3
/* 32 random bytes as hex (TOKEN_HEX + 1 bytes); aborts without randomness. */
void	    token_new(char *);
const char *role_name(int);
int	    role_parse(const char *);
int	    email_valid(const char *);
#define LOCAL_PATH_MAX	512
#define PAGE_NUMBER_MAX 1000000 /* page_parse(): an admin list's page */
const char *local_path(const char *, const char *);
/* NULL when the display name may be used, else the refusal's key. */
const char *name_refusal(const char *, int);
int	    addr_canonical(const char *, char *, size_t);
int	    addr_listed(const char *, const char *);
int	    cursor_parse(const char *, char *, size_t, char *, size_t);
int	    cursor_parse_wide(const char *, char *, size_t, char *, size_t);
int	    page_parse(const char *);
int	    token_hash(const char *, char *);
int	    csrf_equal(const char *, const char *);
void	    relative_key(int64_t, char *, size_t, int64_t *);
int	    search_mark(struct dbuf *, const char *, const char *);
int	    search_excerpt(struct dbuf *, const char *, const char *, size_t);
void	    csv_start(struct dbuf *);
void	    csv_cell(struct dbuf *, const char *, int);
/* An idea's status and its group (README, "Custom statuses"). */
#define STATUS_OPEN	 0 /* votes open */
#define STATUS_COMMITTED 1 /* votes open, on the roadmap */
#define STATUS_CLOSED	 2 /* votes frozen */
#define STATUS_MAX	 64
#define STATUS_KEY_MAX	 30
struct status_def {
	char key[STATUS_KEY_MAX + 2];
	int  group;
	int  builtin;
	char name_en[168]; /* 40 characters; "" when built in */
	char name_de[168];
};
void	    status_catalog_reset(void);
int	    status_catalog_load(int, const char		*const *, const char	      *const *,
	    const int *, const char	    *const *, const char	  *const *);
int	    status_group_parse(const char *);
const char *status_group_name(int);
int	    status_key_valid(const char *);
int	    status_count(void);
const struct status_def *status_at(int);
const struct status_def *status_find(const char *);
int			 status_valid(const char *);
int			 status_frozen(const char *);
const char *status_custom_name(const struct status_def *, const char *);

/* The product areas every worker keeps (README, "One round trip a page"). */
#define AREA_MAX      1000
#define AREA_SLUG_MAX 40
struct area_def {
	char  slug[AREA_SLUG_MAX + 2];
	int   retired;
	char *name_en;
	char *name_de;
	char *approval; /* a JSON array: the statuses needing approval */
};
void area_catalog_reset(void);
int  area_slug_valid(const char *);
/* A row of the database's areas, as area_catalog_load() takes it. */
struct area_row {
	const char *slug;
	const char *name_en;
	const char *name_de;
	const char *approval;
	int	    retired;
};
int		       area_catalog_load(int, const struct area_row *);
int		       area_count(void);
const struct area_def *area_at(int);
const struct area_def *area_find(const char *);
const char	      *area_name(const struct area_def *, const char *);

/*
 * guard.c: the sensitive data guard (README, "Sensitive data guard").
 * guard_scan() finds at most max findings in len bytes of text, sorted
 * by offset; each lies within the text and starts and ends on an ASCII
 * byte.
 */
#define GUARD_IBAN    1
#define GUARD_CARD    2
#define GUARD_EMAIL   3
#define GUARD_PHONE   4
#define GUARD_ACCOUNT 5
#define GUARD_MAX     16 /* findings a field reports at most */
struct guard_hit {
	int    kind;
	size_t off; /* bytes from the text's start */
	size_t len;
};
size_t	    guard_scan(const char *, size_t, struct guard_hit *, size_t);
int	    guard_iban_valid(const char *, size_t);
int	    guard_luhn_valid(const char *, size_t);
const char *guard_kind_name(int);
size_t	    guard_line(const char *, size_t, size_t);
void	    guard_mask(struct dbuf *, const char *, const struct guard_hit *);

/*
 * chain.c: the audit chain recomputed outside the database (drivectl);
 * mirrors audit_entry_hash() in sql/repeatable/audit.sql.  Strings as
 * PostgreSQL prints them (TimeZone UTC, DateStyle ISO); NULL for a NULL
 * column.
 */
#define AUDIT_HASH_LEN 32
struct audit_entry {
	const char *at; /* "2026-12-06 03:50:04.5+00" */
	const char *actor;
	const char *action;
	const char *target;
	const char *address; /* inet text, "/bits" is dropped */
	const char *details; /* jsonb text */
};
struct audit_anchor {
	int64_t	      id;
	unsigned char hash[AUDIT_HASH_LEN];
	char	      at[40];
};
int audit_time(const char *, char *);
int audit_serialise(struct dbuf *, const struct audit_entry *);
int audit_hash(const unsigned char *, size_t, const struct audit_entry *,
    unsigned char *);
int audit_anchor_parse(const char *, struct audit_anchor *);

/* factor.c: the second factor's codes, sealed secret and QR code. */
#define FACTOR_KEY_LEN	    32 /* DRIVE_SECRET_KEY: 64 hex digits */
#define FACTOR_SECRET_LEN   20 /* an authenticator's secret (RFC 4226) */
#define FACTOR_TOTP_DIGITS  6
#define FACTOR_TOTP_STEP    30
#define FACTOR_RECOVERY_LEN 10 /* without the hyphen */
#define FACTOR_RECOVERY_N   10 /* codes a person gets */
#define FACTOR_TOTP	    1
#define FACTOR_RECOVERY	    2
int    factor_key_parse(const char *, unsigned char *);
size_t factor_sealed_len(size_t);
int    factor_seal(const unsigned char *, const unsigned char *, size_t,
       unsigned char *);
int    factor_open(const unsigned char *, const unsigned char *, size_t,
       unsigned char *);
int    factor_code_parse(const char *, char *, size_t);
void   factor_recovery_new(char *);
void   factor_recovery_hash(const unsigned char *, const char *, char *);
int    factor_totp_check(const unsigned char *, size_t, const char *, int64_t,
       int64_t *);
int    factor_totp_code(const unsigned char *, size_t, int64_t, char *);
char  *factor_base32(const unsigned char *, size_t, int);
char  *factor_otpauth_uri(const unsigned char *, size_t, const char *,
     const char *);
char  *factor_qr_svg(const char *, const char *);
/* The digest's unsubscribe token (README, "Weekly digest"). */
#define FACTOR_DIGEST_MAC	16 /* bytes of HMAC-SHA256 kept */
#define FACTOR_DIGEST_TOKEN_MAX 64
void	factor_digest_key(const unsigned char *, unsigned char *);
void	factor_digest_token(const unsigned char *, int64_t, char *);
int64_t factor_digest_check(const unsigned char *, const char *);

/* i18n.c: message catalogs, one file a language: "key = text" lines. */
#define I18N_LANG_MAX 2
struct i18n_cat;

struct i18n_cat *i18n_load(const char *path, char *err, size_t errlen);
/* The same from len bytes in memory; name is used in errors only. */
struct i18n_cat *i18n_parse(const char *buf, size_t len, const char *name,
    char *err, size_t errlen);
void		 i18n_free(struct i18n_cat *);
/* The text of key, or NULL when the catalog lacks it. */
const char	*i18n_get(const struct i18n_cat *, const char *key);
/* Iterates keys: returns the i-th key or NULL past the end. */
const char	*i18n_key_at(const struct i18n_cat *, size_t i);
/*
 * A message compiled at load time into literal runs and {{name}}
 * placeholders, so that rendering never parses.  For a placeholder,
 * text holds the dotted name with each '.' replaced by NUL ("." itself
 * has len 0).
 */
struct i18n_part {
	const char *text;
	size_t	    len;
	int	    var;
};
/* The parts of key and their number in *n, or NULL when missing. */
const struct i18n_part *i18n_parts(const struct i18n_cat *, const char *key,
    size_t *n);
/*
 * Picks "en" or "de" from an Accept-Language header value (q-values
 * honoured); NULL or nothing known gives "en".
 */
const char	       *i18n_pick(const char *accept_language);

/* tpl.c: templates with escape-by-default output. */
struct tpl_set;

/*
 * Loads every "*.html" file in dir; a template's name is its file name
 * without ".html".  Messages ({{t:key}}) are looked up in the catalog
 * given at render time.  On a syntax error returns NULL and describes it
 * (file and line) in err.
 */
struct tpl_set *tpl_load_dir(const char *dir, char *err, size_t errlen);
/* Compiles a single template from a string (used by tests). */
struct tpl_set *tpl_load_string(const char *name, const char *src, char *err,
    size_t errlen);
int	    tpl_add_string(struct tpl_set *, const char *name, const char *src,
	    char *err, size_t errlen);
void	    tpl_free(struct tpl_set *);
int	    tpl_exists(const struct tpl_set *, const char *name);
/* Names of the message keys a template set uses, for catalog checks. */
const char *tpl_message_key_at(const struct tpl_set *, size_t i);
/*
 * Renders name with ctx into out.  Returns 1, or 0 when the template
 * does not exist or a message key is missing from cat (out then holds
 * what was rendered so far).
 */
int	    tpl_render(const struct tpl_set *, const char *name, json_t *ctx,
	    const struct i18n_cat *cat, struct dbuf *out);
/*
 * Renders the message key of cat with ctx as its variables, as plain
 * text (escape == 0, for data that a template escapes later) or as HTML
 * (escape == 1).  Returns 0 when the key is missing (key itself is then
 * appended, so a page never shows nothing).
 */
int tpl_message(const struct i18n_cat *cat, const char *key, json_t *ctx,
    int escape, struct dbuf *out);
/*
 * Renders like tpl_render but escapes nothing: for the text/plain part
 * of a mail only, never for anything a browser is given.
 */
int tpl_render_text(const struct tpl_set *, const char *name, json_t *ctx,
    const struct i18n_cat *cat, struct dbuf *out);

/* mime.c: one mail as RFC 5322 and MIME want it, lines ending in CRLF. */
struct mime_mail {
	const char *from_name; /* NULL or "" for none */
	const char *from_addr;
	const char *to_name;
	const char *to_addr;
	const char *subject;	 /* UTF-8, one line */
	const char *message_id;	 /* without the angle brackets */
	int64_t	    date;	 /* seconds since the epoch */
	const char *text;	 /* UTF-8, lines end in \n */
	const char *html;	 /* UTF-8 */
	const char *unsubscribe; /* NULL, or a URL for List-Unsubscribe */
};

#define MIME_LINE_MAX	     78	 /* header lines, without CRLF */
#define MIME_BODY_MAX	     76	 /* encoded body lines, without CRLF */
#define MIME_UNSUBSCRIBE_MAX 900 /* List-Unsubscribe's URL, at most */

/* Base64 without line breaks (for encoded-words). */
void  mime_base64(struct dbuf *, const void *, size_t);
/* Base64 in lines of MIME_BODY_MAX, each ending in CRLF. */
void  mime_base64_lines(struct dbuf *, const void *, size_t);
/* Quoted-printable (RFC 2045); \n or \r\n in, CRLF out. */
void  mime_qp(struct dbuf *, const char *, size_t);
/*
 * Appends "Name: value" CRLF; value is written as RFC 2047 encoded-words
 * when it is not printable ASCII or would not fit on one line.
 */
void  mime_header(struct dbuf *, const char *, const char *);
/* Appends "Name: display name <addr>" CRLF; 0 when addr is unusable. */
int   mime_address_header(struct dbuf *, const char *, const char *,
      const char *);
/* The RFC 5322 date of t, in UTC; buf holds at least 32 bytes. */
void  mime_date(char *, size_t, int64_t);
/*
 * Splits "Name <addr>" or "addr" into its parts (caller frees both);
 * 0 when there is no usable address.
 */
int   mime_split_address(const char *, char **, char **);
/* The whole message: headers, multipart/alternative text and HTML. */
int   mime_build(struct dbuf *, const struct mime_mail *);
/*
 * At most max code points of valid UTF-8 text, cut after a word when
 * one ends near the limit, with "…" appended when anything was cut.
 */
char *mime_excerpt(const char *, size_t);
/*
 * Markdown as HTML for a mail (malloc'ed): safe as on the pages, with no
 * remote image (its alt text instead) and every link's address shown.
 */
char *mime_md_html(const char *);

#ifndef DRIVE_PURE
/* ------------------------------------------------------------------ */
/* The Kore side.                                                      */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/tasks.h>

#define DRIVE_DB	 "db"
#define DRIVE_BODY_MAX	 (64 * 1024)
#define DRIVE_PARAMS_MAX 12
#define INVITATION_DAYS	 7

/* What a step returns. */
#define STEP_NEXT 1 /* run the next step (after SQL/task) */
#define STEP_DONE 2 /* a response was written */
#define STEP_JUMP 3 /* run the steps step_then() named */

/* Methods a route takes (a GET route answers HEAD too). */
#define M_GET	 0x01
#define M_POST	 0x02
#define M_PUT	 0x04
#define M_PATCH	 0x08
#define M_DELETE 0x10

/* What became of the last query. */
#define DB_OK	 0
#define DB_ECONN 1 /* the database did not answer: 503 */
#define DB_ESQL	 2 /* the statement failed: see sqlstate */
#define DB_EBUSY 3 /* lock or statement timeout: 503 */

struct session {
	int64_t id; /* 0 when anonymous */
	int64_t user_id;
	char	uid[24]; /* user_id as text, a query parameter */
	int	role;
	char   *name;
	char	csrf[TOKEN_HEX + 1];
	char	lang[3];      /* "" when the profile has none */
	int	unread;	      /* notifications not read yet */
	int	needs_factor; /* the role requires one, the session has none */
	int	bearer;	      /* signed in by an API token */
	int	asked;	      /* a lookup was sent for the cookie or token */
	int64_t catalog_version; /* catalog_version's stamp */
};

struct db_query {
	const char *name;
	const char *sql;
	int	    custom; /* plan for each call's values */
};

struct pw_job {
	int   op;	/* PW_HASH or PW_VERIFY */
	char *password; /* wiped and freed when done */
	char *encoded;	/* in for verify, out for hash */
	int   ok;
};
#define PW_HASH	  1
#define PW_VERIFY 2

struct dreq;
typedef int (*step_fn)(struct http_request *, struct dreq *);

/*
 * A refusal the database gives (RAISE ... USING ERRCODE = 'DR404' in a
 * function, or a constraint's 23505) and what the person is told: the
 * status, the API's error code, the form field it is about (NULL when
 * none) and the message's catalog key.  A table of them ends with a
 * NULL state.
 */
struct refusal {
	const char *state;
	int	    status;
	const char *code;
	const char *field;
	const char *key;
};

/*
 * What a route runs.  The engine checks the role, decodes the input
 * into a struct of input_size bytes with input(), and runs the steps
 * (NULL-terminated).  A field error from input() or a refusal about a
 * field shows a page's form again (the steps of form, with every error
 * next to its field and what was typed kept); the API gets a 422 that
 * names every field.  Any other refusal is the error page or envelope.
 * On a page with several forms, form_prefix tells one's fields apart:
 * with "comment_", the error about "body" is errors.comment_body.
 */
struct handler {
	int role;
	void (*input)(struct dreq *, void *);
	size_t		      input_size;
	const step_fn	     *steps;
	const struct refusal *refusals;
	const step_fn	     *form;
	const char	     *form_prefix; /* of its page's names */
	int		      enrolment;   /* open to a session that must first
					  * set up a second factor */
	int	any_body; /* a body neither a form nor JSON is read as none
		       * (RFC 8058's one-click POST may be multipart) */
	/*
	 * A page whose statement carries the session's lookup (README, "One
	 * round trip a page"): when fold_ok() says its input lets it, the
	 * prelude runs fold, a step that only queues the page's statement
	 * ($1, who is signed in, and $2, the language, taken from the
	 * session's row); the step runs again after the prelude and takes
	 * the rows (db_query) when it asks for the same statement.
	 */
	step_fn fold;
	int (*fold_ok)(struct dreq *);
};

/*
 * One row of the route table (routes.c).  In path, ":name" is a segment
 * of digits (path_id(r, "name")), "*name" any one segment
 * (path_text(r, "name")) and a trailing "**" any rest.  A route is a
 * Drive handler or, for static files, a plain Kore one (raw).  A form
 * shown on another feature's page names that page's steps here (form),
 * so that no feature file reaches into another.
 */
struct route {
	const char	     *path;
	int		      methods;
	const struct handler *handler;
	int (*raw)(struct http_request *);
	const step_fn *form;
};

/* Everything one request carries between its steps. */
struct dreq {
	struct http_request  *req;
	const struct handler *h;
	const step_fn	     *steps;   /* the sequence running */
	size_t		      step;    /* in steps */
	size_t		      prelude; /* prelude steps done */
	int		      phase;
	int		      need;
	int		      is_api;
	int		      freed;
	const char	     *lang; /* "en" or "de" */
	char		      address[64];
	int		      secure;	  /* came over HTTPS (nginx) */
	char		      allow[64];  /* set: the method is refused */
	const step_fn	     *form_steps; /* show the form again */

	struct path_param path[PATH_PARAMS_MAX];
	int		  npath;

	struct session sess;
	char	      *cookie_session;
	char	      *cookie_csrf;

	struct form form;
	json_t	   *json;	  /* the JSON body, an object */
	void	   *in;		  /* the handler's input struct */
	json_t	   *field_errors; /* [[field, key], ...] */

	struct kore_pgsql      sql;
	const struct db_query *query;
	char		      *params[DRIVE_PARAMS_MAX];
	int		       nparams;
	int		       sql_active;
	int		       db_error;
	char		       sqlstate[6];
	PGresult	      *res;
	const struct db_query *res_query; /* what res answers */
	int		       retried;	  /* stale connections tried */
	int		       db_stale;  /* its connection: replace it */
	int		       db_status; /* it answered a command status */
	int		       res_empty; /* res has no row of the page */
	/* A page's statement folded with the session's lookup (db.c). */
	const struct db_query *fold_src; /* what the page asked for */
	const struct db_query *fold_q;	 /* what was sent */
	PGresult	      *fold_res; /* its rows, until the page asks */
	char		      *fold_params[DRIVE_PARAMS_MAX];
	int		       fold_nparams;
	int		       fold_empty;
	int		       folding;	   /* fold is queuing it */
	int		       prep_index; /* the prepared statement */
	int		       parked;	   /* waiting for a connection */
	u_int64_t	       parked_since;
	TAILQ_ENTRY(dreq) park_list;

	struct kore_task task;
	int		 task_active;
	struct pw_job	 pw;
	void (*job_fn)(void *); /* runs on the task thread */
	void *job_arg;
	void (*job_free)(void *); /* on the event loop, when done */

	json_t *ctx;  /* template context */
	void   *data; /* the handler's own state */
	void (*data_free)(void *);
};

/* main.c */
extern struct tpl_set  *drive_templates;
extern struct i18n_cat *drive_catalogs[I18N_LANG_MAX];
extern const char      *drive_base_url;
extern const char      *drive_trusted_proxies;
int			drive_init(int);

/* request.c: the request engine (see README, "One request, end to end"). */
int	drive_dispatch(struct http_request *);
int	step_then(struct dreq *, const step_fn *);
void	field_error(struct dreq *, const char *, const char *);
/* The same with the message's variables (owned) and the API's code. */
void	field_error_vars(struct dreq *, const char *, const char *, json_t *,
       const char *);
int	step_refuse(struct http_request *, struct dreq *, int, const char *,
	const char *, const char *);
int64_t path_id(struct dreq *, const char *);
const char *path_text(struct dreq *, const char *, char *, size_t);
void	    pw_start(struct http_request *, struct dreq *, int, const char *,
	   const char *);
typedef void (*task_fn)(void *);
void task_start(struct http_request *, struct dreq *, task_fn, void *,
    void (*)(void *));

/* sensitive.c: the guard's findings as field errors (app/guard.c). */
struct sensitive {
	int	 confirmed;  /* the author said "not confidential" */
	unsigned kinds;	     /* 1 << GUARD_* of everything found */
	char	 fields[48]; /* "title,body" */
};
int  sensitive_confirmed(struct dreq *);
int  sensitive_check(struct dreq *, struct sensitive *, const char *,
     const char *, const char *);
void sensitive_kinds(const struct sensitive *, char *, size_t);

/* routes.c: every route, once. */
extern const struct route drive_routes[];

/* db.c: the SQL client, asynchronous, one query at a time a request. */
#define POLL_WAIT   0
#define POLL_DONE   1
#define POLL_FAILED 2
void	    db_init(void);
void	    db_query(struct dreq *, const struct db_query *, int, ...);
void	    db_start(struct http_request *, struct dreq *);
int	    db_poll(struct dreq *);
void	    db_release(struct dreq *);
void	    db_result_free(struct dreq *);
int	    db_rows(struct dreq *);
void	    db_query_params(struct dreq *, const struct db_query *, int,
	   char	       *const *);
void	    db_fold_keep(struct dreq *, int);
void	    db_fold_forget(struct dreq *);
/* A column of row by its name (resolved once per result). */
const char *row_text(struct dreq *, int, const char *);
int64_t	    row_int(struct dreq *, int, const char *);
int	    row_bool(struct dreq *, int, const char *);
int	    row_null(struct dreq *, int, const char *);

/* http_in.c */
int	    in_parse(struct http_request *, struct dreq *);
int	    in_reading(struct http_request *);
int	    in_confirmed(struct dreq *);
const char *in_text(struct dreq *, const char *);
int	    in_field(struct dreq *, const char *, const char **);
const char *in_cookie(struct http_request *, const char *);
int	    in_query(struct dreq *);
void	    in_wipe(struct dreq *, const char *);

/* http_out.c */
void  out_header(struct http_request *, const char *, const char *);
void  out_security_base(struct http_request *, int);
void  out_security_headers(struct http_request *, int);
void  out_cookie(struct http_request *, struct dreq *, const char *,
     const char *, int);
int   out_json(struct http_request *, struct dreq *, int, json_t *);
int   out_redirect(struct http_request *, struct dreq *, const char *);
int   out_redirect_next(struct http_request *, struct dreq *, const char *,
      const char *);
char *out_msg(struct dreq *, const char *, json_t *);
char *out_iso8601(int64_t);
void  out_iso8601_into(int64_t, char[21]);
int   out_json_buf(struct http_request *, struct dreq *, int, struct dbuf *);
char *out_relative(struct dreq *, int64_t);
void  out_time(struct dreq *, json_t *, const char *, const char *, int64_t);
int   out_csv(struct http_request *, const char *, struct dbuf *);

/* render.c */
int	render_page(struct http_request *, struct dreq *, int, const char *,
	const char *, const char *);
void	ctx_set_error(struct dreq *, const char *, const char *);
void	ctx_set_error_vars(struct dreq *, const char *, const char *, json_t *);
void	ctx_set_value(struct dreq *, const char *, const char *);
json_t *session_user_json(struct dreq *);
int	out_error(struct http_request *, struct dreq *, int, const char *,
	const char *, const char *);
int	out_rate_limited(struct http_request *, struct dreq *, int);
void ctx_set_msg(struct dreq *, json_t *, const char *, const char *, json_t *);
const char *role_label_key(const char *);

/* password.c: Argon2id; called on a task thread only. */
int	    password_hash(const char *, char *, size_t);
int	    password_verify(const char *, const char *);
const char *password_dummy_hash(void);
void	    password_init(void);

/* session.c */
int  session_step_lookup(struct http_request *, struct dreq *);
int  session_step_loaded(struct http_request *, struct dreq *);
int  session_check(struct http_request *, struct dreq *);
void session_user(struct dreq *, int64_t);
void session_open(struct http_request *, struct dreq *, int64_t, int, char *,
    const char *);
void session_begin(struct http_request *, struct dreq *, char *, char *);
void session_clear_cookie(struct http_request *, struct dreq *);
void secret_free(char *);

/*
 * present.c: presentation shared by the feature files.  idea_json() reads
 * a row that starts with IDEA_COLUMNS ($1 the person asking, $2 the
 * language), idea_full_json() a row of IDEA_ONE_SQL ($3 the idea).
 */
/*
 * Whether the viewer ($1, or the given parameter) may see the idea i: a
 * private idea ("my organisation and the bank") exists only for its
 * organisation's members and the bank's staff (idea_visible() in
 * sql/repeatable/ideas.sql).
 */
#define IDEA_VISIBLE_TO(viewer) \
	" (i.audience_org IS NULL OR idea_visible(i.audience_org, " viewer \
	"::bigint))"
#define IDEA_COLUMNS \
	"i.id, i.title, a.slug AS area, i.audience_org IS NOT NULL AS private," \
	" CASE WHEN $2 = 'de' THEN a.name_de ELSE a.name_en END AS area_name," \
	" i.status, i.vote_count, i.comment_count, i.organization_count," \
	" floor(extract(epoch FROM i.created_at))::bigint AS created," \
	" floor(extract(epoch FROM i.updated_at))::bigint AS updated," \
	" u.display_name AS author_name, u.role <> 'client' AS author_bank," \
	" mv.user_id IS NOT NULL AS voted, i.body"
#define IDEA_FROM \
	" FROM ideas i JOIN areas a ON a.id = i.area_id" \
	" JOIN users u ON u.id = i.author_id" \
	" LEFT JOIN votes mv ON mv.idea_id = i.id AND mv.user_id = $1::bigint"
#define IDEA_ONE_SQL \
	"SELECT " IDEA_COLUMNS "," \
	" i.author_id = $1::bigint AND i.first_response_at IS NULL" \
	" AS can_edit, d.id AS dup_id, d.title AS dup_title," \
	" i.author_id = $1::bigint AS own," \
	" (SELECT floor(extract(epoch FROM p.proposed_at))::bigint" \
	"  FROM audience_proposals p WHERE p.idea_id = i.id" \
	"  AND p.decided_at IS NULL) AS widen_at," \
	" (SELECT coalesce(json_agg(json_build_object('id', c.id," \
	"  'body', CASE WHEN c.hidden_at IS NULL THEN c.body END," \
	"  'name', cu.display_name, 'bank', cu.role <> 'client'," \
	"  'created', floor(extract(epoch FROM c.created_at))::bigint," \
	"  'edited', c.updated_at > c.created_at," \
	"  'hidden', c.hidden_at IS NOT NULL," \
	"  'mine', c.author_id = $1::bigint AND c.hidden_at IS NULL" \
	"   AND c.created_at > now() - interval '15 minutes')" \
	"  ORDER BY c.id), '[]')" \
	"  FROM comments c JOIN users cu ON cu.id = c.author_id" \
	"  WHERE c.idea_id = i.id) AS comments," \
	" (SELECT coalesce(json_agg(json_build_object('id', r.id," \
	"  'kind', r.kind, 'from', r.from_status, 'to', r.to_status," \
	"  'body', r.body, 'name', ru.display_name," \
	"  'bank', ru.role <> 'client'," \
	"  'at', floor(extract(epoch FROM r.created_at))::bigint) ORDER BY r.id)," \
	"  '[]')" \
	"  FROM responses r JOIN users ru ON ru.id = r.author_id" \
	"  WHERE r.idea_id = i.id) AS responses" IDEA_FROM \
	" LEFT JOIN ideas d ON d.id = i.duplicate_of" \
	" WHERE i.id = $3::bigint AND" IDEA_VISIBLE_TO("$1")
/*
 * Ideas whose title is like $1 that $2 may see (proposing, and the API's
 * similar).
 */
#define IDEAS_SIMILAR_SQL \
	"SELECT i.id, i.title, i.status, i.vote_count FROM idea_search s" \
	" JOIN ideas i ON i.id = s.idea_id" \
	" WHERE s.title % $1 AND i.status <> 'duplicate' AND" IDEA_VISIBLE_TO( \
	    "$2") " ORDER BY similarity(s.title, $1) DESC, i.vote_count DESC LIMIT 5"
/*
 * The pages of an admin list (people, invitations): ADMIN_PAGE_SIZE rows
 * a page, numbered from 1.  pager_json() sets ctx.pager: how many match
 * ("Showing 1–50 of 301 people" from the messages prefix.count_one,
 * prefix.count and prefix.showing), the position, and the links to the
 * previous and next page; base is the list's address with its filters,
 * ending in '?' or '&'.
 */
#define ADMIN_PAGE_SIZE 50
char   *md_html(const char *);
json_t *author_json(const char *, int);
void	status_words(struct dreq *, json_t *, const char *, const char *);
void	statuses_words(struct dreq *, json_t *, const char *, json_t *,
       const char *);
void	names_input(struct dreq *, size_t, const char *, const char **,
       const char **);
void	rename_errors_keep(struct dreq *, json_t *);
json_t *status_options(struct dreq *, const char *, const char *, int);
int	area_options(struct dreq *, const char *, const char *, int);
json_t *idea_json(struct dreq *, int, int);
void	idea_api_write(struct dreq *, int, struct dbuf *);
json_t *idea_full_json(struct dreq *);
void pager_json(struct dreq *, const char *, int, int64_t, int, const char *);

/* ideas_list.c */
extern const struct handler ideas_page, ideas_api, ideas_similar_api, areas_api;

/* idea_page.c: its steps also show the page after a refused form */
extern const struct handler idea_page, idea_api;
extern const step_fn	    idea_page_steps[];

/* idea_form.c */
extern const struct handler idea_new_page, idea_create_page, idea_create_api,
    idea_edit_page, idea_change_page, idea_change_api;

/* oidc.c: single sign-on for the bank's staff (OpenID Connect). */
int			    oidc_init(void);
int			    oidc_configured(void);
void			    oidc_login_ctx(struct dreq *, const char *);
extern const struct handler sso_start_page, sso_callback_page,
    sso_backchannel_logout;

/* auth.c */
extern const struct handler login_form_page, login_submit_page, login_api,
    logout_page, logout_api, me_api, login_code_form_page, login_code_page,
    login_code_api;

/* second_factor.c */
int		     second_factor_init(const char *);
const unsigned char *second_factor_key(void);
int second_factor_open(const unsigned char *, size_t, unsigned char *, size_t,
    size_t *);
extern const struct handler second_factor_page, second_factor_start_page,
    second_factor_enrol_page, second_factor_start_api,
    second_factor_confirm_api, second_factor_remove_page,
    second_factor_remove_api, second_factor_reset_form_page,
    second_factor_reset_page, second_factor_reset_api, sign_in_policy_page,
    sign_in_policy_save_page;

/* invitations.c */
extern const struct handler invite_page, invite_redeem_page, invite_redeem_api,
    invitations_page, invitations_api, invitation_issue_page,
    invitation_issue_api, invitation_revoke_page, invitation_revoke_api,
    invitation_reissue_page, invitation_reissue_api;

/* people.c */
extern const struct handler users_page, users_api, user_role_page,
    user_active_page, user_erase_page, user_change_api, user_erase_api;

/* organisations.c */
extern const struct handler organizations_page, organizations_api,
    organization_page, organization_rename_page, organization_rename_api;

/* areas.c */
extern const struct handler areas_page, area_create_page, area_change_page,
    area_create_api, area_change_api;

/* statuses.c: custom statuses; the prelude keeps each worker's copy. */
int catalog_step_check(struct http_request *, struct dreq *);
int catalog_step_loaded(struct http_request *, struct dreq *);
extern const struct handler statuses_page, status_create_page,
    status_rename_page, statuses_api, status_create_api, status_rename_api;

/* audit.c */
extern const struct handler audit_page, audit_csv_file;

/* votes.c */
extern const struct handler idea_vote_page, idea_vote_api;

/* comments.c */
extern const struct handler comment_create_page, comment_create_api,
    comment_edit_page, comment_change_page, comment_delete_page,
    comment_change_api, comment_delete_api;

/* responses.c */
extern const struct handler response_create_page, response_create_api,
    idea_merge_page, idea_merge_api, idea_merge_find_page, idea_voters_page,
    idea_voters_api, comment_hide_page, comment_hide_api;

/* redact.c */
extern const struct handler redact_page, redact_api;

/* profile.c: the page, also shown after the forms of account.c */
extern const step_fn	    profile_page_steps[];
extern const struct handler profile_page, profile_save_page;

/* account.c */
extern const struct handler password_page, sessions_end_page, token_create_page,
    token_create_api, token_revoke_page, token_revoke_api, my_data_page;

/* triage.c */
extern const struct handler triage_page, roadmap_page, roadmap_api,
    export_ideas_page;

/* notes.c: staff notes and the owner; the idea page's desk part */
int  idea_desk_query(struct http_request *, struct dreq *);
void idea_desk_keep(struct dreq *);
extern const struct handler note_create_page, note_create_api, notes_api,
    owner_set_page, owner_set_api;
extern const struct handler audience_propose_page, audience_propose_api,
    audience_decide_page, audience_decide_api;

/* digest.c: the weekly digest's unsubscribe link and setting */
extern const struct handler digest_unsubscribe_page, digest_unsubscribe_do_page,
    me_change_api;

/* approval.c: four eyes on commitments (drafts, approving, rejecting) */
void draft_desk_ctx(struct dreq *, const char *, const char *, const char *,
    const char *);
int  drafts_query(struct http_request *, struct dreq *, const char *);
void drafts_keep(struct dreq *);
extern const struct handler drafts_pending_api, draft_approve_page,
    draft_approve_api, draft_reject_page, draft_reject_api;

/* listening.c */
extern const struct handler listening_page, listening_api;

/* notifications.c */
extern const struct handler notifications_page, notifications_api,
    notifications_read_page, notification_open_page;

/* health.c */
extern const struct handler health_api;

/* handlers of the old form */
int page_static(struct http_request *);
int static_init(const char *);

#endif /* !DRIVE_PURE */
#endif /* DRIVE_H */
