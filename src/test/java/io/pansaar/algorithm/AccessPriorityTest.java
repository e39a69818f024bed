package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AccessPriorityTest {
    private static final double TOLERANCE = 1e-9;
    private final AccessPriority priority = new AccessPriority(1000, 1);

    @Test
    void aFirstRequestSetsTheScoreToItsTimeInHalfLives() {
        assertEquals(3.0, priority.afterRequest(AccessPriority.NEVER_REQUESTED, 3000), TOLERANCE);
        assertEquals(1.0, priority.decayedCount(priority.afterRequest(AccessPriority.NEVER_REQUESTED, 3000), 3000), TOLERANCE);
    }

    @Test
    void theScoreIsTheLogOfTheSumOfEveryRequestsWeight() {
        long[] times = {0, 250, 1000, 1700, 4000};
        double score = AccessPriority.NEVER_REQUESTED;
        double sum = 0;
        for (long time : times) {
            score = priority.afterRequest(score, time);
            sum += Math.pow(2, time / 1000.0);
        }
        assertEquals(Math.log(sum) / Math.log(2), score, TOLERANCE);
        // Two requests at the same time double the count: one more in log2.
        double once = priority.afterRequest(AccessPriority.NEVER_REQUESTED, 500);
        assertEquals(once + 1, priority.afterRequest(once, 500), TOLERANCE);
    }

    @Test
    void theCountHalvesEveryHalfLife() {
        double score = priority.afterRequest(priority.afterRequest(AccessPriority.NEVER_REQUESTED, 0), 0);
        assertEquals(2.0, priority.decayedCount(score, 0), TOLERANCE);
        assertEquals(1.0, priority.decayedCount(score, 1000), TOLERANCE);
        assertEquals(0.25, priority.decayedCount(score, 3000), TOLERANCE);
        assertEquals(0, priority.decayedCount(AccessPriority.NEVER_REQUESTED, 3000));
    }

    @Test
    void staysFiniteAtEpochMilliseconds() {
        // 2^(now/h) overflows a double here; the score must not.
        AccessPriority daily = new AccessPriority(86_400_000, 0);
        long now = 1_800_000_000_000L;
        double score = daily.afterRequest(daily.afterRequest(AccessPriority.NEVER_REQUESTED, now - 86_400_000), now);
        assertTrue(Double.isFinite(score));
        assertEquals(1.5, daily.decayedCount(score, now), TOLERANCE);
        double older = daily.afterRequest(score, now - 100L * 86_400_000);
        assertEquals(1.5 + Math.pow(2, -100), daily.decayedCount(older, now), TOLERANCE);
    }

    @Test
    void anOldRequestAfterANewOneAddsItsDecayedWeight() {
        double score = priority.afterRequest(AccessPriority.NEVER_REQUESTED, 5000);
        double withLate = priority.afterRequest(score, 4000);
        assertEquals(1.5, priority.decayedCount(withLate, 5000), TOLERANCE);
    }

    @Test
    void theSizeTermIsTheExponentTimesLog2OfTheSize() {
        double score = 10;
        assertEquals(10 - 10, priority.priority(score, 1024), TOLERANCE);
        assertEquals(10, new AccessPriority(1000, 0).priority(score, 1024), TOLERANCE);
        assertEquals(10 - 5, new AccessPriority(1000, 0.5).priority(score, 1024), TOLERANCE);
        // A size of 0 counts as 1 byte, never as log(0).
        assertEquals(10, priority.priority(score, 0), TOLERANCE);
        assertEquals(0, priority.sizeTerm(1), TOLERANCE);
    }

    @Test
    void ordersImagesAsTheirCountPerBytePowerDoes() {
        // Ten requests an hour ago on 1 MB against one request now on 10 kB, with a = 1 and a 1000 ms half-life:
        // 10 · 2^(-3.6) / 1e6 against 1 / 1e4, so the small recent image ranks higher.
        double many = AccessPriority.NEVER_REQUESTED;
        for (int i = 0; i < 10; i++) {
            many = priority.afterRequest(many, 0);
        }
        double one = priority.afterRequest(AccessPriority.NEVER_REQUESTED, 3600);
        assertTrue(priority.priority(one, 10_000) > priority.priority(many, 1_000_000));
        // With a = 0 only the counts matter: 10 · 2^(-3.6) = 0.82 < 1 still loses; 20 requests would win.
        AccessPriority bytes = new AccessPriority(1000, 0);
        assertTrue(bytes.priority(one, 10_000) > bytes.priority(many, 1_000_000));
        double twenty = bytes.afterRequest(many, 0) + 1 - bytes.afterRequest(many, 0) + many;
        assertTrue(bytes.priority(twenty, 1_000_000) > bytes.priority(one, 10_000));
    }

    @Test
    void expectsRequestsAtTheSteadyRateTheCountStandsFor() {
        // One request every 10 ms for many half-lives: C ≈ rate · h / ln 2, so the estimate is about 100 per second.
        double score = AccessPriority.NEVER_REQUESTED;
        for (long time = 0; time <= 20_000; time += 10) {
            score = priority.afterRequest(score, time);
        }
        double expected = priority.expectedRequests(score, 20_000, 1000);
        assertEquals(100, expected, 1.0);
        assertEquals(2 * expected, priority.expectedRequests(score, 20_000, 2000), TOLERANCE);
        assertEquals(expected / 2, priority.expectedRequests(score, 21_000, 1000), TOLERANCE);
        assertEquals(0, priority.expectedRequests(AccessPriority.NEVER_REQUESTED, 20_000, 1000));
        // The rate is the expectation over one ms, to the bit: the TTL a hot copy is cut to depends on it.
        assertEquals(priority.expectedRequests(score, 20_000, 1), priority.requestRate(score, 20_000));
        assertEquals(0.1, priority.requestRate(score, 20_000), 0.001);
    }

    @Test
    void rejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(Double.NaN, 0));
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(Double.POSITIVE_INFINITY, 0));
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(1000, -0.1));
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(1000, 2.1));
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(1000, Double.NaN));
        assertEquals(2, new AccessPriority(1000, 2).sizeExponent());
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(1000, 0, -0.5));
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(1000, 0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new AccessPriority(1000, 0, Double.POSITIVE_INFINITY));
        assertEquals(0, new AccessPriority(1000, 0).newcomerPenalty());
    }

    @Test
    void aNewcomersRequestCountsAsOneDatedThePenaltyBack() {
        AccessPriority penalised = new AccessPriority(1000, 0, 2);
        // Dated two half-lives back, its one request counts a quarter at the write, and halves from there as any does.
        double score = penalised.newcomerScore(50_000);
        assertEquals(penalised.afterRequest(AccessPriority.NEVER_REQUESTED, 48_000), score, TOLERANCE);
        assertEquals(0.25, penalised.decayedCount(score, 50_000), TOLERANCE);
        assertEquals(0.125, penalised.decayedCount(score, 51_000), TOLERANCE);
        // A second request adds a whole one: the penalty all but vanishes.
        assertEquals(1.25, penalised.decayedCount(penalised.afterRequest(score, 50_000), 50_000), TOLERANCE);
        assertEquals(1, new AccessPriority(1000, 0).decayedCount(new AccessPriority(1000, 0).newcomerScore(50_000), 50_000),
                TOLERANCE);
    }
}
