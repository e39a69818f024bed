package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;

/** A cache eviction and admission policy replayed over a trace. */
public interface Policy {

    /** Looks the request up, counting a hit or a miss, and admits or evicts as the policy decides. */
    void record(Request request);

    /** Ends the run and checks the policy's invariants, throwing IllegalStateException when one is broken. */
    void finished();

    /** Returns the counters of this run. */
    PolicyStats stats();

    /** Returns whether the policy expires and revalidates copies itself; otherwise the replay applies the base TTL. */
    default boolean managesFreshness() {
        return false;
    }

    /**
     * Returns when the resident copy of the object was last fetched or refreshed from the origin; only a policy that
     * manages freshness answers, since only it refreshes copies without a miss.
     */
    default long fetchedAt(long id) {
        throw new UnsupportedOperationException(stats().name() + " does not track its copies' fetch times");
    }
}
