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

-- What publishing a response does, in the caller's transaction: the
-- entry of the status history, the idea's status, and the notifications
-- (portal and outbox) of its voters and author, except the response's
-- author and its approver, who know.  The caller has locked the idea,
-- checked the status and audits.
CREATE OR REPLACE FUNCTION response_publish(p_idea bigint, p_author bigint,
    p_from text, p_status text, p_body text, p_approver bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	rid bigint;
	who bigint;
BEGIN
	INSERT INTO responses AS r (idea_id, author_id, from_status, to_status,
	    body)
	VALUES (p_idea, p_author, p_from, p_status, p_body)
	RETURNING r.id INTO rid;
	UPDATE ideas SET status = p_status,
	    first_response_at = coalesce(first_response_at, now()),
	    updated_at = now()
	    WHERE id = p_idea;
	FOR who IN
		SELECT v.user_id FROM votes v WHERE v.idea_id = p_idea
		UNION SELECT i.author_id FROM ideas i WHERE i.id = p_idea
	LOOP
		IF who <> p_author AND who IS DISTINCT FROM p_approver THEN
			PERFORM notify_person(who, 'status', p_idea, NULL,
			    p_author, jsonb_build_object('from', p_from,
			    'to', p_status, 'response_id', rid));
		END IF;
	END LOOP;
	RETURN rid;
END
$$;

-- The result gained "state" (four eyes, 013): a function's result type
-- cannot be replaced, so the older one goes first (only that one).
DO $$
BEGIN
	IF pg_get_function_result(to_regprocedure(
	    'response_create(bigint, bigint, text, text, inet)'))
	    NOT LIKE '%state text%' THEN
		DROP FUNCTION response_create(bigint, bigint, text, text, inet);
	END IF;
END
$$;

-- An official response with the status it sets, in one transaction with
-- the status change and the notifications; state 'published'.  When the
-- idea's product area needs approval for the status (four eyes,
-- status_needs_approval()),
-- it is only kept as a draft, state 'pending_approval' and response_id
-- the draft's id: no status change, no notification, no mail, nothing a
-- client can see, until response_approve().  DR404 unknown idea; DR409 a
-- merged idea takes no further status; DR422 'status' for duplicate or
-- an unknown status (duplicate is set by a merge only); DRD09 the idea
-- has a draft awaiting approval already (one at a time).
CREATE OR REPLACE FUNCTION response_create(p_idea bigint, p_author bigint,
    p_status text, p_body text, p_address inet)
RETURNS TABLE (response_id bigint, from_status text, state text)
LANGUAGE plpgsql AS $$
DECLARE
	i ideas;
	rid bigint;
BEGIN
	i := idea_locked(p_idea);
	IF i.status = 'duplicate' THEN
		RAISE EXCEPTION 'merged' USING ERRCODE = 'DR409';
	END IF;
	IF p_status = 'duplicate' OR NOT EXISTS (SELECT 1 FROM idea_statuses s
	    WHERE s.key = p_status) THEN
		RAISE EXCEPTION 'status' USING ERRCODE = 'DR422';
	END IF;
	IF status_needs_approval(i.area_id, p_status) THEN
		IF EXISTS (SELECT 1 FROM response_drafts d
		    WHERE d.idea_id = p_idea AND d.state = 'pending') THEN
			RAISE EXCEPTION 'draft_pending' USING ERRCODE = 'DRD09';
		END IF;
		INSERT INTO response_drafts AS d (idea_id, author_id,
		    from_status, to_status, body)
		VALUES (p_idea, p_author, i.status, p_status, p_body)
		RETURNING d.id INTO rid;
		PERFORM audit(p_author, 'idea.response_draft', 'idea:' || p_idea,
		    p_address, jsonb_build_object('draft', rid,
		    'from', i.status, 'to', p_status));
		RETURN QUERY SELECT rid, i.status, 'pending_approval'::text;
		RETURN;
	END IF;
	rid := response_publish(p_idea, p_author, i.status, p_status, p_body,
	    NULL);
	PERFORM audit(p_author, 'idea.response', 'idea:' || p_idea, p_address,
	    jsonb_build_object('from', i.status, 'to', p_status));
	RETURN QUERY SELECT rid, i.status, 'published'::text;
END
$$;

-- A second pm or admin approves a draft: it is published as
-- response_create() publishes, at this moment (the status it changes
-- from must still be the idea's), and audited with both names.  The idea
-- is locked before the draft, as response_create() locks it, so that two
-- approvals of one draft run one after the other and the second finds it
-- decided.  p_idea, when given, must be the draft's idea (the page's
-- address).  DR404 unknown draft; DRX09 decided already; DR403 the actor
-- is not active staff; DRO03 the actor wrote the draft; DR409 the idea
-- was merged since; DRS09 its status changed since.
CREATE OR REPLACE FUNCTION response_approve(p_draft bigint, p_idea bigint,
    p_actor bigint, p_address inet)
