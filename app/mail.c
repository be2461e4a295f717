/*
 * drive-mailer: sends the e-mails that the database queued in its
 * outbox (sql/003_desk.sql).
 *
 *   drive-mailer [--once]
 *
 * Its own process with one database connection, synchronous libpq and
 * libcurl's SMTP, one mail at a time.  A row is claimed ('sending') in a
 * committed statement of its own before the SMTP server hears of it,
 * and settled after: 'sent'; back to 'pending' with a doubling backoff
 * on a temporary error; 'failed' on a permanent one, after ATTEMPTS_MAX
 * attempts, or when what it tells of is gone.  A row found 'sending' at
 * start was interrupted between the two and becomes 'unknown', never
 * sent again: a crash may lose the one mail in flight, but no mail ever
 * goes out twice.
 *
 * It also queues the weekly digests (README, "Weekly digest"): holding
 * the lock, it calls digest_enqueue() when a period has ended (at start,
 * then once a period), which writes each person's digest and its outbox
 * row at most once a period however often it is called.  Its links to
 * unsubscribe are signed with a key derived from the portal's secret key
 * (DRIVE_SECRET_KEY, else DRIVE_ROOT/var/secret.key); without one, no
 * digest is queued (said at start).
 *
 * Environment: DRIVE_DATABASE_URL (required), DRIVE_SMTP_URL (unset:
 * .eml files in DRIVE_MAIL_DIR, default var/mail), DRIVE_MAIL_FROM,
 * DRIVE_BASE_URL, DRIVE_ROOT, DRIVE_MAIL_POLL_MS, DRIVE_MAIL_BACKOFF_MS,
 * DRIVE_SECRET_KEY, DRIVE_DIGEST_SECONDS (the period, 604800; 0: no
 * digests from this mailer).
 * --once queues the digests due, sends what is due and exits (tests,
 * cron).  SIGTERM and SIGINT let the mail in flight finish, then exit 0.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "drive.h"

/*
 * Rows claimed at a time.  Every claimed row is 'sending', and a crash
 * turns each of them 'unknown' (never sent), so a batch larger than the
 * one mail really in flight would strand the rest of it.
 */
#define CLAIM_BATCH    1
#define ATTEMPTS_MAX   8
#define BACKOFF_CAP_MS (3600L * 1000)
#define EXCERPT_CHARS  600
#define ERROR_MAX      400
/* How long --once waits for the database or another mailer's lock. */
#define ONCE_WAIT_MS   15000
#define SMTP_CONNECT_S 10L
#define SMTP_TOTAL_S   120L
#define DIGEST_SECONDS 604800L /* a week */
#define DIGEST_ITEMS   50      /* ideas a digest names at most */

#define LOCK_SQL "SELECT pg_try_advisory_lock(hashtext('drive.mailer'))"

struct config {
	const char *db_url;
	const char *smtp_url; /* NULL: .eml files in mail_dir */
	const char *mail_dir;
	char	   *from_name;
	char	   *from_addr;
	char	   *base_url; /* without a trailing '/' */
	const char *root;
	long	    poll_ms;
	long	    backoff_ms;
	long	    digest_seconds; /* 0: no digests */
	int	    once;
};

struct mailer {
	struct config	 cf;
	PGconn		*db;
	int		 locked;  /* holds the advisory lock */
	int		 started; /* took the lock once */
	int		 waiting_said;
	int		 down_said;	     /* said the database is away */
	struct i18n_cat *cat[I18N_LANG_MAX]; /* en, de */
	struct tpl_set	*tpl;
	unsigned char digest_key[FACTOR_KEY_LEN]; /* signs unsubscribe links */
	int	      digest_keyed;
	time_t	      digest_next; /* when digest_enqueue() is due */
};

struct row {
	int64_t id;
	int64_t user_id;
	char	kind[16];
	int64_t idea_id;   /* 0 when NULL */
	int64_t digest_id; /* 0 when NULL */
	json_t *payload;
	int	attempts; /* this one included */
	int64_t created;  /* epoch seconds */
};

/* What one mail needs, loaded from the database. */
struct letter {
	char		      *to_addr;
	char		      *to_name;
	const struct i18n_cat *cat;
	const char	      *subject_key;
	json_t		      *ctx;
	char		      *unsubscribe; /* List-Unsubscribe, or NULL */
};

enum outcome {
	O_SENT,
	O_RETRY,  /* temporary: again after the backoff */
	O_FAIL,	  /* permanent */
	O_RELEASE /* not tried (database trouble, stopping) */
};

enum load {
	L_OK,
	L_SKIP, /* nothing to send any more: O_FAIL with why */
	L_DB	/* the database failed: O_RELEASE */
};

enum delivery {
	D_OK,
	D_TEMP,
	D_PERM
};

static volatile sig_atomic_t stopping;

