package io.pansaar.algorithm;

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
            double actual = priority.afterRequest(before, vector.nowMillis());
            assertTrue(vector.matches(actual), vector + " gave " + actual);
        }
    }
}
