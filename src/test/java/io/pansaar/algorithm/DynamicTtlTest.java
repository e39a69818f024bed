package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DynamicTtlTest {

    @Test
    void anHoursBoundsAreAMinuteAndAWeek() {
        assertEquals(60, DynamicTtl.floorOf(3_600));
        assertEquals(604_800, DynamicTtl.ceilingOf(3_600));
    }

    @Test
    void aCopyLivesNoLongerThanItsMostRequestsTakeAndNoShorterThanTheMinimum() {
        DynamicTtl ttl = new DynamicTtl(0.01, 3_600, 60, 604_800,
                DynamicTtl.Parameters.DEFAULT.withMaximumRequestsPerCopy(500));
        ChangeHistory stable = new ChangeHistory(1_000_000, 0);
        long uncut = ttl.ttl(stable);
        assertEquals(uncut, ttl.ttl(stable, 0), "an image never requested keeps its TTL");
        assertEquals(uncut, ttl.ttl(stable, 500.0 / (uncut + 1)), "its most requests take longer than the TTL");
        assertEquals(uncut, ttl.ttl(stable, 500.0 / uncut), "they take the TTL exactly");
        assertEquals(1000, ttl.ttl(stable, 0.5), "they take 1000 units");
        assertEquals(60, ttl.ttl(stable, 100), "they take 5 units, under the minimum");
        assertEquals(1000, ttl.limitedToRequests(5000, 0.5));
        assertEquals(800, ttl.limitedToRequests(800, 0.5));
    }

    @Test
    void theMostRequestsPerCopyMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> DynamicTtl.Parameters.DEFAULT.withMaximumRequestsPerCopy(0));
        assertThrows(IllegalArgumentException.class,
                () -> DynamicTtl.Parameters.DEFAULT.withMaximumRequestsPerCopy(Double.NaN));
        assertEquals(Double.POSITIVE_INFINITY, DynamicTtl.Parameters.DEFAULT
                .withMaximumRequestsPerCopy(Double.POSITIVE_INFINITY).maximumRequestsPerCopy());
    }

    @Test
    void theFloorIsAtLeastOneUnitAndTheCeilingDoesNotOverflow() {
        assertEquals(1, DynamicTtl.floorOf(30));
        assertEquals(Long.MAX_VALUE, DynamicTtl.ceilingOf(Long.MAX_VALUE / 100));
    }
}
