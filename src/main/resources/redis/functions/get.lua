-- pansaar_get: the bookkeeping half of a read. App servers pipeline it right after a plain
-- HMGET <image hash> body content-type etag, so a read is one round trip and the bytes never pass through Lua.
--
-- KEYS[1] image hash      pansaar:{p}:img:<key>
-- KEYS[2] marker          pansaar:{p}:marker:<key>
-- KEYS[3] job stream      pansaar:{p}:jobs
-- KEYS[4] token counter   pansaar:{p}:token-seq (touched only when ARGV[2] is empty)
-- KEYS[5] statistics      pansaar:{p}:stats (hits, stale-hits, misses, negative-hits counted here)
-- KEYS[6] priority index  pansaar:{p}:priority (the image's eviction priority rises with each request)
-- ARGV[1] image key
-- ARGV[2] token for a job this call may enqueue; empty: the function makes one
-- ARGV[3] queued-marker TTL in ms; empty: 600000
--
-- Returns {outcome, fresh-for ms, enqueued 0|1, job id or '', origin status or ''}:
--   {'HIT', ms left fresh, 0, '', ''}           request recorded (hits, last-access, access-score, priority)
--   {'STALE', -ms past fresh, 1|0, id|'', ''}   request recorded; one refresh job enqueued unless one is pending
--   {'MISS', 0, 1|0, id|'', ''}                 one miss job enqueued unless one is pending
--   {'NEGATIVE', 0, 0, '', status}              the origin said 404/410 lately; no job
-- Errors: PANSAAR_BAD_ARGUMENT

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
    local now = serverTimeMillis()

    local entry = redis.call('HMGET', imageKey, 'status', 'fresh-until', 'access-score', 'size-term', 'half-life')
    local status = entry[1]
    if not status then
      count(statsKey, 'misses')
      local enqueued, jobId = enqueueOnce(markerKey, jobStreamKey, tokenCounterKey, key, 'miss', token, queuedTtl, now)
      return { 'MISS', 0, enqueued, jobId, '' }
    end
    if status ~= 'ok' then
      count(statsKey, 'negative-hits')
      return { 'NEGATIVE', 0, 0, '', status }
    end

    redis.call('HINCRBY', imageKey, 'hits', 1)
    local halfLife = tonumber(entry[5])
    if halfLife then
      -- Pansaar's Algorithm: the request raises the access score; the priority is the score less the size term.
      local score = scoreAfterRequest(tonumber(entry[3]), now, halfLife)
      redis.call('HSET', imageKey, 'last-access', now, 'access-score', formatScore(score))
      redis.call('ZADD', priorityKey, 'XX', formatScore(score - (tonumber(entry[4]) or 0)), key)
    else
      redis.call('HSET', imageKey, 'last-access', now)
    end
    local freshFor = (tonumber(entry[2]) or 0) - now
    if freshFor > 0 then
      count(statsKey, 'hits')
      return { 'HIT', freshFor, 0, '', '' }
    end
    -- Past fresh-until but the hash still exists: within grace, serve it and refresh once.
    count(statsKey, 'stale-hits')
    local enqueued, jobId = enqueueOnce(markerKey, jobStreamKey, tokenCounterKey, key, 'refresh', token, queuedTtl, now)
    return { 'STALE', freshFor, enqueued, jobId, '' }
  end
}
