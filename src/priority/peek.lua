--[[
priority stream: peek — the items a pull would take now (up to `count`, highest priority first,
equal priorities in enqueue order, the gate applied if asked), without changing anything: the
peek of a read-only caller must write nothing. Leases that ran out are not returned to the ready
set as a pull would do; they are merged in by the score kept in :lp instead (at most 10,000 of
them, the same bound as a pull's requeue), except those a pull would dead-letter (their attempts
reached maxAttempts). Delayed items stay hidden until due; those due but not yet promoted (no pull
ran since) are merged in the same way, by the score kept in :dp, in due-time order among equal
priorities. Limits are not applied: a peek takes nothing. O(log N + count + expired leases + due
delayed items).

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
  1 count (1..10000)
  2 "1" to apply the gate, "0" not to
Reply: {offset, "", "member\nscore\nmember\nscore...", {stored value, ...}, attempts}, as pull's
(attempts counts an expired lease's attempt as a pull would).
]]
-- @read-only

-- @include lib/batched.lua
-- @include lib/lookups.lua
-- @include lib/now.lua
-- @include lib/prefix.lua

local LIMIT = 10000
local count = tonumber(ARGV[1])
local now = now_ms()

local meta = redis.call("HMGET", KEYS[6], "o", "g", "d", "ma")
local offset_text = meta[1] or "0"
local bound = nil
if ARGV[2] == "1" and meta[2] then
  bound = tonumber(offset_text) - tonumber(meta[2])
end
local max_attempts = tonumber(meta[4])

local ready
if bound then
  ready = redis.call("ZRANGE", KEYS[1], "-inf", string.format("%.17g", bound), "BYSCORE", "LIMIT", 0,
    count, "WITHSCORES")
else
  ready = redis.call("ZRANGE", KEYS[1], 0, count - 1, "WITHSCORES")
end

-- Candidates: {member, score text, score number, attempts added by a pull (1: a lease ran out)}.
local candidates = {}
for i = 1, #ready, 2 do
  candidates[#candidates + 1] = { ready[i], ready[i + 1], tonumber(ready[i + 1]), 0 }
end

local merged = false
-- Members of `set` (KEYS[4] or KEYS[8]) whose time is <= now, scored from `scores_key`.
local function merge(set, scores_key, ran_out)
  local due = redis.call("ZRANGE", set, "-inf", now, "BYSCORE", "LIMIT", 0, LIMIT)
  if #due == 0 then
    return
  end
  merged = true
  local counts = nil
  if ran_out and max_attempts then
    local ids = {}
    for i = 1, #due do
      ids[i] = id_of(due[i])
    end
    counts = hmget(KEYS[10], ids)
  end
  for i = 1, #due, CHUNK do
    local j = math.min(i + CHUNK - 1, #due)
    local scores = redis.call("ZMSCORE", scores_key, unpack(due, i, j))
    for k = 1, #scores do
      local score = scores[k]
      local dies = counts and tonumber(counts[i + k - 1] or "0") + 1 >= max_attempts
      if score and not dies and (not bound or tonumber(score) <= bound) then
        candidates[#candidates + 1] = { due[i + k - 1], score, tonumber(score), ran_out and 1 or 0 }
      end
    end
  end
end
merge(KEYS[4], KEYS[5], true)
if meta[3] then
  merge(KEYS[8], KEYS[9], false)
end
if merged then
  -- A sorted set's order: by score, then by member bytes (the fixed-width prefix: enqueue order,
  -- or a delayed item's due time).
  table.sort(candidates, function(a, b)
    if a[3] ~= b[3] then
      return a[3] < b[3]
    end
    return a[1] < b[1]
  end)
end

local n = math.min(count, #candidates)
if n == 0 then
  return { offset_text, "", "", {}, "" }
end
local picked, ids = {}, {}
for i = 1, n do
  picked[2 * i - 1] = candidates[i][1]
  picked[2 * i] = candidates[i][2]
  ids[i] = id_of(candidates[i][1])
end
local attempts = ""
if redis.call("EXISTS", KEYS[10]) == 1 or merged then
  local found = hmget(KEYS[10], ids)
  for i = 1, n do
    found[i] = tostring(tonumber(found[i] or "0") + candidates[i][4])
  end
  attempts = table.concat(found, "\n", 1, n)
end
return { offset_text, "", table.concat(picked, "\n"), hmget(KEYS[2], ids), attempts }
