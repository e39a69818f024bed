package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pansaar.simulator.Simulator;
import io.pansaar.simulator.Trace;
import io.pansaar.simulator.trace.Request;
import io.pansaar.simulator.trace.SyntheticTraceReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@code pansaar-probation}: new images wait in a probationary FIFO before main's priority order. */
class PansaarProbationTest {
    /** 20 images of this size fill the cache; its probationary FIFO holds 10% of the bytes, two of them. */
    private static final long SIZE = 50;
    private static final long CAPACITY = 1_000;
    /** Far enough apart, in half-lives, that one request at a later phase outranks two at an earlier one. */
    private static final long PHASE = 1_000_000;
    /** A small Zipf trace whose popular images stay popular. */
    private static final String STATIONARY = "zipf,objects=5000,alpha=0.9,requests=200000,seed=3";

    private long time;

    private static PansaarPolicy plain() {
        return new PansaarPolicy(CAPACITY, Freshness.NONE);
    }

    private static PansaarPolicy withProbation() {
        return new PansaarPolicy(CAPACITY, Freshness.NONE, 0, PansaarPolicy.PROBATION_SHARE);
    }

    /** Requests the ids in order, one clock unit apart, and returns how many of them hit. */
    private long request(PansaarPolicy policy, long... ids) {
        long before = policy.stats().hits();
        for (long id : ids) {
            policy.record(new Request(time++, id, SIZE));
        }
        return policy.stats().hits() - before;
    }

