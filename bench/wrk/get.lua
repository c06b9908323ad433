-- wrk script: POST /task/get of a random task among IDS preloaded ones, named PREFIX0 ..
-- PREFIX<IDS-1> in QUEUE (bench/get_figures.sh puts them).
-- Usage: QUEUE=q IDS=100000 PREFIX=t wrk -t2 -c32 -d5s -s bench/wrk/get.lua URL
function init(args)
  queue = os.getenv("QUEUE") or "bench"
  ids = tonumber(os.getenv("IDS") or "1000")
  prefix = os.getenv("PREFIX") or "t"
  math.randomseed(os.time() + math.random(1, 1e6))
end

function request()
  local body = '{"queue":"' .. queue .. '","id":"' .. prefix .. math.random(0, ids - 1) .. '"}'
  return wrk.format("POST", "/task/get", {["Content-Type"] = "application/json"}, body)
end
