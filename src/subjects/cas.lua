-- Compare-and-set of one subject property: the write half of `set(prop, fn)`.
-- The client read the field, ran the caller's function on it, and sends back what it read; the
-- new value is written only if the field still holds exactly that text.
-- KEYS (1): [1] the subject hash (s:<prefix><subject>)
-- ARGV (4): [1] field (p<name> / e<name>), [2] "1" when the field was present, "0" when absent,
--           [3] the JSON text that was read ("" when absent), [4] the new JSON text
-- Returns {1} when written; {0, current} when the field changed meanwhile (current is nil when
-- the field is now absent), so the next attempt starts without another read.
local current = redis.call("HGET", KEYS[1], ARGV[1])
local unchanged
if ARGV[2] == "1" then
  unchanged = current == ARGV[3]
else
  unchanged = current == false
end
if not unchanged then
  return {0, current}
end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[4])
return {1}
