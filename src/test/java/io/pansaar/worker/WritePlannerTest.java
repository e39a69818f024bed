package io.pansaar.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.ChangeHistory;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.key.ImageKey;
import io.pansaar.redis.function.CopyLifetime;
import io.pansaar.store.ImageLayout;
import io.pansaar.store.WritePlan;

class WritePlannerTest {

    private static final EarlyRefresh EARLY_REFRESH = new EarlyRefresh(1.0, 2_000, 1.0);
    private static final AccessPriority PRIORITY = new AccessPriority(3_600_000, 1.0, 1);
    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void aPlanCarriesTheDecidedLifetimeAndHistoryWithTheEarlyRefreshOfItsDraw() {
        WritePlanner planner = new WritePlanner(EARLY_REFRESH, PRIORITY, () -> 0.25);
        ChangeHistory history = new ChangeHistory(7_200_000, 3);

        WritePlan plan = planner.plan(HOUR, Duration.ofMinutes(5), Duration.ofDays(1), Duration.ofMillis(800), history);

        assertEquals(new CopyLifetime(HOUR, Duration.ofMinutes(5), Duration.ofDays(1),
                EARLY_REFRESH.earlyBy(800, HOUR.toMillis(), 0.25)), plan.lifetime());
        assertEquals(history, plan.history());
        // lead 2 s plus 800 ms · beta 1 · -ln 0.25
        assertEquals(2_000 + (long) (800 * -Math.log(0.25)), plan.lifetime().earlyRefreshMillis());
    }

    @Test
    void everyPlanDrawsItsEarlyRefreshAfresh() {
        Iterator<Double> draws = List.of(1.0, 0.01).iterator();
        WritePlanner planner = new WritePlanner(EARLY_REFRESH, PRIORITY, draws::next);

        long first = planner.plan(HOUR, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), ChangeHistory.NONE)
                .lifetime().earlyRefreshMillis();
        long second = planner.plan(HOUR, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), ChangeHistory.NONE)
                .lifetime().earlyRefreshMillis();

        assertEquals(2_000, first, "u = 1 leaves only the lead");
        assertNotEquals(first, second);
    }

    @Test
    void theDefaultDrawStaysWithinXFetchRange() {
        WritePlanner planner = new WritePlanner(EARLY_REFRESH, PRIORITY);
        for (int i = 0; i < 1_000; i++) {
            long early = planner.plan(HOUR, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), ChangeHistory.NONE)
                    .lifetime().earlyRefreshMillis();
            assertTrue(early >= 2_000 && early <= HOUR.toMillis() / 2, "early by " + early);
        }
    }

    @Test
    void priorityTermsComeFromTheChargedBytesAndTheHalfLife() {
        WritePlanner planner = new WritePlanner(EARLY_REFRESH, PRIORITY);
        ImageKey key = ImageKey.of("a/b.png");
        // A body that makes the copy's charge 4096 bytes, with its overhead and the key's copies.
        long body = 4_096 - ImageLayout.IMAGE_OVERHEAD_BYTES - ImageLayout.KEY_COPIES * key.bytes().length;

        AccessPriority.Terms terms = planner.priorityOf(key, body);

        assertEquals(new AccessPriority.Terms(PRIORITY.sizeTerm(4_096), 3_600_000, 1), terms);
        assertEquals(12.0, terms.sizeTerm(), 1e-12);
    }
}
