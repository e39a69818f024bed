package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pansaar.simulator.Simulator;
import io.pansaar.simulator.Trace;
import io.pansaar.simulator.trace.Request;
import io.pansaar.simulator.trace.SyntheticTraceReader;

/**
 * {@code pansaar-tuned}: where the popular images stay popular the newcomer penalty climbs, so that images requested
 * once leave before them; where popularity moves on the half-life falls, so that yesterday's images leave sooner.
 */
class ShadowTunerTest {

    private static final String STATIONARY = "zipf,objects=5000,alpha=0.9,requests=200000,seed=3";
    private static final String DRIFTING = STATIONARY + ",drift-every=10000,drift-shift=1000";

    private static Trace trace(String spec) throws IOException {
        return Trace.load(new SyntheticTraceReader(spec));
    }

    private static PansaarPolicy tunedReplay(Trace trace, int percent) {
        PansaarPolicy tuned = PansaarPolicy.tuned(trace.uniqueBytes() * percent / 100, Freshness.NONE,
                PansaarSettings.DEFAULT);
        Simulator.replay(trace, tuned, Freshness.NONE);
        return tuned;
    }

    @Test
    void aStationaryTraceRaisesThePenaltyAndADriftingOneLowersTheHalfLife() throws IOException {
        Trace stationary = trace(STATIONARY);
        Trace drifting = trace(DRIFTING);
        for (int percent : new int[] {5, 20}) {
            PansaarPolicy onStationary = tunedReplay(stationary, percent);
            assertTrue(onStationary.newcomerPenalty() > PansaarSettings.DEFAULT.newcomerPenalty(),
                    "a stationary trace at " + percent + "% raises the penalty: " + onStationary.newcomerPenalty());
            assertTrue(onStationary.halfLife() >= PansaarSettings.DEFAULT.halfLife(),
                    "nor does it shorten the half-life: " + onStationary.halfLife());

            long capacity = drifting.uniqueBytes() * percent / 100;
            PansaarPolicy onDrifting = tunedReplay(drifting, percent);
            assertTrue(onDrifting.halfLife() < PansaarSettings.DEFAULT.halfLife(),
                    "a drifting trace at " + percent + "% shortens the half-life: " + onDrifting.halfLife());
            PolicyStats fixed = Simulator.replay(drifting, new PansaarPolicy(capacity, Freshness.NONE,
                    PansaarSettings.DEFAULT, 0), Freshness.NONE);
            assertTrue(onDrifting.stats().byteHitRatio() > fixed.byteHitRatio(), "and serves more bytes than pansaar: "
                    + onDrifting.stats().byteHitRatio() + " against " + fixed.byteHitRatio());
        }
    }

    @Test
    void withinItsFirstWindowItCountsWhatPansaarCounts() throws IOException {
        // Fewer requests than the shortest window: nothing moves, so the tuned cache is pansaar with its settings.
        Trace trace = trace("zipf,objects=2000,alpha=0.9,requests=" + (ShadowTuner.Knob.NEWCOMER_PENALTY.window - 1)
                + ",seed=5");
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
        assertEquals(PansaarSettings.DEFAULT.halfLife(), tuned.halfLife());
    }

    @Test
    void aSettingOutsideItsRangeStartsAtTheNearestEnd() {
        ShadowTuner.Knob penalty = ShadowTuner.Knob.NEWCOMER_PENALTY;
        assertEquals(0.125, new ShadowTuner(penalty, 1000, PansaarSettings.DEFAULT.withNewcomerPenalty(0)).value());
        assertEquals(16, new ShadowTuner(penalty, 1000, PansaarSettings.DEFAULT.withNewcomerPenalty(40)).value());
        assertEquals(PansaarSettings.DEFAULT.halfLife(),
                new ShadowTuner(ShadowTuner.Knob.HALF_LIFE, 1000, PansaarSettings.DEFAULT).value());
    }

    @Test
    void aNewHalfLifeKeepsTheTimeEachResidentGoesCold() {
        // Room for three images. Two are admitted under a half-life of 100, with scores -1 and -0.5 (their request at
        // 0 and 50, dated back a half-life): their counts fall to one request at -100 and -50, S·h.
        List<Long> evicted = new ArrayList<>();
        PansaarPolicy policy = new PansaarPolicy(30, Freshness.NONE, PansaarSettings.DEFAULT.withHalfLife(100), 0);
        policy.onEviction(evicted::add);
        policy.record(new Request(0, 1, 10));
        policy.record(new Request(50, 2, 10));
        policy.halfLife(400);
        assertEquals(400, policy.halfLife());
        // Under 400 the third goes cold at (60/400 - 1)·400 = -340, before both: the fourth evicts it. Had their
        // scores been kept as they were rather than rescaled to -0.25 and -0.125, the first would have gone.
        policy.record(new Request(60, 3, 10));
        policy.record(new Request(70, 4, 10));
        policy.finished();
        assertEquals(List.of(3L), evicted);
    }
}
