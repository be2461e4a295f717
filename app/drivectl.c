/*
 * drivectl: what an operator does from a shell.
 *
 *   drivectl migrate [--sql DIR]
 *   drivectl invite --email E --role client|pm|admin [--org NAME] [--days N]
 *   drivectl invite --first-admin --email E
 *   drivectl audit verify
 *
 * The database is DRIVE_DATABASE_URL (a libpq connection string); when it
 * is not set, the local cluster that `make run` started for the checkout
 * drivectl was built in (its URL is in var/database.url).  The SQL files
 * are that checkout's sql/ unless --sql says otherwise.  The invitation
 * link is printed once; only its SHA-256 is stored.
 */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "drive.h"

static PGconn	*db_connect(void);
static const char *checkout(const char *, char *, size_t);
static int	 cmd_migrate(int, char **);
static int	 cmd_invite(int, char **);
static int	 cmd_audit(int, char **);
static int	 exec_ok(PGconn *, const char *);
static void	 usage(void);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: drivectl migrate [--sql DIR]\n"
	    "       drivectl invite --email E --role client|pm|admin "
	    "[--org NAME] [--days N]\n"
	    "       drivectl invite --first-admin --email E\n"
	    "       drivectl audit verify\n");
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
	char	 exe[4096], *slash;
	ssize_t	 n;
	int	 up;

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

static PGconn *
db_connect(void)
{
	const char	*url, *file;
	char		*local = NULL, path[4096];
	PGconn		*conn;

	if ((url = getenv("DRIVE_DATABASE_URL")) == NULL || *url == '\0') {
		file = checkout("var/database.url", path, sizeof(path));
		if (file == NULL || (local = file_read(file)) == NULL) {
			fprintf(stderr, "drivectl: DRIVE_DATABASE_URL is not set "
			    "and there is no local cluster (%s): start `make "
			    "run`, or set DRIVE_DATABASE_URL\n",
			    file ? file : "var/database.url");
			exit(1);
		}
		local[strcspn(local, "\n")] = '\0';
		url = local;
	}
	conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
		if (local != NULL)
			fprintf(stderr, "drivectl: the local cluster of `make "
			    "run` (%s) is not running: start `make run` first, "
			    "or set DRIVE_DATABASE_URL\n", path);
		exit(1);
	}
	free(local);
	PQsetNoticeProcessor(conn, quiet, NULL);
	return (conn);
}

static int
exec_ok(PGconn *conn, const char *sql)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
	PQclear(res);
	return (ok);
}


static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Applies every sql/NNN_name.sql not applied yet, in order, each in its
 * own transaction together with its record; an advisory lock keeps two
 * migrators apart.
 */
static int
cmd_migrate(int argc, char **argv)
{
	const char	*dir, *params[2];
	DIR		*d;
	struct dirent	*e;
	char		**names = NULL, path[4096], version[16], *sql;
	char		 sqldir[4096];
	size_t		 n = 0, i, len;
	PGconn		*conn;
	PGresult	*res;
	int		 applied = 0, rc = 0;

	if (argc == 3 && strcmp(argv[1], "--sql") == 0)
		dir = argv[2];
	else if (argc != 1)
		usage();
	else if ((dir = checkout("sql", sqldir, sizeof(sqldir))) == NULL)
		dir = "sql";

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "drivectl: %s: %s\n", dir, strerror(errno));
		return (1);
	}
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len < 8 || strcmp(e->d_name + len - 4, ".sql") != 0 ||
		    strspn(e->d_name, "0123456789") != 3 || e->d_name[3] != '_')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);

	conn = db_connect();
	if (!exec_ok(conn, "SELECT pg_advisory_lock(hashtext('drive.migrate'))")
	    || !exec_ok(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())")) {
		rc = 1;
		goto done;
	}

	for (i = 0; i < n; i++) {
		(void)snprintf(version, sizeof(version), "%d", atoi(names[i]));
		params[0] = version;
		res = PQexecParams(conn, "SELECT 1 FROM schema_migrations "
		    "WHERE version = $1::integer", 1, NULL, params, NULL, NULL,
		    0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
			PQclear(res);
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
		if (!exec_ok(conn, "BEGIN") || !exec_ok(conn, sql)) {
			fprintf(stderr, "drivectl: %s failed; nothing of it "
			    "was applied\n", names[i]);
			(void)exec_ok(conn, "ROLLBACK");
			free(sql);
			rc = 1;
			goto done;
		}
		free(sql);
		params[1] = names[i];
		res = PQexecParams(conn, "INSERT INTO schema_migrations "
		    "(version, name) VALUES ($1::integer, $2)", 2, NULL, params,
		    NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK ||
		    !exec_ok(conn, "COMMIT")) {
			fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
			PQclear(res);
			(void)exec_ok(conn, "ROLLBACK");
			rc = 1;
			goto done;
		}
		PQclear(res);
		printf("drivectl: applied %s\n", names[i]);
		applied++;
	}
	if (applied == 0)
		printf("drivectl: the schema is up to date\n");

done:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	PQfinish(conn);
	return (rc);
}

