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

-- refresh: on the job stream for a stale read; the scheduler's early refreshes go on pansaar:{p}:early-refresh, which
-- runs only with the capacity misses leave.
-- warm: a warm-up job, on the warm stream pansaar:{p}:warm; it runs only with the capacity misses and early
-- refreshes leave.
local REASONS = { miss = true, refresh = true, manual = true, warm = true }

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

-- The half-life a call counts requests with, in ms: a positive number, or nil when the argument is empty or absent (each
-- image's own).
local function optionalHalfLife(value)
  if value == nil or value == '' then
    return nil
  end
  local halfLife = tonumber(value)
  -- halfLife ~= halfLife is NaN, which tonumber accepts from 'nan'.
  if halfLife == nil or halfLife ~= halfLife or halfLife <= 0 or halfLife == math.huge then
    fail('BAD_ARGUMENT', 'half-life must be a positive number of ms, was "' .. value .. '"')
  end
  return halfLife
end

-- The bounds of a half-life in ms and of a newcomer penalty in half-lives that pansaar_tune stores, those start-up puts
-- on pansaar.priority.half-life and .newcomer-penalty (the Java twin is io.pansaar.redis.function.Tuning): within
-- them every rank in ms lies far above RANKS_IN_MS_FROM, below which eviction takes a rank for one in half-lives.
local MIN_TUNED_HALF_LIFE = 1000
local MAX_TUNED_HALF_LIFE = 30 * 24 * 3600 * 1000
local MAX_TUNED_NEWCOMER_PENALTY = 64
-- The bounds of a tuned probation share, those of its tuner (io.pansaar.simulator.policy.PartitionTuner's
-- MIN_PROBATION_SHARE and MAX_PROBATION_SHARE): a quarter of S3-FIFO's 10% to 40% of the budget.
local MIN_TUNED_PROBATION_SHARE = 0.025
local MAX_TUNED_PROBATION_SHARE = 0.4

-- The newcomer penalty a call dates a new image's request back by, in half-lives: a number, 0 or more; 0 when the
-- argument is empty or absent.
local function optionalNewcomerPenalty(value)
  if value == nil or value == '' then
    return 0
  end
  local penalty = tonumber(value)
  -- penalty ~= penalty is NaN, which tonumber accepts from 'nan'.
  if penalty == nil or penalty ~= penalty or penalty < 0 or penalty == math.huge then
    fail('BAD_ARGUMENT', 'newcomer penalty must be a number of half-lives, 0 or more, was "' .. value .. '"')
  end
  return penalty
end

local function requireReason(value)
  if not REASONS[value] then
    fail('BAD_ARGUMENT', 'reason must be miss, refresh, manual or warm, was "' .. tostring(value) .. '"')
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

-- A meta value as a number to compute with: a finite decimal, as this library and the worker write them; nil for
-- anything else (absent, empty, 'inf', 'nan', hex, or text written by hand or by another tool), which each caller
-- reads as not known. Lua's tonumber alone takes 'inf', 'nan' and '0x10': they would reach ZADD (which refuses NaN),
-- replies the worker cannot parse, and the partition's fence counter, which a fence of 'inf' left unusable for every
-- claim after it.
local function metaNumber(text)
  local number = tonumber(text)
  if number == nil or number ~= number or number == math.huge or number == -math.huge
      or string.find(text, '[xXnN]') then
    return nil
  end
  return number
end

-- A meta status as a copy holds it: 'ok', or the origin's status code of a remembered 404/410 (three digits); nil for
-- anything else, absent or mangled, which counts as no copy, so that a read's fetch writes the image anew.
local function copyStatus(text)
  if text == 'ok' or (text and string.match(text, '^%d%d%d$')) then
    return text
  end
  return nil
end

-- A meta value that is a time in ms, a count or a fence: a whole number within a double's exact integers; nil for
-- anything else, as metaNumber.
local function metaWholeNumber(text)
  local number = metaNumber(text)
  if number == nil or number ~= math.floor(number) or math.abs(number) > 2 ^ 53 then
    return nil
  end
  return number
end

-- A meta half-life in ms: a positive finite number; nil for anything else, as metaNumber. A score counts in half-lives
-- of it, so one of 0 or below would divide by nothing.
local function metaHalfLife(text)
  local halfLife = metaNumber(text)
  if halfLife == nil or halfLife <= 0 then
    return nil
  end
  return halfLife
end

-- What an image counts against the memory budget: its body's bytes and what Redis spends beside them on the image,
-- measured by MemoryPerImageBenchmarkIT (docs/benchmarks.md): the image hash's name, its hash table and meta, and its
-- entries in the priority, schedule and keys sorted sets and the history hash, all told IMAGE_OVERHEAD_BYTES plus
-- KEY_COPIES times the key's length, as the key is held five times. The Java twin is
-- io.pansaar.store.ImageLayout.chargedBytes.
local IMAGE_OVERHEAD_BYTES = 1053
local KEY_COPIES = 5

local function chargedBytes(key, size)
  return size + IMAGE_OVERHEAD_BYTES + KEY_COPIES * #key
end

-- Single-flight: enqueues one job unless a marker says a job for the key is queued or being fetched. Without a token
-- it makes one, starting with tokenPrefix when given (see LOWER_LANE_TOKEN_PREFIX).
-- Returns enqueued (1 or 0), then the job id and token when enqueued, or the marker's value when not.
local function enqueueOnce(markerKey, jobStreamKey, tokenCounterKey, imageKey, reason, token, queuedTtl, now, tokenPrefix)
  local pending = redis.call('GET', markerKey)
  if pending then
    return 0, '', pending
  end
  if token == nil or token == '' then
    -- Unique within the partition: the counter lives in the same slot as the marker.
    token = (tokenPrefix or '') .. now .. '-' .. redis.call('INCR', tokenCounterKey)
  end
  redis.call('SET', markerKey, 'queued:' .. token, 'PX', queuedTtl)
  local jobId = redis.call('XADD', jobStreamKey, '*', 'key', imageKey, 'reason', reason,
    'requested-at', now, 'token', token)
  return 1, jobId, token
end

-- A job queued on a lower lane (a warm-up, an early refresh) carries a token that starts with this, so that a reader or
-- an operator who then needs the image can tell that waiting for it would mean waiting behind that lane's backlog.
local LOWER_LANE_TOKEN_PREFIX = 'lower-'

-- enqueueOnce for a job of the job streams' lane (a miss, a stale read's refresh, a manual request): when the job
-- pending for the key is queued on a lower lane, it enqueues one more on the job stream with a token of its own and
-- the marker names that one, so the caller waits for the first lane, not behind warm-ups. Single flight holds:
-- whichever of the two jobs is claimed first fetches; the other finds the marker 'fetching:' another token (BUSY)
-- or the copy it asked for written (SATISFIED). Same returns as enqueueOnce.
local function enqueueOnFirstLane(markerKey, jobStreamKey, tokenCounterKey, imageKey, reason, token, queuedTtl, now)
  local enqueued, jobId, tokenOrMarker = enqueueOnce(markerKey, jobStreamKey, tokenCounterKey, imageKey, reason, token,
    queuedTtl, now)
  if enqueued == 1 or string.sub(tokenOrMarker, 1, 7 + #LOWER_LANE_TOKEN_PREFIX) ~= 'queued:' .. LOWER_LANE_TOKEN_PREFIX then
    return enqueued, jobId, tokenOrMarker
  end
  redis.call('DEL', markerKey)
  return enqueueOnce(markerKey, jobStreamKey, tokenCounterKey, imageKey, reason, token, queuedTtl, now)
end

-- The fence stored with the image (its decoded meta, or nil) when it is greater than the writer's, so the write must
-- lose; else nil.
local function newerFence(meta, fence)
  local current = metaWholeNumber(meta and meta.fence)
  if current ~= nil and current > fence then
    return current
  end
  return nil
end

-- The purge record beside an image hash pansaar:{p}:img:<key>: pansaar:{p}:purged:<key>, the fence pansaar_purge took
-- while a fetch of the image was in flight, kept for as long as that fetch's lease lasts. nil for any other name.
local function purgeRecordOf(imageKey)
  local tag, key = string.match(imageKey, '^(pansaar:{%d+}:)img:(.+)$')
  return tag and (tag .. 'purged:' .. key) or nil
end

-- The fence that refuses a write carrying fence: the stored copy's when it is greater (a newer claim wrote), or a
-- purge's taken after the write's claim (the fetch began before the purge, so its bytes may be the purged content);
-- nil when the write may go ahead. meta is the image's decoded meta, or nil.
local function refusingFence(imageKey, meta, fence)
  local stored = newerFence(meta, fence)
  if stored then
    return stored
  end
  local record = purgeRecordOf(imageKey)
  local purged = record and tonumber(redis.call('GET', record))
  if purged and purged > fence then
    return purged
  end
  return nil
end

-- The job entry a write finishes, from its stream key, group and entry id; nil when no stream is given, or a stream
-- with neither group nor entry id (a caller that names the stream only to reach the keys after it).
local function finishedJob(streamKey, group, entryId)
  if streamKey == nil or streamKey == '' or ((group == nil or group == '') and (entryId == nil or entryId == '')) then
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

-- The fresh-TTL buckets of the statistics: a copy written or extended with a fresh TTL counts once, in the first
-- bucket whose bound (ms) it does not exceed (fresh-ttl-le-<name>), or in fresh-ttl-over-30d. The dashboard shows
-- the spread of TTLs the algorithm chose from them, over every process, at one HINCRBY a write.
local FRESH_TTL_BUCKETS = {
  { '1m', 60000 }, { '10m', 600000 }, { '1h', 3600000 }, { '6h', 21600000 }, { '1d', 86400000 },
  { '7d', 604800000 }, { '30d', 2592000000 },
}

local function countFreshTtl(statsKey, freshTtl)
  for _, bucket in ipairs(FRESH_TTL_BUCKETS) do
    if freshTtl <= bucket[2] then
      return count(statsKey, 'fresh-ttl-le-' .. bucket[1])
    end
  end
  count(statsKey, 'fresh-ttl-over-30d')
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

-- A number for a worker's reply: formatted as formatScore does when it is finite, '' otherwise (nil, an infinity or
-- NaN, from a meta value mangled by hand), which the worker reads as unknown rather than failing to parse.
local function finiteNumberText(number)
  if number ~= nil and number > -math.huge and number < math.huge then
    return formatScore(number)
  end
  return ''
