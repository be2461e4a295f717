/*
 * The sensitive data guard on the Kore side: a handler's input() asks
 * sensitive_check() about each text it publishes.  A finding the author
 * did not confirm is a field error naming its kind, a masked excerpt and
 * the line (the API's 422 says code "sensitive_data"); a confirmed one is
 * remembered as a kind and a field, for the audit entry the write adds in
 * the same statement.  The text itself is never logged or audited.
 */

#include "drive.h"

/* The author's "publish it anyway": the form's box or the JSON's true. */
int
sensitive_confirmed(struct dreq *r)
{
	const char *v;

	if (r->json != NULL)
		return (json_is_true(json_object_get(r->json,
		    "confirm_sensitive")));
	return ((v = in_text(r, "confirm_sensitive")) != NULL &&
	    strcmp(v, "1") == 0);
}

/*
 * Scans text (field: the form's name; where: its name in messages,
 * "guard.where.<where>").  Returns the number of findings; with none
 * confirmed, the first is a field error and the page offers the box.
 */
int
sensitive_check(struct dreq *r, struct sensitive *s, const char *field,
    const char *where, const char *text)
{
	struct guard_hit hits[GUARD_MAX];
	struct dbuf	 b;
	json_t		*vars;
	char		 key[64], *w, *what;
	size_t		 n, i, used;

	if (text == NULL)
		return (0);
	n = guard_scan(text, strlen(text), hits, GUARD_MAX);
	if (n == 0)
		return (0);
	for (i = 0; i < n; i++)
		s->kinds |= 1u << hits[i].kind;
	used = strlen(s->fields);
	if (used + strlen(field) + 2 < sizeof(s->fields))
		(void)snprintf(s->fields + used, sizeof(s->fields) - used,
		    "%s%s", used > 0 ? "," : "", field);
	if (s->confirmed)
		return ((int)n);

	dbuf_init(&b);
	guard_mask(&b, text, &hits[0]);
	(void)snprintf(key, sizeof(key), "guard.where.%s", where);
	w = out_msg(r, key, NULL);
	(void)snprintf(key, sizeof(key), "guard.kind.%s",
	    guard_kind_name(hits[0].kind));
	what = out_msg(r, key, NULL);
	vars = json_pack("{s:s, s:s#, s:s, s:I, s:I}", "what", what, "excerpt",
	    b.data, b.len, "where", w, "line",
	    (json_int_t)guard_line(text, strlen(text), hits[0].off), "more",
	    (json_int_t)(n - 1));
	kore_free(w);
	kore_free(what);
	dbuf_free(&b);
	field_error_vars(r, field,
	    n > 1 ? "err.sensitive_more" : "err.sensitive", vars,
	    "sensitive_data");
	json_object_set_new(r->ctx, "sensitive_confirm", json_true());
	return ((int)n);
}

/* The kinds found, "iban,email", for the audit entry's details. */
void
sensitive_kinds(const struct sensitive *s, char *buf, size_t len)
{
	size_t used;
	int    k;

	buf[0] = '\0';
	for (k = GUARD_IBAN; k <= GUARD_ACCOUNT; k++) {
		used = strlen(buf);
		if (!(s->kinds & (1u << k)) || used + 10 >= len)
			continue;
		(void)snprintf(buf + used, len - used, "%s%s",
		    used > 0 ? "," : "", guard_kind_name(k));
	}
}
