package io.pansaar.simulator;

import io.pansaar.simulator.policy.Freshness;
import io.pansaar.simulator.policy.PansaarSettings;
import io.pansaar.simulator.policy.PartitionedPolicy;
import io.pansaar.simulator.policy.Policies;
import io.pansaar.simulator.policy.Policy;
import io.pansaar.simulator.policy.PolicyStats;
import io.pansaar.simulator.trace.Request;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Replays one in-memory trace through each named policy and collects their statistics. */
public final class Simulator {
    /** How many requests every policy replays untimed before the timed rounds of a speed measurement, at least. */
    static final long WARM_UP_REQUESTS = 1_000_000;

    private static final long NEVER_FETCHED = Long.MIN_VALUE;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One policy's replay speed: its statistics and the median requests per second of its timed replays. */
    public record Speed(PolicyStats stats, double medianRequestsPerSecond) {
    }

    private Simulator() {
    }

    /** Runs every policy over the whole trace with nothing changing or expiring, and returns their statistics. */
    public static List<PolicyStats> run(Trace trace, long capacityBytes, List<String> policyNames) {
        return run(trace, capacityBytes, policyNames, Freshness.NONE);
    }

    /**
     * Runs every policy over the whole trace, in order, and returns their statistics after the invariant checks.
     * A hit on a copy older than its object's last change counts as stale; for a policy without its own TTL a
     * hit on a copy at least the base TTL old counts as a miss that refetches the copy in place.
     */
    public static List<PolicyStats> run(Trace trace, long capacityBytes, List<String> policyNames, Freshness freshness) {
        return run(trace, capacityBytes, policyNames, freshness, PansaarSettings.DEFAULT);
    }

    /** Runs every policy as above, {@code pansaar} with these settings. */
    public static List<PolicyStats> run(Trace trace, long capacityBytes, List<String> policyNames, Freshness freshness,
            PansaarSettings pansaar) {
        return run(trace, capacityBytes, policyNames, freshness, pansaar, 1);
    }

    /**
     * Runs every policy as above, each split into {@code partitions} of an even share of the capacity, as production
     * splits its budget ({@link PartitionedPolicy}); one partition is the whole cache.
     */
    public static List<PolicyStats> run(Trace trace, long capacityBytes, List<String> policyNames, Freshness freshness,
            PansaarSettings pansaar, int partitions) {
        List<PolicyStats> results = new ArrayList<>();
        for (String name : policyNames) {
            Policy policy = partitions == 1 ? Policies.create(name, capacityBytes, trace.requests(), freshness, pansaar)
                    : PartitionedPolicy.create(name, capacityBytes, trace.requests(), freshness, pansaar, partitions);
            results.add(replay(trace, policy, freshness));
        }
        return results;
    }

    /**
     * Measures replay speed. Untimed warm-up rounds replay every policy until it has replayed at least a million
     * requests, in one round at least ({@link #warmUpRounds}); then each of the timed rounds
     * replays every policy once more, in the given order, each time from a fresh policy. Interleaving the
     * policies gives each the same share of the machine's noise and of the JIT's state. Returns each policy's
     * statistics with its median requests per second, and throws IllegalStateException when a replay counts
     * differently from the policy's first.
     */
    public static List<Speed> measure(Trace trace, long capacityBytes, List<String> policyNames, Freshness freshness,
            int rounds) {
        return measure(trace, capacityBytes, policyNames, freshness, PansaarSettings.DEFAULT, rounds);
    }

