/*
 * Drive: application/x-www-form-urlencoded decoding.
 */

#include <stdlib.h>
#include <string.h>

#include "drive.h"

/* More fields than any of our forms has is an attack, not a form. */
#define FORM_FIELDS_MAX 1000

static char *decode(const char *, size_t, size_t *);

int
form_decode(const char *s, size_t len, struct form *f)
{
	const char *p, *end, *amp, *eq;
	char	   *name, *value;
	size_t	    cap, nlen, vlen;

	f->fields = NULL;
	f->n = 0;
	if (len == 0)
		return (1);
	cap = 0;
	p = s;
	end = s + len;
	while (p < end) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if ((eq = memchr(p, '=', amp - p)) == NULL)
			eq = amp;
		name = decode(p, eq - p, &nlen);
		value = eq < amp ? decode(eq + 1, amp - eq - 1, &vlen) :
				   decode(eq, 0, &vlen);
		/* A NUL inside a name would make form_get() lie. */
		if (name == NULL || value == NULL || strlen(name) != nlen ||
		    f->n == FORM_FIELDS_MAX) {
			free(name);
			free(value);
			form_free(f);
			return (0);
		}
		if (f->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			f->fields = xrealloc(f->fields,
			    cap * sizeof(*f->fields));
		}
		f->fields[f->n].name = name;
		f->fields[f->n].value = value;
		f->fields[f->n].len = vlen;
		f->n++;
		p = amp + 1;
	}
	return (1);
}

const struct form_field *
form_get(const struct form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return (&f->fields[i]);
	return (NULL);
}

void
form_free(struct form *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->fields[i].name);
		free(f->fields[i].value);
	}
	free(f->fields);
	f->fields = NULL;
	f->n = 0;
}

/*
 * Percent-decodes and turns CRLF and lone CR into LF, after decoding so
 * that "%0D%0A", raw bytes and mixtures all end up the same.
 */
static char *
decode(const char *s, size_t len, size_t *outlen)
{
	char  *out;
	size_t i, n;
	int    c, hi, lo, cr;

	out = xmalloc(len + 1);
	n = 0;
	cr = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (len - i < 3 ||
			    (hi = hex_value((unsigned char)s[i + 1])) == -1 ||
			    (lo = hex_value((unsigned char)s[i + 2])) == -1) {
				free(out);
				return (NULL);
			}
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == '\n' && cr) {
			cr = 0;
			continue;
		}
		cr = c == '\r';
		out[n++] = cr ? '\n' : (char)c;
	}
	out[n] = '\0';
	*outlen = n;
	return (out);
}
