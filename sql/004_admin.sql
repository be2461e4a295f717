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

-- This migration's functions and triggers live in sql/repeatable/, which
-- `drivectl migrate` applies after the numbered migrations (README,
-- "Migrations").
