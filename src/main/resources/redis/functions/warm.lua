-- pansaar_warm: queues warm-up jobs for up to 100 image keys of one partition on its warm stream, in one atomic
-- step, single-flight like a miss: a key whose copy is fresh, or that has a remembered 404/410, or whose job is
-- already queued or fetching (its marker exists, on whichever stream the job waits), is skipped.
--
-- The warm stream pansaar:{p}:warm has the job stream's entry format; workers take its entries only with the
-- capacity the job stream leaves (and a small guaranteed share), so a warm-up backlog never holds up a miss.
--
-- KEYS[1] warm stream     pansaar:{p}:warm
-- KEYS[2] token counter   pansaar:{p}:token-seq (for the jobs' tokens)
-- KEYS[1 + 2i], KEYS[2 + 2i], for the i-th image key (i = 1, 2, ...): its image hash pansaar:{p}:img:<key> and its
--                         marker pansaar:{p}:marker:<key>
-- ARGV[1] queued-marker TTL in ms; empty: 600000
-- ARGV[2..] the image keys, 1 to 100, each named by its two KEYS
--
-- Returns {queued, skipped}: how many jobs were added to the warm stream, and how many keys were skipped.
-- Errors: PANSAAR_BAD_ARGUMENT (nothing changed)

local MAX_WARMED_PER_CALL = 100

-- True when the image hash holds an answer a warm-up would only fetch again: a fresh ok copy or a negative entry
-- (a remembered 404/410, whose hash lives only as long as it is to be believed).
local function needsNoWarmUp(imageKey, now)
  local opened = openMeta(imageKey)
  local status = opened and copyStatus(metaValue(opened, 'status'))
  if not status then
    return false
  end
  if status ~= 'ok' then
    return true
  end
  return (metaWholeNumber(metaValue(opened, 'fresh-until')) or 0) > now
end

redis.register_function{
  function_name = 'pansaar_warm',
  callback = function(keys, args)
    local warmStreamKey = requireNonEmpty('KEYS[1], the warm stream', keys[1])
    local tokenCounterKey = requireNonEmpty('KEYS[2], the token counter', keys[2])
    local queuedTtl = requireInteger('queued-marker TTL', args[1], 1, 600000)
    local count = #args - 1
    if count < 1 or count > MAX_WARMED_PER_CALL then
      fail('BAD_ARGUMENT', 'a call warms 1 to ' .. MAX_WARMED_PER_CALL .. ' image keys, got ' .. count)
    end
    if #keys ~= 2 + 2 * count then
      fail('BAD_ARGUMENT', 'expected ' .. (2 + 2 * count) .. ' keys for ' .. count .. ' image keys, got ' .. #keys)
    end
    for i = 1, count do
      requireNonEmpty('image key ' .. i, args[1 + i])
    end
    local now = serverTimeMillis()
    local queued, skipped = 0, 0
    for i = 1, count do
      local imageHashKey, markerKey = keys[1 + 2 * i], keys[2 + 2 * i]
      if needsNoWarmUp(imageHashKey, now) then
        skipped = skipped + 1
      else
        local enqueued = enqueueOnce(markerKey, warmStreamKey, tokenCounterKey, args[1 + i], 'warm', '',
          queuedTtl, now, LOWER_LANE_TOKEN_PREFIX)
        if enqueued == 1 then
          queued = queued + 1
        else
          skipped = skipped + 1
        end
      end
    end
    return { queued, skipped }
  end
}
