-- pansaar_put: the fenced write of a fetched image. The caller sends, in the same pipeline and
-- before this call, HSET <staging> body .. content-type .. etag .. last-modified .. size .. fetch-ms ..
-- digest .. size-term .. half-life .. exposure .. changes .. and PEXPIRE <staging> 60000. The staging hash
-- is renamed into place, so the bytes never pass through Lua. Then the image is filed in the partition's
-- indexes, and when the partition is over its byte budget the lowest-priority other images are evicted.
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

    local storedFence = newerFence(imageKey, fence)
    if storedFence then
      redis.call('DEL', stagingKey)
      acknowledgeJob(job)
      return { 'STALE_WRITE', storedFence }
    end
    local staged = redis.call('HMGET', stagingKey, 'size', 'size-term', 'half-life', 'exposure', 'changes')
    if not staged[1] then
      fail('STAGING_MISSING', 'staging hash ' .. stagingKey .. ' does not exist; it expired or was never written')
    end
    local size = requireInteger('staged size', staged[1], 0)
    local sizeTerm = tonumber(staged[2])
    local halfLife = tonumber(staged[3])
    if sizeTerm == nil or halfLife == nil or halfLife <= 0 then
      fail('BAD_ARGUMENT', 'the staging hash needs size-term and a positive half-life')
    end

    local carried = redis.call('HMGET', imageKey, 'hits', 'last-access', 'access-score')
    local score = tonumber(carried[3]) or scoreAfterRequest(nil, claimedAt, halfLife)
    -- The staged hash replaces the old one whole, so the old copy's origin-failed-at goes with it: the origin answered.
    redis.call('RENAME', stagingKey, imageKey)
    local now = serverTimeMillis()
    local freshUntil = now + freshTtl
    local expiresAt = freshUntil + grace + staleIfError
    redis.call('HSET', imageKey, 'status', 'ok', 'fence', fence, 'fetched-at', claimedAt,
      'fresh-until', freshUntil, 'grace-until', freshUntil + grace, 'stale-if-error-until', expiresAt,
      'fresh-ttl', freshTtl, 'hits', carried[1] or 0, 'access-score', formatScore(score))
    if carried[2] then
      redis.call('HSET', imageKey, 'last-access', carried[2])
    end
    redis.call('PEXPIREAT', imageKey, expiresAt)
    indexImage(index, key, size, formatScore(score - sizeTerm), expiresAt, freshUntil - earlyBy)
    rememberHistory(index, key, staged[4], staged[5])

    local evicted = 0
    if budget >= 0 then
      -- Expired images still count in the used bytes until swept, so sweep before judging the budget.
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
