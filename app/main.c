/*
 * Drive's Kore module: configuration from the environment, templates and
 * message catalogs loaded once per worker, and the workers' seccomp
 * sandbox (see conf/KORE-NOTES.md).
 */

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>

#include "drive.h"

#include <kore/seccomp.h>

void kore_seccomp_hook(void);

/*
 * The worker's whole sandbox: every system call a worker and its task
 * threads make, and nothing else.  Kore 4.1.0 kills only the offending
 * thread (SECCOMP_RET_KILL); a worker whose event loop died while its
 * task threads lived on was a zombie the parent never restarted, and the
 * portal stopped answering.  This program ends in its own default,
 * SECCOMP_RET_KILL_PROCESS: any violation, on any thread, kills the whole
 * worker, the kernel logs it (audit type=1326), and the parent logs "died
 * from sandbox violation" and starts a new one.  It runs before Kore's
 * own filters ("pgsql", "task", "worker"), which are therefore never
 * reached, so it carries their rules too.
 *
 * The set was taken from strace -f of every test suite; the paths those
 * miss (the access log's wait, a large export) and a walk of every route
 * are in tests/e2e/sandbox.test.mjs, which runs them with seccomp_tracing
 * and fails on any violation Kore logs.
 */
static struct sock_filter filter_drive[] = {
	/*
	 * glibc's DNS resolver (getaddrinfo on libcurl's resolver thread,
	 * app/oidc.c) asks how many bytes an answer has: ioctl(FIONREAD)
	 * on its UDP socket, and only that ioctl (the rule before Kore's
	 * refusal of every other).
	 */
	KORE_SYSCALL_ALLOW_ARG(ioctl, 1, FIONREAD),
	/* Kore's "worker" filter (src/seccomp.c), its 64-bit Linux calls. */
	KORE_SYSCALL_DENY(ioctl, EACCES),
#if defined(SYS_open)
	KORE_SYSCALL_ALLOW(open),
#endif
	KORE_SYSCALL_ALLOW(read),
#if defined(SYS_stat)
	KORE_SYSCALL_ALLOW(stat),
#endif
#if defined(SYS_lstat)
	KORE_SYSCALL_ALLOW(lstat),
#endif
	KORE_SYSCALL_ALLOW(fstat), KORE_SYSCALL_ALLOW(write),
	KORE_SYSCALL_ALLOW(fcntl), KORE_SYSCALL_ALLOW(lseek),
	KORE_SYSCALL_ALLOW(close), KORE_SYSCALL_ALLOW(openat),
#if defined(SYS_access)
	KORE_SYSCALL_ALLOW(access),
#endif
	KORE_SYSCALL_ALLOW(writev), KORE_SYSCALL_ALLOW(getcwd),
#if defined(SYS_unlink)
	KORE_SYSCALL_ALLOW(unlink),
#endif
#if defined(SYS_readlink)
	KORE_SYSCALL_ALLOW(readlink),
#endif
	KORE_SYSCALL_ALLOW(exit), KORE_SYSCALL_ALLOW(kill),
	KORE_SYSCALL_ALLOW(getpid), KORE_SYSCALL_ALLOW(getuid),
	KORE_SYSCALL_ALLOW(geteuid), KORE_SYSCALL_ALLOW(exit_group),
	KORE_SYSCALL_ALLOW(nanosleep), KORE_SYSCALL_ALLOW(clock_nanosleep),
	KORE_SYSCALL_ALLOW(brk), KORE_SYSCALL_ALLOW(munmap),
	KORE_SYSCALL_DENY_WITH_FLAG(mmap, 2, PROT_EXEC | PROT_WRITE, EINVAL),
	KORE_SYSCALL_DENY_WITH_FLAG(mprotect, 2, PROT_EXEC, EINVAL),
	KORE_SYSCALL_ALLOW(mmap), KORE_SYSCALL_ALLOW(madvise),
	KORE_SYSCALL_ALLOW(mprotect),
#if defined(SYS_poll)
	KORE_SYSCALL_ALLOW(poll),
#endif
	KORE_SYSCALL_ALLOW(ppoll), KORE_SYSCALL_ALLOW(sendto),
	KORE_SYSCALL_ALLOW(accept), KORE_SYSCALL_ALLOW(sendfile),
	KORE_SYSCALL_ALLOW(recvfrom), KORE_SYSCALL_ALLOW(epoll_ctl),
	KORE_SYSCALL_ALLOW(setsockopt),
#if defined(SYS_epoll_wait)
	KORE_SYSCALL_ALLOW(epoll_wait),
#endif
	KORE_SYSCALL_ALLOW(epoll_pwait), KORE_SYSCALL_ALLOW(sigaltstack),
	KORE_SYSCALL_ALLOW(rt_sigreturn), KORE_SYSCALL_ALLOW(rt_sigaction),
	KORE_SYSCALL_ALLOW(rt_sigprocmask), KORE_SYSCALL_ALLOW(futex),
	KORE_SYSCALL_ALLOW(clock_gettime), KORE_SYSCALL_ALLOW(getrandom),

