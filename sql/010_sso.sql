-- Single sign-on for the bank's staff (OpenID Connect, authorization code
-- with PKCE; README, "Single sign-on for bank staff").
--
-- A staff account is linked to the bank's identity provider by the
-- subject (`sub`) of the first ID token that signed it in (found then by
-- its verified e-mail address); from then on the subject finds it, and
-- the IdP's back-channel logout names it.
ALTER TABLE users
	ADD COLUMN oidc_sub text CHECK (char_length(oidc_sub) BETWEEN 1 AND 255),
	ADD COLUMN oidc_linked_at timestamptz;
CREATE UNIQUE INDEX users_oidc_sub_key ON users (oidc_sub);

-- A sign-in sent to the IdP and not back yet: at most ten minutes, used
-- once.  The browser holds a random token in an HttpOnly cookie, the
-- database its SHA-256; the PKCE verifier is derived from that token
-- (app/oidc.c) and stored nowhere.  state and nonce travel in the URL and
-- the ID token anyway; they are compared, not secret.
CREATE TABLE sso_requests (
	id		bigserial PRIMARY KEY,
	token_hash	bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
	state		text NOT NULL,
	nonce		text NOT NULL,
	next		text,
	user_id		bigint REFERENCES users (id) ON DELETE SET NULL,
	address		inet,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sso_requests_created_idx ON sso_requests (created_at);
