/*
 * Presentation shared by the feature files: Markdown as safe HTML, an
 * author, an idea from a row of IDEA_COLUMNS (drive.h) or the whole idea
 * from a row of IDEA_ONE_SQL, a status's words, the options of the area
 * and status selects, and the pages of the admin lists.  The output
 * layer: no queries, no steps.
 *
 * Confidentiality: an idea carries its author's display name and whether
 * the author is bank staff, never an organisation or an e-mail address.
 */

#include <cmark.h>

#include "drive.h"

static json_t *comments_json(struct dreq *, const char *);
static json_t *responses_json(struct dreq *, const char *);

/*
 * Markdown to HTML, safe: cmark drops raw HTML and unsafe links.  Headings
 * move down two levels, so that "# Heading" in an idea is an <h3> under
 * the page's own <h1> and <h2>.
 */
char *
md_html(const char *text)
{
	cmark_node	*doc, *node;
	cmark_iter	*it;
	cmark_event_type ev;
	char		*html, *copy;
	int		 level;

	doc = cmark_parse_document(text, strlen(text),
	    CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER &&
		    cmark_node_get_type(node) == CMARK_NODE_HEADING) {
			level = cmark_node_get_heading_level(node) + 2;
			(void)cmark_node_set_heading_level(node,
			    level > 6 ? 6 : level);
		}
	}
	cmark_iter_free(it);
	html = cmark_render_html(doc, CMARK_OPT_DEFAULT);
	cmark_node_free(doc);
	copy = kore_strdup(html);
	free(html);
	return (copy);
}

json_t *
author_json(const char *name, int bank)
{
	return (json_pack("{s:s, s:b}", "name", name != NULL ? name : "",
	    "bank", bank));
}

/*
 * obj.field = the words of status: a built-in status's from the catalog
 * ("status.<status>"), the name an admin gave one in r's language, or
 * the key itself for one this worker does not know (yet).
 */
void
status_words(struct dreq *r, json_t *obj, const char *field, const char *status)
{
	const struct status_def *d;
	const char		*name;
	char			 key[48];

	d = status_find(status);
	if ((name = status_custom_name(d, r->lang)) != NULL) {
		json_object_set_new(obj, field, json_string(name));
		return;
	}
	if (d == NULL) {
		json_object_set_new(obj, field,
		    json_string(status != NULL ? status : ""));
		return;
	}
	(void)snprintf(key, sizeof(key), "status.%s", status);
	ctx_set_msg(r, obj, field, key, NULL);
}

/*
 * A list of statuses in words ("Planned, Released"), or the words of
 * none_key when it is empty: an area's approvals, the desk's hint.
 */
void
statuses_words(struct dreq *r, json_t *vars, const char *field, json_t *list,
    const char *none_key)
{
	struct dbuf b;
	json_t	   *v, *one;
	size_t	    i;

	if (json_array_size(list) == 0) {
		ctx_set_msg(r, vars, field, none_key, NULL);
		return;
	}
	dbuf_init(&b);
	one = json_object();
	json_array_foreach(list, i, v) {
		if (!json_is_string(v))
			continue;
		status_words(r, one, "w", json_string_value(v));
		dbuf_appendf(&b, "%s%s", b.len > 0 ? ", " : "",
		    json_string_value(json_object_get(one, "w")));
	}
	json_decref(one);
	json_object_set_new(vars, field, json_string(b.len > 0 ? b.data : ""));
	dbuf_free(&b);
}

/*
 * The statuses as the options of a select, chosen selected; first "all"
 * (the label of all_key) when all_key is not NULL, and "duplicate" only
 * when with_duplicate (a response never sets it: a merge does).
 */
json_t *
status_options(struct dreq *r, const char *chosen, const char *all_key,
    int with_duplicate)
{
	const struct status_def *d;
	json_t			*list, *o;
	int			 i;

	list = json_array();
	if (all_key != NULL) {
		o = json_pack("{s:s, s:b}", "value", "", "selected",
		    chosen == NULL || *chosen == '\0');
		ctx_set_msg(r, o, "label", all_key, NULL);
		json_array_append_new(list, o);
	}
	for (i = 0; (d = status_at(i)) != NULL; i++) {
		if (!with_duplicate && strcmp(d->key, "duplicate") == 0)
			continue;
		o = json_pack("{s:s, s:b}", "value", d->key, "selected",
		    chosen != NULL && strcmp(chosen, d->key) == 0);
		status_words(r, o, "label", d->key);
		json_array_append_new(list, o);
	}
	return (list);
}

/*
 * The areas this worker keeps (catalog.c) as the options of a select in
 * r->ctx "areas", in r->lang, chosen selected, retired ones only when
 * retired_too; first "all" when all_key is not NULL.  1 when chosen is
 * one of them.
 */
