/*
 * drivectl: what an operator does from a shell.
 *
 *   drivectl migrate [--sql DIR]
 *   drivectl invite --email E --role client|pm|admin [--org NAME] [--days N]
 *   drivectl invite --first-admin --email E
 *   drivectl audit verify
 *   drivectl audit anchor
 *
 * Two roles: the portal's (DRIVE_DATABASE_URL, a libpq connection string:
 * invite, audit) and the owner of the schema (DRIVE_OWNER_URL: migrate,
 * which then grants the portal's role what it needs).  When
 * DRIVE_DATABASE_URL is not set, both are the local cluster that `make
 * run` started for the checkout drivectl was built in (var/database.url,
 * var/owner.url).  The SQL files are that checkout's sql/ unless --sql
 * says otherwise: the numbered migrations there, then the functions,
 * triggers and views of its repeatable/ (README, "Migrations").  The
 * invitation link is printed once; only its SHA-256 is stored.
 *
 * The audit chain is recomputed here (app/chain.c) from the raw columns;
 * the anchor file (DRIVE_AUDIT_ANCHOR, or var/audit.anchor for the local
 * cluster) keeps the chain's head as it was, outside the database, so
 * that entries cut from the end, or a chain rewritten and re-hashed, are
 * found too.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "drive.h"

enum db_role {
	DB_PORTAL,
	DB_OWNER
};

static PGconn	  *db_connect(enum db_role);
static const char *checkout(const char *, char *, size_t);
static int	   cmd_migrate(int, char **);
static int	   cmd_invite(int, char **);
static int	   cmd_audit(int, char **);
static int	   exec_ok(PGconn *, const char *);
static char	 **sql_files(const char *, int, size_t *);
static int	   apply_repeatable(PGconn *, const char *, int);
static int	   grant_runtime(PGconn *);
static char	  *current_role(PGconn *);
static void	   usage(void);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: drivectl migrate [--sql DIR]\n"
	    "       drivectl invite --email E --role client|pm|admin "
	    "[--org NAME] [--days N]\n"
	    "       drivectl invite --first-admin --email E\n"
	    "       drivectl audit verify|anchor\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "migrate") == 0)
		return (cmd_migrate(argc - 1, argv + 1));
	if (strcmp(argv[1], "invite") == 0)
		return (cmd_invite(argc - 1, argv + 1));
	if (strcmp(argv[1], "audit") == 0)
		return (cmd_audit(argc - 1, argv + 1));
	usage();
	return (2);
}

static void
quiet(void *arg, const char *message)
{
}

/*
 * PATH inside the checkout this drivectl was built in (build/drivectl's
 * parent folder), written to BUF.  NULL when it cannot be told.
 */
static const char *
checkout(const char *path, char *buf, size_t len)
{
	char	exe[4096], *slash;
	ssize_t n;
	int	up;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return (NULL);
	exe[n] = '\0';
	for (up = 0; up < 2; up++) {
		if ((slash = strrchr(exe, '/')) == NULL)
			return (NULL);
		*slash = '\0';
	}
	if ((size_t)snprintf(buf, len, "%s/%s", exe, path) >= len)
		return (NULL);
	return (buf);
}

/*
 * The URL of ROLE, as a string to free: the environment, else the file
 * `make run` wrote in var/.  The owner falls back to the portal's URL
 * (one role for both, as before the two were split).  NULL when none.
 */
static char *
db_url(enum db_role role, char *file, size_t len)
{
	const char *url, *path;
	char	   *local;

	url = getenv(role == DB_OWNER ? "DRIVE_OWNER_URL" :
					"DRIVE_DATABASE_URL");
	if (url != NULL && *url != '\0')
		return (xstrdup(url));
	if (role == DB_OWNER) {
		url = getenv("DRIVE_DATABASE_URL");
		if (url != NULL && *url != '\0') {
			fprintf(stderr,
			    "drivectl: DRIVE_OWNER_URL is not set: "
			    "migrating as the portal's role (DRIVE_DATABASE_URL), "
			    "which then owns the schema; see README.md\n");
			return (xstrdup(url));
		}
		path = checkout("var/owner.url", file, len);
		if (path != NULL && (local = file_read(path)) != NULL) {
			local[strcspn(local, "\n")] = '\0';
			return (local);
		}
	}
	if ((path = checkout("var/database.url", file, len)) == NULL ||
	    (local = file_read(path)) == NULL) {
		(void)snprintf(file, len, "%s",
		    path ? path : "var/database.url");
		return (NULL);
	}
	local[strcspn(local, "\n")] = '\0';
	return (local);
}

