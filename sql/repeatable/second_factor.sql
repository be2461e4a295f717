-- The second factor (TOTP): the sign-in's second step, enrolment, an
-- admin's reset and the per-role policy (README, "Second factor").  The
-- codes are checked in C (liboath) with the secret the database cannot
-- read; what must not race (a code used twice, a recovery code used
-- twice, a confirmed enrolment) is decided here, in one statement each.

-- Whether a person of this role must have a second factor.  (PL/pgSQL:
-- an SQL function's body is checked when it is made, and a database of
-- before migration 009 gets this file too.)
CREATE OR REPLACE FUNCTION second_factor_required(p_role text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN coalesce((SELECT required FROM second_factor_policy
	    WHERE role = p_role), false);
END
$$;

-- After the password: the challenge the second step answers (five
-- minutes, five codes).  A person has one at a time.
CREATE OR REPLACE FUNCTION sign_in_challenge_create(p_user bigint,
    p_hash bytea, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM sign_in_challenges WHERE user_id = p_user
	    OR created_at < now() - interval '1 hour';
	INSERT INTO sign_in_challenges (token_hash, user_id, address)
	VALUES (p_hash, p_user, p_address);
	PERFORM audit(p_user, 'session.password_passed', 'user:' || p_user,
	    p_address);
END
$$;

-- The second step.  p_step: the 30-second step of a code that matched
-- the secret (NULL when none did); p_recovery: the HMAC of a recovery
-- code typed (NULL when a six-digit code was).  Returns 'totp' or
-- 'recovery' when the challenge is passed (it is then gone), else
-- 'replay' (a code of a step already used) or 'wrong', counted against
-- the challenge and the limits and audited.
CREATE OR REPLACE FUNCTION second_factor_check(p_challenge bigint,
    p_step bigint, p_recovery bytea, p_address inet)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_user	 bigint;
	v_reason text := 'wrong';
	v_left	 integer;
BEGIN
	SELECT user_id INTO v_user FROM sign_in_challenges
	    WHERE id = p_challenge FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'expired';
	END IF;
	IF p_step IS NOT NULL THEN
		UPDATE users SET totp_last_step = p_step WHERE id = v_user
		    AND (totp_last_step IS NULL OR totp_last_step < p_step);
		IF FOUND THEN
			DELETE FROM sign_in_challenges WHERE id = p_challenge;
			RETURN 'totp';
		END IF;
		v_reason := 'replay';
	ELSIF p_recovery IS NOT NULL THEN
		UPDATE recovery_codes SET used_at = now()
		    WHERE user_id = v_user AND code_hash = p_recovery
		    AND used_at IS NULL;
		IF FOUND THEN
			DELETE FROM sign_in_challenges WHERE id = p_challenge;
			SELECT count(*) INTO v_left FROM recovery_codes
			    WHERE user_id = v_user AND used_at IS NULL;
			PERFORM audit(v_user, 'user.recovery_code_used',
			    'user:' || v_user, p_address,
			    jsonb_build_object('left', v_left));
			RETURN 'recovery';
		END IF;
	END IF;
	UPDATE sign_in_challenges SET attempts = attempts + 1
	    WHERE id = p_challenge;
	PERFORM audit(v_user, 'session.second_factor_failed',
	    'user:' || v_user, p_address,
	    jsonb_build_object('reason', v_reason));
	PERFORM auth_failed('second_factor', 'user:' || v_user,
	    host(p_address));
	RETURN v_reason;
END
$$;

-- Enrolment confirmed by a code of the new secret (p_pending, as the
-- page showed it; a newer one started meanwhile wins): the secret is
-- the person's, the step is used, the recovery codes are new (p_codes,
-- their HMACs in hex), and the session it was done in counts as one
-- with a second factor.  false when the enrolment is gone or stale.
CREATE OR REPLACE FUNCTION second_factor_enrol(p_user bigint,
    p_pending bytea, p_step bigint, p_codes text[], p_session bigint,
    p_address inet)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	v_again boolean;
BEGIN
	SELECT totp_enrolled_at IS NOT NULL INTO v_again FROM users
	    WHERE id = p_user;
	UPDATE users SET totp_secret = totp_pending, totp_pending = NULL,
	    totp_pending_at = NULL, totp_enrolled_at = now(),
	    totp_last_step = p_step
	    WHERE id = p_user AND totp_pending = p_pending
	    AND totp_pending_at > now() - interval '30 minutes';
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	DELETE FROM recovery_codes WHERE user_id = p_user;
	INSERT INTO recovery_codes (user_id, code_hash)
	SELECT p_user, decode(c, 'hex') FROM unnest(p_codes) c;
	UPDATE sessions SET second_factor = 'totp' WHERE id = p_session
	    AND user_id = p_user;
	PERFORM audit(p_user, CASE WHEN v_again
	    THEN 'user.second_factor_replaced'
	    ELSE 'user.second_factor_enrolled' END, 'user:' || p_user,
	    p_address);
	RETURN true;
END
$$;

-- An admin resets a person's second factor (a lost phone): the secret,
-- the recovery codes and the person's sessions go; with the policy on
-- for their role they set up a new one at their next sign-in.  DR404
-- unknown person, DR409 oneself.
CREATE OR REPLACE FUNCTION second_factor_reset(p_actor bigint, p_user bigint,
    p_reason text, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM users WHERE id = p_user AND active FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user_not_found' USING ERRCODE = 'DR404';
	END IF;
	IF p_user = p_actor THEN
		RAISE EXCEPTION 'self' USING ERRCODE = 'DR409';
	END IF;
	UPDATE users SET totp_secret = NULL, totp_enrolled_at = NULL,
	    totp_last_step = NULL, totp_pending = NULL, totp_pending_at = NULL
	    WHERE id = p_user;
	DELETE FROM recovery_codes WHERE user_id = p_user;
	DELETE FROM sign_in_challenges WHERE user_id = p_user;
	DELETE FROM sessions WHERE user_id = p_user;
	PERFORM audit(p_actor, 'user.second_factor_reset', 'user:' || p_user,
	    p_address, jsonb_build_object('reason', p_reason));
END
$$;

-- The policy, one flag a role; audited with what changed.
CREATE OR REPLACE FUNCTION second_factor_policy_set(p_actor bigint,
    p_client boolean, p_pm boolean, p_admin boolean, p_address inet)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	v_changes jsonb;
BEGIN
	WITH wanted(role, required) AS (VALUES ('client', p_client),
	    ('pm', p_pm), ('admin', p_admin)),
	changed AS (
		UPDATE second_factor_policy p SET required = w.required,
		    changed_at = now()
		FROM wanted w WHERE p.role = w.role
		AND p.required IS DISTINCT FROM w.required
		RETURNING p.role, p.required)
	SELECT jsonb_object_agg(role, required) INTO v_changes FROM changed;
	IF v_changes IS NOT NULL THEN
		PERFORM audit(p_actor, 'settings.second_factor_policy',
		    'policy:second_factor', p_address, v_changes);
	END IF;
END
$$;

-- One turns one's own second factor off, with a code of it (p_step, as
-- for signing in: a used step is refused), unless one's role requires
-- it.  Returns 'removed', 'replay', 'required' or 'none'.
CREATE OR REPLACE FUNCTION second_factor_remove(p_user bigint, p_step bigint,
    p_address inet)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	u users;
BEGIN
	SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
	IF NOT FOUND OR u.totp_enrolled_at IS NULL THEN
		RETURN 'none';
	END IF;
	IF second_factor_required(u.role) THEN
		RETURN 'required';
	END IF;
	IF u.totp_last_step IS NOT NULL AND u.totp_last_step >= p_step THEN
		PERFORM audit(p_user, 'session.second_factor_failed',
		    'user:' || p_user, p_address,
		    jsonb_build_object('reason', 'replay'));
		RETURN 'replay';
	END IF;
	UPDATE users SET totp_secret = NULL, totp_enrolled_at = NULL,
	    totp_last_step = NULL, totp_pending = NULL, totp_pending_at = NULL
	    WHERE id = p_user;
	DELETE FROM recovery_codes WHERE user_id = p_user;
	PERFORM audit(p_user, 'user.second_factor_removed', 'user:' || p_user,
	    p_address);
	RETURN 'removed';
END
$$;