int
area_options(struct dreq *r, const char *chosen, const char *all_key,
    int retired_too)
{
	const struct area_def *a;
	json_t		      *areas, *o;
	int		       i, found = 0;

	if (chosen == NULL)
		chosen = "";
	areas = json_array();
	if (all_key != NULL) {
		o = json_pack("{s:s, s:b}", "value", "", "selected",
		    *chosen == '\0');
		ctx_set_msg(r, o, "label", all_key, NULL);
		json_array_append_new(areas, o);
	}
	for (i = 0; (a = area_at(i)) != NULL; i++) {
		if (a->retired && !retired_too)
			continue;
		if (strcmp(a->slug, chosen) == 0)
			found = 1;
		json_array_append_new(areas,
		    json_pack("{s:s, s:s, s:b}", "value", a->slug, "label",
			area_name(a, r->lang), "selected",
			strcmp(a->slug, chosen) == 0));
	}
	json_object_set_new(r->ctx, "areas", areas);
	return (found);
}

/*
 * One idea from a row of IDEA_COLUMNS: the API's fields, and for pages
 * the words and links a template needs.  Staff see the number of
 * organisations; clients never do.
 */
json_t *
idea_json(struct dreq *r, int row, int with_body)
{
	json_t	   *o;
	const char *status;
	char	    url[64];
	int64_t	    id;

	id = row_int(r, row, "id");
	status = row_text(r, row, "status");
	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:i, s:b, s:i}", "id",
	    (json_int_t)id, "title", row_text(r, row, "title"), "area",
	    row_text(r, row, "area"), "status", status, "author",
	    author_json(row_text(r, row, "author_name"),
		row_bool(r, row, "author_bank")),
	    "vote_count", (int)row_int(r, row, "vote_count"), "voted",
	    row_bool(r, row, "voted"), "comment_count",
	    (int)row_int(r, row, "comment_count"));
	if (with_body || r->is_api)
		json_object_set_new(o, "body",
		    json_string(row_text(r, row, "body")));
	out_time(r, o, "created_at", "created_ago", row_int(r, row, "created"));
	out_time(r, o, "updated_at", NULL, row_int(r, row, "updated"));
	/* Who may see it: every client, or the author's organisation. */
	json_object_set_new(o, "audience",
	    json_string(row_bool(r, row, "private") ? "organization" : "all"));
	if (r->sess.role >= ROLE_PM)
		json_object_set_new(o, "organization_count",
		    json_integer(row_int(r, row, "organization_count")));

	if (!r->is_api) {
		(void)snprintf(url, sizeof(url), "/ideas/%lld", (long long)id);
		json_object_set_new(o, "url", json_string(url));
		json_object_set_new(o, "area_label",
		    json_string(row_text(r, row, "area_name")));
		status_words(r, o, "status_label", status);
		json_object_set_new(o, "private",
		    json_boolean(row_bool(r, row, "private")));
		json_object_set_new(o, "frozen",
		    json_boolean(status_frozen(status)));
		json_object_set_new(o, "duplicate",
		    json_boolean(strcmp(status, "duplicate") == 0));
	}
	return (o);
}

/* b += before, then a column of the row as a JSON string ("" if none). */
static void
api_text(struct dbuf *b, const char *before, struct dreq *r, int row,
    const char *column)
{
	const char *s;

	s = row_text(r, row, column);
	s = s != NULL ? s : "";
	dbuf_appendstr(b, before);
	json_escape(b, s, strlen(s));
}

/*
 * The API's fields of idea_json() for one row, written straight into b as
 * a JSON object, in the same order and bytes as json_dumps() of the tree
 * (the list's answers; README, "Instructions per request").
 */
void
idea_api_write(struct dreq *r, int row, struct dbuf *b)
{
	char iso[21];

	dbuf_appendf(b, "{\"id\":%lld", (long long)row_int(r, row, "id"));
	api_text(b, ",\"title\":", r, row, "title");
	api_text(b, ",\"area\":", r, row, "area");
	api_text(b, ",\"status\":", r, row, "status");
	api_text(b, ",\"author\":{\"name\":", r, row, "author_name");
	dbuf_appendf(b,
	    ",\"bank\":%s},\"vote_count\":%d,\"voted\":%s,"
	    "\"comment_count\":%d",
	    row_bool(r, row, "author_bank") ? "true" : "false",
	    (int)row_int(r, row, "vote_count"),
	    row_bool(r, row, "voted") ? "true" : "false",
	    (int)row_int(r, row, "comment_count"));
	api_text(b, ",\"body\":", r, row, "body");
	out_iso8601_into(row_int(r, row, "created"), iso);
	dbuf_appendf(b, ",\"created_at\":\"%s\"", iso);
	out_iso8601_into(row_int(r, row, "updated"), iso);
	dbuf_appendf(b, ",\"updated_at\":\"%s\",\"audience\":\"%s\"", iso,
	    row_bool(r, row, "private") ? "organization" : "all");
	if (r->sess.role >= ROLE_PM)
		dbuf_appendf(b, ",\"organization_count\":%lld",
		    (long long)row_int(r, row, "organization_count"));
	dbuf_append(b, "}", 1);
}