static void logmsg(const char *, ...) __attribute__((format(printf, 1, 2)));
static void logdb(const char *, PGconn *);
static int  fmt(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void	       onsignal(int);
static void	       nap(long);
static int	       config_load(struct config *, int, char **);
static long	       env_ms(const char *, long);
static void	       mkdirs(const char *);
static struct tpl_set *templates_load(const char *, char *, size_t);
static int	       keys_check(struct mailer *);
static int	       db_up(struct mailer *);
static PGresult	      *db_exec(struct mailer *, const char *, int,
	  const char	   *const *);
static int	       lock_take(struct mailer *);
static int	       claim(struct mailer *, struct row *, int *);
static void	       process(struct mailer *, struct row *);
static enum load       load(struct mailer *, struct row *, struct letter *,
	  const char **);
static enum load load_status(struct mailer *, struct row *, struct letter *,
    const char **);
static enum load load_comment(struct mailer *, struct row *, struct letter *,
    const char **);
static enum load load_merged(struct mailer *, struct row *, struct letter *,
    const char **);
static enum load load_digest(struct mailer *, struct row *, struct letter *,
    const char **);
static void	 digest_key_load(struct mailer *);
static void	 digest_due(struct mailer *);
static json_t	*digest_item(struct mailer *, const struct letter *, PGresult *,
      int);
static int	 compose(struct mailer *, struct row *, struct letter *,
	  struct dbuf *);
static enum delivery deliver_smtp(struct mailer *, const char *,
    const struct dbuf *, char *, size_t);
static enum delivery deliver_file(struct mailer *, const struct row *,
    const struct dbuf *, char *, size_t);
static void	     settle(struct mailer *, const struct row *, enum outcome,
	     const char *);
static long	     backoff(long, int);
static json_t	    *person_json(const struct i18n_cat *, const char *, int);
static char	    *quote(const char *);
static void	     tidy(struct dbuf *);
static const struct i18n_cat *mailer_de; /* the German catalog */
static void		      statuses_load(struct mailer *);
static const char *status_label(const struct i18n_cat *, const char *);
static const char *status_badge(const char *);
static void	   letter_free(struct letter *);

static void
logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("drive-mailer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* snprintf that tells whether everything fit. */
static int
fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int	n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return (n >= 0 && (size_t)n < len);
}

/* libpq's messages end in a newline and may span lines. */
static void
logdb(const char *what, PGconn *conn)
{
	char   msg[512];
	size_t len;

	(void)fmt(msg, sizeof(msg), "%s", PQerrorMessage(conn));
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	for (; len > 0; len--)
		if (msg[len - 1] == '\n' || msg[len - 1] == '\t')
			msg[len - 1] = ' ';
	logmsg("%s: %s", what, msg);
}

static void
onsignal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Sleeps, or less when a signal arrives (no SA_RESTART). */
static void
nap(long ms)
{
	if (!stopping)
		(void)poll(NULL, 0, ms > 60000 ? 60000 : (int)ms);
}

int
main(int argc, char *argv[])
{
	struct mailer	 m;
	struct sigaction sa;
	struct row	 rows[CLAIM_BATCH];
	char		 err[512], path[4096];
	int		 n, i, rc;
	long		 waited;

	memset(&m, 0, sizeof(m));
	if (!config_load(&m.cf, argc, argv))
		return (2);

	if (!fmt(path, sizeof(path), "%s/assets/i18n/en.txt", m.cf.root))
		path[0] = '\0';
	rc = 1;
	if ((m.cat[0] = i18n_load(path, err, sizeof(err))) == NULL) {
		logmsg("%s", err);
		goto done;
	}
	if (!fmt(path, sizeof(path), "%s/assets/i18n/de.txt", m.cf.root))
		path[0] = '\0';
	if ((m.cat[1] = i18n_load(path, err, sizeof(err))) == NULL) {
		logmsg("%s", err);
		goto done;
	}
	mailer_de = m.cat[1];
	if (!fmt(path, sizeof(path), "%s/assets/mail", m.cf.root))
		path[0] = '\0';
	if ((m.tpl = templates_load(path, err, sizeof(err))) == NULL) {
		logmsg("%s", err);
		goto done;
	}
	/* A missing message would fail every mail: refuse to start. */
	if (!keys_check(&m))
		goto done;
	digest_key_load(&m);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsignal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		logmsg("curl_global_init failed");
		goto done;
	}
	if (m.cf.smtp_url == NULL) {
		mkdirs(m.cf.mail_dir);
		logmsg("DRIVE_SMTP_URL is not set: mails are written to %s "
		       "as .eml files",
		    m.cf.mail_dir);
	}

	rc = 0;
	waited = 0;
	while (!stopping) {
		if (db_up(&m) && lock_take(&m))
			digest_due(&m);
		if (!db_up(&m) || !lock_take(&m) || !claim(&m, rows, &n)) {
			if (m.cf.once && waited >= ONCE_WAIT_MS) {
				logmsg("--once: gave up waiting for the "
				       "database or the mailer lock");
				rc = 1;
				break;
			}
			nap(m.cf.poll_ms);
			waited += m.cf.poll_ms;
			continue;
		}
		if (n == 0) {
			if (m.cf.once)
				break;
			nap(m.cf.poll_ms);
			continue;
		}
		for (i = 0; i < n; i++) {
			/* Finish the mail in flight, hand back the rest. */
			if (stopping)
				settle(&m, &rows[i], O_RELEASE, NULL);
			else
				process(&m, &rows[i]);
			json_decref(rows[i].payload);
		}
	}
	if (stopping)
		logmsg("stopping");
	curl_global_cleanup();
done:
	if (m.db != NULL)
		PQfinish(m.db);
	tpl_free(m.tpl);
	i18n_free(m.cat[0]);
	i18n_free(m.cat[1]);
	free(m.cf.from_name);
	free(m.cf.from_addr);
	free(m.cf.base_url);
	return (rc);
}

static long
env_ms(const char *name, long def)
{
	const char *s;
	char	   *end;
	long	    v;

	if ((s = getenv(name)) == NULL || *s == '\0')
		return (def);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > BACKOFF_CAP_MS) {
		logmsg("%s=%s is not a number of milliseconds; using %ld", name,
		    s, def);
		return (def);
	}
	return (v);
}

static int
config_load(struct config *cf, int argc, char **argv)
{
	const char *s, *from;
	char	   *end;
	size_t	    len;
	int	    i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			cf->once = 1;
		else {
			fprintf(stderr, "usage: drive-mailer [--once]\n");
			return (0);
		}
	}
	if ((cf->db_url = getenv("DRIVE_DATABASE_URL")) == NULL ||
	    *cf->db_url == '\0') {
		logmsg("DRIVE_DATABASE_URL is not set");
		return (0);
	}
	if ((cf->smtp_url = getenv("DRIVE_SMTP_URL")) != NULL &&
	    *cf->smtp_url == '\0')
		cf->smtp_url = NULL;
	if ((cf->mail_dir = getenv("DRIVE_MAIL_DIR")) == NULL ||
	    *cf->mail_dir == '\0')
		cf->mail_dir = "var/mail";
	if ((from = getenv("DRIVE_MAIL_FROM")) == NULL || *from == '\0')
		from = "Drive <drive@localhost>";
	if (!mime_split_address(from, &cf->from_name, &cf->from_addr)) {
		logmsg("DRIVE_MAIL_FROM=%s: no usable address", from);
		return (0);
	}
	if ((s = getenv("DRIVE_BASE_URL")) == NULL || *s == '\0')
		s = "http://127.0.0.1:8888";
	cf->base_url = xstrdup(s);
	len = strlen(cf->base_url);
	while (len > 0 && cf->base_url[len - 1] == '/')
		cf->base_url[--len] = '\0';
	if ((cf->root = getenv("DRIVE_ROOT")) == NULL || *cf->root == '\0')
		cf->root = ".";
	cf->poll_ms = env_ms("DRIVE_MAIL_POLL_MS", 1000);
	cf->backoff_ms = env_ms("DRIVE_MAIL_BACKOFF_MS", 30000);
	cf->digest_seconds = DIGEST_SECONDS;
	if ((s = getenv("DRIVE_DIGEST_SECONDS")) != NULL && *s != '\0') {
		errno = 0;
		cf->digest_seconds = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || cf->digest_seconds < 0 ||
		    (cf->digest_seconds > 0 && cf->digest_seconds < 60) ||
		    cf->digest_seconds > 366L * 86400) {
			logmsg("DRIVE_DIGEST_SECONDS=%s is not 0 or a number "
			       "of seconds from 60 to a year",
			    s);
			return (0);
		}
	}
	return (1);
}

/* mkdir -p, so that the default var/mail works in a fresh checkout. */
static void
mkdirs(const char *dir)
{
	char *p, *s;

	s = xstrdup(dir);
	for (p = s + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(s, 0750);
		*p = '/';
	}
	if (mkdir(s, 0750) == -1 && errno != EEXIST)
		logmsg("%s: %s", s, strerror(errno));
	free(s);
}

