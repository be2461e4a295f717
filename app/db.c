/*
 * The request engine: every handler is a short list of steps.  A step may
 * queue one named, parameterised query (db_query) or one password job
 * (pw_start); the engine runs it without blocking the event loop and calls
 * the next step when the answer is there.  Before the handler's own steps
 * the engine parses the input, looks up the session, checks the role and
 * the CSRF token, so that a handler cannot forget to.
 *
 * Kore's pgsql pool keeps a dead connection after PostgreSQL restarts;
 * db_release() resets such a connection, so the portal heals by itself.
 */

#include <stdarg.h>
#include <stddef.h>

#include "drive.h"

#define PH_STEP		1
#define PH_DB		2
#define PH_TASK		3

#define DBS_SETUP	1
#define DBS_WAIT	2
#define DBS_PREPARE	3

#define POLL_WAIT	0
#define POLL_DONE	1
#define POLL_FAILED	2

static int	prelude_method(struct http_request *, struct dreq *);
static int	prelude_input(struct http_request *, struct dreq *);
static int	prelude_authorize(struct http_request *, struct dreq *);
static void	dreq_free(struct http_request *);
static void	db_start(struct http_request *, struct dreq *);
static int	db_poll(struct dreq *);
static void	db_note_error(struct dreq *);
static int	db_prepared_before(struct dreq *);
static void	db_release(struct dreq *);
static void	db_release_keep(struct dreq *);
static void	db_params_free(struct dreq *);
static int	db_send(struct dreq *);
static void	db_schedule(struct dreq *);
static void	db_prepared_send(struct dreq *);
static void	db_park(struct dreq *);
static void	db_unpark(struct dreq *);
static void	db_parked_wakeup(void *, u_int64_t);
static int	pw_task(struct kore_task *);
static void	pw_finish(struct dreq *);

static const step_fn prelude[] = {
	prelude_method,
	prelude_input,
	session_step_lookup,
	session_step_loaded,
	prelude_authorize,
};
#define PRELUDE_STEPS	(sizeof(prelude) / sizeof(prelude[0]))

/*
 * Methods.  conf/drive.conf names the methods of each route once, in a
 * "restrict" line; Kore 4.1.0 refuses any other with an empty 405 that
 * has no Allow header.  routes_init() takes the declarations over and
 * opens each route to every method, so that prelude_method() refuses a
 * wrong one itself: 405, Allow, and the error envelope or page.  GET
 * implies HEAD.  A route without a restrict line accepts every method.
 */
#define ROUTE_METHODS	(HTTP_METHOD_GET | HTTP_METHOD_HEAD | \
    HTTP_METHOD_POST | HTTP_METHOD_PUT | HTTP_METHOD_PATCH | \
    HTTP_METHOD_DELETE)

struct route {
	const struct kore_module_handle	*hdlr;
	int				 methods;
	char				 allow[64];
};

static struct route	*routes;
static size_t		 nroutes;

/*
 * Requests waiting for a free connection.  Kore wakes them only when a
 * connection is released, not when one is destroyed; after PostgreSQL
 * went away none may ever be released.  A timer wakes them, and after
 * PARK_MAX_MS they get a 503 instead of waiting forever.
 */
/* Every pooled connection may be stale after a restart: try them all. */
#define DB_RETRIES	5

#define PARK_WAKE_MS	200
#define PARK_MAX_MS	5000
static TAILQ_HEAD(, dreq)	parked = TAILQ_HEAD_INITIALIZER(parked);

/*
 * Prepared statements: planning a statement costs more than running it
 * (pgbench: ~1,000 tps unprepared against ~6,000 prepared for the list),
 * so each named query is prepared once per connection and then executed
 * by name.  A connection is known by its PGconn and its backend's pid,
 * which changes when the connection is reset or replaced.
 *
 * A statement counts as prepared once the server said so.  A request
 * abandoned by its client (FIN or RST) after its PREPARE was sent leaves
 * that unknown: Kore cancels and drains the connection and gives it back
 * to the pool, and the PREPARE may or may not have run.  The name "dN"
 * always means the same query in this worker, so a PREPARE refused with
 * duplicate_prepared_statement (42P05) means "it is there": the query is
 * executed by name as usual.
 */
