package io.pansaar.redis.function;

import java.util.Optional;

/**
 * What {@code pansaar_enqueue} did with a single-flight regeneration request.
 *
 * @param enqueued true when this request added a job; false when one was already queued or fetching
 * @param jobId the new job's stream entry id, when enqueued
 * @param token the token of the job that will serve the request: the new job's, or the pending one's
 * @param pendingMarker when not enqueued, the single-flight marker that was found: {@code queued:<token>} or
 *        {@code fetching:<token>}
 */
public record EnqueueReply(boolean enqueued, Optional<String> jobId, String token, Optional<String> pendingMarker) {
}
