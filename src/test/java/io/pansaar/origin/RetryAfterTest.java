package io.pansaar.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    @Test
    void readsSeconds() {
        assertEquals(Optional.of(Duration.ofSeconds(4)), RetryAfter.parse("4", NOW));
        assertEquals(Optional.of(Duration.ofSeconds(120)), RetryAfter.parse(" 120 ", NOW));
    }

    @Test
    void readsAnHttpDate() {
        assertEquals(Optional.of(Duration.ofSeconds(90)), RetryAfter.parse("Wed, 02 Dec 2026 12:01:30 GMT", NOW));
    }

    @Test
    void asksForNoPauseWhenTheTimeHasPassedOrIsZero() {
        assertEquals(Optional.empty(), RetryAfter.parse("0", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("Wed, 02 Dec 2026 11:59:00 GMT", NOW));
    }

    @Test
    void ignoresWhatItCannotRead() {
        assertEquals(Optional.empty(), RetryAfter.parse(null, NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("-5", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("1.5", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("soon", NOW));
    }

    @Test
    void boundsAHugeNumberInsteadOfOverflowing() {
        assertEquals(Optional.of(Duration.ofDays(365)), RetryAfter.parse("99999999999999999999999", NOW));
    }
}
