-- Signed-in reads.  BENCH_PATHS: a file of paths (one a line), rotated;
-- BENCH_SESSIONS: "user_id token csrf" lines, each request carries the
-- next session's cookie.  The requests are prepared in init(), so that
-- wrk spends no Lua time per request beyond picking the next one.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local ring, pos

function init(args)
	local sess = sessions(os.getenv("BENCH_SESSIONS"))
	ring = ring_of_gets(lines(os.getenv("BENCH_PATHS")), sess)
	pos = (tid * 7919) % #ring
end

function request()
	pos = pos % #ring + 1
	return ring[pos]
end
