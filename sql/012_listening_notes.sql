-- Issue 16: the listening scorecard's indexes, staff notes and owners.
--
-- The listening scorecard (/listening, app/listening.c) counts the ideas
-- of the last 365 days (created or first answered then) and the ideas
-- released this quarter.  Two indexes keep it from reading every idea
-- and every response as the portal grows: ideas by creation (answered
-- ones too; ideas_unanswered_idx holds only the unanswered), and the
-- responses that released an idea, by time.  ideas_answered_idx (003)
-- already finds ideas by their first answer.
CREATE INDEX ideas_created_idx ON ideas (created_at);
CREATE INDEX responses_released_idx ON responses (created_at)
	WHERE to_status = 'released';

-- Staff notes on an idea: written and read by the bank (pm, admin) only,
-- never shown to clients, in no notification and no mail (app/notes.c
-- reads them for staff; note_create() in sql/repeatable/notes.sql writes
-- them).  An erased author's notes stay under the pseudonym, as comments.
CREATE TABLE idea_notes (
	id		bigserial PRIMARY KEY,
	idea_id		bigint NOT NULL REFERENCES ideas (id),
	author_id	bigint NOT NULL REFERENCES users (id),
	body		text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idea_notes_idea_idx ON idea_notes (idea_id, id);

-- The idea's owner at the bank (a pm or an admin; NULL: nobody yet),
-- shown on the triage desk and set on the idea's desk.
ALTER TABLE ideas ADD COLUMN owner_id bigint REFERENCES users (id);
