/*
 * Drive: the pure half of reading a request (no Kore), so that unit
 * tests and the fuzzers in tests/fuzz/ reach every byte a client
 * controls: cookies, content types, forwarded addresses, path ids, the
 * JSON body and its text fields.  http_in.c calls these with what Kore
 * hands it.
 */

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drive.h"

/*
 * The value of cookie name in a Cookie header, copied into out; 1 when
 * found with a value that fits (an empty value or one of outlen bytes
 * or more counts as absent).
 */
int
cookie_get(const char *hdr, const char *name, char *out, size_t outlen)
{
	const char *p, *end;
	size_t	    nlen, vlen;

	nlen = strlen(name);
	for (p = hdr; *p != '\0'; p = (*end == ';') ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			vlen = end - (p + nlen + 1);
			if (vlen == 0 || vlen >= outlen)
				return (0);
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return (1);
		}
	}
	return (0);
}

/* 1 when a Content-Type value is type, with or without parameters. */
int
content_type_match(const char *v, const char *type)
{
	size_t len;

	len = strlen(type);
	return (strncasecmp(v, type, len) == 0 &&
	    (v[len] == '\0' || v[len] == ';' || v[len] == ' '));
}

/*
 * The last address of an X-Forwarded-For value (the one our own proxy
 * added), copied into out when it is a valid IPv4 or IPv6 address.
 */
int
forwarded_for(const char *fwd, char *out, size_t outlen)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	const char   *last;
	char	      buf[64];

	last = strrchr(fwd, ',');
	last = (last == NULL) ? fwd : last + 1;
	while (*last == ' ')
		last++;
	if (strlen(last) >= sizeof(buf) || strlen(last) >= outlen)
		return (0);
	memcpy(buf, last, strlen(last) + 1);
	if (inet_pton(AF_INET, buf, tmp) != 1 &&
	    inet_pton(AF_INET6, buf, tmp) != 1)
		return (0);
	memcpy(out, buf, strlen(buf) + 1);
	return (1);
}

/* One segment of the pattern against one of the path; 0: no match. */
static int
segment_match(const char *pat, size_t plen, const char *seg, size_t slen,
    struct path_param *params, int *nparams)
{
	size_t i;

	if (plen == 0 || (pat[0] != ':' && pat[0] != '*'))
		return (plen == slen && memcmp(pat, seg, slen) == 0);
	if (pat[0] == ':') {
		if (slen == 0 || slen > 18)
			return (0);
		for (i = 0; i < slen; i++) {
			if (!isdigit((unsigned char)seg[i]))
				return (0);
		}
	}
	if (params != NULL && *nparams < PATH_PARAMS_MAX) {
		params[*nparams].name = pat + 1;
		params[*nparams].namelen = plen - 1;
		params[*nparams].value = seg;
		params[*nparams].len = slen;
		(*nparams)++;
	}
	return (1);
}

int
route_match(const char *pattern, const char *path, struct path_param *params,
    int *nparams)
{
	const char *p, *q, *pe, *qe;
	int	    unused;

	if (nparams == NULL)
		nparams = &unused;
	*nparams = 0;
	p = pattern;
	q = path;
	for (;;) {
		if (*p != '/' || *q != '/')
			return (0);
		p++;
		q++;
		if (strcmp(p, "**") == 0)
			return (1);
		pe = strchrnul(p, '/');
		qe = strchrnul(q, '/');
		if (!segment_match(p, pe - p, q, qe - q, params, nparams))
			return (0);
		p = pe;
		q = qe;
		if (*p == '\0' && *q == '\0')
			return (1);
		if (*p == '\0' || *q == '\0')
			return (0);
	}
}

const char *
param_text(const struct path_param *params, int n, const char *name, char *buf,
    size_t len)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strlen(name) != params[i].namelen ||
		    memcmp(name, params[i].name, params[i].namelen) != 0)
			continue;
		if (params[i].len >= len)
			return (NULL);
		memcpy(buf, params[i].value, params[i].len);
		buf[params[i].len] = '\0';
		return (buf);
	}
	return (NULL);
}

/* A JSON body: an object without duplicate keys, or NULL. */
json_t *
body_json(const char *buf, size_t len)
{
	json_error_t jerr;
	json_t	    *v;

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v != NULL && !json_is_object(v)) {
		json_decref(v);
		return (NULL);
	}
	return (v);
}

/*
 * A text field of the JSON body (when json is not NULL) or of the form:
 * 1 with *out set, 0 when the field is absent (or null), -1 when it is
 * not a string or not acceptable text (NUL bytes, control characters,
 * invalid UTF-8).
 */
int
field_text(json_t *json, const struct form *form, const char *name,
    const char **out)
{
	const struct form_field *f;
	json_t			*v;

	*out = NULL;
	if (json != NULL) {
		if ((v = json_object_get(json, name)) == NULL ||
		    json_is_null(v))
			return (0);
		if (!json_is_string(v))
			return (-1);
		if (!text_acceptable(json_string_value(v),
			json_string_length(v)))
			return (-1);
		*out = json_string_value(v);
		return (1);
	}
	if ((f = form_get(form, name)) == NULL)
		return (0);
	if (!text_acceptable(f->value, f->len))
		return (-1);
	*out = f->value;
	return (1);
}
