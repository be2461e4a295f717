-- Ideas: proposed and edited by their authors.

-- Proposes an idea, with its author's vote (as peers count it: the
-- author wants it), which the author may withdraw like any vote.
-- DR422 'area': unknown or retired area.
CREATE OR REPLACE FUNCTION idea_create(p_author bigint, p_area text,
    p_title text, p_body text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	a integer;
	new_id bigint;
BEGIN
	SELECT id INTO a FROM areas WHERE slug = p_area AND retired_at IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'area' USING ERRCODE = 'DR422';
	END IF;
	INSERT INTO ideas (author_id, area_id, title, body)
	VALUES (p_author, a, p_title, p_body) RETURNING id INTO new_id;
	PERFORM vote_cast(new_id, p_author);
	RETURN new_id;
END
$$;

-- Edits an idea: its author only (DR403), until the first official
-- response (DR409).  NULL leaves a field as it is.
CREATE OR REPLACE FUNCTION idea_edit(p_idea bigint, p_user bigint, p_title text,
    p_body text, p_area text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	i ideas;
	a integer;
BEGIN
	SELECT * INTO i FROM ideas WHERE id = p_idea FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF i.author_id <> p_user THEN
		RAISE EXCEPTION 'not_author' USING ERRCODE = 'DR403';
	END IF;
	IF i.first_response_at IS NOT NULL THEN
		RAISE EXCEPTION 'answered' USING ERRCODE = 'DR409';
	END IF;
	IF p_area IS NOT NULL THEN
		SELECT id INTO a FROM areas WHERE slug = p_area
		    AND (retired_at IS NULL OR id = i.area_id);
		IF NOT FOUND THEN
			RAISE EXCEPTION 'area' USING ERRCODE = 'DR422';
		END IF;
	END IF;
	UPDATE ideas SET title = coalesce(p_title, title),
	    body = coalesce(p_body, body), area_id = coalesce(a, area_id),
	    updated_at = now()
	    WHERE id = p_idea;
END
$$;
