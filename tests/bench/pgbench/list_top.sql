-- The filtered list sorted by votes (app/ideas.c, q_ideas_top; the app
-- uses it for a search, status or area), first page.  The
-- parameters the page sends empty (status, area, q) or NULL (the cursor)
-- are literals here: pgbench cannot define an empty variable, and the
-- plan is the same (PostgreSQL plans an unnamed statement with its
-- parameter values).  run.sh replaces :q by a search word's variable.
SELECT i.id, i.title, a.slug,
 CASE WHEN :lang = 'de' THEN a.name_de ELSE a.name_en END,
 i.status, i.vote_count, i.comment_count, i.organization_count,
 extract(epoch FROM i.created_at)::bigint,
 extract(epoch FROM i.updated_at)::bigint,
 u.display_name, u.role <> 'client',
 EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id
  AND v.user_id = :uid::bigint), i.body, i.vote_count
 FROM ideas i JOIN areas a ON a.id = i.area_id
 JOIN users u ON u.id = i.author_id
 WHERE ('' = '' OR i.status = '') AND ('' = '' OR a.slug = '')
 AND (:q = '' OR i.search @@ to_tsquery('simple', coalesce((
  SELECT string_agg(quote_literal(w) || ':*', ' & ')
  FROM regexp_split_to_table(lower(:q), '\s+') w WHERE w <> ''),
  '')))
 AND (NULL::integer IS NULL OR (i.vote_count, i.id) <
  (NULL::integer, NULL::bigint))
 ORDER BY i.vote_count DESC, i.id DESC LIMIT 21;
