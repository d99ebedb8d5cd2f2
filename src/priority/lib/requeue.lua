-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/batched.lua

-- Leases whose deadline is <= now go back to the ready set with the score kept in :lp.
-- Capped per call so one script stays short; the rest return on the next call.
local REQUEUE_LIMIT = 10000

local function requeue(now)
  local due = redis.call("ZRANGE", KEYS[4], "-inf", now, "BYSCORE", "LIMIT", 0, REQUEUE_LIMIT)
  if #due == 0 then
    return
  end
  local pairs_ = {}
  for i = 1, #due, CHUNK do
    local j = math.min(i + CHUNK - 1, #due)
    local scores = redis.call("ZMSCORE", KEYS[5], unpack(due, i, j))
    for k = 1, #scores do
      if scores[k] then
        pairs_[#pairs_ + 1] = scores[k]
        pairs_[#pairs_ + 1] = due[i + k - 1]
      end
    end
  end
  batched("ZADD", KEYS[1], pairs_)
  batched("ZREM", KEYS[4], due)
  batched("ZREM", KEYS[5], due)
end
