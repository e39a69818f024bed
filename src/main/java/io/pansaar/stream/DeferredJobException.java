package io.pansaar.stream;

import java.time.Duration;

/**
 * Thrown by a consumer of job entries when the job cannot run yet because what it needs is held back (its
 * origin is paused, its circuit breaker open, or the fleet's permits for it are all in use), not because the job
 * failed. The connector puts the entry back without counting a delivery and delivers it again after
 * {@link #delay()}; while it waits it does not count toward max-in-flight, so it never holds up the jobs of other
 * origins. An entry older than the connector's max-defer is dead-lettered instead, with reason
 * {@value #DEAD_LETTER_REASON}.
 */
public class DeferredJobException extends RuntimeException {

    /** How a dead letter says that its job waited too long for its origin. */
    public static final String DEAD_LETTER_REASON = "origin-unavailable";

    private final Duration delay;

    /** The job waits {@code delay} (at least 1 ms) before it is delivered again. */
    public DeferredJobException(String message, Duration delay) {
        super(message);
        this.delay = delay.toMillis() < 1 ? Duration.ofMillis(1) : delay;
    }

    /** How long the job waits before it is delivered again. */
    public Duration delay() {
        return delay;
    }
}
