-- Votes: POST and DELETE /api/v1/ideas/<id>/vote in turn, each by the
-- person who owns the pair, with their session cookie and X-CSRF-Token.
--
-- Exactness needs every request to change the table: BENCH_CAST holds
-- "idea user" pairs without a vote, BENCH_WITHDRAW pairs with one, all
-- on open ideas, none in both, and each pair is sent once (thread t takes
-- lines t, t + threads, ...).  So no two requests in flight touch the
-- same pair, and afterwards
--   votes(after) - votes(before) = casts answered 200 - withdrawals
--   answered 200, and the same for SUM(ideas.vote_count).
-- The answer tells which kind it was: {"vote_count": n, "voted": true}
-- for a cast, false for a withdrawal.  Requests still in flight when wrk
-- stops are carried out but never answered to wrk: so each thread also
-- counts what it sent (cast_sent, withdraw_sent), and run.sh looks up
-- which of the pairs sent took effect.  Should the pairs run out, the
-- thread asks /healthz instead and counts "exhausted" (the vote rate is
-- computed from the 200 answers, not from wrk's total).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local cast, withdraw, byuser = {}, {}, nil
local ci, wi, turn = 0, 0, 0
local fallback

local function slice(path, into, nthreads)
	local i = 0
	for _, line in ipairs(lines(path)) do
		if i % nthreads == tid then into[#into + 1] = fields(line) end
		i = i + 1
	end
end

function init(args)
	local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
	local _
	_, byuser = sessions(os.getenv("BENCH_SESSIONS"))
	slice(os.getenv("BENCH_CAST"), cast, nthreads)
	slice(os.getenv("BENCH_WITHDRAW"), withdraw, nthreads)
	turn = tid % 2
	fallback = wrk.format("GET", "/healthz")
end

local function vote(method, pair)
	local s = byuser[pair[2]]
	return wrk.format(method, "/api/v1/ideas/" .. pair[1] .. "/vote",
	    { Cookie = s.cookie, ["X-CSRF-Token"] = s.csrf },
	    method == "POST" and "" or nil)
end

function request()
	turn = 1 - turn
	if turn == 0 then
		if cast[ci + 1] then
			ci = ci + 1
			count("cast_sent")
			return vote("POST", cast[ci])
		end
	else
		if withdraw[wi + 1] then
			wi = wi + 1
			count("withdraw_sent")
			return vote("DELETE", withdraw[wi])
		end
	end
	count("exhausted")
	return fallback
end

function response(status, headers, body)
	if status == 200 then
		if body:find('"voted":%s*true') then
			count("cast_ok")
		elseif body:find('"voted":%s*false') then
			count("withdraw_ok")
		else
			count("ok_other")
		end
	else
		count("status_" .. status)
	end
end
