-- The weekly digest (README, "Weekly digest"): what changed on the ideas
-- a person proposed, voted on or commented on, one mail a period, sent
-- by drive-mailer through the outbox.

-- What changed for p_user between p_from (inclusive) and p_to
-- (exclusive), one row an idea, the most recent change first.  This is
-- the one place that decides what a digest may tell, for the mailer's
-- letter and for deciding whether there is anything to send:
--   * ideas the person proposed, votes for, commented on, or was told
--     were merged (a merge moves the votes off the duplicate);
--   * the bank's responses (status and public text) and merges of the
--     period, from `told` below: a condition on which responses clients
--     may see (a draft awaiting approval, say) belongs there, once;
--   * how many comments others wrote (a count: no commenter is named),
--     hidden ones left out;
--   * nothing the person did themselves.
-- Texts are read from the rows the portal shows (a redacted passage is
-- "[redacted]" there); no organisation, no note, no address is read.
CREATE OR REPLACE FUNCTION digest_items(p_user bigint, p_from timestamptz,
    p_to timestamptz)
RETURNS TABLE (idea_id bigint, title text, status text, relation text,
    responses jsonb, comments integer, merged_into bigint,
    merged_into_title text, last_at timestamptz)
LANGUAGE sql STABLE AS $$
	WITH told AS (
		SELECT r.id, r.idea_id, r.kind, r.from_status, r.to_status,
		    r.body, r.author_id, r.created_at
		FROM responses r
		WHERE r.created_at >= p_from AND r.created_at < p_to
		    AND r.author_id <> p_user
	), said AS (
		SELECT c.idea_id, count(*)::integer AS n,
		    max(c.created_at) AS last_at
		FROM comments c
		WHERE c.created_at >= p_from AND c.created_at < p_to
		    AND c.author_id <> p_user AND c.hidden_at IS NULL
		GROUP BY c.idea_id
	), changed AS (
		SELECT t.idea_id FROM told t UNION SELECT s.idea_id FROM said s
	), linked AS (
		SELECT i.*, CASE
		    WHEN i.author_id = p_user THEN 'author'
		    WHEN EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id
			AND v.user_id = p_user) THEN 'voter'
		    WHEN EXISTS (SELECT 1 FROM comments c WHERE c.idea_id = i.id
			AND c.author_id = p_user) THEN 'commenter'
		    WHEN EXISTS (SELECT 1 FROM notifications n
			WHERE n.idea_id = i.id AND n.user_id = p_user
			AND n.kind = 'merged') THEN 'voter'
		    END AS relation
		FROM changed ch JOIN ideas i ON i.id = ch.idea_id
	)
	SELECT l.id, l.title, l.status, l.relation,
	    (SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id,
		'from', t.from_status, 'to', t.to_status, 'body', t.body,
		'name', u.display_name, 'bank', u.role <> 'client')
		ORDER BY t.id), '[]')
		FROM told t JOIN users u ON u.id = t.author_id
		WHERE t.idea_id = l.id AND t.kind = 'response'),
	    coalesce(s.n, 0),
	    m.into_id, m.into_title,
	    greatest(s.last_at, (SELECT max(t.created_at) FROM told t
		WHERE t.idea_id = l.id))
	FROM linked l
	LEFT JOIN said s ON s.idea_id = l.id
	LEFT JOIN LATERAL (SELECT d.id AS into_id, d.title AS into_title
		FROM ideas d WHERE d.id = l.duplicate_of AND EXISTS (
		    SELECT 1 FROM told t WHERE t.idea_id = l.id
		    AND t.kind = 'merge')) m ON true
	WHERE l.relation IS NOT NULL
	    AND (s.n IS NOT NULL OR m.into_id IS NOT NULL OR EXISTS (
		SELECT 1 FROM told t WHERE t.idea_id = l.id
		AND t.kind = 'response'))
	ORDER BY 9 DESC, 1
$$;

-- The period a digest enqueued at p_at covers: periods of p_seconds,
-- counted from Monday 1970-01-05 00:00 UTC (so a week runs Monday to
-- Monday, UTC), and the last one that ended at least a minute before
-- p_at (a change committed late in the period is seen).
CREATE OR REPLACE FUNCTION digest_period(p_seconds integer,
    p_at timestamptz DEFAULT now())
