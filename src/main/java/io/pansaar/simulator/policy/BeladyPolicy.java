package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.HashMap;
import java.util.List;

/**
 * Belady's MIN with sizes: evicts the object (the incoming one included) whose next use is furthest; an
 * offline reference, not the optimum once sizes differ (<a href="https://doi.org/10.1147/sj.52.0078">Belady 1966</a>).
 */
public final class BeladyPolicy extends PriorityPolicy {
    private final long[] nextUse;

    /** Creates a Belady cache of the given bytes for exactly this sequence of requests. */
    public BeladyPolicy(long capacity, List<Request> trace) {
        super("belady", capacity, true);
        nextUse = new long[trace.size()];
        HashMap<Long, Integer> seenLater = new HashMap<>();
        for (int i = trace.size() - 1; i >= 0; i--) {
            Integer later = seenLater.put(trace.get(i).id(), i);
            nextUse[i] = later == null ? Long.MAX_VALUE : later;
        }
    }

    @Override
    protected double priority(Entry entry, long position) {
        if (position >= nextUse.length) {
            throw new IllegalStateException("belady was given more requests than the trace it was built for");
        }
        return -(double) nextUse[(int) position];
    }
}
