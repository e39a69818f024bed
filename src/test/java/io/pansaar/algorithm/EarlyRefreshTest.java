package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EarlyRefreshTest {
    private final EarlyRefresh refresh = new EarlyRefresh(1, 500, 2);

    @Test
    void fallsDueTheLeadBeforeExpiryWhenTheDrawIsOne() {
        // -ln(1) = 0: only the lead remains.
        assertEquals(500, refresh.earlyBy(2000, 60_000, 1));
    }

    @Test
    void addsTheFetchTimeTimesBetaTimesMinusLnU() {
        double u = Math.exp(-2);
        assertEquals(500 + 2000 * 2, refresh.earlyBy(2000, 60_000, u));
        assertEquals(500 + 3 * 2000 * 2, new EarlyRefresh(3, 500, 2).earlyBy(2000, 60_000, u));
        assertEquals(500, new EarlyRefresh(0, 500, 2).earlyBy(2000, 60_000, u));
        // A negative fetch time counts as none.
        assertEquals(500, refresh.earlyBy(-2000, 60_000, u));
    }

    @Test
    void aSmallerDrawFallsDueEarlier() {
        long previous = -1;
        for (double u = 1; u > 1e-6; u /= 3) {
            long early = refresh.earlyBy(1000, 10_000_000, u);
            assertTrue(early > previous, early + " at u " + u);
            previous = early;
        }
    }

    @Test
    void neverFallsDueBeforeHalfTheTtl() {
        assertEquals(5000, refresh.earlyBy(100_000, 10_000, 1e-9));
        assertEquals(5000, new EarlyRefresh(1, 1_000_000, 2).earlyBy(0, 10_000, 1));
        assertEquals(0, refresh.earlyBy(100_000, 0, 0.5));
    }

    @Test
    void refreshesOnlyImagesExpectedToBeRequestedEnough() {
        assertTrue(refresh.worthRefreshing(2));
        assertTrue(refresh.worthRefreshing(50));
        assertFalse(refresh.worthRefreshing(1.99));
        assertFalse(refresh.worthRefreshing(0));
        assertTrue(new EarlyRefresh(1, 0, 0).worthRefreshing(0));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> refresh.earlyBy(1000, 10_000, 0));
        assertThrows(IllegalArgumentException.class, () -> refresh.earlyBy(1000, 10_000, 1.01));
        assertThrows(IllegalArgumentException.class, () -> refresh.earlyBy(1000, 10_000, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new EarlyRefresh(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new EarlyRefresh(Double.NaN, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new EarlyRefresh(Double.POSITIVE_INFINITY, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new EarlyRefresh(1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new EarlyRefresh(1, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> new EarlyRefresh(1, 0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new EarlyRefresh(1, 0, Double.POSITIVE_INFINITY));
    }
}
