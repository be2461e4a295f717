-- The session lookup a signed-in request starts with when its page does
-- not fold it into its own statement (app/session.c, q_session_lookup:
-- SESSION_CTES SESSION_SELECT("")).  :tokhash is the hex SHA-256 of a
-- session token.  The pages that fold it are captured from PostgreSQL's
-- log instead (tests/bench/capture.py).
WITH s AS (
  SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at, s.second_factor
  FROM sessions s WHERE s.token_hash = decode(:tokhash, 'hex')
  AND s.last_seen_at > now() - interval '30 minutes'
  AND s.created_at > now() - interval '12 hours'
), touch AS (
  UPDATE sessions SET last_seen_at = now() FROM s
  WHERE sessions.id = s.id
  AND s.last_seen_at < now() - interval '1 minute'
) SELECT s.id AS session_id, u.id AS user_id,
  u.display_name AS display_name, u.role AS role,
  coalesce(u.lang, '') AS lang, s.csrf_token AS csrf_token,
  (SELECT count(*) FROM notifications n
  WHERE n.user_id = u.id AND n.read_at IS NULL) AS unread,
  s.second_factor IS NULL AND coalesce((SELECT p.required
  FROM second_factor_policy p WHERE p.role = u.role), false)
  AS needs_factor,
  (SELECT v.version FROM catalog_version v) AS catalog_version
  FROM s JOIN users u ON u.id = s.user_id
  WHERE u.active;
