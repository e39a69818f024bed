-- pansaar_get: the bookkeeping half of a read that is not a fresh hit. A reader pipelines
--   HMGET <image hash> body meta            (meta: see META_FIELDS in shared.lua)
--   HINCRBY pansaar:{p}:hits <key> 1
-- and serves a fresh ok copy (or a remembered 404/410) from that one round trip alone; the scheduler's
-- pansaar_fold_hits counts the hit later. For anything else (no copy, stale, past grace) it calls this function,
-- passing ARGV[4] = 1 so the request counted by its HINCRBY is taken back and counted here instead. Called without
-- ARGV[4] it records any read itself, as in API 4 and older. The bytes never pass through Lua.
--
-- KEYS[1] image hash      pansaar:{p}:img:<key>
-- KEYS[2] marker          pansaar:{p}:marker:<key>
-- KEYS[3] job stream      pansaar:{p}:jobs
-- KEYS[4] token counter   pansaar:{p}:token-seq (touched only when ARGV[2] is empty)
-- KEYS[5] statistics      pansaar:{p}:stats (hits, stale-hits, stale-if-error-hits, misses, negative-hits counted here)
-- KEYS[6] priority index  pansaar:{p}:priority (the image's eviction priority rises with each request)
-- KEYS[7] hit counter     pansaar:{p}:hits (needed only with ARGV[4] = 1)
-- ARGV[1] image key
-- ARGV[2] token for a job this call may enqueue; empty: the function makes one
-- ARGV[3] queued-marker TTL in ms; empty: 600000
-- ARGV[4] 1: the caller's HINCRBY counted this request in KEYS[7]; take it back. Empty or absent: it did not.
-- ARGV[5] the half-life to count the request with, ms: the image's score moves to it (see scoreInHalfLife); empty or
--         absent (an app server, or a caller of API 10 or older): the image's own, until the scheduler's next fold or
--         write moves it
--
-- Returns {outcome, fresh-for ms, enqueued 0|1, job id or '', origin status or ''}:
--   {'HIT', ms left fresh, 0, '', ''}           request recorded (hits, last-access, access-score, priority);
--                                               serve the HMGET's body
--   {'STALE', -ms past fresh, 1|0, id|'', ''}   past fresh-until, within grace: request recorded; one refresh job
--                                               enqueued unless one is pending; serve the HMGET's body
--   {'STALE_IF_ERROR', -ms past fresh, 1|0, id|'', ''}
--                                               past grace, within stale-if-error, and the origin failed since the
--                                               copy was written (origin-failed-at): request recorded as a stale hit
--                                               but counted in stale-if-error-hits; one refresh job enqueued unless
--                                               one is pending; serve the HMGET's body
--   {'MISS', 0, 1|0, id|'', ''}                 no copy, or a copy past grace whose origin has not failed (kept
--                                               only for an outage; the request still raises its priority): one
--                                               miss job enqueued unless one is pending; do NOT serve the HMGET's body
--   {'NEGATIVE', 0, 0, '', status}              the origin said 404/410 lately; no job
-- A job pending on a lower lane (a warm-up, an early refresh) does not count as pending: one more is enqueued on the
-- job stream and the marker names it (see enqueueOnFirstLane in shared.lua), so the reader never waits behind warm-ups.
-- A copy without grace-until is stale, not past grace, until its hash expires. A hash without meta (written by API 5
-- or older, one field per value) is no copy: MISS.
-- Errors: PANSAAR_BAD_ARGUMENT

-- Takes back the request a reader counted with HINCRBY in the hit counter. Left at -1 when a fold took the +1
-- first: the next fold then corrects the statistics.
local function takeBackCountedHit(hitsKey, key)
  if redis.call('HINCRBY', hitsKey, key, -1) == 0 then
    redis.call('HDEL', hitsKey, key)
  end
end

redis.register_function{
  function_name = 'pansaar_get',
  callback = function(keys, args)
    local imageKey = keys[1]
    local markerKey = keys[2]
    local jobStreamKey = keys[3]
    local tokenCounterKey = keys[4]
    local statsKey = keys[5]
    local priorityKey = requireNonEmpty('KEYS[6], the priority index', keys[6])
    local key = requireNonEmpty('image key', args[1])
    local token = args[2]
    local queuedTtl = requireInteger('queued-marker TTL', args[3], 1, 600000)
    if args[4] == '1' then
      takeBackCountedHit(requireNonEmpty('KEYS[7], the hit counter', keys[7]), key)
    elseif args[4] ~= nil and args[4] ~= '' then
      fail('BAD_ARGUMENT', 'ARGV[4] must be 1 or empty, got ' .. args[4])
    end
    local halfLife = optionalHalfLife(args[5])
    local now = serverTimeMillis()

    local opened = openMeta(imageKey)
    local status = opened and copyStatus(metaValue(opened, 'status'))
    if not status then
      count(statsKey, 'misses')
      local enqueued, jobId = enqueueOnFirstLane(markerKey, jobStreamKey, tokenCounterKey, key, 'miss', token,
        queuedTtl, now)
      return { 'MISS', 0, enqueued, jobId, '' }
    end
    if status ~= 'ok' then
      count(statsKey, 'negative-hits')
      return { 'NEGATIVE', 0, 0, '', status }
    end

    local freshFor = (metaWholeNumber(metaValue(opened, 'fresh-until')) or 0) - now
    local graceUntil = metaWholeNumber(metaValue(opened, 'grace-until'))
    local pastGrace = freshFor <= 0 and graceUntil ~= nil and now >= graceUntil
    -- Redis deletes a hash only after its expiry time, so at that very ms the copy is still there: not served then.
    local servableIfError = metaValue(opened, 'origin-failed-at')
      and now < (metaWholeNumber(metaValue(opened, 'stale-if-error-until')) or 0)
    if pastGrace and not servableIfError then
      -- Kept past grace only for an outage of its origin, and none is known: fetch as for a miss, as the origin
      -- is most likely fine and a copy this old should not be served. The request still counts towards the image's
      -- priority: its refetch is wanted.
      recordRequests(imageKey, opened, priorityKey, key, 1, 0, now, halfLife)
      count(statsKey, 'misses')
      local enqueued, jobId = enqueueOnFirstLane(markerKey, jobStreamKey, tokenCounterKey, key, 'miss', token,
        queuedTtl, now)
      return { 'MISS', 0, enqueued, jobId, '' }
    end

    recordRequests(imageKey, opened, priorityKey, key, 1, 1, now, halfLife)
    if freshFor > 0 then
      count(statsKey, 'hits')
      return { 'HIT', freshFor, 0, '', '' }
    end
    local outcome = 'STALE'
    if pastGrace then
      -- The origin failed since the copy was written: serve it rather than nothing (RFC 5861 stale-if-error),
      -- counted apart so an outage never passes for a good hit ratio, and keep trying to refresh it.
      outcome = 'STALE_IF_ERROR'
      count(statsKey, 'stale-if-error-hits')
    else
      count(statsKey, 'stale-hits')
    end
    local enqueued, jobId = enqueueOnFirstLane(markerKey, jobStreamKey, tokenCounterKey, key, 'refresh', token,
        queuedTtl, now)
    return { outcome, freshFor, enqueued, jobId, '' }
  end
}
