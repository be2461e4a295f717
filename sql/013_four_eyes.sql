-- Issue 16: four eyes on commitments.
--
-- A response that sets a status the idea's product area lists in
-- approval_statuses is not published: it waits in response_drafts until
-- a second pm or admin (not its author) approves it, and only then
-- becomes a row of responses, with the status change and the
-- notifications of that moment (response_approve() in
-- sql/repeatable/desk.sql).  Drafts live in a table of their own so that
-- nothing a client can read (the idea page and API, the lists, the
-- roadmap, notifications, mails, exports, the listening scorecard, the
-- counts) ever reads them: every one of those reads responses and ideas,
-- which a draft does not touch.

-- Which statuses need a second person in this area.  A bank's safe
-- default: both commitments, planned and released, for every area, the
-- existing ones and those added later; an admin may turn either off.
ALTER TABLE areas ADD COLUMN approval_statuses text[] NOT NULL
	DEFAULT ARRAY['planned', 'released']::text[]
	CHECK (approval_statuses <@ ARRAY['planned', 'released']::text[]);

-- A draft takes its id from the responses' sequence, so that an id in
-- /api/v1/responses/{id} names one thing; its response, once approved,
-- gets an id of its own (the history is in order of ids).  At most one
-- pending draft an idea.
CREATE TABLE response_drafts (
	id		bigint PRIMARY KEY DEFAULT nextval('responses_id_seq'),
	idea_id		bigint NOT NULL REFERENCES ideas (id),
	author_id	bigint NOT NULL REFERENCES users (id),
	from_status	text NOT NULL,
	to_status	text NOT NULL,
	body		text NOT NULL CHECK (char_length(body) <= 10000),
	created_at	timestamptz NOT NULL DEFAULT now(),
	state		text NOT NULL DEFAULT 'pending' CHECK (state IN
			('pending', 'approved', 'rejected', 'withdrawn')),
	decided_by	bigint REFERENCES users (id),
	decided_at	timestamptz,
	reason		text CHECK (char_length(reason) <= 2000),
	response_id	bigint REFERENCES responses (id),
	CHECK ((state = 'pending') = (decided_at IS NULL)),
	CHECK ((state = 'approved') = (response_id IS NOT NULL)),
	-- The four eyes: whoever approves is not the author.
	CHECK (state <> 'approved' OR decided_by <> author_id)
);
CREATE UNIQUE INDEX response_drafts_pending_idx ON response_drafts (idea_id)
	WHERE state = 'pending';
CREATE INDEX response_drafts_idea_idx ON response_drafts (idea_id, id);
CREATE INDEX response_drafts_waiting_idx ON response_drafts (created_at)
	WHERE state = 'pending';

-- This migration's functions live in sql/repeatable/desk.sql and
-- admin.sql, which `drivectl migrate` applies after the numbered
-- migrations (README, "Migrations").
