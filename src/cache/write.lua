-- write: stores an entry, files it under its tags and releases the writer's lease, atomically.
-- KEYS (2 + n): [1] entry key, [2] lease key, [3..] one tag set per tag (n may be 0). All share
--               the namespace's hash tag, so they live in one slot.
-- ARGV (3): [1] encoded entry, [2] lifetime in ms (ttl + stale window), [3] lease token ("" = a
--           plain set, no lease involved)
-- With a token, only the lease's current owner writes: a holder whose lease was taken over (it
-- expired) or removed (the entry was invalidated while the function ran) stores nothing, so a
-- result computed before an invalidation never lands after it.
-- A tag set is a sorted set: member = entry key, score = when that entry expires (server clock,
-- ms). Writing prunes members whose entry has expired, so a hot tag does not grow without bound,
-- and the set itself expires with its longest-lived entry.
-- Returns 1 when stored, 0 when the lease was no longer the writer's.
if ARGV[3] ~= '' then
  if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
  redis.call('DEL', KEYS[2])
end
local lifetime = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', lifetime)
if #KEYS > 2 then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local expiresAt = now + lifetime
  for i = 3, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    redis.call('ZADD', KEYS[i], expiresAt, KEYS[1])
    if redis.call('PTTL', KEYS[i]) < lifetime then
      redis.call('PEXPIRE', KEYS[i], lifetime)
    end
  end
end
return 1
