package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

    /** An empty bucket filling at {@code perSecond} on a clock of milliseconds, as production uses it. */
    private static TokenBucket perSecond(double perSecond, double burst, long nowMillis) {
        return new TokenBucket(perSecond / 1000, burst, 0, nowMillis);
    }


    @Test
    void startsEmptyAndFillsAtItsRateUpToTheBurst() {
        TokenBucket bucket = perSecond(2, 3, 1_000);
        assertEquals(0, bucket.available(1_000));
        assertEquals(1, bucket.available(1_500));
        assertEquals(2, bucket.available(2_000));
        assertEquals(3, bucket.available(60_000), "never more than the burst");
    }

    @Test
    void spendingTakesTokensAwayAndOverspendingIsRefused() {
        TokenBucket bucket = perSecond(1, 2, 0);
        assertEquals(2, bucket.available(5_000));
        bucket.spend(2);
        assertEquals(0, bucket.available(5_000));
        assertThrows(IllegalStateException.class, () -> bucket.spend(1));
        assertEquals(1, bucket.available(6_000));
    }

    @Test
    void aClockThatGoesBackAddsNothing() {
        TokenBucket bucket = perSecond(1, 5, 10_000);
        assertEquals(2, bucket.available(12_000));
        assertEquals(2, bucket.available(11_000));
    }

    @Test
    void aBucketMayStartFullAndTryTakeSpendsOneAtATime() {
        TokenBucket bucket = new TokenBucket(1, 2, 5, 100);
        assertEquals(2, bucket.available(100), "the initial tokens are capped at the burst");
        assertTrue(bucket.tryTake(100));
        assertTrue(bucket.tryTake(100));
        assertFalse(bucket.tryTake(100));
        assertTrue(bucket.tryTake(101));
    }

    @Test
    void negativeRatesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> perSecond(-1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> perSecond(1, -1, 0));
    }
}
