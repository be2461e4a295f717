-- The product managers' desk: official responses with the status they
-- set, merging duplicates, and the notifications (portal and outbox) they
-- leave in the same transaction.

-- Tells a person, in the portal and (unless they turned it off) by mail.
CREATE OR REPLACE FUNCTION notify_person(p_user bigint, p_kind text,
    p_idea bigint, p_comment bigint, p_actor bigint, p_payload jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO notifications (user_id, kind, idea_id, comment_id, actor_id)
	VALUES (p_user, p_kind, p_idea, p_comment, p_actor);
	INSERT INTO outbox (user_id, kind, idea_id, payload)
	SELECT u.id, p_kind, p_idea, p_payload FROM users u
	WHERE u.id = p_user AND u.active AND u.email_notifications;
END
$$;

-- An official response with the status it sets, in one transaction with
-- the status change and the notifications.  DR404 unknown idea; DR409 a
-- merged idea takes no further status; DR422 'status' for duplicate or an
-- unknown status (duplicate is set by a merge only).
CREATE OR REPLACE FUNCTION response_create(p_idea bigint, p_author bigint,
    p_status text, p_body text, p_address inet)
RETURNS TABLE (response_id bigint, from_status text)
LANGUAGE plpgsql AS $$
DECLARE
	i ideas;
	rid bigint;
	who bigint;
BEGIN
	SELECT * INTO i FROM ideas WHERE id = p_idea FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF i.status = 'duplicate' THEN
		RAISE EXCEPTION 'merged' USING ERRCODE = 'DR409';
	END IF;
	IF p_status NOT IN ('new', 'under_review', 'planned', 'in_progress',
	    'released', 'declined') THEN
		RAISE EXCEPTION 'status' USING ERRCODE = 'DR422';
	END IF;
	INSERT INTO responses AS r (idea_id, author_id, from_status, to_status,
	    body)
	VALUES (p_idea, p_author, i.status, p_status, p_body)
	RETURNING r.id INTO rid;
	UPDATE ideas SET status = p_status,
	    first_response_at = coalesce(first_response_at, now()),
	    updated_at = now()
	    WHERE id = p_idea;
	FOR who IN
		SELECT v.user_id FROM votes v WHERE v.idea_id = p_idea
		UNION SELECT i.author_id
	LOOP
		IF who <> p_author THEN
			PERFORM notify_person(who, 'status', p_idea, NULL,
			    p_author, jsonb_build_object('from', i.status,
			    'to', p_status, 'response_id', rid));
		END IF;
	END LOOP;
	PERFORM audit(p_author, 'idea.response', 'idea:' || p_idea, p_address,
	    jsonb_build_object('from', i.status, 'to', p_status));
	RETURN QUERY SELECT rid, i.status;
END
$$;

-- Merges a duplicate into its original: the votes move (one per person),
-- the duplicate keeps its comments and history and points to the
-- original; its voters and author are told where to go.  DR404 unknown;
-- DR422 'into' for itself, a merged target or a cycle; DR421 'audience'
-- for one that other people see; DR409 merged already.
CREATE OR REPLACE FUNCTION idea_merge(p_dup bigint, p_into bigint,
    p_actor bigint, p_address inet)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	d ideas;
	t ideas;
	who bigint;
	moved integer;
BEGIN
	IF p_dup = p_into THEN
		RAISE EXCEPTION 'into' USING ERRCODE = 'DR422';
	END IF;
	-- Both rows, locked in id order so that two merges cannot deadlock.
	PERFORM 1 FROM ideas WHERE id IN (p_dup, p_into) ORDER BY id FOR UPDATE;
	SELECT * INTO d FROM ideas WHERE id = p_dup;
	SELECT * INTO t FROM ideas WHERE id = p_into;
	IF d.id IS NULL OR t.id IS NULL THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF d.status = 'duplicate' THEN
		RAISE EXCEPTION 'merged' USING ERRCODE = 'DR409';
	END IF;
	IF t.status = 'duplicate' OR EXISTS (
	    WITH RECURSIVE chain(id) AS (
		SELECT t.duplicate_of
		UNION SELECT i.duplicate_of FROM ideas i JOIN chain c ON i.id = c.id
		WHERE i.duplicate_of IS NOT NULL)
	    SELECT 1 FROM chain WHERE id = p_dup) THEN
		RAISE EXCEPTION 'into' USING ERRCODE = 'DR422';
	END IF;
	-- Only into an idea the same people see: the duplicate's voters
	-- follow it there, and nobody is pointed at an idea hidden from them.
	IF d.audience_org IS DISTINCT FROM t.audience_org THEN
		RAISE EXCEPTION 'audience' USING ERRCODE = 'DR421';
	END IF;

	INSERT INTO votes (idea_id, user_id, created_at)
	SELECT p_into, v.user_id, v.created_at FROM votes v
	WHERE v.idea_id = p_dup
	ON CONFLICT DO NOTHING;
	GET DIAGNOSTICS moved = ROW_COUNT;

	FOR who IN
		SELECT v.user_id FROM votes v WHERE v.idea_id = p_dup
		UNION SELECT d.author_id
	LOOP
		IF who <> p_actor THEN
			PERFORM notify_person(who, 'merged', p_dup, NULL, p_actor,
			    jsonb_build_object('into_id', p_into,
			    'into_title', t.title));
		END IF;
	END LOOP;

	DELETE FROM votes WHERE idea_id = p_dup;
	INSERT INTO responses (idea_id, author_id, kind, from_status,
	    to_status, body)
	VALUES (p_dup, p_actor, 'merge', d.status, 'duplicate', '');
	UPDATE ideas SET status = 'duplicate', duplicate_of = p_into,
	    first_response_at = coalesce(first_response_at, now()),
	    updated_at = now()
	    WHERE id = p_dup;
	PERFORM idea_recount(p_dup);
	PERFORM idea_recount(p_into);
	PERFORM audit(p_actor, 'idea.merge', 'idea:' || p_dup, p_address,
	    jsonb_build_object('into', p_into, 'votes_moved', moved));
	RETURN moved;
END
$$;
