-- release: lets a lease go, only if the caller still owns it (compare the token, then DEL), so a
-- slow holder whose lease expired never deletes the lease a newer holder took.
-- KEYS (1): [1] lease key
-- ARGV (1): [1] token
-- Returns 1 when released, 0 otherwise.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
