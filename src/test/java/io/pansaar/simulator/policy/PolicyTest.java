package io.pansaar.simulator.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pansaar.simulator.Trace;
import io.pansaar.simulator.trace.Request;
import io.pansaar.simulator.trace.SyntheticTraceReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyTest {

    static List<String> policies() {
        return Policies.NAMES;
    }

    private static PolicyStats replay(String name, long capacity, List<Request> trace) {
        Policy policy = Policies.create(name, capacity, trace);
        for (Request request : trace) {
            policy.record(request);
        }
        policy.finished();
        return policy.stats();
    }

    /** Random ids with random sizes, some larger than the cache. */
    private static List<Request> randomTrace(long seed, int requests, int objects, long maxSize) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] sizes = new long[objects];
        for (int i = 0; i < objects; i++) {
            sizes[i] = 1 + random.nextLong(maxSize);
        }
        List<Request> trace = new ArrayList<>();
        for (int time = 0; time < requests; time++) {
            int id = random.nextInt(objects);
            trace.add(new Request(time, id, sizes[id]));
        }
        return trace;
    }

    @ParameterizedTest
    @MethodSource("policies")
    void staysWithinCapacityOnARandomTrace(String name) {
        // finished() recounts the resident bytes and throws when they exceed the capacity.
        for (long capacity : new long[] {1, 500, 20_000}) {
            PolicyStats stats = replay(name, capacity, randomTrace(capacity, 20_000, 2_000, 3_000));
            assertEquals(20_000, stats.requests());
            assertEquals(stats.requests(), stats.hits() + stats.misses());
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void hitsARepeatedWorkingSetThatFits(String name) {
        List<Request> trace = new ArrayList<>();
        for (int round = 0; round < 100; round++) {
            for (int id = 0; id < 10; id++) {
                trace.add(new Request(trace.size(), id, 100));
            }
        }
        PolicyStats stats = replay(name, 10_000, trace);
        assertTrue(stats.objectHitRatio() >= 0.9, name + " hit ratio " + stats.objectHitRatio());
    }

    @ParameterizedTest
    @MethodSource("policies")
    void neverAdmitsAnObjectLargerThanTheCache(String name) {
        List<Request> trace = List.of(new Request(0, 1, 2_000), new Request(1, 1, 2_000), new Request(2, 1, 2_000));
        PolicyStats stats = replay(name, 1_000, trace);
        assertEquals(3, stats.misses());
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3fifo", "wtinylfu"})
    void aScanDoesNotDestroyTheHotSet(String name) {
        List<Request> trace = scanAfterHotSet();
        PolicyStats stats = replay(name, 5_000, trace);
        PolicyStats lru = replay("lru", 5_000, trace);
        long finalPassHits = stats.hits() - replay(name, 5_000, trace.subList(0, trace.size() - 20)).hits();
        long lruFinalPassHits = lru.hits() - replay("lru", 5_000, trace.subList(0, trace.size() - 20)).hits();
        assertTrue(finalPassHits >= 18, name + " kept only " + finalPassHits + " of 20 hot objects");
        // The same scan flushes LRU, so the test can tell scan resistance from its absence.
        assertEquals(0, lruFinalPassHits);
    }

    /** 20 hot objects read 20 times, 500 objects read once, then one more pass over the hot set. */
    private static List<Request> scanAfterHotSet() {
        List<Request> trace = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (int hot = 0; hot < 20; hot++) {
                trace.add(new Request(trace.size(), hot, 100));
            }
        }
        for (int scanned = 1_000; scanned < 1_500; scanned++) {
            trace.add(new Request(trace.size(), scanned, 100));
        }
        for (int hot = 0; hot < 20; hot++) {
            trace.add(new Request(trace.size(), hot, 100));
        }
        return trace;
    }

    @Test
    void beladyHitsAtLeastAsOftenAsLruOnARandomTrace() throws IOException {
        List<Request> trace = Trace.load(new SyntheticTraceReader("zipf,objects=5000,alpha=0.8,requests=50000,seed=7")).requests();
        for (long capacity : new long[] {1_000_000, 10_000_000, 50_000_000}) {
            double belady = replay("belady", capacity, trace).objectHitRatio();
            double lru = replay("lru", capacity, trace).objectHitRatio();
            assertTrue(belady >= lru, "belady " + belady + " < lru " + lru + " at " + capacity);
        }
    }

    @Test
    void seedExpiresAfterItsMinimumTtl() {
        List<Request> trace = List.of(new Request(0, 1, 10), new Request(3599, 1, 10), new Request(3600, 1, 10));
        PolicyStats stats = replay("seed", 1_000, trace);
        assertEquals(1, stats.hits());
        assertEquals(2, stats.misses());
    }

    @Test
    void seedKeepsAtMostOneHundredKeys() {
        List<Request> trace = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int id = 0; id < 101; id++) {
                trace.add(new Request(trace.size(), id, 1));
            }
        }
        // 101 keys cycled through an LRU of 100 never hit, although the bytes would fit.
        assertEquals(0, replay("seed", 1_000_000, trace).hits());
        assertEquals(0, replay("lru", 100, trace).hits());
    }

    @Test
    void redisLfuEvictsTheRarelyUsedKey() {
        List<Request> trace = new ArrayList<>();
        for (int round = 0; round < 50; round++) {
            trace.add(new Request(trace.size(), 1, 100));
        }
        // Key 2 is read once; admitting key 3 must evict one of them, and the Morris counter favours key 1.
        trace.add(new Request(trace.size(), 2, 100));
        trace.add(new Request(trace.size(), 3, 100));
        trace.add(new Request(trace.size(), 1, 100));
        PolicyStats stats = replay("redis-lfu", 200, trace);
        assertEquals(50, stats.hits());
    }
}
