-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- The server's clock in ms: time never comes from the client. `now_us_part` also returns the
-- microseconds within the second, which scripts use to spread jitter.
local function now_ms()
  local t = redis.call("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), tonumber(t[2])
end
