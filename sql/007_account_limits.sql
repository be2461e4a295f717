-- Issue 12, finding 6: guessing the current password on /profile/password
-- is limited like signing in (10 failures within 15 minutes per account
-- and per address) and audited; a password change also revokes every API
-- token of the person, as it ends every session.

ALTER TABLE auth_failures DROP CONSTRAINT auth_failures_kind_check;
ALTER TABLE auth_failures ADD CONSTRAINT auth_failures_kind_check
	CHECK (kind IN ('sign_in', 'redeem', 'password'));

-- This migration's functions and triggers live in sql/repeatable/, which
-- `drivectl migrate` applies after the numbered migrations (README,
-- "Migrations").
