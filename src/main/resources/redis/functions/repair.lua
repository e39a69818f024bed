-- pansaar_repair: the scheduler's check that a partition's byte accounting (the sizes hash and the used-bytes
-- counter) agrees with its priority index, and the rebuild of both, a bounded step per call, when it does not.
-- Under an allkeys-* maxmemory policy Redis may evict either; without this the budget would be judged by wrong
-- figures for good.
--
-- The check costs four O(1) commands (HMGET of the repair state, ZCARD, HLEN, GET). In a consistent partition the
-- sizes hash and the priority index hold the same images and the counter is their sum, so it finds: sizes and
-- priority holding different numbers of images (a write refiles a lost sizes hash one image at a time, so that
-- shows); a missing counter while images are held (writes never recreate a lost counter, see addUsedBytes); a
-- counter that holds no byte count (not digits, negative), which writes leave alone too; a counter that is not 0
-- while no image is held. A counter that is a wrong
-- integer while sizes is intact cannot be told from a right one without summing sizes, which is not O(1): deleting
-- the counter (DEL pansaar:{p}:bytes) makes the next call rebuild it.
--
-- A pass starts by deleting sizes (UNLINK, freed in the background) and setting the counter to 0, so from then on
-- the counter is the sum of sizes at every moment: writes file what they write as usual, and the pass refills the
-- rest. It walks the priority index in (score, member) order, up to ARGV[2] images per call, with a cursor kept in
-- KEYS[3] across calls. For each image not yet in sizes, it files what the image counts against the budget
-- (chargedBytes of the size in its meta); an image whose hash is gone, or is not an ok copy, is unindexed as the sweep
-- would, and a hash without meta (API 5 or older) is deleted. Sizes entries of images not in the index
-- are dropped with the rest of the old hash. When the walk reaches the end, the pass is over and the counter is
-- the sum of sizes. A score only falls by a rewrite, which files the image's size itself, so an image the cursor
-- passes over without visiting is already in sizes. While a pass runs the counter misses the images not yet
-- visited, so eviction holds back until it ends.
--
-- KEYS[1] lease           pansaar:{p}:lease (the caller must hold it)
-- KEYS[2] statistics      pansaar:{p}:stats (repaired: passes finished; expired: images found gone)
-- KEYS[3] repair state    pansaar:{p}:repair (hash: started-at, reason, cursor member and score; only during a pass)
-- KEYS[4] priority index  pansaar:{p}:priority
-- KEYS[5] expiry index    pansaar:{p}:expiry
-- KEYS[6] refresh index   pansaar:{p}:refresh
-- KEYS[7] sizes           pansaar:{p}:sizes
-- KEYS[8] used bytes      pansaar:{p}:bytes
-- KEYS[9] histories       pansaar:{p}:history
-- KEYS[10] departed       pansaar:{p}:departed
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
local function disagreement(index)
  local held = redis.call('ZCARD', index.priority)
  local sized = redis.call('HLEN', index.sizes)
  if sized ~= held then
    return 'sizes holds ' .. sized .. ' images, the priority index ' .. held
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
  return nil
end

-- Starts a pass: sizes empty, the counter at 0, and the cursor before the first image.
local function startPass(index, stateKey, reason, now)
  redis.call('UNLINK', index.sizes)
  redis.call('SET', index.bytes, 0)
  redis.call('DEL', stateKey)
  redis.call('HSET', stateKey, 'started-at', now, 'reason', reason)
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
  -- The cursor's image left or was rewritten: go on from its score. Images of that very score come again; filing
  -- an image already in sizes changes nothing, so seeing one twice costs only the time.
  return redis.call('ZRANGE', index.priority, score, '+inf', 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES')
end

-- Files the sizes of the images not filed yet, read from their hashes, with one HMGET of sizes, one HSET and one
-- INCRBY for all of them; unindexes, as the sweep would, those whose hash is gone or is not an ok copy. Returns how
-- many were gone.
local function refileSizes(index, keys, now)
  local filed = callWithList('HMGET', index.sizes, keys)
  local imageHashPrefix = imageHashPrefixBeside(index.priority)
  local entries, added, gone = {}, 0, {}
  for position, key in ipairs(keys) do
    if not filed[position] then
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
        local size = chargedBytes(key, tonumber(meta.size) or redis.call('HSTRLEN', imageHash, 'body'))
        entries[#entries + 1] = key
        entries[#entries + 1] = size
        added = added + size
      end
    end
  end
  if #entries > 0 then
    callWithList('HSET', index.sizes, entries)
    redis.call('INCRBY', index.bytes, added)
  end
  -- Not filed in sizes, so their unindexing changes no byte count.
  unindexGoneAll(index, gone, now)
  return #gone
end

redis.register_function{
  function_name = 'pansaar_repair',
  callback = function(keys, args)
    local leaseKey = keys[1]
    local statsKey = keys[2]
    local stateKey = requireNonEmpty('KEYS[3], the repair state', keys[3])
    local index = indexKeysFrom(keys, 4)
    local holder = requireNonEmpty('lease holder', args[1])
    local limit = requireInteger('repair limit', args[2], 1)
    requireLease(leaseKey, holder)

    local now = serverTimeMillis()
    local reason = ''
    local state = redis.call('HMGET', stateKey, 'started-at', 'member', 'score')
    if not state[1] then
      reason = disagreement(index)
      if not reason then
        return { 'CONSISTENT', 0, '' }
      end
      startPass(index, stateKey, reason, now)
      state = { now, false, false }
    elseif not isCount(redis.call('GET', index.bytes)) then
      -- Lost or damaged again during the pass: writes leave such a counter alone, so the pass starts over.
      reason = 'the used-bytes counter was lost or damaged during a repair'
      startPass(index, stateKey, reason, now)
      state = { now, false, false }
    end

    local batch = imagesAfter(index, state[2], state[3], limit)
    local visited = #batch / 2
    local keys = {}
    for position = 1, #batch, 2 do
      keys[#keys + 1] = batch[position]
    end
    local gone = refileSizes(index, keys, now)
    if gone > 0 then
      redis.call('HINCRBY', statsKey, 'expired', gone)
    end
    if visited < limit then
      redis.call('DEL', stateKey)
      count(statsKey, 'repaired')
      return { 'REPAIRED', visited, reason }
    end
    redis.call('HSET', stateKey, 'member', batch[#batch - 1], 'score', batch[#batch])
    return { 'REPAIRING', visited, reason }
  end
}
