/*
 * /static/: the stylesheets, the scripts and the icon, read once per
 * worker and served from memory with the same security headers as every
 * page (Kore's filemap answers without them and cannot be told to add
 * any).  A stylesheet or script is kept as css_minify() or js_minify()
 * leaves it (minify.c): the file stays readable, the browser gets no
 * comments and spaces.  Only the files that were in assets/static at
 * start are known; any other path is 404, so nothing outside can be
 * named.  Each answer carries an ETag (part of the served bytes' SHA-256)
 * and "no-cache": browsers ask again and get 304 until a deployment
 * changes the file.
 */

#include <sys/stat.h>

#include <dirent.h>

#include <openssl/evp.h>

#include "drive.h"

#define STATIC_PREFIX "/static/"
#define STATIC_MAX    64
#define STATIC_CSS    "text/css; charset=utf-8"
#define STATIC_JS     "text/javascript; charset=utf-8"

struct static_file {
	char	   *name;
	const char *type;
	char	   *data;
	size_t	    len;
	char	    etag[24]; /* "\"" + 16 hex + "\"" */
};

static struct static_file static_files[STATIC_MAX];
static size_t		  static_nfiles;

static const struct {
	const char *ext;
	const char *type;
} static_types[] = {
	{ ".css", STATIC_CSS },
	{ ".js", STATIC_JS },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const char *
static_type(const char *name)
{
	const char *dot;
	size_t	    i;

	if ((dot = strrchr(name, '.')) != NULL) {
		for (i = 0; i < sizeof(static_types) / sizeof(static_types[0]);
		     i++) {
			if (strcmp(dot, static_types[i].ext) == 0)
				return (static_types[i].type);
		}
	}
	return ("application/octet-stream");
}

static int
static_load(struct static_file *f, const char *dir, const char *name)
{
	FILE	     *fp;
	struct dbuf   b, min;
	struct stat   st;
	char	      path[PATH_MAX], chunk[8192], hex[17];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen;
	size_t	      n;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return (0);
	if ((fp = fopen(path, "r")) == NULL) {
		kore_log(LOG_ERR, "static: %s: %s", path, errno_s);
		return (-1);
	}
	dbuf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		dbuf_append(&b, chunk, n);
	fclose(fp);
	f->name = kore_strdup(name);
	f->type = static_type(name);
	/* Stylesheets and scripts are served without comments and spaces. */
	if (strcmp(f->type, STATIC_CSS) == 0 ||
	    strcmp(f->type, STATIC_JS) == 0) {
		dbuf_init(&min);
		if (strcmp(f->type, STATIC_CSS) == 0)
			css_minify(&min, b.data, b.len);
		else
			js_minify(&min, b.data, b.len);
		dbuf_free(&b);
		b = min;
	}
	f->len = b.len;
	f->data = b.len > 0 ? dbuf_release(&b) : xstrdup("");
	if (!EVP_Digest(f->data, f->len, md, &mdlen, EVP_sha256(), NULL))
		return (-1);
	hex_encode(md, 8, hex);
	f->etag[0] = '"';
	memcpy(f->etag + 1, hex, 16);
	f->etag[17] = '"';
	f->etag[18] = '\0';
	return (1);
}

/* Reads every regular file of dir; 0 on an error. */
int
static_init(const char *dir)
{
	DIR	      *d;
	struct dirent *e;
	int	       rc;

	if ((d = opendir(dir)) == NULL) {
		kore_log(LOG_ERR, "static: %s: %s", dir, errno_s);
		return (0);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (static_nfiles == STATIC_MAX) {
			kore_log(LOG_ERR, "static: more than %d files",
			    STATIC_MAX);
			closedir(d);
			return (0);
		}
		rc = static_load(&static_files[static_nfiles], dir, e->d_name);
		if (rc == -1) {
			closedir(d);
			return (0);
		}
		if (rc == 1)
			static_nfiles++;
	}
	closedir(d);
	return (1);
}

static int
static_answer(struct http_request *req, int status, const char *text)
{
	out_security_base(req, 0);
	out_header(req, "cache-control", "no-store");
	out_header(req, "content-type", "text/plain; charset=utf-8");
	http_response(req, status, text, strlen(text));
	return (KORE_RESULT_OK);
}

int
page_static(struct http_request *req)
{
	const struct static_file *f = NULL;
	const char		 *name, *inm;
	size_t			  i;

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD) {
		out_header(req, "allow", "GET, HEAD");
		return (static_answer(req, 405, "Method not allowed\n"));
	}
	if (strncmp(req->path, STATIC_PREFIX, strlen(STATIC_PREFIX)) == 0) {
		name = req->path + strlen(STATIC_PREFIX);
		for (i = 0; i < static_nfiles; i++) {
			if (strcmp(static_files[i].name, name) == 0) {
				f = &static_files[i];
				break;
			}
		}
	}
	if (f == NULL)
		return (static_answer(req, 404, "Not found\n"));

	out_security_base(req, 0);
	out_header(req, "cache-control", "no-cache");
	out_header(req, "etag", f->etag);
	if (http_request_header(req, "if-none-match", &inm) &&
	    strstr(inm, f->etag) != NULL) {
		http_response(req, 304, NULL, 0);
		return (KORE_RESULT_OK);
	}
	out_header(req, "content-type", f->type);
	http_response(req, 200, f->data, f->len);
	return (KORE_RESULT_OK);
}