static PGconn *
db_connect(enum db_role role)
{
	const char *env;
	char	   *url, path[4096];
	int	    local;
	PGconn	   *conn;

	env = getenv("DRIVE_DATABASE_URL");
	local = env == NULL || *env == '\0';
	if ((url = db_url(role, path, sizeof(path))) == NULL) {
		fprintf(stderr,
		    "drivectl: DRIVE_DATABASE_URL is not set "
		    "and there is no local cluster (%s): start `make "
		    "run`, or set DRIVE_DATABASE_URL\n",
		    path);
		exit(1);
	}
	conn = PQconnectdb(url);
	explicit_bzero(url, strlen(url));
	free(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
		if (local)
			fprintf(stderr,
			    "drivectl: the local cluster of `make "
			    "run` (%s) is not running: start `make run` first, "
			    "or set DRIVE_DATABASE_URL\n",
			    path);
		exit(1);
	}
	PQsetNoticeProcessor(conn, quiet, NULL);
	return (conn);
}

static int
exec_ok(PGconn *conn, const char *sql)
{
	PGresult *res;
	int	  ok;

	res = PQexec(conn, sql);
	/* A migration of comments only is empty, not an error. */
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK ||
	    PQresultStatus(res) == PGRES_EMPTY_QUERY;
	if (!ok)
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
	PQclear(res);
	return (ok);
}

/* A parameterised query's result, or NULL (said on stderr). */
static PGresult *
query_ok(PGconn *conn, const char *sql, int n, const char **params,
    ExecStatusType want)
{
	PGresult *res;

	res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != want) {
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
		PQclear(res);
		return (NULL);
	}
	return (res);
}

/*
 * Runs the SQL of one migration file and the statement that records it
 * (record, with its two parameters) in one transaction; 0 and nothing
 * applied when either fails.
 */
static int
apply_file(PGconn *conn, const char *label, const char *sql, const char *record,
    const char **params)
{
	PGresult *res;

	if (!exec_ok(conn, "BEGIN") || !exec_ok(conn, sql)) {
		fprintf(stderr,
		    "drivectl: %s failed; nothing of it was "
		    "applied\n",
		    label);
		(void)exec_ok(conn, "ROLLBACK");
		return (0);
	}
	if ((res = query_ok(conn, record, 2, params, PGRES_COMMAND_OK)) ==
	    NULL) {
		(void)exec_ok(conn, "ROLLBACK");
		return (0);
	}
	PQclear(res);
	if (!exec_ok(conn, "COMMIT")) {
		(void)exec_ok(conn, "ROLLBACK");
		return (0);
	}
	return (1);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/*
 * The SQL files of DIR in name order (caller frees each and the array),
 * their count in *N: the numbered migrations (NNN_name.sql) when
 * NUMBERED, else every name.sql.  A DIR that does not exist has none
 * unless NUMBERED; NULL on an error, said on stderr.
 */
static char **
sql_files(const char *dir, int numbered, size_t *n)
{
	DIR	      *d;
	struct dirent *e;
	char	     **names;
	size_t	       len;

	*n = 0;
	names = xrealloc(NULL, sizeof(*names));
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT && !numbered)
			return (names);
		fprintf(stderr, "drivectl: %s: %s\n", dir, strerror(errno));
		free(names);
		return (NULL);
	}
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len < 5 || e->d_name[0] == '.' ||
		    strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		if (numbered &&
		    (len < 8 || strspn(e->d_name, "0123456789") != 3 ||
			e->d_name[3] != '_'))
			continue;
		names = xrealloc(names, (*n + 1) * sizeof(*names));
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof(*names), name_cmp);
	return (names);
}

/*
 * Applies each file of DIR/repeatable (functions, triggers, views: each
 * CREATE OR REPLACE) whose SHA-256 differs from the one schema_repeatable
 * holds, in name order, each in its own transaction together with its
 * record; with ALL (a numbered migration was applied, and may have
 * dropped or changed what a file made), every file.  The records of files
 * that are gone go too.  The number applied, or -1.
 */
