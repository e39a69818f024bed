package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChangeModelTest {

    @Test
    void isDeterministicWhateverTheOrderOfQuestions() {
        ChangeModel forward = ChangeModel.forSpan(0, 1_000_000);
        ChangeModel backward = ChangeModel.forSpan(0, 1_000_000);
        for (long id = 0; id < 200; id++) {
            long[] answers = new long[50];
            for (int step = 0; step < 50; step++) {
                answers[step] = forward.lastChangeAtOrBefore(id, step * 20_000L);
            }
            for (int step = 49; step >= 0; step--) {
                assertEquals(answers[step], backward.lastChangeAtOrBefore(id, step * 20_000L), "object " + id + " step " + step);
            }
        }
    }

    @Test
    void questionsAboutOneObjectInARowAnswerAsAFreshModelDoes() {
        // The model keeps the last object's cursor: ask about one object twice in a row, forward and back in time,
        // and about another in between, and compare each answer with a model that never saw a question.
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        long[] times = {400_000, 400_000, 900_000, 100_000, 100_000, 650_000};
        for (long id = 0; id < 300; id++) {
            for (long time : times) {
                long other = id + 1_000;
                ChangeModel fresh = ChangeModel.forSpan(0, 1_000_000);
                assertEquals(fresh.lastChangeAtOrBefore(id, time), model.lastChangeAtOrBefore(id, time), id + " at " + time);
                assertEquals(ChangeModel.forSpan(0, 1_000_000).nextChangeAfter(id, time), model.nextChangeAfter(id, time),
                        id + " after " + time);
                assertEquals(ChangeModel.forSpan(0, 1_000_000).nextChangeAfter(other, time),
                        model.nextChangeAfter(other, time), other + " after " + time);
            }
        }
    }

    @Test
    void theNextChangeAfterATimeIsTheFirstThatChangedBetweenSees() {
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        for (long id = 0; id < 200; id++) {
            for (long time = 0; time < 1_000_000; time += 37_000) {
                long next = model.nextChangeAfter(id, time);
                assertTrue(next > time, "object " + id + " time " + time);
                if (next == Long.MAX_VALUE) {
                    assertFalse(model.changedBetween(id, time, 2_000_000), "object " + id + " time " + time);
                } else {
                    assertFalse(model.changedBetween(id, time, next - 1), "object " + id + " time " + time);
                    assertTrue(model.changedBetween(id, time, next), "object " + id + " time " + time);
                    assertEquals(next, model.lastChangeAtOrBefore(id, next));
                }
            }
        }
    }

    @Test
    void anObjectThatNeverChangesIsNeverStale() {
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        long never = -1;
        for (long id = 0; never < 0; id++) {
            if (Double.isInfinite(model.meanChangeInterval(id))) {
                never = id;
            }
        }
        assertFalse(model.changedBetween(never, 0, Long.MAX_VALUE));
        assertFalse(ChangeModel.NONE.changedBetween(7, 0, Long.MAX_VALUE));
    }

    @Test
    void mixesTheDocumentedClassesAndVolatileObjectsChangeAtTheirRate() {
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        int never = 0;
        int volatileObjects = 0;
        long volatileChanges = 0;
        for (long id = 0; id < 10_000; id++) {
            double mean = model.meanChangeInterval(id);
            if (Double.isInfinite(mean)) {
                never++;
            } else if (mean == 1_000_000 / ChangeModel.VOLATILE_CHANGES_PER_SPAN) {
                volatileObjects++;
                for (long last = model.lastChangeAtOrBefore(id, 1_000_000); last > 0; last = model.lastChangeAtOrBefore(id, last - 1)) {
                    volatileChanges++;
                }
                assertTrue(model.changedBetween(id, 0, 1_000_000));
            }
        }
        assertTrue(Math.abs(never - 6_000) < 300, "never-changing objects " + never);
        assertTrue(Math.abs(volatileObjects - 1_000) < 150, "volatile objects " + volatileObjects);
        double perObject = (double) volatileChanges / volatileObjects;
        assertTrue(Math.abs(perObject - 50) < 3, "changes per volatile object " + perObject);
    }
}
