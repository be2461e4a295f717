/*
 * The SQL client: a step queues one named, parameterised query
 * (db_query); the engine (request.c) starts it and polls it without
 * blocking the event loop; the step after reads the rows by column name.
 * Queries are prepared once per connection.
 *
 * Kore's pgsql pool keeps a dead connection after PostgreSQL restarts;
 * db_release() resets such a connection, so the portal heals by itself.
 */

#include <stdarg.h>
#include <stddef.h>

#include "drive.h"

#define DBS_SETUP   1
#define DBS_WAIT    2
#define DBS_PREPARE 3

static void	   db_note_error(struct dreq *);
static int	   db_prepared_before(struct dreq *);
static void	   db_check_answered(struct dreq *);
static void	   db_bind(struct dreq *);
static void	   db_read_cb(struct kore_pgsql *, void *);
static void	   db_done_seen(struct dreq *);
static void	   db_release_keep(struct dreq *);
static void	   db_params_free(struct dreq *);
static int	   db_send(struct dreq *);
static const char *db_get(struct dreq *, int, int);
static void	   db_schedule(struct dreq *);
static void	   db_prepared_send(struct dreq *);
static void	   db_park(struct dreq *);
static void	   db_unpark(struct dreq *);
static void	   db_parked_wakeup(void *, u_int64_t);

/*
 * Requests waiting for a free connection.  Kore wakes them only when a
 * connection is released, not when one is destroyed; after PostgreSQL
 * went away none may ever be released.  A timer wakes them, and after
 * PARK_MAX_MS they get a 503 instead of waiting forever.
 */
/* Every pooled connection may be stale after a restart: try them all. */
#define DB_RETRIES 5

#define PARK_WAKE_MS 200
#define PARK_MAX_MS  5000
static TAILQ_HEAD(, dreq) parked = TAILQ_HEAD_INITIALIZER(parked);

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
#define PREP_QUERIES 192
#define PREP_CONNS   64

struct prep_conn {
	PGconn	     *db;
	int	      pid;
	u_int64_t     used;
	unsigned char done[PREP_QUERIES];
};

static const struct db_query *prep_queries[PREP_QUERIES];
static int		      prep_nqueries;
static struct prep_conn	      prep_conns[PREP_CONNS];
static u_int64_t	      prep_clock;

static int
prep_index(const struct db_query *q)
{
	int i;

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
	struct prep_conn *pc, *slot = NULL;
	int		  i, pid;

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
	PGconn		 *db = r->sql.conn->db;
	struct prep_conn *pc;
	char		  name[16];
	int		  idx;

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
	if (!PQsendQueryPrepared(db, name, r->nparams, (const char **)r->params,
		NULL, NULL, 0))
		return (0);
	db_schedule(r);
	r->sql_active = DBS_WAIT;
	return (1);
}

