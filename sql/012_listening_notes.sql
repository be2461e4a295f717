-- The listening scorecard (/listening, app/listening.c) counts the ideas
-- of the last 365 days (created or first answered then) and the ideas
-- released this quarter.  Two indexes keep it from reading every idea
-- and every response as the portal grows: ideas by creation (answered
-- ones too; ideas_unanswered_idx holds only the unanswered), and the
-- responses that released an idea, by time.  ideas_answered_idx (003)
-- already finds ideas by their first answer.
CREATE INDEX ideas_created_idx ON ideas (created_at);
CREATE INDEX responses_released_idx ON responses (created_at)
	WHERE to_status = 'released';
