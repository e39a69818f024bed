-- Shared helpers of the pansaar library. This file registers no function: the loader places it
-- first and outside any do...end block, so its locals are visible to every function file.
--
-- Errors raised here, as redis.error_reply('PANSAAR_<CODE> message'), mapped by io.pansaar.store.FunctionError:
--   PANSAAR_BAD_ARGUMENT     an argument is missing or malformed
--   PANSAAR_STAGING_MISSING  raised by pansaar_put; declared here so all codes live in one list
--
-- Time is always the Redis server's (TIME), never a client's, so the clocks of pods do not matter.

local REASONS = { miss = true, refresh = true, manual = true }

local function fail(code, message)
  error(redis.error_reply('PANSAAR_' .. code .. ' ' .. message))
end

local function serverTimeMillis()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local function requireNonEmpty(name, value)
  if value == nil or value == '' then
    fail('BAD_ARGUMENT', name .. ' is missing')
  end
  return value
end

-- An integer argument no smaller than minimum; an empty argument takes the default when one is given.
local function requireInteger(name, value, minimum, default)
  if (value == nil or value == '') and default ~= nil then
    return default
  end
  local number = tonumber(value)
  if number == nil or number ~= math.floor(number) or number < minimum then
    fail('BAD_ARGUMENT', name .. ' must be an integer of at least ' .. minimum .. ', was "' .. tostring(value) .. '"')
  end
  return number
end

local function requireReason(value)
  if not REASONS[value] then
    fail('BAD_ARGUMENT', 'reason must be miss, refresh or manual, was "' .. tostring(value) .. '"')
  end
  return value
end

-- The arguments every fenced write starts with: claim token, fence, claimed-at.
local function requireClaimArguments(args)
  return requireNonEmpty('claim token', args[1]),
    requireInteger('fence', args[2], 1),
    requireInteger('claimed-at', args[3], 0)
end

-- Single-flight: enqueues one job unless a marker says a job for the key is queued or being fetched.
-- Returns enqueued (1 or 0), then the job id and token when enqueued, or the marker's value when not.
local function enqueueOnce(markerKey, jobStreamKey, tokenCounterKey, imageKey, reason, token, queuedTtl, now)
  local pending = redis.call('GET', markerKey)
  if pending then
    return 0, '', pending
  end
  if token == nil or token == '' then
    -- Unique within the partition: the counter lives in the same slot as the marker.
    token = now .. '-' .. redis.call('INCR', tokenCounterKey)
  end
  redis.call('SET', markerKey, 'queued:' .. token, 'PX', queuedTtl)
  local jobId = redis.call('XADD', jobStreamKey, '*', 'key', imageKey, 'reason', reason,
    'requested-at', now, 'token', token)
  return 1, jobId, token
end

-- The fence stored with the image when it is greater than the writer's, so the write must lose; else nil.
local function newerFence(imageKey, fence)
  local current = tonumber(redis.call('HGET', imageKey, 'fence'))
  if current ~= nil and current > fence then
    return current
  end
  return nil
end

-- Adds one to a counter of the partition's statistics hash (pansaar:{p}:stats), read by GET /api/status.
local function count(statsKey, counter)
  redis.call('HINCRBY', statsKey, counter, 1)
end

-- Tells waiting readers (GET /images/<key> in any Pansaar process) that the key has an answer now:
-- publishes the image key on pansaar:{p}:ready, both derived from the image hash's name.
local function announceReady(imageKey)
  local tag, key = string.match(imageKey, '^(pansaar:{%d+}:)img:(.+)$')
  if tag then
    redis.call('PUBLISH', tag .. 'ready', key)
  end
end

-- Deletes the single-flight marker only when this claim holds it: a newer claim's marker stays.
local function releaseOwnMarker(markerKey, token)
  if redis.call('GET', markerKey) == 'fetching:' .. token then
    redis.call('DEL', markerKey)
  end
end