#define PREP_QUERIES	128
#define PREP_CONNS	64

struct prep_conn {
	PGconn		*db;
	int		 pid;
	u_int64_t	 used;
	unsigned char	 done[PREP_QUERIES];
};

static const struct db_query	*prep_queries[PREP_QUERIES];
static int			 prep_nqueries;
static struct prep_conn		 prep_conns[PREP_CONNS];
static u_int64_t		 prep_clock;

static int
prep_index(const struct db_query *q)
{
	int	i;

	for (i = 0; i < prep_nqueries; i++) {
		if (prep_queries[i] == q)
			return (i);
	}
	if (prep_nqueries == PREP_QUERIES)
		return (-1);
	prep_queries[prep_nqueries] = q;
	return (prep_nqueries++);
}

/*
 * The bookkeeping of a connection.  Kore frees connections it gives up
 * without telling us, so slots are never given back: when all are taken,
 * the least recently used one is reused.  Were it a live connection's,
 * that connection's PREPAREs meet 42P05, which is harmless (see above).
 */
static struct prep_conn *
prep_conn(PGconn *db)
{
	struct prep_conn	*pc, *slot = NULL;
	int			 i, pid;

	pid = PQbackendPID(db);
	prep_clock++;
	for (i = 0; i < PREP_CONNS; i++) {
		pc = &prep_conns[i];
		if (pc->db == db) {
			if (pc->pid != pid) {
				memset(pc->done, 0, sizeof(pc->done));
				pc->pid = pid;
			}
			pc->used = prep_clock;
			return (pc);
		}
		if (slot == NULL || pc->used < slot->used)
			slot = pc;
	}
	slot->db = db;
	slot->pid = pid;
	slot->used = prep_clock;
	memset(slot->done, 0, sizeof(slot->done));
	return (slot);
}

/* What Kore's pgsql_schedule() does, for statements we send ourselves. */
static void
db_schedule(struct dreq *r)
{
	kore_platform_schedule_read(PQsocket(r->sql.conn->db), r->sql.conn);
	r->sql.state = KORE_PGSQL_STATE_WAIT;
	r->sql.flags |= KORE_PGSQL_SCHEDULED;
	http_request_sleep(r->req);
}

/*
 * Sends the query: prepares it first on a connection that lacks it
 * (DBS_PREPARE; db_prepared_send() follows when that is done).  0 when
 * the connection refused to send.
 */
static int
db_send(struct dreq *r)
{
	PGconn			*db = r->sql.conn->db;
	struct prep_conn	*pc;
	char			 name[16];
	int			 idx;

	idx = r->query->custom ? -1 : prep_index(r->query);
	if (idx < 0) {
		if (!kore_pgsql_query_param_fields(&r->sql, r->query->sql, 0,
		    r->nparams, (const char **)r->params, NULL, NULL))
			return (0);
		r->sql_active = DBS_WAIT;
		return (1);
	}
	r->prep_index = idx;
	pc = prep_conn(db);
	if (!pc->done[idx]) {
		(void)snprintf(name, sizeof(name), "d%d", idx);
		if (!PQsendPrepare(db, name, r->query->sql, r->nparams, NULL))
			return (0);
		db_schedule(r);
		r->sql_active = DBS_PREPARE;
		return (1);
	}
	(void)snprintf(name, sizeof(name), "d%d", idx);
	if (!PQsendQueryPrepared(db, name, r->nparams,
	    (const char **)r->params, NULL, NULL, 0))
		return (0);
	db_schedule(r);
	r->sql_active = DBS_WAIT;
	return (1);
}

/* The statement is prepared: take the connection back, execute it. */
static void
db_prepared_send(struct dreq *r)
{
	PGconn		*db = r->sql.conn->db;
	PGresult	*res;
	struct prep_conn *pc;

	if (r->sql.result != NULL) {
		PQclear(r->sql.result);
		r->sql.result = NULL;
	}
	kore_platform_disable_read(PQsocket(db));
	r->sql.flags &= ~KORE_PGSQL_SCHEDULED;
	while ((res = PQgetResult(db)) != NULL)
		PQclear(res);
	pc = prep_conn(db);
	pc->done[r->prep_index] = 1;
	if (!db_send(r)) {
		r->db_error = DB_ECONN;
		r->sql.state = KORE_PGSQL_STATE_ERROR;
		kore_log(LOG_NOTICE, "query %s: %s", r->query->name,
		    PQerrorMessage(db));
	}
}

