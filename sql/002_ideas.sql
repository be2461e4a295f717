-- Ideas, votes, comments and in-portal notifications.
--
-- Counts the pages show (votes, comments, distinct organisations behind
-- the votes) are maintained in the same transaction as the change, never
-- counted at read time.  Each change that touches more than one row is a
-- function, so that it is one statement from C and one transaction.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE areas (
	id		serial PRIMARY KEY,
	slug		text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{2,40}$'),
	name_en		text NOT NULL,
	name_de		text NOT NULL,
	position	integer NOT NULL DEFAULT 0,
	retired_at	timestamptz
);

INSERT INTO areas (slug, name_en, name_de, position) VALUES
	('cash-management', 'Cash Management', 'Cash Management', 1),
	('trade-finance', 'Trade Finance', 'Handelsfinanzierung', 2),
	('securities-services', 'Securities Services', 'Wertpapierdienstleistungen', 3),
	('fx', 'FX', 'Devisen', 4),
	('channels-apis', 'Channels & APIs', 'Kanäle & APIs', 5);

CREATE TABLE ideas (
	id			bigserial PRIMARY KEY,
	author_id		bigint NOT NULL REFERENCES users (id),
	area_id			integer NOT NULL REFERENCES areas (id),
	title			text NOT NULL
				CHECK (char_length(title) BETWEEN 5 AND 120),
	body			text NOT NULL CHECK (char_length(body) <= 10000),
	status			text NOT NULL DEFAULT 'new' CHECK (status IN
				('new', 'under_review', 'planned', 'in_progress',
				'released', 'declined', 'duplicate')),
	vote_count		integer NOT NULL DEFAULT 0 CHECK (vote_count >= 0),
	comment_count		integer NOT NULL DEFAULT 0
				CHECK (comment_count >= 0),
	organization_count	integer NOT NULL DEFAULT 0
				CHECK (organization_count >= 0),
	first_response_at	timestamptz,
	duplicate_of		bigint REFERENCES ideas (id),
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	search			tsvector GENERATED ALWAYS AS (
				setweight(to_tsvector('simple', title), 'A') ||
				setweight(to_tsvector('simple', body), 'B')) STORED
);
CREATE INDEX ideas_top_idx ON ideas (vote_count DESC, id DESC);
CREATE INDEX ideas_area_top_idx ON ideas (area_id, vote_count DESC, id DESC);
CREATE INDEX ideas_status_top_idx ON ideas (status, vote_count DESC, id DESC);
CREATE INDEX ideas_search_idx ON ideas USING gin (search);
CREATE INDEX ideas_title_trgm_idx ON ideas USING gin (title gin_trgm_ops);
CREATE INDEX ideas_author_idx ON ideas (author_id);

CREATE TABLE votes (
	idea_id		bigint NOT NULL REFERENCES ideas (id),
	user_id		bigint NOT NULL REFERENCES users (id),
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (idea_id, user_id)
);
CREATE INDEX votes_user_idx ON votes (user_id);
CREATE INDEX votes_recent_idx ON votes (created_at, idea_id);

-- Votes per idea and organisation, so that "how many organisations want
-- this" is a maintained number too.
CREATE TABLE idea_organization_votes (
	idea_id		bigint NOT NULL REFERENCES ideas (id),
	organization_id	bigint NOT NULL REFERENCES organizations (id),
	votes		integer NOT NULL CHECK (votes > 0),
	PRIMARY KEY (idea_id, organization_id)
);

CREATE TABLE comments (
	id		bigserial PRIMARY KEY,
	idea_id		bigint NOT NULL REFERENCES ideas (id),
	author_id	bigint NOT NULL REFERENCES users (id),
	body		text NOT NULL
			CHECK (char_length(body) BETWEEN 1 AND 5000),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	hidden_at	timestamptz,
	hidden_by	bigint REFERENCES users (id)
);
CREATE INDEX comments_idea_idx ON comments (idea_id, id);

CREATE TABLE notifications (
	id		bigserial PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	kind		text NOT NULL,
	idea_id		bigint REFERENCES ideas (id),
	comment_id	bigint REFERENCES comments (id) ON DELETE SET NULL,
	actor_id	bigint REFERENCES users (id),
	created_at	timestamptz NOT NULL DEFAULT now(),
	read_at		timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id)
	WHERE read_at IS NULL;

-- Casts a vote; idempotent.  DR404: no such idea; DR409: votes are frozen.
CREATE FUNCTION vote_cast(p_idea bigint, p_user bigint)
RETURNS TABLE (vote_count integer, voted boolean)
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	org bigint;
	added integer;
