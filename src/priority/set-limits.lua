--[[
priority stream: setLimits — stores the stream's limits in its meta hash, enforced by every pull
(lib/limits.lua): concurrency (most items leased at once, across all consumers) and a rate (most
items taken per window of perMs). Both are replaced: one not given is removed. Changing the rate
keeps the window's record of what was taken.

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
ARGV: 1 concurrency, 2 rate max, 3 rate perMs; "" for a limit not set (2 and 3 go together)
Reply: "OK".
]]

local function put(field, value)
  if value == "" then
    redis.call("HDEL", KEYS[6], field)
  else
    redis.call("HSET", KEYS[6], field, value)
  end
end
put("lc", ARGV[1])
put("lr", ARGV[2])
put("lw", ARGV[3])
if ARGV[2] == "" then
  redis.call("DEL", KEYS[14])
  redis.call("HDEL", KEYS[6], "ln")
end
return "OK"
