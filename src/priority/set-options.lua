--[[
priority stream: setOptions — stores the stream's retry policy (maxAttempts and backoff) in its
meta hash, so every client sees the same. Mode "ensure" (what `client.priority(name, options)`
runs once) stores them when the stream has none yet and accepts the same ones again, but refuses
different ones, replying with what is stored; mode "set" replaces them.

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
ARGV: 1 mode "ensure" | "set", 2 maxAttempts, 3 backoff type ("e" | "f"), 4 delay ms, 5 largest
delay ms, 6 jitter (0..1); "" for each one not set
Reply: {"ok"} or {"mismatch", maxAttempts, type, delay, largest delay, jitter} (as stored).
]]

local FIELDS = { "ma", "bt", "bd", "bm", "bj" }
local stored = redis.call("HMGET", KEYS[6], "op", "ma", "bt", "bd", "bm", "bj")
if ARGV[1] == "ensure" and stored[1] then
  for i = 1, #FIELDS do
    if (stored[i + 1] or "") ~= ARGV[i + 1] then
      return { "mismatch", stored[2] or "", stored[3] or "", stored[4] or "", stored[5] or "",
        stored[6] or "" }
    end
  end
  return { "ok" }
end
for i = 1, #FIELDS do
  if ARGV[i + 1] == "" then
    redis.call("HDEL", KEYS[6], FIELDS[i])
  else
    redis.call("HSET", KEYS[6], FIELDS[i], ARGV[i + 1])
  end
end
redis.call("HSET", KEYS[6], "op", "1")
return { "ok" }
