-- What the portal's runtime role may do (README, "Database roles").  The
-- runtime role owns nothing: it reads and writes the tables it uses and
-- runs the functions, but cannot alter a table, disable or drop a
-- trigger, replace a function or truncate.  `drivectl migrate` calls
-- drive_grant_runtime() after every run, so that tables and functions
-- added later are granted too.

-- Grants the runtime role P_ROLE what the portal needs, and takes back
-- what it must not have; safe to run again.  Every table of the owner
-- gets SELECT, INSERT, UPDATE, DELETE, except audit_log (SELECT), the
-- migrations' bookkeeping, schema_migrations and schema_repeatable, and
-- the redacted originals, redactions (nothing); sequences USAGE (not
-- audit_log's nor redactions'); functions EXECUTE.
CREATE OR REPLACE FUNCTION drive_grant_runtime(p_role name) RETURNS void
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
			IF obj.relname NOT IN ('audit_log_id_seq',
			    'redactions_id_seq') THEN
				EXECUTE format('GRANT USAGE ON SEQUENCE %I TO %I',
				    obj.relname, p_role);
			END IF;
		ELSIF obj.relname = 'audit_log' THEN
			EXECUTE format('GRANT SELECT ON audit_log TO %I', p_role);
		ELSIF obj.relname NOT IN ('schema_migrations',
		    'schema_repeatable', 'redactions') THEN
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