/*
 * The HTML templates (*.html, escaping) and, under their file names,
 * the text templates (*.txt, for tpl_render_text) of assets/mail.
 */
static struct tpl_set *
templates_load(const char *dir, char *err, size_t errlen)
{
	static const char *kinds[] = { "status", "comment", "merged",
		"digest" };
	struct tpl_set	  *set;
	DIR		  *d;
	struct dirent	  *de;
	char		   path[4096], name[64], *src;
	size_t		   i, len;
	int		   ok;

	if ((set = tpl_load_dir(dir, err, errlen)) == NULL)
		return (NULL);
	if ((d = opendir(dir)) == NULL) {
		(void)fmt(err, errlen, "%s: %s", dir, strerror(errno));
		tpl_free(set);
		return (NULL);
	}
	ok = 1;
	while (ok && (de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 4 ||
		    strcmp(de->d_name + len - 4, ".txt") != 0)
			continue;
		if (!fmt(path, sizeof(path), "%s/%s", dir, de->d_name) ||
		    (src = file_read(path)) == NULL) {
			(void)fmt(err, errlen, "%s: %s", path, strerror(errno));
			ok = 0;
			break;
		}
		ok = tpl_add_string(set, de->d_name, src, err, errlen);
		free(src);
	}
	closedir(d);
	for (i = 0; ok && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		(void)fmt(name, sizeof(name), "%s.txt", kinds[i]);
		if (!tpl_exists(set, kinds[i]) || !tpl_exists(set, name)) {
			(void)fmt(err, errlen,
			    "%s: %s.html or %s.txt "
			    "is missing",
			    dir, kinds[i], kinds[i]);
			ok = 0;
		}
	}
	if (!ok) {
		tpl_free(set);
		return (NULL);
	}
	return (set);
}

static int
keys_check(struct mailer *m)
{
	static const char *langs[] = { "en", "de" };
	static const char *keys[] = { "bank", "mail.subject.status_author",
		"mail.subject.status_voter", "mail.subject.answer_voter",
		"mail.subject.comment", "mail.subject.merged_author",
		"mail.subject.merged_voter", "mail.subject.digest",
		"mail.digest.heading" };
	const char	  *k;
	size_t		   i;
	int		   l, ok;

	ok = 1;
	for (l = 0; l < I18N_LANG_MAX; l++) {
		for (i = 0; (k = tpl_message_key_at(m->tpl, i)) != NULL; i++)
			if (i18n_get(m->cat[l], k) == NULL) {
				logmsg("message %s is missing from the %s "
				       "catalog",
				    k, langs[l]);
				ok = 0;
			}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (i18n_get(m->cat[l], keys[i]) == NULL) {
				logmsg("message %s is missing from the %s "
				       "catalog",
				    keys[i], langs[l]);
				ok = 0;
			}
	}
	return (ok);
}

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Connects when there is no good connection; 1 when there is one. */
static int
db_up(struct mailer *m)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *vals[] = { m->cf.db_url, "drive-mailer", NULL };

	if (m->db != NULL && PQstatus(m->db) == CONNECTION_OK)
		return (1);
	if (m->db != NULL) {
		logmsg("lost the database; reconnecting");
		PQfinish(m->db);
	}
	m->locked = 0;
	/* The URL's own settings win but application_name. */
	m->db = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(m->db) != CONNECTION_OK) {
		/* Once, not every poll while it is away. */
		if (!m->down_said)
			logdb("cannot reach the database (will keep trying)",
			    m->db);
		m->down_said = 1;
		PQfinish(m->db);
		m->db = NULL;
		return (0);
	}
	if (m->down_said)
		logmsg("the database is back");
	m->down_said = 0;
	PQsetNoticeProcessor(m->db, quiet, NULL);
	return (1);
}

/* One parameterised statement; NULL (logged) when it failed. */
static PGresult *
db_exec(struct mailer *m, const char *sql, int n, const char * const *params)
{
	PGresult      *res;
	ExecStatusType st;

	if (m->db == NULL)
		return (NULL);
	res = PQexecParams(m->db, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return (res);
	logdb("database", m->db);
	PQclear(res);
	return (NULL);
}

/*
 * One mailer at a time, by a session advisory lock: only then is a row
 * left 'sending' certain to be a dead mailer's, to be marked 'unknown'.
 * Another mailer waits here as a standby.  (Two mailers sending at once
 * would still send no mail twice, thanks to SKIP LOCKED and the
 * "AND status = 'sending'" of every settling statement.)
 */
static int
lock_take(struct mailer *m)
{
	PGresult *res;
	int	  got;

	if (m->locked)
		return (1);
	if ((res = db_exec(m, LOCK_SQL, 0, NULL)) == NULL)
		return (0);
	got = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!got) {
		if (!m->waiting_said)
			logmsg("another drive-mailer holds the lock; waiting");
		m->waiting_said = 1;
		return (0);
	}
	m->waiting_said = 0;
	res = db_exec(m,
	    "UPDATE outbox SET status = 'unknown', last_error = "
	    "'interrupted while sending; not sent again' "
	    "WHERE status = 'sending'",
	    0, NULL);
	if (res == NULL) {
		/* Without the recovery no claim: let the lock go too. */
		PQclear(db_exec(m,
		    "SELECT pg_advisory_unlock("
		    "hashtext('drive.mailer'))",
		    0, NULL));
		return (0);
	}
	logmsg("%s (%s); %s mail(s) left 'sending' by an interrupted run "
	       "marked 'unknown'",
	    m->started ? "sending again" : "started",
	    m->cf.smtp_url != NULL ? "SMTP" : "files", PQcmdTuples(res));
	PQclear(res);
	m->locked = 1;
	m->started = 1;
	return (1);
}

/*
 * Claims due rows in one committed statement; 0 on a database error,
 * else 1 with their number in *n, in id order.
 */