/* The statement is prepared: take the connection back, execute it. */
static void
db_prepared_send(struct dreq *r)
{
	PGconn		 *db = r->sql.conn->db;
	PGresult	 *res;
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

void
db_init(void)
{
	(void)kore_timer_add(db_parked_wakeup, PARK_WAKE_MS, NULL, 0);
}

static void
db_parked_wakeup(void *arg, u_int64_t now)
{
	struct dreq *r;

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

static void db_query_take(struct dreq *, const struct db_query *, int, char **);

/*
 * ---- a page's statement folded with the session's lookup ----
 *
 * README, "One round trip a page".  While r->folding (the prelude runs
 * the handler's fold step), db_query() sends nothing: it keeps the query
 * and its values (r->fold_src, r->fold_params), and session.c sends the
 * folded form with the cookie's hash for $1 (db_query_params());
 * session_step_loaded() reads who is signed in from it and keeps the
 * rows aside (db_fold_keep()).  When the page's step asks for q again
 * with the same parameters (but $1 and $2, who and the language, which
 * the statement took from the session), db_query() hands it those rows
 * and sends nothing; otherwise they are dropped.
 */
/* The folded statement's rows wait for the page; empty: none of its own. */
void
db_fold_keep(struct dreq *r, int empty)
{
	if (r->fold_res != NULL)
		PQclear(r->fold_res);
	r->fold_res = r->res;
	r->fold_empty = empty;
	r->res = NULL;
	r->res_query = NULL;
}

void
db_fold_forget(struct dreq *r)
{
	int i;

	if (r->fold_res != NULL)
		PQclear(r->fold_res);
	r->fold_res = NULL;
	for (i = 0; i < r->fold_nparams; i++) {
		kore_free(r->fold_params[i]);
		r->fold_params[i] = NULL;
	}
	r->fold_nparams = 0;
	r->fold_src = r->fold_q = NULL;
}

/*
 * The page asks for what was folded: the same query and values but $1
 * and $2 (who and the language, which the folded statement took from
 * the session as the prelude did).
 */
static int
db_fold_same(struct dreq *r, const struct db_query *q)
{
	int i;

	if (r->fold_res == NULL || q != r->fold_src ||
	    r->nparams != r->fold_nparams)
		return (0);
	for (i = 2; i < r->nparams; i++) {
		if ((r->params[i] == NULL) != (r->fold_params[i] == NULL))
			return (0);
		if (r->params[i] != NULL &&
		    strcmp(r->params[i], r->fold_params[i]) != 0)
			return (0);
	}
	return (1);
}

void
db_query(struct dreq *r, const struct db_query *q, int n, ...)
{
	va_list	    ap;
	const char *v;
	char	   *params[DRIVE_PARAMS_MAX];
	int	    i;

	if (n > DRIVE_PARAMS_MAX)
		fatal("db_query %s: %d parameters", q->name, n);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		v = va_arg(ap, const char *);
		params[i] = (v == NULL) ? NULL : kore_strdup(v);
	}
	va_end(ap);

	if (r->folding) {
		db_fold_forget(r);
		for (i = 0; i < n; i++)
			r->fold_params[i] = params[i];
		r->fold_nparams = n;
		r->fold_src = q;
		return;
	}
	db_query_take(r, q, n, params);
}

/*
 * db_query() with the values in an array: copies of params[0..n-1]
 * (NULL for SQL's NULL).
 */
void
db_query_params(struct dreq *r, const struct db_query *q, int n,
    char * const *params)
{
	char *copy[DRIVE_PARAMS_MAX];
	int   i;

	if (n > DRIVE_PARAMS_MAX)
		fatal("db_query %s: %d parameters", q->name, n);
	for (i = 0; i < n; i++)
		copy[i] = params[i] == NULL ? NULL : kore_strdup(params[i]);
	db_query_take(r, q, n, copy);
}

/* Queues q with the values params (taken over), or hands over the folded
 * rows when they answer it. */
static void
db_query_take(struct dreq *r, const struct db_query *q, int n, char **params)
{
	int i;

	db_result_free(r);
	db_params_free(r);
	for (i = 0; i < n; i++)
		r->params[i] = params[i];
	r->nparams = n;

	if (db_fold_same(r, q)) {
		r->res = r->fold_res;
		r->res_query = r->fold_q;
		r->res_empty = r->fold_empty;
		r->fold_res = NULL;
		db_fold_forget(r);
		db_params_free(r);
		r->query = NULL;
		return;
	}

	r->query = q;
	r->db_error = DB_OK;
	r->sqlstate[0] = '\0';
}

/* Frees the last result and forgets its column names. */
void
db_result_free(struct dreq *r)
{
	if (r->res != NULL)
		PQclear(r->res);
	r->res = NULL;
	r->res_empty = 0;
}

/*
 * The column called name in the result, or -1.  A query's columns do not
 * change, and names are string literals in the handlers: a column is
 * looked up once per query and name in this worker, then found by the
 * two pointers.
 */
#define COLS_SLOTS 1024

static struct {
	const struct db_query *query;
	const char	      *name;
	int		       col;
} cols[COLS_SLOTS];

static int
db_col(struct dreq *r, const char *name)
{
	size_t h, i;
	int    col;

	if (r->res == NULL || r->res_query == NULL)
		return (-1);
	h = ((uintptr_t)r->res_query >> 4) * 31 + ((uintptr_t)name >> 3);
	for (i = 0; i < 8; i++) {
		h = (h + i) % COLS_SLOTS;
		if (cols[h].query == r->res_query && cols[h].name == name)
			return (cols[h].col);
		if (cols[h].query == NULL)
			break;
	}
	if ((col = PQfnumber(r->res, name)) == -1) {
		kore_log(LOG_ERR, "query %s: no column %s", r->res_query->name,
		    name);
		return (-1);
	}
	if (cols[h].query == NULL) {
		cols[h].query = r->res_query;
		cols[h].name = name;
		cols[h].col = col;
	}
	return (col);
}

const char *
row_text(struct dreq *r, int row, const char *name)
{
	int col;

	if ((col = db_col(r, name)) == -1)
		return (NULL);
	return (db_get(r, row, col));
}

int64_t
row_int(struct dreq *r, int row, const char *name)
{
	const char *v;

	if ((v = row_text(r, row, name)) == NULL)
		return (0);
	return (strtoll(v, NULL, 10));
}

int
row_bool(struct dreq *r, int row, const char *name)
{
	const char *v;

	v = row_text(r, row, name);
	return (v != NULL && v[0] == 't');
}

int
row_null(struct dreq *r, int row, const char *name)
{
	return (row_text(r, row, name) == NULL);
}

int
db_rows(struct dreq *r)
{
	if (r->res == NULL || r->res_empty)
		return (0);
	return (PQntuples(r->res));
}

static const char *
db_get(struct dreq *r, int row, int col)
{
	if (r->res == NULL || row >= PQntuples(r->res) ||
	    col >= PQnfields(r->res) || PQgetisnull(r->res, row, col))
		return (NULL);
	return (PQgetvalue(r->res, row, col));
}

void
db_start(struct http_request *req, struct dreq *r)
{
	db_bind(r);
	r->sql_active = DBS_SETUP;
	r->db_status = 0;
}

int
db_poll(struct dreq *r)
{
	if (r->sql_active == DBS_SETUP) {
		if (r->parked) {
			/* Woken by Kore or by our timer: ask again. */
			kore_pgsql_cleanup(&r->sql);
			db_bind(r);
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
				r->res_query = r->query;
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
			db_done_seen(r);
			kore_pgsql_continue(&r->sql);
			break;
		case KORE_PGSQL_STATE_COMPLETE:
			db_check_answered(r);
			db_release(r);
			return (r->db_error == DB_OK ? POLL_DONE : POLL_FAILED);
		default:
			kore_pgsql_continue(&r->sql);
			break;
		}
	}
}

/*
 * A fresh statement for the request: Kore wakes the request when the
 * connection has news, and calls db_read_cb() after each of its reads.
 * (kore_pgsql_bind_callback() refuses a request-bound statement, so the
 * callback is set by hand; Kore calls both.)
 */
static void
db_bind(struct dreq *r)
{
	kore_pgsql_init(&r->sql);
	kore_pgsql_bind_request(&r->sql, r->req);
	r->sql.cb = db_read_cb;
	r->sql.arg = r;
}

/*
 * Kore 4.1.0 reads a connection on every event, whether or not the
 * request has seen what the last read found: http_process() stops after
 * http_request_ms (10 ms) of work in a turn (a PQreset() of a stale
 * connection takes that), so a woken request may wait a turn while the
 * next read replaces RESULT, a command status or ERROR with DONE and no
 * result.  Seen in the read-only switchover test (tests/e2e/faults), where
 * stale connections are reset in the request path: a session lookup came
 * back as "no session" (303 to /login); a page's would be "not found".
 * Rows and the command status are taken here as they arrive; a replaced
 * error still has its text (db_done_seen).
 */
static void
db_read_cb(struct kore_pgsql *sql, void *arg)
{
	struct dreq *r = arg;

	if (r->sql_active != DBS_WAIT || sql->result == NULL)
		return;
	if (sql->state == KORE_PGSQL_STATE_RESULT && r->res == NULL) {
		r->res = sql->result;
		r->res_query = r->query;
		sql->result = NULL;
	} else if (sql->state == KORE_PGSQL_STATE_DONE) {
		r->db_status = 1;
	}
}

/* DONE: a command status, or an error a later read replaced (above). */
static void
db_done_seen(struct dreq *r)
{
	if (r->sql.result != NULL)
		r->db_status = 1;
	if (r->sql.error != NULL && r->db_error == DB_OK) {
		/* Its SQLSTATE is gone: unavailable, and a new connection. */
		kore_log(LOG_NOTICE, "query %s: its error was read over",
		    r->query->name);
		db_note_error(r);
		r->db_stale = 1;
	}
}

/*
 * Every statement that ran answers rows or a command status; one that
 * ends with neither and no error says nothing about the data.  What did
 * that (a read that replaced the last one, db_read_cb) is mended; should
 * anything else, it is unavailable: never "no rows", which a session
 * lookup would take for "signed out" and a page for "not found".
 */
static void
db_check_answered(struct dreq *r)
{
	if (r->db_error != DB_OK || r->res != NULL || r->db_status)
		return;
	kore_log(LOG_NOTICE,
	    "query %s: no result and no error (tried %d times)", r->query->name,
	    r->retried + 1);
	r->db_error = DB_ECONN;
}

/* Our PREPARE was refused because the statement exists (see above). */
static int
db_prepared_before(struct dreq *r)
{
	const char *state;

	if (r->sql.result == NULL)
		return (0);
	state = PQresultErrorField(r->sql.result, PG_DIAG_SQLSTATE);
	return (state != NULL && strcmp(state, "42P05") == 0);
}

static void
db_note_error(struct dreq *r)
{
	const char *state;

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
			/*
			 * read_only_sql_transaction: a primary demoted under
			 * us (a switchover) that the load balancer still
			 * routes to.  The statement changed nothing; its
			 * connection is replaced (db_release_keep) and the
			 * statement tried again, on the new primary once the
			 * load balancer has moved.
			 */
			if (strcmp(state, "25006") == 0) {
				r->db_error = DB_ECONN;
				r->db_stale = 1;
			}
		}
	}

	if (r->db_error == DB_ESQL && strncmp(r->sqlstate, "DR", 2) == 0)
		return;
	kore_log(LOG_NOTICE, "query %s: %s", r->query->name,
	    r->sql.error != NULL ? r->sql.error : "unknown error");
}

