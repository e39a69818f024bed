-- pansaar_repair: the scheduler's check that a partition's byte accounting (the charged bytes in the history entries
-- of the images held, and the used-bytes counter) agrees with its priority index, and the rebuild of it, a bounded
-- step per call, when it does not. Under an allkeys-* maxmemory policy Redis may evict any of these keys; without this
-- the budget would be judged by wrong figures for good. The same rebuild upgrades a partition written by API 6, whose
-- sizes and expiry indexes the history and the schedule replace.
--
-- The check costs a few O(1) commands (EXISTS of the repair state and of API 6's indexes, ZCARD three times, HLEN, GET
-- twice) and, while the probationary stage's counter is missing, one ZCOUNT. In a consistent partition every image in
-- the priority index has a history entry, a schedule entry and a keys index entry, and the counter is the sum of what
-- they are charged, so it finds: API 6's sizes, expiry or refresh index (a partition written before the upgrade); fewer
-- history entries, schedule entries or keys index entries than images held (a lost history, schedule or keys index, or
-- a partition written before API 9 kept the keys index: a write refiles one image at a time, so that shows); a missing
-- counter while images are held (writes never recreate a lost counter, see addUsedBytes); a counter that holds no byte
-- count (not digits, negative), which writes leave alone too; a counter that is not 0 while no image is held; a
-- probation-bytes counter (the probationary stage's charged bytes) that holds no byte count, or is missing while images
-- are on probation (one ZCOUNT). A counter that is a wrong integer while the history is intact cannot be told from a
-- right one without summing the history, which is not O(1): deleting the counter (DEL pansaar:{p}:bytes) makes the next
-- call rebuild it.
--
-- A pass starts by deleting the counter and API 6's sizes and expiry indexes, and keeps the count in the repair state
-- until it ends: writes, evictions and sweeps count there what they file and unfile, and mark each image they count
-- ('#<key>'), so from then on the count is the sum of what the marked images are charged. The pass walks the priority
-- index in (score, member) order, up to ARGV[2] images per call, with a cursor kept in the repair state across calls.
-- Each image not yet marked is charged what its hash's meta says (chargedBytes of its size), which goes into its
-- history entry and the count (and the stage's count, in the repair state too, for an image ranked on probation), and
-- is filed in the schedule unless it is there (under its early-refresh due time from API 6's refresh index while that
-- holds one, else under its hash's expiry) and in the keys index; an image whose hash is gone, or is not an ok copy, is
-- unindexed as the sweep would, and a hash without meta (API 5 or older) is deleted. When the walk reaches the end, the
-- counts become the counters, the repair state and API 6's refresh index are deleted, and the pass is over. A score
-- only falls by a rewrite, which counts the image itself, so an image the cursor passes over without visiting is
-- already counted; so is an image that leaves the probationary stage for main during the pass, its rank falling, which
-- eviction counts as it moves it. While a pass runs the count misses the images not yet visited, so eviction holds back
-- until it ends. Should the repair state be lost during a pass, the counter is missing while images are held, and the
-- next call starts over.
--
-- KEYS[1] lease           pansaar:{p}:lease (the caller must hold it)
-- KEYS[2] statistics      pansaar:{p}:stats (repaired: passes finished; expired: images found gone)
-- KEYS[3] priority index  pansaar:{p}:priority
-- KEYS[4] schedule        pansaar:{p}:schedule
-- KEYS[5] used bytes      pansaar:{p}:bytes
-- KEYS[6] histories       pansaar:{p}:history
-- KEYS[7] departed        pansaar:{p}:departed
-- KEYS[8] repair state    pansaar:{p}:repair (hash: started-at, reason, cursor member and score, bytes and
--                         probation-bytes counted, and the images counted; only during a pass); the stage's counter
--                         pansaar:{p}:probation-bytes is named beside the priority index, as the writes name it
-- KEYS[9] API 6's sizes   pansaar:{p}:sizes (deleted when a pass starts)
-- KEYS[10] API 6's expiry pansaar:{p}:expiry (deleted when a pass starts)
-- KEYS[11] API 6's refresh pansaar:{p}:refresh (its due times are carried into the schedule; deleted when a pass ends)
-- ARGV[1] lease holder
-- ARGV[2] the most images this call visits
--
-- Returns {outcome, images visited, reason}:
--   {'CONSISTENT', 0, ''}          no pass runs and the check found nothing wrong
--   {'REPAIRING', visited, reason} a pass runs and goes on at the next call
--   {'REPAIRED', visited, reason}  this call finished a pass
--   reason is what this call found wrong when it started the pass, '' when the pass had started before
-- Errors: PANSAAR_BAD_ARGUMENT, PANSAAR_NOT_LEASE_HOLDER

-- What is wrong with the partition's byte accounting, or nil when the O(1) checks find nothing.
local function disagreement(index, legacy)
  if redis.call('EXISTS', legacy.sizes, legacy.expiry, legacy.refresh) > 0 then
    return 'the partition holds the sizes, expiry or refresh index of API 6 or older'
  end
  local held = redis.call('ZCARD', index.priority)
  local histories = redis.call('HLEN', index.history)
  if histories < held then
    return 'the history holds ' .. histories .. ' images, the priority index ' .. held
  end
  local scheduled = redis.call('ZCARD', index.schedule)
  if scheduled < held then
    return 'the schedule holds ' .. scheduled .. ' images, the priority index ' .. held
  end
  -- A partition written before API 9 has no keys index; one lost under an allkeys-* policy shows the same way.
  local listed = redis.call('ZCARD', keysIndexOf(index))
  if listed < held then
    return 'the keys index holds ' .. listed .. ' images, the priority index ' .. held
  end
  local used = redis.call('GET', index.bytes)
  if not used then
    if held > 0 then
      return 'the used-bytes counter is missing'
    end
    return nil
  end
  if not isCount(used) then
    return 'the used-bytes counter holds "' .. string.sub(used, 1, 40) .. '", not a byte count'
  end
  if held == 0 and tonumber(used) ~= 0 then
    return 'the used-bytes counter is ' .. used .. ' while no image is held'
  end
  -- The probationary stage's count, where images are on probation (a ZCOUNT, O(log n)): writes never recreate a lost
  -- one, as they do not the used bytes; one that holds no byte count is left alone by them too.
  local onStage = redis.call('GET', probationBytesKeyOf(index))
  if onStage and not isCount(onStage) then
    return 'the probation-bytes counter holds "' .. string.sub(onStage, 1, 40) .. '", not a byte count'
  end
  if not onStage and imagesOnProbation(index) > 0 then
    return 'the probation-bytes counter is missing while images are on probation'
  end
  return nil
end

-- Starts a pass: the counts (used bytes, and the probationary stage's) at 0 in the repair state, no image counted, and
-- the cursor before the first image.
local function startPass(index, legacy, reason, now)
  redis.call('UNLINK', index.repair, index.bytes, probationBytesKeyOf(index), legacy.sizes, legacy.expiry)
  redis.call('HSET', index.repair, 'started-at', now, 'reason', reason, 'bytes', 0, 'probation-bytes', 0)
end

-- Ends a pass: the counts become the counters.
local function endPass(index, legacy)
  local counts = redis.call('HMGET', index.repair, 'bytes', 'probation-bytes')
  redis.call('SET', index.bytes, tonumber(counts[1]) or 0)
  redis.call('SET', probationBytesKeyOf(index), math.max(0, tonumber(counts[2]) or 0))
  redis.call('UNLINK', index.repair, legacy.refresh)
end

-- The next images after the cursor, as {member, score, member, score, ...}, at most limit of them.
local function imagesAfter(index, member, score, limit)
  if not member then
    return redis.call('ZRANGE', index.priority, 0, limit - 1, 'WITHSCORES')
  end
  if redis.call('ZSCORE', index.priority, member) == score then
    local rank = redis.call('ZRANK', index.priority, member)
    return redis.call('ZRANGE', index.priority, rank + 1, rank + limit, 'WITHSCORES')
  end
  -- The cursor's image left or was rewritten: go on from its score. Images of that very score come again; counting
  -- an image already counted changes nothing, so seeing one twice costs only the time.
  return redis.call('ZRANGE', index.priority, score, '+inf', 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES')
end

-- Counts the images not counted yet: what each is charged, read from its hash, goes into its history entry and the
-- count (and the stage's count, for one on probation: ranks, the images' ranks as the walk read them), with one HMGET
-- of the marks and one of the histories, one HSET of each and one HINCRBY for all of them; each is filed in the
-- schedule unless it is there, and in the keys index. Unindexes, as the sweep would, those whose hash is gone or is
-- not an ok copy. Returns how many were gone.
local function countImages(index, legacy, keys, ranks, now)
  local marks = callWithList('HMGET', index.repair, countedFields(keys))
  local entries = callWithList('HMGET', index.history, keys)
  local imageHashPrefix = imageHashPrefixBeside(index.priority)
  local histories, counted, added, addedOnProbation, gone = {}, {}, 0, 0, {}
  for position, key in ipairs(keys) do
    if not marks[position] then
      local imageHash = imageHashPrefix .. key
      local meta = readMeta(imageHash)
      if not meta then
        -- Gone, or written by API 5 or older (no meta): such a hash counts as no copy, so it is deleted rather than
        -- left to take memory no index counts.
        redis.call('UNLINK', imageHash)
        gone[#gone + 1] = key
      elseif meta.status ~= 'ok' then
        gone[#gone + 1] = key
      else
        local charged = chargedBytes(key, metaWholeNumber(meta.size) or redis.call('HSTRLEN', imageHash, 'body'))
        local exposure, changes = historyParts(entries[position])
        histories[#histories + 1] = key
        histories[#histories + 1] = (exposure or meta.exposure or 0) .. ':' .. (changes or meta.changes or 0) .. ':'
          .. charged
        counted[#counted + 1] = countedField(key)
        counted[#counted + 1] = 1
        added = added + charged
        if onProbation(ranks[position]) then
          addedOnProbation = addedOnProbation + charged
        end
        local due = redis.call('ZSCORE', legacy.refresh, key)
          or expiryOf(imageHash)
        redis.call('ZADD', index.schedule, 'NX', due, key)
        -- A keys index lost with the counter (an allkeys-* policy) is rebuilt with it, from the same walk.
        redis.call('ZADD', keysIndexOf(index), 0, key)
      end
    end
  end
  callWithList('HSET', index.history, histories)
  callWithList('HSET', index.repair, counted)
  redis.call('HINCRBY', index.repair, 'bytes', added)
  redis.call('HINCRBY', index.repair, 'probation-bytes', addedOnProbation)
  -- Not counted, so their unindexing changes no count.
  unindexGoneAll(index, gone, now)
  return #gone
end

redis.register_function{
  function_name = 'pansaar_repair',
  callback = function(keys, args)
    local leaseKey = keys[1]
    local statsKey = keys[2]
    local index = indexKeysFrom(keys, 3)
    requireNonEmpty('KEYS[8], the repair state', index.repair)
    local legacy = { sizes = requireNonEmpty("KEYS[9], API 6's sizes", keys[9]),
      expiry = requireNonEmpty("KEYS[10], API 6's expiry index", keys[10]),
      refresh = requireNonEmpty("KEYS[11], API 6's refresh index", keys[11]) }
    local holder = requireNonEmpty('lease holder', args[1])
    local limit = requireInteger('repair limit', args[2], 1)
    requireLease(leaseKey, holder)

    local now = serverTimeMillis()
    local reason = ''
    local state = redis.call('HMGET', index.repair, 'started-at', 'member', 'score')
    if not state[1] then
      reason = disagreement(index, legacy)
      if not reason then
        return { 'CONSISTENT', 0, '' }
      end
      startPass(index, legacy, reason, now)
      state = { now, false, false }
    end

    local batch = imagesAfter(index, state[2], state[3], limit)
    local visited = #batch / 2
    local keys, ranks = {}, {}
    for position = 1, #batch, 2 do
      keys[#keys + 1] = batch[position]
      ranks[#keys] = tonumber(batch[position + 1])
    end
    local gone = countImages(index, legacy, keys, ranks, now)
    if gone > 0 then
      redis.call('HINCRBY', statsKey, 'expired', gone)
    end
    if visited < limit then
      endPass(index, legacy)
      count(statsKey, 'repaired')
      return { 'REPAIRED', visited, reason }
    end
    redis.call('HSET', index.repair, 'member', batch[#batch - 1], 'score', batch[#batch])
    return { 'REPAIRING', visited, reason }
  end
}
