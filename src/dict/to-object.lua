-- The whole dict in one round trip when it is small; the client pages with HSCAN otherwise.
-- KEYS (1): [1] the dict's hash
-- ARGV (1): [1] the largest field count read with HGETALL
-- Returns {1, {field, value, ...}} when HLEN <= ARGV[1], else {0}.
-- @read-only
if redis.call("HLEN", KEYS[1]) > tonumber(ARGV[1]) then
  return {0}
end
return {1, redis.call("HGETALL", KEYS[1])}
