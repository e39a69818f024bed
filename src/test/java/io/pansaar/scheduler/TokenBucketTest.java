package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

    @Test
    void startsEmptyAndFillsAtItsRateUpToTheBurst() {
        TokenBucket bucket = new TokenBucket(2, 3, 1_000);
        assertEquals(0, bucket.available(1_000));
        assertEquals(1, bucket.available(1_500));
        assertEquals(2, bucket.available(2_000));
        assertEquals(3, bucket.available(60_000), "never more than the burst");
    }

    @Test
    void spendingTakesTokensAwayAndOverspendingIsRefused() {
        TokenBucket bucket = new TokenBucket(1, 2, 0);
        assertEquals(2, bucket.available(5_000));
        bucket.spend(2);
        assertEquals(0, bucket.available(5_000));
        assertThrows(IllegalStateException.class, () -> bucket.spend(1));
        assertEquals(1, bucket.available(6_000));
    }

    @Test
    void aClockThatGoesBackAddsNothing() {
        TokenBucket bucket = new TokenBucket(1, 5, 10_000);
        assertEquals(2, bucket.available(12_000));
        assertEquals(2, bucket.available(11_000));
    }

    @Test
    void negativeRatesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(-1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, -1, 0));
    }
}
