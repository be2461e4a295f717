-- GET /ideas/<id>: the 1,000 ideas the wrk script rotates over, set as
-- :id before the captured statements (capture.py puts :id where the idea
-- page sent its idea).  k 1..500 are hot: Zipf rank r = k in the main
-- data set (data.sql: rank = (id - 1) * 104729 % nideas + 1, so id =
-- (rank - 1) * pinv % nideas + 1), r = k * nideas / hotbase at other
-- sizes (the same votes and comments); k 501..1000 are spread evenly
-- over all ideas (id = j * step), cold ones.
\set k random(1, 1000)
\set r greatest(1, :k * :nideas / :hotbase)
\set id CASE WHEN :k <= 500 THEN ((:r - 1) * :pinv) % :nideas + 1 ELSE (:k - 500) * :step END