static int
claim(struct mailer *m, struct row *rows, int *n)
{
	char	     limit[16];
	const char  *p[1];
	PGresult    *res;
	json_error_t jerr;
	struct row  *r, t;
	int	     i, j, k;

	*n = 0;
	(void)snprintf(limit, sizeof(limit), "%d", CLAIM_BATCH);
	p[0] = limit;
	res = db_exec(m,
	    "UPDATE outbox SET status = 'sending', "
	    "claimed_at = now(), attempts = attempts + 1 "
	    "WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' "
	    "AND next_attempt_at <= now() ORDER BY id LIMIT $1::integer "
	    "FOR UPDATE SKIP LOCKED) "
	    "RETURNING id, user_id, kind, coalesce(idea_id, 0), "
	    "payload::text, attempts, "
	    "floor(extract(epoch FROM created_at))::bigint, coalesce(digest_id, 0)",
	    1, p);
	if (res == NULL)
		return (0);
	k = PQntuples(res);
	for (i = 0; i < k && i < CLAIM_BATCH; i++) {
		r = &rows[i];
		memset(r, 0, sizeof(*r));
		r->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		r->user_id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		(void)snprintf(r->kind, sizeof(r->kind), "%s",
		    PQgetvalue(res, i, 2));
		r->idea_id = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		r->payload = json_loads(PQgetvalue(res, i, 4), 0, &jerr);
		if (!json_is_object(r->payload)) {
			json_decref(r->payload);
			r->payload = json_object();
		}
		r->attempts = atoi(PQgetvalue(res, i, 5));
		r->created = strtoll(PQgetvalue(res, i, 6), NULL, 10);
		r->digest_id = strtoll(PQgetvalue(res, i, 7), NULL, 10);
	}
	PQclear(res);
	*n = i;
	if (*n > 0)
		statuses_load(m);
	/* RETURNING has no order. */
	for (i = 1; i < *n; i++) {
		t = rows[i];
		for (j = i; j > 0 && rows[j - 1].id > t.id; j--)
			rows[j] = rows[j - 1];
		rows[j] = t;
	}
	return (1);
}

static void
process(struct mailer *m, struct row *r)
{
	struct letter l;
	struct dbuf   msg;
	const char   *why;
	char	      err[ERROR_MAX];
	enum delivery d;

	memset(&l, 0, sizeof(l));
	dbuf_init(&msg);
	why = NULL;
	switch (load(m, r, &l, &why)) {
	case L_DB:
		/*
		 * Lost the database: not this mail's fault, hand it back.
		 * A failing statement on a good connection would fail again
		 * at once: back off as after an SMTP error.
		 */
		if (m->db != NULL && PQstatus(m->db) == CONNECTION_OK &&
		    r->attempts < ATTEMPTS_MAX)
			settle(m, r, O_RETRY, "database error while loading");
		else if (m->db != NULL && PQstatus(m->db) == CONNECTION_OK)
			settle(m, r, O_FAIL, "database error while loading");
		else
			settle(m, r, O_RELEASE, NULL);
		goto out;
	case L_SKIP:
		settle(m, r, O_FAIL, why);
		goto out;
	case L_OK:
		break;
	}
	if (!compose(m, r, &l, &msg)) {
		settle(m, r, O_FAIL, "could not compose the mail");
		goto out;
	}
	err[0] = '\0';
	if (m->cf.smtp_url != NULL)
		d = deliver_smtp(m, l.to_addr, &msg, err, sizeof(err));
	else
		d = deliver_file(m, r, &msg, err, sizeof(err));
	if (d == D_OK)
		settle(m, r, O_SENT, NULL);
	else if (d == D_TEMP && r->attempts < ATTEMPTS_MAX)
		settle(m, r, O_RETRY, err);
	else
		settle(m, r, O_FAIL, err);
out:
	letter_free(&l);
	dbuf_free(&msg);
}

static void
letter_free(struct letter *l)
{
	free(l->to_addr);
	free(l->to_name);
	free(l->unsubscribe);
	json_decref(l->ctx);
}

/*
 * The recipient, the idea and what the kind of mail tells.  Nothing is
 * read that a mail must not show: no organisation, no address but the
 * recipient's.
 */
static enum load
load(struct mailer *m, struct row *r, struct letter *l, const char **why)
{
	char	    uid[32], iid[32], url[1024];
	const char *p[2], *lang;
	PGresult   *res;
	enum load   rc;
	int	    de, digest;

	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->user_id);
	(void)snprintf(iid, sizeof(iid), "%lld", (long long)r->idea_id);
	p[0] = uid;
	p[1] = iid;
	res = db_exec(m,
	    "SELECT u.email, u.display_name, "
	    "coalesce(u.lang, 'en'), u.active AND u.email_notifications, "
	    "i.title, i.author_id = u.id, u.active AND u.digest "
	    "FROM users u LEFT JOIN ideas i ON i.id = $2::bigint "
	    "WHERE u.id = $1::bigint",
	    2, p);
	if (res == NULL)
		return (L_DB);
	if (PQntuples(res) != 1) {
		PQclear(res);
		*why = "gone: no such recipient";
		return (L_SKIP);
	}
	/*
	 * Who turned e-mail (or the digest) off after the row was queued
	 * hears no more.  A digest has its own setting and no one idea.
	 */
	digest = strcmp(r->kind, "digest") == 0;
	if (strcmp(PQgetvalue(res, 0, digest ? 6 : 3), "t") != 0) {
		PQclear(res);
		*why = digest ? "recipient inactive or digest turned off" :
				"recipient inactive or e-mail turned off";
		return (L_SKIP);
	}
	if (!digest && PQgetisnull(res, 0, 4)) {
		PQclear(res);
		*why = "gone: no such idea";
		return (L_SKIP);
	}
	lang = PQgetvalue(res, 0, 2);
	de = strcmp(lang, "de") == 0;
	l->cat = m->cat[de ? 1 : 0];
	l->to_addr = xstrdup(PQgetvalue(res, 0, 0));
	l->to_name = xstrdup(PQgetvalue(res, 0, 1));
	l->ctx = json_object();
	json_object_set_new(l->ctx, "lang", json_string(de ? "de" : "en"));
	json_object_set_new(l->ctx, "name", json_string(l->to_name));
	json_object_set_new(l->ctx, "title",
	    json_string(PQgetvalue(res, 0, 4)));
	json_object_set_new(l->ctx, "is_author",
	    json_boolean(strcmp(PQgetvalue(res, 0, 5), "t") == 0));
	PQclear(res);
	(void)snprintf(url, sizeof(url), "%s/ideas/%s", m->cf.base_url, iid);
	json_object_set_new(l->ctx, "idea_url", json_string(url));
	(void)snprintf(url, sizeof(url), "%s/profile", m->cf.base_url);
	json_object_set_new(l->ctx, "profile_url", json_string(url));

	if (strcmp(r->kind, "status") == 0)
		rc = load_status(m, r, l, why);
	else if (strcmp(r->kind, "comment") == 0)
		rc = load_comment(m, r, l, why);
	else if (strcmp(r->kind, "merged") == 0)
		rc = load_merged(m, r, l, why);
	else if (digest)
		rc = load_digest(m, r, l, why);
	else {
		*why = "unknown kind";
		rc = L_SKIP;
	}
	return (rc);
}

/*
 * The statuses an admin added, with their names (016): loaded for every
 * batch claimed, so that a mail names a status as the portal does.
 * Without them (an older schema, a failed statement) the built-in ones.
 */
