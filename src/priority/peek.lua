--[[
priority stream: peek — the items a pull would take now (up to `count`, highest priority first,
equal priorities in enqueue order, the gate applied if asked), without changing anything: the
peek of a read-only caller must write nothing. Leases that ran out are not returned to the ready
set as a pull would do; they are merged in by the score kept in :lp instead (at most 10,000 of
them, the same bound as a pull's requeue). O(log N + count + expired leases).

KEYS (7, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
  7 ps:{name}:xc  HASH batch counts     batch (prefix's first 13 chars) -> items left, batches of 2+
ARGV:
  1 count (1..10000)
  2 "1" to apply the gate, "0" not to
Reply: {offset, "", "member\nscore\nmember\nscore...", {stored value, ...}}, as pull's.
]]
-- @read-only

-- @include lib/batched.lua
-- @include lib/hmget.lua
-- @include lib/now.lua
-- @include lib/prefix.lua

local REQUEUE_LIMIT = 10000
local count = tonumber(ARGV[1])
local now = now_ms()

local meta = redis.call("HMGET", KEYS[6], "o", "g")
local offset_text = meta[1] or "0"
local bound = nil
if ARGV[2] == "1" and meta[2] then
  bound = tonumber(offset_text) - tonumber(meta[2])
end

local ready
if bound then
  ready = redis.call("ZRANGE", KEYS[1], "-inf", string.format("%.17g", bound), "BYSCORE", "LIMIT", 0,
    count, "WITHSCORES")
else
  ready = redis.call("ZRANGE", KEYS[1], 0, count - 1, "WITHSCORES")
end

-- Candidates: {member, score text, score number}.
local candidates = {}
for i = 1, #ready, 2 do
  candidates[#candidates + 1] = { ready[i], ready[i + 1], tonumber(ready[i + 1]) }
end

local due = redis.call("ZRANGE", KEYS[4], "-inf", now, "BYSCORE", "LIMIT", 0, REQUEUE_LIMIT)
if #due > 0 then
  for i = 1, #due, CHUNK do
    local j = math.min(i + CHUNK - 1, #due)
    local scores = redis.call("ZMSCORE", KEYS[5], unpack(due, i, j))
    for k = 1, #scores do
      local score = scores[k]
      if score and (not bound or tonumber(score) <= bound) then
        candidates[#candidates + 1] = { due[i + k - 1], score, tonumber(score) }
      end
    end
  end
  -- A sorted set's order: by score, then by member bytes (the fixed-width prefix: enqueue order).
  table.sort(candidates, function(a, b)
    if a[3] ~= b[3] then
      return a[3] < b[3]
    end
    return a[1] < b[1]
  end)
end

local n = math.min(count, #candidates)
if n == 0 then
  return { offset_text, "", "", {} }
end
local picked, ids = {}, {}
for i = 1, n do
  picked[2 * i - 1] = candidates[i][1]
  picked[2 * i] = candidates[i][2]
  ids[i] = id_of(candidates[i][1])
end
return { offset_text, "", table.concat(picked, "\n"), hmget(KEYS[2], ids) }