static void
route_allow(struct route *rt)
{
	static const struct {
		int		 method;
		const char	*name;
	} names[] = {
		{ HTTP_METHOD_GET, "GET" },
		{ HTTP_METHOD_HEAD, "HEAD" },
		{ HTTP_METHOD_POST, "POST" },
		{ HTTP_METHOD_PUT, "PUT" },
		{ HTTP_METHOD_PATCH, "PATCH" },
		{ HTTP_METHOD_DELETE, "DELETE" },
	};
	size_t	i, len;

	len = 0;
	rt->allow[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(rt->methods & names[i].method))
			continue;
		len += snprintf(rt->allow + len, sizeof(rt->allow) - len,
		    "%s%s", len > 0 ? ", " : "", names[i].name);
	}
}

/*
 * Called in every process that loads the module; a worker forked after
 * the parent took the routes over inherits the table and keeps it.
 */
void
routes_init(void)
{
	struct kore_server		*srv;
	struct kore_domain		*dom;
	struct kore_module_handle	*hdlr;
	size_t				 n;
	int				 pass;

	if (routes != NULL)
		return;
	for (pass = 0; pass < 2; pass++) {
		n = 0;
		LIST_FOREACH(srv, &kore_servers, list) {
			TAILQ_FOREACH(dom, &srv->domains, list) {
				TAILQ_FOREACH(hdlr, &dom->handlers, list) {
					/* Kore's filemap answers for itself. */
					if (hdlr->methods == HTTP_METHOD_ALL ||
					    hdlr->func == NULL ||
					    strcmp(hdlr->func,
					    "filemap_resolve") == 0)
						continue;
					if (pass == 1) {
						routes[n].hdlr = hdlr;
						routes[n].methods = hdlr->methods;
						if (hdlr->methods & HTTP_METHOD_GET)
							routes[n].methods |=
							    HTTP_METHOD_HEAD;
						route_allow(&routes[n]);
						hdlr->methods = HTTP_METHOD_ALL;
					}
					n++;
				}
			}
		}
		if (pass == 0)
			routes = kore_calloc(n + 1, sizeof(*routes));
	}
	nroutes = n;
}

static const struct route *
route_find(const struct kore_module_handle *hdlr)
{
	size_t	i;

	for (i = 0; i < nroutes; i++) {
		if (routes[i].hdlr == hdlr)
			return (&routes[i]);
	}
	return (NULL);
}

void
db_init(void)
{
	(void)kore_timer_add(db_parked_wakeup, PARK_WAKE_MS, NULL, 0);
}

static void
db_parked_wakeup(void *arg, u_int64_t now)
{
	struct dreq	*r;

	TAILQ_FOREACH(r, &parked, park_list) {
		if (now - r->parked_since >= PARK_WAKE_MS)
			http_request_wakeup(r->req);
	}
}

static void
db_park(struct dreq *r)
{
	if (!r->parked) {
		r->parked = 1;
		r->parked_since = kore_time_ms();
		TAILQ_INSERT_TAIL(&parked, r, park_list);
	}
}

static void
db_unpark(struct dreq *r)
{
	if (r->parked) {
		TAILQ_REMOVE(&parked, r, park_list);
		r->parked = 0;
	}
}

