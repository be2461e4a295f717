/*
 * Pure checks shared by the handlers: e-mail addresses, local redirect
 * targets, list cursors, token hashing and constant-time comparison, and
 * the unit of a relative time.  No Kore here, so that unit tests reach it.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "drive.h"

/* A plausible address: one '@', text on both sides, a dot in the domain. */
int
email_valid(const char *s)
{
	const char	*at, *p;
	size_t		 len;

	len = strlen(s);
	if (len < 3 || len > 254 || !line_acceptable(s, len))
		return (0);
	if ((at = strchr(s, '@')) == NULL || at == s || strchr(at + 1, '@'))
		return (0);
	if (strchr(at + 1, '.') == NULL || at[1] == '.' || s[len - 1] == '.')
		return (0);
	for (p = s; *p != '\0'; p++) {
		if (*p == ' ' || *p == '<' || *p == '>' || *p == ',' ||
		    *p == ';' || *p == '"')
			return (0);
	}
	return (1);
}

/*
 * A path on this site to go back to after a form ("back", "next"), or
 * the fallback: never another host ("//evil", "/\\evil"), never a line
 * break (header injection).
 */
const char *
local_path(const char *p, const char *fallback)
{
	if (p == NULL || p[0] != '/' || p[1] == '/' || p[1] == '\\' ||
	    strlen(p) > 512 || !line_acceptable(p, strlen(p)))
		return (fallback);
	return (p);
}

/*
 * A list cursor is "<key>.<id>": 1-9 digits, a dot, 1-18 digits, as the
 * list hands them out.  Copies both parts; 0 when malformed.
 */
int
cursor_parse(const char *cur, char *key, size_t keylen, char *id,
    size_t idlen)
{
	const char	*dot;
	size_t		 la, lb;

	if ((dot = strchr(cur, '.')) == NULL)
		return (0);
	la = (size_t)(dot - cur);
	lb = strlen(dot + 1);
	if (la < 1 || la > 9 || lb < 1 || lb > 18 || la >= keylen ||
	    lb >= idlen || strspn(cur, "0123456789") != la ||
	    strspn(dot + 1, "0123456789") != lb)
		return (0);
	memcpy(key, cur, la);
	key[la] = '\0';
	memcpy(id, dot + 1, lb);
	id[lb] = '\0';
	return (1);
}

/* SHA-256 of a token given as 64 hex digits, as hex; 0 when not one. */
int
token_hash(const char *hex, char *out)
{
	unsigned char	raw[32], md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen;
	int		ok;

	if (hex == NULL || strlen(hex) != 64 || !hex_decode(hex, 64, raw,
	    sizeof(raw)))
		return (0);
	ok = EVP_Digest(raw, sizeof(raw), md, &mdlen, EVP_sha256(), NULL);
	explicit_bzero(raw, sizeof(raw));
	if (!ok)
		return (0);
	hex_encode(md, mdlen, out);
	return (1);
}

/* Constant time for equal lengths; tokens are 64 hex digits. */
int
csrf_equal(const char *a, const char *b)
{
	size_t	len;

	if (a == NULL || b == NULL)
		return (0);
	len = strlen(b);
	if (len != 64 || strlen(a) != len)
		return (0);
	return (CRYPTO_memcmp(a, b, len) == 0);
}

/*
 * The catalog key and number for a time delta seconds away (negative: in
 * the past): "ago.now", "ago.minutes" with *n = 5, "in.day" with 1...
 */
void
relative_key(int64_t delta, char *key, size_t keylen, int64_t *n)
{
	const char	*unit;
	uint64_t	 mag;
	int		 future = delta > 0;

	/* Unsigned, since INT64_MIN has no positive counterpart. */
	mag = delta < 0 ? -(uint64_t)delta : (uint64_t)delta;
	*n = 0;
	if (mag < 60) {
		(void)snprintf(key, keylen, "ago.now");
		return;
	}
	if (mag < 3600) {
		*n = mag / 60;
		unit = "minute";
	} else if (mag < 86400) {
		*n = mag / 3600;
		unit = "hour";
	} else {
		*n = mag / 86400;
		unit = "day";
	}
	(void)snprintf(key, keylen, "%s.%s%s", future ? "in" : "ago", unit,
	    *n == 1 ? "" : "s");
}

/*
 * One CSV cell (RFC 4180: always quoted, quotes doubled), then a comma
 * or, for the last cell, CRLF.  A cell that a spreadsheet would take for
 * a formula (= + - @, tab, CR) gets a leading apostrophe.
 */
void
csv_cell(struct dbuf *b, const char *v, int last)
{
	const char	*p;

	dbuf_append(b, "\"", 1);
	if (strchr("=+-@\t\r", v[0]) != NULL && v[0] != '\0')
		dbuf_append(b, "'", 1);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"')
			dbuf_append(b, "\"", 1);
		dbuf_append(b, p, 1);
	}
	dbuf_append(b, "\"", 1);
	dbuf_append(b, last ? "\r\n" : ",", last ? 2 : 1);
}
