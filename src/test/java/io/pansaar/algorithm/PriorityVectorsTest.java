package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The Java access score gives the shared vectors' results; {@code PriorityVectorsIT} holds Lua to the same files. */
class PriorityVectorsTest {

    @Test
    void javaMatchesEverySharedVector() {
        List<PriorityVectors.Vector> vectors = PriorityVectors.all();
        assertTrue(vectors.size() >= 10, "the file holds " + vectors.size() + " vectors");
        for (PriorityVectors.Vector vector : vectors) {
            AccessPriority priority = new AccessPriority(vector.halfLifeMillis(), 0);
            double before = vector.scoreBefore().map(Double::parseDouble).orElse(AccessPriority.NEVER_REQUESTED);
            double actual = priority.afterRequests(before, vector.nowMillis(), vector.requests());
            assertTrue(vector.matches(actual), vector + " gave " + actual);
        }
    }

    @Test
    void javaMatchesEverySharedRankVector() {
        List<PriorityVectors.RankVector> vectors = PriorityVectors.ranks();
        assertTrue(vectors.size() >= 8, "the file holds " + vectors.size() + " vectors");
        for (PriorityVectors.RankVector vector : vectors) {
            double moved = AccessPriority.inHalfLife(vector.score(), vector.fromHalfLifeMillis(),
                    vector.toHalfLifeMillis());
            double rank = new AccessPriority(vector.toHalfLifeMillis(), 0).rank(moved, vector.sizeTerm());
            assertTrue(vector.matches(moved, rank), vector + " gave " + moved + " and " + rank);
        }
    }

    @Test
    void aScoreMovedToAnotherHalfLifeGoesColdWhenItWould() {
        // Requested at 1,000 s and 1,100 s with a half-life of 60 s: the count falls to one request at S·h.
        AccessPriority minute = new AccessPriority(60_000, 0);
        double score = minute.afterRequest(minute.afterRequest(AccessPriority.NEVER_REQUESTED, 1_000_000), 1_100_000);
        // Rounded to a whole ms, which moves the count by at most 2^(0.5/3,600,000) - 1, about 1e-7.
        long cold = Math.round(score * 60_000);
        AccessPriority hour = new AccessPriority(3_600_000, 0);
        double moved = AccessPriority.inHalfLife(score, 60_000, 3_600_000);
        assertEquals(1, hour.decayedCount(moved, cold), 1e-6, "one request left at the same moment");
        assertEquals(2, hour.decayedCount(moved, cold - 3_600_000), 2e-6, "two an hour earlier, by the new half-life");
        assertEquals(minute.rank(score, 0), hour.rank(moved, 0), 1e-3, "the rank in ms stays put");
    }

    @Test
    void oneRequestFoldedIsExactlyOneRequest() {
        AccessPriority priority = new AccessPriority(3_600_000, 0);
        for (PriorityVectors.Vector vector : PriorityVectors.all()) {
            double before = vector.scoreBefore().map(Double::parseDouble).orElse(AccessPriority.NEVER_REQUESTED);
            assertEquals(priority.afterRequest(before, vector.nowMillis()), priority.afterRequests(before, vector.nowMillis(), 1));
        }
    }
}
