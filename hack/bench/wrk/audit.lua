-- wrk script for hack/bench/stack.sh: POST /api/v1/audits with the body in $BODY_FILE and the bearer
-- token in $TOKEN. With UNIQUE=1 every request's page differs (a marker per thread and request), so
-- nothing is served from a cache; otherwise every request sends the same page. With RESPONSES_FILE set,
-- each thread appends "<status> <audit id or ->" per response to RESPONSES_FILE.<thread> (the node tier's
-- rollout test checks every acknowledged audit is stored); without it no body is looked at.
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

local responses_file = os.getenv("RESPONSES_FILE")
if responses_file then
  local out
  function response(status, _, body)
    if not out then
      out = assert(io.open(responses_file .. "." .. tostring(tid), "a"))
      out:setvbuf("line")
    end
    -- The audit's own id: the top-level "id" of the answer (the findings carry ruleId, not id).
    local id = body and body:match('"id"%s*:%s*"([^"]+)"') or "-"
    out:write(status, " ", id, "\n")
  end
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
