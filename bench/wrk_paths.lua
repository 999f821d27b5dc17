-- wrk script for bench/: every request goes to a random line of the file
-- named after `--` (one path per line), and `done` prints one parseable line:
--   BENCH requests=N duration_us=N rps=F p50_us=N p99_us=N non2xx=N connect=N ...
-- (wrk -s wrk_paths.lua http://host:port -- paths.txt)

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

local paths = {}

function init(args)
  local name = args[1]
  if name == nil then
    error("usage: wrk ... -s wrk_paths.lua URL -- PATHS_FILE")
  end
  local file = assert(io.open(name, "r"))
  for line in file:lines() do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  file:close()
  if #paths == 0 then
    error("no paths in " .. name)
  end
  math.randomseed(os.time() * 1000 + (seed or 0))
  -- The first values of a freshly seeded generator are poorly spread.
  for _ = 1, 10 do
    math.random()
  end
end

function request()
  return wrk.format(nil, paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.2f p50_us=%.0f p99_us=%.0f "
      .. "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect, errors.read, errors.write, errors.timeout
  ))
end
