--[[
priority stream: deleteBelow — removes every item (ready, leased or delayed) whose priority is
below the threshold (priority < t, i.e. score > offset - t; with inclusive, <= / >=).
O(log N + M). Emits a "removed" event.

KEYS (16, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o offset, g gate, d delays, options, limits (keys.ts)
  7 ps:{name}:xc  ZSET batch counts     batch (prefix's first 13 chars), score items left, batches of 2+
  8 ps:{name}:d   ZSET delayed items    member prefix..id, score due time (ms)
  9 ps:{name}:dp  ZSET delayed items    member prefix..id, score = its ready-set score
 10 ps:{name}:a   HASH attempts         id -> its leases that ended without an ack
 11 ps:{name}:dl  HASH dead letters     id -> attempts|deadAt|priority|reason, LF, data
 12 ps:{name}:dz  ZSET dead letters     id -> when it was dead-lettered (ms)
 13 ps:{name}:ev  STREAM events         t type, i ids ("\n"-joined), r reason; capped (MAXLEN ~)
 14 ps:{name}:rw  LIST rate window      "<ms>:<n>": n items taken at ms, oldest first
 15 ps:{name}:s   HASH schedules        id -> JSON spec (every or cron times, data, current id)
 16 ps:{name}:lt  ZSET retired leases   deadline -> itself: leases nacked before their deadline
ARGV: 1 threshold, 2 "1" inclusive / "0" strictly below
Reply: the removed ids: ready ones from the highest priority down, then leased ones, then delayed
ones.
]]

-- @include lib/batched.lua
-- @include lib/now.lua
-- @include lib/time-index.lua
-- @include lib/events.lua
-- @include lib/lease-tokens.lua

local offset = tonumber(redis.call("HGET", KEYS[6], "o") or "0")
local bound = string.format("%.17g", offset - tonumber(ARGV[1]))
if ARGV[2] ~= "1" then
  bound = "(" .. bound
end

local ready = redis.call("ZRANGE", KEYS[1], bound, "+inf", "BYSCORE")
local leased = redis.call("ZRANGE", KEYS[5], bound, "+inf", "BYSCORE")
if #ready > 0 then
  redis.call("ZREMRANGEBYSCORE", KEYS[1], bound, "+inf")
end
if #leased > 0 then
  retire_leases(leased, (now_ms()))
  batched("ZREM", KEYS[5], leased)
  batched("ZREM", KEYS[4], leased)
end

local delayed = {}
if redis.call("HGET", KEYS[6], "d") then
  delayed = redis.call("ZRANGE", KEYS[9], bound, "+inf", "BYSCORE")
  batched("ZREM", KEYS[8], delayed)
  batched("ZREM", KEYS[9], delayed)
end

local ids, members = {}, {}
for _, list in ipairs({ ready, leased }) do
  for i = 1, #list do
    ids[#ids + 1] = id_of(list[i])
    members[#members + 1] = list[i]
  end
end
for i = 1, #delayed do
  ids[#ids + 1] = id_of(delayed[i])
end
if #ids > 0 then
  batched("HDEL", KEYS[2], ids)
  batched("HDEL", KEYS[10], ids)
  forget(members)
  emit("removed", ids)
end
return ids
