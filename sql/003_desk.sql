-- The product managers' desk: official responses with the status they
-- set (the status history), merging duplicates, hiding comments, and the
-- e-mail outbox written in the same transaction as what it tells of.

CREATE TABLE responses (
	id		bigserial PRIMARY KEY,
	idea_id		bigint NOT NULL REFERENCES ideas (id),
	author_id	bigint NOT NULL REFERENCES users (id),
	kind		text NOT NULL DEFAULT 'response'
			CHECK (kind IN ('response', 'merge')),
	from_status	text NOT NULL,
	to_status	text NOT NULL,
	body		text NOT NULL CHECK (char_length(body) <= 10000),
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX responses_idea_idx ON responses (idea_id, id);
CREATE INDEX ideas_unanswered_idx ON ideas (created_at)
	WHERE first_response_at IS NULL;
CREATE INDEX ideas_answered_idx ON ideas (first_response_at)
	WHERE first_response_at IS NOT NULL;
CREATE INDEX ideas_roadmap_idx ON ideas (status, vote_count DESC)
	WHERE status IN ('planned', 'in_progress', 'released');

-- One mail to one person.  The sender (drive-mailer) claims due rows,
-- marks them 'sending' before it talks to the SMTP server and 'sent'
-- after; a row left 'sending' by a crash becomes 'unknown' and is never
-- sent again, so that no mail goes out twice.
CREATE TABLE outbox (
	id		bigserial PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	kind		text NOT NULL CHECK (kind IN ('status', 'comment', 'merged')),
	idea_id		bigint REFERENCES ideas (id),
	payload		jsonb NOT NULL DEFAULT '{}',
	status		text NOT NULL DEFAULT 'pending' CHECK (status IN
			('pending', 'sending', 'sent', 'failed', 'unknown')),
	attempts	integer NOT NULL DEFAULT 0,
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	claimed_at	timestamptz,
	sent_at		timestamptz,
	last_error	text,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at)
	WHERE status = 'pending';

-- Tells a person, in the portal and (unless they turned it off) by mail.
CREATE FUNCTION notify_person(p_user bigint, p_kind text, p_idea bigint,
    p_comment bigint, p_actor bigint, p_payload jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO notifications (user_id, kind, idea_id, comment_id, actor_id)
	VALUES (p_user, p_kind, p_idea, p_comment, p_actor);
	INSERT INTO outbox (user_id, kind, idea_id, payload)
	SELECT u.id, p_kind, p_idea, p_payload FROM users u
	WHERE u.id = p_user AND u.active AND u.email_notifications;
END
$$;

-- Comments now tell the idea's author by mail too.
CREATE OR REPLACE FUNCTION comment_create(p_idea bigint, p_author bigint,
    p_body text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	idea_author bigint;
	new_id bigint;
BEGIN
	SELECT author_id INTO idea_author FROM ideas WHERE id = p_idea
	    FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	INSERT INTO comments (idea_id, author_id, body)
	VALUES (p_idea, p_author, p_body) RETURNING id INTO new_id;
	UPDATE ideas SET comment_count = comment_count + 1 WHERE id = p_idea;
	IF idea_author <> p_author THEN
		PERFORM notify_person(idea_author, 'comment', p_idea, new_id,
		    p_author, jsonb_build_object('comment_id', new_id));
	END IF;
	RETURN new_id;
END
$$;

-- An official response with the status it sets, in one transaction with
-- the status change and the notifications.  DR404 unknown idea; DR409 a
-- merged idea takes no further status; DR422 'status' for duplicate or an
-- unknown status (duplicate is set by a merge only).
CREATE FUNCTION response_create(p_idea bigint, p_author bigint,
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

-- Recounts the organisations behind an idea's votes.
CREATE FUNCTION idea_recount(p_idea bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM idea_organization_votes WHERE idea_id = p_idea;
	INSERT INTO idea_organization_votes (idea_id, organization_id, votes)
	SELECT p_idea, u.organization_id, count(*) FROM votes v
	JOIN users u ON u.id = v.user_id
	WHERE v.idea_id = p_idea AND u.organization_id IS NOT NULL
	GROUP BY u.organization_id;
	UPDATE ideas SET
	    vote_count = (SELECT count(*) FROM votes WHERE idea_id = p_idea),
	    organization_count = (SELECT count(*) FROM idea_organization_votes
		WHERE idea_id = p_idea)
	    WHERE id = p_idea;
END
$$;

-- Merges a duplicate into its original: the votes move (one per person),
-- the duplicate keeps its comments and history and points to the
-- original; its voters and author are told where to go.  DR404 unknown;
-- DR422 'into' for itself, a merged target or a cycle; DR409 merged
-- already.
CREATE FUNCTION idea_merge(p_dup bigint, p_into bigint, p_actor bigint,
    p_address inet)
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

-- Hides a comment: kept, shown as hidden, audited.  DR404 unknown.
CREATE FUNCTION comment_hide(p_comment bigint, p_actor bigint,
    p_address inet)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	c comments;
BEGIN
	SELECT * INTO c FROM comments WHERE id = p_comment FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'comment_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF c.hidden_at IS NULL THEN
		UPDATE comments SET hidden_at = now(), hidden_by = p_actor
		    WHERE id = p_comment;
		PERFORM audit(p_actor, 'comment.hide', 'comment:' || p_comment,
		    p_address, jsonb_build_object('idea', c.idea_id));
	END IF;
	RETURN c.idea_id;
END
$$;
