-- Issue 16, part 4: custom statuses.  An idea's status was one of seven
-- fixed words; now it is a row of idea_statuses.  The seven stay
-- (builtin: their words are the portal's own, in assets/i18n); an admin
-- may add more within the lifecycle's three groups, each with an English
-- and a German name:
--   open       the bank has not committed: votes open (new, under_review);
--   committed  the bank has committed: votes open, on the roadmap
--              (planned, in_progress);
--   closed     votes frozen (released, declined, duplicate).
-- What an idea's status does follows its group (vote_open(), the
-- roadmap, the lists' vote button), never its key.
CREATE TABLE idea_statuses (
	key		text PRIMARY KEY
			CHECK (key ~ '^[a-z][a-z0-9_]{1,29}$'),
	grp		text NOT NULL
			CHECK (grp IN ('open', 'committed', 'closed')),
	builtin		boolean NOT NULL DEFAULT false,
	name_en		text CHECK (char_length(name_en) BETWEEN 1 AND 40),
	name_de		text CHECK (char_length(name_de) BETWEEN 1 AND 40),
	position	integer NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (builtin OR (name_en IS NOT NULL AND name_de IS NOT NULL))
);

INSERT INTO idea_statuses (key, grp, builtin, position) VALUES
	('new', 'open', true, 1),
	('under_review', 'open', true, 2),
	('planned', 'committed', true, 3),
	('in_progress', 'committed', true, 4),
	('released', 'closed', true, 5),
	('declined', 'closed', true, 6),
	('duplicate', 'closed', true, 1000);

-- Every worker keeps the statuses in memory; the session's lookup reads
-- this stamp, and a worker whose copy is older loads them again
-- (app/statuses.c).  status_create() and status_rename() move it on.
CREATE TABLE idea_statuses_version (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	version		bigint NOT NULL
);
INSERT INTO idea_statuses_version (version) VALUES (1);

ALTER TABLE ideas DROP CONSTRAINT ideas_status_check;
ALTER TABLE ideas ADD CONSTRAINT ideas_status_fkey FOREIGN KEY (status)
	REFERENCES idea_statuses (key);
ALTER TABLE responses ADD CONSTRAINT responses_to_status_fkey
	FOREIGN KEY (to_status) REFERENCES idea_statuses (key);
ALTER TABLE response_drafts ADD CONSTRAINT response_drafts_to_status_fkey
	FOREIGN KEY (to_status) REFERENCES idea_statuses (key);

-- The roadmap shows the committed statuses and released, whichever they
-- are: its index leaves out what can never be on it.
DROP INDEX ideas_roadmap_idx;
CREATE INDEX ideas_roadmap_idx ON ideas (status, vote_count DESC)
	WHERE status NOT IN ('new', 'under_review', 'declined', 'duplicate');