	/* Kore's "pgsql" filter: libpq's connection to PostgreSQL. */
	KORE_SYSCALL_ALLOW(connect), KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_INET),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_INET6),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_UNIX),
	KORE_SYSCALL_ALLOW(getsockopt), KORE_SYSCALL_ALLOW(getsockname),

	/* Kore's "task" filter: task threads and their channels. */
	KORE_SYSCALL_ALLOW(clone), KORE_SYSCALL_ALLOW(socketpair),
	KORE_SYSCALL_ALLOW(set_robust_list),

	/*
	 * What Kore 4.1.0 lacks on Debian bookworm (glibc 2.36, OpenSSL 3),
	 * each seen in a trace.  newfstatat: any stat(), libpq's ~/.pgpass,
	 * the templates, the access log's localtime(); clone3 and rseq: glibc
	 * starting a task thread; faccessat2: glibc's realpath() of a path
	 * ending in "/" (Kore's filemap, were one configured; kept, since a
	 * violation kills the worker and anyone can ask for such a path);
	 * getdents64: reading the templates' folder;
	 * getppid: the access log, once a worker has waited a second for room
	 * in its shared buffer (the parent drains it, and falls behind under
	 * load); mremap: realloc() of a block above glibc's mmap threshold
	 * (1 MiB, password.c), such as the buffer of a large CSV export.
	 */
	KORE_SYSCALL_ALLOW(newfstatat), KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(rseq), KORE_SYSCALL_ALLOW(faccessat2),
	KORE_SYSCALL_ALLOW(getdents64), KORE_SYSCALL_ALLOW(getppid),
	KORE_SYSCALL_ALLOW(mremap),
	/*
	 * gettid and sched_getaffinity: the ASan runtime of make test's
	 * sanitizer run, on every thread it sees start (glibc's raise()
	 * calls gettid too); sched_yield: its spin locks (a worker of the
	 * sanitizer run's sandbox tests, which run untraced, was killed
	 * for it).
	 */
	KORE_SYSCALL_ALLOW(gettid), KORE_SYSCALL_ALLOW(sched_getaffinity),
	KORE_SYSCALL_ALLOW(sched_yield),
	/*
	 * libcurl on a task thread, talking to the bank's identity provider
	 * (app/oidc.c), seen in strace -f of tests/e2e/sso.test.mjs
	 * (SSO_STRACE=1) and of libcurl resolving a name on a thread, once
	 * through /etc/hosts and once through DNS: getpeername, after each
	 * connect, for the addresses it reports; uname, glibc's resolver
	 * reading the host's name (/etc/hosts, resolv.conf's search);
	 * sendmmsg, the resolver sending the A and AAAA questions at once.
	 * The rest (socket, connect, poll, the resolver's own thread and its
	 * socketpair, nsswitch.conf, hosts and resolv.conf read with openat
	 * and newfstatat, recvfrom) is allowed above already.
	 */
	KORE_SYSCALL_ALLOW(getpeername), KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(sendmmsg),

	/* Everything else: set by kore_seccomp_hook(). */
	KORE_BPF_RET(SECCOMP_RET_KILL_PROCESS)
};

/*
 * Called by Kore in every process it sandboxes, before it builds the
 * program.  With seccomp_tracing on, a violation is traced (logged by
 * name by the parent, and allowed) instead of killing the worker.  The
 * key manager (TLS only, unused here) keeps Kore's narrower filter.
 */
void
kore_seccomp_hook(void)
{
	size_t last;

	if (worker != NULL && worker->id == KORE_WORKER_KEYMGR)
		return;
	last = KORE_FILTER_LEN(filter_drive) - 1;
	filter_drive[last].k = kore_seccomp_tracing ? SECCOMP_RET_TRACE :
						      SECCOMP_RET_KILL_PROCESS;
	if (!kore_seccomp_filter("drive", filter_drive,
		KORE_FILTER_LEN(filter_drive)))
		fatalx("seccomp: the drive filter was added twice");
}

struct tpl_set	*drive_templates;
struct i18n_cat *drive_catalogs[I18N_LANG_MAX];
const char	*drive_base_url;
const char	*drive_trusted_proxies;

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v;

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
#define DB_LOCK_TIMEOUT	     "2s"
#define DB_STATEMENT_TIMEOUT "30s"

static char *
conn_string(const char *url)
{
	struct kore_buf *b;
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
	static const char *langs[I18N_LANG_MAX] = { "en", "de" };
	const char	  *root, *url;
	char		   path[PATH_MAX], err[256], *conn;
	int		   i;

	if (state == KORE_MODULE_UNLOAD)
		return (KORE_RESULT_OK);

	root = env_or("DRIVE_ROOT", ".");
	drive_base_url = env_or("DRIVE_BASE_URL", "http://127.0.0.1:8888");
	/* Unset: no proxy is believed (X-Forwarded-For, -Proto ignored). */
	drive_trusted_proxies = env_or("DRIVE_TRUSTED_PROXIES", "");

	(void)snprintf(path, sizeof(path), "%s/assets/templates", root);
	if ((drive_templates = tpl_load_dir(path, err, sizeof(err))) == NULL) {
		kore_log(LOG_ERR, "templates: %s", err);
		return (KORE_RESULT_ERROR);
	}
	for (i = 0; i < I18N_LANG_MAX; i++) {
		(void)snprintf(path, sizeof(path), "%s/assets/i18n/%s.txt",
		    root, langs[i]);
		if ((drive_catalogs[i] = i18n_load(path, err, sizeof(err))) ==
		    NULL) {
			kore_log(LOG_ERR, "catalog: %s", err);
			return (KORE_RESULT_ERROR);
		}
	}

	(void)snprintf(path, sizeof(path), "%s/assets/static", root);
	if (!static_init(path))
		return (KORE_RESULT_ERROR);

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

	if (!second_factor_init(root))
		return (KORE_RESULT_ERROR);
	if (!oidc_init())
		return (KORE_RESULT_ERROR);
	db_init();
	password_init();
	return (KORE_RESULT_OK);
}
