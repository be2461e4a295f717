/* Unit tests for app/chain.c: the audit chain as drivectl recomputes it. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "drive.h"

/* From PostgreSQL 15 (the queries above test_hash). */
#define EXPECTED_FIRST \
	"b210cfe30e5f3a53e763afa9b5d55d5c484c2890b83223b226b468da5e2afaaf"
#define EXPECTED_SECOND \
	"f800732f89b72c18a127dd687c02ab82eef06a8bda22332d0a81c9ebd60bef63"

static void
test_time(void **state)
{
	char out[28];

	(void)state;
	assert_true(audit_time("2026-12-06 03:50:04.123456+00", out));
	assert_string_equal(out, "2026-12-06T03:50:04.123456Z");
	/* PostgreSQL cuts trailing zeros of the fraction, or all of it. */
	assert_true(audit_time("2026-12-06 03:50:04.5+00", out));
	assert_string_equal(out, "2026-12-06T03:50:04.500000Z");
	assert_true(audit_time("2026-01-01 00:00:00+00", out));
	assert_string_equal(out, "2026-01-01T00:00:00.000000Z");
	/* Not UTC, not ISO, more than microseconds, truncated: refused. */
	assert_false(audit_time("2026-12-06 03:50:04.5+01", out));
	assert_false(audit_time("2026-12-06 03:50:04.5", out));
	assert_false(audit_time("12/06/2026 03:50:04.5+00", out));
	assert_false(audit_time("2026-12-06 03:50:04.1234567+00", out));
	assert_false(audit_time("2026-12-06 03:50:04.+00", out));
	assert_false(audit_time("2026-12-06 03:5", out));
	assert_false(audit_time("", out));
}

static void
test_serialise(void **state)
{
	struct audit_entry e = { "2026-12-06 03:50:04.25+00", "42",
		"session.sign_in", "user:42", "2001:db8::5", "{\"a\": 1}" };
	struct dbuf	   b;

	(void)state;
	dbuf_init(&b);
	assert_true(audit_serialise(&b, &e));
	assert_int_equal(b.len,
	    strlen("2026-12-06T03:50:04.250000Z\x1f"
		   "42"
		   "\x1fsession.sign_in\x1fuser:42\x1f"
		   "2001:db8::5\x1f{\"a\": 1}"));
	assert_memory_equal(b.data,
	    "2026-12-06T03:50:04.250000Z\x1f"
	    "42"
	    "\x1fsession.sign_in\x1fuser:42\x1f"
	    "2001:db8::5\x1f{\"a\": 1}",
	    b.len);
	dbuf_free(&b);

	/* NULL actor, target, address are empty; a mask is not the host. */
	e.actor = NULL;
	e.target = NULL;
	e.address = "10.1.2.3/8";
	dbuf_init(&b);
	assert_true(audit_serialise(&b, &e));
	assert_memory_equal(b.data,
	    "2026-12-06T03:50:04.250000Z\x1f\x1f"
	    "session.sign_in\x1f\x1f"
	    "10.1.2.3\x1f{\"a\": 1}",
	    b.len);
	dbuf_free(&b);

	/* A separator inside action or target: fields could shift. */
	e.action = "a\x1f"
		   "b";
	dbuf_init(&b);
	assert_false(audit_serialise(&b, &e));
	dbuf_free(&b);
	e.action = "a";
	e.target = "b\x1f";
	dbuf_init(&b);
	assert_false(audit_serialise(&b, &e));
	dbuf_free(&b);
}

/*
 * The hash as PostgreSQL's audit_entry_hash() gives it for the same
 * entry (any session time zone): SELECT encode(audit_entry_hash('\x',
 * '2026-12-06 03:50:04.25+00', 42, 'session.sign_in', 'user:42',
 * '2001:db8::5', '{"a": 1}'), 'hex');
 */
static void
test_hash(void **state)
{
	struct audit_entry e = { "2026-12-06 03:50:04.25+00", "42",
		"session.sign_in", "user:42", "2001:db8::5", "{\"a\": 1}" };
	unsigned char	   h[AUDIT_HASH_LEN];
	char		   hex[2 * AUDIT_HASH_LEN + 1];

	(void)state;
	assert_true(audit_hash(NULL, 0, &e, h));
	hex_encode(h, sizeof(h), hex);
	assert_string_equal(hex, EXPECTED_FIRST);
	assert_true(audit_hash(h, sizeof(h), &e, h));
	hex_encode(h, sizeof(h), hex);
	assert_string_equal(hex, EXPECTED_SECOND);
}

static void
test_anchor_parse(void **state)
{
	struct audit_anchor a;
	char		    line[200];

	(void)state;
	memset(line, 0, sizeof(line));
	strcpy(line, "17 ");
	memset(line + 3, 'a', 64);
	strcpy(line + 67, " 2026-12-06T03:50:04Z\n");
	assert_int_equal(audit_anchor_parse(line, &a), 1);
	assert_int_equal(a.id, 17);
	assert_int_equal(a.hash[0], 0xaa);
	assert_string_equal(a.at, "2026-12-06T03:50:04Z");
	assert_int_equal(audit_anchor_parse("# a comment\n", &a), -1);
	assert_int_equal(audit_anchor_parse("\n", &a), -1);
	line[10] = 'g';
	assert_int_equal(audit_anchor_parse(line, &a), 0);
	line[10] = 'a';
	line[0] = '0';
	assert_int_equal(audit_anchor_parse(line, &a), 0);
	line[0] = '1';
	line[67] = '\0';
	assert_int_equal(audit_anchor_parse(line, &a), 0);
	assert_int_equal(audit_anchor_parse("-1 ab 2026\n", &a), 0);
	assert_int_equal(audit_anchor_parse("12 not-a-hash 2026\n", &a), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_serialise),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_anchor_parse),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
