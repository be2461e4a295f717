-- Shared by the wrk scripts of `make bench`: thread numbering, files,
-- per-thread counters and one machine-readable summary line.
--
-- A script does  dofile(os.getenv("BENCH_LUA") .. "/common.lua")  first.
-- In each thread, `tid` (0, 1, ...) and `counts` (a table of counters)
-- exist; done() adds the counters of all threads and prints
--   BENCH_JSON {"requests": ..., "latency_ms": {...}, "counts": {...}}

local threads = {}
local next_tid = 0

function setup(thread)
	thread:set("tid", next_tid)
	next_tid = next_tid + 1
	table.insert(threads, thread)
end

counts = {}

function count(key, n)
	counts[key] = (counts[key] or 0) + (n or 1)
end

function lines(path)
	local t = {}
	local f = assert(io.open(path, "r"), "cannot read " .. tostring(path))
	for line in f:lines() do
		if line ~= "" then t[#t + 1] = line end
	end
	f:close()
	return t
end

function fields(line)
	local t = {}
	for w in line:gmatch("%S+") do t[#t + 1] = w end
	return t
end

-- "user_id token csrf" lines: a list, and a map by user id.
function sessions(path)
	local list, byuser = {}, {}
	for _, line in ipairs(lines(path)) do
		local f = fields(line)
		local s = { user = f[1], token = f[2], csrf = f[3],
		    cookie = "drive_session=" .. f[2] }
		list[#list + 1] = s
		byuser[f[1]] = s
	end
	return list, byuser
end

local function gcd(a, b)
	while b ~= 0 do a, b = b, a % b end
	return a
end

-- Requests prepared once: path k with session k, over both lists.
function ring_of_gets(paths, sess, cap)
	local n = #paths * #sess / gcd(#paths, #sess)
	if n > (cap or 20000) then n = cap or 20000 end
	local ring = {}
	for k = 0, n - 1 do
		ring[k + 1] = wrk.format("GET", paths[k % #paths + 1],
		    { Cookie = sess[k % #sess + 1].cookie })
	end
	return ring
end

local function encode(v)
	local t = type(v)
	if t == "number" then
		if v ~= v or v == math.huge or v == -math.huge then return "null" end
		return string.format("%.6g", v)
	elseif t == "string" then
		return '"' .. v:gsub('[%c"\\]', function(c)
			return string.format("\\u%04x", c:byte())
		end) .. '"'
	elseif t == "boolean" then
		return tostring(v)
	elseif t == "table" then
		local parts = {}
		for k, x in pairs(v) do
			parts[#parts + 1] = encode(tostring(k)) .. ": " .. encode(x)
		end
		table.sort(parts)
		return "{" .. table.concat(parts, ", ") .. "}"
	end
	return "null"
end

function done(summary, latency, requests)
	local total, per_thread = {}, {}
	for _, thread in ipairs(threads) do
		local c = thread:get("counts")
		if type(c) == "table" then
			for k, n in pairs(c) do total[k] = (total[k] or 0) + n end
			per_thread[tostring(thread:get("tid"))] = c
		end
	end
	local secs = summary.duration / 1e6
	local out = {
		requests = summary.requests,
		duration_s = secs,
		rps = summary.requests / secs,
		bytes = summary.bytes,
		errors = {
			connect = summary.errors.connect,
			read = summary.errors.read,
			write = summary.errors.write,
			status = summary.errors.status,
			timeout = summary.errors.timeout,
		},
		latency_ms = {
			p50 = latency:percentile(50) / 1000,
			p90 = latency:percentile(90) / 1000,
			p99 = latency:percentile(99) / 1000,
			max = latency.max / 1000,
			mean = latency.mean / 1000,
		},
		counts = total,
		per_thread = per_thread,
	}
	io.write("BENCH_JSON ", encode(out), "\n")
end
