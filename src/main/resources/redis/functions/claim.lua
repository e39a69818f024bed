-- pansaar_claim: a worker asks for the fetch lease of one key before it fetches.
--
-- KEYS[1] image hash      pansaar:{p}:img:<key>
-- KEYS[2] marker          pansaar:{p}:marker:<key>
-- KEYS[3] fence counter   pansaar:{p}:fence (raised past the image's stored fence when it is behind: lost or reset)
-- KEYS[4] statistics      pansaar:{p}:stats (jobs-processed, and jobs-deduplicated when no fetch is needed)
-- KEYS[5] histories       pansaar:{p}:history (the change history of an image that was evicted or expired)
-- ARGV[1] claim token (the job's token when it has one, so a retried job keeps its identity)
-- ARGV[2] requested-at, epoch ms
-- ARGV[3] reason: miss, refresh, manual or warm
-- ARGV[4] fetch-lease TTL in ms
--
-- Returns:
--   {'SATISFIED', why}   nothing to fetch; why: 'fetched-after-request' (a copy, ok or negative, was
--                        fetched at or after requested-at), 'fresh-copy' or 'negative-entry' (a miss or
--                        warm job whose key got a fresh or a negative entry meanwhile). A marker of this
--                        token is deleted, since its job is done.
--   {'BUSY', holder token, lease ms left}   another claim holds a live lease; do not fetch
--   {'CLAIMED', fence, claimed-at ms, etag or '', last-modified or '', fetched-at or '', exposure or '',
--    changes or '', digest or '', access-score or '', half-life or ''}
--                        marker 'fetching:<token>' set for the lease; validators of the current ok
--                        copy for a conditional GET, and what Pansaar's Algorithm knows of it: when it
--                        was fetched, its change history, its body's digest, and its access score with
--                        the half-life in ms the score is counted in (hits still waiting for a fold not
--                        in it), from which the worker works out its request rate and so how long the
--                        next copy may stay fresh. Without an ok copy: fetched-at, digest, access score
--                        and half-life are '', and the history is the one remembered of the image before
--                        it was evicted or expired ('' when none).
-- Errors: PANSAAR_BAD_ARGUMENT

local function satisfiedBecause(entry, requestedAt, reason, now)
  local status, fetchedAt, freshUntil = copyStatus(entry[1]), metaWholeNumber(entry[2]), metaWholeNumber(entry[3])
  if not status then
    return nil
  end
  if fetchedAt ~= nil and fetchedAt >= requestedAt then
    return 'fetched-after-request'
  end
  -- A warm-up, like a miss, only wants a copy: one that is fresh, or a remembered 404/410, answers it.
  if reason == 'miss' or reason == 'warm' then
    if status ~= 'ok' then
      return 'negative-entry'
    end
    if freshUntil ~= nil and freshUntil > now then
      return 'fresh-copy'
    end
  end
  return nil
end

redis.register_function{
  function_name = 'pansaar_claim',
  callback = function(keys, args)
    local imageKey = keys[1]
    local markerKey = keys[2]
    local fenceCounterKey = keys[3]
    local statsKey = keys[4]
    local historyKey = requireNonEmpty('KEYS[5], the histories', keys[5])
    local token = requireNonEmpty('claim token', args[1])
    local requestedAt = requireInteger('requested-at', args[2], 0)
    local reason = requireReason(args[3])
    local fetchLease = requireInteger('fetch lease', args[4], 1)
    local now = serverTimeMillis()

    local entry = metaValues(readMeta(imageKey), { 'status', 'fetched-at', 'fresh-until', 'etag', 'last-modified',
      'exposure', 'changes', 'digest', 'fence', 'access-score', 'half-life' })
    local marker = redis.call('GET', markerKey)
    local why = satisfiedBecause(entry, requestedAt, reason, now)
    if why then
      if marker == 'queued:' .. token or marker == 'fetching:' .. token then
        redis.call('DEL', markerKey)
      end
      count(statsKey, 'jobs-processed')
      count(statsKey, 'jobs-deduplicated')
      return { 'SATISFIED', why }
    end

    if marker and string.sub(marker, 1, 9) == 'fetching:' and marker ~= 'fetching:' .. token then
      count(statsKey, 'jobs-processed')
      count(statsKey, 'jobs-deduplicated')
      return { 'BUSY', string.sub(marker, 10), redis.call('PTTL', markerKey) }
    end

    -- INCR before any write: should the counter hold something other than an integer, the call fails having
    -- changed nothing.
    local fence = redis.call('INCR', fenceCounterKey)
    local storedFence = metaWholeNumber(entry[9])
    if storedFence ~= nil and fence <= storedFence then
      -- The counter was evicted or reset since the stored copy was written: a fence at or below the stored one
      -- would make this claim's write a STALE_WRITE, so the counter moves on past it.
      fence = storedFence + 1
      redis.call('SET', fenceCounterKey, fence)
    end
    redis.call('SET', markerKey, 'fetching:' .. token, 'PX', fetchLease)
    count(statsKey, 'jobs-processed')
    if entry[1] ~= 'ok' then
      local exposure, changes = '', ''
      local remembered = redis.call('HGET', historyKey, keyOfImage(imageKey) or '')
      if remembered then
        -- '<exposure>:<changes>', and ':<charged bytes>' after them while the image is counted as held.
        exposure, changes = string.match(remembered, '^(%d+):(%d+)')
      end
      return { 'CLAIMED', fence, now, '', '', '', exposure or '', changes or '', '', '', '' }
    end
    -- Both are '' unless both are known (finite numbers, the half-life above 0), so that the worker parses numbers.
    local score, halfLife = metaNumber(entry[10]), metaHalfLife(entry[11])
    local known = score ~= nil and halfLife ~= nil
    return { 'CLAIMED', fence, now, entry[4] or '', entry[5] or '', entry[2] or '', entry[6] or '', entry[7] or '',
      entry[8] or '', known and formatScore(score) or '', known and formatScore(halfLife) or '' }
  end
}
