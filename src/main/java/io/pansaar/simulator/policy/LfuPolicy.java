package io.pansaar.simulator.policy;

/**
 * Least frequently used with sizes: evicts the resident object with the fewest hits since admission, the
 * least recent first among equals (<a href="https://en.wikipedia.org/wiki/Least_frequently_used">LFU</a>).
 */
public final class LfuPolicy extends PriorityPolicy {

    /** Creates an LFU cache of the given bytes. */
    public LfuPolicy(long capacity) {
        super("lfu", capacity, false);
    }

    @Override
    protected double priority(Entry entry, long position) {
        return entry.frequency;
    }
}