void
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
	struct pgsql_conn *conn;
	int		   reset;

	db_unpark(r);
	if (r->sql_active) {
		conn = r->sql.conn;
		/*
		 * A connection lost during a query (the server killed, a
		 * proxy in between cutting it) is one libpq has closed:
		 * PQsocket() is -1 and the kernel dropped the socket from
		 * the event set.  Kore 4.1.0 would still remove it
		 * (epoll_ctl on -1) and die with "Bad file descriptor":
		 * tell it the query is no longer scheduled.
		 */
		if (conn != NULL && (r->sql.flags & KORE_PGSQL_SCHEDULED) &&
		    PQsocket(conn->db) < 0)
			r->sql.flags &= ~KORE_PGSQL_SCHEDULED;
		kore_pgsql_cleanup(&r->sql);
		/* The connection is back in Kore's pool: mend it there. */
		reset = 0;
		if (conn != NULL &&
		    (PQstatus(conn->db) == CONNECTION_BAD || r->db_stale)) {
			reset = 1;
		} else if (conn != NULL &&
		    PQtransactionStatus(conn->db) != PQTRANS_IDLE) {
			kore_log(LOG_NOTICE,
			    "query %s: connection left "
			    "in transaction state %d, reset",
			    r->query != NULL ? r->query->name : "-",
			    (int)PQtransactionStatus(conn->db));
			reset = 1;
		}
		if (reset)
			PQreset(conn->db);
		r->db_stale = 0;
		r->sql_active = 0;
	}
}

static void
db_params_free(struct dreq *r)
{
	int i;

	for (i = 0; i < r->nparams; i++) {
		kore_free(r->params[i]);
		r->params[i] = NULL;
	}
	r->nparams = 0;
}
