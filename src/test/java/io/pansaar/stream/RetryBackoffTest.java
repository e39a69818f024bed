package io.pansaar.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RetryBackoffTest {

    private final RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(1), Duration.ofMinutes(2));

    @Test
    void doublesPerDeliveryUpToTheCap() {
        assertEquals(Duration.ofSeconds(1), backoff.ceiling(1));
        assertEquals(Duration.ofSeconds(2), backoff.ceiling(2));
        assertEquals(Duration.ofSeconds(64), backoff.ceiling(7));
        assertEquals(Duration.ofMinutes(2), backoff.ceiling(8));
        assertEquals(Duration.ofMinutes(2), backoff.ceiling(Long.MAX_VALUE));
    }

    @Test
    void jitterKeepsTheDelayBetweenHalfAndAllOfTheCeiling() {
        assertEquals(Duration.ofMillis(2000), backoff.delay(2, 0.0).plusMillis(1000));
        assertEquals(Duration.ofMillis(1999), backoff.delay(2, 0.9999));
        assertEquals(Duration.ofSeconds(60), backoff.delay(100, 0.0));
    }

    @Test
    void rejectsAMaximumBelowTheInitialDelay() {
        assertThrows(IllegalArgumentException.class, () -> new RetryBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)));
    }
}