static void
statuses_load(struct mailer *m)
{
	const char *keys[STATUS_MAX], *groups[STATUS_MAX];
	const char *en[STATUS_MAX], *de[STATUS_MAX];
	int	    builtin[STATUS_MAX], i, n;
	PGresult   *res;

	res = db_exec(m,
	    "SELECT s.key, s.grp, s.builtin, coalesce(s.name_en, ''),"
	    " coalesce(s.name_de, '') FROM idea_statuses s"
	    " ORDER BY CASE s.grp WHEN 'open' THEN 0 WHEN 'committed' THEN 1"
	    " ELSE 2 END, s.position, s.key",
	    0, NULL);
	if (res == NULL)
		return;
	n = PQntuples(res);
	for (i = 0; i < n && i < STATUS_MAX; i++) {
		keys[i] = PQgetvalue(res, i, 0);
		groups[i] = PQgetvalue(res, i, 1);
		builtin[i] = PQgetvalue(res, i, 2)[0] == 't';
		en[i] = PQgetvalue(res, i, 3);
		de[i] = PQgetvalue(res, i, 4);
	}
	if (!status_catalog_load(n, keys, groups, builtin, en, de))
		logmsg("idea_statuses: %d rows not loaded", n);
	PQclear(res);
}

static const char *
status_label(const struct i18n_cat *cat, const char *status)
{
	char	    key[64];
	const char *s;

	if ((s = status_custom_name(status_find(status),
		 cat == mailer_de ? "de" : "en")) != NULL)
		return (s);
	(void)snprintf(key, sizeof(key), "status.%s", status);
	if ((s = i18n_get(cat, key)) == NULL)
		return (status);
	return (s);
}

/*
 * The colours of a status badge as the portal shows it (.s-* in
 * assets/static/drive.css), inline: mail programs drop style sheets.
 */
static const char *
status_badge(const char *status)
{
	static const struct {
		const char *status;
		const char *style;
	} badges[] = {
		{ "under_review", "background:#e3ecfb;color:#0b3d91" },
		{ "planned", "background:#ebe8fb;color:#3b2f9e" },
		{ "in_progress", "background:#fdf0d5;color:#6e4200" },
		{ "released", "background:#e1f3e6;color:#1c5e2f" },
		{ "declined", "background:#f7e4df;color:#8a2f1a" },
	};
	size_t i;

	for (i = 0; i < sizeof(badges) / sizeof(badges[0]); i++) {
		if (strcmp(badges[i].status, status) == 0)
			return (badges[i].style);
	}
	return ("background:#eceef2;color:#3a4150");
}

/* {name, bank, label}: "Name (Bank)" for the bank's staff. */
static json_t *
person_json(const struct i18n_cat *cat, const char *name, int bank)
{
	char label[256];

	if (bank)
		(void)snprintf(label, sizeof(label), "%s (%s)", name,
		    i18n_get(cat, "bank"));
	else
		(void)snprintf(label, sizeof(label), "%s", name);
	return (json_pack("{s:s, s:b, s:s}", "name", name, "bank", bank,
	    "label", label));
}

static enum load
load_status(struct mailer *m, struct row *r, struct letter *l, const char **why)
{
	json_t	   *ctx = l->ctx;
	const char *from, *to, *p[2], *body;
	char	    rid[32], iid[32], *html, *q;
	PGresult   *res;
	int	    changed;

	from = json_string_value(json_object_get(r->payload, "from"));
	to = json_string_value(json_object_get(r->payload, "to"));
	if (from == NULL || to == NULL ||
	    !json_is_integer(json_object_get(r->payload, "response_id"))) {
		*why = "payload lacks from, to or response_id";
		return (L_SKIP);
	}
	(void)snprintf(rid, sizeof(rid), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(r->payload, "response_id")));
	(void)snprintf(iid, sizeof(iid), "%lld", (long long)r->idea_id);
	p[0] = rid;
	p[1] = iid;
	res = db_exec(m,
	    "SELECT r.body, a.display_name, a.role <> 'client' "
	    "FROM responses r JOIN users a ON a.id = r.author_id "
	    "WHERE r.id = $1::bigint AND r.idea_id = $2::bigint",
	    2, p);
	if (res == NULL)
		return (L_DB);
	if (PQntuples(res) != 1) {
		PQclear(res);
		*why = "gone: no such response";
		return (L_SKIP);
	}
	changed = strcmp(from, to) != 0;
	body = PQgetvalue(res, 0, 0);
	json_object_set_new(ctx, "from_label",
	    json_string(status_label(l->cat, from)));
	json_object_set_new(ctx, "to_label",
	    json_string(status_label(l->cat, to)));
	json_object_set_new(ctx, "to_badge", json_string(status_badge(to)));
	json_object_set_new(ctx, "changed", json_boolean(changed));
	json_object_set_new(ctx, "responder",
	    person_json(l->cat, PQgetvalue(res, 0, 1),
		strcmp(PQgetvalue(res, 0, 2), "t") == 0));
	json_object_set_new(ctx, "has_response", json_boolean(*body != '\0'));
	html = mime_md_html(body);
	json_object_set_new(ctx, "response_html", json_string(html));
	free(html);
	q = quote(body);
	json_object_set_new(ctx, "response_quoted", json_string(q));
	free(q);
	PQclear(res);
	if (json_is_true(json_object_get(ctx, "is_author")))
		l->subject_key = "mail.subject.status_author";
	else if (changed)
		l->subject_key = "mail.subject.status_voter";
	else
		l->subject_key = "mail.subject.answer_voter";
	return (L_OK);
}

static enum load
load_comment(struct mailer *m, struct row *r, struct letter *l,
    const char **why)
{
	json_t	   *ctx = l->ctx;
	const char *p[2];
	char	    cid[32], iid[32], url[1100], *ex, *html, *q;
	PGresult   *res;

	if (!json_is_integer(json_object_get(r->payload, "comment_id"))) {
		*why = "payload lacks comment_id";
		return (L_SKIP);
	}
	(void)snprintf(cid, sizeof(cid), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(r->payload, "comment_id")));
	(void)snprintf(iid, sizeof(iid), "%lld", (long long)r->idea_id);
	p[0] = cid;
	p[1] = iid;
	res = db_exec(m,
	    "SELECT c.body, a.display_name, a.role <> 'client', "
	    "c.hidden_at IS NOT NULL "
	    "FROM comments c JOIN users a ON a.id = c.author_id "
	    "WHERE c.id = $1::bigint AND c.idea_id = $2::bigint",
	    2, p);
	if (res == NULL)
		return (L_DB);
	/* Deleted by its author, or hidden by the bank: not to be sent. */
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		PQclear(res);
		*why = "gone";
		return (L_SKIP);
	}
	json_object_set_new(ctx, "commenter",
	    person_json(l->cat, PQgetvalue(res, 0, 1),
		strcmp(PQgetvalue(res, 0, 2), "t") == 0));
	ex = mime_excerpt(PQgetvalue(res, 0, 0), EXCERPT_CHARS);
	PQclear(res);
	html = mime_md_html(ex);
	json_object_set_new(ctx, "comment_html", json_string(html));
	free(html);
	q = quote(ex);
	json_object_set_new(ctx, "comment_quoted", json_string(q));
	free(q);
	free(ex);
	(void)snprintf(url, sizeof(url), "%s#comment-%s",
	    json_string_value(json_object_get(ctx, "idea_url")), cid);
	json_object_set_new(ctx, "comment_url", json_string(url));
	l->subject_key = "mail.subject.comment";
	return (L_OK);
}

