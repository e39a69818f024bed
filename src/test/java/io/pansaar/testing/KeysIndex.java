package io.pansaar.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.pansaar.key.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.sortedset.ScoredValue;

/**
 * Checks on a partition's keys index {@code pansaar:{p}:keys} and tag indexes {@code pansaar:{p}:tag:<tag>}, which
 * purges by prefix and by tag list images from.
 */
public final class KeysIndex {

    private KeysIndex() {
    }

    /** Asserts that the partition's keys index holds exactly the images of its priority index, each scored 0. */
    public static void assertMatchesPriority(RedisDataSource redis, int partition) {
        List<ScoredValue<String>> entries = redis.sortedSet(String.class)
                .zrangeWithScores(RedisKeys.keysIndex(partition), 0, -1);
        TreeSet<String> listed = new TreeSet<>();
        for (ScoredValue<String> entry : entries) {
            assertEquals(0.0, entry.score(), "the keys index scores " + entry.value() + " 0");
            listed.add(entry.value());
        }
        assertEquals(new TreeSet<>(redis.sortedSet(String.class).zrange(RedisKeys.priorityIndex(partition), 0, -1)),
                listed, "partition " + partition + "'s keys index holds the images of its priority index");
    }

    /**
     * Asserts, in each of the partitions 0 to {@code partitions} - 1, that every image of the tags hash is held (in the
     * priority index), and that the index of each of {@code tags} holds, scored 0, exactly the images the tags hash
     * files under it: HGETALL and ZRANGE, no SCAN or KEYS.
     */
    public static void assertTagIndexesExact(RedisDataSource redis, int partitions, Collection<String> tags) {
        for (int partition = 0; partition < partitions; partition++) {
            Map<String, String> filed = redis.hash(String.class).hgetall(RedisKeys.tags(partition));
            Set<String> held = new TreeSet<>(redis.sortedSet(String.class)
                    .zrange(RedisKeys.priorityIndex(partition), 0, -1));
            for (Map.Entry<String, String> image : filed.entrySet()) {
                assertTrue(held.contains(image.getKey()), image.getKey() + " is in partition " + partition
                        + "'s tags hash but not held");
                assertFalse(image.getValue().isEmpty(), image.getKey() + " has a field without tags");
            }
            for (String tag : tags) {
                Set<String> expected = new TreeSet<>();
                filed.forEach((key, list) -> {
                    if (List.of(list.split(" ")).contains(tag)) {
                        expected.add(key);
                    }
                });
                Set<String> listed = new TreeSet<>();
                for (ScoredValue<String> entry : redis.sortedSet(String.class)
                        .zrangeWithScores(RedisKeys.tagIndex(partition, tag), 0, -1)) {
                    assertEquals(0.0, entry.score(), "the index of " + tag + " scores " + entry.value() + " 0");
                    listed.add(entry.value());
                }
                assertEquals(expected, listed, "partition " + partition + "'s index of " + tag);
            }
        }
    }

    /** Asserts {@link #assertMatchesPriority} for each of the partitions 0 to {@code partitions} - 1. */
    public static void assertAllMatchPriority(RedisDataSource redis, int partitions) {
        for (int partition = 0; partition < partitions; partition++) {
            assertMatchesPriority(redis, partition);
        }
    }
}
