package io.pansaar.worker;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.pansaar.origin.OriginGuard;
import io.pansaar.stream.DeferredJobException;

/**
 * A job waits for its origin: the fleet's permits for it are all in use, its rate allows no fetch yet, it asked for
 * a pause, or its circuit breaker is open. The job goes back to the stream without using a delivery.
 */
class OriginUnavailableException extends DeferredJobException {

    /** A job that found every permit in use asks again after a pause drawn from this range, in ms. */
    private static final long BUSY_MIN_MILLIS = 100;
    private static final long BUSY_MAX_MILLIS = 400;
    /** While another fetch probes a half-open breaker, waiters look again at least this often. */
    private static final Duration PROBE_CHECK = Duration.ofSeconds(1);

    private final boolean originFailing;

    private OriginUnavailableException(String message, Duration delay, boolean originFailing) {
        super(message, delay);
        this.originFailing = originFailing;
    }

    /** Whether the origin is failing (paused, breaker open), rather than merely in full use. */
    boolean originFailing() {
        return originFailing;
    }

    /** The job could not get a permit. */
    static OriginUnavailableException waiting(RegenerationJob job, OriginGuard.Wait wait) {
        Duration delay = switch (wait.reason()) {
            // A permit usually comes back within one fetch; the lapse time the reply gives is the worst case.
            case BUSY -> Duration.ofMillis(Math.min(wait.retryIn().toMillis(),
                    ThreadLocalRandom.current().nextLong(BUSY_MIN_MILLIS, BUSY_MAX_MILLIS + 1)));
            case PROBING -> wait.retryIn().compareTo(PROBE_CHECK) < 0 ? wait.retryIn() : PROBE_CHECK;
            case PAUSED, OPEN, RATE -> wait.retryIn();
        };
        return new OriginUnavailableException(job.key() + ": origin " + wait.origin() + " " + describe(wait.reason())
                + "; asking again in " + delay.toMillis() + " ms", delay, wait.reason().originFailing());
    }

    /** The job's fetch failed and left its origin paused or its breaker open for as long as {@code wait} says. */
    static OriginUnavailableException afterFailure(RegenerationJob job, OriginGuard.Wait wait, String failure) {
        return new OriginUnavailableException(job.key() + ": " + failure + "; origin " + wait.origin() + " "
                + describe(wait.reason()) + " for " + wait.retryIn().toMillis() + " ms", wait.retryIn(), true);
    }

    private static String describe(OriginGuard.Reason reason) {
        return switch (reason) {
            case PAUSED -> "asked for a pause (Retry-After)";
            case OPEN -> "has its circuit breaker open";
            case PROBING -> "is being probed after its breaker was open";
            case BUSY -> "has every fetch permit in use (max-concurrency)";
            case RATE -> "is at its max-rate";
        };
    }
}
