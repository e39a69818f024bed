package io.pansaar.simulator.policy;

/**
 * Greedy-Dual-Size-Frequency with cost 1: H = L + frequency / size, L rising to each evicted H
 * (<a href="https://www.hpl.hp.com/techreports/98/HPL-98-69R1.html">Cherkasova, HPL-98-69, 1998</a>).
 */
public final class GdsfPolicy extends PriorityPolicy {
    private double inflation;

    /** Creates a GDSF cache of the given bytes. */
    public GdsfPolicy(long capacity) {
        super("gdsf", capacity, false);
    }

    @Override
    protected double priority(Entry entry, long position) {
        return inflation + (double) entry.frequency / entry.size;
    }

    @Override
    protected void evicted(Entry entry) {
        inflation = entry.priority;
    }
}
