/*
 * The request engine.  Kore hands every request to drive_dispatch(),
 * which finds its route in the table of routes.c, answers 404 or 405
 * itself, and runs the route's handler: first the prelude (input,
 * session, role, CSRF, the handler's input struct), then the handler's
 * steps.  A step may queue one query (db_query) or one job for a task
 * thread (task_start: a password, the identity provider's HTTP); the
 * engine runs it without blocking the event loop and
 * calls the next step when the answer is there.  Refusals (a field
 * error, a DRnnn state from the database) are rendered here, for pages
 * and the API alike, so that a step never branches on which it serves.
 */

#include <stddef.h>
#include <stdint.h>

#include "drive.h"

#define PH_STEP 1
#define PH_DB	2
#define PH_TASK 3

static int	    engine_run(struct http_request *, struct dreq *);
static int	    prelude_method(struct http_request *, struct dreq *);
static int	    prelude_input(struct http_request *, struct dreq *);
static int	    prelude_authorize(struct http_request *, struct dreq *);
static int	    prelude_validate(struct http_request *, struct dreq *);
static int	    page_not_found(struct http_request *, struct dreq *);
static int	    refused_fields(struct http_request *, struct dreq *);
static int	    refused_sql(struct http_request *, struct dreq *);
static struct dreq *dreq_new(struct http_request *);
static void	    dreq_free(struct http_request *);
static int	    job_task(struct kore_task *);
static void	    job_finish(struct dreq *);
static void	    pw_run(void *);

static const step_fn prelude[] = {
	prelude_method,
	prelude_input,
	session_step_lookup,
	session_step_loaded,
	catalog_step_check,
	catalog_step_loaded,
	prelude_authorize,
	prelude_validate,
};
#define PRELUDE_STEPS (sizeof(prelude) / sizeof(prelude[0]))

static const step_fn	    not_found_steps[] = { page_not_found, NULL };
static const struct handler not_found = {
	.role = ROLE_NONE,
	.steps = not_found_steps,
};

/* ---- routes ---- */

static int
method_bit(int method)
{
	switch (method) {
	case HTTP_METHOD_GET:
	case HTTP_METHOD_HEAD:
		return (M_GET);
	case HTTP_METHOD_POST:
		return (M_POST);
	case HTTP_METHOD_PUT:
		return (M_PUT);
	case HTTP_METHOD_PATCH:
		return (M_PATCH);
	case HTTP_METHOD_DELETE:
		return (M_DELETE);
	default:
		return (0);
	}
}

static void
allow_text(int methods, char *buf, size_t len)
{
	static const struct {
		int	    bit;
		const char *names;
	} m[] = {
		{ M_GET, "GET, HEAD" },
		{ M_POST, "POST" },
		{ M_PUT, "PUT" },
		{ M_PATCH, "PATCH" },
		{ M_DELETE, "DELETE" },
	};
	size_t i, n;

	n = 0;
	buf[0] = '\0';
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (methods & m[i].bit)
			n += snprintf(buf + n, len - n, "%s%s",
			    n > 0 ? ", " : "", m[i].names);
	}
}

/*
 * Kore's only route.  Kore calls it again for a request that slept
 * (SQL, a task); the route was found the first time.
 */
int
drive_dispatch(struct http_request *req)
{
	const struct route *rt, *hit;
	struct dreq	   *r;
	int		    want, methods;

	if ((r = http_state_get(req)) != NULL)
		return (engine_run(req, r));

	/* The first route of the path that takes the method answers. */
	want = method_bit(req->method);
	for (hit = drive_routes; hit->path != NULL; hit++) {
		if ((hit->methods & want) &&
		    route_match(hit->path, req->path, NULL, NULL))
			break;
	}
	if (hit->path == NULL)
		hit = NULL;
	if (hit != NULL && hit->raw != NULL)
		return (hit->raw(req));

	r = dreq_new(req);
	if (hit != NULL) {
		(void)route_match(hit->path, req->path, r->path, &r->npath);
		r->h = hit->handler;
		r->form_steps = hit->form != NULL ? hit->form : r->h->form;
	} else {
		/* Another method would have been taken: a 405. */
		r->h = &not_found;
		methods = 0;
		for (rt = drive_routes; rt->path != NULL; rt++) {
			if (route_match(rt->path, req->path, NULL, NULL))
				methods |= rt->methods;
		}
		if (methods != 0)
			allow_text(methods, r->allow, sizeof(r->allow));
	}
	r->need = r->h->role;
	r->steps = r->h->steps;
	return (engine_run(req, r));
}

