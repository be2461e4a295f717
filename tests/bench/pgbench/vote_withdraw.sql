-- Withdrawing a vote (app/votes.c, q_vote_withdraw).
SELECT vote_count, voted FROM vote_withdraw(:vid::bigint, :vuid::bigint);
