-- pansaar_enqueue: a regeneration request from outside a read (manual), single-flight like a miss.
--
-- KEYS[1] marker          pansaar:{p}:marker:<key>
-- KEYS[2] job stream      pansaar:{p}:jobs
-- KEYS[3] token counter   pansaar:{p}:token-seq (touched only when ARGV[3] is empty)
-- ARGV[1] image key
-- ARGV[2] reason: miss, refresh, manual or warm
-- ARGV[3] token of the job; empty: the function makes one
-- ARGV[4] queued-marker TTL in ms; empty: 600000
--
-- Returns:
--   {'ENQUEUED', job id, token}
--   {'ALREADY_PENDING', marker value}   'queued:<token>' or 'fetching:<token>'; nothing enqueued. A job queued on a
--                                       lower lane (warm-up, early refresh) does not count: one is enqueued on the job
--                                       stream (see enqueueOnFirstLane in shared.lua)
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_enqueue',
  callback = function(keys, args)
    local markerKey = keys[1]
    local jobStreamKey = keys[2]
    local tokenCounterKey = keys[3]
    local key = requireNonEmpty('image key', args[1])
    local reason = requireReason(args[2])
    local queuedTtl = requireInteger('queued-marker TTL', args[4], 1, 600000)
    local enqueued, jobId, tokenOrMarker = enqueueOnFirstLane(markerKey, jobStreamKey, tokenCounterKey, key, reason,
      args[3], queuedTtl, serverTimeMillis())
    if enqueued == 1 then
      return { 'ENQUEUED', jobId, tokenOrMarker }
    end
    return { 'ALREADY_PENDING', tokenOrMarker }
  end
}