end

-- An access score is counted in half-lives of the half-life it was last updated with, which meta keeps beside it.
-- The same score in half-lives of another: score·from/to keeps score·h, the time in ms at which the image's decayed
-- count falls to one request, so an image whose half-life changes keeps the moment it goes cold. The Java twin is
-- io.pansaar.algorithm.AccessPriority.inHalfLife; src/test/resources/algorithm/rank-vectors.csv holds both to it. A
-- score stays as it is when either half-life is not known (nil).
local function scoreInHalfLife(score, fromHalfLife, toHalfLife)
  if score == nil or fromHalfLife == nil or toHalfLife == nil or fromHalfLife == toHalfLife then
    return score
  end
  return score * fromHalfLife / toHalfLife
end

-- An image's rank in the priority index, in ms: h·(score - size term), when its decayed count per byte^a falls to
-- one. Ranks in ms keep images of different half-lives in one order, so the half-life can change while the index
-- holds images ranked with the old one. The Java twin is io.pansaar.algorithm.AccessPriority.rank.
local function rankOf(score, sizeTerm, halfLife)
  return formatScore(halfLife * (score - sizeTerm))
end

-- Ranks from this up are the probationary stage's (docs/algorithm.md, "Probation"). With a probation share above 0 a
-- new image, one the partition neither holds nor remembers, enters the priority index at PROBATION_RANKS_FROM plus its
-- admission time in ms, above every rank in ms (those lie near now, about 2^40), so the stage is a FIFO at the top of
-- the index: main's eviction, which takes the lowest ranks, never meets it, and the stage's oldest image is its lowest
-- rank there. Images admitted within one ms leave in key order. 2^52 plus any time in ms before the year 140,000 is a
-- whole number below 2^53, which a double, and so a sorted set's score, holds exactly.
local PROBATION_RANKS_FROM = 2 ^ 52

-- Whether a rank (a number, or nil for an image the index does not hold) is on probation.
local function onProbation(rank)
  return rank ~= nil and rank >= PROBATION_RANKS_FROM
end

-- How many images the partition holds on probation (its priority index beside any key of it): one ZCOUNT, O(log n).
local function imagesOnProbation(index)
  return redis.call('ZCOUNT', index.priority, formatScore(PROBATION_RANKS_FROM), '+inf')
end

-- The rank an image admitted on probation at admittedAt (ms) holds while it waits there.
local function probationRank(admittedAt)
  return formatScore(PROBATION_RANKS_FROM + admittedAt)
end

-- A probation share as an argument: a number in [0, 1) of the partition's byte budget, 0 (and empty or absent, a caller
-- of API 13 or older) turning the stage off, which lets any image still on probation leave it as eviction needs room.
local function optionalProbationShare(value)
  if value == nil or value == '' then
    return 0
  end
  local share = tonumber(value)
  if share == nil or not (share >= 0 and share < 1) then
    fail('BAD_ARGUMENT', 'probation share must be a number in [0, 1), was "' .. value .. '"')
  end
  return share
end

-- Ranks below this were written by API 10 or older, as score - size term in half-lives (at most now/h, a few 1e9 for
-- a half-life of a second or more); a rank in ms is near now, far above it (2^40 ms is 2004-11). Eviction ranks such
-- an image anew before it chooses (see rerankFromHalfLives).
local RANKS_IN_MS_FROM = 2 ^ 40

-- The partition's indexes, from six consecutive KEYS starting at first:
--   priority  sorted set: image key -> eviction priority (lowest leaves first)
--   schedule  sorted set: image key -> the next time the scheduler must look at the image, ms: when it falls due for
--                         an early refresh while that refresh is undecided, else when Redis expires its hash
--   bytes     string:     the partition's used bytes, the sum of the charged bytes of the images held
--   history   hash:       image key -> '<exposure ms>:<changes>:<charged bytes>' for every image held, and
--                         '<exposure ms>:<changes>', the change history alone, for as many gone ones (evicted or
--                         expired) as are held, so a returning image keeps its history
--   departed  sorted set: image key -> when a remembered image left, ms, images that left within one ms 1/1024 ms
--                         apart in the order they left (the oldest is forgotten first)
--   repair    hash:       only while pansaar_repair rebuilds the used bytes: its cursor, the bytes counted so far,
--                         and a field '#<image key>' for each image counted since the rebuild began
local function indexKeysFrom(keys, first)
  return { priority = keys[first], schedule = keys[first + 1], bytes = keys[first + 2], history = keys[first + 3],
    departed = keys[first + 4], repair = keys[first + 5] }
end

-- A history entry's parts: exposure and changes as stored (strings), and the charged bytes, a number while the image
-- is held, nil once it left (and for an entry written by API 6 or older, which held no charged bytes). Nothing for a
-- missing entry.
local function historyParts(entry)
  if not entry then
    return nil
  end
  local exposure, changes, charged = string.match(entry, '^([^:]*):([^:]*):?([^:]*)$')
  return exposure or '0', changes or '0', tonumber(charged)