/* The positive id a ":name" segment of the route holds, or 0. */
int64_t
path_id(struct dreq *r, const char *name)
{
	char buf[24];

	if (path_text(r, name, buf, sizeof(buf)) == NULL)
		return (0);
	return (strtoll(buf, NULL, 10));
}

/* The text of a path parameter in buf, or NULL when there is none. */
const char *
path_text(struct dreq *r, const char *name, char *buf, size_t len)
{
	return (param_text(r->path, r->npath, name, buf, len));
}

/* ---- the engine ---- */

static struct dreq *
dreq_new(struct http_request *req)
{
	struct dreq *r;

	r = http_state_create(req, sizeof(*r), dreq_free);
	r->req = req;
	r->phase = PH_STEP;
	/* /healthz answers machines, in JSON like the API. */
	r->is_api = strncmp(req->path, "/api/", 5) == 0 ||
	    strcmp(req->path, "/healthz") == 0;
	r->lang = "en";
	r->ctx = json_object();
	session_user(r, 0);
	return (r);
}

/* Runs the prelude, then the handler's steps, until a response is out. */
static int
engine_run(struct http_request *req, struct dreq *r)
{
	step_fn fn;
	int	rc;

	for (;;) {
		if (r->phase == PH_DB) {
			switch (db_poll(r)) {
			case POLL_WAIT:
				return (KORE_RESULT_RETRY);
			case POLL_FAILED:
				if (r->db_error == DB_ECONN) {
					out_error(req, r, 503, "unavailable",
					    NULL, "err.unavailable");
					return (KORE_RESULT_OK);
				}
				if (r->db_error == DB_EBUSY) {
					out_error(req, r, 503, "unavailable",
					    NULL, "err.busy");
					return (KORE_RESULT_OK);
				}
				if (strncmp(r->sqlstate, "DR", 2) != 0 &&
				    strncmp(r->sqlstate, "23", 2) != 0) {
					out_error(req, r, 500, "internal", NULL,
					    "err.internal");
					return (KORE_RESULT_OK);
				}
				if (refused_sql(req, r) == STEP_DONE)
					return (KORE_RESULT_OK);
				break;
			}
			r->phase = PH_STEP;
		}

		if (r->phase == PH_TASK) {
			if (!kore_task_finished(&r->task))
				return (KORE_RESULT_RETRY);
			job_finish(r);
			r->phase = PH_STEP;
		}

		if (r->prelude < PRELUDE_STEPS)
			fn = prelude[r->prelude];
		else
			fn = r->steps[r->step];

		if (fn == NULL) {
			kore_log(LOG_ERR, "%s: no response after the last step",
			    req->path);
			out_error(req, r, 500, "internal", NULL,
			    "err.internal");
			return (KORE_RESULT_OK);
		}

		rc = fn(req, r);
		switch (rc) {
		case STEP_DONE:
			return (KORE_RESULT_OK);
		case STEP_NEXT:
			if (r->prelude < PRELUDE_STEPS)
				r->prelude++;
			else
				r->step++;
			break;
		case STEP_JUMP:
			break;
		default:
			fatal("%s: step returned %d", req->path, rc);
		}

		if (r->query != NULL) {
			r->retried = 0;
			db_start(req, r);
			r->phase = PH_DB;
		} else if (r->task_active) {
			kore_task_run(&r->task);
			r->phase = PH_TASK;
		}
	}
}

