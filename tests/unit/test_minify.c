/* Unit tests for app/minify.c: stylesheets and scripts as static.c
 * serves them. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drive.h"

/* The minified form of src, as a string the caller frees. */
static char *
minify(const char *src)
{
	struct dbuf b;

	dbuf_init(&b);
	css_minify(&b, src, strlen(src));
	return (dbuf_release(&b));
}

static void
check(const char *src, const char *want)
{
	char *got;

	got = minify(src);
	assert_string_equal(got, want);
	free(got);
}

static void
check_js(const char *src, const char *want)
{
	struct dbuf b;
	char	   *got;

	dbuf_init(&b);
	js_minify(&b, src, strlen(src));
	got = dbuf_release(&b);
	assert_string_equal(got, want);
	free(got);
}

static void
test_css_spaces_and_comments(void **state)
{
	(void)state;
	check("", "");
	check("  /* only a comment */\n", "");
	check("/* Top bar */\n.bar{display:flex;gap:1rem}\n\n.nav{flex:1}\n",
	    ".bar{display:flex;gap:1rem}.nav{flex:1}");
	check("a , b > c {\n\tcolor : red ;\n\tmargin: 0 auto;\n}\n",
	    "a,b>c{color : red;margin: 0 auto}");
	/* The last ; before } goes, in @media blocks too. */
	check("@media (max-width:30rem) {\n.a{x:1;}\n.b{y:2;}\n}\n",
	    "@media (max-width:30rem){.a{x:1}.b{y:2}}");
	/* A comment never joins two words. */
	check("margin:1px/**/2px", "margin:1px 2px");
	check("a{b:c}/* not closed", "a{b:c}");
}

static void
test_css_spaces_that_count(void **state)
{
	(void)state;
	/* Descendant combinator before a pseudo-class; "and (". */
	check(".topbar  :focus-visible{outline-color:#fff}",
	    ".topbar :focus-visible{outline-color:#fff}");
	check("@media screen and (min-width:48rem){a{b:c}}",
	    "@media screen and (min-width:48rem){a{b:c}}");
	/* calc() needs its + and - spaced. */
	check("a{width:calc(100%  -  2rem + 1px)}",
	    "a{width:calc(100% - 2rem + 1px)}");
	check("a{font:16px/1.5 system-ui,\n  sans-serif}",
	    "a{font:16px/1.5 system-ui,sans-serif}");
}

static void
test_css_strings_and_escapes(void **state)
{
	(void)state;
	/* Strings are copied as they are: spaces, comments, ; and }. */
	check(
	    ".crumb a::before{content:\"\\2190  \";content:\"\\2190  \"/\"\"}",
	    ".crumb a::before{content:\"\\2190  \";content:\"\\2190  \"/\"\"}");
	check("a::after{content:'/* x */  ;}'}",
	    "a::after{content:'/* x */  ;}'}");
	check("a{content:\"a\\\"  b\"}", "a{content:\"a\\\"  b\"}");
	/* An escape keeps the space that ends it; the next one is a combinator. */
	check(".\\31 0  a{b:c}", ".\\31 0 a{b:c}");
	check(".\\31  a{b:c}", ".\\31  a{b:c}");
	/* An escaped ; or { is a name, not punctuation. */
	check(".a\\;{b:c}", ".a\\;{b:c}");
	check(".a\\{  .b{c:d}", ".a\\{ .b{c:d}");
}

static void
test_js_comments_and_lines(void **state)
{
	(void)state;
	check_js("", "");
	check_js("/* Drive */\n(() => {\n  'use strict';\n\n  // one\n"
		 "  const a = 1;   /* why */  const b = 2;\n})();\n",
	    "(() => {\n'use strict';\nconst a = 1; const b = 2;\n})();");
	/* Every line break between tokens stays: ASI reads the same. */
	check_js("let a = b\n(c)\nreturn\n  x\n", "let a = b\n(c)\nreturn\nx");
	check_js("a /* spans\n lines */ b", "a\nb");
	check_js("a/**/b", "a b");
	check_js("x = 1 // to the end\ny = 2", "x = 1\ny = 2");
	check_js("x = 1 /* not closed", "x = 1");
}

static void
test_js_strings_templates_regexps(void **state)
{
	(void)state;
	/* Strings and templates are copied as they are. */
	check_js("f('//  not a comment', \"/*  nor this */\", 'it\\'s  ')",
	    "f('//  not a comment', \"/*  nor this */\", 'it\\'s  ')");
	check_js("t = `a  ${ b ? '}' : `x  ${c}` }  //  d\n  e`;",
	    "t = `a  ${ b ? '}' : `x  ${c}` }  //  d\n  e`;");
	/* A / where an operand may begin is a regular expression. */
	check_js("s = s.replace(/\\/*  [/]  x/g, '')",
	    "s = s.replace(/\\/*  [/]  x/g, '')");
	check_js("if (ok) return /a  b/i.test(x)",
	    "if (ok) return /a  b/i.test(x)");
	/* Elsewhere it divides, and what follows is code again. */
	check_js("h = (w  /  2) / 3 // half\nk = a[1] / b",
	    "h = (w / 2) / 3\nk = a[1] / b");
	check_js("n = i++ / 2 /* x */", "n = i++ / 2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_css_spaces_and_comments),
		cmocka_unit_test(test_css_spaces_that_count),
		cmocka_unit_test(test_css_strings_and_escapes),
		cmocka_unit_test(test_js_comments_and_lines),
		cmocka_unit_test(test_js_strings_templates_regexps),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
