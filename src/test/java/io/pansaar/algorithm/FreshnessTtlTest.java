package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FreshnessTtlTest {
    private final FreshnessTtl formula = new FreshnessTtl(0.01, 60, 604_800, 1);
    private final double prior = formula.priorFor(3600);

    @Test
    void givesAnImageWithoutHistoryTheTtlOfThePrior() {
        assertEquals(3600, formula.ttl(ChangeHistory.NONE, prior));
    }

    @Test
    void unchangedRevalidationsLengthenTheTtlAndChangesShortenIt() {
        ChangeHistory history = ChangeHistory.NONE;
        long previous = formula.ttl(history, prior);
        for (int i = 0; i < 20; i++) {
            history = history.revalidated(previous, false);
            long next = formula.ttl(history, prior);
            assertTrue(next > previous, "unchanged revalidation " + i + " did not lengthen " + previous);
            previous = next;
        }
        long afterChange = formula.ttl(history.revalidated(previous, true), prior);
        assertTrue(afterChange < previous, afterChange + " not below " + previous);
    }

    @Test
    void staysWithinTheSegmentBounds() {
        assertEquals(604_800, formula.ttl(new ChangeHistory(1e12, 0), prior));
        assertEquals(60, formula.ttl(new ChangeHistory(10, 1_000), prior));
        assertEquals(60, formula.ttl(ChangeHistory.NONE, 1));
    }

    @Test
    void spendsTheBudgetWhenTheHistoryIsLong() {
        // A long history at a true mean interval of 100000 dominates the prior: T = 2 · 1% · 100000.
        ChangeHistory history = new ChangeHistory(100_000.0 * 10_000, 10_000);
        long ttl = formula.ttl(history, prior);
        assertTrue(Math.abs(ttl - 2000) <= 20, "TTL " + ttl);
        double stale = FreshnessTtl.expectedStaleShare(ttl, 100_000);
        assertTrue(stale > 0.009 && stale <= 0.0101, "stale share " + stale);
    }

    @Test
    void expectedStaleShareGrowsWithTheTtlAndStaysBelowOne() {
        double previous = 0;
        for (double ttl = 1; ttl < 1e7; ttl *= 3) {
            double share = FreshnessTtl.expectedStaleShare(ttl, 1000);
            assertTrue(share > previous && share < 1, "share " + share + " at " + ttl);
            previous = share;
        }
        assertEquals(0, FreshnessTtl.expectedStaleShare(0, 1000));
    }

    @Test
    void rejectsImpossibleSettings() {
        assertThrows(IllegalArgumentException.class, () -> new FreshnessTtl(0, 1, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new FreshnessTtl(1, 1, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new FreshnessTtl(0.01, 5, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> formula.ttl(ChangeHistory.NONE, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChangeHistory(-1, 0));
    }

    @Test
    void revalidationAddsTheAgeAndCountsChanges() {
        ChangeHistory history = ChangeHistory.NONE.revalidated(100, false).revalidated(50, true);
        assertEquals(150, history.exposure());
        assertEquals(1, history.changes());
    }
}