    /** Measures replay speed as above, {@code pansaar} with these settings. */
    public static List<Speed> measure(Trace trace, long capacityBytes, List<String> policyNames, Freshness freshness,
            PansaarSettings pansaar, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("at least one timed round is needed, got " + rounds);
        }
        List<PolicyStats> first = run(trace, capacityBytes, policyNames, freshness, pansaar);
        for (int round = 1; round < warmUpRounds(trace.requests().size()); round++) {
            replayEach(trace, capacityBytes, policyNames, freshness, pansaar, first, false);
        }
        long[][] nanos = new long[policyNames.size()][rounds];
        for (int round = 0; round < rounds; round++) {
            List<PolicyStats> replayed = replayEach(trace, capacityBytes, policyNames, freshness, pansaar, first, true);
            for (int i = 0; i < policyNames.size(); i++) {
                nanos[i][round] = replayed.get(i).nanos();
            }
        }
        List<Speed> speeds = new ArrayList<>();
        for (int i = 0; i < policyNames.size(); i++) {
            speeds.add(new Speed(first.get(i), trace.requests().size() / (median(nanos[i]) / 1e9)));
        }
        return speeds;
    }

    /**
     * The untimed rounds before the timed ones: enough for every policy to replay at least {@link #WARM_UP_REQUESTS},
     * and at least one. A short trace replays in a few milliseconds, before the JIT has compiled a larger policy's
     * code, so one round of it would leave the timed rounds measuring the compiler's progress.
     */
    static int warmUpRounds(int traceRequests) {
        if (traceRequests <= 0) {
            return 1;
        }
        long rounds = (WARM_UP_REQUESTS + traceRequests - 1) / traceRequests;
        return (int) Math.max(1, rounds);
    }

    /**
     * Replays every policy once more, from a fresh one each, and checks that each counts what its first replay did. A
     * timed replay starts after a full collection, so that every policy allocates its structures in the same place:
     * the memory the young generation was just emptied of. Without it a replay allocated wherever the replays before
     * it had left off, in memory not touched for a while, and LRU's own speed swung between 19 and 31 million requests
     * a second from one run to the next on AdaptSize; with it the spread narrowed (docs/benchmarks.md).
     */
    private static List<PolicyStats> replayEach(Trace trace, long capacityBytes, List<String> policyNames,
            Freshness freshness, PansaarSettings pansaar, List<PolicyStats> first, boolean timed) {
        List<PolicyStats> replayed = new ArrayList<>();
        for (int i = 0; i < policyNames.size(); i++) {
            Policy policy = Policies.create(policyNames.get(i), capacityBytes, trace.requests(), freshness, pansaar);
            if (timed) {
                System.gc();
            }
            PolicyStats stats = replay(trace, policy, freshness);
            if (!sameCounts(stats, first.get(i))) {
                throw new IllegalStateException(stats.name() + ": a repeated replay counted differently from the first");
            }
            replayed.add(stats);
        }
        return replayed;
    }

    /**
     * Replays the whole trace through one fresh policy, timing the requests by the thread's CPU time, and returns its statistics after the
     * invariant checks; freshness is applied as {@link #run(Trace, long, List, Freshness)} describes. A policy that
     * manages freshness says itself when each copy was fetched, since it also refreshes copies between requests.
     */
    public static PolicyStats replay(Trace trace, Policy policy, Freshness freshness) {
        boolean baseTtl = !policy.managesFreshness();
        PolicyStats stats = policy.stats();
        // Trace ids are dense, so an array indexed by id holds each object's fetch time without boxing.
        long[] fetchedAt = new long[trace.objects()];
        Arrays.fill(fetchedAt, NEVER_FETCHED);
        long start = cpuNanos();
        for (Request request : trace.requests()) {
            long hitsBefore = stats.hits();
            policy.record(request);
            int object = (int) request.id();
            if (stats.hits() == hitsBefore) {
                fetchedAt[object] = request.time();
                continue;
            }
            if (!baseTtl) {
                if (freshness.changes().changedBetween(request.id(), policy.fetchedAt(request.id()), request.time())) {
                    stats.recordStaleHit();
                }
                continue;
            }
            long fetched = fetchedAt[object] == NEVER_FETCHED ? request.time() : fetchedAt[object];
            if (request.time() - fetched >= freshness.baseTtl()) {
                stats.reclassifyHitAsMiss(request.size());
                fetchedAt[object] = request.time();
            } else if (freshness.changes().changedBetween(request.id(), fetched, request.time())) {
                stats.recordStaleHit();
            }
        }
        stats.addNanos(cpuNanos() - start);
        policy.finished();
        return stats;
    }

    /**
     * The CPU time of the replaying thread, in nanoseconds: on a busy machine the time it waits for a core is not the
     * policy's. Where the JVM cannot tell a thread's CPU time, the wall clock.
     */
    private static long cpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    private static boolean sameCounts(PolicyStats a, PolicyStats b) {
        return a.hits() == b.hits() && a.misses() == b.misses() && a.staleHits() == b.staleHits()
                && a.evictions() == b.evictions() && a.refreshes() == b.refreshes() && a.byteHitRatio() == b.byteHitRatio();
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
    }
}