RETURNS TABLE (period_start timestamptz, period_end timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT e - p_seconds * interval '1 second', e
	FROM (SELECT timestamptz '1970-01-05 00:00:00+00' +
	    floor(extract(epoch FROM p_at - interval '1 minute' -
	    timestamptz '1970-01-05 00:00:00+00') / p_seconds) *
	    p_seconds * interval '1 second' AS e) b
$$;

-- Queues the digests of the last period that ended (digest_period): one
-- for each active person with the digest on and something to tell
-- (digest_items, from the end of their last digest if that is later
-- than the period's start), each with its outbox row, in one statement.
-- Idempotent: digests' unique (user_id, period_end) makes a second call
-- for the same period, by this mailer or another, insert nothing.
-- Returns how many were queued, the period's end and when the next
-- period ends (plus the minute): the mailer calls again then.
CREATE OR REPLACE FUNCTION digest_enqueue(p_seconds integer)
RETURNS TABLE (enqueued integer, period_end timestamptz,
    next_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
	s timestamptz;
	e timestamptz;
	n integer;
BEGIN
	IF p_seconds IS NULL OR p_seconds < 60 THEN
		RAISE EXCEPTION 'period' USING ERRCODE = 'DR422';
	END IF;
	SELECT p.period_start, p.period_end INTO s, e
	    FROM digest_period(p_seconds) p;
	WITH changed AS (
		SELECT r.idea_id FROM responses r
		WHERE r.created_at >= s AND r.created_at < e
		UNION SELECT c.idea_id FROM comments c
		WHERE c.created_at >= s AND c.created_at < e
	), candidates AS (
		SELECT i.author_id AS user_id FROM ideas i
		    JOIN changed ch ON ch.idea_id = i.id
		UNION SELECT v.user_id FROM votes v
		    JOIN changed ch ON ch.idea_id = v.idea_id
		UNION SELECT c.author_id FROM comments c
		    JOIN changed ch ON ch.idea_id = c.idea_id
		UNION SELECT nt.user_id FROM notifications nt
		    JOIN changed ch ON ch.idea_id = nt.idea_id
		    WHERE nt.kind = 'merged'
	), due AS (
		SELECT u.id, greatest(s, (SELECT max(d.period_end)
		    FROM digests d WHERE d.user_id = u.id)) AS since
		FROM candidates c JOIN users u ON u.id = c.user_id
		WHERE u.active AND u.digest
	), made AS (
		INSERT INTO digests AS d (user_id, period_start, period_end)
		SELECT due.id, due.since, e FROM due
		WHERE due.since < e AND EXISTS (SELECT 1
		    FROM digest_items(due.id, due.since, e))
		ON CONFLICT ON CONSTRAINT digests_user_id_period_end_key DO NOTHING
		RETURNING d.id, d.user_id
	)
	INSERT INTO outbox (user_id, kind, digest_id)
	SELECT made.user_id, 'digest', made.id FROM made;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN QUERY SELECT n, e,
	    e + p_seconds * interval '1 second' + interval '1 minute';
END
$$;

-- Turns a person's digest on or off (the profile, the API, the mail's
-- unsubscribe link: p_via 'profile', 'api' or 'link'); a change is
-- audited with the person as the actor.  Returns the setting now.
-- DR404 for an unknown person.
CREATE OR REPLACE FUNCTION digest_set(p_user bigint, p_on boolean,
    p_via text, p_address inet)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	was boolean;
BEGIN
	SELECT u.digest INTO was FROM users u WHERE u.id = p_user FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'not_found' USING ERRCODE = 'DR404';
	END IF;
	IF was IS DISTINCT FROM p_on THEN
		UPDATE users SET digest = p_on WHERE id = p_user;
		PERFORM audit(p_user, CASE WHEN p_on THEN 'user.digest_on'
		    ELSE 'user.digest_off' END, 'user:' || p_user, p_address,
		    jsonb_build_object('via', p_via));
	END IF;
	RETURN p_on;
END
$$;
