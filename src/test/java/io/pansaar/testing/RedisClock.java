package io.pansaar.testing;

import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;

/** The Redis server's clock, which the functions date everything by (fresh-until, purges, permits). */
public final class RedisClock {

    private RedisClock() {
    }

    /** The server's time now, in epoch milliseconds, from {@code TIME}. */
    public static long millis(RedisDataSource redis) {
        Response time = redis.execute("TIME");
        return time.get(0).toLong() * 1_000 + time.get(1).toLong() / 1_000;
    }

    /** Sleeps until the server's clock reads {@code serverMillis} or later. */
    public static void sleepUntil(RedisDataSource redis, long serverMillis) throws InterruptedException {
        long left;
        while ((left = serverMillis - millis(redis)) > 0) {
            Thread.sleep(Math.min(left, 200));
        }
    }
}
