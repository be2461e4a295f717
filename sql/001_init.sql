-- Drive: people, organisations, invitations, sessions and the audit trail.
--
-- Hard guarantees live in the database, not in C: one redemption per
-- invitation (a conditional UPDATE under the row lock, in
-- sql/repeatable/invitations.sql), one account per e-mail address, a
-- client always belongs to an organisation and bank staff never do, and
-- the audit log only grows (sql/repeatable/audit.sql).

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

-- This migration's functions and triggers live in sql/repeatable/, which
-- `drivectl migrate` applies after the numbered migrations (README,
-- "Migrations").
