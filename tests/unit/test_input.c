/* Unit tests for app/input.c: the pure half of reading a request. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "drive.h"

static void
test_cookie_get(void **state)
{
	char v[16], small[4];

	(void)state;
	assert_true(cookie_get("a=1; drive_session=abc; b=2", "drive_session",
	    v, sizeof(v)));
	assert_string_equal(v, "abc");
	/* A value may hold '=' (Kore would cut it there). */
	assert_true(cookie_get("\tx=y=z", "x", v, sizeof(v)));
	assert_string_equal(v, "y=z");
	assert_false(cookie_get("xdrive_session=abc", "drive_session", v,
	    sizeof(v)));
	assert_false(cookie_get("drive_session=", "drive_session", v,
	    sizeof(v)));
	assert_false(cookie_get("", "a", v, sizeof(v)));
	/* Too long for the buffer: absent, never cut. */
	assert_false(cookie_get("a=1234", "a", small, sizeof(small)));
	assert_true(cookie_get("a=123", "a", small, sizeof(small)));
}

static void
test_content_type_match(void **state)
{
	(void)state;
	assert_true(content_type_match("application/json", "application/json"));
	assert_true(content_type_match("Application/JSON; charset=utf-8",
	    "application/json"));
	assert_false(content_type_match("application/jsonx",
	    "application/json"));
	assert_false(content_type_match("text/plain", "application/json"));
}

static void
test_forwarded_for(void **state)
{
	char a[64];

	(void)state;
	assert_true(forwarded_for("10.0.0.1, 203.0.113.5", a, sizeof(a)));
	assert_string_equal(a, "203.0.113.5");
	assert_true(forwarded_for("2001:db8::5", a, sizeof(a)));
	assert_string_equal(a, "2001:db8::5");
	strcpy(a, "kept");
	assert_false(forwarded_for("203.0.113.5, evil", a, sizeof(a)));
	assert_false(forwarded_for("", a, sizeof(a)));
	assert_false(forwarded_for("1.2.3.4 ", a, sizeof(a)));
	assert_string_equal(a, "kept");
}

static void
test_route_match(void **state)
{
	struct path_param p[PATH_PARAMS_MAX];
	char		  buf[32];
	int		  n;

	(void)state;
	assert_true(route_match("/", "/", p, &n));
	assert_int_equal(n, 0);
	assert_false(route_match("/", "/ideas", p, &n));
	assert_true(route_match("/ideas/:id/vote", "/ideas/12/vote", p, &n));
	assert_int_equal(n, 1);
	assert_string_equal(param_text(p, n, "id", buf, sizeof(buf)), "12");
	assert_null(param_text(p, n, "i", buf, sizeof(buf)));
	assert_null(param_text(p, n, "idea", buf, sizeof(buf)));
	assert_null(param_text(p, n, "id", buf, 2));
	/* ":" takes digits only, 1 to 18 of them. */
	assert_false(route_match("/ideas/:id", "/ideas/new", p, &n));
	assert_false(route_match("/ideas/:id", "/ideas/", p, &n));
	assert_false(route_match("/ideas/:id", "/ideas/-3", p, &n));
	assert_false(route_match("/ideas/:id", "/ideas/1x", p, &n));
	assert_true(route_match("/ideas/:id", "/ideas/999999999999999999", p,
	    &n));
	assert_false(route_match("/ideas/:id", "/ideas/9999999999999999999", p,
	    &n));
	/* Segments are whole: no prefix, no trailing slash, no extra part. */
	assert_false(route_match("/ideas/:id", "/ideas/12/", p, &n));
	assert_false(route_match("/ideas/:id", "/ideas/12/edit", p, &n));
	assert_false(route_match("/ideas/:id/edit", "/ideas/12", p, &n));
	assert_false(route_match("/ideas/new", "/ideas/newer", p, &n));
	assert_false(route_match("/login", "login", p, &n));
	assert_false(route_match("/login", "", p, &n));
	/* "*" takes any one segment, also an empty one. */
	assert_true(route_match("/invite/*token", "/invite/ab.C-d", p, &n));
	assert_string_equal(param_text(p, n, "token", buf, sizeof(buf)),
	    "ab.C-d");
	assert_true(route_match("/invite/*token", "/invite/", p, &n));
	assert_string_equal(param_text(p, n, "token", buf, sizeof(buf)), "");
	assert_false(route_match("/invite/*token", "/invite/a/b", p, &n));
	/* "**" any rest. */
	assert_true(route_match("/static/**", "/static/drive.css", NULL, NULL));
	assert_true(route_match("/static/**", "/static/a/b", NULL, NULL));
	assert_false(route_match("/static/**", "/static", NULL, NULL));
	/* Two parameters, each by its name. */
	assert_true(route_match("/a/:x/b/:y", "/a/1/b/22", p, &n));
	assert_int_equal(n, 2);
	assert_string_equal(param_text(p, n, "y", buf, sizeof(buf)), "22");
	assert_string_equal(param_text(p, n, "x", buf, sizeof(buf)), "1");
}

static void
test_body_json_fields(void **state)
{
	struct form empty = { NULL, 0 };
	json_t	   *j;
	const char *v;

	(void)state;
	assert_null(body_json("[1]", 3));
	assert_null(body_json("{\"a\":1,\"a\":2}", 13));
	assert_null(body_json("{", 1));
	/* jansson refuses \u0000 (no JSON_ALLOW_NUL): malformed. */
	assert_null(body_json("{\"z\":\"a\\u0000b\"}", 16));
	j = body_json("{\"t\":\"x\\ny\",\"n\":null,\"i\":3,\"z\":\"a\\u202eb\","
		      "\"c\":\"\\u0007\"}",
	    55);
	assert_non_null(j);
	assert_int_equal(field_text(j, &empty, "t", &v), 1);
	assert_string_equal(v, "x\ny");
	assert_int_equal(field_text(j, &empty, "n", &v), 0);
	assert_int_equal(field_text(j, &empty, "missing", &v), 0);
	assert_int_equal(field_text(j, &empty, "i", &v), -1);
	assert_int_equal(field_text(j, &empty, "z", &v), 1);
	assert_int_equal(field_text(j, &empty, "c", &v), -1);
	assert_null(v);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_get),
		cmocka_unit_test(test_content_type_match),
		cmocka_unit_test(test_forwarded_for),
		cmocka_unit_test(test_route_match),
		cmocka_unit_test(test_body_json_fields),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
