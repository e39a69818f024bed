package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.pansaar.scheduler.TunerHeapGuard.Step;

class TunerHeapGuardTest {

    /** A heap of 4,600,000 bytes, half of it the line: 2,300,000 bytes, 10,000 shadow objects. */
    private static final long HEAP = 4_600_000;
    private static final long AT_THE_LINE = 10_000;

    @Test
    void theLineIsTheShareOfTheHeap() {
        assertEquals(2_300_000, new TunerHeapGuard(HEAP, 0.5, 1).limitBytes());
        assertEquals(1_150_000, new TunerHeapGuard(HEAP, 0.25, 1).limitBytes());
    }

    @Test
    void overTheLineItHalvesTheSampleEachTimeTheRebuiltShadowsPassItAgain() {
        TunerHeapGuard guard = new TunerHeapGuard(HEAP, 0.5, 1);
        assertEquals(Step.NONE, guard.check(AT_THE_LINE), "at the line, not over it");
        assertEquals(1, guard.sample());
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1), "over it");
        assertEquals(0.5, guard.sample());
        assertEquals(Step.NONE, guard.check(0), "the shadows rebuilt empty");
        assertEquals(Step.NONE, guard.check(AT_THE_LINE / 2));
        assertEquals(0.5, guard.sample(), "within the line, the sample stays");
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE * 3), "over it again");
        assertEquals(0.25, guard.sample());
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE * 3), "still over: one fold filled the new shadows past it");
        assertEquals(0.125, guard.sample());
    }

    @Test
    void itHalvesNoFurtherThanOneKeyIn1024AndThereWarnsOncePerCrossing() {
        TunerHeapGuard guard = new TunerHeapGuard(HEAP, 0.5, 1.0 / 256);
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1));
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1));
        assertEquals(1.0 / 1024, guard.sample());
        assertEquals(Step.WARN_AT_FLOOR, guard.check(AT_THE_LINE + 1), "at the floor: no halving, one warning");
        assertEquals(Step.NONE, guard.check(AT_THE_LINE * 2), "still over: warned already");
        assertEquals(Step.NONE, guard.check(AT_THE_LINE), "below again");
        assertEquals(Step.WARN_AT_FLOOR, guard.check(AT_THE_LINE + 1), "over it again");
        assertEquals(TunerHeapGuard.MIN_SAMPLE, guard.sample(), "the floor holds");
    }

    @Test
    void aHalvingPastTheFloorStopsAtIt() {
        TunerHeapGuard guard = new TunerHeapGuard(HEAP, 0.5, 0.0015);
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1));
        assertEquals(TunerHeapGuard.MIN_SAMPLE, guard.sample(), "0.00075 would be below 1/1024");
        assertEquals(Step.WARN_AT_FLOOR, guard.check(AT_THE_LINE + 1), "the rebuilt shadows past the line at once");
    }

    @Test
    void aConfiguredSampleBelowTheFloorIsKeptAndWarnedOf() {
        TunerHeapGuard guard = new TunerHeapGuard(HEAP, 0.5, 1.0 / 4096);
        assertEquals(Step.WARN_AT_FLOOR, guard.check(AT_THE_LINE + 1));
        assertEquals(1.0 / 4096, guard.sample());
    }

    @Test
    void aShadowObjectCountsTheMostItTookInTheMeasurement() {
        assertEquals(230_000, TunerHeapGuard.shadowBytes(1_000));
    }
}
