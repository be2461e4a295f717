/*
 * The audit chain as drivectl recomputes it: the canonical serialisation
 * of an entry, its SHA-256, and the lines of the anchor file.  No
 * function of the database takes part; the writer's half is
 * audit_entry_hash() in sql/repeatable/audit.sql, which this mirrors:
 *
 *   hash = SHA-256(prev_hash || at US actor US action US target US
 *          address US details)
 *
 * US is the unit separator 0x1f; at is "YYYY-MM-DDTHH:MM:SS.ffffffZ" in
 * UTC, actor the id in decimal or empty, target empty when NULL, address
 * the host part of the inet or empty, details the jsonb as PostgreSQL
 * prints it.  action and target never hold a US (sql/repeatable/audit.sql), so
 * that the fields cannot be shifted against each other.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "drive.h"

#define US "\x1f"

/*
 * The canonical time from PostgreSQL's ISO output of a timestamptz in
 * UTC ("2026-12-06 03:50:04.1234+00"; the fraction is cut at its last
 * non-zero digit, or absent).  OUT holds 28 bytes.  1 on success.
 */
int
audit_time(const char *pg, char *out)
{
	size_t	    i, digits;
	const char *p;

	/* "YYYY-MM-DD HH:MM:SS" */
	for (i = 0; i < 19; i++) {
		if (pg[i] == '\0')
			return (0);
		if (i == 4 || i == 7) {
			if (pg[i] != '-')
				return (0);
		} else if (i == 10) {
			if (pg[i] != ' ')
				return (0);
		} else if (i == 13 || i == 16) {
			if (pg[i] != ':')
				return (0);
		} else if (pg[i] < '0' || pg[i] > '9')
			return (0);
	}
	memcpy(out, pg, 19);
	out[10] = 'T';
	out[19] = '.';
	p = pg + 19;
	digits = 0;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && digits < 6; p++)
			out[20 + digits++] = *p;
		if (digits == 0 || (*p >= '0' && *p <= '9'))
			return (0);
	}
	while (digits < 6)
		out[20 + digits++] = '0';
	if (strcmp(p, "+00") != 0)
		return (0);
	out[26] = 'Z';
	out[27] = '\0';
	return (1);
}

/*
 * Appends the serialisation of E to B.  0 when the entry cannot be
 * serialised unambiguously (a malformed time, a US in action or target).
 */
int
audit_serialise(struct dbuf *b, const struct audit_entry *e)
{
	char	    at[28];
	const char *target = e->target ? e->target : "";
	size_t	    hostlen;

	if (!audit_time(e->at, at) || strchr(e->action, 0x1f) != NULL ||
	    strchr(target, 0x1f) != NULL)
		return (0);
	dbuf_appendstr(b, at);
	dbuf_appendstr(b, US);
	dbuf_appendstr(b, e->actor ? e->actor : "");
	dbuf_appendstr(b, US);
	dbuf_appendstr(b, e->action);
	dbuf_appendstr(b, US);
	dbuf_appendstr(b, target);
	dbuf_appendstr(b, US);
	/* host(): the inet's text without a "/bits" suffix. */
	if (e->address != NULL) {
		hostlen = strcspn(e->address, "/");
		dbuf_append(b, e->address, hostlen);
	}
	dbuf_appendstr(b, US);
	dbuf_appendstr(b, e->details);
	return (1);
}

/* SHA-256 of PREV and the serialisation of E into OUT; 1 on success. */
int
audit_hash(const unsigned char *prev, size_t prevlen,
    const struct audit_entry *e, unsigned char *out)
{
	struct dbuf  b;
	unsigned int n;
	int	     ok;

	dbuf_init(&b);
	if (prevlen > 0)
		dbuf_append(&b, prev, prevlen);
	if (!audit_serialise(&b, e)) {
		dbuf_free(&b);
		return (0);
	}
	ok = EVP_Digest(b.data, b.len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == AUDIT_HASH_LEN;
	dbuf_free(&b);
	return (ok);
}

/*
 * One line of the anchor file: "<id> <sha-256 hex> <time>".  1 and A
 * filled; 0 malformed; -1 blank or a comment ('#').
 */
int
audit_anchor_parse(const char *line, struct audit_anchor *a)
{
	const char *p = line;
	char	   *end;
	long long   id;
	size_t	    n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '#')
		return (-1);
	if (*p < '1' || *p > '9')
		return (0);
	id = strtoll(p, &end, 10);
	if (end == p || *end != ' ' || id <= 0)
		return (0);
	p = end + 1;
	if (!hex_decode(p, 2 * AUDIT_HASH_LEN, a->hash, AUDIT_HASH_LEN))
		return (0);
	p += 2 * AUDIT_HASH_LEN;
	if (*p != ' ')
		return (0);
	p++;
	n = strcspn(p, "\n");
	if (n == 0 || n >= sizeof(a->at) || !line_acceptable(p, n))
		return (0);
	memcpy(a->at, p, n);
	a->at[n] = '\0';
	a->id = id;
	return (1);
}
