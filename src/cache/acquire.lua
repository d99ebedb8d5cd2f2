-- acquire: single flight. Returns the entry when it exists (mode "load"), else tries to take the
-- lease (SET lease token NX PX leaseMs). Checking the entry and taking the lease in one atomic
-- step means a caller can never take a lease just after the holder wrote the value and let go.
-- KEYS (2): [1] entry key, [2] lease key
-- ARGV (3): [1] token (unique per load), [2] leaseMs, [3] mode: "load" or "refresh"
--           ("refresh" takes the lease whether or not the entry exists: a stale entry's refresh)
-- Returns { 1, value, entryPttl } (the entry), { 2 } (lease taken) or { 0, leasePttl } (held).
if ARGV[3] == 'load' then
  local value = redis.call('GET', KEYS[1])
  if value then return { 1, value, redis.call('PTTL', KEYS[1]) } end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return { 2 } end
-- A retried call whose first try took the lease finds its own token: the lease is still its own.
if redis.call('GET', KEYS[2]) == ARGV[1] then return { 2 } end
return { 0, redis.call('PTTL', KEYS[2]) }
