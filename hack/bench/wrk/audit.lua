-- wrk script for hack/bench/stack.sh: POST /api/v1/audits with the body in $BODY_FILE and the bearer
-- token in $TOKEN. With UNIQUE=1 every request's page differs (a marker per thread and request), so
-- nothing is served from a cache; otherwise every request sends the same page.
local body_file = assert(os.getenv("BODY_FILE"), "BODY_FILE")
local f = assert(io.open(body_file, "rb"))
local body = f:read("*a")
f:close()
local unique = os.getenv("UNIQUE") == "1"
local prefix, suffix = body:match("^(.*)@@MARK@@(.*)$")
if unique then assert(prefix, "the body has no @@MARK@@") else body = body:gsub("@@MARK@@", "0") end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("TOKEN"), "TOKEN")

local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local n = 0
function request()
  if not unique then return wrk.format(nil, nil, nil, body) end
  n = n + 1
  return wrk.format(nil, nil, nil, prefix .. tostring(tid) .. "-" .. tostring(n) .. suffix)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d non2xx=%d socket_errors=%d seconds=%.3f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