/* Runs the steps given next, from their first. */
int
step_then(struct dreq *r, const step_fn *steps)
{
	r->steps = steps;
	r->step = 0;
	r->prelude = PRELUDE_STEPS;
	return (STEP_JUMP);
}

/* Notes that field is wrong; the input step's caller shows them all. */
void
field_error(struct dreq *r, const char *field, const char *key)
{
	if (r->field_errors == NULL)
		r->field_errors = json_array();
	json_array_append_new(r->field_errors, json_pack("[s, s]", field, key));
}

void
field_error_vars(struct dreq *r, const char *field, const char *key,
    json_t *vars, const char *code)
{
	if (r->field_errors == NULL)
		r->field_errors = json_array();
	json_array_append_new(r->field_errors,
	    json_pack("[s, s, o, s]", field, key, vars, code));
}

/* An error's message variables, NULL for none. */
static json_t *
error_vars(json_t *e)
{
	json_t *v = json_array_get(e, 2);

	return (json_is_object(v) ? v : NULL);
}

/*
 * A refusal: a page with a form shows the form again when the refusal
 * is about one of its fields; otherwise the error page or envelope.
 */
int
step_refuse(struct http_request *req, struct dreq *r, int status,
    const char *code, const char *field, const char *key)
{
	if (field != NULL && !r->is_api && r->form_steps != NULL) {
		field_error(r, field, key);
		return (refused_fields(req, r));
	}
	return (out_error(req, r, status, code, field, key));
}

/* The refusal the handler's table names for the database's state. */
static int
refused_sql(struct http_request *req, struct dreq *r)
{
	const struct refusal *rf;

	for (rf = r->h->refusals; rf != NULL && rf->state != NULL; rf++) {
		if (strcmp(rf->state, r->sqlstate) == 0) {
			db_result_free(r);
			return (step_refuse(req, r, rf->status, rf->code,
			    rf->field, rf->key));
		}
	}
	kore_log(LOG_ERR, "%s: no refusal for state %s", req->path,
	    r->sqlstate);
	return (out_error(req, r, 500, "internal", NULL, "err.internal"));
}

/*
 * Every field error at once: the API's 422 names each field (the first
 * also as "field", as one error did before); a page shows its form again
 * with each message next to its field and every value as it was typed.
 */
static int
refused_fields(struct http_request *req, struct dreq *r)
{
	json_t	   *err, *fields, *e;
	char	   *msg, name[64];
	size_t	    i;
	const char *field, *key, *prefix, *code;

	if (r->is_api || r->form_steps == NULL) {
		e = json_array_get(r->field_errors, 0);
		field = json_string_value(json_array_get(e, 0));
		key = json_string_value(json_array_get(e, 1));
		code = json_string_value(json_array_get(e, 3));
		if (code == NULL)
			code = "invalid";
		if (!r->is_api)
			return (out_error(req, r, 422, code, field, key));
		msg = out_msg(r, key, error_vars(e));
		err = json_pack("{s:s, s:s, s:s}", "code", code, "message", msg,
		    "field", field);
		kore_free(msg);
		fields = json_object();
		json_array_foreach(r->field_errors, i, e) {
			field = json_string_value(json_array_get(e, 0));
			if (json_object_get(fields, field) != NULL)
				continue;
			msg = out_msg(r,
			    json_string_value(json_array_get(e, 1)),
			    error_vars(e));
			json_object_set_new(fields, field, json_string(msg));
			kore_free(msg);
		}
		json_object_set_new(err, "fields", fields);
		return (out_json(req, r, 422,
		    json_pack("{s:o}", "error", err)));
	}

	prefix = r->h->form_prefix != NULL ? r->h->form_prefix : "";
	json_array_foreach(r->field_errors, i, e) {
		(void)snprintf(name, sizeof(name), "%s%s", prefix,
		    json_string_value(json_array_get(e, 0)));
		if (json_object_get(json_object_get(r->ctx, "errors"), name) ==
		    NULL)
			ctx_set_error_vars(r, name,
			    json_string_value(json_array_get(e, 1)),
			    error_vars(e));
	}
	for (i = 0; i < r->form.n; i++) {
		/* A password is never sent back. */
		if (strstr(r->form.fields[i].name, "password") != NULL ||
		    strcmp(r->form.fields[i].name, "csrf_token") == 0)
			continue;
		(void)snprintf(name, sizeof(name), "%s%s", prefix,
		    r->form.fields[i].name);
		if (json_object_get(json_object_get(r->ctx, "values"), name) ==
		    NULL)
			ctx_set_value(r, name, r->form.fields[i].value);
	}
	json_decref(r->field_errors);
	r->field_errors = NULL;
	return (step_then(r, r->form_steps));
}

