-- The audit trail's functions and triggers (the table: 001_init.sql).
--
-- Each entry's hash covers the previous entry's hash and its own content,
-- so that an altered or removed entry breaks the chain.  The portal's role
-- adds entries only through audit(), which runs as the owner (SECURITY
-- DEFINER, search_path pinned); audit_log itself it may only read.
--
-- audit_entry_hash() is the writer's half of a serialisation that
-- `drivectl audit verify` recomputes in C (app/chain.c) from the raw
-- columns, trusting no function in the database.  The fields are joined
-- with the unit separator U+001F; the free-text ones (action, target)
-- never carry it, so that the join is unambiguous (verify reports an
-- entry that does).

CREATE OR REPLACE FUNCTION audit_entry_hash(prev bytea, at timestamptz,
    actor bigint, action text, target text, address inet, details jsonb)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
	SELECT sha256(prev || convert_to(concat_ws(E'\x1f',
	    to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
	    coalesce(actor::text, ''), action, coalesce(target, ''),
	    coalesce(host(address), ''), details::text), 'UTF8'))
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
CREATE OR REPLACE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_chain();

-- The audit log only grows.
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only'
	    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE
	ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Adds an entry: the portal's only way to write to the audit log.
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
