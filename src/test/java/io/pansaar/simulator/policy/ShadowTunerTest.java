package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void fedATickAtATimeItTunesAsOnTheTraceDatedAtTheTicksEnds() throws IOException {
        // One request per clock unit, so one key per tick of 1: the feed hands each request over alone, dated the end of
        // its tick, when the next one comes. The tuner then replays what a tuner fed the trace one unit later does.
        Trace trace = trace(STATIONARY);
        long capacity = trace.uniqueBytes() / 20;
        for (ShadowTuner.Knob knob : ShadowTuner.Knob.values()) {
            ShadowTuner byRequest = new ShadowTuner(knob, capacity, PansaarSettings.DEFAULT);
            ShadowTuner byTick = new ShadowTuner(knob, capacity, PansaarSettings.DEFAULT);
            TickFeed feed = new TickFeed(1);
            int moves = 0;
            Request previous = null;
            for (Request request : trace.requests()) {
                List<TickFeed.Delivery> tick = feed.offer(request);
                if (previous != null) {
                    assertEquals(List.of(new TickFeed.Delivery(new Request(previous.time() + 1, previous.id(),
                            previous.size()), 1)), tick);
                    boolean moved = byRequest.record(tick.get(0).request());
                    byTick.deliver(tick.get(0).request(), tick.get(0).count());
                    assertEquals(moved, byTick.tickEnded());
                    assertEquals(byRequest.value(), byTick.value());
                    moves += moved ? 1 : 0;
                }
                previous = request;
            }
            assertTrue(moves > 0, knob + " moved: the comparison saw the tuners act");
            for (int side = 0; side < 2; side++) {
                assertEquals(byRequest.shadowStats().get(side).hitBytes(), byTick.shadowStats().get(side).hitBytes());
                assertEquals(byRequest.shadowStats().get(side).evictions(), byTick.shadowStats().get(side).evictions());
            }
        }
    }

    @Test
    void windowsOfHalfLivesEndWithTheClockWhateverTheRequestsInThem() throws IOException {
        // Five requests a clock unit and a half-life of 1,000 units: a window of half-lives holds 5,000 requests for the
        // penalty and 10,000 for the half-life, where a window of requests holds 10,000 or 20,000. The hot set moves
        // every half-life, as on the drifting trace at one request a unit.
        Trace trace = trace(STATIONARY + ",drift-every=5000,drift-shift=1000,requests-per-unit=5");
        long capacity = trace.uniqueBytes() / 20;
        PansaarSettings settings = PansaarSettings.DEFAULT.withHalfLife(1000);
        for (ShadowTuner.Knob knob : ShadowTuner.Knob.values()) {
            long units = knob.halfLives * 1000;
            ShadowTuner inTime = new ShadowTuner(knob, capacity,
                    settings.withTunerWindow(PansaarSettings.TunerWindow.HALF_LIVES));
            ShadowTuner inRequests = new ShadowTuner(knob, capacity, settings);
            int moves = 0;
            int movesWithinAWindowOfTime = 0;
            long previousTime = trace.requests().get(0).time();
            for (Request request : trace.requests()) {
                boolean sameWindow = request.time() / units == previousTime / units;
                if (inTime.record(request)) {
                    assertFalse(sameWindow, knob + " moved within a window of time, at " + request.time());
                    moves++;
                }
                movesWithinAWindowOfTime += inRequests.record(request) && sameWindow ? 1 : 0;
                previousTime = request.time();
            }
            assertTrue(moves > 0, knob + " moved in windows of half-lives");
            assertTrue(movesWithinAWindowOfTime > 0, knob + " in windows of requests moved where time ended no window");
            inTime.finished();
        }
    }

    @Test
    void aKeysRequestsOfATickCountAsManyRequestsOfItAtTheTicksEnd() {
        // Three requests of one key in a tick: the shadows miss the first and hit the other two, as production's fold
        // would tell it three requests, the first of which fetched the image.
        ShadowTuner tuner = new ShadowTuner(ShadowTuner.Knob.NEWCOMER_PENALTY, 1000, PansaarSettings.DEFAULT);
        tuner.deliver(new Request(10, 1, 100), 3);
        assertFalse(tuner.tickEnded());
        for (PolicyStats shadow : tuner.shadowStats()) {
            assertEquals(3, shadow.requests());
            assertEquals(200, shadow.hitBytes());
        }
    }

    @Test
    void aSampleKeepsTheKeysWhoseHashFallsBelowItsShare() {
        int keys = 100_000;
        int quarter = 0;
        int both = 0;
        for (long id = 0; id < keys; id++) {
            assertTrue(ShadowTuner.sampled(id, 1, 0), "every key at a share of 1");
            boolean inSixteenth = ShadowTuner.sampled(id, 1.0 / 16, 0);
            boolean inQuarter = ShadowTuner.sampled(id, 0.25, 0);
            assertTrue(!inSixteenth || inQuarter, "a smaller sample is part of a larger one: " + id);
            quarter += inQuarter ? 1 : 0;
            both += inQuarter && ShadowTuner.sampled(id, 0.25, 1) ? 1 : 0;
        }
        assertTrue(Math.abs(quarter - keys / 4) < keys / 100, "about a quarter of dense ids: " + quarter);
        // Another seed draws another quarter, independent of the first: a sixteenth of the keys are in both.
        assertTrue(Math.abs(both - keys / 16) < keys / 100, "another seed, another sample: " + both + " in both");
    }

    @Test
    void sampledShadowsReplayOnlyTheSampledKeysInCachesScaledByTheShare() throws IOException {
        Trace trace = trace(STATIONARY);
        long capacity = trace.uniqueBytes() / 20;
        double share = 0.25;
        ShadowTuner tuner = new ShadowTuner(ShadowTuner.Knob.NEWCOMER_PENALTY, capacity,
                PansaarSettings.DEFAULT.withTunerSample(share));
        long sampledRequests = 0;
        for (Request request : trace.requests()) {
            tuner.record(request);
            sampledRequests += ShadowTuner.sampled(request.id(), share, 0) ? 1 : 0;
        }
        assertTrue(sampledRequests > 0 && sampledRequests < trace.requests().size());
        for (PolicyStats shadow : tuner.shadowStats()) {
            assertEquals(Math.round(capacity * share), shadow.capacityBytes());
            assertEquals(sampledRequests, shadow.requests());
        }
        tuner.finished();
        assertEquals(capacity, ShadowTuner.shadowCapacity(capacity, 1), "every key: shadows of full size");
        assertEquals(1, ShadowTuner.shadowCapacity(10, 0.01), "at least one byte");
    }

    @Test
    void fedByTicksAndSampledItStillCountsWhatPansaarCountsWithinItsFirstWindow() throws IOException {
        Trace trace = trace("zipf,objects=2000,alpha=0.9,requests=" + (ShadowTuner.Knob.NEWCOMER_PENALTY.window - 1)
                + ",seed=5");
        long capacity = trace.uniqueBytes() / 20;
        PansaarSettings settings = PansaarSettings.DEFAULT.withFoldInterval(100).withTunerSample(1.0 / 16);
        PolicyStats tuned = Simulator.replay(trace, PansaarPolicy.tuned(capacity, Freshness.NONE, settings), Freshness.NONE);
        PolicyStats plain = Simulator.replay(trace, new PansaarPolicy(capacity, Freshness.NONE, settings, 0),
                Freshness.NONE);
        assertEquals(plain.hitBytes(), tuned.hitBytes());
        assertEquals(plain.evictions(), tuned.evictions());
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
