-- pansaar_revalidated: the origin answered 304 Not Modified to a conditional GET, so the stored
-- bytes stay and only freshness, validators and the change history change.
--
-- KEYS[1] image hash      pansaar:{p}:img:<key>
-- KEYS[2] marker          pansaar:{p}:marker:<key>
-- KEYS[3] statistics      pansaar:{p}:stats (not-modified, fresh-ttl-*)
-- KEYS[4] priority index  pansaar:{p}:priority
-- KEYS[5] schedule        pansaar:{p}:schedule (the image is filed under its next early-refresh due time)
-- KEYS[6] used bytes      pansaar:{p}:bytes
-- KEYS[7] histories       pansaar:{p}:history (the new change history, and the charged bytes)
-- KEYS[8] departed        pansaar:{p}:departed
-- KEYS[9] repair state    pansaar:{p}:repair (only while a rebuild of the used bytes runs: its count and marks)
-- KEYS[10] events stream  pansaar:{p}:events (not-modified)
-- ARGV[1] claim token
-- ARGV[2] fence (from pansaar_claim)
-- ARGV[3] claimed-at, epoch ms (becomes fetched-at)
-- ARGV[4] fresh TTL in ms
-- ARGV[5] grace in ms
-- ARGV[6] stale-if-error in ms (the hash's Redis TTL becomes fresh TTL + grace + stale-if-error)
-- ARGV[7] etag from the 304; empty: keep the stored one
-- ARGV[8] last-modified from the 304; empty: keep the stored one
-- ARGV[9] early refresh: the image falls due for refresh this many ms before fresh-until
-- ARGV[10] the image's change history after this revalidation: exposure in ms
-- ARGV[11] the image's change history after this revalidation: changes seen
-- ARGV[12] the events stream's cap (XADD MAXLEN ~); 0 or absent (a caller of API 7, without the key): no events
--
-- Returns:
--   {'EXTENDED', fresh-until ms}   freshness, grace-until, stale-if-error-until and TTL extended; the
--                                  origin-failed-at mark cleared (the origin answered); own marker deleted; the
--                                  key published on pansaar:{p}:ready; a not-modified event (size, etag) appended
--   {'STALE_WRITE', stored fence}  a newer claim already wrote this key, or a purge since this
--                                  claim fenced it (stored fence: the purge's); nothing changed
--   {'GONE'}                       no ok copy to extend (expired, evicted or negative meanwhile, or a hash written
--                                  by API 5 or older, without meta);
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
    local staleIfError = requireInteger('stale-if-error', args[6], 0)
    local etag = oneLine(args[7] or '')
    local lastModified = oneLine(args[8] or '')
    local earlyBy = requireInteger('early refresh', args[9], 0)
    local exposure = requireInteger('exposure', args[10], 0)
    local changes = requireInteger('changes', args[11], 0)
    local index = indexKeysFrom(keys, 4)
    local events = eventsFrom(keys[10], args[12])

    local meta = readMeta(imageKey)
    local storedFence = refusingFence(imageKey, meta, fence)
    if storedFence then
      return { 'STALE_WRITE', storedFence }
    end
    if not meta or meta.status ~= 'ok' then
      return { 'GONE' }
    end

    local now = serverTimeMillis()
    local freshUntil = now + freshTtl
    local expiresAt = freshUntil + grace + staleIfError
    meta.fence = fence
    meta['fetched-at'] = claimedAt
    meta['fresh-until'] = freshUntil
    meta['grace-until'] = freshUntil + grace
    meta['stale-if-error-until'] = expiresAt
    meta['fresh-ttl'] = freshTtl
    meta.exposure = exposure
    meta.changes = changes
    meta['origin-failed-at'] = nil
    if etag ~= '' then
      meta.etag = etag
    end
    if lastModified ~= '' then
      meta['last-modified'] = lastModified
    end
    writeMeta(imageKey, meta)
    redis.call('PEXPIREAT', imageKey, expiresAt)
    local key = keyOfImage(imageKey)
    local score = metaNumber(meta['access-score'])
    local halfLife = metaHalfLife(meta['half-life'])
    if key and score then
      indexImage(index, key, chargedBytes(key, metaWholeNumber(meta.size) or 0),
        rankOf(score, metaNumber(meta['size-term']) or 0, halfLife or 1),
        freshUntil - earlyBy, exposure, changes)
    end
    releaseOwnMarker(markerKey, token)
    count(statsKey, 'not-modified')
    countFreshTtl(statsKey, freshTtl)
    appendEvent(events, 'not-modified', key or '', { size = meta.size, etag = meta.etag }, now)
    announceReady(imageKey)
    return { 'EXTENDED', freshUntil }
  end
}
