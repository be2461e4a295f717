-- Staff notes on an idea and its owner (pm, admin only: the handlers'
-- roles).  A note tells nobody: no notification, no mail.  DR404 for an
-- unknown idea; DR422 'owner' for an owner who is not an active pm or
-- admin.  Both are audited, the note without its text.
CREATE OR REPLACE FUNCTION note_create(p_idea bigint, p_author bigint,
    p_body text, p_address inet)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	nid bigint;
BEGIN
	PERFORM 1 FROM ideas WHERE id = p_idea;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	INSERT INTO idea_notes (idea_id, author_id, body)
	VALUES (p_idea, p_author, p_body) RETURNING id INTO nid;
	PERFORM audit(p_author, 'idea.note', 'idea:' || p_idea, p_address,
	    jsonb_build_object('note', nid));
	RETURN nid;
END
$$;

-- Sets (or, with NULL, clears) the owner; returns the owner's id and name.
CREATE OR REPLACE FUNCTION idea_owner_set(p_idea bigint, p_owner bigint,
    p_actor bigint, p_address inet)
RETURNS TABLE (new_owner bigint, new_owner_name text)
LANGUAGE plpgsql AS $$
DECLARE
	o users;
BEGIN
	PERFORM idea_locked(p_idea);
	IF p_owner IS NOT NULL THEN
		SELECT * INTO o FROM users u WHERE u.id = p_owner AND u.active
		    AND u.role IN ('pm', 'admin');
		IF NOT FOUND THEN
			RAISE EXCEPTION 'owner' USING ERRCODE = 'DR422';
		END IF;
	END IF;
	UPDATE ideas i SET owner_id = p_owner WHERE i.id = p_idea;
	PERFORM audit(p_actor, 'idea.owner', 'idea:' || p_idea, p_address,
	    jsonb_build_object('owner', p_owner));
	RETURN QUERY SELECT o.id, o.display_name;
END
$$;