/* A method the route does not take: 405 before anything else runs. */
static int
prelude_method(struct http_request *req, struct dreq *r)
{
	const char *v;

	if (r->allow[0] == '\0')
		return (STEP_NEXT);
	r->lang = i18n_pick(http_request_header(req, "accept-language", &v) ?
		v :
		NULL);
	out_header(req, "allow", r->allow);
	return (out_error(req, r, 405, "method_not_allowed", NULL,
	    "err.method"));
}

static int
prelude_input(struct http_request *req, struct dreq *r)
{
	if (!in_parse(req, r))
		return (STEP_DONE);
	return (STEP_NEXT);
}

/*
 * To the sign-in page, which brings the person back to the page they
 * asked for (a GET of a local path; a form sent after the session ended
 * starts over from the list).
 */
static int
sign_in_first(struct http_request *req, struct dreq *r)
{
	struct dbuf b;
	char	   *target;
	int	    rc;

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (out_redirect(req, r, "/login"));
	dbuf_init(&b);
	dbuf_appendstr(&b, req->path);
	if (req->query_string != NULL && *req->query_string != '\0')
		dbuf_appendf(&b, "?%s", req->query_string);
	target = dbuf_release(&b);
	rc = out_redirect_next(req, r, "/login", target);
	free(target);
	return (rc);
}

/* The one place that says who may: anonymous, wrong role, CSRF. */
static int
prelude_authorize(struct http_request *req, struct dreq *r)
{
	if (r->need == ROLE_NONE)
		return (STEP_NEXT);
	if (r->need > ROLE_ANON && r->sess.user_id == 0) {
		if (r->is_api) {
			out_error(req, r, 401, "unauthenticated", NULL,
			    "err.unauthenticated");
		} else {
			sign_in_first(req, r);
		}
		return (STEP_DONE);
	}

	if (r->sess.role < r->need) {
		out_error(req, r, 403, "forbidden", NULL, "err.forbidden");
		return (STEP_DONE);
	}

	/*
	 * The role requires a second factor and this session has none (an
	 * invitation just redeemed, a password-only sign-in before one was
	 * set up, a policy turned on since): setting one up comes first.
	 */
	if (r->need > ROLE_ANON && r->sess.needs_factor && !r->h->enrolment) {
		if (r->is_api)
			out_error(req, r, 403, "second_factor_required", NULL,
			    "err.factor_required");
		else
			out_redirect(req, r, "/profile/second-factor");
		return (STEP_DONE);
	}

	if (!session_check(req, r))
		return (STEP_DONE);

	return (STEP_NEXT);
}

/* The handler's input, decoded and checked into its struct. */
static int
prelude_validate(struct http_request *req, struct dreq *r)
{
	if (r->h->input == NULL)
		return (STEP_NEXT);
	/* A folding page's input may have been read with its lookup. */
	if (r->in != NULL)
		return (STEP_NEXT);
	r->in = kore_calloc(1, r->h->input_size);
	r->h->input(r, r->in);
	if (r->field_errors != NULL)
		return (refused_fields(req, r));
	return (STEP_NEXT);
}

/* No route has this path. */
static int
page_not_found(struct http_request *req, struct dreq *r)
{
	return (out_error(req, r, 404, "not_found", NULL, "err.not_found"));
}

/* ---- jobs on a task thread ---- */

