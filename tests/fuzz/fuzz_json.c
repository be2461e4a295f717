/*
 * JSON request bodies (app/input.c: body_json, field_text as in_field
 * uses them): the object, then each text field a handler reads.  A text
 * accepted is what the API later writes back with json_escape() (util.c):
 * that must give jansson's bytes for it.
 */

#include "fuzz.h"

/* Every field name a handler reads with in_field() or json_object_get. */
static const char *names[] = { "action", "active", "area", "back", "body",
	"confirm", "csrf_token", "current_password", "email",
	"email_notifications", "into", "lang", "name", "name_de", "name_en",
	"new_password", "new_password_confirm", "next", "organization",
	"password", "password_confirm", "role", "slug", "status", "title",
	"token", "token_name", "" };

/* json_escape(v) against json_dumps() of the same string. */
static void
escape_same(const char *v)
{
	struct dbuf b;
	json_t	   *s;
	char	   *want;

	if ((s = json_string(v)) == NULL)
		FUZZ_FAIL("an accepted text is not a JSON string");
	want = json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(s);
	dbuf_init(&b);
	json_escape(&b, v, strlen(v));
	if (want == NULL || b.len != strlen(want) ||
	    memcmp(b.data, want, b.len) != 0)
		FUZZ_FAIL("json_escape differs from json_dumps");
	free(want);
	dbuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form empty = { NULL, 0 };
	json_t	   *j;
	const char *v;
	size_t	    i;
	int	    rc;

	if ((j = body_json((const char *)data, size)) == NULL)
		return (0);
	if (!json_is_object(j))
		FUZZ_FAIL("body_json gave a non-object");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = field_text(j, &empty, names[i], &v);
		if (rc == 1) {
			if (v == NULL || !text_acceptable(v, strlen(v)) ||
			    strlen(v) !=
				json_string_length(json_object_get(j,
				    names[i])))
				FUZZ_FAIL(
				    "field \"%s\" accepted with a NUL, "
				    "a control character or invalid UTF-8",
				    names[i]);
			escape_same(v);
		} else if (v != NULL)
			FUZZ_FAIL("field \"%s\": %d with a value", names[i],
			    rc);
	}
	json_decref(j);
	return (0);
}
