-- pansaar_refresh_due: the images of one partition due for an early refresh, oldest due first, with what
-- the scheduler needs to judge whether each is worth one (io.pansaar.algorithm.EarlyRefresh). Reads only.
--
-- KEYS[1] refresh index   pansaar:{p}:refresh
-- ARGV[1] the most images to return
--
-- Returns {server time ms, key, access-score, fresh-ttl ms, key, ...}: for each due image its key
-- and those fields of its hash's meta, '' where missing (an image Redis expired since: the scheduler drops it).
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_refresh_due',
  callback = function(keys, args)
    local refreshKey = keys[1]
    local limit = requireInteger('limit', args[1], 1)
    local now = serverTimeMillis()
    local reply = { now }
    local imageHashPrefix = imageHashPrefixBeside(refreshKey)
    for _, key in ipairs(redis.call('ZRANGEBYSCORE', refreshKey, '-inf', now, 'LIMIT', 0, limit)) do
      local fields = metaValues(readMeta(imageHashPrefix .. key), { 'access-score', 'fresh-ttl' })
      table.insert(reply, key)
      table.insert(reply, fields[1] or '')
      table.insert(reply, fields[2] or '')
    end
    return reply
  end,
  flags = { 'no-writes' }
}
