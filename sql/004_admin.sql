-- The admin console and compliance: personal API tokens, rate limits on
-- sign-in and invitation redemption, account changes (role, deactivation,
-- erasure), organisations and areas, and the audit entries they leave.

CREATE TABLE api_tokens (
	id		bigserial PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	name		text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
	token_hash	bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_used_at	timestamptz,
	revoked_at	timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Failed attempts only; a success never counts.  Kept a day.
CREATE TABLE auth_failures (
	id		bigserial PRIMARY KEY,
	kind		text NOT NULL CHECK (kind IN ('sign_in', 'redeem')),
	scope		text NOT NULL CHECK (scope IN ('account', 'address')),
	key		text NOT NULL,
	at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_idx ON auth_failures (kind, scope, key, at);

-- Seconds until another attempt is allowed (0: now): 10 failures within
-- 15 minutes, per account and per address.  The lock ends 15 minutes
-- after the oldest of those failures, so that nobody can keep a person
-- out for longer than the window after the attempts stop.
CREATE FUNCTION auth_retry_after(p_kind text, p_account text, p_address text)
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

CREATE FUNCTION auth_failed(p_kind text, p_account text, p_address text)
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
CREATE FUNCTION sign_in_failed(p_user bigint, p_email text, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM audit(p_user, 'session.sign_in_failed', 'email:' ||
	    lower(p_email), p_address);
	PERFORM auth_failed('sign_in', lower(p_email), host(p_address));
END
$$;

-- A new token, shown once; only its hash is kept.
CREATE FUNCTION token_create(p_user bigint, p_name text, p_hash bytea,
    p_address inet)
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

CREATE FUNCTION token_revoke(p_user bigint, p_token bigint, p_address inet)
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
CREATE FUNCTION user_set(p_user bigint, p_actor bigint, p_role text,
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
CREATE FUNCTION user_erase(p_user bigint, p_actor bigint, p_address inet)
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
	UPDATE invitations SET email = 'erased-' || p_user || '@invalid'
	    WHERE redeemed_by = p_user OR lower(email) = lower(u.email);
	DELETE FROM auth_failures WHERE scope = 'account'
	    AND key = lower(u.email);
	UPDATE users SET display_name = 'Former member',
	    email = 'erased-' || p_user || '@invalid', password_hash = '!',
	    active = false, lang = NULL, email_notifications = false
	    WHERE id = p_user;
	PERFORM audit(p_actor, 'user.erase', 'user:' || p_user, p_address);
END
$$;

-- A password change ends every session of the person.
CREATE FUNCTION password_change(p_user bigint, p_hash text, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	UPDATE users SET password_hash = p_hash WHERE id = p_user;
	DELETE FROM sessions WHERE user_id = p_user;
	PERFORM audit(p_user, 'user.password', 'user:' || p_user, p_address);
END
$$;

-- Issues an invitation anew: a new token, the old one dies.  Returns the
-- new invitation's id and expiry.  DR404 unknown; DR409 redeemed.
CREATE FUNCTION invitation_reissue(p_id bigint, p_hash bytea,
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

CREATE FUNCTION organization_rename(p_org bigint, p_name text,
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
CREATE FUNCTION area_change(p_area integer, p_action text, p_slug text,
    p_name_en text, p_name_de text, p_actor bigint, p_address inet)
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