static int
cmd_invite(int argc, char **argv)
{
	static struct option	 opts[] = {
		{ "email", required_argument, NULL, 'e' },
		{ "role", required_argument, NULL, 'r' },
		{ "org", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'd' },
		{ "first-admin", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*email = NULL, *role = NULL, *org = NULL, *days = "7";
	const char	*base, *params[5];
	unsigned char	 raw[32], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	char		 token[65], hash[65];
	int		 c, first = 0, rc = 0;
	PGconn		*conn;
	PGresult	*res;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e': email = optarg; break;
		case 'r': role = optarg; break;
		case 'o': org = optarg; break;
		case 'd': days = optarg; break;
		case 'f': first = 1; role = "admin"; break;
		default: usage();
		}
	}
	if (email == NULL || role == NULL)
		usage();
	if (strcmp(role, "client") == 0 ? org == NULL : org != NULL) {
		fprintf(stderr, "drivectl: a client needs --org; bank staff "
		    "take none\n");
		return (2);
	}

	conn = db_connect();
	if (first) {
		res = PQexec(conn, "SELECT 1 FROM users WHERE role = 'admin' "
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
		if (!exec_ok(conn, "UPDATE invitations SET revoked_at = now() "
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
	res = PQexecParams(conn, "SELECT id FROM invitation_create("
	    "decode($1, 'hex'), $2, $3, $4, NULL, NULL, $5::integer)", 5, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
		rc = 1;
	} else {
		if ((base = getenv("DRIVE_BASE_URL")) == NULL || *base == '\0')
			base = "http://127.0.0.1:8888";
		if (first)
			printf("\nNo administrator yet. Invitation for %s "
			    "(valid %s days, shown once):\n", email, days);
		printf("%s/invite/%s\n", base, token);
		if (first)
			printf("\n");
	}
	explicit_bzero(token, sizeof(token));
	PQclear(res);
	PQfinish(conn);
	return (rc);
}

/*
 * Recomputes the hash chain: each entry must name the hash of the one
 * before it and hash to what it says.  Names the first broken entry.
 */
static int
cmd_audit(int argc, char **argv)
{
	PGconn		*conn;
	PGresult	*res;
	int		 i, n, rc = 0;

	if (argc != 2 || strcmp(argv[1], "verify") != 0)
		usage();

	conn = db_connect();
	res = PQexec(conn,
	    "SELECT id, prev_hash = coalesce(lag(hash) OVER (ORDER BY id),"
	    " '\\x'::bytea), hash = audit_entry_hash(prev_hash, at, actor_id,"
	    " action, target, address, details) FROM audit_log ORDER BY id");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "drivectl: %s", PQerrorMessage(conn));
		PQclear(res);
		PQfinish(conn);
		return (1);
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (PQgetvalue(res, i, 1)[0] != 't') {
			printf("audit: entry %s is broken: the entry before it "
			    "was changed or removed\n", PQgetvalue(res, i, 0));
			rc = 1;
			break;
		}
		if (PQgetvalue(res, i, 2)[0] != 't') {
			printf("audit: entry %s is broken: its content was "
			    "changed\n", PQgetvalue(res, i, 0));
			rc = 1;
			break;
		}
	}
	if (rc == 0)
		printf("audit: %d entries, chain intact\n", n);
	PQclear(res);
	PQfinish(conn);
	return (rc);
}
