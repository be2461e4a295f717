-- Ideas: proposed and edited by their authors.

-- Whether a person may see an idea whose audience is p_audience (NULL:
-- every client; else that organisation's members and the bank's staff).
-- The one test every read and write a client can reach applies; an idea
-- it refuses does not exist for that person (404, absent from lists,
-- search, similar ideas, counts and the roadmap).  Callers write
-- "i.audience_org IS NULL OR idea_visible(i.audience_org, $viewer)" so
-- that the public ideas, nearly all, cost no lookup.
CREATE OR REPLACE FUNCTION idea_visible(p_audience bigint, p_viewer bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT p_audience IS NULL OR EXISTS (SELECT 1 FROM users v
	    WHERE v.id = p_viewer AND v.active
	    AND (v.role <> 'client' OR v.organization_id = p_audience))
$$;

-- Proposes an idea, with its author's vote (as peers count it: the
-- author wants it), which the author may withdraw like any vote.  With
-- p_private, only the author's organisation and the bank see it (a
-- member of the bank proposing one is refused: DR421 'audience').
-- DR422 'area': unknown or retired area.
CREATE OR REPLACE FUNCTION idea_create(p_author bigint, p_area text,
    p_title text, p_body text, p_private boolean DEFAULT false)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	a integer;
	org bigint;
	new_id bigint;
BEGIN
	SELECT id INTO a FROM areas WHERE slug = p_area AND retired_at IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'area' USING ERRCODE = 'DR422';
	END IF;
	IF p_private THEN
		SELECT u.organization_id INTO org FROM users u
		    WHERE u.id = p_author;
		IF org IS NULL THEN
			RAISE EXCEPTION 'audience' USING ERRCODE = 'DR421';
		END IF;
	END IF;
	INSERT INTO ideas (author_id, area_id, title, body, audience_org)
	VALUES (p_author, a, p_title, p_body, org) RETURNING id INTO new_id;
	PERFORM vote_cast(new_id, p_author);
	RETURN new_id;
END
$$;

-- Locks an idea for a change by the bank's staff, who see every idea,
-- and returns it.  DR404 unknown idea.
CREATE OR REPLACE FUNCTION idea_locked(p_idea bigint)
RETURNS ideas LANGUAGE plpgsql AS $$
DECLARE
	i ideas;
BEGIN
	SELECT * INTO i FROM ideas x WHERE x.id = p_idea FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	RETURN i;
END
$$;

-- The idea p_user wrote, locked for a change by its author: DR404 when
-- there is none they may see (as for a number nobody used), DR403 when
-- another person wrote it.
CREATE OR REPLACE FUNCTION idea_authored(p_idea bigint, p_user bigint)
RETURNS ideas LANGUAGE plpgsql AS $$
DECLARE
	i ideas;
BEGIN
	SELECT * INTO i FROM ideas x WHERE x.id = p_idea
	    AND (x.audience_org IS NULL OR idea_visible(x.audience_org, p_user))
	    FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF i.author_id <> p_user THEN
		RAISE EXCEPTION 'not_author' USING ERRCODE = 'DR403';
	END IF;
	RETURN i;
END
$$;

-- Edits an idea: its author only (DR403; DR404 for one the person may
-- not see), until the first official response (DR409).  NULL leaves a
-- field as it is.
CREATE OR REPLACE FUNCTION idea_edit(p_idea bigint, p_user bigint, p_title text,
    p_body text, p_area text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	i ideas;
	a integer;
BEGIN
	i := idea_authored(p_idea, p_user);
	IF i.first_response_at IS NOT NULL THEN
		RAISE EXCEPTION 'answered' USING ERRCODE = 'DR409';
	END IF;
	IF p_area IS NOT NULL THEN
		SELECT id INTO a FROM areas WHERE slug = p_area
		    AND (retired_at IS NULL OR id = i.area_id);
		IF NOT FOUND THEN
			RAISE EXCEPTION 'area' USING ERRCODE = 'DR422';
		END IF;
	END IF;
	UPDATE ideas SET title = coalesce(p_title, title),
	    body = coalesce(p_body, body), area_id = coalesce(a, area_id),
	    updated_at = now()
	    WHERE id = p_idea;
END
$$;

-- A pm proposes to open a private idea to every client; its author is
-- told in the portal and decides (audience_decide).  Returns the
-- proposal's id.  DR404 unknown idea; DR422 'public' open to all
-- already; DR409 'pending' a proposal awaits the author.  Audited.
CREATE OR REPLACE FUNCTION audience_propose(p_idea bigint, p_actor bigint,
    p_address inet)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	i ideas;
	pid bigint;
BEGIN
	i := idea_locked(p_idea);
	IF i.audience_org IS NULL THEN
		RAISE EXCEPTION 'public' USING ERRCODE = 'DR422';
	END IF;
	INSERT INTO audience_proposals (idea_id, proposed_by)
	VALUES (p_idea, p_actor)
	ON CONFLICT (idea_id) WHERE decided_at IS NULL DO NOTHING
	RETURNING id INTO pid;
	IF pid IS NULL THEN
		RAISE EXCEPTION 'pending' USING ERRCODE = 'DR409';
	END IF;
	INSERT INTO notifications (user_id, kind, idea_id, actor_id)
	SELECT u.id, 'widen', p_idea, p_actor FROM users u
	WHERE u.id = i.author_id AND u.active;
	PERFORM audit(p_actor, 'idea.audience_proposed', 'idea:' || p_idea,
	    p_address, jsonb_build_object('proposal', pid));
	RETURN pid;
END
$$;

-- The author accepts (the idea is then open to every client, for good)
-- or declines the open proposal.  DR404 unknown or not visible to them;
-- DR403 not the author; DR409 'none' no proposal awaits.  Audited.
CREATE OR REPLACE FUNCTION audience_decide(p_idea bigint, p_user bigint,
    p_accept boolean, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	i ideas;
	pid bigint;
BEGIN
	i := idea_authored(p_idea, p_user);
	UPDATE audience_proposals SET decided_at = now(), accepted = p_accept
	    WHERE idea_id = p_idea AND decided_at IS NULL
	    RETURNING id INTO pid;
	IF pid IS NULL THEN
		RAISE EXCEPTION 'none' USING ERRCODE = 'DR409';
	END IF;
	IF p_accept THEN
		UPDATE ideas SET audience_org = NULL, updated_at = now()
		    WHERE id = p_idea;
	END IF;
	PERFORM audit(p_user, CASE WHEN p_accept
	    THEN 'idea.audience_widened' ELSE 'idea.audience_kept' END,
	    'idea:' || p_idea, p_address, jsonb_build_object('proposal', pid,
	    'organization', i.audience_org));
END
$$;
