-- wrk script: every request checks out a new visit (revenue 25.00) for one of the clients c1…c20
-- that `--seed 20` registers. Visit ids are unique per run, thread and request, so every checkout
-- is accepted (201); a 409 would mean a visit id was used twice.
--
--     wrk -t2 -c32 -d10s -s Examples/SalonService/smoke/checkout.lua http://127.0.0.1:8080

local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

local run, count

function init(args)
   run = os.time()
   count = 0
end

function request()
   count = count + 1
   local client = (count % 20) + 1
   local body = string.format('{"visit":"wrk-%d-%d-%d","revenue":2500}', run, tid, count)
   return wrk.format("POST", "/clients/c" .. client .. "/checkout", { ["Content-Type"] = "application/json" }, body)
end
