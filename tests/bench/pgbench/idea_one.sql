-- One idea with its comments and status history (app/ideas.c,
-- q_idea_one).  :id is set by the page script.
SELECT i.id, i.title, a.slug,
 CASE WHEN :lang = 'de' THEN a.name_de ELSE a.name_en END,
 i.status, i.vote_count, i.comment_count, i.organization_count,
 extract(epoch FROM i.created_at)::bigint,
 extract(epoch FROM i.updated_at)::bigint,
 u.display_name, u.role <> 'client',
 mv.user_id IS NOT NULL, i.body,
 i.author_id = :uid::bigint AND i.first_response_at IS NULL,
 d.id, d.title,
 (SELECT coalesce(json_agg(json_build_object('id', c.id,
  'body', CASE WHEN c.hidden_at IS NULL THEN c.body END,
  'name', cu.display_name, 'bank', cu.role <> 'client',
  'created', extract(epoch FROM c.created_at)::bigint,
  'edited', c.updated_at > c.created_at,
  'hidden', c.hidden_at IS NOT NULL,
  'mine', c.author_id = :uid::bigint AND c.hidden_at IS NULL
   AND c.created_at > now() - interval '15 minutes')
  ORDER BY c.id), '[]')
  FROM comments c JOIN users cu ON cu.id = c.author_id
  WHERE c.idea_id = i.id),
 i.author_id = :uid::bigint, i.first_response_at IS NOT NULL,
 (SELECT coalesce(json_agg(json_build_object('id', r.id,
  'kind', r.kind, 'from', r.from_status, 'to', r.to_status,
  'body', r.body, 'name', ru.display_name,
  'bank', ru.role <> 'client',
  'at', extract(epoch FROM r.created_at)::bigint) ORDER BY r.id), '[]')
  FROM responses r JOIN users ru ON ru.id = r.author_id
  WHERE r.idea_id = i.id)
 FROM ideas i JOIN areas a ON a.id = i.area_id
 JOIN users u ON u.id = i.author_id
 LEFT JOIN votes mv ON mv.idea_id = i.id AND mv.user_id = :uid::bigint
 LEFT JOIN ideas d ON d.id = i.duplicate_of
 WHERE i.id = :id::bigint;
