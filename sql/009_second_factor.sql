-- Issue 15: a second factor for everyone (TOTP, RFC 6238), and how each
-- session was made.
--
-- The authenticator's secret is stored encrypted (AES-256-GCM, the nonce
-- and tag beside the ciphertext) with a key the database never sees
-- (DRIVE_SECRET_KEY or var/secret.key): a dump alone yields no working
-- codes.  totp_last_step is the last 30-second step whose code was
-- accepted; a code of that step or an earlier one is refused (replay).
-- An enrolment in progress keeps its own secret until a code confirms
-- it, so that a person replacing their authenticator keeps the old one
-- until the new one works.
ALTER TABLE users
	ADD COLUMN totp_secret bytea,
	ADD COLUMN totp_enrolled_at timestamptz,
	ADD COLUMN totp_last_step bigint,
	ADD COLUMN totp_pending bytea,
	ADD COLUMN totp_pending_at timestamptz;

-- Ten one-time codes for a lost phone, shown once, stored as HMAC-SHA256
-- under the same outside key (so a dump does not allow guessing them
-- offline either).
CREATE TABLE recovery_codes (
	id		bigserial PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id),
	code_hash	bytea NOT NULL CHECK (octet_length(code_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	used_at		timestamptz,
	UNIQUE (user_id, code_hash)
);

-- Which roles must have a second factor; an admin changes it.
CREATE TABLE second_factor_policy (
	role		text PRIMARY KEY CHECK (role IN ('client', 'pm', 'admin')),
	required	boolean NOT NULL,
	changed_at	timestamptz NOT NULL DEFAULT now()
);
INSERT INTO second_factor_policy (role, required)
VALUES ('client', false), ('pm', true), ('admin', true);

-- Between the password and the code: the person the password proved,
-- for five minutes and five codes.  The browser holds the token (a
-- cookie), the database its SHA-256.
CREATE TABLE sign_in_challenges (
	id		bigserial PRIMARY KEY,
	token_hash	bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
	user_id		bigint NOT NULL REFERENCES users (id),
	created_at	timestamptz NOT NULL DEFAULT now(),
	attempts	integer NOT NULL DEFAULT 0,
	address		inet
);
CREATE INDEX sign_in_challenges_user_idx ON sign_in_challenges (user_id);

-- How a session was made beyond the password: 'totp', 'recovery' (a
-- recovery code), 'sso' (the bank's identity provider) or NULL (the
-- password alone, or an invitation just redeemed).  A person whose role
-- requires a second factor and whose session has none can do nothing
-- but set one up.
ALTER TABLE sessions ADD COLUMN second_factor text
	CHECK (second_factor IN ('totp', 'recovery', 'sso'));

-- session_create() gains the factor (sql/repeatable/accounts.sql).
DROP FUNCTION IF EXISTS session_create(bigint, bytea, text, inet, text);

-- The second step's failures are counted on their own (per account, as
-- 'user:<id>', and per address).
ALTER TABLE auth_failures DROP CONSTRAINT auth_failures_kind_check;
ALTER TABLE auth_failures ADD CONSTRAINT auth_failures_kind_check
	CHECK (kind IN ('sign_in', 'redeem', 'password', 'second_factor'));
