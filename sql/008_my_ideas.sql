-- Issue 14, item 4: the list filtered to the ideas a person commented on
-- ("show=commented") looks comments up by their author.  (Their own ideas
-- use ideas_author_idx, their votes votes_user_idx.)
--
-- From now on an idea is proposed with its author's vote (idea_create()
-- in sql/repeatable/ideas.sql).  Ideas proposed before keep their counts:
-- no vote is added to them after the fact.

CREATE INDEX comments_author_idx ON comments (author_id, idea_id);