static int
apply_repeatable(PGconn *conn, const char *dir, int all)
{
	const char   *params[2];
	char	    **names, path[8192], sub[4096], hash[65], *sql;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen;
	size_t	      n, i;
	struct dbuf   list;
	PGresult     *res;
	int	      applied = 0, same;

	if ((size_t)snprintf(sub, sizeof(sub), "%s/repeatable", dir) >=
		sizeof(sub) ||
	    (names = sql_files(sub, 0, &n)) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", sub, names[i]);
		if ((sql = file_read(path)) == NULL) {
			fprintf(stderr, "drivectl: %s: %s\n", path,
			    strerror(errno));
			applied = -1;
			break;
		}
		if (!EVP_Digest(sql, strlen(sql), md, &mdlen, EVP_sha256(),
			NULL) ||
		    mdlen != 32) {
			fprintf(stderr, "drivectl: SHA-256 failed\n");
			free(sql);
			applied = -1;
			break;
		}
		hex_encode(md, mdlen, hash);
		params[0] = names[i];
		params[1] = hash;
		res = query_ok(conn,
		    "SELECT sha256 = $2 FROM schema_repeatable WHERE name = $1",
		    2, params, PGRES_TUPLES_OK);
		if (res == NULL) {
			free(sql);
			applied = -1;
			break;
		}
		same = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
		if (same && !all) {
			free(sql);
			continue;
		}
		(void)snprintf(path, sizeof(path), "repeatable/%s", names[i]);
		if (!apply_file(conn, path, sql,
			"INSERT INTO schema_repeatable (name, sha256) VALUES ($1, $2)"
			" ON CONFLICT (name) DO UPDATE SET sha256 = EXCLUDED.sha256,"
			" applied_at = now()",
			params)) {
			free(sql);
			applied = -1;
			break;
		}
		free(sql);
		printf("drivectl: applied repeatable/%s%s\n", names[i],
		    same ? " (again, after the numbered migrations)" : "");
		applied++;
	}

	/* Forget the files that are gone: back, they are applied again. */
	if (applied >= 0) {
		dbuf_init(&list);
		for (i = 0; i < n; i++) {
			dbuf_appendstr(&list, names[i]);
			dbuf_append(&list, "\n", 1);
		}
		dbuf_append(&list, "", 1);
		sql = dbuf_release(&list);
		params[0] = sql;
		res = query_ok(conn,
		    "DELETE FROM schema_repeatable WHERE "
		    "name <> ALL (string_to_array($1, E'\\n'))",
		    1, params, PGRES_COMMAND_OK);
		if (res == NULL)
			applied = -1;
		PQclear(res);
		free(sql);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return (applied);
}

/*
 * Applies every sql/NNN_name.sql not applied yet, in order, each in its
 * own transaction together with its record, then the files of
 * sql/repeatable/ that changed (apply_repeatable()); an advisory lock
 * keeps two migrators apart.
 */
static int
cmd_migrate(int argc, char **argv)
{
	const char *dir, *params[2];
	char	  **names, path[4096], version[16], *sql;
	char	    sqldir[4096];
	size_t	    n = 0, i;
	PGconn	   *conn;
	PGresult   *res;
	int	    applied = 0, rc = 0, r;

	if (argc == 3 && strcmp(argv[1], "--sql") == 0)
		dir = argv[2];
	else if (argc != 1)
		usage();
	else if ((dir = checkout("sql", sqldir, sizeof(sqldir))) == NULL)
		dir = "sql";

	if ((names = sql_files(dir, 1, &n)) == NULL)
		return (1);

	conn = db_connect(DB_OWNER);
	res = PQexec(conn,
	    "SELECT current_user, pg_catalog.pg_get_userbyid("
	    "datdba) FROM pg_catalog.pg_database WHERE datname = "
	    "current_database()");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1)) != 0) {
		fprintf(stderr,
		    "drivectl: migrate runs as the owner of the "
		    "database (%s), not as %s: set DRIVE_OWNER_URL (the local "
		    "cluster's owner is user=drive_owner)\n",
		    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
		PQclear(res);
		rc = 1;
		goto done;
	}
	PQclear(res);
	if (!exec_ok(conn,
		"SELECT pg_advisory_lock(hashtext('drive.migrate'))") ||
	    !exec_ok(conn,
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		"version integer PRIMARY KEY, name text NOT NULL, "
		"applied_at timestamptz NOT NULL DEFAULT now())") ||
	    !exec_ok(conn,
		"CREATE TABLE IF NOT EXISTS schema_repeatable ("
		"name text PRIMARY KEY, sha256 text NOT NULL, "
		"applied_at timestamptz NOT NULL DEFAULT now())")) {
		rc = 1;
		goto done;
	}

	for (i = 0; i < n; i++) {
		(void)snprintf(version, sizeof(version), "%d", atoi(names[i]));
		params[0] = version;
		res = query_ok(conn,
		    "SELECT 1 FROM schema_migrations WHERE version = $1::integer",
		    1, params, PGRES_TUPLES_OK);
		if (res == NULL) {
			rc = 1;
			goto done;
		}
		if (PQntuples(res) == 1) {
			PQclear(res);
			continue;
		}
		PQclear(res);

		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((sql = file_read(path)) == NULL) {
			fprintf(stderr, "drivectl: %s: %s\n", path,
			    strerror(errno));
			rc = 1;
			goto done;
		}
		params[1] = names[i];
		if (!apply_file(conn, names[i], sql,
			"INSERT INTO schema_migrations (version, name)"
			" VALUES ($1::integer, $2)",
			params)) {
			free(sql);
			rc = 1;
			goto done;
		}
		free(sql);
		printf("drivectl: applied %s\n", names[i]);
		applied++;
	}
	if ((r = apply_repeatable(conn, dir, applied > 0)) < 0) {
		rc = 1;
		goto done;
	}
	if (applied == 0 && r == 0)
		printf("drivectl: the schema is up to date\n");
	if (!grant_runtime(conn))
		rc = 1;

done:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	PQfinish(conn);
	return (rc);
}