static enum load
load_merged(struct mailer *m, struct row *r, struct letter *l, const char **why)
{
	json_t *into_id, *into_title;
	char	url[1100];

	into_id = json_object_get(r->payload, "into_id");
	into_title = json_object_get(r->payload, "into_title");
	if (!json_is_integer(into_id) || !json_is_string(into_title)) {
		*why = "payload lacks into_id or into_title";
		return (L_SKIP);
	}
	(void)snprintf(url, sizeof(url), "%s/ideas/%" JSON_INTEGER_FORMAT,
	    m->cf.base_url, json_integer_value(into_id));
	json_object_set_new(l->ctx, "into",
	    json_pack("{s:I, s:O, s:s}", "id", json_integer_value(into_id),
		"title", into_title, "url", url));
	l->subject_key = json_is_true(json_object_get(l->ctx, "is_author")) ?
	    "mail.subject.merged_author" :
	    "mail.subject.merged_voter";
	return (L_OK);
}

/*
 * The key that signs the digest's unsubscribe links: derived from the
 * portal's secret key (as Kore reads it: DRIVE_SECRET_KEY, else
 * DRIVE_ROOT/var/secret.key), which is wiped at once; only the derived
 * key stays, which opens no second factor.
 */
static void
digest_key_load(struct mailer *m)
{
	unsigned char key[FACTOR_KEY_LEN];
	const char   *hex;
	char	      path[4096], *file = NULL, *nl;
	int	      ok;

	if (m->cf.digest_seconds == 0) {
		logmsg("DRIVE_DIGEST_SECONDS=0: no weekly digests from this "
		       "mailer");
		return;
	}
	if ((hex = getenv("DRIVE_SECRET_KEY")) == NULL || *hex == '\0') {
		if (!fmt(path, sizeof(path), "%s/var/secret.key", m->cf.root) ||
		    (file = file_read(path)) == NULL) {
			logmsg("no DRIVE_SECRET_KEY and no %s/var/secret.key: "
			       "no weekly digests (their unsubscribe links "
			       "need the key)",
			    m->cf.root);
			return;
		}
		if ((nl = strchr(file, '\n')) != NULL)
			*nl = '\0';
		hex = file;
	}
	ok = factor_key_parse(hex, key);
	if (file != NULL) {
		explicit_bzero(file, strlen(file));
		free(file);
	}
	if (!ok) {
		logmsg("the secret key is not 64 hex digits: no weekly "
		       "digests");
		return;
	}
	factor_digest_key(key, m->digest_key);
	explicit_bzero(key, sizeof(key));
	m->digest_keyed = 1;
}

/*
 * Queues the digests of the period that ended, when one did since the
 * last call (the first call: at once).  digest_enqueue() is idempotent,
 * so a restart or a second mailer calling it again sends nothing twice.
 */
static void
digest_due(struct mailer *m)
{
	char	    secs[32];
	const char *p[1];
	PGresult   *res;
	time_t	    now;

	now = time(NULL);
	if (!m->digest_keyed || now < m->digest_next)
		return;
	(void)snprintf(secs, sizeof(secs), "%ld", m->cf.digest_seconds);
	p[0] = secs;
	res = db_exec(m,
	    "SELECT enqueued, to_char(period_end AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD HH24:MI'), floor(extract(epoch FROM next_at))::bigint "
	    "FROM digest_enqueue($1::integer)",
	    1, p);
	if (res == NULL) {
		/* Again in a minute, not at every poll. */
		m->digest_next = now + 60;
		return;
	}
	if (PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
			logmsg("digests: %s queued for the period ending %s "
			       "UTC",
			    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		m->digest_next = (time_t)strtoll(PQgetvalue(res, 0, 2), NULL,
		    10);
	}
	PQclear(res);
}

/* One idea of a digest: its title and link, and what changed on it. */
static json_t *
digest_item(struct mailer *m, const struct letter *l, PGresult *res, int i)
{
	json_t	    *it, *list, *resp, *e, *o;
	json_error_t jerr;
	const char  *rel, *from, *to, *body;
	char	     url[1100], *ex, *html, *q;
	size_t	     k;
	int	     n;

	it = json_object();
	json_object_set_new(it, "title", json_string(PQgetvalue(res, i, 1)));
	(void)snprintf(url, sizeof(url), "%s/ideas/%s", m->cf.base_url,
	    PQgetvalue(res, i, 0));
	json_object_set_new(it, "url", json_string(url));
	json_object_set_new(it, "status_label",
	    json_string(status_label(l->cat, PQgetvalue(res, i, 2))));
	json_object_set_new(it, "status_badge",
	    json_string(status_badge(PQgetvalue(res, i, 2))));
	rel = PQgetvalue(res, i, 3);
	json_object_set_new(it, "is_author",
	    json_boolean(strcmp(rel, "author") == 0));
	json_object_set_new(it, "is_voter",
	    json_boolean(strcmp(rel, "voter") == 0));
	json_object_set_new(it, "is_commenter",
	    json_boolean(strcmp(rel, "commenter") == 0));

	list = json_array();
	if ((resp = json_loads(PQgetvalue(res, i, 4), 0, &jerr)) != NULL) {
		json_array_foreach(resp, k, e) {
			from = json_string_value(json_object_get(e, "from"));
			to = json_string_value(json_object_get(e, "to"));
			body = json_string_value(json_object_get(e, "body"));
			if (from == NULL || to == NULL || body == NULL)
				continue;
			o = json_object();
			json_object_set_new(o, "changed",
			    json_boolean(strcmp(from, to) != 0));
			json_object_set_new(o, "from_label",
			    json_string(status_label(l->cat, from)));
			json_object_set_new(o, "to_label",
			    json_string(status_label(l->cat, to)));
			json_object_set_new(o, "to_badge",
			    json_string(status_badge(to)));
			json_object_set_new(o, "responder",
			    person_json(l->cat,
				json_string_value(json_object_get(e, "name")),
				json_is_true(json_object_get(e, "bank"))));
			json_object_set_new(o, "has_response",
			    json_boolean(*body != '\0'));
			ex = mime_excerpt(body, EXCERPT_CHARS);
			html = mime_md_html(ex);
			json_object_set_new(o, "response_html",
			    json_string(html));
			free(html);
			q = quote(ex);
			json_object_set_new(o, "response_quoted",
			    json_string(q));
			free(q);
			free(ex);
			json_array_append_new(list, o);
		}
		json_decref(resp);
	}
	json_object_set_new(it, "responses", list);

	n = atoi(PQgetvalue(res, i, 5));
	json_object_set_new(it, "comments", json_integer(n));
	json_object_set_new(it, "comments_one", json_boolean(n == 1));
	json_object_set_new(it, "comments_many", json_boolean(n > 1));
	if (!PQgetisnull(res, i, 6)) {
		(void)snprintf(url, sizeof(url), "%s/ideas/%s", m->cf.base_url,
		    PQgetvalue(res, i, 6));
		json_object_set_new(it, "into",
		    json_pack("{s:s, s:s}", "title", PQgetvalue(res, i, 7),
			"url", url));
	}
	return (it);
}

/*
 * A digest: what digest_items() (sql/repeatable/digest.sql, the one
 * place that decides what a digest may tell) says of its period now,
 * so that a passage redacted since it was queued is sent redacted.
 */
static enum load
load_digest(struct mailer *m, struct row *r, struct letter *l, const char **why)
{
	const char *p[3];
	char	    did[32], uid[32], limit[16], url[1200];
	char	    token[FACTOR_DIGEST_TOKEN_MAX];
	PGresult   *res;
	json_t	   *items;
	struct dbuf heading;
	int	    i, n;

	if (r->digest_id == 0) {
		*why = "a digest row without its digest";
		return (L_SKIP);
	}
	(void)snprintf(did, sizeof(did), "%lld", (long long)r->digest_id);
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)r->user_id);
	(void)snprintf(limit, sizeof(limit), "%d", DIGEST_ITEMS + 1);
	p[0] = did;
	p[1] = uid;
	p[2] = limit;
	res = db_exec(m,
	    "SELECT x.idea_id, x.title, x.status, x.relation, "
	    "x.responses::text, x.comments, x.merged_into, "
	    "x.merged_into_title, "
	    "to_char(d.period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD'), "
	    "to_char((d.period_end - interval '1 second') AT TIME ZONE "
	    "'UTC', 'YYYY-MM-DD') "
	    "FROM digests d CROSS JOIN LATERAL digest_items(d.user_id, "
	    "d.period_start, d.period_end) x "
	    "WHERE d.id = $1::bigint AND d.user_id = $2::bigint "
	    "LIMIT $3::integer",
	    3, p);
	if (res == NULL)
		return (L_DB);
	if ((n = PQntuples(res)) == 0) {
		PQclear(res);
		*why = "nothing left to tell";
		return (L_SKIP);
	}
	items = json_array();
	for (i = 0; i < n && i < DIGEST_ITEMS; i++)
		json_array_append_new(items, digest_item(m, l, res, i));
	json_object_set_new(l->ctx, "items", items);
	json_object_set_new(l->ctx, "count", json_integer(i));
	json_object_set_new(l->ctx, "more", json_boolean(n > DIGEST_ITEMS));
	json_object_set_new(l->ctx, "from", json_string(PQgetvalue(res, 0, 8)));
	json_object_set_new(l->ctx, "to", json_string(PQgetvalue(res, 0, 9)));
	PQclear(res);
	/* The heading the top of every mail shows as its title. */
	dbuf_init(&heading);
	(void)tpl_message(l->cat, "mail.digest.heading", l->ctx, 0, &heading);
	json_object_set_new(l->ctx, "title",
	    json_string(heading.data != NULL ? heading.data : ""));
	dbuf_free(&heading);

	factor_digest_token(m->digest_key, r->user_id, token);
	(void)snprintf(url, sizeof(url), "%s/digest/unsubscribe?token=%s",
	    m->cf.base_url, token);
	explicit_bzero(token, sizeof(token));
	json_object_set_new(l->ctx, "unsubscribe_url", json_string(url));
	l->unsubscribe = xstrdup(url);
	explicit_bzero(url, sizeof(url));
	l->subject_key = "mail.subject.digest";
	return (L_OK);
}

