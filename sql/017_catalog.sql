-- Issue 18: one round trip a page.  The product areas join the statuses
-- in every worker's memory (app/catalog.c), under one stamp: the session's
-- lookup reads it, and a worker whose copy is older loads both again.
-- The stamp moves with any change to either table, by a trigger
-- (catalog_moved(), sql/repeatable/statuses.sql), not by each function
-- that changes them.
ALTER TABLE idea_statuses_version RENAME TO catalog_version;
