-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/batched.lua
-- @include lib/retry.lua

-- Leases whose deadline is <= now end as failed attempts (lib/retry.lua): they go back to the
-- ready set with the score kept in :lp and their FIFO place, or to the dead letters once the
-- stream's maxAttempts is reached. Capped per call so one script stays short; the rest return on
-- the next calls.
local REQUEUE_LIMIT = 10000

local function requeue(now, us)
  local due = redis.call("ZRANGE", KEYS[4], "-inf", now, "BYSCORE", "LIMIT", 0, REQUEUE_LIMIT)
  if #due == 0 then
    return
  end
  fail(due, "lease expired", 0, now, us)
end
