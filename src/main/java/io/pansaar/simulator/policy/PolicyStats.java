package io.pansaar.simulator.policy;

/** Hit and miss counters of one policy over one trace. */
public final class PolicyStats {
    private final String name;
    private final long capacityBytes;
    private long hits;
    private long misses;
    private long hitBytes;
    private long missBytes;
    private long staleHits;
    private long refreshes;
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

    /** Turns a counted hit on an expired copy into a miss: the copy was refetched from the origin. */
    public void reclassifyHitAsMiss(long size) {
        if (hits == 0) {
            throw new IllegalStateException(name + ": no hit to reclassify");
        }
        hits--;
        hitBytes -= size;
        recordMiss(size);
    }

    /** Counts a hit that served a copy older than the object's last change. */
    public void recordStaleHit() {
        staleHits++;
    }

    /** Returns how many hits served a stale copy. */
    /** Bytes served from the cache so far. */
    public long hitBytes() {
        return hitBytes;
    }

    public long staleHits() {
        return staleHits;
    }

    /** Returns stale hits divided by hits, 0 when there were none. */
    public double staleHitRatio() {
        return hits == 0 ? 0 : (double) staleHits / hits;
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

    /** Returns how many requests missed; each one fetched from the origin. */
    public long misses() {
        return misses;
    }

    /** Counts a copy refreshed from the origin before it expired, without a request waiting for it. */
    public void recordRefresh() {
        refreshes++;
    }

    /** Returns how many copies were refreshed before they expired. */
    public long refreshes() {
        return refreshes;
    }

    /** Returns every fetch that went to the origin: the misses and the early refreshes. */
    public long originFetches() {
        return misses + refreshes;
    }

    /** Returns how many objects were evicted. */
    public long evictions() {
        return evictions;
    }

    /** Returns the replay time in nanoseconds of the replaying thread's CPU. */
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
