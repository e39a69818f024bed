package io.pansaar.redis.function;

/**
 * {@code pansaar_evict}'s reply: what one eviction call did.
 *
 * @param swept images Redis had expired that the call took out of the indexes
 * @param evicted images the call evicted to bring the partition within its budget
 * @param usedBytes the partition's used bytes after the call
 * @param images the images the partition indexes after the call
 */
public record EvictReply(long swept, long evicted, long usedBytes, long images) {
}