int
drive_run(struct http_request *req, int need, const step_fn *steps,
    size_t nsteps)
{
	struct dreq	*r;
	step_fn		 fn;
	int		 rc;

	if ((r = http_state_get(req)) == NULL) {
		r = http_state_create(req, sizeof(*r), dreq_free);
		r->req = req;
		r->steps = steps;
		r->nsteps = nsteps;
		r->need = need;
		r->phase = PH_STEP;
		/* /healthz answers machines, in JSON like the API. */
		r->is_api = strncmp(req->path, "/api/", 5) == 0 ||
		    strcmp(req->path, "/healthz") == 0;
		r->lang = "en";
		r->ctx = json_object();
	}

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
					out_error(req, r, 500, "internal",
					    NULL, "err.internal");
					return (KORE_RESULT_OK);
				}
				break;
			}
			r->phase = PH_STEP;
		}

		if (r->phase == PH_TASK) {
			if (!kore_task_finished(&r->task))
				return (KORE_RESULT_RETRY);
			pw_finish(r);
			r->phase = PH_STEP;
		}

		if (r->step < PRELUDE_STEPS)
			fn = prelude[r->step];
		else if (r->step - PRELUDE_STEPS < r->nsteps)
			fn = r->steps[r->step - PRELUDE_STEPS];
		else
			fn = NULL;

		if (fn == NULL) {
			kore_log(LOG_ERR, "%s: no response after the last step",
			    req->path);
			out_error(req, r, 500, "internal", NULL, "err.internal");
			return (KORE_RESULT_OK);
		}

		rc = fn(req, r);
		switch (rc) {
		case STEP_DONE:
			return (KORE_RESULT_OK);
		case STEP_NEXT:
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

/* Makes the handler's step n (counted from 0) the next one. */
int
step_goto(struct dreq *r, size_t n)
{
	r->step = PRELUDE_STEPS + n;
	return (STEP_JUMP);
}

void
db_query(struct dreq *r, const struct db_query *q, int n, ...)
{
	va_list		 ap;
	const char	*v;
	int		 i;

	if (n > DRIVE_PARAMS_MAX)
		fatal("db_query %s: %d parameters", q->name, n);

	if (r->res != NULL) {
		PQclear(r->res);
		r->res = NULL;
	}
	db_params_free(r);

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		v = va_arg(ap, const char *);
		r->params[i] = (v == NULL) ? NULL : kore_strdup(v);
	}
	va_end(ap);

	r->nparams = n;
	r->query = q;
	r->db_error = DB_OK;
	r->sqlstate[0] = '\0';
}

int
db_rows(struct dreq *r)
{
	if (r->res == NULL)
		return (0);
	return (PQntuples(r->res));
}

const char *
db_get(struct dreq *r, int row, int col)
{
	if (r->res == NULL || row >= PQntuples(r->res) ||
	    col >= PQnfields(r->res) || PQgetisnull(r->res, row, col))
		return (NULL);
	return (PQgetvalue(r->res, row, col));
}

int64_t
db_int(struct dreq *r, int row, int col)
{
	const char	*v;

	if ((v = db_get(r, row, col)) == NULL)
		return (0);
	return (strtoll(v, NULL, 10));
}

int
db_bool(struct dreq *r, int row, int col)
{
	const char	*v;

	v = db_get(r, row, col);
	return (v != NULL && v[0] == 't');
}

/* A method the route does not accept: 405 before anything else runs. */
static int
prelude_method(struct http_request *req, struct dreq *r)
{
	const struct route	*rt;
	const char		*v;

	if ((rt = route_find(req->hdlr)) == NULL ||
	    (req->method & rt->methods & ROUTE_METHODS))
		return (STEP_NEXT);
	r->lang = i18n_pick(http_request_header(req, "accept-language", &v) ?
	    v : NULL);
	out_header(req, "allow", rt->allow);
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
			out_redirect(req, r, "/login");
		}
		return (STEP_DONE);
	}

	if (r->sess.role < r->need) {
		out_error(req, r, 403, "forbidden", NULL, "err.forbidden");
		return (STEP_DONE);
	}

	if (!session_check(req, r))
		return (STEP_DONE);

	return (STEP_NEXT);
}

static void
db_start(struct http_request *req, struct dreq *r)
{
	kore_pgsql_init(&r->sql);
	kore_pgsql_bind_request(&r->sql, req);
	r->sql_active = DBS_SETUP;
}

