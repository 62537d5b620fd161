-- For bench/load.py and bench/suite.py: spread the requests over the signed-in sessions listed
-- in the file given after `--`, wait the think time given next (ms, default 0) between an
-- answer and the next request, count the answers that are not 2xx, and print one JSON line.
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("offset", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  cookies = {}
  for line in io.lines(args[1]) do
    table.insert(cookies, line)
  end
  counter = offset * 7919
  non2xx = 0
  think_ms = tonumber(args[2] or "0")
end

function delay()
  return think_ms
end

function request()
  counter = counter + 1
  return wrk.format("GET", wrk.path, { ["Cookie"] = cookies[(counter % #cookies) + 1] })
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "non2xx": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, "p50_ms": %.1f, '
      .. '"p90_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, "mean_ms": %.1f}\n',
    summary.requests, summary.duration, bad, errors.connect, errors.read, errors.write,
    errors.timeout, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000
  ))
end
