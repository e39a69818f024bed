package io.pansaar.redis.function;

import java.time.Duration;

/**
 * {@code pansaar_origin_release}'s reply: the origin's state after the fetch's outcome was recorded.
 *
 * @param state whether fetches go through
 * @param left how much longer an open breaker or a pause lasts; zero when closed
 */
public record OriginReleaseReply(OriginState state, Duration left) {
}
