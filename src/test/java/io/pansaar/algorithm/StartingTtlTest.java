package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StartingTtlTest {

    @Test
    void startsAtTheInitialTtlWithinTheBounds() {
        assertEquals(360, new StartingTtl(0.014, 0.05, 60, 604_800, 360).ttl());
        assertEquals(60, new StartingTtl(0.014, 0.05, 60, 604_800, 1).ttl());
        assertEquals(604_800, new StartingTtl(0.014, 0.05, 60, 604_800, Long.MAX_VALUE).ttl());
    }

    @Test
    void aChangeShortensByTheStepAndAnUnchangedCopyLengthensByItsExpectedShare() {
        StartingTtl changed = new StartingTtl(0.1, 0.2, 1, 1_000_000, 1000);
        changed.firstRevalidation(1000, true);
        assertEquals(Math.round(1000 * Math.exp(-0.2)), changed.ttl());
        StartingTtl unchanged = new StartingTtl(0.1, 0.2, 1, 1_000_000, 1000);
        // At the age of the TTL the expected share is the target: e^(0.2 · 0.1 / 0.9).
        unchanged.firstRevalidation(1000, false);
        assertEquals(Math.round(1000 * Math.exp(0.2 * 0.1 / 0.9)), unchanged.ttl());
        // A copy twice as old was twice as likely to change, so finding it unchanged says more.
        StartingTtl older = new StartingTtl(0.1, 0.2, 1, 1_000_000, 1000);
        older.firstRevalidation(2000, false);
        assertEquals(Math.round(1000 * Math.exp(0.2 * 0.2 / 0.8)), older.ttl());
    }

    @Test
    void settlesWhereTheShareOfChangedFirstCopiesMeetsTheTarget() {
        // Images change at rate 1/50000; copies are revalidated at the current TTL's age, so the share of changes
        // is 1 - e^(-T/50000) and reaches the target of 2% at T = 50000 · -ln(0.98) ≈ 1010.
        SplittableRandom random = new SplittableRandom(7);
        StartingTtl starting = new StartingTtl(0.02, 0.02, 1, 1_000_000, 100);
        double sum = 0;
        int rounds = 200_000;
        for (int i = 0; i < rounds; i++) {
            long age = starting.ttl();
            boolean changed = random.nextDouble() < 1 - Math.exp(-age / 50_000.0);
            starting.firstRevalidation(age, changed);
            if (i >= rounds / 2) {
                sum += starting.ttl();
            }
        }
        double mean = sum / (rounds / 2.0);
        assertTrue(mean > 850 && mean < 1200, "settled at " + mean);
    }

    @Test
    void staysWithinTheBoundsWhateverItLearns() {
        StartingTtl starting = new StartingTtl(0.01, 1, 60, 6000, 600);
        for (int i = 0; i < 100; i++) {
            starting.firstRevalidation(600, true);
        }
        assertEquals(60, starting.ttl());
        starting.firstRevalidation(600, false);
        assertTrue(starting.ttl() > 60);
        for (int i = 0; i < 100_000; i++) {
            starting.firstRevalidation(Long.MAX_VALUE, false);
        }
        assertEquals(6000, starting.ttl());
        starting.firstRevalidation(-5, true);
        assertEquals(Math.round(6000 * Math.exp(-1)), starting.ttl());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new StartingTtl(0, 0.1, 1, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> new StartingTtl(1, 0.1, 1, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> new StartingTtl(Double.NaN, 0.1, 1, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> new StartingTtl(0.01, 0, 1, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> new StartingTtl(0.01, Double.POSITIVE_INFINITY, 1, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> new StartingTtl(0.01, 0.1, 0, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> new StartingTtl(0.01, 0.1, 11, 10, 5));
    }
}
