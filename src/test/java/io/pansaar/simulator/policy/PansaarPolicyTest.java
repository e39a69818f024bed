package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pansaar.simulator.ChangeModel;
import io.pansaar.simulator.Freshness;
import io.pansaar.simulator.trace.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PansaarPolicyTest {

    private static PansaarPolicy replay(long capacity, Freshness freshness, List<Request> trace) {
        PansaarPolicy policy = new PansaarPolicy(capacity, freshness);
        for (Request request : trace) {
            policy.record(request);
        }
        policy.finished();
        return policy;
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
            // finished() recounts the bytes and checks every TTL against the bounds.
            PansaarPolicy policy = replay(capacity, freshness, trace);
            assertEquals(50_000, policy.stats().requests());
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
        int hitsBefore = 0;
        PansaarPolicy policy = new PansaarPolicy(10_000, Freshness.NONE);
        for (Request request : trace) {
            policy.record(request);
        }
        hitsBefore = (int) policy.stats().hits();
        for (int hot = 0; hot < 40; hot++) {
            policy.record(new Request(time++, hot, 100));
        }
        policy.finished();
        // 40 hot objects of 4000 bytes fit in main; 500 000 scanned bytes pass through small alone.
        assertEquals(hitsBefore + 40, policy.stats().hits());
    }

    @Test
    void revalidatesExpiredCopiesAndLengthensTheTtlOfStableOnes() {
        ChangeModel model = ChangeModel.forSpan(0, 1_000_000);
        long stable = -1;
        for (long id = 0; stable < 0; id++) {
            if (Double.isInfinite(model.meanChangeInterval(id))) {
                stable = id;
            }
        }
        List<Request> trace = new ArrayList<>();
        for (long time = 0; time < 1_000_000; time += 10) {
            trace.add(new Request(time, stable, 100));
        }
        PansaarPolicy policy = replay(1_000, new Freshness(model, 1_000), trace);
        // With a fixed TTL of 1000 it would revalidate 999 times; the growing TTL needs far fewer.
        assertTrue(policy.revalidations() > 0 && policy.revalidations() < 400, "revalidations " + policy.revalidations());
        assertEquals(1 + policy.revalidations(), policy.stats().misses());
    }
}
