-- Casting a vote (app/votes.c, q_vote_cast).
SELECT vote_count, voted FROM vote_cast(:vid::bigint, :vuid::bigint);
