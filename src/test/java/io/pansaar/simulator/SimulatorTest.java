package io.pansaar.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pansaar.simulator.policy.ChangeModel;
import io.pansaar.simulator.policy.Freshness;
import io.pansaar.simulator.policy.PolicyStats;
import io.pansaar.simulator.trace.SyntheticTraceReader;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    @Test
    void measureCountsWhatARunCounts() throws IOException {
        Trace trace = Trace.load(new SyntheticTraceReader("zipf,objects=3000,alpha=0.8,requests=30000,seed=5"));
        Freshness freshness = new Freshness(ChangeModel.forSpan(0, 29_999), 500);
        List<String> policies = List.of("lru", "gdsf", "redis-lfu", "wtinylfu");
        List<PolicyStats> run = Simulator.run(trace, trace.uniqueBytes() / 20, policies, freshness);
        List<Simulator.Speed> speeds = Simulator.measure(trace, trace.uniqueBytes() / 20, policies, freshness, 3);
        assertEquals(policies.size(), speeds.size());
        for (int i = 0; i < policies.size(); i++) {
            PolicyStats measured = speeds.get(i).stats();
            assertEquals(run.get(i).name(), measured.name());
            assertEquals(run.get(i).hits(), measured.hits());
            assertEquals(run.get(i).misses(), measured.misses());
            assertEquals(run.get(i).staleHits(), measured.staleHits());
            assertEquals(run.get(i).byteHitRatio(), measured.byteHitRatio());
            assertTrue(speeds.get(i).medianRequestsPerSecond() > 0);
        }
    }

    @Test
    void aShortTraceIsReplayedUntilAMillionRequestsBeforeTheTimedRounds() {
        assertEquals(1, Simulator.warmUpRounds(1_000_000), "a trace of a million requests: one round");
        assertEquals(1, Simulator.warmUpRounds(3_000_000));
        assertEquals(15, Simulator.warmUpRounds(66_987), "AdaptSize's 66,987 requests: 15 rounds, 1,004,805 requests");
        assertEquals(1_000_000, Simulator.warmUpRounds(1));
        assertEquals(1, Simulator.warmUpRounds(0), "an empty trace: one round all the same");
    }

    @Test
    void measureNeedsATimedRound() throws IOException {
        Trace trace = Trace.load(new SyntheticTraceReader("zipf,objects=10,requests=10"));
        assertThrows(IllegalArgumentException.class, () -> Simulator.measure(trace, 1000, List.of("lru"), Freshness.NONE, 0));
    }
}
