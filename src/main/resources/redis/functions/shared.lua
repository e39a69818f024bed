-- Shared helpers of the pansaar library. This file registers no function: the loader places it
-- first and outside any do...end block, so its locals are visible to every function file.
--
-- Errors raised here, as redis.error_reply('PANSAAR_<CODE> message'), mapped by io.pansaar.redis.FunctionError:
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

-- The image hash pansaar:{p}:img:<key> holds two fields: body, the image's bytes, and meta, every other value of the
-- copy packed into one string: the values of META_FIELDS in this order, each followed by a line feed but the last,
-- trailing empty values left off, an absent value empty. Twenty fields of their own would cost Redis about 70 bytes
-- each, as a hash whose body is longer than hash-max-listpack-value is a hash table; packed they cost one. The order
-- puts first what a reader's HMGET needs, and keeps hits, access-score and last-access side by side: recordRequests
-- replaces the three in place. The Java twin is io.pansaar.store.ImageLayout; the vectors in
-- src/test/resources/store/meta-vectors.txt hold both to the same encoding.
local META_FIELDS = { 'status', 'fresh-until', 'content-type', 'etag', 'digest', 'grace-until', 'origin-failed-at',
  'stale-if-error-until', 'fence', 'fetched-at', 'fresh-ttl', 'hits', 'access-score', 'last-access', 'size',
  'fetch-ms', 'size-term', 'half-life', 'exposure', 'changes', 'last-modified' }

-- The fields a writer stages beside body in the staging hash; pansaar_put moves them into meta.
local STAGED_FIELDS = { 'content-type', 'etag', 'last-modified', 'size', 'fetch-ms', 'digest', 'size-term',
  'half-life', 'exposure', 'changes' }

-- The values of meta as a table, field name -> value, an empty value left out. One gmatch over the string: reads
-- and folds decode meta on every call, so it stays a single pass in C.
local function decodeMeta(text)
  local fields, position = {}, 1
  for value in string.gmatch(text .. '\n', '([^\n]*)\n') do
    local name = META_FIELDS[position]
    if not name then
      break
    end
    if value ~= '' then
      fields[name] = value
    end
    position = position + 1
  end
  return fields
end

-- meta packed from a table of field name -> value (strings or numbers; nil, false or '' for an absent one). Values
-- from outside (the origin's headers) pass through oneLine first, where they are written.
local function encodeMeta(fields)
  local values, last = {}, 0
  for i = 1, #META_FIELDS do
    local value = fields[META_FIELDS[i]]
    if value == nil or value == false or value == '' then
      values[i] = ''
    else
      values[i] = tostring(value)
      last = i
    end
  end
  return table.concat(values, '\n', 1, last)
end

-- A value as meta can hold it: a header value never holds a line feed, but should an origin's ever do, a space keeps
-- the fields apart.
local function oneLine(value)
  if value and string.find(value, '\n', 1, true) then
    return (string.gsub(value, '\n', ' '))
  end
  return value
end

-- The decoded meta of an image hash; nil when the hash is missing or holds no meta. A hash without meta was written
-- by a deployment of API 5 or older, one field per value: it counts as no copy, so a read enqueues a fetch whose
-- write replaces it whole.
local function readMeta(imageKey)
  local text = redis.call('HGET', imageKey, 'meta')
  if not text then
    return nil
  end
  return decodeMeta(text)
end

local function writeMeta(imageKey, fields)
  redis.call('HSET', imageKey, 'meta', encodeMeta(fields))
end

-- Each meta field's position in META_FIELDS.
local META_POSITION = {}
for position = 1, #META_FIELDS do
  META_POSITION[META_FIELDS[position]] = position
end

-- Where each of meta's values lies, found without copying any: value i runs from starts[i] to stops[i]; count is
-- how many values the string holds.
local function metaBounds(text)
  local starts, stops, count, position = {}, {}, 0, 1
  while count < #META_FIELDS do
    count = count + 1
    starts[count] = position
    local stop = string.find(text, '\n', position, true)
    if not stop then
      stops[count] = #text
      break
    end
    stops[count] = stop - 1
    position = stop + 1
  end
  return starts, stops, count
end

-- An image hash's meta opened in place, for a call that reads a few values and records requests (pansaar_get, the
-- fold): each value is copied out only when asked for, as unpacking all 21 and packing them again costs a read
-- several times the HMGET and HSET of fields of their own. nil when the hash is missing or holds no meta.
local function openMeta(imageKey)
  local text = redis.call('HGET', imageKey, 'meta')
  if not text then
    return nil
  end
  local starts, stops, count = metaBounds(text)
  return { text = text, starts = starts, stops = stops, count = count }
