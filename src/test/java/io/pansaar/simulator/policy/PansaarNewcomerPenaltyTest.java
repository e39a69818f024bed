package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.pansaar.simulator.trace.Request;

/**
 * {@code --newcomer-penalty}: a new image's first request dated back some half-lives, so a scan of one-hit wonders
 * ranks below an image requested twice a while before it, where without the penalty each newer request outranks it.
 */
class PansaarNewcomerPenaltyTest {

    private static final double HALF_LIFE = 100;
    /** Room for three images of one byte. */
    private static final long CAPACITY = 3;
    private static final long HOT = 1;

    private static PansaarPolicy withPenalty(double halfLives) {
        return new PansaarPolicy(CAPACITY, Freshness.NONE,
                PansaarSettings.DEFAULT.withHalfLife(HALF_LIFE).withNewcomerPenalty(halfLives), 0);
    }

    /** The hot image twice at 0 and 1, five new images at 150 to 154, the hot image again at 160; its last outcome. */
    private static boolean hotImageHitAfterAScan(PansaarPolicy policy) {
        policy.record(new Request(0, HOT, 1));
        policy.record(new Request(1, HOT, 1));
        for (long id = 10; id < 15; id++) {
            policy.record(new Request(140 + id, id, 1));
        }
        long hits = policy.stats().hits();
        policy.record(new Request(160, HOT, 1));
        policy.finished();
        return policy.stats().hits() > hits;
    }

    @Test
    void withoutAPenaltyAScanOfNewImagesPushesOutTheImageRequestedTwiceBeforeIt() {
        // The hot image's score is about 1 (two requests near 0); each scanned image's is 1.5 (one request at 150).
        assertEquals(false, hotImageHitAfterAScan(withPenalty(0)));
    }

    @Test
    void aPenaltyOfOneHalfLifeLetsTheScanLeaveFirst() {
        // Each scanned image now scores 0.5, below the hot image's 1.
        assertEquals(true, hotImageHitAfterAScan(withPenalty(1)));
    }

    @Test
    void anImageTheGhostRemembersIsAdmittedWithoutThePenalty() {
        PansaarPolicy policy = withPenalty(1);
        // 10, 11 and 12 fill the cache; 13 pushes 10 out into the ghost.
        for (long id = 10; id < 14; id++) {
            policy.record(new Request(id, id, 1));
        }
        // 10 returns from the ghost scoring 0.14 (at 14); 20, 21 and 22 are new and score 0.15 - 1 and up, so they push
        // out 11, 12, 13 and then 20, never 10. Penalised as well, 10 would score 0.14 - 1 and leave before 20.
        policy.record(new Request(14, 10, 1));
        policy.record(new Request(15, 20, 1));
        policy.record(new Request(16, 21, 1));
        policy.record(new Request(17, 22, 1));
        long hits = policy.stats().hits();
        policy.record(new Request(18, 10, 1));
        assertEquals(hits + 1, policy.stats().hits(), "the remembered image outranks the newcomers after it");
        policy.finished();
    }

    @Test
    void keepsEveryInvariantWithContentChangesAndFoldedHits() {
        SplittableRandom random = new SplittableRandom(11);
        java.util.List<Request> requests = new java.util.ArrayList<>();
        for (long t = 0; t < 20_000; t++) {
            long id = (long) Math.floor(Math.pow(random.nextDouble(), 3) * 2_000);
            requests.add(new Request(t, id, 1 + (id * 7919L) % 4_000));
        }
        for (long fold : new long[] { 0, 100 }) {
            PansaarPolicy policy = new PansaarPolicy(200_000, new Freshness(ChangeModel.forSpan(0, 20_000), 600),
                    PansaarSettings.DEFAULT.withFoldInterval(fold).withNewcomerPenalty(2), 0);
            requests.forEach(policy::record);
            policy.finished();
        }
    }

    @Test
    void refusesANegativeOrEndlessPenalty() {
        assertThrows(IllegalArgumentException.class, () -> PansaarSettings.DEFAULT.withNewcomerPenalty(-1));
        assertThrows(IllegalArgumentException.class,
                () -> PansaarSettings.DEFAULT.withNewcomerPenalty(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> PansaarSettings.DEFAULT.withNewcomerPenalty(Double.NaN));
    }
}
