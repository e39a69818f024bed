-- pansaar_revalidated: the origin answered 304 Not Modified to a conditional GET, so the stored
-- bytes stay and only freshness and validators change.
--
-- KEYS[1] image hash      pansaar:{p}:img:<key>
-- KEYS[2] marker          pansaar:{p}:marker:<key>
-- KEYS[3] statistics      pansaar:{p}:stats (not-modified)
-- ARGV[1] claim token
-- ARGV[2] fence (from pansaar_claim)
-- ARGV[3] claimed-at, epoch ms (becomes fetched-at)
-- ARGV[4] fresh TTL in ms
-- ARGV[5] grace in ms
-- ARGV[6] etag from the 304; empty: keep the stored one
-- ARGV[7] last-modified from the 304; empty: keep the stored one
--
-- Returns:
--   {'EXTENDED', fresh-until ms}   freshness and TTL extended; own marker deleted; the key published on
--                                  pansaar:{p}:ready
--   {'STALE_WRITE', stored fence}  a newer claim already wrote this key; nothing changed
--   {'GONE'}                       no ok copy to extend (expired, evicted or negative meanwhile);
--                                  the marker stays so the worker can fetch in full under its lease
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_revalidated',
  callback = function(keys, args)
    local imageKey = keys[1]
    local markerKey = keys[2]
    local statsKey = keys[3]
    local token, fence, claimedAt = requireClaimArguments(args)
    local freshTtl = requireInteger('fresh TTL', args[4], 1)
    local grace = requireInteger('grace', args[5], 0)
    local etag = args[6] or ''
    local lastModified = args[7] or ''

    local storedFence = newerFence(imageKey, fence)
    if storedFence then
      return { 'STALE_WRITE', storedFence }
    end
    if redis.call('HGET', imageKey, 'status') ~= 'ok' then
      return { 'GONE' }
    end

    local freshUntil = serverTimeMillis() + freshTtl
    redis.call('HSET', imageKey, 'fence', fence, 'fetched-at', claimedAt, 'fresh-until', freshUntil)
    if etag ~= '' then
      redis.call('HSET', imageKey, 'etag', etag)
    end
    if lastModified ~= '' then
      redis.call('HSET', imageKey, 'last-modified', lastModified)
    end
    redis.call('PEXPIRE', imageKey, freshTtl + grace)
    releaseOwnMarker(markerKey, token)
    count(statsKey, 'not-modified')
    announceReady(imageKey)
    return { 'EXTENDED', freshUntil }
  end
}
