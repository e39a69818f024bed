-- Shared helpers of the pansaar library. This file registers no function: the loader places it
-- first and outside any do...end block, so its locals are visible to every function file.
--
-- Errors raised here, as redis.error_reply('PANSAAR_<CODE> message'), mapped by io.pansaar.store.FunctionError:
--   PANSAAR_BAD_ARGUMENT     an argument is missing or malformed
--   PANSAAR_STAGING_MISSING  raised by pansaar_put; declared here so all codes live in one list
--   PANSAAR_NOT_LEASE_HOLDER raised by the scheduler's functions when the caller no longer holds the
--                            partition's lease; declared here for the same reason
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

-- The job entry a write finishes, from its optional stream key, group and entry id; nil when none is given.
local function finishedJob(streamKey, group, entryId)
  if streamKey == nil or streamKey == '' then
    return nil
  end
  return { stream = streamKey, group = requireNonEmpty('consumer group', group),
    id = requireNonEmpty('entry id', entryId) }
end

-- Acknowledges and deletes the finished job's entry, as the consumer does after a job: the stream keeps only
-- unfinished work.
local function acknowledgeJob(job)
  if job then
    redis.call('XACK', job.stream, job.group, job.id)
    redis.call('XDEL', job.stream, job.id)
  end
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

-- Pansaar's access score after one more request at now (ms), for a half-life in ms: log2(2^score + 2^(now/h)),
-- computed without overflow. The Java twin is io.pansaar.algorithm.AccessPriority.afterRequest; the test
-- vectors in src/test/resources/algorithm/priority-vectors.csv hold both to the same results.
-- ln 2 as a literal: the library's top level runs where math is not yet available.
local LN_2 = 0.69314718055994530942

local function scoreAfterRequest(score, now, halfLife)
  local current = now / halfLife
  if score == nil then
    return current
  end
  local high, low = math.max(score, current), math.min(score, current)
  return high + math.log(1 + 2 ^ (low - high)) / LN_2
end

-- A score as Redis stores it: every digit a double has, so ZADD and HSET keep it exactly.
local function formatScore(score)
  return string.format('%.17g', score)
end

-- The partition's indexes, from seven consecutive KEYS starting at first:
--   priority  sorted set: image key -> eviction priority (lowest leaves first)
--   expiry    sorted set: image key -> when Redis expires the image hash, ms
--   refresh   sorted set: image key -> when the image falls due for an early refresh, ms
--   sizes     hash:       image key -> the bytes the image counts against the budget
--   bytes     string:     the sum of sizes, the partition's used bytes
--   history   hash:       image key -> '<exposure ms>:<changes>', the change history of every image held and
--                         of as many gone ones (evicted or expired) as are held, so a returning image keeps it
--   departed  sorted set: image key -> when a remembered image left, ms (the oldest is forgotten first)
local function indexKeysFrom(keys, first)
  return { priority = keys[first], expiry = keys[first + 1], refresh = keys[first + 2], sizes = keys[first + 3],
    bytes = keys[first + 4], history = keys[first + 5], departed = keys[first + 6] }
end

-- Records an image's change history; a held image is not among the departed.
local function rememberHistory(index, key, exposure, changes)
  redis.call('HSET', index.history, key, (exposure or 0) .. ':' .. (changes or 0))
  redis.call('ZREM', index.departed, key)
end

-- The most departed images one departure forgets. Each departure adds at most one, so while the departed are no
-- more than the images held they stay so; an excess left when held images vanish without departing (a negative
-- entry replacing one, a lost priority index) shrinks by FORGET_PER_DEPARTURE - 1 per departure and by up to
-- pansaar.scheduler.batch-size per scheduler tick (pansaar_evict), so "as many as are held" lags by at most that
-- excess, draining. A constant, so no call's work depends on how large the excess has grown.
local FORGET_PER_DEPARTURE = 16

