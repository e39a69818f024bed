package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;

/**
 * Redis' allkeys-lfu: a logarithmic Morris counter (lfu-log-factor 10, initial value 5) that decays by one
 * per lfu-decay-time minute on the trace's clock, sampled like allkeys-lru
 * (<a href="https://redis.io/docs/latest/develop/reference/eviction/">Redis key eviction</a>).
 */
public final class RedisLfuPolicy extends RedisSampledPolicy {
    static final int LOG_FACTOR = 10;
    static final int INITIAL_COUNTER = 5;
    static final long DECAY_MINUTES = 1;

    /** Creates a Redis-LFU cache of the given bytes. */
    public RedisLfuPolicy(long capacity) {
        super("redis-lfu", capacity);
    }

    @Override
    protected void accessed(Key key, Request request, long position) {
        key.counter = logIncrement(decayed(key, request));
        key.stamp = minutes(request);
    }

    @Override
    protected void created(Key key, Request request, long position) {
        key.counter = INITIAL_COUNTER;
        key.stamp = minutes(request);
    }

    @Override
    protected long score(Key key, Request request, long position) {
        return 255 - decayed(key, request);
    }

    private static long minutes(Request request) {
        return request.time() / 60;
    }

    /** LFUDecrAndReturn: one step down per elapsed decay period. */
    private static int decayed(Key key, Request request) {
        long periods = (minutes(request) - key.stamp) / DECAY_MINUTES;
        return periods >= key.counter ? 0 : (int) (key.counter - Math.max(0, periods));
    }

    /** LFULogIncr: the higher the counter, the less likely it grows. */
    private int logIncrement(int counter) {
        if (counter == 255) {
            return counter;
        }
        double base = Math.max(0, counter - INITIAL_COUNTER);
        double probability = 1.0 / (base * LOG_FACTOR + 1);
        return random.nextDouble() < probability ? counter + 1 : counter;
    }
}
