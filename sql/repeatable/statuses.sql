-- Custom statuses (016): an admin adds a status within the lifecycle's
-- groups, or renames one added; both audited.  Every worker keeps the
-- statuses and the product areas in memory (app/catalog.c) and compares
-- its copy with catalog_version (017), which any change to either table
-- moves (catalog_moved() below).

-- Adds a status.  DR422 'key' not 2-30 of a-z, 0-9 and _ starting with
-- a letter, or totals or columns (names the roadmap's API answer holds);
-- DRG22 'group' not open, committed or closed; DRE22 'name_en', DRN22
-- 'name_de' not 1-40 characters; DRK09 the key is taken.  It goes last
-- of its group (duplicate, set by merges only, stays last of all).
CREATE OR REPLACE FUNCTION status_create(p_key text, p_group text,
    p_name_en text, p_name_de text, p_actor bigint, p_address inet)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	IF p_key IS NULL OR p_key !~ '^[a-z][a-z0-9_]{1,29}$'
	    OR p_key IN ('totals', 'columns') THEN
		RAISE EXCEPTION 'key' USING ERRCODE = 'DR422';
	END IF;
	IF p_group IS NULL OR p_group NOT IN ('open', 'committed', 'closed')
	THEN
		RAISE EXCEPTION 'group' USING ERRCODE = 'DRG22';
	END IF;
	PERFORM status_names_check(p_name_en, p_name_de);
	LOCK TABLE idea_statuses IN SHARE ROW EXCLUSIVE MODE;
	IF EXISTS (SELECT 1 FROM idea_statuses s WHERE s.key = p_key) THEN
		RAISE EXCEPTION 'taken' USING ERRCODE = 'DRK09';
	END IF;
	INSERT INTO idea_statuses (key, grp, name_en, name_de, position)
	VALUES (p_key, p_group, p_name_en, p_name_de,
	    (SELECT coalesce(max(s.position), 0) + 1 FROM idea_statuses s
	    WHERE s.key <> 'duplicate'));
	PERFORM audit(p_actor, 'status.create', 'status:' || p_key, p_address,
	    jsonb_build_object('key', p_key, 'group', p_group,
	    'name_en', p_name_en, 'name_de', p_name_de));
	RETURN p_key;
END
$$;

-- Renames a status an admin added (the seven built-in ones speak the
-- portal's own words).  DR404 unknown; DR409 built in; the names' DR422s
-- (DRE22, DRN22) as status_create().
CREATE OR REPLACE FUNCTION status_rename(p_key text, p_name_en text,
    p_name_de text, p_actor bigint, p_address inet)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	s record; -- idea_statuses (016)
BEGIN
	PERFORM status_names_check(p_name_en, p_name_de);
	SELECT * INTO s FROM idea_statuses x WHERE x.key = p_key FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'not_found' USING ERRCODE = 'DR404';
	END IF;
	IF s.builtin THEN
		RAISE EXCEPTION 'builtin' USING ERRCODE = 'DR409';
	END IF;
	UPDATE idea_statuses x SET name_en = p_name_en, name_de = p_name_de
	    WHERE x.key = p_key;
	PERFORM audit(p_actor, 'status.rename', 'status:' || p_key, p_address,
	    jsonb_build_object('key', p_key, 'from_en', s.name_en,
	    'from_de', s.name_de, 'name_en', p_name_en, 'name_de', p_name_de));
	RETURN p_key;
END
$$;

-- A status's two names: 1-40 characters each, not only spaces.
CREATE OR REPLACE FUNCTION status_names_check(p_name_en text, p_name_de text)
RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF p_name_en IS NULL OR char_length(p_name_en) NOT BETWEEN 1 AND 40
	    OR btrim(p_name_en) = '' THEN
		RAISE EXCEPTION 'name_en' USING ERRCODE = 'DRE22';
	END IF;
	IF p_name_de IS NULL OR char_length(p_name_de) NOT BETWEEN 1 AND 40
	    OR btrim(p_name_de) = '' THEN
		RAISE EXCEPTION 'name_de' USING ERRCODE = 'DRN22';
	END IF;
END
$$;

-- Four eyes (013): whether a response that sets p_status to an idea of
-- p_area waits for a second person.  The area lists planned and/or
-- released; a status an admin added to the committed group is a
-- commitment as planned is, and needs approval where planned does.
CREATE OR REPLACE FUNCTION status_needs_approval(p_area integer,
    p_status text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
	need text[];
BEGIN
	SELECT a.approval_statuses INTO need FROM areas a WHERE a.id = p_area;
	RETURN coalesce(p_status = ANY (need) OR ('planned' = ANY (need)
	    AND EXISTS (SELECT 1 FROM idea_statuses s WHERE s.key = p_status
	    AND s.grp = 'committed' AND NOT s.builtin)), false);
END
$$;

-- The catalog's stamp moves with every statement that changes a status
-- or a product area (an admin's functions, a migration, a manual fix):
-- each worker then loads both again with its next signed-in request.
CREATE OR REPLACE FUNCTION catalog_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE catalog_version SET version = version + 1;
	RETURN NULL;
END
$$;

-- The triggers once their tables are there: this file also loads on a
-- schema of before 016 (a database of an earlier run migrates 001-005
-- with every repeatable file first), and runs again after the numbered
-- migrations that make them.
DO $$
BEGIN
	-- 017 made catalog_version of 016's stamp: idea_statuses is there.
	IF to_regclass('catalog_version') IS NOT NULL THEN
		CREATE OR REPLACE TRIGGER idea_statuses_catalog
			AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
			ON idea_statuses
			FOR EACH STATEMENT EXECUTE FUNCTION catalog_moved();
		CREATE OR REPLACE TRIGGER areas_catalog
			AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON areas
			FOR EACH STATEMENT EXECUTE FUNCTION catalog_moved();
	END IF;
END
$$;
