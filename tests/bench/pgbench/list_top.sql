-- A search sorted by votes (app/ideas.c, q_ideas_top_search), first
-- page.  The parameters the page sends empty (status, area) or NULL (the
-- cursor) are literals here: pgbench cannot define an empty variable, and
-- the plan is the same (PostgreSQL plans these statements with their
-- parameter values).  run.sh replaces :q by a search word's variable.
SELECT i.id, i.title, a.slug,
 CASE WHEN :lang = 'de' THEN a.name_de ELSE a.name_en END,
 i.status, i.vote_count, i.comment_count, i.organization_count,
 extract(epoch FROM i.created_at)::bigint,
 extract(epoch FROM i.updated_at)::bigint,
 u.display_name, u.role <> 'client', mv.user_id IS NOT NULL, i.body, p.k FROM (
 SELECT i.id, i.vote_count AS k
 FROM ideas i JOIN idea_search s ON s.idea_id = i.id
 WHERE s.words @@ search_query(:q)
 AND ('' = '' OR i.status = '')
 AND ('' = '' OR i.area_id = (SELECT x.id FROM areas x WHERE x.slug = ''))
 AND (NULL::integer IS NULL OR (i.vote_count, i.id) <
  (NULL::integer, NULL::bigint))
 ORDER BY i.vote_count DESC, i.id DESC LIMIT 21) p
 JOIN ideas i ON i.id = p.id JOIN areas a ON a.id = i.area_id
 JOIN users u ON u.id = i.author_id
 LEFT JOIN votes mv ON mv.idea_id = i.id AND mv.user_id = :uid::bigint
 ORDER BY p.k DESC, p.id DESC;
