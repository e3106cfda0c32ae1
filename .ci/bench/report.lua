-- Shared by the wrk scripts (loaded with dofile): count the answers per thread and, at the end, print one
-- machine-readable line that `load` parses. wrk's own summary stays above it for the log.
--
-- Why our own line: wrk prints percentiles with units ("1.23ms", "2.01s") and only counts non-2xx/3xx answers;
-- a redirect to /login (an expired session) would look like success. Here only the expected status counts as ok.

local threads = {}
local thread_no = 0

function setup(thread)
   thread_no = thread_no + 1
   thread:set("tid", thread_no)
   table.insert(threads, thread)
end

ok, bad, bad_status, bad_body = 0, 0, 0, ""
expect = tonumber(os.getenv("LOAD_EXPECT") or "200")

function response(status, headers, body)
   if status == expect then
      ok = ok + 1
   else
      bad = bad + 1
      if bad_status == 0 then
         bad_status = status
         bad_body = string.sub(body or "", 1, 200)
      end
   end
end

function done(summary, latency, requests)
   local n_ok, n_bad, first_status, first_body = 0, 0, 0, ""
   for _, t in ipairs(threads) do
      n_ok = n_ok + t:get("ok")
      n_bad = n_bad + t:get("bad")
      if first_status == 0 and t:get("bad_status") ~= 0 then
         first_status = t:get("bad_status")
         first_body = t:get("bad_body")
      end
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "JD_RESULT requests=%d ok=%d bad=%d first_bad_status=%d secs=%.3f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f bytes=%d socket_errors=%d\n",
      summary.requests, n_ok, n_bad, first_status, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, summary.bytes, e.connect + e.read + e.write + e.timeout))
   if first_status ~= 0 then
      io.write("JD_FIRST_BAD " .. string.gsub(first_body, "%s+", " ") .. "\n")
   end
end
