package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.simulator.Simulator;
import io.pansaar.simulator.Trace;
import io.pansaar.simulator.trace.Request;

/** A policy split into partitions, each evicting against its share among its own objects, as production's are. */
class PartitionedPolicyTest {

    @Test
    void anObjectGoesToThePartitionProductionPicksForItsKey() {
        for (int count : new int[] { 1, 3, 16 }) {
            Partitioner production = new Partitioner(count);
            for (long id = 0; id < 1_000; id++) {
                assertEquals(production.partitionOf(ImageKey.of("img/" + id + ".png")), PartitionedPolicy.partitionOf(id, count));
            }
        }
    }

    @Test
    void eachPartitionEvictsAgainstItsShareOnly() throws Exception {
        // One object of 60 bytes: a cache of 100 holds it; split in two, neither share of 50 does.
        List<Request> requests = new ArrayList<>();
        for (int time = 0; time < 10; time++) {
            requests.add(new Request(time, 42, 60));
        }
        Trace trace = load(requests);
        PolicyStats whole = Simulator.replay(trace, Policies.create("lru", 100, trace.requests()), Freshness.NONE);
        PolicyStats split = Simulator.replay(trace, PartitionedPolicy.create("lru", 100, trace.requests(),
                Freshness.NONE, PansaarSettings.DEFAULT, 2), Freshness.NONE);
        assertEquals(9, whole.hits());
        assertEquals(0, split.hits(), "an object larger than its partition's share is never kept");
        assertEquals(10, split.requests());
    }

    @Test
    void aPartitionedReplayCountsWhatItsPartitionsCountedEachAlone() throws Exception {
        List<Request> generated = new ArrayList<>();
        for (int time = 0; time < 5_000; time++) {
            long id = (long) Math.pow(1 + (time * 7919L) % 997, 1.6) % 300;
            generated.add(new Request(time, id, 10 + id % 50));
        }
        Trace trace = load(generated);
        int partitions = 3;
        long capacity = 3_000;
        for (String name : List.of("lru", "s3fifo", "pansaar", "belady")) {
            PolicyStats split = Simulator.replay(trace, PartitionedPolicy.create(name, capacity, trace.requests(),
                    Freshness.NONE, PansaarSettings.DEFAULT, partitions), Freshness.NONE);
            long hits = 0;
            long evictions = 0;
            for (int partition = 0; partition < partitions; partition++) {
                int own = partition;
                List<Request> mine = trace.requests().stream()
                        .filter(request -> PartitionedPolicy.partitionOf(request.id(), partitions) == own).toList();
                Policy alone = Policies.create(name, capacity / partitions, mine);
                mine.forEach(alone::record);
                alone.finished();
                hits += alone.stats().hits();
                evictions += alone.stats().evictions();
            }
            assertTrue(hits > 0, name);
            assertEquals(hits, split.hits(), name);
            assertEquals(evictions, split.evictions(), name);
            assertEquals(trace.requests().size(), split.requests(), name);
        }
    }

    private static Trace load(List<Request> requests) throws IOException {
        return Trace.load(requests::stream);
    }
}
