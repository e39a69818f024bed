package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seed document's algorithm: LRU over at most 100 keys, TTL = max(3600, access count × 60) seconds on
 * the trace's clock, counters that survive expiry but not eviction; bytes beyond the capacity are also
 * evicted LRU-first (the seed itself has no byte bound) (<a href="https://redis.io/docs/latest/commands/zpopmin/">ZPOPMIN</a>).
 */
public final class SeedPolicy extends SizedPolicy {
    static final int MAX_ENTRIES = 100;
    static final long MINIMUM_TTL_SECONDS = 3600;
    static final long SECONDS_PER_ACCESS = 60;

    private record Cached(long size, long expiresAt) {
    }

    private final LinkedHashMap<Long, Cached> lru = new LinkedHashMap<>(256, 0.75f, true);
    private final HashMap<Long, Long> accessCounts = new HashMap<>();

    /** Creates a seed-algorithm cache of the given bytes. */
    public SeedPolicy(long capacity) {
        super("seed", capacity);
    }

    @Override
    public void record(Request request) {
        Cached cached = lru.get(request.id());
        if (cached != null && request.time() < cached.expiresAt()) {
            stats.recordHit(request.size());
            accessCounts.merge(request.id(), 1L, Long::sum);
            return;
        }
        if (cached != null) {
            // Expired: Redis no longer returns it; the miss path below writes it again.
            lru.remove(request.id());
            usedBytes -= cached.size();
        }
        stats.recordMiss(request.size());
        long count = accessCounts.getOrDefault(request.id(), 0L);
        accessCounts.put(request.id(), count + 1);
        if (request.size() > capacity) {
            return;
        }
        long ttl = Math.max(MINIMUM_TTL_SECONDS, count * SECONDS_PER_ACCESS);
        lru.put(request.id(), new Cached(request.size(), request.time() + ttl));
        usedBytes += request.size();
        Iterator<Map.Entry<Long, Cached>> oldest = lru.entrySet().iterator();
        while (lru.size() > MAX_ENTRIES || usedBytes > capacity) {
            Map.Entry<Long, Cached> evicted = oldest.next();
            usedBytes -= evicted.getValue().size();
            // evictLRUIfNeeded deletes the counter along with the key.
            accessCounts.remove(evicted.getKey());
            oldest.remove();
            stats.recordEviction();
        }
    }

    @Override
    public void finished() {
        super.finished();
        if (lru.size() > MAX_ENTRIES) {
            throw new IllegalStateException("seed: " + lru.size() + " keys exceed its " + MAX_ENTRIES);
        }
    }

    @Override
    protected long residentBytes() {
        return lru.values().stream().mapToLong(Cached::size).sum();
    }
}
