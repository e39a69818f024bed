package io.pansaar.redis.function;

/**
 * {@code pansaar_purge_prefix}'s and {@code pansaar_purge_tag}'s reply: one batch of a purge by prefix or by tag in one
 * partition.
 *
 * @param purged the images that existed and were purged (deleted, or marked stale by a soft purge)
 * @param listed the keys listed from the keys index or the tag's index; fewer than a full batch means the prefix or
 *        tag is done there
 * @param cursor the last key listed, from which the next call goes on; empty when none was listed
 */
public record PurgeBatchReply(long purged, long listed, String cursor) {
}
