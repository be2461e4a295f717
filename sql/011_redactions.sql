-- Redacted passages (issue 16): the text a product manager took out of
-- an idea's description or a comment, kept for the audit.  The portal's
-- role gets no grant on this table (drive_grant_runtime): redact(), a
-- SECURITY DEFINER function, writes it; only the owner reads it.  The
-- idea or comment keeps "[redacted]" in the passage's place.
CREATE TABLE redactions (
	id		bigserial PRIMARY KEY,
	idea_id		bigint NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
	comment_id	bigint REFERENCES comments (id) ON DELETE CASCADE,
	original	text NOT NULL,
	occurrences	integer NOT NULL CHECK (occurrences > 0),
	actor_id	bigint REFERENCES users (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX redactions_idea_idx ON redactions (idea_id);
