package io.pansaar.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives a {@code @QuarkusTest} a real 3-primary {@link LocalRedisCluster} and points the Redis client at
 * it in cluster mode. The test reaches the nodes directly through {@link #cluster()}.
 */
public class RedisClusterResource implements QuarkusTestResourceLifecycleManager {

    private static volatile LocalRedisCluster cluster;

    @Override
    public Map<String, String> start() {
        cluster = LocalRedisCluster.start();
        return Map.of("quarkus.redis.client-type", "cluster", "quarkus.redis.hosts", cluster.hosts());
    }

    @Override
    public void stop() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /** The running cluster; only while a test that uses this resource runs. */
    public static LocalRedisCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("no cluster is running: annotate the test with RedisClusterResource");
        }
        return cluster;
    }
}
