--[[
priority stream: add (also addMany) — upserts items, one atomic call.

A new id is enqueued now: XADD on the time index gives the server's `<ms>-<seq>` id, turned into
an 18-character sortable prefix ("%013d%05d": 13 digits of ms, 5 of seq; the stream id is read
back from it with two substrings). The ready set's member is prefix .. id, scored
offset - priority (negated, so ascending order = highest priority first, and equal scores sort
by prefix = enqueue order). The items hash maps id -> prefix .. tagged payload.
An existing id (ready or leased) keeps its prefix, hence its enqueue time and FIFO place:
  replace   -> new data and priority
  keep      -> nothing changes
  increment -> priority += given priority, new data

KEYS (6, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per live item, field i = id
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
ARGV:
  1 ifExists: "replace" | "keep" | "increment"
  2 "1" to reply for one item ({added, offset, score}), "0" to reply with counts
  3.. triples: id, negated priority (-priority, as text), tagged payload
Reply: {"1"|"0", offset, score} or {added count, existing count}, all strings.
]]

-- @include lib/batched.lua
-- @include lib/hmget.lua

-- The sortable prefix of a new entry in the time index: "%013d%05d" of its `<ms>-<seq>` id. The
-- common case (13-digit ms, seq < 100000) is built with substrings, no number parsing. A sequence
-- number above 99999 within one millisecond (only after the clock stepped back) moves the entry
-- to the next millisecond, so the prefix keeps its fixed width and order.
local function enqueue(id)
  local sid = redis.call("XADD", KEYS[3], "*", "i", id)
  local seq_digits = #sid - 14
  if seq_digits <= 5 and string.byte(sid, 14) == 45 then
    return string.sub(sid, 1, 13) .. string.sub("0000", seq_digits) .. string.sub(sid, 15)
  end
  local dash = string.find(sid, "-", 1, true)
  local ms = tonumber(string.sub(sid, 1, dash - 1))
  local seq = tonumber(string.sub(sid, dash + 1))
  if seq > 99999 then
    redis.call("XDEL", KEYS[3], sid)
    ms = ms + 1
    seq = 0
    redis.call("XADD", KEYS[3], string.format("%d-0", ms), "i", id)
  end
  return string.format("%013d%05d", ms, seq)
end

local mode = ARGV[1]
local report = ARGV[2] == "1"
local offset_text = redis.call("HGET", KEYS[6], "o") or "0"
local offset = tonumber(offset_text)
local n = (#ARGV - 2) / 3

-- The score of a new priority, from its negation as sent: with no offset the text goes to Redis
-- as it is (no number -> text conversion per item).
local function score_of(negated)
  if offset == 0 then
    return negated
  end
  return offset + tonumber(negated)
end

local ids = {}
for i = 1, n do
  ids[i] = ARGV[3 * i]
end
local current = hmget(KEYS[2], ids)

-- New items go straight into the ZADD and HSET argument lists, flushed at the end; `fresh` maps
-- an id created by this call to its place there, so a repeated id updates it in place.
local fresh = {}
local zpairs, hpairs = {}, {}
local added, existing = 0, 0

for i = 1, n do
  local id = ARGV[3 * i]
  local negated = ARGV[3 * i + 1]
  local data = ARGV[3 * i + 2]
  local k = fresh[id]
  if k then
    existing = existing + 1
    if mode ~= "keep" then
      if mode == "replace" then
        zpairs[k - 1] = score_of(negated)
      else
        zpairs[k - 1] = tonumber(zpairs[k - 1]) + tonumber(negated)
      end
      hpairs[k] = string.sub(zpairs[k], 1, 18) .. data
    end
  elseif current[i] then
    existing = existing + 1
    if mode ~= "keep" then
      local prefix = string.sub(current[i], 1, 18)
      local member = prefix .. id
      local set = KEYS[1]
      if not redis.call("ZSCORE", KEYS[1], member) then
        set = KEYS[5]
      end
      if mode == "replace" then
        redis.call("ZADD", set, score_of(negated), member)
      else
        redis.call("ZINCRBY", set, negated, member)
      end
      redis.call("HSET", KEYS[2], id, prefix .. data)
    end
  else
    added = added + 1
    local prefix = enqueue(id)
    k = #zpairs + 2
    zpairs[k - 1] = score_of(negated)
    zpairs[k] = prefix .. id
    hpairs[k - 1] = id
    hpairs[k] = prefix .. data
    fresh[id] = k
  end
end

if #zpairs > 0 then
  batched("ZADD", KEYS[1], zpairs)
  batched("HSET", KEYS[2], hpairs)
end

if report then
  local id = ARGV[3]
  local member = string.sub(redis.call("HGET", KEYS[2], id), 1, 18) .. id
  local score = redis.call("ZSCORE", KEYS[1], member) or redis.call("ZSCORE", KEYS[5], member)
  return { added > 0 and "1" or "0", offset_text, score }
end
return { tostring(added), tostring(existing) }
