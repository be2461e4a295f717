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

-- This migration's functions and triggers live in sql/repeatable/, which
-- `drivectl migrate` applies after the numbered migrations (README,
-- "Migrations").
