/*
 * Checks the shipped templates and message catalogs against each other.
 * Run from the repository root.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drive.h"

#define TEMPLATES  "assets/templates"
#define CATALOG_EN "assets/i18n/en.txt"
#define CATALOG_DE "assets/i18n/de.txt"

static struct i18n_cat *en, *de;
static struct tpl_set  *tpls;
static char		err_en[512], err_de[512], err_tpl[512];

static int    setup(void **);
static int    teardown(void **);
static size_t onlyin(const struct i18n_cat *, const char *,
    const struct i18n_cat *, const char *);

static int
setup(void **state)
{
	(void)state;
	en = i18n_load(CATALOG_EN, err_en, sizeof(err_en));
	de = i18n_load(CATALOG_DE, err_de, sizeof(err_de));
	tpls = tpl_load_dir(TEMPLATES, err_tpl, sizeof(err_tpl));
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	i18n_free(en);
	i18n_free(de);
	tpl_free(tpls);
	return (0);
}

static void
test_en_loads(void **state)
{
	(void)state;
	if (en == NULL)
		fail_msg("%s", err_en);
	assert_non_null(i18n_key_at(en, 0));
}

static void
test_de_loads(void **state)
{
	(void)state;
	if (de == NULL)
		fail_msg("%s", err_de);
	assert_non_null(i18n_key_at(de, 0));
}

static void
test_templates_load(void **state)
{
	(void)state;
	if (tpls == NULL)
		fail_msg("%s", err_tpl);
}

/* Prints and counts the keys of a that b lacks. */
static size_t
onlyin(const struct i18n_cat *a, const char *an, const struct i18n_cat *b,
    const char *bn)
{
	const char *k;
	size_t	    i, n;

	n = 0;
	for (i = 0; (k = i18n_key_at(a, i)) != NULL; i++) {
		if (i18n_get(b, k) == NULL) {
			print_error("%s has \"%s\" but %s does not\n", an, k,
			    bn);
			n++;
		}
	}
	return (n);
}

static void
test_same_keys(void **state)
{
	size_t n;

	(void)state;
	assert_non_null(en);
	assert_non_null(de);
	n = onlyin(en, CATALOG_EN, de, CATALOG_DE);
	n += onlyin(de, CATALOG_DE, en, CATALOG_EN);
	assert_int_equal(n, 0);
}

static void
test_template_keys_exist(void **state)
{
	const char *k;
	size_t	    i, n;

	(void)state;
	assert_non_null(tpls);
	assert_non_null(en);
	assert_non_null(de);
	n = 0;
	for (i = 0; (k = tpl_message_key_at(tpls, i)) != NULL; i++) {
		if (i18n_get(en, k) == NULL) {
			print_error("template key \"%s\" missing from %s\n", k,
			    CATALOG_EN);
			n++;
		}
		if (i18n_get(de, k) == NULL) {
			print_error("template key \"%s\" missing from %s\n", k,
			    CATALOG_DE);
			n++;
		}
	}
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_en_loads),
		cmocka_unit_test(test_de_loads),
		cmocka_unit_test(test_templates_load),
		cmocka_unit_test(test_same_keys),
		cmocka_unit_test(test_template_keys_exist),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
