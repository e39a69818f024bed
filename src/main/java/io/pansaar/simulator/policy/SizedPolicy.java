package io.pansaar.simulator.policy;

/** Shared bookkeeping of a byte-bounded cache: the capacity, the resident bytes and the invariant checks. */
abstract class SizedPolicy implements Policy {
    protected final long capacity;
    protected final PolicyStats stats;
    protected long usedBytes;

    SizedPolicy(String name, long capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1 byte, got " + capacity);
        }
        this.capacity = capacity;
        this.stats = new PolicyStats(name, capacity);
    }

    /** Sums the sizes of the resident objects from the policy's own structures, independently of usedBytes. */
    protected abstract long residentBytes();

    @Override
    public void finished() {
        long resident = residentBytes();
        if (resident != usedBytes) {
            throw new IllegalStateException(stats.name() + ": resident bytes " + resident + " != tracked " + usedBytes);
        }
        if (usedBytes > capacity) {
            throw new IllegalStateException(stats.name() + ": " + usedBytes + " bytes exceed the capacity " + capacity);
        }
    }

    @Override
    public PolicyStats stats() {
        return stats;
    }
}