/* Text quoted for a plain-text mail: each line after "> ". */
static char *
quote(const char *s)
{
	struct dbuf b;
	const char *nl;
	size_t	    len;

	dbuf_init(&b);
	len = strlen(s);
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	while (len > 0) {
		if ((nl = memchr(s, '\n', len)) == NULL)
			nl = s + len;
		dbuf_appendstr(&b, nl == s ? ">" : "> ");
		dbuf_append(&b, s, nl - s);
		dbuf_append(&b, "\n", 1);
		len -= nl - s + (nl < s + len ? 1 : 0);
		s = nl + 1;
	}
	return (dbuf_release(&b));
}

/*
 * The text templates keep section tags on lines of their own for
 * legibility; what that leaves is at most one blank line in a row.
 */
static void
tidy(struct dbuf *b)
{
	size_t i, o, nl;

	nl = 2; /* drops leading blank lines */
	for (i = o = 0; i < b->len; i++) {
		if (b->data[i] == '\n') {
			if (++nl > 2)
				continue;
		} else
			nl = 0;
		b->data[o++] = b->data[i];
	}
	while (o > 0 && b->data[o - 1] == '\n')
		o--;
	b->len = o;
	dbuf_append(b, "\n", 1);
}

static int
compose(struct mailer *m, struct row *r, struct letter *l, struct dbuf *msg)
{
	struct mime_mail mm;
	struct dbuf	 subject, html, text;
	const char	*subj;
	char		 id[96], name[32];
	int		 ok;

	dbuf_init(&subject);
	dbuf_init(&html);
	dbuf_init(&text);
	ok = tpl_message(l->cat, l->subject_key, l->ctx, 0, &subject);
	subj = subject.data != NULL ? subject.data : "";
	json_object_set_new(l->ctx, "subject", json_string(subj));
	(void)fmt(name, sizeof(name), "%s.txt", r->kind);
	ok = ok && tpl_render(m->tpl, r->kind, l->ctx, l->cat, &html) &&
	    tpl_render_text(m->tpl, name, l->ctx, l->cat, &text) &&
	    html.data != NULL;
	if (ok) {
		tidy(&text);
		(void)snprintf(id, sizeof(id), "outbox-%lld.%lld@drive",
		    (long long)r->id, (long long)r->created);
		memset(&mm, 0, sizeof(mm));
		mm.from_name = m->cf.from_name;
		mm.from_addr = m->cf.from_addr;
		mm.to_name = l->to_name;
		mm.to_addr = l->to_addr;
		mm.subject = subj;
		mm.message_id = id;
		mm.date = (int64_t)time(NULL);
		mm.text = text.data;
		mm.html = html.data;
		mm.unsubscribe = l->unsubscribe;
		ok = mime_build(msg, &mm);
	}
	if (!ok)
		logmsg("outbox %lld: could not compose (templates, catalog "
		       "or address)",
		    (long long)r->id);
	dbuf_free(&subject);
	dbuf_free(&html);
	dbuf_free(&text);
	return (ok);
}

struct upload {
	const char *data;
	size_t	    len;
	size_t	    off;
};

static size_t
upload_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t	       len;

	len = size * n;
	if (len > u->len - u->off)
		len = u->len - u->off;
	memcpy(buf, u->data + u->off, len);
	u->off += len;
	return (len);
}

