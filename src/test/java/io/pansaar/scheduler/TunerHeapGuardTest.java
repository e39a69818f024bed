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
        assertEquals(Step.NONE, guard.check(AT_THE_LINE, false), "at the line, not over it");
        assertEquals(1, guard.sample());
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1, false), "over it");
        assertEquals(0.5, guard.sample());
        assertEquals(Step.NONE, guard.check(0, false), "the shadows rebuilt empty");
        assertEquals(Step.NONE, guard.check(AT_THE_LINE / 2, false));
        assertEquals(0.5, guard.sample(), "within the line, the sample stays");
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE * 3, false), "over it again");
        assertEquals(0.25, guard.sample());
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE * 3, false), "still over: one fold filled the new shadows past it");
        assertEquals(0.125, guard.sample());
    }

    @Test
    void itHalvesNoFurtherThanOneKeyIn1024AndThereWarnsOncePerCrossing() {
        TunerHeapGuard guard = new TunerHeapGuard(HEAP, 0.5, 1.0 / 256);
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1, false));
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1, false));
        assertEquals(1.0 / 1024, guard.sample());
        assertEquals(Step.WARN_AT_FLOOR, guard.check(AT_THE_LINE + 1, false), "at the floor: no halving, one warning");
        assertEquals(Step.NONE, guard.check(AT_THE_LINE * 2, false), "still over: warned already");
        assertEquals(Step.NONE, guard.check(AT_THE_LINE, false), "below again");
        assertEquals(Step.WARN_AT_FLOOR, guard.check(AT_THE_LINE + 1, false), "over it again");
        assertEquals(TunerHeapGuard.MIN_SAMPLE, guard.sample(), "the floor holds");
    }

    @Test
    void aHalvingPastTheFloorStopsAtIt() {
        TunerHeapGuard guard = new TunerHeapGuard(HEAP, 0.5, 0.0015);
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1, false));
        assertEquals(TunerHeapGuard.MIN_SAMPLE, guard.sample(), "0.00075 would be below 1/1024");
        assertEquals(Step.WARN_AT_FLOOR, guard.check(AT_THE_LINE + 1, false), "the rebuilt shadows past the line at once");
    }

    @Test
    void aConfiguredSampleBelowTheFloorIsKeptAndWarnedOf() {
        TunerHeapGuard guard = new TunerHeapGuard(HEAP, 0.5, 1.0 / 4096);
        assertEquals(Step.WARN_AT_FLOOR, guard.check(AT_THE_LINE + 1, false));
        assertEquals(1.0 / 4096, guard.sample());
    }

    @Test
    void settledWithinAQuarterOfTheLineItDoublesALoweredSampleBackToTheConfiguredOne() {
        TunerHeapGuard guard = new TunerHeapGuard(HEAP, 0.5, 0.5);
        assertEquals(Step.NONE, guard.check(0, true), "at the configured sample: nothing to raise");
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1, false));
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE + 1, false));
        assertEquals(0.125, guard.sample());
        assertEquals(Step.NONE, guard.check(0, false), "rebuilt empty: not settled, however small");
        assertEquals(Step.NONE, guard.check(AT_THE_LINE / 4 + 1, true), "settled above a quarter of the line");
        assertEquals(0.125, guard.sample());
        assertEquals(Step.RAISE, guard.check(AT_THE_LINE / 4, true), "settled within a quarter: leases moved away");
        assertEquals(0.25, guard.sample());
        assertEquals(Step.NONE, guard.check(AT_THE_LINE / 2, true), "doubled, the shadows settle at half the line");
        assertEquals(Step.RAISE, guard.check(AT_THE_LINE / 8, true), "traffic shrank");
        assertEquals(0.5, guard.sample());
        assertEquals(Step.NONE, guard.check(0, true), "never above the configured sample");
        assertEquals(0.5, guard.sample());
    }

    @Test
    void aHalvingOverTheLineComesBeforeAnyRaise() {
        TunerHeapGuard guard = new TunerHeapGuard(HEAP, 0.5, 1);
        assertEquals(Step.HALVE, guard.check(AT_THE_LINE * 2, true));
        assertEquals(Step.NONE, guard.check(AT_THE_LINE * 2 / 4 + 1, true),
                "halved from above the line, settled above a quarter of it: no swing back");
        assertEquals(0.5, guard.sample());
    }

    @Test
    void aShadowObjectCountsTheMostItTookInTheMeasurement() {
        assertEquals(230_000, TunerHeapGuard.shadowBytes(1_000));
    }
}
