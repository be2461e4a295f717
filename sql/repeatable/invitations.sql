-- Invitations: issued, redeemed (exactly once), revoked, issued anew.

-- Issues an invitation; the organisation is found by name (any case) or
-- created.  Errors: DR422 with the field name as message.
CREATE OR REPLACE FUNCTION invitation_create(p_token_hash bytea, p_email text,
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
CREATE OR REPLACE FUNCTION invitation_redeem(p_token_hash bytea, p_name text,
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

-- Revokes a pending invitation.  Returns 'revoked', or why not:
-- 'not_found', 'redeemed', 'revoked_already'.
CREATE OR REPLACE FUNCTION invitation_revoke(p_id bigint, p_actor bigint,
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

-- Issues an invitation anew: a new token, the old one dies.  Returns the
-- new invitation's id and expiry.  DR404 unknown; DR409 redeemed.
CREATE OR REPLACE FUNCTION invitation_reissue(p_id bigint, p_hash bytea,
    p_actor bigint, p_address inet)
RETURNS TABLE (id bigint, expires_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
	inv invitations;
	org_name text;
BEGIN
	SELECT * INTO inv FROM invitations i WHERE i.id = p_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'not_found' USING ERRCODE = 'DR404';
	END IF;
	IF inv.redeemed_at IS NOT NULL THEN
		RAISE EXCEPTION 'redeemed' USING ERRCODE = 'DR409';
	END IF;
	IF inv.revoked_at IS NULL THEN
		UPDATE invitations i SET revoked_at = now(), revoked_by = p_actor
		    WHERE i.id = p_id;
	END IF;
	SELECT o.name INTO org_name FROM organizations o
	    WHERE o.id = inv.organization_id;
	RETURN QUERY SELECT c.id, c.expires_at FROM invitation_create(p_hash,
	    inv.email, inv.role, org_name, p_actor, p_address) c;
END
$$;
