-- invalidate-tag: deletes every entry filed under one tag of one namespace, and the tag set, in
-- one atomic step: no reader sees some of the tag's entries gone and others still there.
-- KEYS (1): [1] the tag set (a sorted set of entry keys)
-- ARGV (0)
-- The entry keys are read from the set inside the script, so they cannot be listed in KEYS
-- beforehand; they carry the same hash tag as the set (c:{namespace}:…), so they are in its slot
-- and the script runs on Redis Cluster.
-- Returns how many entries were deleted (expired ones are not counted).
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local deleted = 0
-- unpack() has a stack limit: delete in batches.
for i = 1, #members, 500 do
  deleted = deleted + redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
end
redis.call('DEL', KEYS[1])
return deleted
