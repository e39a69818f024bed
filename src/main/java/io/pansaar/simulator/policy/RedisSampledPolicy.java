package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;
import java.util.ArrayList;
import java.util.SplittableRandom;

/**
 * Redis' approximated eviction (evict.c): sample 5 random keys, keep the best candidates in a pool of 16
 * ordered by score, evict the pool's highest score whose key still exists. Subclasses score keys.
 */
abstract class RedisSampledPolicy extends SizedPolicy {
    static final int SAMPLES = 5;
    static final int POOL_SIZE = 16;

    /** A resident key; counter and stamp mean what the subclass needs (last access, or Morris counter and decay time). */
    static final class Key {
        final long id;
        final long size;
        int slot;
        long stamp;
        int counter;

        Key(long id, long size) {
            this.id = id;
            this.size = size;
        }
    }

    private final LongHashMap<Key> keys = new LongHashMap<>();
    private final ArrayList<Key> slots = new ArrayList<>();
    private final long[] poolIds = new long[POOL_SIZE];
    private final long[] poolScores = new long[POOL_SIZE];
    private int poolCount;
    protected final SplittableRandom random = new SplittableRandom(42);
    private long position;

    RedisSampledPolicy(String name, long capacity) {
        super(name, capacity);
    }

    /** Updates a key on a hit. */
    protected abstract void accessed(Key key, Request request, long position);

    /** Initialises a newly written key. */
    protected abstract void created(Key key, Request request, long position);

    /** Returns the eviction score: the higher, the sooner evicted (Redis' "idle"). */
    protected abstract long score(Key key, Request request, long position);

    @Override
    public void record(Request request) {
        long now = position++;
        Key key = keys.get(request.id());
        if (key != null) {
            stats.recordHit(request.size());
            accessed(key, request, now);
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        while (usedBytes + request.size() > capacity) {
            evictOne(request, now);
        }
        key = new Key(request.id(), request.size());
        created(key, request, now);
        key.slot = slots.size();
        slots.add(key);
        keys.put(key.id, key);
        usedBytes += key.size;
    }

    private void evictOne(Request request, long now) {
        while (true) {
            populatePool(request, now);
            // Like Redis, take the best candidate first and drop candidates whose key is gone.
            while (poolCount > 0) {
                long id = poolIds[--poolCount];
                Key victim = keys.get(id);
                if (victim != null) {
                    remove(victim);
                    return;
                }
            }
        }
    }

    private void populatePool(Request request, long now) {
        for (int sample = 0; sample < SAMPLES; sample++) {
            Key candidate = slots.get(random.nextInt(slots.size()));
            long score = score(candidate, request, now);
            insertIntoPool(candidate.id, score);
        }
    }

    /** Keeps the pool sorted ascending by score, at most POOL_SIZE long, without duplicate keys. */
    private void insertIntoPool(long id, long score) {
        for (int i = 0; i < poolCount; i++) {
            if (poolIds[i] == id) {
                return;
            }
        }
        int at = 0;
        while (at < poolCount && poolScores[at] < score) {
            at++;
        }
        if (poolCount == POOL_SIZE) {
            if (at == 0) {
                return;
            }
            // Full: drop the lowest score to make room, as evictionPoolPopulate does.
            System.arraycopy(poolIds, 1, poolIds, 0, at - 1);
            System.arraycopy(poolScores, 1, poolScores, 0, at - 1);
            at--;
        } else {
            System.arraycopy(poolIds, at, poolIds, at + 1, poolCount - at);
            System.arraycopy(poolScores, at, poolScores, at + 1, poolCount - at);
            poolCount++;
        }
        poolIds[at] = id;
        poolScores[at] = score;
    }

    private void remove(Key victim) {
        keys.remove(victim.id);
        Key last = slots.remove(slots.size() - 1);
        if (last != victim) {
            slots.set(victim.slot, last);
            last.slot = victim.slot;
        }
        usedBytes -= victim.size;
        stats.recordEviction();
    }

    @Override
    public void finished() {
        super.finished();
        if (keys.size() != slots.size()) {
            throw new IllegalStateException(stats.name() + ": " + keys.size() + " keys but " + slots.size() + " slots");
        }
    }

    @Override
    protected long residentBytes() {
        return slots.stream().mapToLong(key -> key.size).sum();
    }
}
