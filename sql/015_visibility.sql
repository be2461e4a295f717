-- Issue 16, part 1: per-idea visibility ("my organisation and the bank").
--
-- An idea's audience: NULL, every client (as before); an organisation's
-- id, that organisation's members and the bank's staff only.  To anyone
-- else such an idea, its comments, votes and counts do not exist:
-- idea_visible() (sql/repeatable/ideas.sql) is the one test every read
-- and write a client can reach applies.  The audience is the author's
-- organisation when the idea is proposed; it may only widen (a pm
-- proposes, the author accepts: audience_proposals), never narrow.
ALTER TABLE ideas ADD COLUMN audience_org bigint
	REFERENCES organizations (id);
CREATE INDEX ideas_audience_idx ON ideas (audience_org)
	WHERE audience_org IS NOT NULL;

-- A pm's proposal to open a private idea to every client; the author
-- accepts or declines.  One open proposal an idea at a time.
CREATE TABLE audience_proposals (
	id		bigserial PRIMARY KEY,
	idea_id		bigint NOT NULL REFERENCES ideas (id),
	proposed_by	bigint NOT NULL REFERENCES users (id),
	proposed_at	timestamptz NOT NULL DEFAULT now(),
	decided_at	timestamptz,
	accepted	boolean,
	CHECK ((decided_at IS NULL) = (accepted IS NULL))
);
CREATE UNIQUE INDEX audience_proposals_open_idx ON audience_proposals
	(idea_id) WHERE decided_at IS NULL;

-- idea_create() takes the audience; vote_open() the voter, whom it
-- refuses an idea they may not see (sql/repeatable/).
DROP FUNCTION IF EXISTS idea_create(bigint, text, text, text);
DROP FUNCTION IF EXISTS vote_open(bigint);
