-- pansaar_dead_letter: moves one pending job entry to its partition's dead-letter stream, atomically.
--
-- KEYS[1]: the job stream, pansaar:{p}:jobs
-- KEYS[2]: the dead-letter stream, pansaar:{p}:dead (same partition, same hash slot)
-- KEYS[3]: the partition's statistics, pansaar:{p}:stats (dead-lettered)
-- ARGV[1]: consumer group
-- ARGV[2]: consumer that must hold the entry in its pending list
-- ARGV[3]: entry id
-- ARGV[4]: deliveries so far
-- ARGV[5]: last error (why the entry failed)
-- ARGV[6]: approximate maximum length of the dead-letter stream (XADD MAXLEN ~)
-- Returns: {'moved', <dead-letter entry id>}: the entry was copied with all its fields plus original-id,
--            original-stream, deliveries, last-error and dead-lettered-at (epoch ms, Redis time), then
--            acknowledged and deleted from the job stream;
--          {'not-pending'}: the consumer does not hold the entry (another consumer took it over, or it was
--            acknowledged); nothing changed;
--          {'gone'}: the entry was pending but its data had been deleted; it was acknowledged, nothing copied.
-- Errors: none of its own; Redis' NOGROUP when the group does not exist.

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

    local pending = redis.call('XPENDING', jobStream, group, entryId, entryId, 1)
    if #pending == 0 or pending[1][2] ~= consumer then
      return {'not-pending'}
    end

    local found = redis.call('XRANGE', jobStream, entryId, entryId)
    if #found == 0 then
      redis.call('XACK', jobStream, group, entryId)
      return {'gone'}
    end

    local time = redis.call('TIME')
    local nowMillis = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    local fields = found[1][2]
    local deadLetter = {}
    for index = 1, #fields do
      deadLetter[index] = fields[index]
    end
    -- Appended last, so a reader that folds fields into a map sees these even if the job carried the same names.
    local extra = {'original-id', entryId, 'original-stream', jobStream, 'deliveries', deliveries,
                   'last-error', lastError, 'dead-lettered-at', tostring(nowMillis)}
    for index = 1, #extra do
      deadLetter[#deadLetter + 1] = extra[index]
    end

    local deadLetterId = redis.call('XADD', deadLetterStream, 'MAXLEN', '~', deadLetterMaxLength, '*', unpack(deadLetter))
    redis.call('XACK', jobStream, group, entryId)
    redis.call('XDEL', jobStream, entryId)
    count(statsKey, 'dead-lettered')
    return {'moved', deadLetterId}
  end
}
