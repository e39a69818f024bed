package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.key.Partitioner;
import io.pansaar.testing.TestConfigs;
import io.vertx.redis.client.RedisOptions;

class RedisPoolSizingTest {

    @Test
    void theConfiguredPoolStaysWhenItHasRoomForEveryJob() {
        RedisOptions options = new RedisOptions().setMaxPoolSize(48).setMaxPoolWaiting(256);
        sizing(16, "standalone").customize("<default>", options);
        assertEquals(48, options.getMaxPoolSize());
        assertEquals(256, options.getMaxPoolWaiting());
    }

    @Test
    void theWorkersConcurrencyGrowsThePoolAndItsWaitQueue() {
        RedisOptions options = new RedisOptions().setMaxPoolSize(48).setMaxPoolWaiting(256);
        sizing(256, "standalone").customize("<default>", options);
        assertEquals(256 + 1 + RedisPoolSizing.RESERVE, options.getMaxPoolSize(), "every job, one stream read, the reserve");
        assertEquals(512, options.getMaxPoolWaiting());
    }

    @Test
    void onAClusterEveryPartitionHasABlockingReadOfItsOwn() {
        RedisOptions options = new RedisOptions().setMaxPoolSize(6).setMaxPoolWaiting(24);
        sizing(64, "cluster").customize("<default>", options);
        assertEquals(64 + 16 + RedisPoolSizing.RESERVE, options.getMaxPoolSize(), "16 partitions, one read each");
    }

    private static RedisPoolSizing sizing(int concurrency, String clientType) {
        return new RedisPoolSizing(TestConfigs.pansaarConfig(Map.of("pansaar.worker.concurrency",
                String.valueOf(concurrency)), Map.of()), new Partitioner(16), clientType);
    }
}
