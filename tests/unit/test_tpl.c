/*
 * Unit tests for app/tpl.c.
 */

#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "drive.h"

static struct i18n_cat *cat;
static char		err[512];

static int     setup(void **);
static int     teardown(void **);
static int     run(const char *, const char *, char **);
static void    eq(const char *, const char *, const char *);
static void    loadfail(const char *, const char *);
static json_t *js(const char *);
static void    writefile(const char *, const char *, const char *);

static const char catalog[] = "# test catalog\n"
			      "hello = Hello\n"
			      "greet = Hello, {{name}}!\n"
			      "amp = Tom & Jerry <3 \"quoted\" 'single'\n"
			      "nested = {{user.name}} has {{count}} ideas\n"
			      "dot = [{{.}}]\n"
			      "multi = line1\\nline2\n"
			      "raw = {{body_html}}\n"
			      "colon = [{{x:y}}]\n";

static int
setup(void **state)
{
	char  path[] = "/tmp/drive-tpl-cat-XXXXXX";
	FILE *fp;
	int   fd;

	(void)state;
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return (-1);
	fputs(catalog, fp);
	fclose(fp);
	cat = i18n_load(path, err, sizeof(err));
	unlink(path);
	return (cat == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	(void)state;
	i18n_free(cat);
	return (0);
}

static json_t *
js(const char *text)
{
	json_t	    *j;
	json_error_t je;

	if (text == NULL)
		return (NULL);
	j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	assert_non_null(j);
	return (j);
}

/* Compiles src as "t" and renders it with the JSON text ctx. */
static int
run(const char *src, const char *ctx, char **out)
{
	struct tpl_set *set;
	struct dbuf	b;
	json_t	       *j;
	int		ok;

	set = tpl_load_string("t", src, err, sizeof(err));
	if (set == NULL)
		fail_msg("load failed: %s", err);
	j = js(ctx);
	dbuf_init(&b);
	ok = tpl_render(set, "t", j, cat, &b);
	*out = dbuf_release(&b);
	json_decref(j);
	tpl_free(set);
	return (ok);
}

static void
eq(const char *src, const char *ctx, const char *want)
{
	char *out;

	assert_true(run(src, ctx, &out));
	assert_string_equal(out, want);
	free(out);
}

static void
loadfail(const char *src, const char *want)
{
	assert_null(tpl_load_string("t", src, err, sizeof(err)));
	assert_string_equal(err, want);
}

static void
writefile(const char *dir, const char *name, const char *text)
{
	char  path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_text(void **state)
{
	(void)state;
	eq("", NULL, "");
	eq("plain <b>html</b> & stuff", NULL, "plain <b>html</b> & stuff");
	eq("{ } }} {x} { {", "{}", "{ } }} {x} { {");
	eq("line1\nline2\n", "{}", "line1\nline2\n");
}

static void
test_var_escape(void **state)
{
	(void)state;
	eq("{{s}}", "{\"s\":\"&\"}", "&amp;");
	eq("{{s}}", "{\"s\":\"<\"}", "&lt;");
	eq("{{s}}", "{\"s\":\">\"}", "&gt;");
	eq("{{s}}", "{\"s\":\"\\\"\"}", "&quot;");
	eq("{{s}}", "{\"s\":\"'\"}", "&#39;");
	eq("<p>{{s}}</p>", "{\"s\":\"<script>alert('x')</script>\"}",
	    "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>");
	eq("{{s}}", "{\"s\":\"caf\\u00e9 \\u20ac\"}",
	    "caf\xc3\xa9 \xe2\x82\xac");
}

static void
test_var_attribute(void **state)
{
	(void)state;
	eq("<a title=\"{{t}}\" data-x='{{t}}'>",
	    "{\"t\":\"\\\" onclick=\\\"evil()\\\" x='y'\"}",
	    "<a title=\"&quot; onclick=&quot;evil()&quot; x=&#39;y&#39;\" "
	    "data-x='&quot; onclick=&quot;evil()&quot; x=&#39;y&#39;'>");
	eq("<input value=\"{{v}}\">", "{\"v\":\"a&amp;b\"}",
	    "<input value=\"a&amp;amp;b\">");
}

static void
test_var_html_suffix_still_escaped(void **state)
{
	(void)state;
	eq("{{body_html}}", "{\"body_html\":\"<b>x</b>\"}",
	    "&lt;b&gt;x&lt;/b&gt;");
}

static void
test_var_types(void **state)
{
	(void)state;
	eq("[{{i}}]", "{\"i\":42}", "[42]");
	eq("[{{i}}]", "{\"i\":-7}", "[-7]");
	eq("[{{i}}]", "{\"i\":0}", "[0]");
	eq("[{{i}}]", "{\"i\":9007199254740993}", "[9007199254740993]");
	eq("[{{i}}]", "{\"i\":-9223372036854775808}", "[-9223372036854775808]");
	eq("[{{r}}]", "{\"r\":1.5}", "[1.5]");
	eq("[{{r}}]", "{\"r\":0.1}", "[0.1]");
	eq("[{{r}}]", "{\"r\":-2.0}", "[-2]");
	eq("[{{r}}]", "{\"r\":1e21}", "[1e+21]");
	eq("[{{r}}]", "{\"r\":123456789.0}", "[1.23457e+08]");
	eq("[{{b}}]", "{\"b\":true}", "[true]");
	eq("[{{b}}]", "{\"b\":false}", "[]");
	eq("[{{n}}]", "{\"n\":null}", "[]");
	eq("[{{o}}]", "{\"o\":{\"a\":1}}", "[]");
	eq("[{{a}}]", "{\"a\":[1,2]}", "[]");
	eq("[{{missing}}]", "{}", "[]");
	eq("[{{missing}}]", NULL, "[]");
	eq("[{{s}}]", "{\"s\":\"\"}", "[]");
}

static void
test_var_nul_in_string(void **state)
{
	char *out;

	(void)state;
	assert_true(run("[{{s}}]", "{\"s\":\"a\\u0000<\"}", &out));
	assert_memory_equal(out, "[a\0&lt;]", 9);
	free(out);
}

static void
test_var_whitespace(void **state)
{
	(void)state;
	eq("{{ name }}|{{\tname\t}}|{{name   }}|{{\n name \n}}",
	    "{\"name\":\"x\"}", "x|x|x|x");
	eq("{{# a }}[{{ . }}]{{/ a }}{{^ b }}-{{/ b }}", "{\"a\":[1,2]}",
	    "[1][2]-");
}

static void
test_dotted(void **state)
{
	(void)state;
	eq("{{a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "deep");
	eq("[{{a.b.c}}]", "{\"a\":{\"b\":{}}}", "[]");
	eq("[{{a.b.c}}]", "{\"a\":{\"b\":\"str\"}}", "[]");
	eq("[{{a.b.c}}]", "{\"a\":null}", "[]");
	eq("[{{a.b}}]", "{\"a\":[{\"b\":1}]}", "[]");
	eq("{{user.name}} <{{user.email}}>",
	    "{\"user\":{\"name\":\"A&B\",\"email\":\"a@b\"}}", "A&amp;B <a@b>");
	eq("{{a-b}}|{{a_b}}|{{A9}}|{{x:y}}",
	    "{\"a-b\":1,\"a_b\":2,\"A9\":3,\"x:y\":4}", "1|2|3|4");
}

static void
test_dot(void **state)
{
	(void)state;
	eq("[{{.}}]", "\"top<\"", "[top&lt;]");
	eq("[{{.}}]", "{\"a\":1}", "[]");
	eq("{{#list}}({{.}}){{/list}}",
	    "{\"list\":[\"a\",\"<b>\",3,1.5,"
	    "true,false,null]}",
	    "(a)(&lt;b&gt;)(3)(1.5)(true)()()");
}

static void
test_raw(void **state)
{
	(void)state;
	eq("<div>{{{content_html}}}</div>",
	    "{\"content_html\":\"<p>Hi &amp; bye</p>\"}",
	    "<div><p>Hi &amp; bye</p></div>");
	eq("{{{idea.body_html}}}", "{\"idea\":{\"body_html\":\"<i>x</i>\"}}",
	    "<i>x</i>");
	eq("{{{ x_html }}}", "{\"x_html\":\"<br>\"}", "<br>");
	eq("[{{{x_html}}}]", "{\"x_html\":7}", "[7]");
	eq("[{{{x_html}}}]", "{}", "[]");
	eq("{{#items}}{{{body_html}}}{{/items}}",
	    "{\"items\":[{\"body_html\":\"<a>\"},{\"body_html\":\"<b>\"}]}",
	    "<a><b>");
}

static void
test_raw_forbidden(void **state)
{
	(void)state;
	loadfail("{{{content}}}",
	    "t:1: {{{content}}}: unescaped output needs a name ending in "
	    "_html");
	loadfail("ok\n\n{{{html}}}",
	    "t:3: {{{html}}}: unescaped output needs a name ending in _html");
	loadfail("{{{a_html.b}}}",
	    "t:1: {{{a_html.b}}}: unescaped output needs a name ending in "
	    "_html");
	loadfail("{{{x_htm}}}",
	    "t:1: {{{x_htm}}}: unescaped output needs a name ending in "
	    "_html");
	loadfail("{{{x_HTML}}}",
	    "t:1: {{{x_HTML}}}: unescaped output needs a name ending in "
	    "_html");
	loadfail("{{{.}}}",
	    "t:1: {{{.}}}: unescaped output needs a name ending in _html");
	loadfail("{{{}}}", "t:1: empty name");
	loadfail("{{&x}}", "t:1: unescaped output needs {{{name_html}}}");
	loadfail("{{&x_html}}", "t:1: unescaped output needs {{{name_html}}}");
	loadfail("{{{#x_html}}}", "t:1: bad character in name");
	loadfail("{{{x_html}}", "t:1: unclosed tag");
}

static void
test_section_array(void **state)
{
	(void)state;
	eq("<ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>",
	    "{\"items\":[{\"name\":\"a\"},{\"name\":\"<b>\"}]}",
	    "<ul><li>a</li><li>&lt;b&gt;</li></ul>");
	eq("{{#items}}x{{/items}}", "{\"items\":[]}", "");
	eq("{{#items}}{{.}},{{/items}}", "{\"items\":[1,2,3]}", "1,2,3,");
	eq("{{#items}}[{{#.}}{{.}}{{/.}}]{{/items}}",
	    "{\"items\":[[1,2],[],[3]]}", "[12][][3]");
}

static void
test_section_object(void **state)
{
	(void)state;
	eq("{{#user}}{{name}} ({{age}}){{/user}}",
	    "{\"user\":{\"name\":\"Ann\",\"age\":30}}", "Ann (30)");
	eq("{{#user}}shown{{/user}}", "{\"user\":{}}", "shown");
}

static void
test_section_scalars(void **state)
{
	(void)state;
	eq("{{#b}}yes{{/b}}", "{\"b\":true}", "yes");
	eq("{{#b}}yes{{/b}}", "{\"b\":false}", "");
	eq("{{#b}}yes{{/b}}", "{\"b\":null}", "");
	eq("{{#b}}yes{{/b}}", "{}", "");
	eq("{{#b}}yes{{/b}}", NULL, "");
	eq("{{#s}}<{{.}}>{{/s}}", "{\"s\":\"str&\"}", "<str&amp;>");
	eq("{{#s}}yes{{/s}}", "{\"s\":\"\"}", "");
	eq("{{#n}}[{{.}}]{{/n}}", "{\"n\":5}", "[5]");
	eq("{{#n}}[{{.}}]{{/n}}", "{\"n\":-1}", "[-1]");
	eq("{{#n}}yes{{/n}}", "{\"n\":0}", "");
	eq("{{#n}}[{{.}}]{{/n}}", "{\"n\":0.5}", "[0.5]");
	eq("{{#n}}yes{{/n}}", "{\"n\":0.0}", "");
	eq("{{#b}}[{{.}}]{{/b}}", "{\"b\":true}", "[true]");
}

static void
test_inverted(void **state)
{
	(void)state;
	eq("{{^b}}no{{/b}}", "{\"b\":true}", "");
	eq("{{^b}}no{{/b}}", "{\"b\":false}", "no");
	eq("{{^b}}no{{/b}}", "{\"b\":null}", "no");
	eq("{{^b}}no{{/b}}", "{}", "no");
	eq("{{^b}}no{{/b}}", NULL, "no");
	eq("{{^a}}none{{/a}}", "{\"a\":[]}", "none");
	eq("{{^a}}none{{/a}}", "{\"a\":[0]}", "");
	eq("{{^a}}none{{/a}}", "{\"a\":{}}", "");
	eq("{{^s}}empty{{/s}}", "{\"s\":\"\"}", "empty");
	eq("{{^s}}empty{{/s}}", "{\"s\":\"x\"}", "");
	eq("{{^n}}zero{{/n}}", "{\"n\":0}", "zero");
	eq("{{^n}}zero{{/n}}", "{\"n\":3}", "");
	eq("{{^n}}zero{{/n}}", "{\"n\":0.0}", "zero");
	eq("{{#items}}<li>{{.}}</li>{{/items}}{{^items}}<p>No items</p>"
	   "{{/items}}",
	    "{\"items\":[]}", "<p>No items</p>");
	/* The inverted body keeps the context it was in. */
	eq("{{#o}}{{^x}}{{v}}{{/x}}{{/o}}",
	    "{\"o\":{\"v\":\"in\"},"
	    "\"v\":\"out\"}",
	    "in");
}

static void
test_context_lookup(void **state)
{
	(void)state;
	/* Outer names are visible in a section. */
	eq("{{#items}}{{title}}:{{name}};{{/items}}",
	    "{\"title\":\"T\",\"items\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
	    "T:a;T:b;");
	/* Inner names shadow outer ones, even when null. */
	eq("{{#o}}[{{n}}]{{/o}}", "{\"n\":\"outer\",\"o\":{\"n\":\"inner\"}}",
	    "[inner]");
	eq("{{#o}}[{{n}}]{{/o}}", "{\"n\":\"outer\",\"o\":{\"n\":null}}", "[]");
	/* A dotted name resolves its first segment outward ... */
	eq("{{#items}}{{user.name}}{{/items}}",
	    "{\"user\":{\"name\":\"U\"},\"items\":[1,2]}", "UU");
	/* ... and does not fall back once the first segment is found. */
	eq("{{#o}}[{{user.name}}]{{/o}}",
	    "{\"user\":{\"name\":\"U\"},\"o\":{\"user\":{}}}", "[]");
	/* Three levels. */
	eq("{{#a}}{{#b}}{{#c}}{{x}}{{y}}{{z}}{{/c}}{{/b}}{{/a}}",
	    "{\"x\":1,\"a\":{\"y\":2,\"b\":{\"z\":3,\"c\":true}}}", "123");
	/* A section named after an outer array inside an element. */
	eq("{{#rows}}{{#cols}}{{r}}{{c}} {{/cols}}{{/rows}}",
	    "{\"cols\":[{\"c\":\"a\"},{\"c\":\"b\"}],\"rows\":[{\"r\":1},"
	    "{\"r\":2}]}",
	    "1a 1b 2a 2b ");
}

static void
test_deep_stack(void **state)
{
	struct dbuf src, ctx;
	char	   *out;
	int	    i;

	(void)state;
	dbuf_init(&src);
	dbuf_init(&ctx);
	for (i = 0; i < 90; i++) {
		dbuf_appendstr(&src, "{{#a}}");
		dbuf_appendstr(&ctx, "{\"a\":");
	}
	dbuf_appendstr(&src, "{{x}}");
	dbuf_appendstr(&ctx, "{\"b\":1}");
	for (i = 0; i < 90; i++) {
		dbuf_appendstr(&src, "{{/a}}");
		dbuf_appendstr(&ctx, "}");
	}
	dbuf_appendstr(&ctx, "");
	/* x only exists in the outermost context. */
	ctx.data[ctx.len - 1] = '\0';
	ctx.len--;
	dbuf_appendstr(&ctx, ",\"x\":\"top\"}");
	assert_true(run(src.data, ctx.data, &out));
	assert_string_equal(out, "top");
	free(out);
	dbuf_free(&src);
	dbuf_free(&ctx);
}

static void
test_section_too_deep(void **state)
{
	struct dbuf src;
	int	    i;

	(void)state;
	dbuf_init(&src);
	for (i = 0; i < 101; i++)
		dbuf_appendstr(&src, "{{#a}}");
	loadfail(src.data, "t:1: sections nested too deeply");
	dbuf_free(&src);
}

static void
test_comment(void **state)
{
	(void)state;
	eq("a{{! a comment }}b", NULL, "ab");
	eq("a{{!}}b", NULL, "ab");
	eq("a{{! <b> {x} }}b", NULL, "ab");
	eq("a{{!\nmulti\nline\n}}b", NULL, "ab");
	loadfail("{{!\n\n}}\n{{/x}}", "t:4: {{/x}} without an open section");
}

/*
 * A template that includes itself inside a loop would render items^16
 * times: the render's budget stops it, quickly, as a failure (found by
 * tests/fuzz/fuzz_tpl: 38 s for 3.5 KB before the budget).
 */
static void
test_render_budget(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;
	json_t	       *j;

	(void)state;
	set = tpl_load_string("t", "x{{#list}}{{> t}}{{/list}}", err,
	    sizeof(err));
	assert_non_null(set);
	j = js("{\"list\":[1,2,3,4,5,6,7,8]}");
	dbuf_init(&b);
	assert_false(tpl_render(set, "t", j, cat, &b));
	dbuf_free(&b);
	/* A page's worth of nodes is far below the budget. */
	assert_true(tpl_add_string(set, "u", "{{#list}}<li>{{.}}</li>{{/list}}",
	    err, sizeof(err)));
	assert_true(tpl_render(set, "u", j, cat, &b));
	dbuf_free(&b);
	json_decref(j);
	tpl_free(set);
}

static void
test_partial(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;
	json_t	       *j;

	(void)state;
	set = tpl_load_string("page",
	    "<h1>{{title}}</h1>{{#items}}"
	    "{{> item}}{{/items}}{{>footer}}",
	    err, sizeof(err));
	assert_non_null(set);
	assert_true(tpl_add_string(set, "item",
	    "<li>{{name}} of {{title}}"
	    "</li>",
	    err, sizeof(err)));
	assert_true(tpl_add_string(set, "footer",
	    "<footer>{{t:hello}}"
	    "</footer>",
	    err, sizeof(err)));
	assert_true(tpl_exists(set, "page"));
	assert_true(tpl_exists(set, "item"));
	assert_false(tpl_exists(set, "nope"));
	j = js("{\"title\":\"T&\",\"items\":[{\"name\":\"<a>\"},"
	       "{\"name\":\"b\"}]}");
	dbuf_init(&b);
	assert_true(tpl_render(set, "page", j, cat, &b));
	assert_string_equal(b.data,
	    "<h1>T&amp;</h1><li>&lt;a&gt; of T&amp;"
	    "</li><li>b of T&amp;</li><footer>Hello</footer>");
	dbuf_free(&b);
	/* Partials are templates in their own right. */
	assert_true(tpl_render(set, "item", j, cat, &b));
	assert_string_equal(b.data, "<li> of T&amp;</li>");
	dbuf_free(&b);
	json_decref(j);
	tpl_free(set);
}

static void
test_partial_added_later(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;

	(void)state;
	set = tpl_load_string("a", "[{{>b}}]", err, sizeof(err));
	assert_non_null(set);
	dbuf_init(&b);
	assert_false(tpl_render(set, "a", NULL, cat, &b));
	assert_string_equal(b.data, "[");
	dbuf_free(&b);
	assert_true(tpl_add_string(set, "b", "B", err, sizeof(err)));
	assert_true(tpl_render(set, "a", NULL, cat, &b));
	assert_string_equal(b.data, "[B]");
	dbuf_free(&b);
	tpl_free(set);
}

static void
test_partial_unknown(void **state)
{
	char *out;

	(void)state;
	assert_false(run("before{{> missing}}after", "{}", &out));
	assert_string_equal(out, "before");
	free(out);
	loadfail("{{>}}", "t:1: empty partial name");
	loadfail("{{> a b}}", "t:1: bad character in partial name");
	loadfail("{{> a/b}}", "t:1: bad character in partial name");
}

static void
test_partial_recursive(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;
	json_t	       *j;

	(void)state;
	set = tpl_load_string("tree",
	    "<ul>{{#kids}}<li>{{name}}{{>tree}}"
	    "</li>{{/kids}}</ul>",
	    err, sizeof(err));
	assert_non_null(set);
	j = js("{\"kids\":[{\"name\":\"a\",\"kids\":[{\"name\":\"b\","
	       "\"kids\":[]}]},{\"name\":\"c\",\"kids\":[]}]}");
	dbuf_init(&b);
	assert_true(tpl_render(set, "tree", j, cat, &b));
	assert_string_equal(b.data,
	    "<ul><li>a<ul><li>b<ul></ul></li></ul>"
	    "</li><li>c<ul></ul></li></ul>");
	dbuf_free(&b);
	json_decref(j);
	tpl_free(set);
}

static void
test_partial_depth(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;
	char		name[16], src[32];
	int		i;

	(void)state;
	/* p0 includes p1 ... p16 includes p17: 17 levels of partials. */
	set = tpl_load_string("p17", "end", err, sizeof(err));
	assert_non_null(set);
	for (i = 0; i < 17; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		snprintf(src, sizeof(src), "%d{{>p%d}}", i, i + 1);
		assert_true(tpl_add_string(set, name, src, err, sizeof(err)));
	}
	dbuf_init(&b);
	assert_true(tpl_render(set, "p1", NULL, cat, &b));
	assert_string_equal(b.data, "12345678910111213141516end");
	dbuf_free(&b);
	assert_false(tpl_render(set, "p0", NULL, cat, &b));
	dbuf_free(&b);
	tpl_free(set);

	set = tpl_load_string("loop", "x{{>loop}}", err, sizeof(err));
	assert_non_null(set);
	assert_false(tpl_render(set, "loop", NULL, cat, &b));
	assert_string_equal(b.data, "xxxxxxxxxxxxxxxxx");
	dbuf_free(&b);
	tpl_free(set);
}

static void
test_message(void **state)
{
	(void)state;
	eq("<p>{{t:hello}}</p>", NULL, "<p>Hello</p>");
	eq("{{ t:hello }}|{{t: hello}}", NULL, "Hello|Hello");
	eq("{{t:greet}}", "{\"name\":\"<Ann & Bob>\"}",
	    "Hello, &lt;Ann &amp; Bob&gt;!");
	eq("{{t:greet}}", "{}", "Hello, !");
	eq("{{t:amp}}", NULL,
	    "Tom &amp; Jerry &lt;3 &quot;quoted&quot; &#39;single&#39;");
	eq("{{t:multi}}", NULL, "line1\nline2");
	eq("{{t:nested}}", "{\"user\":{\"name\":\"U\"},\"count\":3}",
	    "U has 3 ideas");
	eq("{{#users}}{{t:greet}} {{/users}}",
	    "{\"users\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
	    "Hello, a! Hello, b! ");
	eq("{{#items}}{{t:dot}}{{/items}}", "{\"items\":[\"<x>\",2]}",
	    "[&lt;x&gt;][2]");
	eq("{{t:colon}}", "{\"x:y\":\"&\"}", "[&amp;]");
	/* A message can never emit raw HTML. */
	eq("{{t:raw}}", "{\"body_html\":\"<b>\"}", "&lt;b&gt;");
}

static void
test_message_missing(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;
	char	       *out;

	(void)state;
	assert_false(run("a{{t:no.such.key}}b", NULL, &out));
	assert_string_equal(out, "a");
	free(out);
	set = tpl_load_string("t", "x{{t:hello}}", err, sizeof(err));
	assert_non_null(set);
	dbuf_init(&b);
	assert_false(tpl_render(set, "t", NULL, NULL, &b));
	assert_string_equal(b.data, "x");
	dbuf_free(&b);
	tpl_free(set);
	loadfail("{{t:}}", "t:1: empty message key");
	loadfail("{{t:Hello}}", "t:1: bad character in message key");
	loadfail("{{t:a-b}}", "t:1: bad character in message key");
	loadfail("{{t:a b}}", "t:1: bad character in message key");
}

static void
test_tpl_message(void **state)
{
	struct dbuf b;
	json_t	   *j;

	(void)state;
	j = js("{\"name\":\"<A&B>\"}");
	dbuf_init(&b);
	assert_true(tpl_message(cat, "greet", j, 1, &b));
	assert_string_equal(b.data, "Hello, &lt;A&amp;B&gt;!");
	dbuf_free(&b);
	assert_true(tpl_message(cat, "greet", j, 0, &b));
	assert_string_equal(b.data, "Hello, <A&B>!");
	dbuf_free(&b);
	assert_true(tpl_message(cat, "amp", NULL, 0, &b));
	assert_string_equal(b.data, "Tom & Jerry <3 \"quoted\" 'single'");
	dbuf_free(&b);
	assert_true(tpl_message(cat, "amp", NULL, 1, &b));
	assert_string_equal(b.data,
	    "Tom &amp; Jerry &lt;3 &quot;quoted&quot; &#39;single&#39;");
	dbuf_free(&b);
	assert_true(tpl_message(cat, "greet", NULL, 1, &b));
	assert_string_equal(b.data, "Hello, !");
	dbuf_free(&b);
	json_decref(j);
	j = js("42");
	assert_true(tpl_message(cat, "dot", j, 1, &b));
	assert_string_equal(b.data, "[42]");
	dbuf_free(&b);
	json_decref(j);
}

static void
test_tpl_message_missing(void **state)
{
	struct dbuf b;

	(void)state;
	dbuf_init(&b);
	dbuf_appendstr(&b, "x:");
	assert_false(tpl_message(cat, "no.such_key", NULL, 1, &b));
	assert_string_equal(b.data, "x:no.such_key");
	dbuf_free(&b);
	assert_false(tpl_message(NULL, "k", NULL, 0, &b));
	assert_string_equal(b.data, "k");
	dbuf_free(&b);
	assert_false(tpl_message(cat, "<k>", NULL, 1, &b));
	assert_string_equal(b.data, "&lt;k&gt;");
	dbuf_free(&b);
}

static void
test_message_keys(void **state)
{
	struct tpl_set *set;

	(void)state;
	set = tpl_load_string("a", "{{t:z.last}}{{t:b.mid}}{{t:z.last}}", err,
	    sizeof(err));
	assert_non_null(set);
	assert_string_equal(tpl_message_key_at(set, 0), "b.mid");
	assert_string_equal(tpl_message_key_at(set, 1), "z.last");
	assert_null(tpl_message_key_at(set, 2));
	assert_true(tpl_add_string(set, "b",
	    "{{#x}}{{t:a.first}}{{/x}}"
	    "{{t:b.mid}}",
	    err, sizeof(err)));
	assert_string_equal(tpl_message_key_at(set, 0), "a.first");
	assert_string_equal(tpl_message_key_at(set, 1), "b.mid");
	assert_string_equal(tpl_message_key_at(set, 2), "z.last");
	assert_null(tpl_message_key_at(set, 3));
	tpl_free(set);
	set = tpl_load_string("a", "no keys", err, sizeof(err));
	assert_null(tpl_message_key_at(set, 0));
	tpl_free(set);
	assert_null(tpl_message_key_at(NULL, 0));
}

static void
test_errors_unclosed(void **state)
{
	(void)state;
	loadfail("abc {{name", "t:1: unclosed tag");
	loadfail("a\nb\nc {{name }\n", "t:3: unclosed tag");
	loadfail("{{", "t:1: unclosed tag");
	loadfail("{{{", "t:1: unclosed tag");
	loadfail("{{#a}}x", "t:1: unclosed section {{#a}}");
	loadfail("\n{{^a}}\n{{#b}}{{/b}}", "t:2: unclosed section {{^a}}");
	loadfail("{{#a}}{{#b}}{{/b}}\n{{#c}}", "t:2: unclosed section {{#c}}");
}

static void
test_errors_mismatch(void **state)
{
	(void)state;
	loadfail("{{#a}}{{/b}}", "t:1: {{/b}} does not close {{#a}} of line 1");
	loadfail("{{#a}}\n{{#b}}\n{{/a}}",
	    "t:3: {{/a}} does not close {{#b}} of line 2");
	loadfail("{{^a.b}}{{/a}}",
	    "t:1: {{/a}} does not close {{^a.b}} of line 1");
	loadfail("x{{/a}}", "t:1: {{/a}} without an open section");
	loadfail("{{#a}}{{/a}}{{/a}}", "t:1: {{/a}} without an open section");
}

static void
test_errors_names(void **state)
{
	(void)state;
	loadfail("{{}}", "t:1: empty name");
	loadfail("{{ }}", "t:1: empty name");
	loadfail("{{#}}", "t:1: empty name");
	loadfail("{{^ }}", "t:1: empty name");
	loadfail("{{/}}", "t:1: empty name");
	loadfail("{{a b}}", "t:1: bad character in name");
	loadfail("{{a<b}}", "t:1: bad character in name");
	loadfail("{{a\"}}", "t:1: bad character in name");
	loadfail("{{\xc3\xa9}}", "t:1: bad character in name");
	loadfail("{{a..b}}", "t:1: bad name (empty segment)");
	loadfail("{{.a}}", "t:1: bad name (empty segment)");
	loadfail("{{a.}}", "t:1: bad name (empty segment)");
	loadfail("{{..}}", "t:1: bad name (empty segment)");
	loadfail("{{#a b}}{{/a b}}", "t:1: bad character in name");
	loadfail("{{=<% %>=}}", "t:1: delimiter changes are not supported");
	loadfail("{{%x}}", "t:1: bad character in name");
}

static void
test_error_buffer(void **state)
{
	char small[8];

	(void)state;
	assert_null(tpl_load_string("t", "{{", NULL, 0));
	assert_null(tpl_load_string("t", "{{", small, sizeof(small)));
	assert_string_equal(small, "t:1: un");
	assert_null(tpl_load_string("long-name", "{{", small, sizeof(small)));
	assert_string_equal(small, "long-na");
}

static void
test_set_api(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;

	(void)state;
	set = tpl_load_string("a", "A", err, sizeof(err));
	assert_non_null(set);
	assert_false(tpl_add_string(set, "a", "again", err, sizeof(err)));
	assert_string_equal(err, "a: duplicate or empty template name \"a\"");
	assert_false(tpl_add_string(set, "b", "{{#x}}", err, sizeof(err)));
	assert_string_equal(err, "b:1: unclosed section {{#x}}");
	assert_false(tpl_exists(set, "b"));
	dbuf_init(&b);
	assert_false(tpl_render(set, "b", NULL, cat, &b));
	assert_false(tpl_render(set, "", NULL, cat, &b));
	assert_int_equal(b.len, 0);
	assert_true(tpl_render(set, "a", NULL, cat, &b));
	assert_string_equal(b.data, "A");
	dbuf_free(&b);
	tpl_free(set);
	tpl_free(NULL);
	assert_false(tpl_exists(NULL, "a"));
}

static void
test_render_appends(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;

	(void)state;
	set = tpl_load_string("a", "[{{.}}]", err, sizeof(err));
	assert_non_null(set);
	dbuf_init(&b);
	dbuf_appendstr(&b, "pre");
	assert_true(tpl_render(set, "a", json_true(), cat, &b));
	assert_true(tpl_render(set, "a", json_false(), cat, &b));
	assert_string_equal(b.data, "pre[true][]");
	dbuf_free(&b);
	tpl_free(set);
}

static void
test_load_dir(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;
	char		dir[] = "/tmp/drive-tpl-dir-XXXXXX", path[600];
	json_t	       *j;

	(void)state;
	assert_non_null(mkdtemp(dir));
	writefile(dir, "page.html", "<title>{{t:hello}}</title>{{>part}}\n");
	writefile(dir, "part.html", "<p>{{x}}</p>{{t:greet}}");
	writefile(dir, "notes.txt", "{{ignored");
	writefile(dir, ".hidden.html", "{{ignored");
	writefile(dir, ".html", "{{ignored");
	snprintf(path, sizeof(path), "%s/sub.html", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	set = tpl_load_dir(dir, err, sizeof(err));
	if (set == NULL)
		fail_msg("%s", err);
	assert_true(tpl_exists(set, "page"));
	assert_true(tpl_exists(set, "part"));
	assert_false(tpl_exists(set, "notes"));
	assert_false(tpl_exists(set, "sub"));
	assert_false(tpl_exists(set, ".hidden"));
	assert_string_equal(tpl_message_key_at(set, 0), "greet");
	assert_string_equal(tpl_message_key_at(set, 1), "hello");
	assert_null(tpl_message_key_at(set, 2));
	j = js("{\"x\":\"<\",\"name\":\"N\"}");
	dbuf_init(&b);
	assert_true(tpl_render(set, "page", j, cat, &b));
	assert_string_equal(b.data,
	    "<title>Hello</title><p>&lt;</p>Hello, N!\n");
	dbuf_free(&b);
	json_decref(j);
	tpl_free(set);

	writefile(dir, "zbad.html", "line1\nline2 {{#open}}\n");
	assert_null(tpl_load_dir(dir, err, sizeof(err)));
	snprintf(path, sizeof(path),
	    "%s/zbad.html:2: unclosed section "
	    "{{#open}}",
	    dir);
	assert_string_equal(err, path);

	snprintf(path, sizeof(path), "%s/zbad.html", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/page.html", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/part.html", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.hidden.html", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.html", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub.html", dir);
	rmdir(path);

	/* An empty directory is an empty set. */
	set = tpl_load_dir(dir, err, sizeof(err));
	assert_non_null(set);
	assert_false(tpl_exists(set, "page"));
	tpl_free(set);
	rmdir(dir);

	assert_null(tpl_load_dir("/nonexistent/templates", err, sizeof(err)));
	assert_string_equal(err,
	    "/nonexistent/templates: No such file or directory");
}

static const char hostile[] =
    "<h1>{{title}}</h1>{{! note }}\n"
    "{{#items}}<li class=\"{{cls}}\">{{{body_html}}} {{t:greet}}"
    "{{^done}}open{{/done}}{{> row}}</li>{{/items}}\n"
    "{{^items}}{{t:hello}}{{/items}}{{a.b.c}}{{.}}{{{x_html}}}";

/* Every prefix loads or fails cleanly and renders without harm. */
static void
test_hostile_prefixes(void **state)
{
	struct tpl_set *set;
	struct dbuf	b;
	json_t	       *j;
	char	       *src;
	size_t		i, loaded;

	(void)state;
	j = js("{\"title\":\"<T>\",\"items\":[{\"cls\":\"\\\"x\",\"body_html\":"
	       "\"<b>\",\"name\":\"n\",\"done\":false},{\"done\":true}],\"a\":"
	       "{\"b\":{\"c\":1}}}");
	loaded = 0;
	for (i = 0; i < sizeof(hostile); i++) {
		src = malloc(i + 1);
		assert_non_null(src);
		memcpy(src, hostile, i);
		src[i] = '\0';
		set = tpl_load_string("t", src, err, sizeof(err));
		if (set == NULL) {
			assert_int_equal(strncmp(err, "t:", 2), 0);
		} else {
			loaded++;
			assert_true(tpl_add_string(set, "row", "<{{cls}}>", err,
			    sizeof(err)));
			dbuf_init(&b);
			(void)tpl_render(set, "t", j, cat, &b);
			(void)tpl_render(set, "t", NULL, NULL, &b);
			(void)tpl_render(set, "t", json_true(), cat, &b);
			dbuf_free(&b);
			tpl_free(set);
		}
		free(src);
	}
	assert_true(loaded > 10);
	json_decref(j);
}

/* Random bytes from a fixed seed never crash the compiler. */
static void
test_hostile_random(void **state)
{
	static const char *bits[] = { "{{", "}}", "{", "}", "#", "^", "/", ">",
		"!", "t:", "a", ".", "_html", " ", "\n", "x", "&", "{{#a}}",
		"{{/a}}", "{{{", "}}}", "\xff" };
	struct tpl_set	  *set;
	struct dbuf	   src, out;
	json_t		  *j;
	uint32_t	   x = 88172645u;
	size_t		   round, i, n;

	(void)state;
	j = js("{\"a\":[{\"a\":1},true],\"x\":\"<\",\"x_html\":\"<\"}");
	for (round = 0; round < 5000; round++) {
		dbuf_init(&src);
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		n = x % 24;
		for (i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			dbuf_appendstr(&src,
			    bits[x % (sizeof(bits) / sizeof(bits[0]))]);
		}
		set = tpl_load_string("t", src.data != NULL ? src.data : "",
		    err, sizeof(err));
		if (set != NULL) {
			dbuf_init(&out);
			(void)tpl_add_string(set, "a", "{{x}}", err,
			    sizeof(err));
			(void)tpl_render(set, "t", j, cat, &out);
			dbuf_free(&out);
			tpl_free(set);
		}
		dbuf_free(&src);
	}
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_var_escape),
		cmocka_unit_test(test_var_attribute),
		cmocka_unit_test(test_var_html_suffix_still_escaped),
		cmocka_unit_test(test_var_types),
		cmocka_unit_test(test_var_nul_in_string),
		cmocka_unit_test(test_var_whitespace),
		cmocka_unit_test(test_dotted),
		cmocka_unit_test(test_dot),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_raw_forbidden),
		cmocka_unit_test(test_section_array),
		cmocka_unit_test(test_section_object),
		cmocka_unit_test(test_section_scalars),
		cmocka_unit_test(test_inverted),
		cmocka_unit_test(test_context_lookup),
		cmocka_unit_test(test_deep_stack),
		cmocka_unit_test(test_section_too_deep),
		cmocka_unit_test(test_comment),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_partial_added_later),
		cmocka_unit_test(test_partial_unknown),
		cmocka_unit_test(test_partial_recursive),
		cmocka_unit_test(test_partial_depth),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_message_missing),
		cmocka_unit_test(test_tpl_message),
		cmocka_unit_test(test_tpl_message_missing),
		cmocka_unit_test(test_message_keys),
		cmocka_unit_test(test_errors_unclosed),
		cmocka_unit_test(test_errors_mismatch),
		cmocka_unit_test(test_errors_names),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_set_api),
		cmocka_unit_test(test_render_appends),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_hostile_prefixes),
		cmocka_unit_test(test_hostile_random),
		cmocka_unit_test(test_render_budget),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
