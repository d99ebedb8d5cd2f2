--[[
priority stream: pull — takes up to `count` items, highest priority first, equal priorities in
enqueue order. O(log N + count), plus O(log N) once per lease that ran out.

First returns leases that ran out to the ready set (at most 10,000 per call; the rest on the next
calls). Then selects: the first `count` ready items, or with the gate the first `count` whose
priority >= gate (score <= offset - gate). No gate stored = no filtering.
  purge -> removed for good (ready set, items hash, time index)
  lease -> moved to the leased set until now + leaseMs; their score is kept in :lp
  peek  -> nothing changes

KEYS (6, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per live item, field i = id
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
ARGV:
  1 count (1..10000)
  2 mode: "purge" | "lease" | "peek"
  3 "1" to apply the gate, "0" not to
  4 leaseMs (mode "lease" only)
Reply: {offset, leasedUntil or "", "member\nscore\nmember\nscore...", {stored value, ...}}: members
and scores joined in one string (ids hold no control characters) cost one reply element instead
of two per item.
]]

local CHUNK = 1000
local REQUEUE_LIMIT = 10000

local function batched(cmd, key, list)
  for i = 1, #list, CHUNK do
    redis.call(cmd, key, unpack(list, i, math.min(i + CHUNK - 1, #list)))
  end
end

local function hmget(key, fields)
  local out = {}
  for i = 1, #fields, CHUNK do
    local part = redis.call("HMGET", key, unpack(fields, i, math.min(i + CHUNK - 1, #fields)))
    for k = 1, #part do
      out[i + k - 1] = part[k]
    end
  end
  return out
end

local function now_ms()
  local t = redis.call("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Leases whose deadline is <= now go back to the ready set with the score kept in :lp.
local function requeue(now)
  local due = redis.call("ZRANGE", KEYS[4], "-inf", now, "BYSCORE", "LIMIT", 0, REQUEUE_LIMIT)
  if #due == 0 then
    return
  end
  local pairs_ = {}
  for i = 1, #due, CHUNK do
    local j = math.min(i + CHUNK - 1, #due)
    local scores = redis.call("ZMSCORE", KEYS[5], unpack(due, i, j))
    for k = 1, #scores do
      if scores[k] then
        pairs_[#pairs_ + 1] = scores[k]
        pairs_[#pairs_ + 1] = due[i + k - 1]
      end
    end
  end
  batched("ZADD", KEYS[1], pairs_)
  batched("ZREM", KEYS[4], due)
  batched("ZREM", KEYS[5], due)
end

local function stream_id(member)
  return string.sub(member, 1, 13) .. "-" .. string.sub(member, 14, 18)
end

local count = tonumber(ARGV[1])
local mode = ARGV[2]
local now = now_ms()
requeue(now)

local meta = redis.call("HMGET", KEYS[6], "o", "g")
local offset_text = meta[1] or "0"
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
if n == 0 then
  return { offset_text, "", "", {} }
end

local members, ids = {}, {}
for i = 1, n do
  local member = picked[2 * i - 1]
  members[i] = member
  ids[i] = string.sub(member, 19)
end
local values = hmget(KEYS[2], ids)

if mode == "purge" then
  if not popped then
    batched("ZREM", KEYS[1], members)
  end
  local sids = {}
  for i = 1, n do
    sids[i] = stream_id(members[i])
  end
  batched("HDEL", KEYS[2], ids)
  batched("XDEL", KEYS[3], sids)
elseif mode == "lease" then
  local deadline = now + tonumber(ARGV[4])
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
  return { offset_text, string.format("%d", deadline), table.concat(picked, "\n"), values }
end

return { offset_text, "", table.concat(picked, "\n"), values }
