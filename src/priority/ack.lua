--[[
priority stream: ack — completes leased items: each id whose lease is still running (deadline
> now) is removed for good. An id that is not leased, whose lease ran out, or whose deadline
differs from the one given (a lease granted to someone else since) is refused.
Leases that ran out are first returned to the ready set.

KEYS (6, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per live item, field i = id
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
ARGV: pairs of id, lease deadline ("" = any running lease), at most 10,000 pairs.
Reply: the acked ids, in the order given.
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

-- The time-index entry id `<ms>-<seq>` encoded in a member's 18-character prefix.
local function stream_id(member)
  return string.sub(member, 1, 13) .. "-" .. string.sub(member, 14, 18)
end

local now = now_ms()
requeue(now)

local acked, members, sids, done = {}, {}, {}, {}
for i = 1, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if not done[id] then
    local value = redis.call("HGET", KEYS[2], id)
    if value then
      local member = string.sub(value, 1, 18) .. id
      local deadline = redis.call("ZSCORE", KEYS[4], member)
      if deadline and tonumber(deadline) > now and (token == "" or tonumber(token) == tonumber(deadline)) then
        done[id] = true
        acked[#acked + 1] = id
        members[#members + 1] = member
        sids[#sids + 1] = stream_id(member)
      end
    end
  end
end

if #acked > 0 then
  batched("ZREM", KEYS[4], members)
  batched("ZREM", KEYS[5], members)
  batched("HDEL", KEYS[2], acked)
  batched("XDEL", KEYS[3], sids)
end
return acked
