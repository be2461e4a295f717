-- Issue 12, finding 6: guessing the current password on /profile/password
-- is limited like signing in (10 failures within 15 minutes per account
-- and per address) and audited; a password change also revokes every API
-- token of the person, as it ends every session.

ALTER TABLE auth_failures DROP CONSTRAINT auth_failures_kind_check;
ALTER TABLE auth_failures ADD CONSTRAINT auth_failures_kind_check
	CHECK (kind IN ('sign_in', 'redeem', 'password'));

-- A wrong current password given to change it: audited and counted, per
-- account ('user:<id>') and per address.
CREATE FUNCTION password_failed(p_user bigint, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM audit(p_user, 'user.password_failed', 'user:' || p_user,
	    p_address);
	PERFORM auth_failed('password', 'user:' || p_user, host(p_address));
END
$$;

-- A password change ends every session and revokes every token.
CREATE OR REPLACE FUNCTION password_change(p_user bigint, p_hash text,
    p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	n integer;
BEGIN
	UPDATE users SET password_hash = p_hash WHERE id = p_user;
	DELETE FROM sessions WHERE user_id = p_user;
	UPDATE api_tokens SET revoked_at = now()
	    WHERE user_id = p_user AND revoked_at IS NULL;
	GET DIAGNOSTICS n = ROW_COUNT;
	PERFORM audit(p_user, 'user.password', 'user:' || p_user, p_address,
	    jsonb_build_object('tokens_revoked', n));
END
$$;