/* The role a connection is signed in as (caller frees), or NULL. */
static char *
current_role(PGconn *conn)
{
	PGresult *res;
	char	 *role = NULL;

	res = PQexec(conn, "SELECT current_user");
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		role = xstrdup(PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
	PQclear(res);
	return (role);
}

/*
 * Gives the portal's role its grants (drive_grant_runtime(), owned by the
 * owner) unless it is the owner itself.  1 on success.
 */
static int
grant_runtime(PGconn *owner)
{
	PGconn	   *portal;
	PGresult   *res;
	const char *params[1];
	char	   *role, *me;
	int	    ok = 1;

	portal = db_connect(DB_PORTAL);
	role = current_role(portal);
	PQfinish(portal);
	if (role == NULL)
		return (0);
	if ((me = current_role(owner)) == NULL) {
		free(role);
		return (0);
	}
	if (strcmp(role, me) != 0) {
		params[0] = role;
		res = PQexecParams(owner, "SELECT drive_grant_runtime($1)", 1,
		    NULL, params, NULL, NULL, 0);
		ok = PQresultStatus(res) == PGRES_TUPLES_OK;
		if (!ok)
			fprintf(stderr, "drivectl: granting %s: %s", role,
			    PQerrorMessage(owner));
		else
			printf("drivectl: %s owns the schema; %s may use it\n",
			    me, role);
		PQclear(res);
	}
	free(role);
	free(me);
	return (ok);
}

static int
cmd_invite(int argc, char **argv)
{
	static struct option opts[] = {
		{ "email", required_argument, NULL, 'e' },
		{ "role", required_argument, NULL, 'r' },
		{ "org", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'd' },
		{ "first-admin", no_argument, NULL, 'f' }, { NULL, 0, NULL, 0 }
	};
	const char   *email = NULL, *role = NULL, *org = NULL, *days = "7";
	const char   *base, *params[5];
	unsigned char raw[32], md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen;
	char	      token[65], hash[65];
	int	      c, first = 0, rc = 0;
	PGconn	     *conn;
	PGresult     *res;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			email = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		case 'o':
			org = optarg;
			break;
		case 'd':
			days = optarg;
			break;
		case 'f':
			first = 1;
			role = "admin";
			break;
		default:
			usage();
		}
	}
	if (email == NULL || role == NULL)
		usage();
	if (strcmp(role, "client") == 0 ? org == NULL : org != NULL) {
		fprintf(stderr,
		    "drivectl: a client needs --org; bank staff "
		    "take none\n");
		return (2);
	}

	conn = db_connect(DB_PORTAL);
	if (first) {
		res = PQexec(conn,
		    "SELECT 1 FROM users WHERE role = 'admin' "
		    "AND active");
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
			PQclear(res);
			PQfinish(conn);
			return (1);
		}
		c = PQntuples(res);
		PQclear(res);
		if (c > 0) {
			PQfinish(conn);
			return (0);
		}
		/* Only the newest first-admin link works. */
		if (!exec_ok(conn,
			"UPDATE invitations SET revoked_at = now() "
			"WHERE issued_by IS NULL AND role = 'admin' AND "
			"redeemed_at IS NULL AND revoked_at IS NULL")) {
			PQfinish(conn);
			return (1);
		}
	}

	if (RAND_bytes(raw, sizeof(raw)) != 1 ||
	    !EVP_Digest(raw, sizeof(raw), md, &mdlen, EVP_sha256(), NULL)) {
		fprintf(stderr, "drivectl: no randomness\n");
		PQfinish(conn);
		return (1);
	}
	hex_encode(raw, sizeof(raw), token);
	hex_encode(md, mdlen, hash);
	explicit_bzero(raw, sizeof(raw));

	params[0] = hash;
	params[1] = email;
	params[2] = role;
	params[3] = org;
	params[4] = days;
	res = PQexecParams(conn,
	    "SELECT id FROM invitation_create("
	    "decode($1, 'hex'), $2, $3, $4, NULL, NULL, $5::integer)",
	    5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
		rc = 1;
	} else {
		if ((base = getenv("DRIVE_BASE_URL")) == NULL || *base == '\0')
			base = "http://127.0.0.1:8888";
		if (first)
			printf("\nNo administrator yet. Invitation for %s "
			       "(valid %s days, shown once):\n",
			    email, days);
		printf("%s/invite/%s\n", base, token);
		if (first)
			printf("\n");
	}
	explicit_bzero(token, sizeof(token));
	PQclear(res);
	PQfinish(conn);
	return (rc);
}

