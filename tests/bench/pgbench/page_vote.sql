-- POST then DELETE /api/v1/ideas/<id>/vote: one transaction here is two
-- requests (votes/s = 2 x tps).  The same ideas as idea_rotate.sql; a
-- frozen idea ((19 * id) % 100 < 23 in data.sql: released, declined,
-- duplicate) is replaced by its neighbour two ids away, which is open.
-- Anyone may vote: :vuid is a random person.
\set k random(1, 1000)
\set r greatest(1, :k * :nideas / :hotbase)
\set id CASE WHEN :k <= 500 THEN ((:r - 1) * :pinv) % :nideas + 1 ELSE (:k - 500) * :step END
\set vid CASE WHEN (19 * :id) % 100 < 23 THEN CASE WHEN :id > 2 THEN :id - 2 ELSE :id + 2 END ELSE :id END
\set vuid random(1, :people)
-- include: session.sql
-- include: vote_cast.sql
-- include: session.sql
-- include: vote_withdraw.sql
