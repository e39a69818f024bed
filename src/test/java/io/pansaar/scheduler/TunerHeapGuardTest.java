package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TunerHeapGuardTest {

    /** A heap of 2,300,000 bytes: the line is 1,150,000, 5,000 shadow objects. */
    private final TunerHeapGuard guard = new TunerHeapGuard(2_300_000);

    @Test
    void itWarnsOnceWhenTheShadowsCrossHalfTheHeapAndAgainAfterTheyShrankBelowIt() {
        assertEquals(1_150_000, guard.limitBytes());
        assertFalse(guard.crossed(5_000), "at the line, not over it");
        assertTrue(guard.crossed(5_001), "over it");
        assertFalse(guard.crossed(9_000), "still over: warned already");
        assertFalse(guard.crossed(4_000), "below again");
        assertTrue(guard.crossed(6_000), "over it again");
    }

    @Test
    void aShadowObjectCountsTheMostItTookInTheMeasurement() {
        assertEquals(230_000, TunerHeapGuard.shadowBytes(1_000));
    }
}
