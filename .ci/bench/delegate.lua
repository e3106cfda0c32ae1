-- wrk: POST /api/v1/jobs, each request a new job.
-- LOAD_TOKENS names a file of lines "<access token> <resume type id>", one per client; requests rotate over them.
-- URLs are unique (a duplicate would be a 409): thread number + a random salt per thread + a counter.
dofile(os.getenv("LOAD_LUA_DIR") .. "/report.lua")

local clients = {}
local counter = 0
local salt

function init(args)
   for line in io.lines(os.getenv("LOAD_TOKENS")) do
      local token, resume = string.match(line, "^(%S+)%s+(%S+)")
      if token then
         table.insert(clients, { auth = "Bearer " .. token, resume = resume })
      end
   end
   math.randomseed(os.time() * 1000 + tid)
   salt = math.random(1, 2000000000)
end

function request()
   counter = counter + 1
   -- Consecutive requests of a thread go to consecutive clients; the two threads start apart.
   local c = clients[(counter * 2 + tid) % #clients + 1]
   local body = string.format(
      '{"job_url":"https://load.example/wrk/%d-%d/%d","job_title":"Load Test Engineer","company_name":"Load Testing GmbH","location":"Berlin, Germany","resume_type_id":"%s","priority":"normal","deadline":"","notes":""}',
      tid, salt, counter, c.resume)
   return wrk.format("POST", "/api/v1/jobs",
      { ["Authorization"] = c.auth, ["Content-Type"] = "application/json", ["User-Agent"] = "jd-load/1" }, body)
end
