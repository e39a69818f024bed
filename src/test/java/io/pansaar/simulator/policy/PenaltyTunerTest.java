package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import io.pansaar.simulator.Simulator;
import io.pansaar.simulator.Trace;
import io.pansaar.simulator.trace.SyntheticTraceReader;

/**
 * {@code pansaar-tuned}: the newcomer penalty climbs where the popular images stay popular, so that images requested
 * once leave before them, and falls where popularity moves on, so that new images may replace yesterday's.
 */
class PenaltyTunerTest {

    private static final String STATIONARY = "zipf,objects=5000,alpha=0.9,requests=200000,seed=3";
    private static final String DRIFTING = STATIONARY + ",drift-every=10000,drift-shift=1000";

    private static PansaarPolicy tunedReplay(String spec, int percent) throws IOException {
        Trace trace = Trace.load(new SyntheticTraceReader(spec));
        PansaarPolicy tuned = PansaarPolicy.tuned(trace.uniqueBytes() * percent / 100, Freshness.NONE,
                PansaarSettings.DEFAULT);
        Simulator.replay(trace, tuned, Freshness.NONE);
        return tuned;
    }

    @Test
    void aStationaryTraceRaisesThePenaltyAndADriftingOneLowersIt() throws IOException {
        double start = PansaarSettings.DEFAULT.newcomerPenalty();
        for (int percent : new int[] {5, 20}) {
            double stationary = tunedReplay(STATIONARY, percent).newcomerPenalty();
            double drifting = tunedReplay(DRIFTING, percent).newcomerPenalty();
            assertTrue(stationary > start, "a stationary trace at " + percent + "% raises the penalty: " + stationary);
            assertTrue(drifting < start, "a drifting trace at " + percent + "% lowers the penalty: " + drifting);
            assertTrue(drifting >= PenaltyTuner.LEAST && stationary <= PenaltyTuner.MOST);
        }
    }

    @Test
    void withinItsFirstWindowItCountsWhatPansaarCounts() throws IOException {
        // Fewer requests than a window: the penalty never moves, so the tuned cache is pansaar with its settings.
        Trace trace = Trace.load(new SyntheticTraceReader("zipf,objects=2000,alpha=0.9,requests="
                + (PenaltyTuner.WINDOW - 1) + ",seed=5"));
        long capacity = trace.uniqueBytes() / 20;
        PansaarPolicy tuned = PansaarPolicy.tuned(capacity, Freshness.NONE, PansaarSettings.DEFAULT);
        PolicyStats tunedStats = Simulator.replay(trace, tuned, Freshness.NONE);
        PolicyStats plain = Simulator.replay(trace, new PansaarPolicy(capacity, Freshness.NONE, PansaarSettings.DEFAULT, 0),
                Freshness.NONE);
        assertEquals("pansaar-tuned", tunedStats.name());
        assertEquals(plain.hits(), tunedStats.hits());
        assertEquals(plain.hitBytes(), tunedStats.hitBytes());
        assertEquals(plain.evictions(), tunedStats.evictions());
        assertEquals(PansaarSettings.DEFAULT.newcomerPenalty(), tuned.newcomerPenalty());
    }

    @Test
    void aPenaltyOutsideItsRangeStartsAtTheNearestEnd() {
        assertEquals(PenaltyTuner.LEAST, new PenaltyTuner(1000, PansaarSettings.DEFAULT.withNewcomerPenalty(0)).penalty());
        assertEquals(PenaltyTuner.MOST, new PenaltyTuner(1000, PansaarSettings.DEFAULT.withNewcomerPenalty(40)).penalty());
    }
}