/* ---- the audit chain ---- */

#define AUDIT_PROBLEMS_SHOWN 20

struct walk {
	int64_t	      entries; /* entries read */
	int64_t	      head;    /* id of the newest, 0: none */
	unsigned char head_hash[AUDIT_HASH_LEN];
	int	      problems;
};

static void
problem(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->problems++ >= AUDIT_PROBLEMS_SHOWN)
		return;
	printf("audit: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The anchor file: DRIVE_AUDIT_ANCHOR, or the local cluster's. */
static const char *
anchor_path(char *buf, size_t len)
{
	const char *p, *url;

	if ((p = getenv("DRIVE_AUDIT_ANCHOR")) != NULL && *p != '\0')
		return (p);
	url = getenv("DRIVE_DATABASE_URL");
	if (url == NULL || *url == '\0')
		return (checkout("var/audit.anchor", buf, len));
	return (NULL);
}

static int
anchor_cmp(const void *a, const void *b)
{
	const struct audit_anchor *x = a, *y = b;

	return (x->id < y->id ? -1 : x->id > y->id);
}

/*
 * Reads the anchors of PATH, sorted by id, into *OUT (caller frees).
 * A missing file holds none.  0 on a malformed line or a read error.
 */
static int
anchors_read(const char *path, struct audit_anchor **out, size_t *n)
{
	FILE		   *f;
	char		    line[256];
	struct audit_anchor a;
	int		    r, lineno = 0;

	*out = NULL;
	*n = 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return (1);
		fprintf(stderr, "drivectl: %s: %s\n", path, strerror(errno));
		return (0);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if ((r = audit_anchor_parse(line, &a)) == -1)
			continue;
		if (r == 0 || (strchr(line, '\n') == NULL && !feof(f))) {
			fprintf(stderr,
			    "drivectl: %s:%d: not an anchor "
			    "(\"<id> <sha-256> <time>\")\n",
			    path, lineno);
			fclose(f);
			free(*out);
			*out = NULL;
			*n = 0;
			return (0);
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = a;
	}
	fclose(f);
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), anchor_cmp);
	return (1);
}

