-- The admin console's organisations and areas.

-- Renames an organisation.  DR404 unknown.
CREATE OR REPLACE FUNCTION organization_rename(p_org bigint, p_name text,
    p_actor bigint, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	old text;
BEGIN
	SELECT name INTO old FROM organizations WHERE id = p_org FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'not_found' USING ERRCODE = 'DR404';
	END IF;
	UPDATE organizations SET name = p_name WHERE id = p_org;
	PERFORM audit(p_actor, 'organization.rename', 'organization:' || p_org,
	    p_address, jsonb_build_object('from', old, 'to', p_name));
END
$$;

-- Areas: create, rename, retire (no new ideas), return, delete if unused.
-- DR409 'in_use' for deleting an area that has ideas; DR404 unknown.
CREATE OR REPLACE FUNCTION area_change(p_area integer, p_action text,
    p_slug text, p_name_en text, p_name_de text, p_actor bigint, p_address inet)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	aid integer := p_area;
BEGIN
	IF p_action = 'create' THEN
		INSERT INTO areas (slug, name_en, name_de, position)
		VALUES (p_slug, p_name_en, p_name_de,
		    (SELECT coalesce(max(position), 0) + 1 FROM areas))
		RETURNING id INTO aid;
	ELSE
		PERFORM 1 FROM areas WHERE id = p_area FOR UPDATE;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'not_found' USING ERRCODE = 'DR404';
		END IF;
		IF p_action = 'rename' THEN
			UPDATE areas SET name_en = p_name_en, name_de = p_name_de
			    WHERE id = p_area;
		ELSIF p_action = 'retire' THEN
			UPDATE areas SET retired_at = coalesce(retired_at, now())
			    WHERE id = p_area;
		ELSIF p_action = 'restore' THEN
			UPDATE areas SET retired_at = NULL WHERE id = p_area;
		ELSIF p_action = 'delete' THEN
			IF EXISTS (SELECT 1 FROM ideas WHERE area_id = p_area) THEN
				RAISE EXCEPTION 'in_use' USING ERRCODE = 'DR409';
			END IF;
			DELETE FROM areas WHERE id = p_area;
		END IF;
	END IF;
	PERFORM audit(p_actor, 'area.' || p_action, 'area:' || aid, p_address,
	    jsonb_build_object('slug', p_slug, 'name_en', p_name_en));
	RETURN aid;
END
$$;

-- Which statuses of an area's ideas a second pm or admin must approve
-- (four eyes, 013): p_statuses, a subset of planned and released, kept
-- in that order.  DR404 unknown area; DR422 'approval' another status.
CREATE OR REPLACE FUNCTION area_approval_set(p_area integer,
    p_statuses text[], p_actor bigint, p_address inet)
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
	a areas;
	chosen text[];
BEGIN
	SELECT * INTO a FROM areas WHERE id = p_area FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'not_found' USING ERRCODE = 'DR404';
	END IF;
	IF NOT (p_statuses <@ ARRAY['planned', 'released']::text[]) THEN
		RAISE EXCEPTION 'approval' USING ERRCODE = 'DR422';
	END IF;
	chosen := ARRAY(SELECT s FROM unnest(ARRAY['planned', 'released']) s
	    WHERE s = ANY (p_statuses));
	UPDATE areas SET approval_statuses = chosen WHERE id = p_area;
	PERFORM audit(p_actor, 'area.approval', 'area:' || p_area, p_address,
	    jsonb_build_object('slug', a.slug, 'name_en', a.name_en,
	    'from', to_jsonb(a.approval_statuses), 'to', to_jsonb(chosen)));
	RETURN chosen;
END
$$;
