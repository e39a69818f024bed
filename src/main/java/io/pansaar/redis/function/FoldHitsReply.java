package io.pansaar.redis.function;

/**
 * {@code pansaar_fold_hits}'s reply: what one fold call did.
 *
 * @param images images whose hits were folded
 * @param requests requests folded
 * @param waiting images whose hits still wait for a fold
 */
public record FoldHitsReply(long images, long requests, long waiting) {
}
