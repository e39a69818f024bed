-- pansaar_put: the fenced write of a fetched image. The caller sends, in the same pipeline and
-- before this call, HSET <staging> body .. content-type .. etag .. last-modified .. size .. fetch-ms ..
-- and PEXPIRE <staging> 60000. The staging hash is renamed into place, so the bytes never pass
-- through Lua.
--
-- KEYS[1] image hash      pansaar:{p}:img:<key>
-- KEYS[2] marker          pansaar:{p}:marker:<key>
-- KEYS[3] staging hash    pansaar:{p}:staging:<token>:<key>
-- KEYS[4] statistics      pansaar:{p}:stats (regenerated)
-- ARGV[1] claim token
-- ARGV[2] fence (from pansaar_claim)
-- ARGV[3] claimed-at, epoch ms (from pansaar_claim; becomes fetched-at)
-- ARGV[4] fresh TTL in ms
-- ARGV[5] grace in ms (the hash's Redis TTL is fresh TTL + grace)
--
-- Returns:
--   {'WRITTEN', fresh-until ms}   image replaced; hits and last-access carried over; own marker deleted;
--                                  the key published on pansaar:{p}:ready
--   {'STALE_WRITE', stored fence}  a newer claim already wrote this key; staging deleted, nothing changed
-- Errors: PANSAAR_BAD_ARGUMENT, PANSAAR_STAGING_MISSING (the staging hash expired or was never written)

redis.register_function{
  function_name = 'pansaar_put',
  callback = function(keys, args)
    local imageKey = keys[1]
    local markerKey = keys[2]
    local stagingKey = keys[3]
    local statsKey = keys[4]
    local token, fence, claimedAt = requireClaimArguments(args)
    local freshTtl = requireInteger('fresh TTL', args[4], 1)
    local grace = requireInteger('grace', args[5], 0)

    local storedFence = newerFence(imageKey, fence)
    if storedFence then
      redis.call('DEL', stagingKey)
      return { 'STALE_WRITE', storedFence }
    end
    if redis.call('EXISTS', stagingKey) == 0 then
      fail('STAGING_MISSING', 'staging hash ' .. stagingKey .. ' does not exist; it expired or was never written')
    end

    local carried = redis.call('HMGET', imageKey, 'hits', 'last-access')
    redis.call('RENAME', stagingKey, imageKey)
    local freshUntil = serverTimeMillis() + freshTtl
    redis.call('HSET', imageKey, 'status', 'ok', 'fence', fence, 'fetched-at', claimedAt,
      'fresh-until', freshUntil, 'hits', carried[1] or 0)
    if carried[2] then
      redis.call('HSET', imageKey, 'last-access', carried[2])
    end
    redis.call('PEXPIRE', imageKey, freshTtl + grace)
    releaseOwnMarker(markerKey, token)
    count(statsKey, 'regenerated')
    announceReady(imageKey)
    return { 'WRITTEN', freshUntil }
  end
}
