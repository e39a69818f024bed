package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;

/**
 * Redis' allkeys-lru: idle time (in requests) scored on 5 sampled keys with an eviction pool of 16
 * (<a href="https://redis.io/docs/latest/develop/reference/eviction/">Redis key eviction</a>).
 */
public final class RedisLruPolicy extends RedisSampledPolicy {

    /** Creates a Redis-LRU cache of the given bytes. */
    public RedisLruPolicy(long capacity) {
        super("redis-lru", capacity);
    }

    @Override
    protected void accessed(Key key, Request request, long position) {
        key.stamp = position;
    }

    @Override
    protected void created(Key key, Request request, long position) {
        key.stamp = position;
    }

    @Override
    protected long score(Key key, Request request, long position) {
        return position - key.stamp;
    }
}
