-- Redaction: a product manager replaces a published passage of an idea's
-- description or of a comment by "[redacted]".  The original goes to
-- redactions (no grant to the portal's role), the audit log names the
-- place and the length, never the text.

-- Redacts every occurrence of p_text in the idea's description (p_comment
-- NULL) or in the comment p_comment of the idea p_idea.  Returns how many
-- were replaced.  DR404 unknown idea or comment (or a comment of another
-- idea); DR403 the actor is no active pm or admin; DR422 the passage is
-- not in the text.
CREATE OR REPLACE FUNCTION redact(p_actor bigint, p_idea bigint,
    p_comment bigint, p_text text, p_address inet)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
	t text;
	n integer;
BEGIN
	IF p_comment IS NOT NULL THEN
		SELECT c.body INTO t FROM public.comments c
		    WHERE c.id = p_comment AND c.idea_id = p_idea FOR UPDATE;
	ELSE
		SELECT i.body INTO t FROM public.ideas i WHERE i.id = p_idea
		    FOR UPDATE;
	END IF;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'not_found' USING ERRCODE = 'DR404';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM public.users u WHERE u.id = p_actor
	    AND u.role IN ('pm', 'admin') AND u.active) THEN
		RAISE EXCEPTION 'forbidden' USING ERRCODE = 'DR403';
	END IF;
	IF p_text IS NULL OR p_text = '' OR strpos(t, p_text) = 0 THEN
		RAISE EXCEPTION 'passage' USING ERRCODE = 'DR422';
	END IF;
	n := (length(t) - length(replace(t, p_text, ''))) / length(p_text);
	INSERT INTO public.redactions (idea_id, comment_id, original,
	    occurrences, actor_id)
	VALUES (p_idea, p_comment, p_text, n, p_actor);
	IF p_comment IS NOT NULL THEN
		UPDATE public.comments SET body = replace(body, p_text,
		    '[redacted]') WHERE id = p_comment;
		PERFORM public.audit(p_actor, 'comment.redact',
		    'comment:' || p_comment, p_address,
		    jsonb_build_object('idea', p_idea, 'occurrences', n,
		    'characters', length(p_text)));
	ELSE
		UPDATE public.ideas SET body = replace(body, p_text,
		    '[redacted]') WHERE id = p_idea;
		PERFORM public.audit(p_actor, 'idea.redact', 'idea:' || p_idea,
		    p_address, jsonb_build_object('occurrences', n,
		    'characters', length(p_text)));
	END IF;
	RETURN n;
END
$$;
