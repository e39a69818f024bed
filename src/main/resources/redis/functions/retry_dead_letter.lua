-- pansaar_retry_dead_letter: puts one dead-lettered job back on its partition's job stream, atomically.
--
-- KEYS[1]: the dead-letter stream, pansaar:{p}:dead
-- KEYS[2]: the job stream, pansaar:{p}:jobs (same partition, same hash slot)
-- ARGV[1]: the dead-letter entry id
-- Returns: {'retried', <new job entry id>}: the job's own fields were added to the job stream without the
--            dead-letter bookkeeping (original-id, original-stream, deliveries, last-error, dead-lettered-at),
--            with reason 'manual' when the job had none, and the dead letter was deleted;
--          {'not-found'}: the dead-letter stream holds no such entry; nothing changed;
--          {'refused', why}: the dead letter is an excerpt of an oversize entry (it has an excerpt field), or
--            has more than MAX_RETRIED_PAIRS fields (written by hand): putting it back would publish a job
--            other than the one that failed, or one too large to pass; nothing changed.
-- Errors: PANSAAR_BAD_ARGUMENT when the id is missing; Redis' own error for an id that is not a stream id.
--
-- The job keeps its reason, requested-at and token, so the worker treats it as the request it was: a copy
-- fetched since requested-at satisfies it without a fetch.

local BOOKKEEPING = { ['original-id'] = true, ['original-stream'] = true, ['deliveries'] = true,
                      ['last-error'] = true, ['dead-lettered-at'] = true, ['excerpt'] = true }

-- pansaar_dead_letter copies at most 32 of a job's fields and adds at most 6 of its own; anything larger was not
-- written by it, and is refused rather than unpacked.
local MAX_RETRIED_PAIRS = 40

redis.register_function{
  function_name = 'pansaar_retry_dead_letter',
  callback = function(keys, args)
    local deadLetterStream = keys[1]
    local jobStream = keys[2]
    local deadLetterId = requireNonEmpty('dead-letter id', args[1])

    local found = redis.call('XRANGE', deadLetterStream, deadLetterId, deadLetterId)
    if #found == 0 then
      return {'not-found'}
    end

    local fields = found[1][2]
    if #fields > 2 * MAX_RETRIED_PAIRS then
      return {'refused', 'the dead letter has ' .. math.floor(#fields / 2) .. ' fields; a job has at most 32'}
    end
    for index = 1, #fields - 1, 2 do
      if fields[index] == 'excerpt' then
        return {'refused', 'the dead letter keeps only an excerpt of an oversize entry (' .. fields[index + 1] .. ')'}
      end
    end
    local job = {}
    local hasReason = false
    for index = 1, #fields - 1, 2 do
      local name = fields[index]
      if not BOOKKEEPING[name] then
        job[#job + 1] = name
        job[#job + 1] = fields[index + 1]
        if name == 'reason' then
          hasReason = true
        end
      end
    end
    if not hasReason then
      job[#job + 1] = 'reason'
      job[#job + 1] = 'manual'
    end

    local jobId = redis.call('XADD', jobStream, '*', unpack(job))
    redis.call('XDEL', deadLetterStream, deadLetterId)
    return {'retried', jobId}
  end
}
