package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.EarlyRefresh;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RefreshWorthTest {

    @Test
    void decidesAsTheExactTestOnRandomCopies() {
        SplittableRandom random = new SplittableRandom(7);
        for (double minimum : new double[] {0, 0.5, 1, 3}) {
            AccessPriority access = new AccessPriority(10_000, 0);
            EarlyRefresh earlyRefresh = new EarlyRefresh(1, 10, minimum);
            RefreshWorth worth = new RefreshWorth(access, earlyRefresh);
            for (int i = 0; i < 100_000; i++) {
                long ttl = 1 + random.nextLong(1_000_000);
                long due = random.nextLong(10_000_000);
                double score = random.nextInt(50) == 0 ? AccessPriority.NEVER_REQUESTED
                        : due / 10_000.0 + random.nextDouble(-20, 20);
                assertAgrees(access, earlyRefresh, worth, score, due, ttl);
            }
        }
    }

    @Test
    void decidesAsTheExactTestAtTheThreshold() {
        AccessPriority access = new AccessPriority(10_000, 0);
        EarlyRefresh earlyRefresh = new EarlyRefresh(1, 10, 0.5);
        RefreshWorth worth = new RefreshWorth(access, earlyRefresh);
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            long ttl = 1 + random.nextLong(1_000_000);
            long due = random.nextLong(10_000_000);
            // Scores whose exponent lies on the threshold, a few units in the last place away, or just beyond the margin.
            double onThreshold = worth.thresholdFor(ttl) + due / 10_000.0;
            double score = switch (random.nextInt(3)) {
                case 0 -> onThreshold;
                case 1 -> onThreshold + Math.ulp(onThreshold) * random.nextInt(-8, 9);
                default -> onThreshold + (random.nextBoolean() ? 2 : -2) * RefreshWorth.MARGIN;
            };
            assertAgrees(access, earlyRefresh, worth, score, due, ttl);
        }
    }

    private static void assertAgrees(AccessPriority access, EarlyRefresh earlyRefresh, RefreshWorth worth, double score,
            long due, long ttl) {
        boolean exact = earlyRefresh.worthRefreshing(access.expectedRequests(score, due, ttl));
        assertEquals(exact, worth.worthRefreshing(score, due, ttl, worth.thresholdFor(ttl)),
                () -> "score " + score + ", due " + due + ", ttl " + ttl);
    }
}
