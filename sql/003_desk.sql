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

-- This migration's functions and triggers live in sql/repeatable/, which
-- `drivectl migrate` applies after the numbered migrations (README,
-- "Migrations").
