--[[
priority stream: get — one item by id, without changing anything. A leased item whose lease ran
out is reported as ready (it returns to the ready set on the next pull, ack or size). A delayed
item is reported too: its enqueuedAt (the prefix) is its due time.

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
ARGV: 1 id
Reply: nil, or {offset, member, score, stored value, lease deadline or "", earlier attempts}.
]]
-- @read-only

-- @include lib/now.lua
-- @include lib/prefix.lua

local id = ARGV[1]
local value = redis.call("HGET", KEYS[2], id)
if not value then
  return false
end
local member = member_of(value, id)
local offset_text = redis.call("HGET", KEYS[6], "o") or "0"
local attempts = redis.call("HGET", KEYS[10], id) or "0"
local score = redis.call("ZSCORE", KEYS[1], member)
if score then
  return { offset_text, member, score, value, "", attempts }
end
score = redis.call("ZSCORE", KEYS[5], member)
if not score then
  return { offset_text, member, redis.call("ZSCORE", KEYS[9], member), value, "", attempts }
end
local deadline = redis.call("ZSCORE", KEYS[4], member)
if not deadline or tonumber(deadline) <= now_ms() then
  deadline = ""
end
return { offset_text, member, score, value, deadline, attempts }