/*
 * Queues fn(arg) for a Kore task thread; the engine runs it once the
 * step returns STEP_NEXT and calls the next step when it is done, with
 * arg holding the results.  fn runs off the event loop: it must not call
 * Kore (its allocator and log are not thread-safe), only libc's malloc
 * and what the worker prepared in arg.  free_fn(arg), if any, runs on
 * the event loop when the request is freed, never while fn runs (or
 * when a later job of the same request starts).
 */
void
task_start(struct http_request *req, struct dreq *r, task_fn fn, void *arg,
    void (*free_fn)(void *))
{
	if (r->job_free != NULL && r->job_arg != NULL)
		r->job_free(r->job_arg);
	r->job_fn = fn;
	r->job_arg = arg;
	r->job_free = free_fn;
	kore_task_create(&r->task, job_task);
	kore_task_bind_request(&r->task, req);
	r->task_active = 1;
}

/* The task thread's side of every job. */
static int
job_task(struct kore_task *t)
{
	struct dreq *r;

	r = (struct dreq *)((char *)t - offsetof(struct dreq, task));
	r->job_fn(r->job_arg);
	return (KORE_RESULT_OK);
}

static void
job_finish(struct dreq *r)
{
	kore_task_destroy(&r->task);
	r->task_active = 0;
	/* A password is wiped as soon as it is no longer needed. */
	secret_free(r->pw.password);
	r->pw.password = NULL;
}

/* ---- password jobs ---- */

void
pw_start(struct http_request *req, struct dreq *r, int op, const char *password,
    const char *encoded)
{
	r->pw.op = op;
	r->pw.ok = 0;
	r->pw.password = kore_strdup(password);
	r->pw.encoded = kore_calloc(1, 128);
	if (encoded != NULL)
		(void)kore_strlcpy(r->pw.encoded, encoded, 128);
	task_start(req, r, pw_run, &r->pw, NULL);
}

/*
 * Runs on a task thread: no Kore allocator here, only the buffers the
 * worker prepared.
 */
static void
pw_run(void *arg)
{
	struct pw_job *pw = arg;

	if (pw->op == PW_HASH)
		pw->ok = password_hash(pw->password, pw->encoded, 128);
	else
		pw->ok = password_verify(pw->password, pw->encoded);
}

static void
dreq_free(struct http_request *req)
{
	struct dreq *r;

	if ((r = http_state_get(req)) == NULL)
		return;

	if (!r->freed) {
		r->freed = 1;
		/*
		 * The answer is out: the connection's idle time starts now.
		 * Kore 4.1.0 counts it from the request's last read, so an
		 * answer that took T seconds left the connection open only
		 * http_keepalive_time - T after it, while "keep-alive:
		 * timeout=N" lets a client reuse it for about N: a reuse in
		 * that gap was cut (tests/e2e/keepalive.test.mjs).
		 */
		if (req->owner != NULL)
			kore_connection_start_idletimer(req->owner);
		db_release(r);
		db_result_free(r);
		db_fold_forget(r);
		form_free(&r->form);
		if (r->json != NULL)
			json_decref(r->json);
		if (r->ctx != NULL)
			json_decref(r->ctx);
		if (r->field_errors != NULL)
			json_decref(r->field_errors);
		if (r->data != NULL && r->data_free != NULL)
			r->data_free(r->data);
		kore_free(r->in);
		kore_free(r->sess.name);
		kore_free(r->cookie_session);
		kore_free(r->cookie_csrf);
		r->json = r->ctx = r->field_errors = NULL;
		r->data = r->in = NULL;
	}

	/* A running job still reads these; Kore calls us again. */
	if (r->task_active && !kore_task_finished(&r->task))
		return;
	if (r->job_free != NULL && r->job_arg != NULL)
		r->job_free(r->job_arg);
	r->job_arg = NULL;
	r->job_free = NULL;
	if (r->pw.password != NULL)
		secret_free(r->pw.password);
	if (r->pw.encoded != NULL)
		secret_free(r->pw.encoded);
	r->pw.password = r->pw.encoded = NULL;
}
