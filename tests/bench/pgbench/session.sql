-- The session lookup every signed-in request starts with (app/session.c,
-- q_session_lookup).  :tokhash is the hex SHA-256 of a session token.
WITH s AS (
  SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at
  FROM sessions s WHERE s.token_hash = decode(:tokhash, 'hex')
  AND s.last_seen_at > now() - interval '30 minutes'
  AND s.created_at > now() - interval '12 hours'
), touch AS (
  UPDATE sessions SET last_seen_at = now() FROM s
  WHERE sessions.id = s.id
  AND s.last_seen_at < now() - interval '1 minute'
) SELECT s.id, u.id, u.display_name, u.role, coalesce(u.lang, ''),
  s.csrf_token, (SELECT count(*) FROM notifications n
  WHERE n.user_id = u.id AND n.read_at IS NULL)
  FROM s JOIN users u ON u.id = s.user_id
  WHERE u.active;
