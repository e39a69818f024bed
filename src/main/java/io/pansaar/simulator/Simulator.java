package io.pansaar.simulator;

import io.pansaar.simulator.policy.Policies;
import io.pansaar.simulator.policy.Policy;
import io.pansaar.simulator.policy.PolicyStats;
import io.pansaar.simulator.trace.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/** Replays one in-memory trace through each named policy and collects their statistics. */
public final class Simulator {

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
        List<PolicyStats> results = new ArrayList<>();
        for (String name : policyNames) {
            results.add(replay(Policies.create(name, capacityBytes, trace.requests(), freshness), trace, freshness));
        }
        return results;
    }

    /**
     * Replays the whole trace through one policy, as {@link #run(Trace, long, List, Freshness)} does for each, and
     * returns its statistics after the invariant checks. A policy that manages freshness says itself when each copy
     * was fetched, since it also refreshes copies between requests.
     */
    public static PolicyStats replay(Policy policy, Trace trace, Freshness freshness) {
        boolean baseTtl = !policy.managesFreshness();
        HashMap<Long, Long> fetchedAt = new HashMap<>();
        long start = System.nanoTime();
        for (Request request : trace.requests()) {
            long hitsBefore = policy.stats().hits();
            policy.record(request);
            if (policy.stats().hits() == hitsBefore) {
                if (baseTtl) {
                    fetchedAt.put(request.id(), request.time());
                }
                continue;
            }
            if (!baseTtl) {
                if (freshness.changes().changedBetween(request.id(), policy.fetchedAt(request.id()), request.time())) {
                    policy.stats().recordStaleHit();
                }
                continue;
            }
            long fetched = fetchedAt.getOrDefault(request.id(), request.time());
            if (request.time() - fetched >= freshness.baseTtl()) {
                policy.stats().reclassifyHitAsMiss(request.size());
                fetchedAt.put(request.id(), request.time());
            } else if (freshness.changes().changedBetween(request.id(), fetched, request.time())) {
                policy.stats().recordStaleHit();
            }
        }
        policy.finished();
        policy.stats().addNanos(System.nanoTime() - start);
        return policy.stats();
    }
}