end

-- One value of an opened meta; false when absent, as HMGET answers for a missing field.
local function metaValue(opened, name)
  local position = META_POSITION[name]
  if position > opened.count then
    return false
  end
  local value = string.sub(opened.text, opened.starts[position], opened.stops[position])
  if value == '' then
    return false
  end
  return value
end

-- The values of the named meta fields in order, false where absent, as HMGET would answer for fields of their own.
local function metaValues(fields, names)
  local values = {}
  for i = 1, #names do
    values[i] = (fields and fields[names[i]]) or false
  end
  return values
end

-- What an image counts against the memory budget: its body's bytes and what Redis spends beside them on the image,
-- measured by MemoryPerImageBenchmarkIT (docs/benchmarks.md): the image hash's name, its hash table and meta, and its
-- entries in the priority, expiry and refresh sorted sets and the sizes and history hashes, all told
-- IMAGE_OVERHEAD_BYTES plus KEY_COPIES times the key's length, as the key is held six times. The Java twin is
-- io.pansaar.store.ImageLayout.chargedBytes.
local IMAGE_OVERHEAD_BYTES = 1100
local KEY_COPIES = 6

local function chargedBytes(key, size)
  return size + IMAGE_OVERHEAD_BYTES + KEY_COPIES * #key
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

-- The fence stored with the image (its decoded meta, or nil) when it is greater than the writer's, so the write must
-- lose; else nil.
local function newerFence(meta, fence)
  local current = tonumber(meta and meta.fence)
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

-- Pansaar's access score after requests more requests at now (ms), all dated now, for a half-life in ms:
-- log2(2^score + requests * 2^(now/h)), computed without overflow. The Java twin is
-- io.pansaar.algorithm.AccessPriority.afterRequests; the test vectors in
-- src/test/resources/algorithm/priority-vectors.csv hold both to the same results.
-- ln 2 as a literal: the library's top level runs where math is not yet available.
local LN_2 = 0.69314718055994530942

local function scoreAfterRequests(score, now, halfLife, requests)
  -- requests * 2^(now/h) = 2^(now/h + log2 requests); log2 1 is exactly 0.
  local arrived = now / halfLife + math.log(requests) / LN_2
  if score == nil then
    return arrived
  end
  local high, low = math.max(score, arrived), math.min(score, arrived)
  return high + math.log(1 + 2 ^ (low - high)) / LN_2
end

local function scoreAfterRequest(score, now, halfLife)
  return scoreAfterRequests(score, now, halfLife, 1)
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

-- The most values one command is given from a list: Lua's unpack() fails at about 8,000, and a list's length may come
-- from a caller's limit. The scheduler's calls stay far below it.
local UNPACK_CHUNK = 256

