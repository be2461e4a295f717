-- The list sorted by votes of the last 14 days (app/ideas.c,
-- q_ideas_trending), first page; empty and NULL
-- parameters as literals (see list_top.sql).
WITH t AS (SELECT idea_id, count(*)::integer AS n FROM votes
  WHERE created_at > now() - interval '14 days' GROUP BY idea_id)
 SELECT i.id, i.title, a.slug,
 CASE WHEN :lang = 'de' THEN a.name_de ELSE a.name_en END,
 i.status, i.vote_count, i.comment_count, i.organization_count,
 extract(epoch FROM i.created_at)::bigint,
 extract(epoch FROM i.updated_at)::bigint,
 u.display_name, u.role <> 'client',
 EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id
  AND v.user_id = :uid::bigint), i.body, coalesce(t.n, 0)
 FROM ideas i JOIN areas a ON a.id = i.area_id
 JOIN users u ON u.id = i.author_id
 LEFT JOIN t ON t.idea_id = i.id
 WHERE ('' = '' OR i.status = '') AND ('' = '' OR a.slug = '')
 AND ('' = '' OR i.search @@ to_tsquery('simple', coalesce((
  SELECT string_agg(quote_literal(w) || ':*', ' & ')
  FROM regexp_split_to_table(lower(''), '\s+') w WHERE w <> ''),
  '')))
 AND (NULL::integer IS NULL OR (coalesce(t.n, 0), i.id) <
  (NULL::integer, NULL::bigint))
 ORDER BY coalesce(t.n, 0) DESC, i.id DESC LIMIT 21;
