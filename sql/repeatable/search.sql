-- Search: idea_search holds each idea's words, kept up to date by a
-- trigger on ideas (the table: 005_speed.sql).

-- The words of an idea, title first.  'simple': no language's stemming,
-- since titles mix English, German and banking codes.
CREATE OR REPLACE FUNCTION idea_words(p_title text, p_body text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT setweight(to_tsvector('simple', p_title), 'A') ||
	    setweight(to_tsvector('simple', p_body), 'B')
$$;

-- What a person typed, as a query: every word a prefix, all required.
-- Each word is quoted for to_tsquery (a quote doubled, a backslash
-- escaped), so that no character of q acts as an operator.  One
-- expression, immutable: PostgreSQL inlines it and, with q known,
-- computes the query while planning, so it can judge how many ideas match.
CREATE OR REPLACE FUNCTION search_query(p_q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT to_tsquery('simple', regexp_replace(regexp_replace(
	    btrim(replace(replace(lower(p_q), '\', '\\'), '''', ''''''),
	    E' \t\r\n\f'), '\s+', ''':* & ''', 'g'), '^(.+)$', '''\1'':*'))
$$;

-- Keeps idea_search in step with an idea's title and body.
CREATE OR REPLACE FUNCTION idea_search_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO idea_search (idea_id, title, words)
	VALUES (NEW.id, NEW.title, idea_words(NEW.title, NEW.body))
	ON CONFLICT (idea_id) DO UPDATE
	SET title = EXCLUDED.title, words = EXCLUDED.words;
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER idea_search_sync AFTER INSERT OR UPDATE OF
	title, body ON ideas FOR EACH ROW EXECUTE FUNCTION idea_search_sync();
