-- pansaar_version: which Pansaar function library this Redis runs.
--
-- KEYS: none
-- ARGV: none
-- Returns: the library version string, "<api version>+<content hash>" (filled in at load time).
-- Errors: none
--
-- The loader reads it on every primary to decide whether to load, keep or refuse to replace the library.

redis.register_function{
  function_name = 'pansaar_version',
  callback = function(keys, args)
    return LIBRARY_VERSION
  end,
  flags = { 'no-writes', 'allow-stale' }
}
