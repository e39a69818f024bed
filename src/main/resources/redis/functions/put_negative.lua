-- pansaar_put_negative: the origin said the image does not exist (404 or 410). A negative entry,
-- with no body, keeps readers and workers from asking the origin again until it expires.
--
-- KEYS[1] image hash      pansaar:{p}:img:<key>
-- KEYS[2] marker          pansaar:{p}:marker:<key>
-- KEYS[3] statistics      pansaar:{p}:stats (negative)
-- KEYS[4] priority index  pansaar:{p}:priority    (KEYS[4..6]: a cached image this entry replaces leaves
-- KEYS[5] schedule        pansaar:{p}:schedule     the indexes and the used bytes; negative entries are
-- KEYS[6] used bytes      pansaar:{p}:bytes        small and short-lived, so they count against no budget)
-- KEYS[7] histories       pansaar:{p}:history (a missing image's change history is forgotten)
-- KEYS[8] departed        pansaar:{p}:departed
-- KEYS[9] repair state    pansaar:{p}:repair (only while a rebuild of the used bytes runs: its count and marks)
-- KEYS[10] events stream  pansaar:{p}:events (negative)
-- ARGV[1] claim token
-- ARGV[2] fence (from pansaar_claim)
-- ARGV[3] claimed-at, epoch ms (becomes fetched-at)
-- ARGV[4] negative TTL in ms
-- ARGV[5] the origin's status code, 400..599
-- ARGV[6] the events stream's cap (XADD MAXLEN ~); 0 or absent (a caller of API 7, without the key): no events
--
-- Returns:
--   {'WRITTEN', expires-at ms}     the hash is now {meta} holding status, fence, fetched-at and fresh-until; own
--                                  marker deleted;
--                                  the key published on pansaar:{p}:ready; a negative event (status) appended
--   {'STALE_WRITE', stored fence}  a newer claim already wrote this key, or a purge since this
--                                  claim fenced it (stored fence: the purge's); nothing changed
-- The purges hash pansaar:{p}:purges, by which pansaar_put fences a first fetch in flight during a purge by prefix or
-- tag, does not fence this write: those purges leave negative entries to their short TTL, and a 404 has no tags.
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_put_negative',
  callback = function(keys, args)
    local imageKey = keys[1]
    local markerKey = keys[2]
    local statsKey = keys[3]
    local token, fence, claimedAt = requireClaimArguments(args)
    local negativeTtl = requireInteger('negative TTL', args[4], 1)
    local statusCode = requireInteger('status code', args[5], 400)
    if statusCode > 599 then
      fail('BAD_ARGUMENT', 'status code must be 400..599, was ' .. statusCode)
    end
    local events = eventsFrom(keys[10], args[6])

    local storedFence = refusingFence(imageKey, readMeta(imageKey), fence)
    if storedFence then
      return { 'STALE_WRITE', storedFence }
    end

    local now = serverTimeMillis()
    local expiresAt = now + negativeTtl
    redis.call('DEL', imageKey)
    local key = keyOfImage(imageKey)
    if key then
      local index = indexKeysFrom(keys, 4)
      unindexImage(index, key)
      forgetHistory(index, key)
    end
    writeMeta(imageKey, { status = statusCode, fence = fence, ['fetched-at'] = claimedAt, ['fresh-until'] = expiresAt })
    redis.call('PEXPIRE', imageKey, negativeTtl)
    releaseOwnMarker(markerKey, token)
    count(statsKey, 'negative')
    appendEvent(events, 'negative', key or '', { status = statusCode }, now)
    announceReady(imageKey)
    return { 'WRITTEN', expiresAt }
  end
}