/* The idea of a row of IDEA_ONE_SQL with its body, history and comments. */
json_t *
idea_full_json(struct dreq *r)
{
	json_t *o;
	char   *html, url[64];

	o = idea_json(r, 0, 1);
	html = md_html(row_text(r, 0, "body"));
	json_object_set_new(o, "body_html", json_string(html));
	kore_free(html);
	json_object_set_new(o, "can_edit",
	    json_boolean(row_bool(r, 0, "can_edit")));
	/* A proposal to open a private idea to all, awaiting its author. */
	if (!row_null(r, 0, "widen_at")) {
		json_t *p = json_object();

		out_time(r, p, "proposed_at", "proposed_ago",
		    row_int(r, 0, "widen_at"));
		json_object_set_new(o, "audience_proposal", p);
	}
	if (!r->is_api)
		json_object_set_new(o, "own",
		    json_boolean(row_bool(r, 0, "own")));
	if (!row_null(r, 0, "dup_id")) {
		(void)snprintf(url, sizeof(url), "/ideas/%s",
		    row_text(r, 0, "dup_id"));
		json_object_set_new(o, "duplicate_of",
		    json_pack("{s:I, s:s, "
			      "s:s}",
			"id", (json_int_t)row_int(r, 0, "dup_id"), "title",
			row_text(r, 0, "dup_title"), "url", url));
	}
	json_object_set_new(o, "comments",
	    comments_json(r, row_text(r, 0, "comments")));
	json_object_set_new(o, "responses",
	    responses_json(r, row_text(r, 0, "responses")));
	return (o);
}

/* The comments, oldest first; a hidden one has no body. */
static json_t *
comments_json(struct dreq *r, const char *agg)
{
	json_t	    *in, *list, *c, *out;
	json_error_t jerr;
	const char  *body;
	char	    *html;
	size_t	     i;

	list = json_array();
	if ((in = json_loads(agg != NULL ? agg : "[]", 0, &jerr)) == NULL)
		return (list);
	json_array_foreach(in, i, c) {
		body = json_string_value(json_object_get(c, "body"));
		out = json_pack("{s:O, s:o, s:O, s:O}", "id",
		    json_object_get(c, "id"), "author",
		    author_json(json_string_value(json_object_get(c, "name")),
			json_is_true(json_object_get(c, "bank"))),
		    "edited", json_object_get(c, "edited"), "hidden",
		    json_object_get(c, "hidden"));
		json_object_set_new(out, "body",
		    body != NULL ? json_string(body) : json_null());
		if (body != NULL) {
			html = md_html(body);
			json_object_set_new(out, "body_html",
			    json_string(html));
			kore_free(html);
		}
		out_time(r, out, "created_at", "created_ago",
		    json_integer_value(json_object_get(c, "created")));
		if (!r->is_api)
			json_object_set(out, "can_change",
			    json_object_get(c, "mine"));
		json_array_append_new(list, out);
	}
	json_decref(in);
	return (list);
}

/*
 * The status history, oldest first: each official response with who (a
 * bank person, by name), when, from and to which status, and its text.
 */
static json_t *
responses_json(struct dreq *r, const char *agg)
{
	json_t	    *in, *list, *e, *out;
	json_error_t jerr;
	const char  *body, *from, *to;
	char	    *html;
	size_t	     i;

	list = json_array();
	if ((in = json_loads(agg != NULL ? agg : "[]", 0, &jerr)) == NULL)
		return (list);
	json_array_foreach(in, i, e) {
		body = json_string_value(json_object_get(e, "body"));
		from = json_string_value(json_object_get(e, "from"));
		to = json_string_value(json_object_get(e, "to"));
		out = json_pack("{s:O, s:s, s:s, s:s, s:o}", "id",
		    json_object_get(e, "id"), "from_status", from, "status", to,
		    "body", body != NULL ? body : "", "author",
		    author_json(json_string_value(json_object_get(e, "name")),
			json_is_true(json_object_get(e, "bank"))));
		out_time(r, out, "created_at", NULL,
		    json_integer_value(json_object_get(e, "at")));
		if (!r->is_api) {
			html = md_html(body != NULL ? body : "");
			json_object_set_new(out, "body_html",
			    json_string(html));
			kore_free(html);
			status_words(r, out, "from_label", from);
			status_words(r, out, "to_label", to);
			json_object_set_new(out, "to_status", json_string(to));
			json_object_set(out, "by_name",
			    json_object_get(e, "name"));
			json_object_set(out, "at",
			    json_object_get(out, "created_at"));
			out_time(r, out, "at_iso", "ago",
			    json_integer_value(json_object_get(e, "at")));
			json_object_set_new(out, "merge",
			    json_boolean(strcmp(json_string_value(
						    json_object_get(e, "kind")),
					     "merge") == 0));
		}
		json_array_append_new(list, out);
	}
	json_decref(in);
	return (list);
}