RETURNS TABLE (response_id bigint, idea_id bigint, from_status text,
    to_status text, body text, author_name text, author_bank boolean)
LANGUAGE plpgsql AS $$
DECLARE
	d record; -- response_drafts (013): a record, so that this file
		   -- loads on a schema before it, as the others do
	i ideas;
	au users;
	ap users;
	rid bigint;
BEGIN
	SELECT * INTO i FROM ideas WHERE id = (SELECT x.idea_id
	    FROM response_drafts x WHERE x.id = p_draft) FOR UPDATE;
	SELECT * INTO d FROM response_drafts x WHERE x.id = p_draft FOR UPDATE;
	IF NOT FOUND OR d.idea_id <> coalesce(p_idea, d.idea_id) THEN
		RAISE EXCEPTION 'draft_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF d.state <> 'pending' THEN
		RAISE EXCEPTION 'decided' USING ERRCODE = 'DRX09';
	END IF;
	SELECT * INTO ap FROM users u WHERE u.id = p_actor AND u.active
	    AND u.role IN ('pm', 'admin');
	IF NOT FOUND THEN
		RAISE EXCEPTION 'forbidden' USING ERRCODE = 'DR403';
	END IF;
	IF d.author_id = p_actor THEN
		RAISE EXCEPTION 'own_draft' USING ERRCODE = 'DRO03';
	END IF;
	IF i.status = 'duplicate' THEN
		RAISE EXCEPTION 'merged' USING ERRCODE = 'DR409';
	END IF;
	IF i.status <> d.from_status THEN
		RAISE EXCEPTION 'status_changed' USING ERRCODE = 'DRS09';
	END IF;
	SELECT * INTO au FROM users u WHERE u.id = d.author_id;
	rid := response_publish(d.idea_id, d.author_id, d.from_status,
	    d.to_status, d.body, p_actor);
	UPDATE response_drafts x SET state = 'approved', decided_by = p_actor,
	    decided_at = now(), response_id = rid
	    WHERE x.id = p_draft;
	PERFORM audit(p_actor, 'idea.response_approved', 'idea:' || d.idea_id,
	    p_address, jsonb_build_object('draft', d.id, 'response', rid,
	    'from', d.from_status, 'to', d.to_status,
	    'author_id', d.author_id, 'author', au.display_name,
	    'approver_id', p_actor, 'approver', ap.display_name));
	RETURN QUERY SELECT rid, d.idea_id, d.from_status, d.to_status, d.body,
	    au.display_name, au.role <> 'client';
END
$$;

-- A draft set aside: rejected by another pm or admin, who says why
-- (p_reason, required), or withdrawn by its author (a reason optional).
-- Nothing is published; the audit entry names both.  DR404 unknown
-- draft (or not of p_idea); DRX09 decided already; DR403 the actor is
-- not active staff; DR422 'reason' missing.
CREATE OR REPLACE FUNCTION response_reject(p_draft bigint, p_idea bigint,
    p_actor bigint, p_reason text, p_address inet)
RETURNS TABLE (idea_id bigint, state text)
LANGUAGE plpgsql AS $$
DECLARE
	d record; -- response_drafts
	ap users;
	outcome text;
	why text := nullif(btrim(p_reason, E' \n\t'), '');
BEGIN
	SELECT * INTO d FROM response_drafts x WHERE x.id = p_draft FOR UPDATE;
	IF NOT FOUND OR d.idea_id <> coalesce(p_idea, d.idea_id) THEN
		RAISE EXCEPTION 'draft_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF d.state <> 'pending' THEN
		RAISE EXCEPTION 'decided' USING ERRCODE = 'DRX09';
	END IF;
	SELECT * INTO ap FROM users u WHERE u.id = p_actor AND u.active
	    AND u.role IN ('pm', 'admin');
	IF NOT FOUND THEN
		RAISE EXCEPTION 'forbidden' USING ERRCODE = 'DR403';
	END IF;
	IF d.author_id = p_actor THEN
		outcome := 'withdrawn';
	ELSIF why IS NULL THEN
		RAISE EXCEPTION 'reason' USING ERRCODE = 'DR422';
	ELSE
		outcome := 'rejected';
	END IF;
	UPDATE response_drafts x SET state = outcome, decided_by = p_actor,
	    decided_at = now(), reason = why
	    WHERE x.id = p_draft;
	PERFORM audit(p_actor, 'idea.response_' || outcome,
	    'idea:' || d.idea_id, p_address, jsonb_build_object('draft', d.id,
	    'from', d.from_status, 'to', d.to_status,
	    'author_id', d.author_id,
	    'author', (SELECT u.display_name FROM users u
	    WHERE u.id = d.author_id),
	    'by', ap.display_name, 'reason', why));
	RETURN QUERY SELECT d.idea_id, outcome;
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
