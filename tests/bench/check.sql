-- Do the maintained counts agree with the rows?  One JSON line:
-- bad_* are the numbers of ideas (or idea/organisation pairs) whose
-- maintained figure differs from a recount; all must be 0.
--   psql -X -At -f tests/bench/check.sql
SET work_mem = '256MB';
WITH vc AS (
	SELECT idea_id, count(*) AS n FROM votes GROUP BY 1
), rc AS (
	SELECT idea_id, count(*) AS n FROM votes
	WHERE created_at > (SELECT aged_to FROM trending_clock) GROUP BY 1
), cc AS (
	SELECT idea_id, count(*) AS n FROM comments GROUP BY 1
), ov AS (
	SELECT v.idea_id, u.organization_id, count(*) AS n
	FROM votes v JOIN users u ON u.id = v.user_id
	WHERE u.organization_id IS NOT NULL GROUP BY 1, 2
), oc AS (
	SELECT idea_id, count(*) AS n FROM ov GROUP BY 1
)
SELECT json_build_object(
	'ideas', (SELECT count(*) FROM ideas),
	'votes', (SELECT count(*) FROM votes),
	'sum_vote_count', (SELECT sum(vote_count) FROM ideas),
	'comments', (SELECT count(*) FROM comments),
	'organization_votes', (SELECT count(*) FROM idea_organization_votes),
	'bad_vote_count', (SELECT count(*) FROM ideas i LEFT JOIN vc
	    ON vc.idea_id = i.id WHERE i.vote_count <> coalesce(vc.n, 0)),
	'bad_recent_vote_count', (SELECT count(*) FROM ideas i LEFT JOIN rc
	    ON rc.idea_id = i.id
	    WHERE i.recent_vote_count <> coalesce(rc.n, 0)),
	'bad_comment_count', (SELECT count(*) FROM ideas i LEFT JOIN cc
	    ON cc.idea_id = i.id WHERE i.comment_count <> coalesce(cc.n, 0)),
	'bad_organization_count', (SELECT count(*) FROM ideas i LEFT JOIN oc
	    ON oc.idea_id = i.id
	    WHERE i.organization_count <> coalesce(oc.n, 0)),
	'bad_idea_organization_votes', (SELECT count(*) FROM ov
	    FULL JOIN idea_organization_votes o
	    USING (idea_id, organization_id)
	    WHERE ov.n IS DISTINCT FROM o.votes::bigint));
