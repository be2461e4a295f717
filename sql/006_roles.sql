-- Two roles: the owner of the schema (runs these migrations) and the
-- portal's runtime role (Kore, drive-mailer, drivectl invite).  The
-- runtime role owns nothing: it reads and writes the tables it uses and
-- runs the functions, but cannot alter a table, disable or drop a
-- trigger, replace a function or truncate.  It adds to the audit log only
-- through audit(), which runs as the owner; audit_log itself it may only
-- read.  `drivectl migrate` calls drive_grant_runtime() after every run,
-- so that tables and functions of later migrations are granted too.
--
-- The chain: audit_entry_hash() is the writer's half of a serialisation
-- that `drivectl audit verify` recomputes in C (app/drivectl.c,
-- audit_serialise) from the raw columns, trusting no function in the
-- database.  The fields are joined with the unit separator U+001F; the
-- free-text ones (action, target) never carry it, so that the join is
-- unambiguous (verify reports an entry that does).

CREATE OR REPLACE FUNCTION audit(p_actor bigint, p_action text,
    p_target text, p_address inet, p_details jsonb DEFAULT '{}')
RETURNS void LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
	INSERT INTO public.audit_log (actor_id, action, target, address,
	    details, prev_hash, hash)
	VALUES (p_actor, replace(p_action, E'\x1f', E'\ufffd'),
	    replace(p_target, E'\x1f', E'\ufffd'), p_address,
	    coalesce(p_details, '{}'), '', '')
$$;

CREATE OR REPLACE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
	last bytea;
BEGIN
	-- One writer at a time, so that the chain has no forks.
	PERFORM pg_advisory_xact_lock(hashtext('drive.audit_log'));
	SELECT a.hash INTO last FROM public.audit_log a ORDER BY a.id DESC
	    LIMIT 1;
	NEW.at := clock_timestamp();
	NEW.prev_hash := coalesce(last, '\x'::bytea);
	NEW.hash := public.audit_entry_hash(NEW.prev_hash, NEW.at,
	    NEW.actor_id, NEW.action, NEW.target, NEW.address, NEW.details);
	RETURN NEW;
END
$$;

-- Grants the runtime role P_ROLE what the portal needs, and takes back
-- what it must not have; safe to run again.  Every table of the owner
-- gets SELECT, INSERT, UPDATE, DELETE, except audit_log (SELECT) and
-- schema_migrations (nothing); sequences USAGE; functions EXECUTE.
CREATE FUNCTION drive_grant_runtime(p_role name) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
	obj record;
BEGIN
	IF p_role = current_user THEN
		RAISE EXCEPTION 'the runtime role must not be the owner (%)',
		    p_role;
	END IF;
	EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC',
	    current_database());
	EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I',
	    current_database(), p_role);
	EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I',
	    current_database(), p_role);
	REVOKE CREATE ON SCHEMA public FROM PUBLIC;
	EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I', p_role);
	EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', p_role);
	FOR obj IN
		SELECT c.relname, c.relkind FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace
		AND c.relowner = current_user::regrole
		AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
	LOOP
		EXECUTE format('REVOKE ALL ON %I FROM %I', obj.relname, p_role);
		IF obj.relkind = 'S' THEN
			IF obj.relname <> 'audit_log_id_seq' THEN
				EXECUTE format('GRANT USAGE ON SEQUENCE %I TO %I',
				    obj.relname, p_role);
			END IF;
		ELSIF obj.relname = 'audit_log' THEN
			EXECUTE format('GRANT SELECT ON audit_log TO %I', p_role);
		ELSIF obj.relname <> 'schema_migrations' THEN
			EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I '
			    'TO %I', obj.relname, p_role);
		END IF;
	END LOOP;
	FOR obj IN
		SELECT p.oid::regprocedure AS fn, p.proname FROM pg_proc p
		WHERE p.pronamespace = 'public'::regnamespace
		AND p.proowner = current_user::regrole
	LOOP
		EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', obj.fn);
		IF obj.proname <> 'drive_grant_runtime' THEN
			EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I',
			    obj.fn, p_role);
		END IF;
	END LOOP;
END
$$;
REVOKE ALL ON FUNCTION drive_grant_runtime(name) FROM PUBLIC;
