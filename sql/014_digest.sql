-- Issue 16: the weekly digest e-mail (README, "Weekly digest").
--
-- Each person may get one mail a period (a week by default) that sums up
-- what changed on the ideas they proposed, voted on or commented on.  On
-- for everyone unless they turn it off (/profile, PATCH /api/v1/me, or
-- the mail's unsubscribe link).
ALTER TABLE users ADD COLUMN digest boolean NOT NULL DEFAULT true;

-- One row a person and period that had something to tell: written with
-- its outbox row in one statement by digest_enqueue()
-- (sql/repeatable/digest.sql).  The unique key is what makes "never
-- twice" hold however often, and by however many mailers, the period is
-- enqueued: a second insert of the same (person, period) does nothing.
CREATE TABLE digests (
	id		bigserial PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	period_start	timestamptz NOT NULL,
	period_end	timestamptz NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (period_start < period_end),
	UNIQUE (user_id, period_end)
);

-- A digest's outbox row points to its digest (idea_id stays NULL).
ALTER TABLE outbox ADD COLUMN digest_id bigint REFERENCES digests (id);
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
	CHECK (kind IN ('status', 'comment', 'merged', 'digest'));
CREATE UNIQUE INDEX outbox_digest_key ON outbox (digest_id)
	WHERE digest_id IS NOT NULL;

-- What a digest reads by time: comments of a period (responses have
-- responses_idea_idx; responses by time below).
CREATE INDEX comments_created_idx ON comments (created_at);
CREATE INDEX responses_created_idx ON responses (created_at);
