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

CREATE TABLE idea_search (
	idea_id		bigint PRIMARY KEY REFERENCES ideas (id),
	title		text NOT NULL,
	words		tsvector NOT NULL
);
-- The words as idea_words() makes them, written out: a migration calls no
-- function of sql/repeatable/, which is applied after it.
INSERT INTO idea_search (idea_id, title, words)
SELECT id, title, setweight(to_tsvector('simple', title), 'A') ||
    setweight(to_tsvector('simple', body), 'B') FROM ideas;
CREATE INDEX idea_search_words_idx ON idea_search USING gin (words);
CREATE INDEX idea_search_title_trgm_idx ON idea_search
	USING gin (title gin_trgm_ops);
DROP INDEX ideas_search_idx;
DROP INDEX ideas_title_trgm_idx;
ALTER TABLE ideas DROP COLUMN search;

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

-- This migration's functions and triggers live in sql/repeatable/, which
-- `drivectl migrate` applies after the numbered migrations (README,
-- "Migrations").
