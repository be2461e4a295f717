-- Comments: written, edited or deleted by their authors within 15
-- minutes, hidden by product managers.

-- Comments on an idea and tells its author, in the portal and by mail
-- (notify_person).  DR404: no such idea, or not one p_author may see.
CREATE OR REPLACE FUNCTION comment_create(p_idea bigint, p_author bigint,
    p_body text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	idea_author bigint;
	new_id bigint;
BEGIN
	SELECT author_id INTO idea_author FROM ideas i WHERE i.id = p_idea
	    AND (i.audience_org IS NULL OR idea_visible(i.audience_org,
	    p_author)) FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'idea_not_found' USING ERRCODE = 'DR404';
	END IF;
	INSERT INTO comments (idea_id, author_id, body)
	VALUES (p_idea, p_author, p_body) RETURNING id INTO new_id;
	UPDATE ideas SET comment_count = comment_count + 1 WHERE id = p_idea;
	IF idea_author <> p_author THEN
		PERFORM notify_person(idea_author, 'comment', p_idea, new_id,
		    p_author, jsonb_build_object('comment_id', new_id));
	END IF;
	RETURN new_id;
END
$$;

-- Edits (p_body not NULL) or deletes (p_body NULL) one's own comment
-- within 15 minutes.  DR404 unknown, DR403 not the author, DR409 too late.
CREATE OR REPLACE FUNCTION comment_change(p_comment bigint, p_user bigint,
    p_body text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	c comments;
BEGIN
	SELECT * INTO c FROM comments WHERE id = p_comment FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'comment_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF c.author_id <> p_user THEN
		RAISE EXCEPTION 'not_author' USING ERRCODE = 'DR403';
	END IF;
	IF c.created_at < now() - interval '15 minutes' OR c.hidden_at IS NOT NULL
	THEN
		RAISE EXCEPTION 'too_late' USING ERRCODE = 'DR409';
	END IF;
	IF p_body IS NULL THEN
		DELETE FROM notifications WHERE comment_id = p_comment;
		DELETE FROM comments WHERE id = p_comment;
		UPDATE ideas SET comment_count = comment_count - 1
		    WHERE id = c.idea_id;
	ELSE
		UPDATE comments SET body = p_body, updated_at = now()
		    WHERE id = p_comment;
	END IF;
	RETURN c.idea_id;
END
$$;

-- Hides a comment: kept, shown as hidden, audited.  DR404 unknown.
CREATE OR REPLACE FUNCTION comment_hide(p_comment bigint, p_actor bigint,
    p_address inet)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	c comments;
BEGIN
	SELECT * INTO c FROM comments WHERE id = p_comment FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'comment_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF c.hidden_at IS NULL THEN
		UPDATE comments SET hidden_at = now(), hidden_by = p_actor
		    WHERE id = p_comment;
		PERFORM audit(p_actor, 'comment.hide', 'comment:' || p_comment,
		    p_address, jsonb_build_object('idea', c.idea_id));
	END IF;
	RETURN c.idea_id;
END
$$;
