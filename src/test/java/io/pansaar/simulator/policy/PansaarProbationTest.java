package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pansaar.simulator.trace.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The simulator-only {@code pansaar-probation}: new images wait in a probationary FIFO before main's priority order. */
class PansaarProbationTest {
    /** 20 images of this size fill the cache; its probationary FIFO holds 10% of the bytes, two of them. */
    private static final long SIZE = 50;
    private static final long CAPACITY = 1_000;
    /** Far enough apart, in half-lives, that one request at a later phase outranks two at an earlier one. */
    private static final long PHASE = 1_000_000;

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