-- Forgets the histories of the oldest departed images beyond as many as are held, at most limit of them, one
-- HDEL each: the number forgotten comes from data, so it is never unpacked into one command's arguments.
-- Returns how many were forgotten.
local function forgetExcessDeparted(index, limit)
  local excess = redis.call('ZCARD', index.departed) - math.max(1, redis.call('ZCARD', index.priority))
  if excess <= 0 or limit <= 0 then
    return 0
  end
  local forgotten = redis.call('ZRANGE', index.departed, 0, math.min(excess, limit) - 1)
  for _, key in ipairs(forgotten) do
    redis.call('HDEL', index.history, key)
  end
  redis.call('ZREMRANGEBYRANK', index.departed, 0, #forgotten - 1)
  return #forgotten
end

-- Marks an image as gone, keeping its history, and forgets the oldest departed images beyond as many as are held.
local function departed(index, key, now)
  if redis.call('HEXISTS', index.history, key) == 1 then
    redis.call('ZADD', index.departed, now, key)
  end
  forgetExcessDeparted(index, FORGET_PER_DEPARTURE)
end

-- Forgets an image's history entirely (the origin says it does not exist).
local function forgetHistory(index, key)
  redis.call('HDEL', index.history, key)
  redis.call('ZREM', index.departed, key)
end

-- The image key inside an image hash's name pansaar:{p}:img:<key>; nil for any other name.
local function keyOfImage(imageHash)
  return string.match(imageHash, '^pansaar:{%d+}:img:(.+)$')
end

-- The name of an image hash of the same partition as an index key: both share the pansaar:{p}: prefix.
local function imageKeyBeside(indexKey, key)
  return string.match(indexKey, '^(pansaar:{%d+}:)') .. 'img:' .. key
end

-- Whether a used-bytes counter holds a byte count INCRBY goes on from: 0, or up to 18 digits without a leading zero
-- (a count never needs more). Not one: GET's false for a missing key, a negative number (sizes are never negative),
-- anything else written by hand.
local function isCount(value)
  return type(value) == 'string' and #value <= 18 and (value == '0' or string.match(value, '^[1-9]%d*$') ~= nil)
end

-- The partition's used bytes; 0 while the counter is missing or damaged, until pansaar_repair rebuilds it.
local function usedBytes(index)
  local used = redis.call('GET', index.bytes)
  if isCount(used) then
    return tonumber(used)
  end
  return 0
end

-- Adds delta to the partition's used bytes. A missing counter is created only while the partition holds no image:
-- one lost while images are held (evicted under an allkeys-* policy, deleted by hand) stays missing, so
-- pansaar_repair sees the loss and rebuilds the counter from the image hashes, rather than a write restarting it
-- from this one image's delta, a wrong count no cheap check could tell from a right one. A counter that holds no
-- byte count is left alone too: pansaar_repair sees it as long as it stays so, and no write fails on it after it
-- has written the image.
local function addUsedBytes(index, delta)
  local used = redis.call('GET', index.bytes)
  if isCount(used) or (not used and redis.call('ZCARD', index.priority) == 0) then
    redis.call('INCRBY', index.bytes, delta)
  end
end

-- Records a written image in every index, correcting the used bytes by the change in its size.
local function indexImage(index, key, size, priority, expiresAt, refreshAt)
  -- nil, not 0, when absent: an image of 0 bytes is filed in sizes too, so sizes and priority hold the same images.
  local previous = tonumber(redis.call('HGET', index.sizes, key))
  if previous ~= size then
    addUsedBytes(index, size - (previous or 0))
    redis.call('HSET', index.sizes, key, size)
  end
  redis.call('ZADD', index.priority, priority, key)
  redis.call('ZADD', index.expiry, expiresAt, key)
  redis.call('ZADD', index.refresh, refreshAt, key)
end

-- Removes an image from every index and its size from the used bytes; the hash itself is the caller's business.
local function unindexImage(index, key)
  local size = tonumber(redis.call('HGET', index.sizes, key))
  if size then
    addUsedBytes(index, -size)
    redis.call('HDEL', index.sizes, key)
  end
  redis.call('ZREM', index.priority, key)
  redis.call('ZREM', index.expiry, key)
  redis.call('ZREM', index.refresh, key)
end

-- Unindexes an image whose hash is gone (expired, evicted, or never an ok copy), remembering its history.
local function unindexGone(index, key, now)
  unindexImage(index, key)
  departed(index, key, now)
end

-- Unindexes up to limit images whose hash Redis has expired (or someone deleted) by now, so the used bytes
-- count only images that exist. One whose hash lives on had its TTL changed outside Pansaar: it is re-filed
-- under its real expiry. Returns how many were unindexed.
local function sweepExpired(index, statsKey, now, limit)
  local swept = 0
  local due = redis.call('ZRANGEBYSCORE', index.expiry, '-inf', now, 'LIMIT', 0, limit)
  for _, key in ipairs(due) do
    local ttl = redis.call('PTTL', imageKeyBeside(index.expiry, key))
    if ttl == -2 then
      unindexGone(index, key, now)
      swept = swept + 1
    elseif ttl == -1 then
      redis.call('ZADD', index.expiry, '+inf', key)
    else
      redis.call('ZADD', index.expiry, now + ttl, key)
    end
  end
  if swept > 0 then
    redis.call('HINCRBY', statsKey, 'expired', swept)
  end
  return swept
end

-- Deletes the lowest-priority images, up to limit, while the used bytes exceed the budget; never the image
-- named keep (the one just written). Returns how many were evicted.
local function evictOverBudget(index, statsKey, budget, limit, keep, now)
  local evicted = 0
  while evicted < limit and usedBytes(index) > budget do
    local lowest = redis.call('ZRANGE', index.priority, 0, 1)
    local victim = lowest[1]
    if victim == keep then
      victim = lowest[2]
    end
    if not victim then
      break
    end
    redis.call('DEL', imageKeyBeside(index.priority, victim))
    unindexGone(index, victim, now)
    evicted = evicted + 1
  end
  if evicted > 0 then
    redis.call('HINCRBY', statsKey, 'evicted', evicted)
  end
  return evicted
end

-- Fails unless the partition's scheduler lease is held by this holder.
local function requireLease(leaseKey, holder)
  local current = redis.call('GET', leaseKey)
  if current ~= holder then
    fail('NOT_LEASE_HOLDER', 'the lease ' .. leaseKey .. ' is held by ' .. tostring(current or 'nobody')
      .. ', not by ' .. holder)
  end
end
