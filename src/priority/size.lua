--[[
priority stream: size — returns leases that ran out to the ready set, then counts ready and
leased items. O(1) plus O(log N) per lease returned.

KEYS (6, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per live item, field i = id
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
ARGV: none
Reply: {ready, leased} (integers).
]]

local CHUNK = 1000

local function batched(cmd, key, list)
  for i = 1, #list, CHUNK do
    redis.call(cmd, key, unpack(list, i, math.min(i + CHUNK - 1, #list)))
  end
end

local function now_ms()
  local t = redis.call("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Leases whose deadline is <= now go back to the ready set with the score kept in :lp
-- (the same code as in pull.lua).
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

requeue(now_ms())
return { redis.call("ZCARD", KEYS[1]), redis.call("ZCARD", KEYS[4]) }
