package io.pansaar.redis.function;

/**
 * {@code pansaar_evict}'s reply: what one eviction call did.
 *
 * @param swept images Redis had expired that the call took out of the indexes
 * @param evicted images the call evicted to bring the partition within its budget
 * @param usedBytes the partition's used bytes after the call
 * @param images the images the partition indexes after the call
 * @param rankedAnew candidates ranked anew rather than evicted: hits of them waited in the hit counter, or an older
 *     function library had ranked them in half-lives; a call that ranked its limit of them may have stopped short of
 *     the budget for it
 */
public record EvictReply(long swept, long evicted, long usedBytes, long images, long rankedAnew) {
}
