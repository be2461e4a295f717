-- Single sign-on for the bank's staff (app/oidc.c, sql/010_sso.sql).

-- A sign-in leaves for the IdP; rows older than an hour go.  p_user: the
-- person signed in in this browser, if any (an error from the IdP then
-- ends their sessions).
CREATE OR REPLACE FUNCTION sso_request_begin(p_hash bytea, p_state text,
    p_nonce text, p_next text, p_user bigint, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM sso_requests WHERE created_at < now() - interval '1 hour';
	INSERT INTO sso_requests (token_hash, state, nonce, next, user_id,
	    address)
	VALUES (p_hash, p_state, p_nonce, nullif(p_next, ''), p_user, p_address);
END
$$;

-- The sign-in the browser's cookie names, taken (used once): nothing when
-- there is none; fresh is false past ten minutes.  (plpgsql, as the others
-- here: its body is checked when it runs, not when it is made, so that a
-- schema migrated from before 010 can load this file.)
CREATE OR REPLACE FUNCTION sso_request_take(p_hash bytea)
RETURNS TABLE (state text, nonce text, next text, user_id bigint,
    fresh boolean) LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY WITH taken AS (
		DELETE FROM sso_requests r WHERE r.token_hash = p_hash
		RETURNING r.state AS s, r.nonce AS n, r.next AS x,
		    r.user_id AS u, r.created_at AS at)
	SELECT t.s, t.n, coalesce(t.x, ''), t.u,
	    t.at > now() - interval '10 minutes' FROM taken t;
END
$$;

-- A sign-in through the IdP refused, audited with its reason.
CREATE OR REPLACE FUNCTION sso_refused(p_reason text, p_user bigint,
    p_details jsonb, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM audit(p_user, 'session.sso_refused',
	    CASE WHEN p_user IS NOT NULL THEN 'user:' || p_user END, p_address,
	    jsonb_build_object('reason', p_reason) || coalesce(p_details, '{}'));
END
$$;

-- The account an ID token signs in, after its signature and claims were
-- checked (app/oidc.c): the staff account linked to p_sub, else the one
-- whose e-mail address is the token's verified one (linked now).  No
-- account is made: refused is the reason when none may sign in ('' when
-- one may), and the refusal is audited.  p_role: the role the IdP's role
-- claim gives ('pm', 'admin', 'none'), or NULL when Drive's role counts.
CREATE OR REPLACE FUNCTION sso_sign_in(p_sub text, p_email text,
    p_verified boolean, p_role text, p_address inet)
RETURNS TABLE (user_id bigint, role text, display_name text, refused text)
LANGUAGE plpgsql AS $$
DECLARE
	u users;
	reason text;
	by_email boolean := false;
BEGIN
	SELECT * INTO u FROM users WHERE oidc_sub = p_sub FOR UPDATE;
	IF NOT FOUND AND p_verified AND coalesce(p_email, '') <> '' THEN
		SELECT * INTO u FROM users WHERE lower(email) = lower(p_email)
		    FOR UPDATE;
		by_email := FOUND;
	END IF;
	IF u.id IS NULL THEN
		reason := CASE WHEN coalesce(p_email, '') <> '' AND
		    NOT coalesce(p_verified, false) THEN 'email_unverified'
		    ELSE 'no_account' END;
	ELSIF u.role = 'client' THEN
		reason := 'client';
	ELSIF by_email AND u.oidc_sub IS NOT NULL THEN
		-- The address belongs to an account linked to another subject.
		reason := 'other_subject';
	ELSIF NOT u.active THEN
		reason := 'inactive';
	ELSIF p_role IS NOT NULL AND p_role NOT IN ('pm', 'admin') THEN
		reason := 'no_role';
	END IF;
	IF reason IS NOT NULL THEN
		PERFORM sso_refused(reason, u.id, CASE WHEN u.id IS NULL THEN
		    jsonb_build_object('email', left(p_email, 254)) END,
		    p_address);
		RETURN QUERY SELECT u.id, u.role, u.display_name, reason;
		RETURN;
	END IF;
	IF u.oidc_sub IS NULL THEN
		UPDATE users SET oidc_sub = p_sub, oidc_linked_at = now()
		    WHERE id = u.id;
		PERFORM audit(u.id, 'user.sso_linked', 'user:' || u.id,
		    p_address);
	END IF;
	IF p_role IS NOT NULL AND p_role <> u.role THEN
		UPDATE users SET role = p_role WHERE id = u.id;
		PERFORM audit(NULL, 'user.role', 'user:' || u.id, p_address,
		    jsonb_build_object('from', u.role, 'to', p_role,
		    'by', 'sso'));
		u.role := p_role;
	END IF;
	RETURN QUERY SELECT u.id, u.role, u.display_name, ''::text;
END
$$;

-- The IdP says the person is gone (back-channel logout) or refused them
-- (an error on the way back): every session of the linked account ends.
-- By p_sub, or by p_user when that account is linked.  Returns how many
-- sessions ended; audited when an account was found.
CREATE OR REPLACE FUNCTION sso_end_sessions(p_sub text, p_user bigint,
    p_reason text, p_address inet)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	uid bigint;
	n integer;
BEGIN
	SELECT id INTO uid FROM users WHERE oidc_sub IS NOT NULL AND
	    ((p_sub IS NOT NULL AND oidc_sub = p_sub) OR
	    (p_sub IS NULL AND id = p_user));
	IF uid IS NULL THEN
		RETURN 0;
	END IF;
	DELETE FROM sessions WHERE user_id = uid;
	GET DIAGNOSTICS n = ROW_COUNT;
	PERFORM audit(NULL, 'session.sso_ended', 'user:' || uid, p_address,
	    jsonb_build_object('reason', p_reason, 'sessions', n));
	RETURN n;
END
$$;