-- Calls command on key (nil: on the values alone, as UNLINK takes them) with the values of list, UNPACK_CHUNK at a
-- time, and nothing when list is empty. Returns the replies joined in order, for a command that replies with one
-- value per value given (HMGET); an empty list for others.
local function callWithList(command, key, list)
  local joined = {}
  for first = 1, #list, UNPACK_CHUNK do
    local last = math.min(#list, first + UNPACK_CHUNK - 1)
    local reply
    if key then
      reply = redis.call(command, key, unpack(list, first, last))
    else
      reply = redis.call(command, unpack(list, first, last))
    end
    if type(reply) == 'table' then
      for position = 1, last - first + 1 do
        joined[#joined + 1] = reply[position]
      end
    end
  end
  return joined
end

-- The most departed images one departure forgets. Each departure adds at most one, so while the departed are no
-- more than the images held they stay so; an excess left when held images vanish without departing (a negative
-- entry replacing one, a lost priority index) shrinks by FORGET_PER_DEPARTURE - 1 per departure and by up to
-- pansaar.scheduler.batch-size per scheduler tick (pansaar_evict), so "as many as are held" lags by at most that
-- excess, draining. A constant, so no call's work depends on how large the excess has grown.
local FORGET_PER_DEPARTURE = 16

-- Forgets the histories of the oldest departed images beyond as many as are held, at most limit of them: one ZRANGE,
-- one HDEL and one ZREMRANGEBYRANK however many. Returns how many were forgotten.
local function forgetExcessDeparted(index, limit)
  local excess = redis.call('ZCARD', index.departed) - math.max(1, redis.call('ZCARD', index.priority))
  if excess <= 0 or limit <= 0 then
    return 0
  end
  local forgotten = redis.call('ZRANGE', index.departed, 0, math.min(excess, limit) - 1)
  callWithList('HDEL', index.history, forgotten)
  redis.call('ZREMRANGEBYRANK', index.departed, 0, #forgotten - 1)
  return #forgotten
end

-- Marks images as gone, keeping the histories of those that have one, and forgets the oldest departed images beyond
-- as many as are held, up to FORGET_PER_DEPARTURE per image.
local function departedAll(index, keys, now)
  local histories = callWithList('HMGET', index.history, keys)
  local scored = {}
  for position = 1, #keys do
    if histories[position] then
      scored[#scored + 1] = now
      scored[#scored + 1] = keys[position]
    end
  end
  callWithList('ZADD', index.departed, scored)
  forgetExcessDeparted(index, FORGET_PER_DEPARTURE * #keys)
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

-- The pansaar:{p}: prefix every key of a partition starts with, taken from one of them.
local function partitionPrefixOf(partitionKey)
  return string.match(partitionKey, '^(pansaar:{%d+}:)')
end

-- The start of the names of the image hashes of the same partition as an index key, pansaar:{p}:img:, to which an
-- image key is appended. Worked out once per call, not once per image.
local function imageHashPrefixBeside(indexKey)
  return partitionPrefixOf(indexKey) .. 'img:'
end

-- The name of an image hash of the same partition as an index key.
local function imageKeyBeside(indexKey, key)
  return imageHashPrefixBeside(indexKey) .. key
end

-- Records requests of an ok copy, all dated now, in its opened meta: hits raised by hitsAdded, last-access, and under
-- Pansaar's Algorithm (the copy has a half-life) the access score, and in the priority index the eviction priority,
-- the score less the size term. hits, access-score and last-access lie side by side in META_FIELDS, so they are
-- replaced in the string as it is, without unpacking the other values; a meta holding fewer values is unpacked and
-- packed whole.
local function recordRequests(imageKey, opened, priorityKey, key, requests, hitsAdded, now)
  local hits = (tonumber(metaValue(opened, 'hits')) or 0) + hitsAdded
  local score = metaValue(opened, 'access-score')
  local halfLife = tonumber(metaValue(opened, 'half-life'))
  if halfLife then
    local after = scoreAfterRequests(tonumber(score), now, halfLife, requests)
    score = formatScore(after)
    redis.call('ZADD', priorityKey, 'XX', formatScore(after - (tonumber(metaValue(opened, 'size-term')) or 0)), key)
  end
  local first, last = META_POSITION['hits'], META_POSITION['last-access']
  if opened.count < last then
    local fields = decodeMeta(opened.text)
    fields['hits'] = hits
    fields['access-score'] = score
    fields['last-access'] = now
    writeMeta(imageKey, fields)
    return
  end
  local text = opened.text
  redis.call('HSET', imageKey, 'meta', string.sub(text, 1, opened.starts[first] - 1) .. hits .. '\n' .. (score or '')
    .. '\n' .. now .. string.sub(text, opened.stops[last] + 1))
end

-- Folds requests that waited in the partition's hit counter (pansaar:{p}:hits, where readers count a hit with a
-- plain HINCRBY) into the image they asked for: its hits, access score and priority, dated now. Returns the
-- statistics counter they belong to: 'negative-hits' when the key holds a remembered 404/410, else 'hits' (also
-- when the copy has left since: it was served). A negative count is a correction of a request that pansaar_get
-- counted itself after the reader's HINCRBY was folded: it only corrects the statistics.
local function foldRequests(priorityKey, key, requests, now)
  local imageKey = imageKeyBeside(priorityKey, key)
  local opened = openMeta(imageKey)
  if opened and metaValue(opened, 'status') ~= 'ok' then
    return 'negative-hits'
  end
  if opened and requests > 0 then
    recordRequests(imageKey, opened, priorityKey, key, requests, requests, now)
  end
  return 'hits'
end

-- The partition's hit counter, pansaar:{p}:hits, beside one of its index keys.
local function hitsKeyBeside(indexKey)
  return partitionPrefixOf(indexKey) .. 'hits'
end

-- Folds the requests waiting for one image, as the caller read them from the hit counter (nil or false: none),
-- removing them from it; returns whether there were any. Eviction calls it on each candidate, so a copy in demand
-- never leaves for want of a fold.
local function foldWaitingRequests(hitsKey, statsKey, priorityKey, key, waiting, now)
  waiting = tonumber(waiting)
  if not waiting or waiting == 0 then
    return false
  end
  redis.call('HDEL', hitsKey, key)
  redis.call('HINCRBY', statsKey, foldRequests(priorityKey, key, waiting, now), waiting)
  return waiting > 0
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
-- has written the image. Returns the used bytes after the change, or nil when the counter was left alone.
local function addUsedBytes(index, delta)
  local used = redis.call('GET', index.bytes)
  if isCount(used) or (not used and redis.call('ZCARD', index.priority) == 0) then
    return redis.call('INCRBY', index.bytes, delta)
  end
  return nil
end

-- Records a written image in every index, correcting the used bytes by the change in its size. Returns the used bytes
-- after, or nil when this call did not change them (the size filed was the same, or the counter is left alone).
-- noCopy: the caller found no copy of the image, so it is almost never in sizes either; HSETNX then files its size
-- and says it was not there in one command, where reading the previous size first takes two.
local function indexImage(index, key, size, priority, expiresAt, refreshAt, noCopy)
  local used
  if noCopy and redis.call('HSETNX', index.sizes, key, size) == 1 then
    used = addUsedBytes(index, size)
  else
    -- nil, not 0, when absent: an image of 0 bytes is filed in sizes too, so sizes and priority hold the same images.
    local previous = tonumber(redis.call('HGET', index.sizes, key))
    if previous ~= size then
      used = addUsedBytes(index, size - (previous or 0))
      redis.call('HSET', index.sizes, key, size)
    end
  end
  redis.call('ZADD', index.priority, priority, key)
  redis.call('ZADD', index.expiry, expiresAt, key)
  redis.call('ZADD', index.refresh, refreshAt, key)
  return used
end

-- Removes images from every index and their sizes from the used bytes, a few commands for all of them (each O(log n)
-- per image); the hashes are the caller's business. sizes, when given, are the images' entries in the sizes hash, as
-- HMGET returned them.
local function unindexImages(index, keys, sizes)
  if #keys == 0 then
    return
  end
  sizes = sizes or callWithList('HMGET', index.sizes, keys)
  local sized, freed = false, 0
  for position = 1, #keys do
    local size = tonumber(sizes[position])
    if size then
      sized = true
      freed = freed + size
    end
  end
  if sized then
    addUsedBytes(index, -freed)
    callWithList('HDEL', index.sizes, keys)
  end
  callWithList('ZREM', index.priority, keys)
  callWithList('ZREM', index.expiry, keys)
  callWithList('ZREM', index.refresh, keys)
end

-- Removes an image from every index and its size from the used bytes; the hash itself is the caller's business.
local function unindexImage(index, key)
  unindexImages(index, { key })
end

-- Unindexes images whose hashes are gone (expired, evicted, or never an ok copy), remembering their histories.
local function unindexGoneAll(index, keys, now, sizes)
  if #keys == 0 then
    return
  end
  unindexImages(index, keys, sizes)
  departedAll(index, keys, now)
end

-- Unindexes an image whose hash is gone (expired, evicted, or never an ok copy), remembering its history.
local function unindexGone(index, key, now)
  unindexGoneAll(index, { key }, now)
end

-- Unindexes up to limit images whose hash Redis has expired (or someone deleted) by now, so the used bytes
-- count only images that exist. One whose hash lives on had its TTL changed outside Pansaar: it is re-filed
-- under its real expiry. Returns how many were unindexed.
local function sweepExpired(index, statsKey, now, limit)
  local gone = {}
  local due = redis.call('ZRANGEBYSCORE', index.expiry, '-inf', now, 'LIMIT', 0, limit)
  local imageHashPrefix = imageHashPrefixBeside(index.expiry)
  for _, key in ipairs(due) do
    local ttl = redis.call('PTTL', imageHashPrefix .. key)
    if ttl == -2 then
      gone[#gone + 1] = key
    elseif ttl == -1 then
      redis.call('ZADD', index.expiry, '+inf', key)
    else
      redis.call('ZADD', index.expiry, now + ttl, key)
    end
  end
  if #gone > 0 then
    unindexGoneAll(index, gone, now)
    redis.call('HINCRBY', statsKey, 'expired', #gone)
  end
  return #gone
end

-- Deletes the lowest-priority images, up to limit, while the used bytes exceed the budget; never the image
-- named keep (the one just written). The candidates come from one ZRANGE, their sizes and waiting hits from one
-- HMGET each; the victims are then unindexed together and their hashes unlinked. Returns how many were evicted.
local function evictOverBudget(index, statsKey, budget, limit, keep, now)
  local excess = usedBytes(index) - budget
  if excess <= 0 or limit <= 0 then
    return 0
  end
  -- One more than limit, in case keep is among the lowest.
  local ranked = redis.call('ZRANGE', index.priority, 0, limit, 'WITHSCORES')
  local lowest, lowestScores = {}, {}
  for i = 1, #ranked, 2 do
    lowest[#lowest + 1] = ranked[i]
    lowestScores[#lowest] = tonumber(ranked[i + 1])
  end
  local lowestSizes = callWithList('HMGET', index.sizes, lowest)
  local hitsKey = hitsKeyBeside(index.priority)
  local lowestWaiting = callWithList('HMGET', hitsKey, lowest)
  local imageHashPrefix = imageHashPrefixBeside(index.priority)
  local victims, victimSizes, hashes = {}, {}, {}
  local folded = 0
  -- Candidates whose waiting hits were folded in, with their new priority: each leaves as soon as it ranks at or
  -- below the next candidate, as a choice made anew after the fold would take it.
  local refolded = {}
  local function choose(key, size)
    victims[#victims + 1] = key
    victimSizes[#victims] = size
    hashes[#victims] = imageHashPrefix .. key
    -- An image missing from sizes frees nothing the counter knows of, as its unindexing subtracts nothing.
    excess = excess - (tonumber(size) or 0)
  end
  local function chooseRefoldedAtOrBelow(priority)
    table.sort(refolded, function(a, b) return a.priority < b.priority end)
    while #refolded > 0 and refolded[1].priority <= priority and #victims < limit and excess > 0 do
      local candidate = table.remove(refolded, 1)
      choose(candidate.key, candidate.size)
    end
  end
  for position, key in ipairs(lowest) do
    if #victims == limit or excess <= 0 or folded >= limit then
      break
    end
    if key ~= keep then
      chooseRefoldedAtOrBelow(lowestScores[position])
      if #victims == limit or excess <= 0 then
        break
      end
      -- A candidate whose hits still wait in the counter is ranked anew with them first; at most limit of those
      -- per call. What this call leaves undecided, the next call chooses among the ranks as they are then.
      if foldWaitingRequests(hitsKey, statsKey, index.priority, key, lowestWaiting[position], now) then
        folded = folded + 1
        refolded[#refolded + 1] = { key = key, size = lowestSizes[position],
          priority = tonumber(redis.call('ZSCORE', index.priority, key)) }
      else
        choose(key, lowestSizes[position])
      end
    end
  end
  if #victims == 0 then
    return 0
  end
  callWithList('UNLINK', nil, hashes)
  unindexGoneAll(index, victims, now, victimSizes)
  redis.call('HINCRBY', statsKey, 'evicted', #victims)
  return #victims
end

-- Fails unless the partition's scheduler lease is held by this holder.
local function requireLease(leaseKey, holder)
  local current = redis.call('GET', leaseKey)
  if current ~= holder then
    fail('NOT_LEASE_HOLDER', 'the lease ' .. leaseKey .. ' is held by ' .. tostring(current or 'nobody')
      .. ', not by ' .. holder)
  end
end
