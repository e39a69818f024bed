package io.pansaar.stream;

import java.time.Duration;

/**
 * The delay before an entry that failed is delivered again: {@code initial * 2^(deliveries-1)},
 * capped at {@code max}, with "equal jitter" (between half and all of that), so failures that
 * happened together are not retried together.
 */
public record RetryBackoff(Duration initial, Duration max) {

    public RetryBackoff {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("retry backoff must be positive, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("retry-backoff-max " + max + " is below retry-backoff " + initial);
        }
    }

    /** The delay without jitter after an entry's {@code deliveries}-th failed delivery. */
    public Duration ceiling(long deliveries) {
        long maxMillis = max.toMillis();
        long millis = initial.toMillis();
        // Doubling stops at the cap, so it cannot overflow however many deliveries there were.
        for (long doubling = 1; doubling < deliveries && millis < maxMillis; doubling++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, maxMillis));
    }

    /** The delay after the {@code deliveries}-th failed delivery, given a random number in [0, 1). */
    public Duration delay(long deliveries, double random) {
        long ceiling = ceiling(deliveries).toMillis();
        long half = ceiling / 2;
        return Duration.ofMillis(ceiling - half + (long) (half * random));
    }
}
