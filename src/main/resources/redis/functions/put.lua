-- pansaar_put: the fenced write of a fetched image. The caller sends, in the same pipeline and
-- before this call, HSET <staging> body .. content-type .. etag .. last-modified .. size .. fetch-ms ..
-- digest .. size-term .. half-life .. exposure .. changes .. and PEXPIRE <staging> 60000. The staging hash
-- is renamed into place, so the bytes never pass through Lua, and its other fields are packed into the image
-- hash's meta field (see META_FIELDS in shared.lua): the image hash is {body, meta}. Then the image is filed in the
-- partition's indexes, counted against the byte budget as chargedBytes (its body and its measured overhead), and
-- when that leaves the partition over its budget, images Redis has expired are unindexed and then the lowest-priority
-- other images are evicted while it still is.
--
-- KEYS[1] image hash      pansaar:{p}:img:<key>
-- KEYS[2] marker          pansaar:{p}:marker:<key>
-- KEYS[3] staging hash    pansaar:{p}:staging:<token>:<key>
-- KEYS[4] statistics      pansaar:{p}:stats (regenerated, expired, evicted)
-- KEYS[5] priority index  pansaar:{p}:priority
-- KEYS[6] expiry index    pansaar:{p}:expiry
-- KEYS[7] refresh index   pansaar:{p}:refresh
-- KEYS[8] sizes           pansaar:{p}:sizes
-- KEYS[9] used bytes      pansaar:{p}:bytes
-- KEYS[10] histories      pansaar:{p}:history (the staged exposure and changes are recorded there too)
-- KEYS[11] departed       pansaar:{p}:departed
-- KEYS[12] job stream     pansaar:{p}:jobs, optional: the stream of the job this write finishes
-- ARGV[1] claim token
-- ARGV[2] fence (from pansaar_claim)
-- ARGV[3] claimed-at, epoch ms (from pansaar_claim; becomes fetched-at)
-- ARGV[4] fresh TTL in ms
-- ARGV[5] grace in ms: past fresh-until the copy is served stale this long while one refresh runs
-- ARGV[6] stale-if-error in ms: the copy is kept this much longer past grace, served only once its origin fails
--         (the hash's Redis TTL is fresh TTL + grace + stale-if-error; 0: it expires at the end of grace)
-- ARGV[7] early refresh: the image falls due for refresh this many ms before fresh-until
-- ARGV[8] the partition's byte budget; empty: no budget, nothing is evicted
-- ARGV[9] the most images one call sweeps and the most it evicts
-- ARGV[10] with KEYS[12]: the consumer group; ARGV[11] the job's entry id. The entry is acknowledged (XACK) and
--         deleted (XDEL) once the write is decided, WRITTEN or STALE_WRITE alike, as the worker would do next; on an
--         error it stays pending, for a retry.
--
-- Returns:
--   {'WRITTEN', fresh-until ms, evicted}  image replaced; hits, last-access and access-score carried over
--                                  (a new image counts the request that asked for it, at claimed-at), any
--                                  origin-failed-at mark is not; grace-until and stale-if-error-until stored; own
--                                  marker deleted; the key published on pansaar:{p}:ready
--   {'STALE_WRITE', stored fence}  a newer claim already wrote this key; staging deleted, nothing changed
-- Errors: PANSAAR_BAD_ARGUMENT, PANSAAR_STAGING_MISSING (the staging hash expired or was never written)

redis.register_function{
  function_name = 'pansaar_put',
  callback = function(keys, args)
    local imageKey = keys[1]
    local markerKey = keys[2]
    local stagingKey = keys[3]
    local statsKey = keys[4]
    local index = indexKeysFrom(keys, 5)
    local token, fence, claimedAt = requireClaimArguments(args)
    local freshTtl = requireInteger('fresh TTL', args[4], 1)
    local grace = requireInteger('grace', args[5], 0)
    local staleIfError = requireInteger('stale-if-error', args[6], 0)
    local earlyBy = requireInteger('early refresh', args[7], 0)
    local budget = requireInteger('byte budget', args[8], 0, -1)
    local limit = requireInteger('sweep and eviction limit', args[9], 0)
    local key = keyOfImage(imageKey)
    if not key then
      fail('BAD_ARGUMENT', 'KEYS[1] must be an image hash pansaar:{p}:img:<key>, was "' .. imageKey .. '"')
    end

    local job = finishedJob(keys[12], args[10], args[11])

    local current = readMeta(imageKey)
    local storedFence = newerFence(current, fence)
    if storedFence then
      redis.call('DEL', stagingKey)
      acknowledgeJob(job)
      return { 'STALE_WRITE', storedFence }
    end
    local staged = redis.call('HMGET', stagingKey, unpack(STAGED_FIELDS))
    local meta = {}
    for i = 1, #STAGED_FIELDS do
      meta[STAGED_FIELDS[i]] = oneLine(staged[i])
    end
    if not meta.size then
      fail('STAGING_MISSING', 'staging hash ' .. stagingKey .. ' does not exist; it expired or was never written')
    end
    local size = requireInteger('staged size', meta.size, 0)
    local sizeTerm = tonumber(meta['size-term'])
    local halfLife = tonumber(meta['half-life'])
    if sizeTerm == nil or halfLife == nil or halfLife <= 0 then
      fail('BAD_ARGUMENT', 'the staging hash needs size-term and a positive half-life')
    end

    -- What the replaced copy had counted, carried over; a negative entry holds none of it.
    local carried = current or {}
    local score = tonumber(carried['access-score']) or scoreAfterRequest(nil, claimedAt, halfLife)
    -- The staged hash replaces the old one whole, so the old copy's origin-failed-at goes with it: the origin answered.
    -- Its staged fields go into meta, leaving the body beside it.
    redis.call('RENAME', stagingKey, imageKey)
    redis.call('HDEL', imageKey, unpack(STAGED_FIELDS))
    local now = serverTimeMillis()
    local freshUntil = now + freshTtl
    local expiresAt = freshUntil + grace + staleIfError
    meta.status = 'ok'
    meta.fence = fence
    meta['fetched-at'] = claimedAt
    meta['fresh-until'] = freshUntil
    meta['grace-until'] = freshUntil + grace
    meta['stale-if-error-until'] = expiresAt
    meta['fresh-ttl'] = freshTtl
    meta.hits = carried.hits or 0
    meta['access-score'] = formatScore(score)
    meta['last-access'] = carried['last-access']
    writeMeta(imageKey, meta)
    redis.call('PEXPIREAT', imageKey, expiresAt)
    local used = indexImage(index, key, chargedBytes(key, size), formatScore(score - sizeTerm), expiresAt,
      freshUntil - earlyBy, carried.status ~= 'ok')
    rememberHistory(index, key, meta.exposure, meta.changes)

    local evicted = 0
    -- Expired images still count in the used bytes until swept, so the count is never too low: a partition within its
    -- budget by it is within it and nothing would be evicted; its expired images are left to the scheduler's sweep.
    -- Over it, sweep first and judge again, as the excess may be expired images alone.
    if budget >= 0 and (used or usedBytes(index)) > budget then
      sweepExpired(index, statsKey, now, limit)
      evicted = evictOverBudget(index, statsKey, budget, limit, key, now)
    end
    releaseOwnMarker(markerKey, token)
    count(statsKey, 'regenerated')
    announceReady(imageKey)
    acknowledgeJob(job)
    return { 'WRITTEN', freshUntil, evicted }
  end
}
