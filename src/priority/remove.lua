--[[
priority stream: remove — deletes items by id, ready, leased or delayed (a later ack of a removed
leased item is refused). Unknown ids are ignored. Emits a "removed" event.

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
ARGV: ids, at most 10,000.
Reply: the removed ids, in the order given, each once.
]]

-- @include lib/batched.lua
-- @include lib/lookups.lua
-- @include lib/now.lua
-- @include lib/time-index.lua
-- @include lib/split-delayed.lua
-- @include lib/events.lua
-- @include lib/lease-tokens.lua

local values = hmget(KEYS[2], ARGV)
local removed, members, done = {}, {}, {}
for i = 1, #ARGV do
  local id = ARGV[i]
  if values[i] and not done[id] then
    done[id] = true
    local member = member_of(values[i], id)
    removed[#removed + 1] = id
    members[#members + 1] = member
  end
end

if #removed > 0 then
  retire_leases(members, (now_ms()))
  batched("ZREM", KEYS[1], members)
  batched("ZREM", KEYS[4], members)
  batched("ZREM", KEYS[5], members)
  batched("HDEL", KEYS[2], removed)
  batched("HDEL", KEYS[10], removed)
  forget(drop_delayed(members))
  emit("removed", removed)
end
return removed
