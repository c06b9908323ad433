-- wrk script: POST /task/put with a unique id per request (so every put creates a task).
-- Usage: wrk -t2 -c32 -d10s -s bench/wrk/put.lua http://127.0.0.1:8000
-- Optional: QUEUE env var picks the queue (default "bench").
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  -- Unique across threads and across runs against the same server.
  prefix = string.format("%d-%d-%d", os.time(), tid or 0, math.random(1, 1e9))
  queue = os.getenv("QUEUE") or "bench"
  counter = 0
end

function request()
  counter = counter + 1
  local body = '{"queue":"' .. queue .. '","id":"' .. prefix .. "-" .. counter ..
               '","info":{"n":' .. counter .. '}}'
  return wrk.format("POST", "/task/put", {["Content-Type"] = "application/json"}, body)
end
