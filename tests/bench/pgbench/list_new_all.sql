-- The unfiltered list sorted by age (app/ideas.c, q_ideas_new_all),
-- first page.
SELECT i.id, i.title, a.slug,
 CASE WHEN :lang = 'de' THEN a.name_de ELSE a.name_en END,
 i.status, i.vote_count, i.comment_count, i.organization_count,
 extract(epoch FROM i.created_at)::bigint,
 extract(epoch FROM i.updated_at)::bigint,
 u.display_name, u.role <> 'client', mv.user_id IS NOT NULL, i.body, p.k FROM (
 SELECT i.id, 0 AS k FROM ideas i WHERE i.id < :maxbig::bigint
 ORDER BY i.id DESC LIMIT 21) p
 JOIN ideas i ON i.id = p.id JOIN areas a ON a.id = i.area_id
 JOIN users u ON u.id = i.author_id
 LEFT JOIN votes mv ON mv.idea_id = i.id AND mv.user_id = :uid::bigint
 ORDER BY p.k DESC, p.id DESC;
