-- The unfiltered list sorted by votes (app/ideas.c, q_ideas_top_all),
-- first page: the cursor starts above any real key.
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
 WHERE (i.vote_count, i.id) < (:maxint::integer, :maxbig::bigint)
 ORDER BY i.vote_count DESC, i.id DESC LIMIT 21;
