-- pansaar_release: a fetch failed; the worker gives its lease back, and when the origin was at fault it marks the
-- cached copy, so readers past grace get that copy (stale-if-error) instead of waiting for a fetch that fails.
--
-- KEYS[1] marker          pansaar:{p}:marker:<key>
-- KEYS[2] statistics      pansaar:{p}:stats (failed: every failed delivery of a claimed job; deferred: every
--                         claimed job put back to wait for its origin)
-- KEYS[3] image hash      pansaar:{p}:img:<key>
-- ARGV[1] claim token
-- ARGV[2] mode: 'retry'   the job will be redelivered: the marker becomes 'queued:<token>' with the
--                         queued TTL, so misses keep piggybacking on the pending retry
--               'defer'   as 'retry', for a job that did not fail but waits for its origin (no permit, a pause,
--                         an open breaker): counted as deferred, not failed
--               'abandon' the job is dead-lettered: the marker is deleted, so the next miss enqueues again
-- ARGV[3] queued-marker TTL in ms (used by 'retry')
-- ARGV[4] origin failed: '1' the fetch failed for the origin's sake (5xx, timeout, connection, a bad answer) or was
--         not tried because the origin is paused; '0' it failed for another reason (Redis, the worker)
--
-- Returns:
--   {'RELEASED'}                        the lease is given back; with ARGV[4] '1' and an ok copy cached, the copy
--                                       holds origin-failed-at (server time of the first such failure since it was
--                                       written; pansaar_put and pansaar_revalidated clear it) and the key is
--                                       published on pansaar:{p}:ready, so readers waiting on a miss read again
--   {'NOT_OWNER', marker value or ''}   the marker is not 'fetching:<token>' (the lease expired or
--                                       another claim took over); nothing changed: that claim decides
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_release',
  callback = function(keys, args)
    local markerKey = keys[1]
    local statsKey = keys[2]
    local imageKey = requireNonEmpty('KEYS[3], the image hash', keys[3])
    local token = requireNonEmpty('claim token', args[1])
    local mode = args[2]
    if mode ~= 'retry' and mode ~= 'defer' and mode ~= 'abandon' then
      fail('BAD_ARGUMENT', 'mode must be retry, defer or abandon, was "' .. tostring(mode) .. '"')
    end
    local queuedTtl = requireInteger('queued-marker TTL', args[3], 1, 600000)
    local originFailed = args[4]
    if originFailed ~= '0' and originFailed ~= '1' then
      fail('BAD_ARGUMENT', 'origin failed must be 0 or 1, was "' .. tostring(originFailed) .. '"')
    end

    count(statsKey, mode == 'defer' and 'deferred' or 'failed')
    local marker = redis.call('GET', markerKey)
    if marker ~= 'fetching:' .. token then
      return { 'NOT_OWNER', marker or '' }
    end
    if mode == 'retry' or mode == 'defer' then
      redis.call('SET', markerKey, 'queued:' .. token, 'PX', queuedTtl)
    else
      redis.call('DEL', markerKey)
    end
    -- Only an ok copy is marked: a negative entry is no copy to serve, and writing meta on a missing hash would create
    -- one.
    local meta = originFailed == '1' and readMeta(imageKey)
    if meta and meta.status == 'ok' then
      if not meta['origin-failed-at'] then
        meta['origin-failed-at'] = serverTimeMillis()
        writeMeta(imageKey, meta)
      end
      announceReady(imageKey)
    end
    return { 'RELEASED' }
  end
}
