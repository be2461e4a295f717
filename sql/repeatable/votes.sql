-- Votes and the counts they maintain (votes, organisations, trending)
-- in the same transaction as the change.

-- Locks an idea for p_user's vote and returns its vote count.  DR404:
-- no such idea, or not one p_user may see; DR409: votes are frozen
-- (a status of the closed group: released, declined, duplicate, and the
-- closed ones an admin added).
CREATE OR REPLACE FUNCTION vote_open(p_idea bigint, p_user bigint)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	st text;
	n integer;
BEGIN
	SELECT i.status, i.vote_count INTO st, n FROM ideas i
	WHERE i.id = p_idea AND (i.audience_org IS NULL
	    OR idea_visible(i.audience_org, p_user)) FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF (SELECT s.grp FROM idea_statuses s WHERE s.key = st) = 'closed' THEN
		RAISE EXCEPTION 'votes_frozen' USING ERRCODE = 'DR409';
	END IF;
	RETURN n;
END
$$;

-- Casts a vote; idempotent.  Errors: those of vote_open().
CREATE OR REPLACE FUNCTION vote_cast(p_idea bigint, p_user bigint)
RETURNS TABLE (vote_count integer, voted boolean)
LANGUAGE plpgsql AS $$
DECLARE
	org bigint;
	orgs integer := 0;
	n integer;
BEGIN
	n := vote_open(p_idea, p_user);
	INSERT INTO votes (idea_id, user_id) VALUES (p_idea, p_user)
	    ON CONFLICT DO NOTHING;
	IF FOUND THEN
		SELECT u.organization_id INTO org FROM users u WHERE u.id = p_user;
		IF org IS NOT NULL THEN
			INSERT INTO idea_organization_votes AS o VALUES (p_idea, org, 1)
			    ON CONFLICT (idea_id, organization_id)
			    DO UPDATE SET votes = o.votes + 1
			    RETURNING o.votes INTO orgs;
			orgs := CASE WHEN orgs = 1 THEN 1 ELSE 0 END;
		END IF;
		UPDATE ideas i SET vote_count = i.vote_count + 1,
		    recent_vote_count = i.recent_vote_count + 1,
		    organization_count = i.organization_count + orgs
		    WHERE i.id = p_idea RETURNING i.vote_count INTO n;
	END IF;
	RETURN QUERY SELECT n, true;
END
$$;

-- Withdraws a vote; idempotent.  Errors: those of vote_open().
CREATE OR REPLACE FUNCTION vote_withdraw(p_idea bigint, p_user bigint)
RETURNS TABLE (vote_count integer, voted boolean)
LANGUAGE plpgsql AS $$
DECLARE
	org bigint;
	left_votes integer;
	cast_at timestamptz;
	orgs integer := 0;
	recent integer := 0;
	n integer;
BEGIN
	n := vote_open(p_idea, p_user);
	DELETE FROM votes v WHERE v.idea_id = p_idea AND v.user_id = p_user
	    RETURNING v.created_at INTO cast_at;
	IF FOUND THEN
		SELECT u.organization_id INTO org FROM users u WHERE u.id = p_user;
		IF org IS NOT NULL THEN
			UPDATE idea_organization_votes o SET votes = o.votes - 1
			    WHERE o.idea_id = p_idea AND o.organization_id = org
			    AND o.votes > 1 RETURNING o.votes INTO left_votes;
			IF left_votes IS NULL THEN
				DELETE FROM idea_organization_votes o
				    WHERE o.idea_id = p_idea AND o.organization_id = org;
				orgs := 1;
			END IF;
		END IF;
		IF cast_at > now() - interval '13 days' OR cast_at >
		    (SELECT c.aged_to FROM trending_clock c) THEN
			recent := 1;
		END IF;
		UPDATE ideas i SET vote_count = i.vote_count - 1,
		    recent_vote_count = greatest(0, i.recent_vote_count - recent),
		    organization_count = i.organization_count - orgs
		    WHERE i.id = p_idea RETURNING i.vote_count INTO n;
	END IF;
	RETURN QUERY SELECT n, false;
END
$$;

-- Recounts an idea's votes, organisations and recent votes (after a
-- merge moved votes).
CREATE OR REPLACE FUNCTION idea_recount(p_idea bigint) RETURNS void
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
	    recent_vote_count = (SELECT count(*) FROM votes
		WHERE idea_id = p_idea
		AND created_at > (SELECT aged_to FROM trending_clock)),
	    organization_count = (SELECT count(*) FROM idea_organization_votes
		WHERE idea_id = p_idea)
	    WHERE id = p_idea;
END
$$;

-- Takes back the votes that turned 14 days old since the last run; one
-- caller at a time, the others go on at once.  Each idea is locked before
-- its votes are counted, so that a withdrawal (which locks the idea too)
-- is counted either here or there, never twice.  Returns the ideas aged.
CREATE OR REPLACE FUNCTION trending_age() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	prev timestamptz;
	upto timestamptz := now() - interval '14 days';
	idea bigint;
	n integer := 0;
BEGIN
	SELECT aged_to INTO prev FROM trending_clock
	WHERE aged_to < upto - interval '1 minute' FOR UPDATE SKIP LOCKED;
	IF NOT FOUND THEN
		RETURN 0;
	END IF;
	FOR idea IN
		SELECT DISTINCT v.idea_id FROM votes v
		WHERE v.created_at > prev AND v.created_at <= upto
		ORDER BY 1
	LOOP
		PERFORM 1 FROM ideas WHERE id = idea FOR UPDATE;
		UPDATE ideas i SET recent_vote_count = greatest(0,
		    i.recent_vote_count - (SELECT count(*) FROM votes v
		    WHERE v.idea_id = idea AND v.created_at > prev
		    AND v.created_at <= upto))
		WHERE i.id = idea;
		n := n + 1;
	END LOOP;
	UPDATE trending_clock SET aged_to = upto;
	RETURN n;
END
$$;
