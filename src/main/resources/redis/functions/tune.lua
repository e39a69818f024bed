-- pansaar_tune: stores the partition's tuning settings, the half-life, newcomer penalty and probation share its lease
-- holder's tuners chose for the traffic its folds report. A tuned pansaar_put (ARGV[26] '1') counts with them in place of its own
-- arguments; folds, evictions and the refresh listing count with the half-life their caller sends.
--
-- KEYS[1] lease           pansaar:{p}:lease (see lease.lua)
-- KEYS[2] tuning settings pansaar:{p}:tuning (half-life, newcomer-penalty, probation-share)
-- ARGV[1] holder: the worker that holds the partition's lease
-- ARGV[2] half-life of the eviction priority, ms: from 1000 (1 s) to 2592000000 (30 days)
-- ARGV[3] newcomer penalty, half-lives: from 0 to 64
--         The bounds are those start-up puts on pansaar.priority.half-life and .newcomer-penalty: within them every
--         rank in ms lies far above the ranks in half-lives of API 10 and older.
-- ARGV[4] probation share, of the partition's byte budget: from 0.025 to 0.4, the range its tuner moves in; a tuned
--         pansaar_put with a probation share of its own counts with it instead. Empty or absent (a deployment without
--         the probationary stage, or a caller of API 13 or older): the field is left as it is
--
-- Returns {'TUNED', half-life, newcomer penalty, probation share}: the values stored, as strings of every digit a
-- double has; the share '' when none was sent
-- Errors: PANSAAR_BAD_ARGUMENT (a number missing or out of its bounds, or KEYS[2] not the lease's partition's tuning
-- hash), PANSAAR_NOT_LEASE_HOLDER (the caller does not hold the lease; nothing stored)

redis.register_function{
  function_name = 'pansaar_tune',
  callback = function(keys, args)
    local leaseKey = requireNonEmpty('KEYS[1], the lease', keys[1])
    local tuningKey = requireNonEmpty('KEYS[2], the tuning hash', keys[2])
    if not partitionPrefixOf(leaseKey) or tuningKey ~= tuningHashOf(leaseKey) then
      fail('BAD_ARGUMENT', 'KEYS[2] must be the tuning hash beside the lease ' .. leaseKey .. ', was "' .. tuningKey
        .. '"')
    end
    local holder = requireNonEmpty('holder', args[1])
    local halfLife = optionalHalfLife(requireNonEmpty('half-life', args[2]))
    if halfLife < MIN_TUNED_HALF_LIFE or halfLife > MAX_TUNED_HALF_LIFE then
      fail('BAD_ARGUMENT', 'half-life must lie between ' .. MIN_TUNED_HALF_LIFE .. ' and ' .. MAX_TUNED_HALF_LIFE
        .. ' ms, was "' .. args[2] .. '"')
    end
    local newcomerPenalty = optionalNewcomerPenalty(requireNonEmpty('newcomer penalty', args[3]))
    if newcomerPenalty > MAX_TUNED_NEWCOMER_PENALTY then
      fail('BAD_ARGUMENT', 'newcomer penalty must be at most ' .. MAX_TUNED_NEWCOMER_PENALTY .. ' half-lives, was "'
        .. args[3] .. '"')
    end
    local probationShare = nil
    if args[4] ~= nil and args[4] ~= '' then
      probationShare = optionalProbationShare(args[4])
      if probationShare < MIN_TUNED_PROBATION_SHARE or probationShare > MAX_TUNED_PROBATION_SHARE then
        fail('BAD_ARGUMENT', 'probation share must lie between ' .. MIN_TUNED_PROBATION_SHARE .. ' and '
          .. MAX_TUNED_PROBATION_SHARE .. ', was "' .. args[4] .. '"')
      end
    end
    requireLease(leaseKey, holder)
    local stored = { formatScore(halfLife), formatScore(newcomerPenalty), '' }
    redis.call('HSET', tuningKey, 'half-life', stored[1], 'newcomer-penalty', stored[2])
    if probationShare then
      stored[3] = formatScore(probationShare)
      redis.call('HSET', tuningKey, 'probation-share', stored[3])
    end
    return { 'TUNED', stored[1], stored[2], stored[3] }
  end
}
