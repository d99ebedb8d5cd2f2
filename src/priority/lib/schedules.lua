-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/delayed.lua

-- Schedules (KEYS[15]): id -> JSON spec {e = every ms | nil, cron, tz, t = upcoming cron times (ms,
-- as strings, ascending; computed by the client with croner), c = the current occurrence's item
-- id ("" when none is enqueued), p = the priority, v = the tagged payload}. One occurrence is in
-- the stream at a time: item id `<schedule id>@<due ms>`, a delayed item until due. When a pull
-- takes the current occurrence, the next one is enqueued in the same script, so a schedule
-- neither doubles (a retried occurrence is not the current one any more) nor stops when a
-- consumer crashes. Meta "s" says that schedules exist.
local SCHEDULE_LOW = 16

-- The first time of an `every` schedule after `now`: multiples of every, from the epoch.
local function every_after(every, now)
  return (math.floor(now / every) + 1) * every
end

-- Enqueues occurrence `at` of schedule `sid` (spec decoded) and makes it the current one.
local function enqueue_occurrence(sid, spec, at)
  local id = sid .. "@" .. string.format("%d", at)
  if redis.call("HEXISTS", KEYS[2], id) == 0 then
    local offset = tonumber(redis.call("HGET", KEYS[6], "o") or "0")
    delay_items({ id }, { string.format("%.17g", offset - tonumber(spec.p)) }, { at },
      { string.rep("0", PREFIX) .. spec.v })
  end
  spec.c = id
  return id
end

-- The next cron time after `now` from the spec's list (dropping those past), or nil.
local function next_cron(spec, now)
  local times = spec.t
  local k = 1
  while k <= #times and tonumber(times[k]) <= now do
    k = k + 1
  end
  local rest = {}
  for i = k + 1, #times do
    rest[#rest + 1] = times[i]
  end
  local at = times[k] and tonumber(times[k]) or nil
  spec.t = rest
  return at
end

-- What a client needs to add cron times to a schedule: "sid\ncron\ntz\nfrom ms".
local function topup_line(sid, spec, now)
  local last = now
  if #spec.t > 0 then
    last = math.max(now, tonumber(spec.t[#spec.t]))
  end
  return sid .. "\n" .. spec.cron .. "\n" .. (spec.tz or "") .. "\n" .. string.format("%d", last)
end

-- After a pull took `ids`: enqueues the next occurrence of every schedule whose current occurrence
-- is among them. Returns the top-up lines ("\n"-joined groups of 4) of cron schedules running
-- low on times, or "".
local function next_occurrences(ids, now)
  local topups = {}
  for i = 1, #ids do
    local id = ids[i]
    local at_sign = string.find(id, "@[^@]*$")
    if at_sign then
      local sid = string.sub(id, 1, at_sign - 1)
      local text = redis.call("HGET", KEYS[15], sid)
      if text then
        local spec = cjson.decode(text)
        if spec.c == id then
          local due = tonumber(string.sub(id, at_sign + 1))
          local at
          if spec.e then
            at = every_after(spec.e, math.max(now, due or now))
          else
            at = next_cron(spec, now)
          end
          if at then
            enqueue_occurrence(sid, spec, at)
          else
            spec.c = ""
          end
          if not spec.e and #spec.t < SCHEDULE_LOW then
            topups[#topups + 1] = topup_line(sid, spec, now)
          end
          redis.call("HSET", KEYS[15], sid, cjson.encode(spec))
        end
      end
    end
  end
  return table.concat(topups, "\n")
end
