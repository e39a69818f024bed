package io.pansaar.simulator.policy;

/** Hit and miss counters of one policy over one trace. */
public final class PolicyStats {
    private final String name;
    private final long capacityBytes;
    private long hits;
    private long misses;
    private long hitBytes;
    private long missBytes;
    private long evictions;
    private long nanos;

    /** Creates empty counters for the named policy at the given capacity. */
    public PolicyStats(String name, long capacityBytes) {
        this.name = name;
        this.capacityBytes = capacityBytes;
    }

    /** Counts a request served from the cache. */
    public void recordHit(long size) {
        hits++;
        hitBytes += size;
    }

    /** Counts a request that had to go to the origin. */
    public void recordMiss(long size) {
        misses++;
        missBytes += size;
    }

    /** Counts an object removed to make room. */
    public void recordEviction() {
        evictions++;
    }

    /** Adds the time spent replaying requests. */
    public void addNanos(long elapsed) {
        nanos += elapsed;
    }

    /** Returns the policy's name. */
    public String name() {
        return name;
    }

    /** Returns the cache capacity in bytes. */
    public long capacityBytes() {
        return capacityBytes;
    }

    /** Returns how many requests were recorded. */
    public long requests() {
        return hits + misses;
    }

    /** Returns how many requests hit. */
    public long hits() {
        return hits;
    }

    /** Returns how many requests missed, which is how many fetches went to the origin. */
    public long misses() {
        return misses;
    }

    /** Returns how many objects were evicted. */
    public long evictions() {
        return evictions;
    }

    /** Returns the replay time in nanoseconds. */
    public long nanos() {
        return nanos;
    }

    /** Returns hits divided by requests, 0 when there were none. */
    public double objectHitRatio() {
        return requests() == 0 ? 0 : (double) hits / requests();
    }

    /** Returns bytes served from the cache divided by bytes requested, 0 when there were none. */
    public double byteHitRatio() {
        long total = hitBytes + missBytes;
        return total == 0 ? 0 : (double) hitBytes / total;
    }
}
