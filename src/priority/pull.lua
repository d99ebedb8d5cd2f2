--[[
priority stream: pull — takes up to `count` items, highest priority first, equal priorities in
enqueue order (a delayed item's: its due time). O(log N + count), plus O(log N) once per lease
that ran out and per delayed item that came due.

First ends leases that ran out (lib/retry.lua: back to the ready set in their place, or to the
dead letters after maxAttempts) and, when the stream has delayed items (meta "d"), promotes those
that are due (lib/delayed.lua); each at most 10,000 per call, the rest on the next calls. Then
applies the stream's limits (meta "lc", "lr"/"lw"; lib/limits.lua) and selects: the first `count`
ready items, or with the gate the first `count` whose priority >= gate (score <= offset - gate).
No gate stored = no filtering. A stream without delays, limits or schedules reads one HMGET of
its meta and nothing more than before them.
  purge -> removed for good (ready set, items hash, their batches' counts in the time index)
  lease -> moved to the leased set until now + leaseMs; their score is kept in :lp
(A peek is peek.lua's: it must write nothing, and this script returns leases that ran out.)

A purge pull is made safe to repeat by its pull id (chosen by the client, one per pull): its reply
is kept under KEYS[17] for keepMs (server time, PEXPIRE), and a pull whose KEYS[17] exists returns
that reply and changes nothing. So a retry after a timeout or a lost connection gets the items the
first attempt removed, whichever attempt Redis runs first, instead of removing new ones. An empty
reply is not kept: nothing was removed, so a repeat that finds new items loses nothing.

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
and a 17th, for this script only:
 17 ps:{name}:pull:<pull id>  LIST     a purge pull's reply: offset, members and scores, attempts,
                                       values
                                       (mode "purge" only; the other modes pass it unused)
ARGV:
  1 count (1..10000)
  2 mode: "purge" | "lease"
  3 "1" to apply the gate, "0" not to
  4 leaseMs (mode "lease" only)
  5 keepMs: how long a purge pull's reply is kept for repeats (mode "purge" only)
Reply: {offset, leasedUntil or "", "member\nscore\nmember\nscore...", {stored value, ...},
attempts, retryAfterMs, schedules}: members and scores joined in one string (ids hold no control
characters) cost one reply element instead of two per item; attempts: each item's earlier
attempts, "\n"-joined, or "" when no item has any; retryAfterMs: "" or, when the stream's limits
held this pull to fewer items than asked, how long until trying again can succeed; schedules: ""
or, for each cron schedule that needs more occurrence times, its id, cron expression, time zone and
the time to compute them from, "\n"-joined (the client computes them with croner and adds them:
schedule.lua "extend"). When meta "s" says schedules exist, a pull that takes a schedule's current
occurrence enqueues its next one (lib/schedules.lua).
]]

-- @include lib/batched.lua
-- @include lib/lookups.lua
-- @include lib/now.lua
-- @include lib/time-index.lua
-- @include lib/requeue.lua
-- @include lib/limits.lua
-- @include lib/schedules.lua
-- @include lib/lease-tokens.lua

local count = tonumber(ARGV[1])
local mode = ARGV[2]

if mode == "purge" then
  local kept = redis.call("LRANGE", KEYS[17], 0, -1)
  if #kept > 0 then
    local values = {}
    for i = 4, #kept do
      values[i - 3] = kept[i]
    end
    return { kept[1], "", kept[2], values, kept[3], "", "" }
  end
end

local now, us = now_ms()
requeue(now, us)

local meta = redis.call("HMGET", KEYS[6], "o", "g", "d", "lc", "lr", "lw", "s")
local offset_text = meta[1] or "0"
if meta[3] then
  emit("promoted", promote(now))
end

local retry, taken = nil, nil
local limited = meta[4] or meta[5]
if limited then
  count, retry, taken = limit_count(count, mode, now, tonumber(meta[4]), tonumber(meta[5]),
    tonumber(meta[6]))
  if count == 0 then
    if taken then
      record_taken(now, 0, taken)
    end
    return { offset_text, "", "", {}, "", string.format("%d", retry), "" }
  end
end

local picked
local popped = false
if ARGV[3] == "1" and meta[2] then
  local bound = string.format("%.17g", tonumber(offset_text) - tonumber(meta[2]))
  picked = redis.call("ZRANGE", KEYS[1], "-inf", bound, "BYSCORE", "LIMIT", 0, count, "WITHSCORES")
elseif mode == "purge" then
  picked = redis.call("ZPOPMIN", KEYS[1], count)
  popped = true
else
  picked = redis.call("ZRANGE", KEYS[1], 0, count - 1, "WITHSCORES")
end

local n = #picked / 2
if taken then
  record_taken(now, n, taken)
end
-- The limits held this pull back only if it took all they allowed.
local retry_text = ""
if retry and n == count then
  retry_text = string.format("%d", retry)
end
if n == 0 then
  return { offset_text, "", "", {}, "", retry_text, "" }
end

local members, ids = {}, {}
for i = 1, n do
  local member = picked[2 * i - 1]
  members[i] = member
  ids[i] = id_of(member)
end
local values = hmget(KEYS[2], ids)
-- Earlier attempts: only items whose lease ended without an ack have a count (one EXISTS when
-- none has).
local attempts = ""
local counted = redis.call("EXISTS", KEYS[10]) == 1
if counted then
  local found = hmget(KEYS[10], ids)
  for i = 1, n do
    found[i] = found[i] or "0"
  end
  attempts = table.concat(found, "\n", 1, n)
end
local topup = ""
if meta[7] then
  topup = next_occurrences(ids, now)
end
local joined = table.concat(picked, "\n")

if mode == "purge" then
  if not popped then
    batched("ZREM", KEYS[1], members)
  end
  batched("HDEL", KEYS[2], ids)
  if counted then
    batched("HDEL", KEYS[10], ids)
  end
  forget(members)
  emit("pulled", ids)
  local copy = { offset_text, joined, attempts }
  for i = 1, n do
    -- A missing value (nil, a damaged stream) cannot be pushed; "" fails decoding like nil does.
    copy[i + 3] = values[i] or ""
  end
  batched("RPUSH", KEYS[17], copy)
  redis.call("PEXPIRE", KEYS[17], ARGV[5])
  return { offset_text, "", joined, values, attempts, retry_text, topup }
end

local deadline = lease_deadline(now, tonumber(ARGV[4]))
local leased, kept = {}, {}
for i = 1, n do
  leased[2 * i - 1] = deadline
  leased[2 * i] = members[i]
  kept[2 * i - 1] = picked[2 * i]
  kept[2 * i] = members[i]
end
batched("ZREM", KEYS[1], members)
batched("ZADD", KEYS[4], leased)
batched("ZADD", KEYS[5], kept)
emit("leased", ids)
return { offset_text, string.format("%d", deadline), joined, values, attempts, retry_text, topup }
