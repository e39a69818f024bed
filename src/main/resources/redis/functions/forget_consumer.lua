-- pansaar_forget_consumer: removes a consumer that an earlier worker process left in the group,
-- but only while it holds no pending entry, so no job can be lost with it.
--
-- KEYS[1] job stream      pansaar:{p}:jobs
-- ARGV[1] consumer group
-- ARGV[2] consumer name
--
-- Returns:
--   {'FORGOTTEN'}   the consumer had no pending entry and was deleted
--   {'PENDING'}     it still holds entries (they are reclaimed first); nothing changed
-- Errors: none of its own; Redis' NOGROUP when the group does not exist.
--
-- A consumer deleted while it was in fact alive is recreated by its next XREADGROUP.

redis.register_function{
  function_name = 'pansaar_forget_consumer',
  callback = function(keys, args)
    local jobStream = keys[1]
    local group = requireNonEmpty('consumer group', args[1])
    local consumer = requireNonEmpty('consumer name', args[2])

    local pending = redis.call('XPENDING', jobStream, group, '-', '+', 1, consumer)
    if #pending > 0 then
      return { 'PENDING' }
    end
    redis.call('XGROUP', 'DELCONSUMER', jobStream, group, consumer)
    return { 'FORGOTTEN' }
  end
}
