-- The framework's floor: a static file, no Lua per request (wrk's fast
-- path); only the summary line.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
