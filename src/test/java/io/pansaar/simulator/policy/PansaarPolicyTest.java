package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pansaar.simulator.Simulator;
import io.pansaar.simulator.Trace;
import io.pansaar.simulator.trace.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PansaarPolicyTest {

    private static PansaarPolicy replay(PansaarPolicy policy, List<Request> trace) {
        for (Request request : trace) {
            policy.record(request);
        }
        policy.finished();
        return policy;
    }

    private static PansaarPolicy replay(long capacity, Freshness freshness, List<Request> trace) {
        return replay(new PansaarPolicy(capacity, freshness), trace);
    }

    private static PansaarPolicy.Parameters withSizeExponent(double sizeExponent) {
        return PansaarPolicy.Parameters.DEFAULT.with(PansaarSettings.DEFAULT.withSizeExponent(sizeExponent));
    }

    private static PansaarPolicy.Parameters withRefreshBudget(double refreshesPerUnit, double burst) {
        return PansaarPolicy.Parameters.DEFAULT.withRefreshBudget(refreshesPerUnit, burst);
    }

    /** Returns the first ids, from 0 up, that never change under the model. */
    private static List<Long> unchangingIds(ChangeModel model, int count) {
        List<Long> ids = new ArrayList<>();
        for (long id = 0; ids.size() < count; id++) {
            if (Double.isInfinite(model.meanChangeInterval(id))) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Test
    void neverExceedsItsCapacityWhileContentChanges() {
        SplittableRandom random = new SplittableRandom(3);
        List<Request> trace = new ArrayList<>();
        for (int time = 0; time < 50_000; time++) {
            int id = random.nextInt(3_000);
            trace.add(new Request(time, id, 1 + (id * 7919L) % 5_000));
        }
        Freshness freshness = new Freshness(ChangeModel.forSpan(0, 50_000), 500);
        for (long capacity : new long[] {1, 4_000, 100_000, 1_000_000}) {
            for (double sizeExponent : new double[] {0, 1}) {
                // finished() recounts the bytes, checks every TTL against the bounds, the ghost's bound, and that
                // no admission was followed by the eviction of the object admitted.
                PansaarPolicy policy = replay(new PansaarPolicy(capacity, freshness, withSizeExponent(sizeExponent)), trace);
                assertEquals(50_000, policy.stats().requests());
                assertEquals(policy.stats().misses() + policy.stats().refreshes(), policy.stats().originFetches());
            }
        }
    }

    @Test
    void hitsAWorkingSetThatFits() {
        List<Request> trace = new ArrayList<>();
        for (int time = 0; time < 10_000; time++) {
            trace.add(new Request(time, time % 50, 100));
        }
        PansaarPolicy policy = replay(10_000, Freshness.NONE, trace);
        assertEquals(50, policy.stats().misses());
        assertEquals(0, policy.stats().refreshes());
    }

    @Test
    void evictsTheResidentOfLowestDecayedCount() {
        PansaarPolicy policy = new PansaarPolicy(300, Freshness.NONE);
        // 1 is requested three times, 2 once, 3 once but later: 2 has the lowest count when 4 arrives.
        long time = 0;
        for (long id : new long[] {1, 1, 2, 1, 3, 4}) {
            policy.record(new Request(time++, id, 100));
        }
        long hits = policy.stats().hits();
        for (long id : new long[] {1, 3, 4}) {
            policy.record(new Request(time++, id, 100));
        }
        assertEquals(hits + 3, policy.stats().hits());
        policy.record(new Request(time, 2, 100));
        assertEquals(hits + 3, policy.stats().hits());
        policy.finished();
    }

    @Test
    void hitsWaitingForTheirFoldStillKeepAnObjectFromEviction() {
        // Room for two. 1 is hit ten times, all waiting for a fold far away; 2 arrives later than 1's one counted
        // request, so without folding the candidate's hits first, 3's arrival would evict 1.
        PansaarPolicy policy = new PansaarPolicy(200, Freshness.NONE, 1_000_000);
        policy.record(new Request(1, 1, 100));
        for (long time = 2; time <= 11; time++) {
            policy.record(new Request(time, 1, 100));
        }
        policy.record(new Request(12, 2, 100));
        policy.record(new Request(13, 3, 100));
        long hits = policy.stats().hits();

        policy.record(new Request(14, 1, 100));
        assertEquals(hits + 1, policy.stats().hits(), "1 stayed");
        policy.record(new Request(15, 2, 100));
        assertEquals(hits + 1, policy.stats().hits(), "2 left in its place");
        policy.finished();
    }

    @Test
    void foldingHitsAtIntervalsKeepsEveryInvariant() {
        SplittableRandom random = new SplittableRandom(5);
        List<Request> trace = new ArrayList<>();
        for (int time = 0; time < 30_000; time++) {
            int id = (int) Math.min(2_999, Math.abs(random.nextGaussian()) * 400);
            trace.add(new Request(time, id, 1 + (id * 7919L) % 3_000));
        }
        Freshness freshness = new Freshness(ChangeModel.forSpan(0, 30_000), 500);
        for (long foldInterval : new long[] {1, 100, 10_000}) {
            PansaarPolicy policy = replay(new PansaarPolicy(200_000, freshness, foldInterval), trace);
            assertEquals(30_000, policy.stats().requests());
            assertTrue(policy.stats().hits() > 0);
        }
    }

    @Test
    void neverEvictsTheObjectJustAdmittedEvenWhenItRanksLowest() {
        // With a = 1 a large new object ranks below the small residents, yet it stays and they leave.
        PansaarPolicy policy = new PansaarPolicy(10_000, Freshness.NONE, withSizeExponent(1));
        for (long id = 1; id <= 10; id++) {
            policy.record(new Request(id, id, 1_000));
        }
        policy.record(new Request(11, 99, 9_500));
        assertEquals(9_500, policy.residentBytes());
        policy.record(new Request(12, 99, 9_500));
        assertEquals(1, policy.stats().hits());
        assertEquals(10, policy.stats().evictions());
        policy.finished();
    }

    @Test
    void doesNotAdmitAnObjectLargerThanTheCache() {
        PansaarPolicy policy = new PansaarPolicy(1_000, Freshness.NONE);
        policy.record(new Request(0, 1, 500));
        policy.record(new Request(1, 2, 1_001));
        policy.record(new Request(2, 1, 500));
        assertEquals(1, policy.stats().hits());
        assertEquals(0, policy.stats().evictions());
        policy.finished();
    }

    @Test
    void aScanDoesNotFlushTheHotSet() {
        List<Request> trace = new ArrayList<>();
        long time = 0;
        for (int round = 0; round < 20; round++) {
            for (int hot = 0; hot < 40; hot++) {
                trace.add(new Request(time++, hot, 100));
            }
        }
        for (int scanned = 0; scanned < 5_000; scanned++) {
            trace.add(new Request(time++, 1_000_000 + scanned, 100));
        }
        PansaarPolicy policy = new PansaarPolicy(10_000, Freshness.NONE);
        for (Request request : trace) {
            policy.record(request);
        }
        long hitsBefore = policy.stats().hits();
        for (int hot = 0; hot < 40; hot++) {
            policy.record(new Request(time++, hot, 100));
        }
        policy.finished();
        // Twenty requests outweigh one request for the length of the scan (5000 units, under 1.4 half-lives), so
        // the scanned objects evict each other.
        assertEquals(hitsBefore + 40, policy.stats().hits());
    }

    @Test
    void aKeyReadContinuouslyIsRefreshedEarlyAndNeverMissesOnceItsCountIsBuilt() {
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        long hot = unchangingIds(model, 1).get(0);
        PansaarPolicy policy = new PansaarPolicy(1_000, new Freshness(model, 1_000));
        // Its decayed count starts at one request, so for about a half-life it looks too cold to refresh.
        long warmUp = (long) PansaarPolicy.HALF_LIFE;
        for (long time = 0; time < warmUp; time += 10) {
            policy.record(new Request(time, hot, 100));
        }
        long misses = policy.stats().misses();
        long revalidations = policy.revalidations();
        for (long time = warmUp; time < 200_000; time += 10) {
            policy.record(new Request(time, hot, 100));
        }
        policy.finished();
        assertEquals(misses, policy.stats().misses());
        long refreshes = policy.revalidations() - revalidations;
        assertTrue(refreshes > 10, "refreshes " + refreshes);
        // With a fixed TTL of 1000 it would be refreshed about 200 times; unchanged refreshes lengthen the TTL.
        assertTrue(refreshes < 150, "refreshes " + refreshes);
    }

    @Test
    void aKeyNobodyReadsExpiresWithoutARefresh() {
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        List<Long> ids = unchangingIds(model, 2);
        long hot = ids.get(0);
        long cold = ids.get(1);
        List<Request> trace = new ArrayList<>();
        trace.add(new Request(0, cold, 100));
        for (long time = 1; time < 100_000; time += 10) {
            trace.add(new Request(time, hot, 100));
        }
        PansaarPolicy policy = new PansaarPolicy(1_000, new Freshness(model, 1_000));
        for (Request request : trace) {
            policy.record(request);
        }
        assertEquals(0, policy.fetchedAt(cold));
        long misses = policy.stats().misses();
        policy.record(new Request(100_000, cold, 100));
        assertEquals(misses + 1, policy.stats().misses());
        assertEquals(100_000, policy.fetchedAt(cold));
        policy.finished();
    }

    @Test
    void refreshesStayWithinTheirBudget() {
        ChangeModel model = ChangeModel.forSpan(0, 100_000);
        List<Long> hot = unchangingIds(model, 50);
        List<Request> trace = new ArrayList<>();
        for (long time = 0; time < 100_000; time++) {
            trace.add(new Request(time, hot.get((int) (time % hot.size())), 100));
        }
        Freshness freshness = new Freshness(model, 1_000);
        PansaarPolicy generous = replay(new PansaarPolicy(10_000, freshness, withRefreshBudget(1, 100)), trace);
        PansaarPolicy tight = replay(new PansaarPolicy(10_000, freshness, withRefreshBudget(0.001, 5)), trace);
        assertTrue(tight.stats().refreshes() <= 5 + 0.001 * 100_000, "refreshes " + tight.stats().refreshes());
        assertTrue(generous.stats().refreshes() > 2 * tight.stats().refreshes(),
                generous.stats().refreshes() + " against " + tight.stats().refreshes());
        // What the budget does not refresh expires and is revalidated on a request, as a miss.
        assertTrue(tight.stats().misses() > generous.stats().misses());
    }

    @Test
    void revalidationsLengthenTheTtlOfUnchangedImagesAndKeepItShortForVolatileOnes() {
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        long unchanging = unchangingIds(model, 1).get(0);
        long volatileId = -1;
        for (long id = 0; volatileId < 0; id++) {
            if (model.meanChangeInterval(id) < 1_000_000) {
                volatileId = model.meanChangeInterval(id) < 100_000 ? id : -1;
            }
        }
        PansaarPolicy stable = replay(1_000, new Freshness(model, 1_000), readEvery(unchanging, 10, 1_000_000));
        PansaarPolicy changing = replay(1_000, new Freshness(model, 1_000), readEvery(volatileId, 10, 1_000_000));
        // With a fixed TTL of 1000 either would be revalidated about 1000 times.
        assertTrue(stable.revalidations() < 400, "revalidations " + stable.revalidations());
        assertTrue(changing.revalidations() > 2 * stable.revalidations(),
                changing.revalidations() + " against " + stable.revalidations());
    }

    @Test
    void aHotCopyIsFreshNoLongerThanItsMostRequestsTakeAndRefreshedRatherThanMissed() {
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        long unchanging = unchangingIds(model, 1).get(0);
        List<Request> everyUnit = readEvery(unchanging, 1, 300_000);
        PansaarPolicy.Parameters defaults = PansaarPolicy.Parameters.DEFAULT;
        PansaarPolicy.Parameters uncut = defaults.withTtl(
                defaults.ttl().withMaximumRequestsPerCopy(Double.POSITIVE_INFINITY));
        PansaarPolicy cut = replay(new PansaarPolicy(1_000, new Freshness(model, 3_600)), everyUnit);
        PansaarPolicy growing = replay(new PansaarPolicy(1_000, new Freshness(model, 3_600), uncut), everyUnit);

        // Never changed, its TTL would grow towards a week of units; at one request a unit it lives at most 500 once
        // its count has built up, so it is revalidated about every 500 units from then on.
        assertTrue(growing.revalidations() < 60, "revalidations " + growing.revalidations());
        assertTrue(cut.revalidations() > 300_000 / 1_000, "revalidations " + cut.revalidations());
        assertTrue(cut.revalidations() < 300_000 / 400, "revalidations " + cut.revalidations());
        // Each of them is an early refresh: the copy is never found expired.
        assertEquals(growing.stats().misses(), cut.stats().misses());
        assertEquals(cut.revalidations(), cut.stats().refreshes());
    }

    private static List<Request> readEvery(long id, long interval, long end) {
        List<Request> trace = new ArrayList<>();
        for (long time = 0; time < end; time += interval) {
            trace.add(new Request(time, id, 100));
        }
        return trace;
    }

    @Test
    void aRefreshedCopyIsFreshFromItsRefreshNotFromItsLastMiss() throws Exception {
        // A volatile image read continuously misses once and is refreshed from then on; were staleness counted
        // from the last miss, every hit after its first change would be stale.
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        long volatileId = 0;
        while (model.meanChangeInterval(volatileId) > 50_000) {
            volatileId++;
        }
        // A trace numbers its ids densely in order of appearance: the ids below go first so that it keeps its id.
        List<Request> requests = new ArrayList<>();
        for (long id = 0; id < volatileId; id++) {
            requests.add(new Request(0, id, 1));
        }
        requests.addAll(readEvery(volatileId, 10, 1_000_000));
        Trace trace = Trace.load(requests::stream);
        Freshness freshness = new Freshness(model, 1_000);
        PansaarPolicy policy = new PansaarPolicy(1_000, freshness);
        PolicyStats stats = Simulator.replay(trace, policy, freshness);
        assertTrue(stats.refreshes() > 1_000, "refreshes " + stats.refreshes());
        assertTrue(stats.misses() < volatileId + 20, "misses " + stats.misses());
        assertTrue(stats.staleHitRatio() < 0.02, "stale " + stats.staleHitRatio());
        assertTrue(policy.fetchedAt(volatileId) > 900_000);
    }

    @Test
    void repeatsItselfExactly() {
        SplittableRandom random = new SplittableRandom(11);
        List<Request> trace = new ArrayList<>();
        for (int time = 0; time < 30_000; time++) {
            int id = random.nextInt(500);
            trace.add(new Request(time, id, 1 + id % 300));
        }
        Freshness freshness = new Freshness(ChangeModel.forSpan(0, 30_000), 300);
        PolicyStats first = replay(20_000, freshness, trace).stats();
        PolicyStats second = replay(20_000, freshness, trace).stats();
        assertEquals(first.hits(), second.hits());
        assertEquals(first.refreshes(), second.refreshes());
        assertEquals(first.evictions(), second.evictions());
        assertTrue(first.refreshes() > 0 && first.evictions() > 0);
    }
}
