--[[
priority stream: nack — ends running leases without completing them: each item whose lease is
still running (and, when a deadline is given, is that very lease) counts a failed attempt and
either returns for another attempt, after the given delay or the stream's backoff (delay 0: at
once, in its place; else as a delayed item, due then), or moves to the dead letters with the
reason once its attempts reach the stream's maxAttempts (lib/retry.lua). Leases that ran out are
first ended the same way. The deadlines of the leases it ends are retired until they pass, so no
later lease of the item reuses one as its token (lib/lease-tokens.lua). Emits "nacked" and
"dead-lettered" events. O(k log N).

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
ARGV:
  1 delay in ms before the next attempt, or "" for the stream's backoff
  2 reason ("" for none), kept with a dead letter
  3.. pairs of id, lease deadline ("" = any running lease), at most 10,000 pairs
Reply: {retried ids, dead-lettered ids}, each in the order given.
]]

-- @include lib/batched.lua
-- @include lib/now.lua
-- @include lib/time-index.lua
-- @include lib/requeue.lua
-- @include lib/lease-tokens.lua
-- @include lib/leases.lua

local now, us = now_ms()
requeue(now, us)

local _, members = running_leases(3, now)

local delay = nil
if ARGV[1] ~= "" then
  delay = tonumber(ARGV[1])
end
retire_leases(members, now)
local retried, buried = fail(members, ARGV[2], delay, now, us)
return { retried, buried }
