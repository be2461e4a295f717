-- The fixed cost of one statement (a round trip, parse, plan, execute,
-- commit), to compare the pages' statements with.
SELECT 1;