/* Keeps an error for the outbox row printable and short. */
static void
clean_error(char *s)
{
	for (; *s != '\0'; s++)
		if (*s < ' ' || *s >= 127)
			*s = ' ';
}

static enum delivery
deliver_smtp(struct mailer *m, const char *rcpt, const struct dbuf *msg,
    char *err, size_t errlen)
{
	CURL		  *c;
	struct curl_slist *to;
	struct upload	   up;
	char		   from[300], addr[300], ebuf[CURL_ERROR_SIZE];
	long		   code;
	CURLcode	   rc;

	if ((c = curl_easy_init()) == NULL) {
		(void)snprintf(err, errlen, "curl_easy_init failed");
		return (D_TEMP);
	}
	(void)snprintf(from, sizeof(from), "<%s>", m->cf.from_addr);
	(void)snprintf(addr, sizeof(addr), "<%s>", rcpt);
	to = curl_slist_append(NULL, addr);
	up.data = msg->data;
	up.len = msg->len;
	up.off = 0;
	ebuf[0] = '\0';
	(void)curl_easy_setopt(c, CURLOPT_URL, m->cf.smtp_url);
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	(void)curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	(void)curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
	(void)curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	(void)curl_easy_setopt(c, CURLOPT_READDATA, &up);
	(void)curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	(void)curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)msg->len);
	/* Our own signal handlers stay ours; no alarm() in name lookups. */
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, SMTP_CONNECT_S);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT, SMTP_TOTAL_S);
	(void)curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	rc = curl_easy_perform(c);
	code = 0;
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(to);
	curl_easy_cleanup(c);
	if (rc == CURLE_OK)
		return (D_OK);
	if (code != 0)
		(void)fmt(err, errlen, "SMTP %ld: %s", code,
		    ebuf[0] != '\0' ? ebuf : curl_easy_strerror(rc));
	else
		(void)fmt(err, errlen, "SMTP: %s",
		    ebuf[0] != '\0' ? ebuf : curl_easy_strerror(rc));
	clean_error(err);
	/* A 5xx reply is final (RFC 5321, 4.2.1); anything else may pass. */
	return (code >= 500 && code <= 599 ? D_PERM : D_TEMP);
}

/* Without an SMTP server: one .eml file a mail, complete or absent. */
static enum delivery
deliver_file(struct mailer *m, const struct row *r, const struct dbuf *msg,
    char *err, size_t errlen)
{
	char	path[4096], tmp[4200];
	size_t	off;
	ssize_t w;
	int	fd;

	if (!fmt(path, sizeof(path), "%s/outbox-%lld.eml", m->cf.mail_dir,
		(long long)r->id) ||
	    !fmt(tmp, sizeof(tmp), "%s/.outbox-%lld.eml.tmp", m->cf.mail_dir,
		(long long)r->id)) {
		(void)fmt(err, errlen, "DRIVE_MAIL_DIR is too long");
		return (D_TEMP);
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640)) == -1)
		goto fail;
	for (off = 0; off < msg->len; off += w) {
		if ((w = write(fd, msg->data + off, msg->len - off)) == -1) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			(void)close(fd);
			goto fail;
		}
	}
	if (fsync(fd) == -1 || close(fd) == -1 || rename(tmp, path) == -1)
		goto fail;
	return (D_OK);
fail:
	(void)fmt(err, errlen, "%s: %s", path, strerror(errno));
	(void)unlink(tmp);
	return (D_TEMP);
}

static long
backoff(long base, int attempts)
{
	long ms;
	int  i;

	ms = base;
	for (i = 1; i < attempts && ms < BACKOFF_CAP_MS; i++)
		ms *= 2;
	return (ms > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : ms);
}

/*
 * Records what became of a row.  A mail that went out must be recorded
 * or stay 'sending' (and so become 'unknown'), never go back to
 * 'pending': so this retries through a lost connection until it is
 * recorded or the mailer is told to stop.  "AND status = 'sending'"
 * leaves alone a row that another mailer marked 'unknown' meanwhile.
 */
static void
settle(struct mailer *m, const struct row *r, enum outcome o, const char *why)
{
	static const char *sql[] = {
		[O_SENT] = "UPDATE outbox SET status = 'sent', "
			   "sent_at = now() WHERE id = $1::bigint "
			   "AND status = 'sending'",
		[O_RETRY] = "UPDATE outbox SET status = 'pending', "
			    "next_attempt_at = now() + $2::bigint * "
			    "interval '1 millisecond', last_error = $3 "
			    "WHERE id = $1::bigint AND status = 'sending'",
		[O_FAIL] = "UPDATE outbox SET status = 'failed', "
			   "last_error = $2 WHERE id = $1::bigint "
			   "AND status = 'sending'",
		[O_RELEASE] = "UPDATE outbox SET status = 'pending', "
			      "attempts = attempts - 1 WHERE id = $1::bigint "
			      "AND status = 'sending'"
	};
	static const int nparams
	    [] = { [O_SENT] = 1, [O_RETRY] = 3, [O_FAIL] = 2, [O_RELEASE] = 1 };
	static const char *said[] = { [O_SENT] = "sent",
		[O_RETRY] = "will retry",
		[O_FAIL] = "failed",
		[O_RELEASE] = "handed back" };
	char		   id[32], ms[32];
	const char	  *p[3];
	PGresult	  *res;
	long		   wait;

	wait = o == O_RETRY ? backoff(m->cf.backoff_ms, r->attempts) : 0;
	(void)snprintf(id, sizeof(id), "%lld", (long long)r->id);
	(void)snprintf(ms, sizeof(ms), "%ld", wait);
	p[0] = id;
	p[1] = o == O_FAIL ? (why != NULL ? why : "") : ms;
	p[2] = why != NULL ? why : "";
	for (;;) {
		if ((res = db_exec(m, sql[o], nparams[o], p)) != NULL) {
			if (strcmp(PQcmdTuples(res), "1") != 0)
				logmsg("outbox %s was no longer 'sending'", id);
			PQclear(res);
			break;
		}
		if (m->db != NULL && PQstatus(m->db) == CONNECTION_OK) {
			logmsg("outbox %s: could not record it; it stays "
			       "'sending'",
			    id);
			break;
		}
		if (stopping) {
			logmsg("outbox %s: stopping before the database came "
			       "back; it stays 'sending'",
			    id);
			return;
		}
		nap(m->cf.poll_ms);
		(void)db_up(m);
	}
	if (o == O_RETRY)
		logmsg("outbox %s (%s, attempt %d): %s; %s in %ld ms", id,
		    r->kind, r->attempts, why, said[o], wait);
	else if (why != NULL)
		logmsg("outbox %s (%s, attempt %d): %s: %s", id, r->kind,
		    r->attempts, said[o], why);
	else
		logmsg("outbox %s (%s, attempt %d): %s", id, r->kind,
		    r->attempts, said[o]);
}
