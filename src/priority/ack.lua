--[[
priority stream: ack — completes leased items: each id whose lease is still running (deadline
> now) is removed for good. An id that is not leased, whose lease ran out, or whose deadline
differs from the one given (a lease granted to someone else since) is refused.
Leases that ran out are first ended (lib/retry.lua). Emits an "acked" event with the ids.

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
ARGV: pairs of id, lease deadline ("" = any running lease), at most 10,000 pairs.
Reply: the acked ids, in the order given.
]]

-- @include lib/batched.lua
-- @include lib/now.lua
-- @include lib/time-index.lua
-- @include lib/requeue.lua
-- @include lib/leases.lua

local now, us = now_ms()
requeue(now, us)

local acked, members = running_leases(1, now)

if #acked > 0 then
  batched("ZREM", KEYS[4], members)
  batched("ZREM", KEYS[5], members)
  batched("HDEL", KEYS[2], acked)
  if redis.call("EXISTS", KEYS[10]) == 1 then
    batched("HDEL", KEYS[10], acked)
  end
  forget(members)
  emit("acked", acked)
end
return acked
