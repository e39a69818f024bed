-- pansaar_dead_letter: moves one pending job entry to its partition's dead-letter stream, atomically.
--
-- KEYS[1]: the job stream, pansaar:{p}:jobs, the early-refresh stream, pansaar:{p}:early-refresh, or the warm stream,
--          pansaar:{p}:warm, the entry waits in
-- KEYS[2]: the dead-letter stream, pansaar:{p}:dead (same partition, same hash slot)
-- KEYS[3]: the partition's statistics, pansaar:{p}:stats (dead-lettered)
-- KEYS[4]: the events stream, pansaar:{p}:events (dead-lettered, with the job's key field as far as it had one)
-- ARGV[1]: consumer group
-- ARGV[2]: consumer that must hold the entry in its pending list
-- ARGV[3]: entry id
-- ARGV[4]: deliveries so far
-- ARGV[5]: last error (why the entry failed)
-- ARGV[6]: approximate maximum length of the dead-letter stream (XADD MAXLEN ~)
-- ARGV[7]: the events stream's cap (XADD MAXLEN ~); 0 or absent (a caller of API 7, without the key): no events
-- Returns: {'moved', <dead-letter entry id>}: the entry was copied with its fields plus original-id,
--            original-stream, deliveries, last-error and dead-lettered-at (epoch ms, Redis time), then
--            acknowledged and deleted from the job stream. An oversize entry (more than MAX_COPIED_PAIRS
--            fields, or a name or value longer than MAX_COPIED_BYTES) is copied as a bounded excerpt: its
--            first MAX_COPIED_PAIRS fields, each cut to MAX_COPIED_BYTES, and a field excerpt saying what
--            the entry had; pansaar_retry_dead_letter refuses to put such an excerpt back;
--          {'not-pending'}: the consumer does not hold the entry (another consumer took it over, or it was
--            acknowledged); nothing changed;
--          {'gone'}: the entry was pending but its data had been deleted; it was acknowledged, nothing copied.
-- Errors: none of its own; Redis' NOGROUP when the group does not exist.
--
-- The copy is bounded because the entry is whatever a publisher wrote: a list built from all its fields
-- could exceed what unpack() can pass to XADD (about 8,000 values), and a huge value would be kept twice.

local MAX_COPIED_PAIRS = 32
local MAX_COPIED_BYTES = 2048

-- The entry's fields as XADD arguments, at most MAX_COPIED_PAIRS pairs of at most MAX_COPIED_BYTES each, and a
-- description of what was left out ('' when nothing was).
local function boundedCopy(fields)
  local copy, cutValues = {}, 0
  local pairsCount = math.floor(#fields / 2)
  for index = 1, math.min(#fields, 2 * MAX_COPIED_PAIRS) do
    local text = fields[index]
    if #text > MAX_COPIED_BYTES then
      text = string.sub(text, 1, MAX_COPIED_BYTES)
      cutValues = cutValues + 1
    end
    copy[index] = text
  end
  if pairsCount <= MAX_COPIED_PAIRS and cutValues == 0 then
    return copy, ''
  end
  return copy, 'the entry had ' .. pairsCount .. ' fields; kept the first ' .. math.min(pairsCount, MAX_COPIED_PAIRS)
    .. ', with ' .. cutValues .. ' names or values cut to ' .. MAX_COPIED_BYTES .. ' bytes'
end

redis.register_function{
  function_name = 'pansaar_dead_letter',
  callback = function(keys, args)
    local jobStream = keys[1]
    local deadLetterStream = keys[2]
    local statsKey = keys[3]
    local group = args[1]
    local consumer = args[2]
    local entryId = args[3]
    local deliveries = args[4]
    local lastError = args[5]
    local deadLetterMaxLength = args[6]
    local events = eventsFrom(keys[4], args[7])

    local pending = redis.call('XPENDING', jobStream, group, entryId, entryId, 1)
    if #pending == 0 or pending[1][2] ~= consumer then
      return {'not-pending'}
    end

    local found = redis.call('XRANGE', jobStream, entryId, entryId)
    if #found == 0 then
      redis.call('XACK', jobStream, group, entryId)
      return {'gone'}
    end

    local nowMillis = serverTimeMillis()
    local deadLetter, excerpt = boundedCopy(found[1][2])
    -- Appended last, so a reader that folds fields into a map sees these even if the job carried the same names.
    local extra = {'original-id', entryId, 'original-stream', jobStream, 'deliveries', deliveries,
                   'last-error', string.sub(lastError or '', 1, MAX_COPIED_BYTES), 'dead-lettered-at', tostring(nowMillis)}
    if excerpt ~= '' then
      extra[#extra + 1] = 'excerpt'
      extra[#extra + 1] = excerpt
    end
    for index = 1, #extra do
      deadLetter[#deadLetter + 1] = extra[index]
    end

    local deadLetterId = redis.call('XADD', deadLetterStream, 'MAXLEN', '~', deadLetterMaxLength, '*', unpack(deadLetter))
    redis.call('XACK', jobStream, group, entryId)
    redis.call('XDEL', jobStream, entryId)
    count(statsKey, 'dead-lettered')
    -- The key as the job gave it (an invalid one too, cut like every copied value): what the job asked for.
    local jobKey = ''
    for position = 1, #deadLetter - 1, 2 do
      if deadLetter[position] == 'key' then
        jobKey = deadLetter[position + 1]
        break
      end
    end
    appendEvent(events, 'dead-lettered', jobKey, nil, nowMillis)
    return {'moved', deadLetterId}
  end
}