static int
db_poll(struct dreq *r)
{
	if (r->sql_active == DBS_SETUP) {
		if (r->parked) {
			/* Woken by Kore or by our timer: ask again. */
			kore_pgsql_cleanup(&r->sql);
			kore_pgsql_init(&r->sql);
			kore_pgsql_bind_request(&r->sql, r->req);
			if (kore_time_ms() - r->parked_since > PARK_MAX_MS) {
				db_unpark(r);
				r->db_error = DB_ECONN;
				db_release(r);
				return (POLL_FAILED);
			}
		}
		if (!kore_pgsql_setup(&r->sql, DRIVE_DB, KORE_PGSQL_ASYNC)) {
			/* Queued until a connection is free. */
			if (r->sql.state == KORE_PGSQL_STATE_INIT) {
				db_park(r);
				return (POLL_WAIT);
			}
			db_unpark(r);
			db_note_error(r);
			db_release(r);
			return (POLL_FAILED);
		}
		db_unpark(r);
		if (PQstatus(r->sql.conn->db) == CONNECTION_BAD)
			PQreset(r->sql.conn->db);
		if (!db_send(r)) {
			db_note_error(r);
			kore_log(LOG_NOTICE, "query %s: %s", r->query->name,
			    PQerrorMessage(r->sql.conn->db));
			if (r->retried < DB_RETRIES) {
				r->retried++;
				db_release_keep(r);
				db_start(r->req, r);
				r->db_error = DB_OK;
				return (db_poll(r));
			}
			db_release(r);
			return (POLL_FAILED);
		}
	}

	for (;;) {
		switch (r->sql.state) {
		case KORE_PGSQL_STATE_WAIT:
			return (POLL_WAIT);
		case KORE_PGSQL_STATE_RESULT:
			if (r->res == NULL) {
				r->res = r->sql.result;
				r->sql.result = NULL;
			}
			kore_pgsql_continue(&r->sql);
			break;
		case KORE_PGSQL_STATE_ERROR:
			if (r->sql_active == DBS_PREPARE &&
			    r->db_error == DB_OK && db_prepared_before(r)) {
				/* DONE follows: db_prepared_send() executes. */
				kore_pgsql_continue(&r->sql);
				break;
			}
			if (r->db_error == DB_OK)
				db_note_error(r);
			/* A failed statement: drain it, keep the connection. */
			if (r->sql.conn != NULL &&
			    PQstatus(r->sql.conn->db) == CONNECTION_OK &&
			    (r->sql.flags & KORE_PGSQL_SCHEDULED) &&
			    (r->db_error == DB_ESQL ||
			    r->db_error == DB_EBUSY)) {
				kore_pgsql_continue(&r->sql);
				break;
			}
			/*
			 * A pooled connection whose server went away fails
			 * before the statement ran: reset it (db_release) and
			 * run the statement again, on the next connection.
			 */
			if (r->db_error == DB_ECONN &&
			    r->retried < DB_RETRIES && r->res == NULL) {
				r->retried++;
				db_release_keep(r);
				db_start(r->req, r);
				r->db_error = DB_OK;
				return (db_poll(r));
			}
			db_release(r);
			return (POLL_FAILED);
		case KORE_PGSQL_STATE_DONE:
			if (r->sql_active == DBS_PREPARE &&
			    r->db_error == DB_OK) {
				db_prepared_send(r);
				break;
			}
			kore_pgsql_continue(&r->sql);
			break;
		case KORE_PGSQL_STATE_COMPLETE:
			db_release(r);
			return (r->db_error == DB_OK ? POLL_DONE : POLL_FAILED);
		default:
			kore_pgsql_continue(&r->sql);
			break;
		}
	}
}

/* Our PREPARE was refused because the statement exists (see above). */
static int
db_prepared_before(struct dreq *r)
{
	const char	*state;

	if (r->sql.result == NULL)
		return (0);
	state = PQresultErrorField(r->sql.result, PG_DIAG_SQLSTATE);
	return (state != NULL && strcmp(state, "42P05") == 0);
}

static void
db_note_error(struct dreq *r)
{
	const char	*state;

	r->db_error = DB_ECONN;
	if (r->sql.result != NULL) {
		state = PQresultErrorField(r->sql.result, PG_DIAG_SQLSTATE);
		if (state != NULL) {
			(void)kore_strlcpy(r->sqlstate, state,
			    sizeof(r->sqlstate));
			/* Connection exceptions and shutdowns: unavailable. */
			if (strncmp(state, "08", 2) != 0 &&
			    strncmp(state, "57P", 3) != 0)
				r->db_error = DB_ESQL;
			/*
			 * lock_timeout (55P03) and statement_timeout (57014,
			 * also a cancel) ended the statement: it changed
			 * nothing, the connection is fine, try later.
			 */
			if (strcmp(state, "55P03") == 0 ||
			    strcmp(state, "57014") == 0)
				r->db_error = DB_EBUSY;
		}
	}

	if (r->db_error == DB_ESQL && strncmp(r->sqlstate, "DR", 2) == 0)
		return;
	kore_log(LOG_NOTICE, "query %s: %s", r->query->name,
	    r->sql.error != NULL ? r->sql.error : "unknown error");
}

