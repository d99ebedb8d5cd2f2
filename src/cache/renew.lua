-- renew: extends a lease while its holder is still computing, only if the caller still owns it.
-- KEYS (1): [1] lease key
-- ARGV (2): [1] token, [2] leaseMs
-- Returns 1 when renewed, 0 when the lease is gone or another caller owns it.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
