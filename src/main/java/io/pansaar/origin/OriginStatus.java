package io.pansaar.origin;

import java.time.Instant;

import io.vertx.mutiny.redis.client.Response;

/**
 * One origin's shared state, as {@code GET /api/status} shows it.
 *
 * @param origin              {@code scheme://host:port}
 * @param maxConcurrency      the fetches in flight it allows, fleet-wide
 * @param maxRate             the fetches per second it allows, fleet-wide; null: no limit
 * @param breaker             {@code closed}, {@code open} or {@code half-open}
 * @param inFlight            fetch permits held now, by every worker
 * @param pausedForMillis     how much longer a Retry-After pause lasts; 0: none
 * @param openForMillis       how much longer the open breaker lets nothing through; 0: not open
 * @param consecutiveFailures failures since the last answer
 * @param timesOpened         how often the breaker has opened
 * @param deferred            jobs put back to wait for this origin, by every worker, ever
 * @param lastFailure         what the latest failure was; null when there was none
 * @param lastFailureAt       when it happened; null when there was none
 */
public record OriginStatus(String origin, int maxConcurrency, Double maxRate, String breaker, long inFlight,
        long pausedForMillis, long openForMillis, long consecutiveFailures, long timesOpened, long deferred,
        String lastFailure, Instant lastFailureAt) {

    /** The status from {@code pansaar_origin_status}'s reply. */
    static OriginStatus of(OriginId origin, OriginPolicy policy, Response reply) {
        long lastFailureAt = reply.get(8).toLong();
        String lastFailure = reply.get(7).toString();
        return new OriginStatus(origin.toString(), policy.maxConcurrency(),
                policy.maxRate().isPresent() ? policy.maxRate().getAsDouble() : null, reply.get(0).toString(),
                reply.get(1).toLong(), reply.get(2).toLong(), reply.get(3).toLong(), reply.get(4).toLong(),
                reply.get(5).toLong(), reply.get(6).toLong(), lastFailure.isEmpty() ? null : lastFailure,
                lastFailureAt == 0 ? null : Instant.ofEpochMilli(lastFailureAt));
    }

    /** Whether the breaker lets nothing but a probe through (open or half-open). */
    public boolean breakerOpen() {
        return !"closed".equals(breaker);
    }
}