/* Decodes PostgreSQL's hex bytea ("\x0a1b...") into OUT; its length. */
static ssize_t
bytea_decode(const char *s, unsigned char *out, size_t outlen)
{
	size_t len;

	if (strncmp(s, "\\x", 2) != 0)
		return (-1);
	len = strlen(s + 2);
	if (len % 2 != 0 || len / 2 > outlen ||
	    !hex_decode(s + 2, len, out, len / 2))
		return (-1);
	return ((ssize_t)(len / 2));
}

/*
 * Walks the chain from entry FROM on (0: from the start, whose first entry
 * must name no predecessor), recomputing each hash from the raw columns,
 * and holds it against the anchors A (sorted by id).  Each problem is
 * printed and counted in W.  0 when the log could not be read.
 */
static int
chain_walk(PGconn *conn, int64_t from, const struct audit_anchor *a, size_t na,
    struct walk *w)
{
	PGresult	  *res;
	struct audit_entry e;
	unsigned char	   prev[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
	unsigned char	   want[AUDIT_HASH_LEN], expect[AUDIT_HASH_LEN];
	ssize_t		   prevlen, hashlen, expectlen = 0;
	const char	  *params[1], *id;
	char		   fromstr[24];
	size_t		   ai = 0;
	int64_t		   n;
	int		   ok = 1, done = 0;

	memset(w, 0, sizeof(*w));
	/* Nothing of the session may shape what is read. */
	if (!exec_ok(conn,
		"SET search_path = pg_catalog; SET TimeZone = "
		"'UTC'; SET DateStyle = 'ISO, YMD'; SET bytea_output = 'hex'; "
		"SET client_encoding = 'UTF8'"))
		return (0);
	(void)snprintf(fromstr, sizeof(fromstr), "%" PRId64, from);
	params[0] = fromstr;
	if (!PQsendQueryParams(conn,
		"SELECT id, at, actor_id, action, "
		"target, address, details, prev_hash, hash FROM public.audit_log "
		"WHERE id >= $1::bigint ORDER BY id",
		1, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(conn)) {
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
		return (0);
	}
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_TUPLES_OK) {
			done = 1;
			PQclear(res);
			continue;
		}
		if (PQresultStatus(res) != PGRES_SINGLE_TUPLE) {
			fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
			PQclear(res);
			ok = 0;
			continue;
		}
		id = PQgetvalue(res, 0, 0);
		n = strtoll(id, NULL, 10);
		e.at = PQgetvalue(res, 0, 1);
		e.actor = PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2);
		e.action = PQgetvalue(res, 0, 3);
		e.target = PQgetisnull(res, 0, 4) ? NULL :
						    PQgetvalue(res, 0, 4);
		e.address = PQgetisnull(res, 0, 5) ? NULL :
						     PQgetvalue(res, 0, 5);
		e.details = PQgetvalue(res, 0, 6);
		prevlen = bytea_decode(PQgetvalue(res, 0, 7), prev,
		    sizeof(prev));
		hashlen = bytea_decode(PQgetvalue(res, 0, 8), hash,
		    sizeof(hash));

		if (prevlen >= 0 && (w->entries > 0 || from == 0) &&
		    (prevlen != expectlen ||
			memcmp(prev, expect, (size_t)prevlen) != 0))
			problem(w,
			    "entry %s is broken: the entry before it was "
			    "changed or removed",
			    id);
		if (prevlen < 0 || hashlen != AUDIT_HASH_LEN)
			problem(w,
			    "entry %s is broken: its hashes are not "
			    "hashes",
			    id);
		else if (!audit_hash(prev, (size_t)prevlen, &e, want))
			problem(w,
			    "entry %s is broken: its time or text "
			    "cannot be what the portal wrote",
			    id);
		else if (memcmp(want, hash, sizeof(hash)) != 0)
			problem(w,
			    "entry %s is broken: its content was "
			    "changed",
			    id);

		for (; ai < na && a[ai].id < n; ai++)
			problem(w,
			    "entry %" PRId64 " is missing: the anchor of "
			    "%s names it",
			    a[ai].id, a[ai].at);
		for (; ai < na && a[ai].id == n; ai++) {
			if (hashlen != AUDIT_HASH_LEN ||
			    memcmp(a[ai].hash, hash, sizeof(hash)) != 0)
				problem(w,
				    "entry %s does not match its anchor "
				    "of %s: the log was rewritten",
				    id, a[ai].at);
		}

