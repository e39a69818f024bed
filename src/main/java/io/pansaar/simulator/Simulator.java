package io.pansaar.simulator;

import io.pansaar.simulator.policy.Policies;
import io.pansaar.simulator.policy.Policy;
import io.pansaar.simulator.policy.PolicyStats;
import io.pansaar.simulator.trace.Request;
import java.util.ArrayList;
import java.util.List;

/** Replays one in-memory trace through each named policy and collects their statistics. */
public final class Simulator {

    private Simulator() {
    }

    /** Runs every policy over the whole trace, in order, and returns their statistics after the invariant checks. */
    public static List<PolicyStats> run(Trace trace, long capacityBytes, List<String> policyNames) {
        List<PolicyStats> results = new ArrayList<>();
        for (String name : policyNames) {
            Policy policy = Policies.create(name, capacityBytes, trace.requests());
            long start = System.nanoTime();
            for (Request request : trace.requests()) {
                policy.record(request);
            }
            policy.finished();
            policy.stats().addNanos(System.nanoTime() - start);
            results.add(policy.stats());
        }
        return results;
    }
}