/* base and "page=N"; the first page is base without its '?' or '&'. */
static json_t *
page_url(const char *base, int page)
{
	struct dbuf b;
	json_t	   *url;

	dbuf_init(&b);
	if (page > 1)
		dbuf_appendf(&b, "%spage=%d", base, page);
	else
		dbuf_append(&b, base, strlen(base) - 1);
	url = json_string(b.data);
	dbuf_free(&b);
	return (url);
}

/*
 * The pager of an admin list: page asked for, total rows matching,
 * shown on this page.  A page past the end shows none and says where
 * the list ends, with the link back to its last page.
 */
void
pager_json(struct dreq *r, const char *base, int page, int64_t total, int shown,
    const char *prefix)
{
	json_t *p;
	int64_t pages, first;
	char	key[48];

	pages = total > 0 ? (total + ADMIN_PAGE_SIZE - 1) / ADMIN_PAGE_SIZE : 1;
	first = (int64_t)(page - 1) * ADMIN_PAGE_SIZE + 1;
	p = json_pack("{s:i, s:I, s:I, s:I, s:I, s:i, s:b, s:b}", "page", page,
	    "pages", (json_int_t)pages, "total", (json_int_t)total, "first",
	    (json_int_t)first, "last", (json_int_t)(first + shown - 1), "shown",
	    shown, "many", pages > 1, "past_end", total > 0 && shown == 0);
	(void)snprintf(key, sizeof(key), "%s.%s", prefix,
	    total == 1			 ? "count_one" :
		pages == 1 || shown == 0 ? "count" :
					   "showing");
	ctx_set_msg(r, p, "count", key, p);
	ctx_set_msg(r, p, "position", "pager.position", p);
	if (total > 0 && shown == 0)
		ctx_set_msg(r, p, "past_end_text", "pager.past_end", p);
	if (page > 1) {
		json_object_set_new(p, "back", json_true());
		json_object_set_new(p, "prev_url",
		    page_url(base, page - 1 < pages ? page - 1 : (int)pages));
	}
	if (page < pages)
		json_object_set_new(p, "next_url", page_url(base, page + 1));
	json_object_set_new(p, "first_url", page_url(base, 1));
	json_object_set_new(r->ctx, "pager", p);
}

/*
 * The English and German names of a thing an admin names (an area, a
 * status): 1 to max characters of one line, not only spaces; each wrong
 * one is a field error with error_key.
 */
void
names_input(struct dreq *r, size_t max, const char *error_key, const char **en,
    const char **de)
{
	static const char *fields[] = { "name_en", "name_de" };
	const char	  *v;
	size_t		   i, n;

	for (i = 0; i < 2; i++) {
		v = in_text(r, fields[i]);
		n = v != NULL ? utf8_count(v, strlen(v)) : 0;
		if (n < 1 || n > max || !line_acceptable(v, strlen(v)) ||
		    strspn(v, " ") == strlen(v))
			field_error(r, fields[i], error_key);
		*(i == 0 ? en : de) = v;
	}
}

/*
 * A refused rename (the handler's prefix "rename_") shows its errors and
 * what was typed in the renamed item's own form (item, of an admin
 * list), not in the one that adds.
 */
void
rename_errors_keep(struct dreq *r, json_t *item)
{
	static const char *fields[] = { "name_en", "name_de" };
	json_t		  *errors, *values, *e;
	const char	  *v;
	char		   name[32];
	size_t		   i;

	errors = json_object_get(r->ctx, "errors");
	values = json_object_get(r->ctx, "values");
	e = json_object();
	for (i = 0; i < 2; i++) {
		(void)snprintf(name, sizeof(name), "rename_%s", fields[i]);
		if ((v = json_string_value(json_object_get(errors, name))) !=
		    NULL)
			json_object_set_new(e, fields[i], json_string(v));
	}
	if (json_object_size(e) == 0) {
		json_decref(e);
		return;
	}
	json_object_set_new(item, "rename_errors", e);
	for (i = 0; i < 2; i++) {
		(void)snprintf(name, sizeof(name), "rename_%s", fields[i]);
		v = json_string_value(json_object_get(values, name));
		json_object_set_new(item, fields[i],
		    json_string(v != NULL ? v : ""));
	}
}