		expectlen = hashlen < 0 ? 0 : hashlen;
		if (hashlen > 0)
			memcpy(expect, hash, (size_t)hashlen);
		w->entries++;
		w->head = n;
		if (hashlen == AUDIT_HASH_LEN)
			memcpy(w->head_hash, hash, sizeof(hash));
		PQclear(res);
	}
	if (!ok || !done)
		return (0);
	for (; ai < na; ai++)
		problem(w,
		    "entry %" PRId64 " is missing: the anchor of %s "
		    "names it, the log ends at entry %" PRId64 ": entries "
		    "were cut from the end",
		    a[ai].id, a[ai].at, w->head);
	return (1);
}

/*
 * verify: recomputes the whole chain and holds it against every anchor;
 * names each broken entry.  anchor: checks the chain from the newest
 * anchor on and appends the head to the anchor file.
 */
static int
cmd_audit(int argc, char **argv)
{
	PGconn		    *conn;
	struct audit_anchor *a = NULL, *last;
	struct walk	     w;
	const char	    *path;
	char		     buf[4096], hex[2 * AUDIT_HASH_LEN + 1], now[32];
	size_t		     na = 0;
	time_t		     t;
	struct tm	     tm;
	struct stat	     st;
	int		     fd, rc = 0, anchor;

	if (argc != 2 ||
	    (strcmp(argv[1], "verify") != 0 && strcmp(argv[1], "anchor") != 0))
		usage();
	anchor = strcmp(argv[1], "anchor") == 0;
	path = anchor_path(buf, sizeof(buf));
	if (anchor && path == NULL) {
		fprintf(stderr,
		    "drivectl: no anchor file: set "
		    "DRIVE_AUDIT_ANCHOR\n");
		return (2);
	}
	if (path != NULL && !anchors_read(path, &a, &na))
		return (1);
	last = na > 0 ? &a[na - 1] : NULL;

	conn = db_connect(DB_PORTAL);
	if (!chain_walk(conn, anchor && last ? last->id : 0, anchor ? last : a,
		anchor ? (last != NULL) : na, &w)) {
		rc = 1;
		goto done;
	}
	if (w.problems > 0) {
		if (w.problems > AUDIT_PROBLEMS_SHOWN)
			printf("audit: ... and %d more\n",
			    w.problems - AUDIT_PROBLEMS_SHOWN);
		printf("audit: %" PRId64 " entries read, %d problem%s: the "
		       "audit log was tampered with%s\n",
		    w.entries, w.problems, w.problems == 1 ? "" : "s",
		    anchor ? "; not anchored" : "");
		rc = 1;
		goto done;
	}

	if (!anchor) {
		printf("audit: %" PRId64 " entries, chain intact", w.entries);
		if (path == NULL)
			printf("; no anchor file (DRIVE_AUDIT_ANCHOR): entries "
			       "cut from the end would not be seen\n");
		else if (last == NULL)
			printf("; no anchor yet in %s\n", path);
		else
			printf("; %zu anchor%s hold, the newest (entry %" PRId64
			       ", %s) is followed by %" PRId64 " entries\n",
			    na, na == 1 ? "" : "s", last->id, last->at,
			    w.head - last->id);
		goto done;
	}

	if (w.head == 0 || (last != NULL && w.head == last->id)) {
		printf("audit: nothing new to anchor\n");
		goto done;
	}
	t = time(NULL);
	gmtime_r(&t, &tm);
	(void)strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	hex_encode(w.head_hash, sizeof(w.head_hash), hex);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		 0600)) == -1 ||
	    fstat(fd, &st) == -1 ||
	    (st.st_size == 0 &&
		dprintf(fd,
		    "# Drive's audit chain: the "
		    "newest entry as it was (drivectl audit anchor): id sha-256 "
		    "time\n") < 0) ||
	    dprintf(fd, "%" PRId64 " %s %s\n", w.head, hex, now) < 0 ||
	    fsync(fd) == -1) {
		fprintf(stderr, "drivectl: %s: %s\n", path, strerror(errno));
		rc = 1;
	} else
		printf("audit: anchored entry %" PRId64 " in %s\n", w.head,
		    path);
	if (fd != -1)
		close(fd);

done:
	free(a);
	PQfinish(conn);
	return (rc);
}
