-- pansaar_release: a fetch failed; the worker gives its lease back.
--
-- KEYS[1] marker          pansaar:{p}:marker:<key>
-- KEYS[2] statistics      pansaar:{p}:stats (failed: every failed delivery of a claimed job)
-- ARGV[1] claim token
-- ARGV[2] mode: 'retry'   the job will be redelivered: the marker becomes 'queued:<token>' with the
--                         queued TTL, so misses keep piggybacking on the pending retry
--               'abandon' the job is dead-lettered: the marker is deleted, so the next miss enqueues again
-- ARGV[3] queued-marker TTL in ms (used by 'retry')
--
-- Returns:
--   {'RELEASED'}
--   {'NOT_OWNER', marker value or ''}   the marker is not 'fetching:<token>' (the lease expired or
--                                       another claim took over); nothing changed
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_release',
  callback = function(keys, args)
    local markerKey = keys[1]
    local statsKey = keys[2]
    local token = requireNonEmpty('claim token', args[1])
    local mode = args[2]
    if mode ~= 'retry' and mode ~= 'abandon' then
      fail('BAD_ARGUMENT', 'mode must be retry or abandon, was "' .. tostring(mode) .. '"')
    end
    local queuedTtl = requireInteger('queued-marker TTL', args[3], 1, 600000)

    count(statsKey, 'failed')
    local marker = redis.call('GET', markerKey)
    if marker ~= 'fetching:' .. token then
      return { 'NOT_OWNER', marker or '' }
    end
    if mode == 'retry' then
      redis.call('SET', markerKey, 'queued:' .. token, 'PX', queuedTtl)
    else
      redis.call('DEL', markerKey)
    end
    return { 'RELEASED' }
  end
}