BEGIN
	SELECT i.status INTO st FROM ideas i WHERE i.id = p_idea FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF st IN ('released', 'declined', 'duplicate') THEN
		RAISE EXCEPTION 'votes_frozen' USING ERRCODE = 'DR409';
	END IF;
	INSERT INTO votes (idea_id, user_id) VALUES (p_idea, p_user)
	    ON CONFLICT DO NOTHING;
	GET DIAGNOSTICS added = ROW_COUNT;
	IF added = 1 THEN
		SELECT u.organization_id INTO org FROM users u WHERE u.id = p_user;
		IF org IS NOT NULL THEN
			INSERT INTO idea_organization_votes AS o VALUES (p_idea, org, 1)
			    ON CONFLICT (idea_id, organization_id)
			    DO UPDATE SET votes = o.votes + 1;
			UPDATE ideas SET organization_count = organization_count + 1
			    WHERE id = p_idea AND (SELECT o.votes FROM
			    idea_organization_votes o WHERE o.idea_id = p_idea AND
			    o.organization_id = org) = 1;
		END IF;
		UPDATE ideas SET vote_count = ideas.vote_count + 1
		    WHERE id = p_idea;
	END IF;
	RETURN QUERY SELECT i.vote_count, true FROM ideas i WHERE i.id = p_idea;
END
$$;

-- Withdraws a vote; idempotent.  Same errors as vote_cast.
CREATE FUNCTION vote_withdraw(p_idea bigint, p_user bigint)
RETURNS TABLE (vote_count integer, voted boolean)
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	org bigint;
	left_votes integer;
BEGIN
	SELECT i.status INTO st FROM ideas i WHERE i.id = p_idea FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF st IN ('released', 'declined', 'duplicate') THEN
		RAISE EXCEPTION 'votes_frozen' USING ERRCODE = 'DR409';
	END IF;
	DELETE FROM votes v WHERE v.idea_id = p_idea AND v.user_id = p_user;
	IF FOUND THEN
		SELECT u.organization_id INTO org FROM users u WHERE u.id = p_user;
		IF org IS NOT NULL THEN
			UPDATE idea_organization_votes o SET votes = o.votes - 1
			    WHERE o.idea_id = p_idea AND o.organization_id = org
			    AND o.votes > 1 RETURNING o.votes INTO left_votes;
			IF left_votes IS NULL THEN
				DELETE FROM idea_organization_votes o
				    WHERE o.idea_id = p_idea AND o.organization_id = org;
				UPDATE ideas SET organization_count =
				    organization_count - 1 WHERE id = p_idea;
			END IF;
		END IF;
		UPDATE ideas SET vote_count = ideas.vote_count - 1
		    WHERE id = p_idea;
	END IF;
	RETURN QUERY SELECT i.vote_count, false FROM ideas i WHERE i.id = p_idea;
END
$$;

-- Proposes an idea.  DR422 'area': unknown or retired area.
CREATE FUNCTION idea_create(p_author bigint, p_area text, p_title text,
    p_body text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	a integer;
	new_id bigint;
BEGIN
	SELECT id INTO a FROM areas WHERE slug = p_area AND retired_at IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'area' USING ERRCODE = 'DR422';
	END IF;
	INSERT INTO ideas (author_id, area_id, title, body)
	VALUES (p_author, a, p_title, p_body) RETURNING id INTO new_id;
	RETURN new_id;
END
$$;

-- Edits an idea: its author only (DR403), until the first official
-- response (DR409).  NULL leaves a field as it is.
CREATE FUNCTION idea_edit(p_idea bigint, p_user bigint, p_title text,
    p_body text, p_area text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	i ideas;
	a integer;
BEGIN
	SELECT * INTO i FROM ideas WHERE id = p_idea FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF i.author_id <> p_user THEN
		RAISE EXCEPTION 'not_author' USING ERRCODE = 'DR403';
	END IF;
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

-- Comments on an idea and tells its author.
CREATE FUNCTION comment_create(p_idea bigint, p_author bigint, p_body text)
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
		INSERT INTO notifications (user_id, kind, idea_id, comment_id,
		    actor_id)
		VALUES (idea_author, 'comment', p_idea, new_id, p_author);
	END IF;
	RETURN new_id;
END
$$;

-- Edits (p_body not NULL) or deletes (p_body NULL) one's own comment
-- within 15 minutes.  DR404 unknown, DR403 not the author, DR409 too late.
CREATE FUNCTION comment_change(p_comment bigint, p_user bigint, p_body text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	c comments;
BEGIN
	SELECT * INTO c FROM comments WHERE id = p_comment FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'comment_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF c.author_id <> p_user THEN
		RAISE EXCEPTION 'not_author' USING ERRCODE = 'DR403';
	END IF;
	IF c.created_at < now() - interval '15 minutes' OR c.hidden_at IS NOT NULL
	THEN
		RAISE EXCEPTION 'too_late' USING ERRCODE = 'DR409';
	END IF;
	IF p_body IS NULL THEN
		DELETE FROM notifications WHERE comment_id = p_comment;
		DELETE FROM comments WHERE id = p_comment;
		UPDATE ideas SET comment_count = comment_count - 1
		    WHERE id = c.idea_id;
	ELSE
		UPDATE comments SET body = p_body, updated_at = now()
		    WHERE id = p_comment;
	END IF;
	RETURN c.idea_id;
END
$$;
