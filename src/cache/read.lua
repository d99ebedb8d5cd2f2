-- read: an entry and how long it has left, in one atomic step (used when stale-while-revalidate
-- is on: the remaining PTTL, compared with the stale window stored in the entry, says whether the
-- value is fresh or stale — the server's clock decides, never a client's).
-- KEYS (1): [1] entry key
-- ARGV (0)
-- Returns nil when the entry is missing, else { value, pttl }.
-- @read-only
local value = redis.call('GET', KEYS[1])
if not value then return false end
return { value, redis.call('PTTL', KEYS[1]) }
