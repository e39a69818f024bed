package io.pansaar.testing;

import io.pansaar.key.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;

/** Reads the functions' counters of {@code pansaar:{p}:stats}, summed over the partitions. */
public final class PartitionCounters {

    private PartitionCounters() {
    }

    /** The sum of counter {@code name} over partitions 0 .. partitions-1; 0 where it was never counted. */
    public static long sum(RedisDataSource redis, int partitions, String name) {
        long total = 0;
        for (int partition = 0; partition < partitions; partition++) {
            String value = redis.hash(String.class).hget(RedisKeys.stats(partition), name);
            total += value == null ? 0 : Long.parseLong(value);
        }
        return total;
    }
}
