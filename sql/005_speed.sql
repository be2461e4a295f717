-- Speed at a bank's scale (measured by make bench):
--
-- * The search text moves out of ideas into idea_search.  A vote updates
--   its idea's counts, and an update of a row writes a new entry into
--   every index of the table: with the two GIN indexes (words, trigrams)
--   on ideas, a vote wrote a hundred index entries; now it writes a few.
-- * Trending ("votes of the last 14 days") is a maintained count too:
--   a vote adds to it, a withdrawal takes its vote back while the vote is
--   younger than the clock, and trending_age() takes back the votes that
--   grew older than 14 days since it last ran (at most once a minute,
--   called by the trending list itself).
-- * A vote updates its idea once, not twice.

-- ---- search ---------------------------------------------------------------

-- The words of an idea, title first.  'simple': no language's stemming,
-- since titles mix English, German and banking codes.
CREATE FUNCTION idea_words(p_title text, p_body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT setweight(to_tsvector('simple', p_title), 'A') ||
	    setweight(to_tsvector('simple', p_body), 'B')
$$;

-- What a person typed, as a query: every word a prefix, all required.
-- Each word is quoted for to_tsquery (a quote doubled, a backslash
-- escaped), so that no character of q acts as an operator.  One
-- expression, immutable: PostgreSQL inlines it and, with q known,
-- computes the query while planning, so it can judge how many ideas match.
CREATE FUNCTION search_query(p_q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT to_tsquery('simple', regexp_replace(regexp_replace(
	    btrim(replace(replace(lower(p_q), '\', '\\'), '''', ''''''),
	    E' \t\r\n\f'), '\s+', ''':* & ''', 'g'), '^(.+)$', '''\1'':*'))
$$;

CREATE TABLE idea_search (
	idea_id		bigint PRIMARY KEY REFERENCES ideas (id),
	title		text NOT NULL,
	words		tsvector NOT NULL
);
INSERT INTO idea_search (idea_id, title, words)
SELECT id, title, idea_words(title, body) FROM ideas;
CREATE INDEX idea_search_words_idx ON idea_search USING gin (words);
CREATE INDEX idea_search_title_trgm_idx ON idea_search
	USING gin (title gin_trgm_ops);
DROP INDEX ideas_search_idx;
DROP INDEX ideas_title_trgm_idx;
ALTER TABLE ideas DROP COLUMN search;

CREATE FUNCTION idea_search_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO idea_search (idea_id, title, words)
	VALUES (NEW.id, NEW.title, idea_words(NEW.title, NEW.body))
	ON CONFLICT (idea_id) DO UPDATE
	SET title = EXCLUDED.title, words = EXCLUDED.words;
	RETURN NULL;
END
$$;
CREATE TRIGGER idea_search_sync AFTER INSERT OR UPDATE OF title, body
	ON ideas FOR EACH ROW EXECUTE FUNCTION idea_search_sync();

-- ---- trending -------------------------------------------------------------

ALTER TABLE ideas ADD COLUMN recent_vote_count integer NOT NULL DEFAULT 0
	CHECK (recent_vote_count >= 0);

-- Votes cast at or before aged_to are no longer in recent_vote_count.
CREATE TABLE trending_clock (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	aged_to		timestamptz NOT NULL
);
INSERT INTO trending_clock VALUES (true, now() - interval '14 days');
UPDATE ideas i SET recent_vote_count = t.n
FROM (SELECT idea_id, count(*)::integer AS n FROM votes
    WHERE created_at > (SELECT aged_to FROM trending_clock)
    GROUP BY idea_id) t
WHERE t.idea_id = i.id;
CREATE INDEX ideas_trending_idx ON ideas (recent_vote_count DESC, id DESC);

-- Takes back the votes that turned 14 days old since the last run; one
-- caller at a time, the others go on at once.  Each idea is locked before
-- its votes are counted, so that a withdrawal (which locks the idea too)
-- is counted either here or there, never twice.  Returns the ideas aged.
CREATE FUNCTION trending_age() RETURNS integer
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

-- ---- votes: one update of the idea ----------------------------------------

-- Locks an idea for a vote and returns its vote count.  DR404: no such
-- idea; DR409: votes are frozen (released, declined, duplicate).
CREATE FUNCTION vote_open(p_idea bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	n integer;
BEGIN
	SELECT i.status, i.vote_count INTO st, n FROM ideas i
	WHERE i.id = p_idea FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF st IN ('released', 'declined', 'duplicate') THEN
		RAISE EXCEPTION 'votes_frozen' USING ERRCODE = 'DR409';
	END IF;
	RETURN n;
END
$$;

CREATE OR REPLACE FUNCTION vote_cast(p_idea bigint, p_user bigint)
RETURNS TABLE (vote_count integer, voted boolean)
LANGUAGE plpgsql AS $$
DECLARE
	org bigint;
	orgs integer := 0;
	n integer;
BEGIN
	n := vote_open(p_idea);
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
	n := vote_open(p_idea);
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
