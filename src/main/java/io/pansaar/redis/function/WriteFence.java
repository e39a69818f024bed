package io.pansaar.redis.function;

/**
 * What a write or a release carries of the claim it acts under, as {@code pansaar_claim} gave it.
 *
 * @param token the claim token
 * @param fence the claim's write fence; a write with a lower fence than the stored one changes nothing
 * @param claimedAtMillis the claim's Redis server time; a written copy's fetched-at
 */
public record WriteFence(String token, long fence, long claimedAtMillis) {
}
