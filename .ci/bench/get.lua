-- wrk: GET one path (LOAD_PATH) again and again, with the header LOAD_HEADER ("Name: value"), e.g. a bearer token
-- or the session cookie.
dofile(os.getenv("LOAD_LUA_DIR") .. "/report.lua")

local req

function init(args)
   local name, value = string.match(os.getenv("LOAD_HEADER") or "", "^([^:]+):%s*(.*)$")
   local headers = { ["User-Agent"] = "jd-load/1" }
   if name then headers[name] = value end
   req = wrk.format("GET", os.getenv("LOAD_PATH"), headers)
end

function request()
   return req
end
