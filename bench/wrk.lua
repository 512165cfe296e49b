-- wrk script for bench/wrk.py: replays prepared requests (paths, tokens,
-- bodies), counts responses whose status is not the expected one, and prints
-- one machine-readable line with the latency percentiles.
-- Arguments (after `--`): requests file (method TAB path TAB token TAB body), expected status.

local prepared = {}
local expected = 200
local counter = 0
mismatches = 0
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[2])
  for line in io.lines(args[1]) do
    local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = { ["Authorization"] = "Bearer " .. token }
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    prepared[#prepared + 1] = wrk.format(method, path, headers, body)
  end
  -- Threads start at different requests, as the Python generator's connections do.
  counter = (thread_number or 0) * 997
end

function request()
  counter = counter + 1
  return prepared[(counter % #prepared) + 1]
end

function response(status, headers, body)
  if status ~= expected then
    mismatches = mismatches + 1
  end
end

function done(summary, latency, requests)
  local total_mismatches = 0
  for _, thread in ipairs(threads) do
    total_mismatches = total_mismatches + thread:get("mismatches")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"mismatches": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    total_mismatches, e.connect, e.read, e.write, e.timeout))
end
