-- Drive: people, organisations, invitations, sessions and the audit trail.
--
-- Hard guarantees live here, not in C: one redemption per invitation (a
-- conditional UPDATE under the row lock), one account per e-mail address,
-- a client always belongs to an organisation and bank staff never do, and
-- the audit log only grows.

CREATE TABLE organizations (
	id		bigserial PRIMARY KEY,
	name		text NOT NULL CHECK (char_length(name) BETWEEN 2 AND 120),
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_name_key ON organizations (lower(name));

CREATE TABLE users (
	id			bigserial PRIMARY KEY,
	email			text NOT NULL,
	display_name		text NOT NULL
				CHECK (char_length(display_name) BETWEEN 2 AND 60),
	role			text NOT NULL
				CHECK (role IN ('client', 'pm', 'admin')),
	organization_id		bigint REFERENCES organizations (id),
	password_hash		text NOT NULL,
	lang			text CHECK (lang IN ('en', 'de')),
	email_notifications	boolean NOT NULL DEFAULT true,
	active			boolean NOT NULL DEFAULT true,
	created_at		timestamptz NOT NULL DEFAULT now(),
	last_sign_in_at		timestamptz,
	CHECK ((role = 'client') = (organization_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE invitations (
	id		bigserial PRIMARY KEY,
	token_hash	bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
	email		text NOT NULL,
	role		text NOT NULL CHECK (role IN ('client', 'pm', 'admin')),
	organization_id	bigint REFERENCES organizations (id),
	issued_by	bigint REFERENCES users (id),	-- NULL: drivectl
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	redeemed_at	timestamptz,
	redeemed_by	bigint REFERENCES users (id),
	revoked_at	timestamptz,
	revoked_by	bigint REFERENCES users (id),
	CHECK ((role = 'client') = (organization_id IS NOT NULL)),
	CHECK (redeemed_at IS NULL OR revoked_at IS NULL)
);
CREATE INDEX invitations_created_idx ON invitations (created_at DESC);

CREATE TABLE sessions (
	id		bigserial PRIMARY KEY,
	token_hash	bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
	user_id		bigint NOT NULL REFERENCES users (id),
	csrf_token	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen_at	timestamptz NOT NULL DEFAULT now(),
	address		inet,
	user_agent	text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- The audit trail: each entry's hash covers the previous entry's hash and
-- its own content, so that an altered or removed entry breaks the chain.
CREATE TABLE audit_log (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	actor_id	bigint REFERENCES users (id),
	action		text NOT NULL,
	target		text,
	address		inet,
	details		jsonb NOT NULL DEFAULT '{}',
	prev_hash	bytea NOT NULL,
	hash		bytea NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE FUNCTION audit_entry_hash(prev bytea, at timestamptz, actor bigint,
    action text, target text, address inet, details jsonb)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
	SELECT sha256(prev || convert_to(concat_ws(E'\x1f',
	    to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
	    coalesce(actor::text, ''), action, coalesce(target, ''),
	    coalesce(host(address), ''), details::text), 'UTF8'))
$$;

CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	last bytea;
BEGIN
	-- One writer at a time, so that the chain has no forks.
	PERFORM pg_advisory_xact_lock(hashtext('drive.audit_log'));
	SELECT hash INTO last FROM audit_log ORDER BY id DESC LIMIT 1;
	NEW.at := clock_timestamp();
	NEW.prev_hash := coalesce(last, '\x'::bytea);
	NEW.hash := audit_entry_hash(NEW.prev_hash, NEW.at, NEW.actor_id,
	    NEW.action, NEW.target, NEW.address, NEW.details);
	RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_chain();

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only'
	    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

CREATE FUNCTION audit(p_actor bigint, p_action text, p_target text,
    p_address inet, p_details jsonb DEFAULT '{}')
RETURNS void LANGUAGE sql AS $$
	INSERT INTO audit_log (actor_id, action, target, address, details,
	    prev_hash, hash)
	VALUES (p_actor, p_action, p_target, p_address, p_details, '', '')
$$;

-- Issues an invitation; the organisation is found by name (any case) or
-- created.  Errors: DR422 with the field name as message.
CREATE FUNCTION invitation_create(p_token_hash bytea, p_email text,
    p_role text, p_org text, p_issuer bigint, p_address inet,
    p_days integer DEFAULT 7)
RETURNS TABLE (id bigint, expires_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
	org bigint;
	inv invitations;
BEGIN
	IF p_role = 'client' THEN
		INSERT INTO organizations (name) VALUES (p_org)
		    ON CONFLICT ((lower(name))) DO NOTHING;
		SELECT o.id INTO org FROM organizations o
		    WHERE lower(o.name) = lower(p_org);
	END IF;
	INSERT INTO invitations (token_hash, email, role, organization_id,
	    issued_by, expires_at)
	VALUES (p_token_hash, p_email, p_role, org, p_issuer,
	    now() + make_interval(days => p_days))
	RETURNING * INTO inv;
	PERFORM audit(p_issuer, 'invitation.create', 'invitation:' || inv.id,
	    p_address, jsonb_build_object('email', p_email, 'role', p_role,
	    'organization_id', org));
	RETURN QUERY SELECT inv.id, inv.expires_at;
END
$$;

-- Redeems an invitation: exactly one caller wins; every other gets DR404,
-- whether the token was used, expired, revoked or never existed.
CREATE FUNCTION invitation_redeem(p_token_hash bytea, p_name text,
    p_password_hash text, p_session_hash bytea, p_csrf text,
    p_address inet, p_agent text)
RETURNS TABLE (user_id bigint, name text, role text)
LANGUAGE plpgsql AS $$
DECLARE
	inv invitations;
	uid bigint;
BEGIN
	UPDATE invitations i SET redeemed_at = now()
	    WHERE i.token_hash = p_token_hash AND i.redeemed_at IS NULL
	    AND i.revoked_at IS NULL AND i.expires_at > now()
	    RETURNING * INTO inv;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'invitation_invalid' USING ERRCODE = 'DR404';
	END IF;
	IF EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = lower(inv.email))
	THEN
		RAISE EXCEPTION 'invitation_taken' USING ERRCODE = 'DR409';
	END IF;
	INSERT INTO users (email, display_name, role, organization_id,
	    password_hash, last_sign_in_at)
	VALUES (inv.email, p_name, inv.role, inv.organization_id,
	    p_password_hash, now())
	RETURNING id INTO uid;
	UPDATE invitations i SET redeemed_by = uid WHERE i.id = inv.id;
	INSERT INTO sessions (token_hash, user_id, csrf_token, address,
	    user_agent)
	VALUES (p_session_hash, uid, p_csrf, p_address, p_agent);
	PERFORM audit(uid, 'invitation.redeem', 'invitation:' || inv.id,
	    p_address);
	RETURN QUERY SELECT uid, p_name, inv.role;
END
$$;

-- Starts a session after the password was verified.
CREATE FUNCTION session_create(p_user bigint, p_session_hash bytea,
    p_csrf text, p_address inet, p_agent text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO sessions (token_hash, user_id, csrf_token, address,
	    user_agent)
	VALUES (p_session_hash, p_user, p_csrf, p_address, p_agent);
	UPDATE users SET last_sign_in_at = now() WHERE id = p_user;
	PERFORM audit(p_user, 'session.sign_in', 'user:' || p_user, p_address);
END
$$;

-- Revokes a pending invitation.  Returns 'revoked', or why not:
-- 'not_found', 'redeemed', 'revoked_already'.
CREATE FUNCTION invitation_revoke(p_id bigint, p_actor bigint,
    p_address inet)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	inv invitations;
BEGIN
	SELECT * INTO inv FROM invitations WHERE id = p_id FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'not_found';
	ELSIF inv.redeemed_at IS NOT NULL THEN
		RETURN 'redeemed';
	ELSIF inv.revoked_at IS NOT NULL THEN
		RETURN 'revoked_already';
	END IF;
	UPDATE invitations SET revoked_at = now(), revoked_by = p_actor
	    WHERE id = p_id;
	PERFORM audit(p_actor, 'invitation.revoke', 'invitation:' || p_id,
	    p_address);
	RETURN 'revoked';
END
$$;