static void
db_release(struct dreq *r)
{
	db_release_keep(r);
	r->query = NULL;
	db_params_free(r);
}

/*
 * Gives the connection back (mending a dead one), keeps the query.  A
 * statement still running (its client hung up) is cancelled and drained
 * by Kore; a connection that is then not idle outside a transaction is
 * in a state no other request may inherit, and is reset.
 */
static void
db_release_keep(struct dreq *r)
{
	struct pgsql_conn	*conn;
	int			 reset;

	db_unpark(r);
	if (r->sql_active) {
		conn = r->sql.conn;
		kore_pgsql_cleanup(&r->sql);
		/* The connection is back in Kore's pool: mend it there. */
		reset = 0;
		if (conn != NULL && PQstatus(conn->db) == CONNECTION_BAD) {
			reset = 1;
		} else if (conn != NULL &&
		    PQtransactionStatus(conn->db) != PQTRANS_IDLE) {
			kore_log(LOG_NOTICE, "query %s: connection left "
			    "in transaction state %d, reset",
			    r->query != NULL ? r->query->name : "-",
			    (int)PQtransactionStatus(conn->db));
			reset = 1;
		}
		if (reset)
			PQreset(conn->db);
		r->sql_active = 0;
	}
}

static void
db_params_free(struct dreq *r)
{
	int	i;

	for (i = 0; i < r->nparams; i++) {
		kore_free(r->params[i]);
		r->params[i] = NULL;
	}
	r->nparams = 0;
}

void
pw_start(struct http_request *req, struct dreq *r, int op,
    const char *password, const char *encoded)
{
	r->pw.op = op;
	r->pw.ok = 0;
	r->pw.password = kore_strdup(password);
	r->pw.encoded = kore_calloc(1, 128);
	if (encoded != NULL)
		(void)kore_strlcpy(r->pw.encoded, encoded, 128);

	kore_task_create(&r->task, pw_task);
	kore_task_bind_request(&r->task, req);
	r->task_active = 1;
}

/*
 * Runs on a task thread: no Kore allocator here, only the buffers the
 * worker prepared.
 */
static int
pw_task(struct kore_task *t)
{
	struct dreq	*r;

	r = (struct dreq *)((char *)t - offsetof(struct dreq, task));
	if (r->pw.op == PW_HASH)
		r->pw.ok = password_hash(r->pw.password, r->pw.encoded, 128);
	else
		r->pw.ok = password_verify(r->pw.password, r->pw.encoded);

	return (KORE_RESULT_OK);
}

static void
pw_finish(struct dreq *r)
{
	kore_task_destroy(&r->task);
	r->task_active = 0;
	secret_free(r->pw.password);
	r->pw.password = NULL;
}

static void
dreq_free(struct http_request *req)
{
	struct dreq	*r;

	if ((r = http_state_get(req)) == NULL)
		return;

	if (!r->freed) {
		r->freed = 1;
		db_release(r);
		if (r->res != NULL)
			PQclear(r->res);
		r->res = NULL;
		form_free(&r->form);
		if (r->json != NULL)
			json_decref(r->json);
		if (r->ctx != NULL)
			json_decref(r->ctx);
		if (r->data != NULL && r->data_free != NULL)
			r->data_free(r->data);
		kore_free(r->sess.name);
		kore_free(r->cookie_session);
		kore_free(r->cookie_csrf);
		r->json = r->ctx = NULL;
		r->data = NULL;
	}

	/* A running password job still reads these; Kore calls us again. */
	if (r->task_active && !kore_task_finished(&r->task))
		return;
	if (r->pw.password != NULL)
		secret_free(r->pw.password);
	if (r->pw.encoded != NULL)
		secret_free(r->pw.encoded);
	r->pw.password = r->pw.encoded = NULL;
}