end

-- The repair hash's field that says an image is counted in a rebuild under way; no image key starts with '#'.
local function countedField(key)
  return '#' .. key
end

local function countedFields(keys)
  local fields = {}
  for position = 1, #keys do
    fields[position] = countedField(keys[position])
  end
  return fields
end

-- Whether pansaar_repair is rebuilding the used bytes: from the start of a rebuild to its end, the count is kept in
-- the repair hash and holds only the images marked counted there.
local function rebuilding(index)
  return redis.call('EXISTS', index.repair) == 1
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

-- How far apart, in ms, departures are scored that the clock does not tell apart: a sorted set orders equal scores
-- by member, so every victim of one call, leaving in the same millisecond, would be forgotten in key order rather than
-- in the order it left, where the simulator's ghost forgets the first evicted first, and whether a returning image is
-- remembered decides its newcomer penalty. A power of two, exact beside epoch milliseconds in a double.
local DEPARTURE_STEP = 1 / 1024

-- Marks images as gone, keeping the histories of those that have one (entries: their history entries as HMGET
-- returned them before they left), each scored after every departure before it, and forgets the oldest departed
-- images beyond as many as are held, up to FORGET_PER_DEPARTURE per image.
local function departedAll(index, keys, now, entries)
  local latest = redis.call('ZRANGE', index.departed, -1, -1, 'WITHSCORES')
  local at = now
  if latest[2] then
    at = math.max(now, tonumber(latest[2]) + DEPARTURE_STEP)
  end
  local scored = {}
  for position = 1, #keys do
    if entries[position] then
      scored[#scored + 1] = formatScore(at)
      scored[#scored + 1] = keys[position]
      at = at + DEPARTURE_STEP
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

-- The partition's purges hash pansaar:{p}:purges: 'prefix:<prefix>' and 'tag:<tag>' -> '<fence> <purged-at ms>' for
-- each purge by prefix or by tag of the last purge-record TTL (a fetch lease). A purge by prefix or tag lists only the
-- images held, so the first fetch of a key with no copy yet, in flight while the purge runs, has no purge record; put
-- refuses its write by this hash instead (see purgeFencing). Fences only grow, so a claim made after the purge carries a
-- greater fence than the entry and is never refused by it, however long the entry lives.
local function purgesHashOf(partitionKey)
  return partitionPrefixOf(partitionKey) .. 'purges'
end

-- The greatest fence of a purge by prefix of key, or by one of tags (a list from requireTags), greater than the
-- writer's fence: the fetch began before that purge, so its bytes may be the purged content; nil when none. One HGETALL,
-- of an empty reply when no purge by prefix or tag ran within a fetch lease.
local function purgeFencing(purgesKey, key, tags, fence)
  local entries = redis.call('HGETALL', purgesKey)
  if #entries == 0 then
    return nil
  end
  local tagged = {}
  for _, tag in ipairs(tags) do
    tagged[tag] = true
  end
  local highest = nil
  for i = 1, #entries, 2 do
    local purged = tonumber(string.match(entries[i + 1], '^(%d+)'))
    if purged and purged > fence and (highest == nil or purged > highest) then
      local kind, name = string.match(entries[i], '^(%a+):(.+)$')
      if (kind == 'prefix' and string.sub(key, 1, #name) == name) or (kind == 'tag' and tagged[name]) then
        highest = purged
      end
    end
  end
  return highest
end

-- The partition's keys index pansaar:{p}:keys beside its other indexes: a sorted set of every image held, each scored
-- 0, so Redis orders it by key and ZRANGEBYLEX lists the images under a prefix (pansaar_purge_prefix) without SCAN or
-- KEYS. It holds exactly the images in the priority index: indexImage files an image in both, unindexImages removes
-- it from both. Its name is derived rather than passed, like the hit counter's, so that no function's KEYS change.
local function keysIndexOf(index)
  return partitionPrefixOf(index.priority) .. 'keys'
end

-- How many of the most requested images on probation pansaar:{p}:probation-hot lists.
local PROBATION_HOT_KEYS = 16

-- The status page's hot keys are the priority index's highest ranks, but an image on probation is ranked there by its
-- arrival. So each recorded request of one lists it here too, under the rank its score would earn in main, keeping the
-- PROBATION_HOT_KEYS highest; an image leaves the list as it leaves the stage (to main, evicted, purged, expired).
-- Named beside the priority index, as the keys index is, so that no function's KEYS change.
local function probationHotKeyBeside(priorityKey)
  return partitionPrefixOf(priorityKey) .. 'probation-hot'
end

-- Lists an image on probation under the rank it would earn in main, among the stage's most requested. O(log K).
local function listHotOnProbation(priorityKey, key, rank)
  local hot = probationHotKeyBeside(priorityKey)
  redis.call('ZADD', hot, rank, key)
  redis.call('ZREMRANGEBYRANK', hot, 0, -(PROBATION_HOT_KEYS + 1))
end

-- Takes images that left the stage off its most requested.
local function unlistHotOnProbation(priorityKey, keys)
  callWithList('ZREM', probationHotKeyBeside(priorityKey), keys)
end

-- Image tags, from the origin's Surrogate-Key and Cache-Tag headers: at most MAX_TAGS an image, each 1 to
-- MAX_TAG_LENGTH characters of [A-Za-z0-9._:/-]. The worker drops a tag that breaks these rules before the write
-- (io.pansaar.key.ImageTags, the Java twin); a function given one fails with PANSAAR_BAD_ARGUMENT.
local MAX_TAGS = 32
local MAX_TAG_LENGTH = 128
local TAG_PATTERN = '^[A-Za-z0-9_.:/%-]+$'

-- One tag, checked.
local function requireTag(tag)
  if tag == nil or tag == '' or #tag > MAX_TAG_LENGTH or not string.match(tag, TAG_PATTERN) then
    fail('BAD_ARGUMENT', 'a tag must be 1 to ' .. MAX_TAG_LENGTH .. ' characters of A-Z a-z 0-9 . _ : / -, was "'
      .. string.sub(tostring(tag), 1, 140) .. '"')
  end
  return tag
end

-- A space-separated tag list as a table, each tag checked and once only; empty or nil: none.
local function requireTags(text)
  local tags, seen = {}, {}
  for tag in string.gmatch(text or '', '[^ ]+') do
    if not seen[requireTag(tag)] then
      seen[tag] = true
      tags[#tags + 1] = tag
    end
  end
  if #tags > MAX_TAGS then
    fail('BAD_ARGUMENT', 'an image has at most ' .. MAX_TAGS .. ' tags, was given ' .. #tags)
  end
  return tags
end

-- The partition's tags hash pansaar:{p}:tags: image key -> its tags, space-separated, for each held image that has
-- any; an image without tags has no field. It is the one place an image's tags are kept: it outlives an image hash
-- Redis expired, so the sweep still knows which tag indexes to take the image out of, and a 304 leaves it as it is.
local function tagsHashOf(index)
  return partitionPrefixOf(index.priority) .. 'tags'
end

-- The partition's index of one tag pansaar:{p}:tag:<tag>: a sorted set of the held images that have the tag, each
-- scored 0, so pansaar_purge_tag pages through it with ZRANGEBYLEX as pansaar_purge_prefix does the keys index.
local function tagIndexOf(index, tag)
  return partitionPrefixOf(index.priority) .. 'tag:' .. tag
end

-- Files a written image under its tags (a list from requireTags): in the index of each, out of the index of each tag
-- its former copy had and this one has not, and in the tags hash (no field when it has none).
local function tagImage(index, key, tags)
  local tagsHash = tagsHashOf(index)
  local former = redis.call('HGET', tagsHash, key)
  local kept = {}
  for _, tag in ipairs(tags) do
    kept[tag] = true
    redis.call('ZADD', tagIndexOf(index, tag), 0, key)
  end
  for tag in string.gmatch(former or '', '[^ ]+') do
    if not kept[tag] then
      redis.call('ZREM', tagIndexOf(index, tag), key)
    end
  end
  if #tags > 0 then
    redis.call('HSET', tagsHash, key, table.concat(tags, ' '))
  elseif former then
    redis.call('HDEL', tagsHash, key)
  end
end

-- Takes images out of the indexes of their tags and their fields out of the tags hash: one HMGET for all, then one
-- ZREM per tag of a tagged image (at most MAX_TAGS each); nothing more while the partition holds no tagged image.
local function untagImages(index, keys)
  local tagsHash = tagsHashOf(index)
  if redis.call('EXISTS', tagsHash) == 0 then
    return
  end
  local lists = callWithList('HMGET', tagsHash, keys)
  local tagged = {}
  for position = 1, #keys do
    if lists[position] then
      tagged[#tagged + 1] = keys[position]
      for tag in string.gmatch(lists[position], '[^ ]+') do
        redis.call('ZREM', tagIndexOf(index, tag), keys[position])
      end
    end
  end
  callWithList('HDEL', tagsHash, tagged)
end

-- The partition's events stream pansaar:{p}:events (KEYS) and its cap (ARGV), as the functions that decide an outcome
-- take them: nil when the cap is 0, which turns events off (no XADD at all), or absent, as a worker of API 7 calls
-- the functions. The stream is one more key of each such function, in the partition's slot, so appending costs no
-- round trip and can never disagree with the write.
local function eventsFrom(streamKey, maxLength)
  local cap = requireInteger('events max-length', maxLength, 0, 0)
  if cap == 0 then
    return nil
  end
  return { stream = requireNonEmpty('events stream key', streamKey), maxLength = cap }
end

-- Appends one outcome to the events stream (nil: events are off): fields event, key, then mode (purges: hard or soft),
-- status (negative entries), size (body bytes) and etag where known, and at, the server's time in ms. Trimmed with
-- MAXLEN ~, which drops whole macro nodes only, so the stream stays near its cap at O(1) cost.
local function appendEvent(events, event, key, details, now)
  if not events then
    return
  end
  local fields = { 'event', event, 'key', key }
  for _, name in ipairs({ 'mode', 'status', 'size', 'etag' }) do
    local value = details and details[name]
    if value ~= nil and value ~= false and value ~= '' then
      fields[#fields + 1] = name
      fields[#fields + 1] = tostring(value)
    end
  end
  fields[#fields + 1] = 'at'
  fields[#fields + 1] = tostring(now)
  redis.call('XADD', events.stream, 'MAXLEN', '~', events.maxLength, '*', unpack(fields))
end

-- Records requests of an ok copy, all dated now, in its opened meta: hits raised by hitsAdded, last-access, and under
-- Pansaar's Algorithm (the copy has a half-life) the access score, and in the priority index the eviction priority,
-- ranked in ms (rankOf). halfLife: the half-life the deployment counts with now, to which the score moves (nil: the
-- copy's own). hits, access-score and last-access lie side by side in META_FIELDS, so they are replaced in the string
-- as it is, without unpacking the other values; a meta holding fewer values, or a score moving to another half-life,
-- is unpacked and packed whole.
local function recordRequests(imageKey, opened, priorityKey, key, requests, hitsAdded, now, halfLife)
  local hits = (metaWholeNumber(metaValue(opened, 'hits')) or 0) + hitsAdded
  local score = metaValue(opened, 'access-score')
  local ownHalfLife = metaHalfLife(metaValue(opened, 'half-life'))
  halfLife = halfLife or ownHalfLife
  if ownHalfLife then
    -- A score or size term that is no number counts as none: the request starts the score anew.
    local after = scoreAfterRequests(scoreInHalfLife(metaNumber(score), ownHalfLife, halfLife), now, halfLife, requests)
    score = formatScore(after)
    -- An image on probation keeps its place in the stage's FIFO: the score its requests earn ranks it in main when it
    -- leaves the stage (see evictOverBudget), and lists it among the stage's most requested meanwhile.
    local rank = tonumber(redis.call('ZSCORE', priorityKey, key))
    local earned = rankOf(after, metaNumber(metaValue(opened, 'size-term')) or 0, halfLife)
    if rank and not onProbation(rank) then
      redis.call('ZADD', priorityKey, 'XX', earned, key)
    elseif rank then
      listHotOnProbation(priorityKey, key, earned)
    end
  end
  local first, last = META_POSITION['hits'], META_POSITION['last-access']
  if opened.count < last or (ownHalfLife and halfLife ~= ownHalfLife) then
    local fields = decodeMeta(opened.text)
    fields['hits'] = hits
    fields['access-score'] = score
    fields['last-access'] = now
    if ownHalfLife then
      fields['half-life'] = halfLife
    end
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
-- counted itself after the reader's HINCRBY was folded: it only corrects the statistics. halfLife: see recordRequests.
local function foldRequests(priorityKey, key, requests, now, halfLife)
  local imageKey = imageKeyBeside(priorityKey, key)
  local opened = openMeta(imageKey)
  if opened and metaValue(opened, 'status') ~= 'ok' then
    return 'negative-hits'
  end
  if opened and requests > 0 then
    recordRequests(imageKey, opened, priorityKey, key, requests, requests, now, halfLife)
  end
  return 'hits'
end

-- Whether a value of the tuning hash is one pansaar_tune could have stored: a number within [least, most]. A tuned
-- write passes any other over (io.pansaar.redis.function.Tuning reads it alike).
local function storedTuning(text, least, most)
  local value = tonumber(text)
  return value ~= nil and value >= least and value <= most
end

-- The partition's tuning settings pansaar:{p}:tuning (see tune.lua), beside any key of the partition.
local function tuningHashOf(partitionKey)
  return partitionPrefixOf(partitionKey) .. 'tuning'
end

-- The partition's arrivals pansaar:{p}:arrivals beside any key of the partition: image key -> charged bytes of each
-- image a tuned pansaar_put wrote new since the last fold, which drains them into its report (see fold_hits.lua).
local function arrivalsHashOf(partitionKey)
  return partitionPrefixOf(partitionKey) .. 'arrivals'
end

-- How long the arrivals hash outlives its last arrival, in ms. A tuned scheduler drains it every tick, so only a hash
-- no fold drains lives this long: that of a deployment that turned tuning off (its folds no longer read the hash) or
-- whose schedulers all stopped. Its arrivals would be reported late or never; an hour after the last, the hash goes.
local ARRIVALS_TTL = 3600 * 1000

-- Records that a tuned pansaar_put wrote an image new, with its charged bytes, for the next fold's report: unless the
-- arrivals hash already holds as many fields as the partition holds images, so that with no fold draining it (no
-- scheduler runs) it stops growing there; and it expires ARRIVALS_TTL after the last arrival recorded. Two O(1) counts.
local function recordArrival(index, key, charged)
  local arrivals = arrivalsHashOf(index.priority)
  if redis.call('HLEN', arrivals) < redis.call('ZCARD', index.priority) then
    redis.call('HSET', arrivals, key, charged)
    redis.call('PEXPIRE', arrivals, ARRIVALS_TTL)
  end
end

-- The partition's hit counter, pansaar:{p}:hits, beside one of its index keys.
local function hitsKeyBeside(indexKey)
  return partitionPrefixOf(indexKey) .. 'hits'
end

-- Folds the requests waiting for one image, as the caller read them from the hit counter (nil or false: none),
-- removing them from it; returns whether there were any. Eviction calls it on each candidate, so a copy in demand
-- never leaves for want of a fold. halfLife: see recordRequests.
local function foldWaitingRequests(hitsKey, statsKey, priorityKey, key, waiting, now, halfLife)
  waiting = tonumber(waiting)
  if not waiting or waiting == 0 then
    return false
  end
  redis.call('HDEL', hitsKey, key)
  redis.call('HINCRBY', statsKey, foldRequests(priorityKey, key, waiting, now, halfLife), waiting)
  return waiting > 0
end

-- Whether a used-bytes counter holds a byte count INCRBY goes on from: 0, or up to 18 digits without a leading zero
-- (a count never needs more). Not one: GET's false for a missing key, a negative number (sizes are never negative),
-- anything else written by hand.
local function isCount(value)
  return type(value) == 'string' and #value <= 18 and (value == '0' or string.match(value, '^[1-9]%d*$') ~= nil)
end

-- The partition's used bytes; while a rebuild runs, the bytes it has counted so far; 0 while the counter is missing
-- or damaged, until pansaar_repair rebuilds it.
local function usedBytes(index)
  local used = redis.call('GET', index.bytes)
  if isCount(used) then
    return tonumber(used)
  end
  if not used then
    return tonumber(redis.call('HGET', index.repair, 'bytes')) or 0
  end
  return 0
end

-- The partition's probation bytes pansaar:{p}:probation-bytes beside its other indexes: the charged bytes of the images
-- on probation (ranks from PROBATION_RANKS_FROM), as their history entries hold them. Derived like the keys index's
-- name.
local function probationBytesKeyOf(index)
  return partitionPrefixOf(index.priority) .. 'probation-bytes'
end

-- The charged bytes on probation; while pansaar_repair rebuilds the partition's accounting, those it and the writes
-- since have counted (the repair hash's 'probation-bytes'); 0 while the counter is missing or holds no byte count
-- outside a rebuild, which pansaar_repair finds and rebuilds: eviction meanwhile takes the stage for smaller than it
-- is.
local function probationBytes(index)
  local bytes = redis.call('GET', probationBytesKeyOf(index))
  if isCount(bytes) then
    return tonumber(bytes)
  end
  if not bytes and rebuilding(index) then
    return tonumber(redis.call('HGET', index.repair, 'probation-bytes')) or 0
  end
  return 0
end

-- Adds delta to the charged bytes on probation, never below 0; during a rebuild, to the count in the repair hash (the
-- caller passes what the count holds: countedCharges). As addUsedBytes does, it creates a missing counter only while no
-- image is on probation and no rebuild runs: one lost while the stage holds images stays missing, and one that holds
-- no byte count stays as it is, so that pansaar_repair sees either and rebuilds the count from the image hashes.
local function addProbationBytes(index, delta)
  if delta == 0 then
    return
  end
  local key = probationBytesKeyOf(index)
  local bytes = redis.call('GET', key)
  if isCount(bytes) then
    redis.call('SET', key, math.max(0, tonumber(bytes) + delta))
  elseif bytes then
    return
  elseif rebuilding(index) then
    redis.call('HINCRBY', index.repair, 'probation-bytes', delta)
  elseif imagesOnProbation(index) == 0 then
    redis.call('SET', key, math.max(0, delta))
  end
end

-- Takes bytes off the stage's count for images that just left it: to 0 when none is left on probation (outside a
-- rebuild), so a count that drifted starts over whenever the stage empties, as does its list of most requested.
-- One ZCOUNT, O(log n).
local function leftProbation(index, bytes)
  if not rebuilding(index) and imagesOnProbation(index) == 0 then
    redis.call('SET', probationBytesKeyOf(index), 0)
    redis.call('UNLINK', probationHotKeyBeside(index.priority))
  else
    addProbationBytes(index, -bytes)
  end
end

-- Adds delta to the partition's used bytes. While pansaar_repair rebuilds them, the counter is missing and the count
-- lives in the repair hash until the rebuild ends. A missing counter is created only while the partition holds no
-- image and no rebuild runs: one lost while images are held (evicted under an allkeys-* policy, deleted by hand) stays
-- missing, so pansaar_repair sees the loss and rebuilds the counter from the image hashes, rather than a write
-- restarting it from this one image's delta, a wrong count no cheap check could tell from a right one. A counter that
-- holds no byte count is left alone too: pansaar_repair sees it as long as it stays so, and no write fails on it after
-- it has written the image. Returns the used bytes after the change, or nil when the count was left alone.
local function addUsedBytes(index, delta)
  local used = redis.call('GET', index.bytes)
  if isCount(used) then
    return redis.call('INCRBY', index.bytes, delta)
  end
  if used then
    return nil
  end
  if rebuilding(index) then
    return redis.call('HINCRBY', index.repair, 'bytes', delta)
  end
  if redis.call('ZCARD', index.priority) == 0 then
    return redis.call('INCRBY', index.bytes, delta)
  end
  return nil
end

-- The charged bytes the count holds for each image, from its history entry (entries, as HMGET returned them): false
-- for one it does not count. Outside a rebuild the count holds every charged entry; during one only those marked
-- counted in the repair hash, which this also returns (nil outside a rebuild).
local function countedCharges(index, keys, entries)
  local marks = rebuilding(index) and callWithList('HMGET', index.repair, countedFields(keys)) or nil
  local charges = {}
  for position = 1, #keys do
    local _, _, charged = historyParts(entries[position])
    if marks and not marks[position] then
      charged = nil
    end
    charges[position] = charged or false
  end
  return charges, marks
end

-- Records a written image in every index: its history entry with its change history and charged bytes, its priority,
-- its next time in the schedule and its entry in the keys index, correcting the used bytes by the change in what it is
-- charged. Returns the used bytes after, or nil when this call did not change them (the same charge, or the count is
-- left alone). historyEntry is the image's history entry as the caller read it in this call (false: none), or nil to
-- have it read here. admittedAt, when given (ms), admits an image the index does not hold on probation instead of at
-- priority; an image on probation keeps its place there whatever the call, its probation bytes following its charge.
local function indexImage(index, key, charged, priority, scheduledAt, exposure, changes, historyEntry, admittedAt)
  if historyEntry == nil then
    historyEntry = redis.call('HGET', index.history, key)
  end
  local _, _, counted = historyParts(historyEntry)
  -- During a rebuild the count holds the image only once the rebuild or a write has counted it; this write counts it.
  if rebuilding(index) and redis.call('HSETNX', index.repair, countedField(key), 1) == 1 then
    counted = nil
  end
  local rank = tonumber(redis.call('ZSCORE', index.priority, key))
  if onProbation(rank) then
    addProbationBytes(index, charged - (counted or 0))
  elseif admittedAt and not rank then
    priority = probationRank(admittedAt)
    addProbationBytes(index, charged)
  end
  redis.call('HSET', index.history, key, (exposure or 0) .. ':' .. (changes or 0) .. ':' .. charged)
  redis.call('ZREM', index.departed, key)
  local used
  if counted ~= charged then
    used = addUsedBytes(index, charged - (counted or 0))
  end
  if not onProbation(rank) then
    redis.call('ZADD', index.priority, priority, key)
  end
  redis.call('ZADD', index.schedule, scheduledAt, key)
  redis.call('ZADD', keysIndexOf(index), 0, key)
  return used
end

-- Removes images from the priority index, the schedule, the keys index and the indexes of their tags, and their
-- charged bytes from their history entries and from the used bytes, a few commands for all of them (each O(log n) per
-- image, and one per tag of a tagged image); their change histories stay, and the hashes are the caller's business.
-- entries, when given, are the images' history entries as HMGET returned them. Returns the entries.
local function unindexImages(index, keys, entries)
  if #keys == 0 then
    return {}
  end
  entries = entries or callWithList('HMGET', index.history, keys)
  local charges, marks = countedCharges(index, keys, entries)
  local ranks = callWithList('ZMSCORE', index.priority, keys)
  local histories, counting, freed = {}, false, 0
  local onStage, freedOnProbation = {}, 0
  for position = 1, #keys do
    local exposure, changes, charged = historyParts(entries[position])
    if charged then
      histories[#histories + 1] = keys[position]
      histories[#histories + 1] = exposure .. ':' .. changes
    end
    if onProbation(tonumber(ranks[position])) then
      onStage[#onStage + 1] = keys[position]
      -- What the count holds for it: during a rebuild, nothing until it is counted.
      freedOnProbation = freedOnProbation + (charges[position] or 0)
    end
    if charges[position] then
      counting = true
      freed = freed + charges[position]
    end
  end
  if counting then
    addUsedBytes(index, -freed)
  end
  callWithList('HSET', index.history, histories)
  if marks then
    callWithList('HDEL', index.repair, countedFields(keys))
  end
  callWithList('ZREM', index.priority, keys)
  if #onStage > 0 then
    leftProbation(index, freedOnProbation)
    unlistHotOnProbation(index.priority, onStage)
  end
  callWithList('ZREM', index.schedule, keys)
  callWithList('ZREM', keysIndexOf(index), keys)
  untagImages(index, keys)
  return entries
end

-- Removes an image from every index and its charged bytes from the used bytes; the hash itself is the caller's
-- business.
local function unindexImage(index, key)
  unindexImages(index, { key })
end

-- Unindexes images whose hashes are gone (expired, evicted, or never an ok copy), remembering their histories.
local function unindexGoneAll(index, keys, now, entries)
  if #keys == 0 then
    return
  end
  departedAll(index, keys, now, unindexImages(index, keys, entries))
end

-- Unindexes an image whose hash is gone (expired, evicted, or never an ok copy), remembering its history.
local function unindexGone(index, key, now)
  unindexGoneAll(index, { key }, now)
end

-- Unindexes images found expired (their hash gone), remembering their histories, and counts them in the partition's
-- statistics as expired.
local function unindexExpired(index, statsKey, keys, now)
  if #keys > 0 then
    unindexGoneAll(index, keys, now)
    redis.call('HINCRBY', statsKey, 'expired', #keys)
  end
end

-- When Redis expires an image hash, in epoch ms, read exactly with PEXPIRETIME (a PTTL added to the function's clock
-- could be 1 ms off the PEXPIREAT the write set): '+inf' for one without a TTL; nil for one that is gone.
local function expiryOf(imageHash)
  local expiresAt = redis.call('PEXPIRETIME', imageHash)
  if expiresAt == -2 then
    return nil
  end
  if expiresAt == -1 then
    return '+inf'
  end
  return expiresAt
end

-- Unindexes the images whose hash Redis has expired (or someone deleted) among up to limit entries of the schedule
-- that are due by now, the longest due first, so the used bytes count only images that exist. An entry whose hash
-- lives on is a live image due for its early refresh (or whose TTL was changed outside Pansaar): it is left as it is,
-- for pansaar_refresh_due, and counts toward limit all the same, so the call stays bounded. Returns how many were
-- unindexed.
local function sweepExpired(index, statsKey, now, limit)
  if limit <= 0 then
    return 0
  end
  local gone = {}
  local imageHashPrefix = imageHashPrefixBeside(index.schedule)
  for _, key in ipairs(redis.call('ZRANGEBYSCORE', index.schedule, '-inf', now, 'LIMIT', 0, limit)) do
    if redis.call('EXISTS', imageHashPrefix .. key) == 0 then
      gone[#gone + 1] = key
    end
  end
  unindexExpired(index, statsKey, gone, now)
  return #gone
end

-- Ranks an image of the priority index in ms (rankOf) when the rank it holds is one in half-lives, written by API 10
-- or older, and its meta holds what the rank in ms needs; returns whether it did. Such ranks lie below every rank in
-- ms, so eviction meets each before any image ranked in ms and ranks it anew once: an upgrade evicts no image
-- for its old rank's units.
local function rerankFromHalfLives(priorityKey, imageKey, key, rank)
  if rank >= RANKS_IN_MS_FROM then
    return false
  end
  local fields = metaValues(readMeta(imageKey), { 'access-score', 'size-term', 'half-life' })
  local score, halfLife = metaNumber(fields[1]), metaHalfLife(fields[3])
  if not score or not halfLife then
    return false
  end
  local inMillis = rankOf(score, metaNumber(fields[2]) or 0, halfLife)
  if tonumber(inMillis) == rank then
    return false
  end
  redis.call('ZADD', priorityKey, 'XX', inMillis, key)
  return true
end

-- The rank in main of an image leaving probation (its hash imageHash, admitted at admittedAt ms, waiting: its count in
-- the hit counter as HMGET read it) when it was requested since its admission, nil when it was not. A request folded
-- since then set its meta's last access at or after the admission (a new image's meta holds none); one still waiting
-- in the counter counts too, though not yet in its rank, which a fold raises later (eviction folds a candidate's
-- waiting hits before it chooses). An image whose score or half-life is no number joins main as one requested now.
local function rankLeavingProbation(imageHash, admittedAt, waiting, now)
  local opened = openMeta(imageHash)
  if not opened then
    return nil
  end
  local lastAccess = metaWholeNumber(metaValue(opened, 'last-access'))
  local waitingRequests = tonumber(waiting)
  if not ((lastAccess and lastAccess >= admittedAt) or (waitingRequests and waitingRequests > 0)) then
    return nil
  end
  local score, halfLife = metaNumber(metaValue(opened, 'access-score')), metaHalfLife(metaValue(opened, 'half-life'))
  if not score or not halfLife then
    return formatScore(now)
  end
  return rankOf(score, metaNumber(metaValue(opened, 'size-term')) or 0, halfLife)
end

-- Deletes images, up to limit, while the used bytes exceed the budget; never the image named keep (the one just
-- written). First the probationary stage (S3-FIFO's small queue, docs/algorithm.md): while it holds more than
-- probationShare of the budget (0: the stage is off, and any image still on it leaves as room is needed), or main holds
-- no image but keep, its oldest images leave it, each requested since its admission to main at the rank its requests
-- earned, each other as a victim; at most limit leave per call. Then main's lowest-priority images, the candidates from
-- one ZRANGE, their history entries (with what they are charged) and waiting hits from one HMGET each; and should that
-- leave main empty with the budget still exceeded, the stage again. The victims are then unindexed together and their
-- hashes unlinked, each appended to events (see eventsFrom; nil: off) as evicted. halfLife: the half-life a
-- candidate's waiting hits are folded with (see recordRequests). Returns how many were evicted, and how many candidates
-- were ranked anew (at most limit): a call that ranked limit of them anew may have stopped short of the budget for it.
local function evictOverBudget(index, statsKey, budget, limit, keep, now, events, halfLife, probationShare)
  local excess = usedBytes(index) - budget
  if excess <= 0 or limit <= 0 then
    return 0, 0
  end
  local hitsKey = hitsKeyBeside(index.priority)
  local imageHashPrefix = imageHashPrefixBeside(index.priority)
  local victims, victimEntries, hashes = {}, {}, {}
  local function choose(key, entry, charge)
    victims[#victims + 1] = key
    victimEntries[#victims] = entry
    hashes[#victims] = imageHashPrefix .. key
    -- An image the count does not hold frees nothing, as its unindexing subtracts nothing.
    excess = excess - (charge or 0)
  end

  local probationFrom = formatScore(PROBATION_RANKS_FROM)
  local mainRanks = '(' .. probationFrom
  local keepRank = keep and tonumber(redis.call('ZSCORE', index.priority, keep))
  local keepInMain = keepRank ~= nil and not onProbation(keepRank)
  -- Main's images, keep among them when it is there; the others alone decide whether main is empty.
  local held = redis.call('ZCOUNT', index.priority, '-inf', mainRanks)
  local probationLimit = 0
  if probationShare and probationShare > 0 then
    probationLimit = math.max(1, math.floor(budget * probationShare))
  end
  local stageBytes = probationBytes(index)
  -- The stage's images that left it as victims in this call (still in the index until the end), and how many left.
  local leftAsVictims, stageVictims, stageLeft = {}, 0, 0
  local function leaveProbation()
    local mainEmpty = held - (keepInMain and 1 or 0) <= 0
    if (stageBytes <= probationLimit and not mainEmpty) or stageLeft >= limit then
      return
    end
    local ranked = redis.call('ZRANGE', index.priority, probationFrom, '+inf', 'BYSCORE', 'LIMIT', 0,
      stageVictims + limit - stageLeft + 1, 'WITHSCORES')
    if #ranked == 0 then
      -- The stage is empty: a count that says otherwise drifted (the counter was set by hand); start it over.
      if stageBytes > 0 and not rebuilding(index) then
        redis.call('SET', probationBytesKeyOf(index), 0)
        stageBytes = 0
      end
      return
    end
    local candidates, admitted = {}, {}
    for i = 1, #ranked, 2 do
      if ranked[i] ~= keep and not leftAsVictims[ranked[i]] then
        candidates[#candidates + 1] = ranked[i]
        admitted[#candidates] = tonumber(ranked[i + 1]) - PROBATION_RANKS_FROM
      end
    end
    local entries = callWithList('HMGET', index.history, candidates)
    local charges = countedCharges(index, candidates, entries)
    local waiting = callWithList('HMGET', hitsKey, candidates)
    for position, key in ipairs(candidates) do
      mainEmpty = held - (keepInMain and 1 or 0) <= 0
      if excess <= 0 or #victims >= limit or stageLeft >= limit or (stageBytes <= probationLimit and not mainEmpty) then
        break
      end
      stageLeft = stageLeft + 1
      -- What the stage's count holds for it (during a rebuild, nothing until it is counted).
      local charged = charges[position] or 0
      stageBytes = stageBytes - charged
      local rank = rankLeavingProbation(imageHashPrefix .. key, admitted[position], waiting[position], now)
      if rank then
        redis.call('ZADD', index.priority, rank, key)
        unlistHotOnProbation(index.priority, { key })
        if rebuilding(index) and redis.call('HSETNX', index.repair, countedField(key), 1) == 1 then
          -- Its rank falls below where pansaar_repair's walk may have got to, as only a counting write's may: so it is
          -- counted here, as a write counts it; the stage's count never held it.
          local _, _, historyCharged = historyParts(entries[position])
          addUsedBytes(index, historyCharged or 0)
        else
          leftProbation(index, charged)
        end
        held = held + 1
      else
        leftAsVictims[key] = true
        stageVictims = stageVictims + 1
        choose(key, entries[position], charges[position])
      end
    end
  end
  leaveProbation()

  local folded = 0
  if excess > 0 and #victims < limit then
    -- One more than limit, in case keep is among the lowest.
    local ranked = redis.call('ZRANGE', index.priority, '-inf', mainRanks, 'BYSCORE', 'LIMIT', 0, limit + 1,
      'WITHSCORES')
    local lowest, lowestScores = {}, {}
    for i = 1, #ranked, 2 do
      lowest[#lowest + 1] = ranked[i]
      lowestScores[#lowest] = tonumber(ranked[i + 1])
    end
    local lowestEntries = callWithList('HMGET', index.history, lowest)
    local lowestCharges = countedCharges(index, lowest, lowestEntries)
    local lowestWaiting = callWithList('HMGET', hitsKey, lowest)
    local mainVictims = 0
    local function chooseLowest(position)
      choose(lowest[position], lowestEntries[position], lowestCharges[position])
      mainVictims = mainVictims + 1
    end
    -- Candidates whose waiting hits were folded in, with their new priority: each leaves as soon as it ranks at or
    -- below the next candidate, as a choice made anew after the fold would take it.
    local refolded = {}
    local function chooseRefoldedAtOrBelow(priority)
      table.sort(refolded, function(a, b) return a.priority < b.priority end)
      while #refolded > 0 and refolded[1].priority <= priority and #victims < limit and excess > 0 do
        local candidate = table.remove(refolded, 1)
        chooseLowest(candidate.position)
      end
    end
    -- How many candidates the loop below came to: all of them, unless a limit or the budget stopped it.
    local examined = 0
    for position, key in ipairs(lowest) do
      if #victims == limit or excess <= 0 or folded >= limit then
        break
      end
      examined = position
      if key ~= keep then
        chooseRefoldedAtOrBelow(lowestScores[position])
        if #victims == limit or excess <= 0 then
          break
        end
        -- A candidate whose hits still wait in the counter, or ranked in half-lives by API 10 or older, is ranked anew
        -- first; at most limit of those per call. What this call leaves undecided, the next call chooses among the
        -- ranks as they are then.
        if foldWaitingRequests(hitsKey, statsKey, index.priority, key, lowestWaiting[position], now, halfLife)
            or rerankFromHalfLives(index.priority, imageHashPrefix .. key, key, lowestScores[position]) then
          folded = folded + 1
          refolded[#refolded + 1] = { position = position,
            priority = tonumber(redis.call('ZSCORE', index.priority, key)) }
        else
          chooseLowest(position)
        end
      end
    end
    if examined == #lowest and #refolded > 0 and excess > 0 and #victims < limit and held == #lowest then
      -- Every image main holds was a candidate and came up, so none ranks between the refolded ones left: they are the
      -- lowest there are, and a choice made anew takes them, lowest first, as the simulator does.
      chooseRefoldedAtOrBelow(math.huge)
    end
    if excess > 0 and #victims < limit then
      -- Main may be empty now but for keep: then the stage gives up its oldest whatever it holds, as the simulator's.
      held = held - mainVictims
      leaveProbation()
    end
  end
  if #victims == 0 then
    return 0, folded
  end
  if events then
    -- Read before the unlink: a victim's size and ETag are in its meta alone. At most limit victims, one HGET each.
    for position, hash in ipairs(hashes) do
      local meta = readMeta(hash) or {}
      appendEvent(events, 'evicted', victims[position], { size = meta.size, etag = meta.etag }, now)
    end
  end
  callWithList('UNLINK', nil, hashes)
  unindexGoneAll(index, victims, now, victimEntries)
  redis.call('HINCRBY', statsKey, 'evicted', #victims)
  return #victims, folded
end

-- Fails unless the partition's scheduler lease is held by this holder.
local function requireLease(leaseKey, holder)
  local current = redis.call('GET', leaseKey)
  if current ~= holder then
    fail('NOT_LEASE_HOLDER', 'the lease ' .. leaseKey .. ' is held by ' .. tostring(current or 'nobody')
      .. ', not by ' .. holder)
  end
end

-- A purge's keys and arguments, which pansaar_purge and pansaar_purge_prefix share: KEYS[1..5] statistics, fence
-- counter, job stream, token counter and events stream, KEYS[6..11] the partition's indexes; ARGV[1] mode (hard or
-- soft), ARGV[2] purge-record TTL ms, ARGV[3] queued-marker TTL ms, ARGV[4] the events stream's cap.
local function purgeFrom(keys, args)
  local mode = args[1]
  if mode ~= 'hard' and mode ~= 'soft' then
    fail('BAD_ARGUMENT', 'mode must be hard or soft, was "' .. tostring(mode) .. '"')
  end
  return { stats = keys[1], fenceCounter = keys[2], jobs = keys[3], tokenCounter = keys[4],
    events = eventsFrom(keys[5], args[4]), index = indexKeysFrom(keys, 6), mode = mode,
    recordTtl = requireInteger('purge-record TTL', args[2], 1),
    queuedTtl = requireInteger('queued-marker TTL', args[3], 1) }
end

-- Marks an ok copy stale from now on, keeping its grace from now, with the purge's fence, and files it as due now.
local function markStale(imageKey, meta, schedule, key, fence, now)
  local freshUntil = metaWholeNumber(meta['fresh-until']) or now
  local graceUntil = metaWholeNumber(meta['grace-until'])
  if freshUntil > now then
    if graceUntil then
      meta['grace-until'] = math.min(graceUntil, now + math.max(0, graceUntil - freshUntil))
    end
    meta['fresh-until'] = now
  end
  meta.fence = fence
  writeMeta(imageKey, meta)
  redis.call('ZADD', schedule, now, key)
end

-- Purges images of one partition as purge (from purgeFrom) says, hard or soft; images is a list of
-- { key, imageKey, markerKey, recordKey }: the image key, its hash, its marker and its purge record. Hard: the hash is
-- unlinked and the image leaves every index as an evicted one does. Soft: an ok copy stays, stale from now on, with the
-- purge's fence, due now in the schedule; a negative entry or a hash without meta is deleted as by a hard purge. The
-- purge takes one fence past every stored fence of its images; a fetch in flight of one of them is fenced by its purge
-- record and the image enqueued once more. Returns how many existed (purged), the server time, and per image in order
-- its outcome ('PURGED', 'MARKED_STALE' or 'ABSENT') and the id of the job enqueued for it ('' when none was).
local function purgeImages(purge, images)
  -- Read everything first, then take one fence past every stored one, as pansaar_claim does when the counter is
  -- behind, so this purge outranks every claim made before it and every copy it leaves in place.
  local highest = 0
  for _, image in ipairs(images) do
    image.exists = redis.call('EXISTS', image.imageKey) == 1
    image.meta = image.exists and readMeta(image.imageKey) or nil
    highest = math.max(highest, metaWholeNumber(image.meta and image.meta.fence) or 0)
  end
  local fence = redis.call('INCR', purge.fenceCounter)
  if fence <= highest then
    fence = highest + 1
    redis.call('SET', purge.fenceCounter, fence)
  end
  local now = serverTimeMillis()

  local outcomes, gone, hashes, purged, softPurged = {}, {}, {}, 0, 0
  for _, image in ipairs(images) do
    local outcome = 'ABSENT'
    if image.exists then
      if purge.mode == 'soft' and image.meta and image.meta.status == 'ok' then
        markStale(image.imageKey, image.meta, purge.index.schedule, image.key, fence, now)
        outcome = 'MARKED_STALE'
        softPurged = softPurged + 1
      else
        gone[#gone + 1] = image.key
        hashes[#hashes + 1] = image.imageKey
        outcome = 'PURGED'
      end
      purged = purged + 1
      local meta = image.meta or {}
      appendEvent(purge.events, 'purged', image.key, { mode = outcome == 'MARKED_STALE' and 'soft' or 'hard',
        size = meta.size, etag = meta.etag }, now)
    end
    local jobId = ''
    local marker = redis.call('GET', image.markerKey)
    if marker and string.sub(marker, 1, 9) == 'fetching:' then
      -- The fetch in flight began before this purge: fence its write and fetch the image again, once.
      redis.call('SET', image.recordKey, fence, 'PX', purge.recordTtl)
      redis.call('DEL', image.markerKey)
      local _
      _, jobId = enqueueOnce(image.markerKey, purge.jobs, purge.tokenCounter, image.key,
        outcome == 'MARKED_STALE' and 'refresh' or 'miss', nil, purge.queuedTtl, now)
    end
    outcomes[#outcomes + 1] = outcome
    outcomes[#outcomes + 1] = jobId
  end
  if #hashes > 0 then
    callWithList('UNLINK', nil, hashes)
    unindexGoneAll(purge.index, gone, now)
    redis.call('HINCRBY', purge.stats, 'purged', #gone)
  end
  if softPurged > 0 then
    redis.call('HINCRBY', purge.stats, 'soft-purged', softPurged)
  end
  return purged, now, outcomes
end

-- Records in the purges hash (see purgesHashOf) that a purge by prefix or by tag begins, field 'prefix:<prefix>' or
-- 'tag:<tag>', under a fence of its own from the counter: every claim made before it carries a smaller one, and so does
-- the write of a first fetch in flight, which pansaar_put then refuses. Entries older than the purge-record TTL are
-- dropped first (no fetch claimed before them can still write), so the hash holds only the purges of one fetch lease
-- and expires that long after the last.
local function recordPurge(purge, field)
  local fence = redis.call('INCR', purge.fenceCounter)
  local now = serverTimeMillis()
  local hash = purgesHashOf(purge.index.priority)
  local entries = redis.call('HGETALL', hash)
  local expired = {}
  for i = 1, #entries, 2 do
    local at = tonumber(string.match(entries[i + 1], ' (%d+)$'))
    if at == nil or at + purge.recordTtl <= now then
      expired[#expired + 1] = entries[i]
    end
  end
  callWithList('HDEL', hash, expired)
  redis.call('HSET', hash, field, fence .. ' ' .. now)
  redis.call('PEXPIRE', hash, purge.recordTtl)
end

-- The most images one pansaar_purge_prefix or pansaar_purge_tag call lists and purges.
local PURGE_BATCH = 100

-- Purges the keys a purge by prefix or by tag listed from one of the partition's indexes, listedFrom (in key order, at
-- most PURGE_BATCH), as purgeImages does. A listed key whose hash Redis has already expired is unindexed as the sweep
-- would (counted as expired), so nothing is left for the sweep to find, and taken out of listedFrom too: a tag index
-- may still list an image whose field of the tags hash was lost, and must not list it for ever. Returns {purged,
-- listed, cursor}: the images that existed and were purged, how many keys were listed, and the last of them ('' when
-- none).
local function purgeListed(purge, listed, listedFrom)
  if #listed == 0 then
    return { 0, 0, '' }
  end
  local partitionPrefix = partitionPrefixOf(purge.index.priority)
  local images = {}
  for position, key in ipairs(listed) do
    local imageKey = partitionPrefix .. 'img:' .. key
    images[position] = { key = key, imageKey = imageKey, markerKey = partitionPrefix .. 'marker:' .. key,
      recordKey = purgeRecordOf(imageKey) }
  end
  local purged, now, outcomes = purgeImages(purge, images)
  local expired = {}
  for position, key in ipairs(listed) do
    if outcomes[2 * position - 1] == 'ABSENT' then
      expired[#expired + 1] = key
    end
  end
  unindexExpired(purge.index, purge.stats, expired, now)
  callWithList('ZREM', listedFrom, expired)
  return { purged, #listed, listed[#listed] }
end
