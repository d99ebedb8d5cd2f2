--[[
priority stream: size — counts ready and leased items without changing anything (a read-only
caller's call must write nothing): a lease that ran out counts as ready, since the next pull
returns it to the ready set (unless its attempts reached maxAttempts: then it is about to be a
dead letter and counts as neither; that check reads at most 10,000 such leases), and so does a
delayed item that is due. Delayed items not yet due count as neither. O(log N).

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
ARGV: none
Reply: {ready, leased} (integers).
]]
-- @read-only

-- @include lib/now.lua

-- @include lib/lookups.lua
-- @include lib/prefix.lua

local now = now_ms()
local ran_out = redis.call("ZCOUNT", KEYS[4], "-inf", now)
local leased = redis.call("ZCARD", KEYS[4])
local ready = redis.call("ZCARD", KEYS[1]) + ran_out
local max_attempts = tonumber(redis.call("HGET", KEYS[6], "ma"))
if ran_out > 0 and max_attempts then
  local members = redis.call("ZRANGE", KEYS[4], "-inf", now, "BYSCORE", "LIMIT", 0, 10000)
  local ids = {}
  for i = 1, #members do
    ids[i] = id_of(members[i])
  end
  local counts = hmget(KEYS[10], ids)
  for i = 1, #ids do
    if tonumber(counts[i] or "0") + 1 >= max_attempts then
      ready = ready - 1
    end
  end
end
return { ready + redis.call("ZCOUNT", KEYS[8], "-inf", now), leased - ran_out }
