-- Sign-in through the API: POST /api/v1/session {"email", "password"},
-- rotating over BENCH_USERS (e-mail addresses, one a line) with the
-- password BENCH_PASSWORD that data.sql gave everybody (a real Argon2id
-- hash, verified on Kore's task threads).  Counts the answers by status.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local ring, pos

function init(args)
	local pw = os.getenv("BENCH_PASSWORD")
	ring = {}
	for _, email in ipairs(lines(os.getenv("BENCH_USERS"))) do
		ring[#ring + 1] = wrk.format("POST", "/api/v1/session",
		    { ["Content-Type"] = "application/json" },
		    '{"email":"' .. email .. '","password":"' .. pw .. '"}')
	end
	pos = (tid * 31) % #ring
end

function request()
	pos = pos % #ring + 1
	return ring[pos]
end

function response(status, headers, body)
	count("status_" .. status)
end
