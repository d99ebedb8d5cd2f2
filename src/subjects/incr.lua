-- Atomic increment of one subject property holding a JSON number (absent counts as 0).
-- KEYS (1): [1] the subject hash (s:<prefix><subject>)
-- ARGV (2): [1] field (p<name> / e<name>), [2] the increment (decimal text)
-- Returns {1, new JSON text, old JSON text or "" when absent} or, writing nothing, {0, reason, stored text}: reason "not-a-number"
-- (the stored value is not a JSON number) or "not-finite" (the sum overflows).
local stored = redis.call("HGET", KEYS[1], ARGV[1])
local current = 0
if stored then
  -- A JSON number, as Python's json.dumps or JSON.stringify write it (e.g. 3, -1.5, 1e+20).
  if not string.match(stored, "^%s*%-?%d+%.?%d*[eE]?[-+]?%d*%s*$") then
    return {0, "not-a-number", stored}
  end
  current = tonumber(stored)
  if current == nil or current ~= current or current == math.huge or current == -math.huge then
    return {0, "not-a-number", stored}
  end
end
local result = current + tonumber(ARGV[2])
if result ~= result or result == math.huge or result == -math.huge then
  return {0, "not-finite", stored}
end
-- Write the shortest text that reads back as the same double; whole numbers without exponent
-- (as JSON.stringify does below 1e21), so Python reads them back as int.
local text
if result == math.floor(result) and math.abs(result) < 1e21 then
  text = string.format("%.0f", result)
else
  text = string.format("%.15g", result)
  if tonumber(text) ~= result then text = string.format("%.16g", result) end
  if tonumber(text) ~= result then text = string.format("%.17g", result) end
end
redis.call("HSET", KEYS[1], ARGV[1], text)
return {1, text, stored or ""}
