package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.config.PansaarConfig;
import io.pansaar.config.WorkerIdentity;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.FunctionCallException;
import io.pansaar.redis.FunctionError;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Two workers (two schedulers with their own lease names, on one real Redis) never run the same partition's
 * duties at once; when the holder stops renewing, the other takes its partitions over once the lease lapses;
 * and a duty called without the lease is refused by Redis itself.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class PartitionLeaseIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** One run of one partition's duties by one worker. */
    private record Run(String holder, int partition, long startNanos, long endNanos) {
        boolean overlaps(Run other) {
            return partition == other.partition && startNanos < other.endNanos && other.startNanos < endNanos;
        }
    }

    @Inject
    PansaarFunctions functions;

    @Inject
    AccessPriority priority;

    @Inject
    EarlyRefresh earlyRefresh;

    @Inject
    PansaarConfig config;

    @Inject
    Partitioner partitioner;

    @Test
    void twoWorkersNeverRunOnePartitionsDutiesAtOnce() throws Exception {
        PartitionScheduler first = newWorker();
        PartitionScheduler second = newWorker();
        List<Run> runs = new CopyOnWriteArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (PartitionScheduler scheduler : List.of(first, second)) {
                done.add(workers.submit(() -> {
                    for (int round = 0; round < 30; round++) {
                        for (int partition = 0; partition < partitioner.partitions(); partition++) {
                            long start = System.nanoTime();
                            if (scheduler.runDuties(partition)) {
                                runs.add(new Run(scheduler.holder(), partition, start, System.nanoTime()));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
        }

        for (Run run : runs) {
            for (Run other : runs) {
                assertFalse(!run.holder().equals(other.holder()) && run.overlaps(other),
                        run + " and " + other + " overlap");
            }
        }
        // Every partition's duties ran, each partition by one holder only: the lease was renewed, never lost.
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            int p = partition;
            assertEquals(1, runs.stream().filter(run -> run.partition() == p).map(Run::holder).distinct().count(),
                    "holders of partition " + partition);
        }
        first.releaseLeases(null);
        second.releaseLeases(null);
    }

    @Test
    void workersHoldAFairShareOfThePartitionsEach() {
        PartitionScheduler first = newWorker();
        PartitionScheduler second = newWorker();
        try {
            first.tick();
            assertEquals(partitioner.partitions(), first.heldPartitions().size(), "alone, the first worker holds every lease");

            // The second announces itself; the first gives up what exceeds its share, and the second takes it.
            for (int round = 0; round < 3; round++) {
                second.tick();
                first.tick();
            }
            second.tick();
            Set<Integer> firstHeld = first.heldPartitions();
            Set<Integer> secondHeld = second.heldPartitions();
            assertEquals(partitioner.partitions() / 2, firstHeld.size(), "first holds " + firstHeld);
            assertEquals(partitioner.partitions() / 2, secondHeld.size(), "second holds " + secondHeld);
            Set<Integer> all = new TreeSet<>(firstHeld);
            all.addAll(secondHeld);
            assertEquals(partitioner.partitions(), all.size(), "every partition has exactly one holder");

            // When the second stops, the first takes every partition back.
            second.releaseLeases(null);
            first.tick();
            assertEquals(partitioner.partitions(), first.heldPartitions().size());
        } finally {
            first.releaseLeases(null);
            second.releaseLeases(null);
        }
    }

    @Test
    void aLapsedLeaseMovesToAnotherWorkerAndItsFormerHolderIsRefused() throws InterruptedException {
        int partition = 0;
        String former = "former-" + System.nanoTime();
        String successor = "successor-" + System.nanoTime();
        long leaseMillis = 300;
        assertTrue(functions.acquireLease(partition, former, leaseMillis).await().atMost(WAIT));
        assertFalse(functions.acquireLease(partition, successor, leaseMillis).await().atMost(WAIT));

        Thread.sleep(leaseMillis + 100);
        assertTrue(functions.acquireLease(partition, successor, 5_000).await().atMost(WAIT), "the lapsed lease moved on");
        FunctionCallException refused = assertThrows(FunctionCallException.class,
                () -> functions.evict(partition, former, Optional.empty(), 10).await().atMost(WAIT));
        assertEquals(FunctionError.NOT_LEASE_HOLDER, refused.error());
        assertThrows(FunctionCallException.class,
                () -> functions.refreshEarly(partition, former, 1000, 1, List.of(), List.of("any")).await().atMost(WAIT));
        assertEquals(FunctionError.NOT_LEASE_HOLDER, assertThrows(FunctionCallException.class,
                () -> functions.repair(partition, former, 10).await().atMost(WAIT)).error());
        functions.releaseLease(partition, successor).await().atMost(WAIT);
    }

    /** A worker's scheduler, with its own name and tuners, as a second process would have. */
    private PartitionScheduler newWorker() {
        return new PartitionScheduler(functions, new PartitionTuners(functions, priority, config, partitioner),
                earlyRefresh, config, partitioner, WorkerIdentity.mint(config.worker().name()));
    }
}
