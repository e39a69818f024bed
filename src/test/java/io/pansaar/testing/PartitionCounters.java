package io.pansaar.testing;

import io.pansaar.key.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;

/** Reads the functions' counters of {@code pansaar:{p}:stats}, of one partition or summed over them. */
public final class PartitionCounters {

    private PartitionCounters() {
    }

    /** Counter {@code name} of one partition; 0 where it was never counted. */
    public static long of(RedisDataSource redis, int partition, String name) {
        String value = redis.hash(String.class).hget(RedisKeys.stats(partition), name);
        return value == null ? 0 : Long.parseLong(value);
    }

    /** The sum of counter {@code name} over partitions 0 .. partitions-1; 0 where it was never counted. */
    public static long sum(RedisDataSource redis, int partitions, String name) {
        long total = 0;
        for (int partition = 0; partition < partitions; partition++) {
            total += of(redis, partition, name);
        }
        return total;
    }
}
