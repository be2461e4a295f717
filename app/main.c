/*
 * Drive's Kore module: configuration from the environment, templates and
 * message catalogs loaded once per worker, and the seccomp additions that
 * Kore 4.1.0 lacks on Debian bookworm (see KORE-NOTES.md).
 */

#include "drive.h"

#include <kore/seccomp.h>

/*
 * newfstatat: stat() by libpq and the filemap; clone3 and rseq: a task
 * thread starting; faccessat2: static directories; getdents64: libpq
 * over TCP; madvise: glibc trimming the arena Argon2 used; gettid and
 * sched_getaffinity: the ASan runtime of make test's sanitizer run, on
 * every thread it sees start (glibc's raise() calls gettid too).
 */
KORE_SECCOMP_FILTER("drive",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(faccessat2),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(madvise),
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(sched_getaffinity)
);

struct tpl_set		*drive_templates;
struct i18n_cat		*drive_catalogs[I18N_LANG_MAX];
const char		*drive_base_url;

static const char *
env_or(const char *name, const char *fallback)
{
	const char	*v;

	v = getenv(name);
	return ((v != NULL && *v != '\0') ? v : fallback);
}

/*
 * The connection string Kore's pool uses: a dead server must fail fast,
 * not hang a worker (connect_timeout), and prepared statements keep one
 * plan (the queries that need a plan for their values are sent
 * unprepared; see db.c).  A statement waits at most DB_LOCK_TIMEOUT for
 * a lock and runs at most DB_STATEMENT_TIMEOUT, so that a held lock or a
 * runaway statement cannot keep a worker's few pooled connections: the
 * request gets a 503 instead (README: "Timeouts").  Works for key=value
 * strings and for URIs.
 */
#define DB_LOCK_TIMEOUT		"2s"
#define DB_STATEMENT_TIMEOUT	"30s"

static char *
conn_string(const char *url)
{
	struct kore_buf	*b;
	char		*s;
	int		 uri;

	uri = strncmp(url, "postgres://", 11) == 0 ||
	    strncmp(url, "postgresql://", 13) == 0;
	b = kore_buf_alloc(256);
	kore_buf_appendf(b, "%s", url);
	if (uri) {
		kore_buf_appendf(b, "%s", strchr(url, '?') ? "&" : "?");
		if (strstr(url, "connect_timeout") == NULL)
			kore_buf_appendf(b, "connect_timeout=2&");
		kore_buf_appendf(b,
		    "options=-c%%20plan_cache_mode%%3Dforce_generic_plan"
		    "%%20-c%%20lock_timeout%%3D" DB_LOCK_TIMEOUT
		    "%%20-c%%20statement_timeout%%3D" DB_STATEMENT_TIMEOUT);
	} else {
		if (strstr(url, "connect_timeout") == NULL)
			kore_buf_appendf(b, " connect_timeout=2");
		kore_buf_appendf(b,
		    " options='-c plan_cache_mode=force_generic_plan"
		    " -c lock_timeout=" DB_LOCK_TIMEOUT
		    " -c statement_timeout=" DB_STATEMENT_TIMEOUT "'");
	}
	s = kore_strdup(kore_buf_stringify(b, NULL));
	kore_buf_free(b);
	return (s);
}

int
drive_init(int state)
{
	static const char	*langs[I18N_LANG_MAX] = { "en", "de" };
	const char		*root, *url;
	char			 path[PATH_MAX], err[256], *conn;
	int			 i;

	if (state == KORE_MODULE_UNLOAD)
		return (KORE_RESULT_OK);

	root = env_or("DRIVE_ROOT", ".");
	drive_base_url = env_or("DRIVE_BASE_URL", "http://127.0.0.1:8888");

	(void)snprintf(path, sizeof(path), "%s/assets/templates", root);
	if ((drive_templates = tpl_load_dir(path, err, sizeof(err))) == NULL) {
		kore_log(LOG_ERR, "templates: %s", err);
		return (KORE_RESULT_ERROR);
	}
	for (i = 0; i < I18N_LANG_MAX; i++) {
		(void)snprintf(path, sizeof(path), "%s/assets/i18n/%s.txt",
		    root, langs[i]);
		if ((drive_catalogs[i] = i18n_load(path, err,
		    sizeof(err))) == NULL) {
			kore_log(LOG_ERR, "catalog: %s", err);
			return (KORE_RESULT_ERROR);
		}
	}

	if ((url = getenv("DRIVE_DATABASE_URL")) == NULL || *url == '\0') {
		kore_log(LOG_ERR, "DRIVE_DATABASE_URL is not set");
		return (KORE_RESULT_ERROR);
	}
	conn = conn_string(url);
	if (!kore_pgsql_register(DRIVE_DB, conn)) {
		kore_free(conn);
		return (KORE_RESULT_ERROR);
	}
	kore_free(conn);

	db_init();
	password_init();
	return (KORE_RESULT_OK);
}
