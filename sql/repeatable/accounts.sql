-- Accounts: sessions, the limits on failed sign-ins, redemptions and
-- password changes, API tokens, and an admin's changes to a person
-- (role, deactivation, erasure).

-- Starts a session once every step of signing in passed; p_factor says
-- which second one ('totp', 'recovery', 'sso'; NULL: none).
CREATE OR REPLACE FUNCTION session_create(p_user bigint, p_session_hash bytea,
    p_csrf text, p_address inet, p_agent text, p_factor text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO sessions (token_hash, user_id, csrf_token, address,
	    user_agent, second_factor)
	VALUES (p_session_hash, p_user, p_csrf, p_address, p_agent,
	    nullif(p_factor, ''));
	UPDATE users SET last_sign_in_at = now() WHERE id = p_user;
	PERFORM audit(p_user, 'session.sign_in', 'user:' || p_user, p_address,
	    CASE WHEN nullif(p_factor, '') IS NOT NULL
	    THEN jsonb_build_object('factor', p_factor) ELSE '{}' END);
END
$$;

-- Seconds until another attempt is allowed (0: now): 10 failures within
-- 15 minutes, per account and per address.  The lock ends 15 minutes
-- after the oldest of those failures, so that nobody can keep a person
-- out for longer than the window after the attempts stop.
CREATE OR REPLACE FUNCTION auth_retry_after(p_kind text, p_account text,
    p_address text)
RETURNS integer LANGUAGE sql STABLE AS $$
	SELECT coalesce(max(ceil(extract(epoch FROM
	    w.oldest + interval '15 minutes' - now())))::integer, 0)
	FROM (
		SELECT min(f.at) AS oldest, count(*) AS n FROM (
			SELECT at FROM auth_failures WHERE kind = p_kind
			AND scope = 'account' AND key = p_account
			AND at > now() - interval '15 minutes'
			ORDER BY at DESC LIMIT 10) f
		UNION ALL
		SELECT min(f.at), count(*) FROM (
			SELECT at FROM auth_failures WHERE kind = p_kind
			AND scope = 'address' AND key = p_address
			AND at > now() - interval '15 minutes'
			ORDER BY at DESC LIMIT 10) f
	) w WHERE w.n >= 10
$$;

-- Counts a failed attempt; failures older than a day go.
CREATE OR REPLACE FUNCTION auth_failed(p_kind text, p_account text,
    p_address text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_account IS NOT NULL AND p_account <> '' THEN
		INSERT INTO auth_failures (kind, scope, key)
		VALUES (p_kind, 'account', p_account);
	END IF;
	IF p_address IS NOT NULL AND p_address <> '' THEN
		INSERT INTO auth_failures (kind, scope, key)
		VALUES (p_kind, 'address', p_address);
	END IF;
	DELETE FROM auth_failures WHERE at < now() - interval '1 day';
END
$$;

-- Failed sign-in: audited and counted.
CREATE OR REPLACE FUNCTION sign_in_failed(p_user bigint, p_email text,
    p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM audit(p_user, 'session.sign_in_failed', 'email:' ||
	    lower(p_email), p_address);
	PERFORM auth_failed('sign_in', lower(p_email), host(p_address));
END
$$;

-- A wrong current password given to change it: audited and counted, per
-- account ('user:<id>') and per address.
CREATE OR REPLACE FUNCTION password_failed(p_user bigint, p_address inet)
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

-- A new token, shown once; only its hash is kept.
CREATE OR REPLACE FUNCTION token_create(p_user bigint, p_name text,
    p_hash bytea, p_address inet)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	tid bigint;
BEGIN
	INSERT INTO api_tokens (user_id, name, token_hash)
	VALUES (p_user, p_name, p_hash) RETURNING id INTO tid;
	PERFORM audit(p_user, 'token.create', 'token:' || tid, p_address,
	    jsonb_build_object('name', p_name));
	RETURN tid;
END
$$;

-- Revokes one of the person's own tokens; false if there is none.
CREATE OR REPLACE FUNCTION token_revoke(p_user bigint, p_token bigint,
    p_address inet)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	UPDATE api_tokens SET revoked_at = now()
	    WHERE id = p_token AND user_id = p_user AND revoked_at IS NULL;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	PERFORM audit(p_user, 'token.revoke', 'token:' || p_token, p_address);
	RETURN true;
END
$$;

-- Account changes by an admin.  DR404 unknown person; DR409 an admin
-- changing their own role or deactivating themselves (no lock-out);
-- DR422 'role' for a change that needs an organisation (staff to client:
-- invite the person as a client instead).
CREATE OR REPLACE FUNCTION user_set(p_user bigint, p_actor bigint, p_role text,
    p_active boolean, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	u users;
BEGIN
	SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF p_user = p_actor AND ((p_role IS NOT NULL AND p_role <> u.role) OR
	    p_active IS FALSE) THEN
		RAISE EXCEPTION 'self' USING ERRCODE = 'DR409';
	END IF;
	IF p_role IS NOT NULL AND p_role <> u.role THEN
		IF p_role NOT IN ('client', 'pm', 'admin') OR p_role = 'client'
		THEN
			RAISE EXCEPTION 'role' USING ERRCODE = 'DR422';
		END IF;
		UPDATE users SET role = p_role, organization_id = NULL
		    WHERE id = p_user;
		PERFORM audit(p_actor, 'user.role', 'user:' || p_user, p_address,
		    jsonb_build_object('from', u.role, 'to', p_role,
		    'organization_id', u.organization_id));
	END IF;
	IF p_active IS NOT NULL AND p_active <> u.active THEN
		UPDATE users SET active = p_active WHERE id = p_user;
		IF NOT p_active THEN
			DELETE FROM sessions WHERE user_id = p_user;
			UPDATE api_tokens SET revoked_at = now()
			    WHERE user_id = p_user AND revoked_at IS NULL;
		END IF;
		PERFORM audit(p_actor, CASE WHEN p_active THEN 'user.reactivate'
		    ELSE 'user.deactivate' END, 'user:' || p_user, p_address);
	END IF;
END
$$;

-- Erasure (GDPR): the person becomes "Former member"; e-mail, sessions,
-- tokens, notifications and queued mails go; ideas, votes and comments
-- stay under the pseudonym.  The audit entry names no erased data.
CREATE OR REPLACE FUNCTION user_erase(p_user bigint, p_actor bigint,
    p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	u users;
BEGIN
	SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF p_user = p_actor THEN
		RAISE EXCEPTION 'self' USING ERRCODE = 'DR409';
	END IF;
	DELETE FROM sessions WHERE user_id = p_user;
	DELETE FROM api_tokens WHERE user_id = p_user;
	DELETE FROM notifications WHERE user_id = p_user;
	DELETE FROM outbox WHERE user_id = p_user;
	DELETE FROM recovery_codes WHERE user_id = p_user;
	DELETE FROM sign_in_challenges WHERE user_id = p_user;
	UPDATE invitations SET email = 'erased-' || p_user || '@invalid'
	    WHERE redeemed_by = p_user OR lower(email) = lower(u.email);
	DELETE FROM auth_failures WHERE scope = 'account'
	    AND key = lower(u.email);
	UPDATE users SET display_name = 'Former member',
	    email = 'erased-' || p_user || '@invalid', password_hash = '!',
	    active = false, lang = NULL, email_notifications = false,
	    totp_secret = NULL, totp_enrolled_at = NULL, totp_last_step = NULL,
	    totp_pending = NULL, totp_pending_at = NULL,
	    oidc_sub = NULL, oidc_linked_at = NULL
	    WHERE id = p_user;
	PERFORM audit(p_actor, 'user.erase', 'user:' || p_user, p_address);
END
$$;
