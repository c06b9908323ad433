-- wrk script: POST /task/list_tasks, the first page of SIZE pending tasks of QUEUE.
-- Usage: QUEUE=q SIZE=100 wrk -t2 -c32 -d5s -s bench/wrk/list_tasks.lua URL
function init(args)
  queue = os.getenv("QUEUE") or "bench"
  size = os.getenv("SIZE") or "100"
end

function request()
  local body = '{"queue":"' .. queue .. '","state":"pending","size":' .. size .. '}'
  return wrk.format("POST", "/task/list_tasks", {["Content-Type"] = "application/json"}, body)
end