    private static long[] ids(long first, int count) {
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = first + i;
        }
        return ids;
    }

    /** Requests ids 1..10 twice each, from time 0: ten images requested again while on probation. */
    private void requestAHotSet(PansaarPolicy policy) {
        time = 0;
        for (long id = 1; id <= 10; id++) {
            request(policy, id, id);
        }
    }

    @Test
    void aScanOfOneHitWondersLeavesThroughProbationAndSparesImagesRequestedThere() {
        PansaarPolicy policy = withProbation();
        requestAHotSet(policy);
        time = PHASE;
        request(policy, ids(1_000, 100));
        assertEquals(10, request(policy, ids(1, 10)));
        policy.finished();
        assertEquals("pansaar-probation", policy.stats().name());
    }

    @Test
    void withoutProbationTheSameScanFlushesTheImagesRequestedLongAgo() {
        PansaarPolicy policy = plain();
        requestAHotSet(policy);
        time = PHASE;
        request(policy, ids(1_000, 100));
        // Each scanned image's single request is later, so scores higher, than the hot set's two.
        assertEquals(0, request(policy, ids(1, 10)));
        policy.finished();
        assertEquals("pansaar", policy.stats().name());
    }

    @Test
    void anImageThatReturnsWhileInTheGhostSkipsProbation() {
        PansaarPolicy policy = withProbation();
        requestAHotSet(policy);
        time = PHASE;
        // 1000..1004 leave probation unrequested, into the ghost, as 1010..1014 arrive.
        request(policy, ids(1_000, 15));
        assertEquals(0, request(policy, 1_000));
        // 3000 is new: it waits on probation, where the next scan pushes it out unrequested.
        assertEquals(0, request(policy, 3_000));
        time = 2 * PHASE;
        request(policy, ids(2_000, 50));
        assertEquals(1, request(policy, 1_000));
        assertEquals(0, request(policy, 3_000));
        assertEquals(10, request(policy, ids(1, 10)));
        policy.finished();
    }

    @Test
    void aNewHalfLifeRescalesTheImagesOnProbationAsItDoesMains() {
        PansaarPolicy policy = withProbation();
        requestAHotSet(policy);
        // 2001 and 2002 are requested on probation, which they fill, when the half-life moves to a tenth.
        request(policy, 2_001, 2_002, 2_001, 2_002);
        policy.halfLife(PansaarPolicy.HALF_LIFE / 10);
        assertEquals(PansaarPolicy.HALF_LIFE / 10, policy.halfLife());
        // Nine more images requested twice each: the last finds the cache full, the images on probation join main,
        // and main's lowest leaves. A rescaled score keeps the time its count falls to one request, as main's scores
        // do, so 2001 and 2002 rank beside the hot set, and the lowest is 3000, the first image counted in the new
        // half-life. Without the rescaling main's order broke, and one of the hot set left.
        List<Long> evicted = new ArrayList<>();
        policy.onEviction(evicted::add);
        for (long id = 3_000; id < 3_009; id++) {
            request(policy, id, id);
        }
        assertEquals(List.of(3_000L), evicted);
        assertEquals(2, request(policy, 2_001, 2_002));
        assertEquals(10, request(policy, ids(1, 10)));
        policy.finished();
    }

    @Test
    void aLargerShareKeepsANewImageOnProbationLonger() {
        // The cache full of images requested twice, all of them on probation as it filled; then the share moves to
        // three times as much, or stays. A new image, requested again after four more, finds the FIFO given up its
        // oldest to main down to the share: six images hold it still, two have let it go.
        for (double[] shares : new double[][] {{0.1, 0.3}, {0.1, 0.1}}) {
            PansaarPolicy policy = new PansaarPolicy(CAPACITY, Freshness.NONE, 0, shares[0]);
            requestAHotSet(policy);
            time = PHASE;
            for (long id = 1_000; id < 1_010; id++) {
                request(policy, id, id);
            }
            policy.probationShare(shares[1]);
            assertEquals(shares[1], policy.probationShare());
            request(policy, 5_000);
            request(policy, ids(6_000, 4));
            assertEquals(shares[1] > shares[0] ? 1 : 0, request(policy, 5_000), shares[0] + " then " + shares[1]);
            // finished() recounts the FIFO's bytes.
            policy.finished();
        }
        assertThrows(IllegalArgumentException.class, () -> withProbation().probationShare(0));
        assertThrows(IllegalArgumentException.class, () -> withProbation().probationShare(1));
    }

    @Test
    void tunedItsShareFallsWhereThePopularImagesStayAndRisesWhereTheyRotateFast() throws IOException {
        Trace stationary = Trace.load(new SyntheticTraceReader(STATIONARY));
        // A twentieth of the images replaced every 10,000 requests, a half-life: new hot images come faster than a
        // FIFO of 10% lets them be requested again.
        Trace rotating = Trace.load(new SyntheticTraceReader(
                "zipf,objects=20000,alpha=0.9,requests=400000,seed=3,drift-every=10000,drift-shift=1000"));
        for (int percent : new int[] {5, 20}) {
            PansaarPolicy onStationary = tunedWithProbation(stationary, percent);
            assertTrue(onStationary.probationShare() < PansaarPolicy.PROBATION_SHARE,
                    "a stationary trace at " + percent + "% shrinks the FIFO: " + onStationary.probationShare());
            PansaarPolicy onRotating = tunedWithProbation(rotating, percent);
            assertTrue(onRotating.probationShare() > PansaarPolicy.PROBATION_SHARE,
                    "a rotating hot set at " + percent + "% widens it: " + onRotating.probationShare());
            PolicyStats fixed = Simulator.replay(rotating, new PansaarPolicy(rotating.uniqueBytes() * percent / 100,
                    Freshness.NONE, 0, PansaarPolicy.PROBATION_SHARE), Freshness.NONE);
            assertTrue(onRotating.stats().byteHitRatio() > fixed.byteHitRatio(), "and serves more bytes than a FIFO of "
                    + "10%: " + onRotating.stats().byteHitRatio() + " against " + fixed.byteHitRatio());
        }
    }

    private static PansaarPolicy tunedWithProbation(Trace trace, int percent) {
        PansaarPolicy tuned = PansaarPolicy.tunedWithProbation(trace.uniqueBytes() * percent / 100, Freshness.NONE,
                PansaarSettings.DEFAULT);
        Simulator.replay(trace, tuned, Freshness.NONE);
        assertEquals("pansaar-tuned-probation", tuned.stats().name());
        return tuned;
    }

    @Test
    void keepsEveryInvariantWithContentChangesAndFoldedHits() {
        SplittableRandom random = new SplittableRandom(7);
        Freshness freshness = new Freshness(ChangeModel.forSpan(0, 30_000), 500);
        for (long foldInterval : new long[] {0, 100}) {
            for (long capacity : new long[] {1, 5_000, 200_000}) {
                PansaarPolicy policy = new PansaarPolicy(capacity, freshness, foldInterval, PansaarPolicy.PROBATION_SHARE);
                for (int t = 0; t < 30_000; t++) {
                    int id = random.nextInt(2_000);
                    policy.record(new Request(t, id, 1 + (id * 7919L) % 4_000));
                }
                // finished() recounts the bytes of main and of the probationary FIFO, and checks the ghost's bound.
                policy.finished();
                assertEquals(30_000, policy.stats().hits() + policy.stats().misses());
            }
        }
    }

    @Test
    void rejectsAProbationShareOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> new PansaarPolicy(CAPACITY, Freshness.NONE, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new PansaarPolicy(CAPACITY, Freshness.NONE, 0, -0.1));
    }
}
