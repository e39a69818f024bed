package io.pansaar.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The Java access score gives the shared vectors' results; {@code PriorityVectorsIT} holds Lua to the same file. */
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
    void oneRequestFoldedIsExactlyOneRequest() {
        AccessPriority priority = new AccessPriority(3_600_000, 0);
        for (PriorityVectors.Vector vector : PriorityVectors.all()) {
            double before = vector.scoreBefore().map(Double::parseDouble).orElse(AccessPriority.NEVER_REQUESTED);
            assertEquals(priority.afterRequest(before, vector.nowMillis()), priority.afterRequests(before, vector.nowMillis(), 1));
        }
    }
}
