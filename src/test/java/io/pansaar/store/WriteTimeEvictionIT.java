package io.pansaar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.testing.KeysIndex;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * The byte budget as {@code pansaar_put} keeps it, with no scheduler running: a write that takes its partition over
 * the budget evicts there and then, after sweeping the images Redis has expired; a write that leaves the partition
 * within it leaves the sweep to the scheduler. Each test fills a partition of its own.
 */
@QuarkusTest
@TestProfile(WriteTimeEvictionIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class WriteTimeEvictionIT {

    private static final int PARTITIONS = 16;
    private static final long SHARE = 40_000;
    private static final int BODY_BYTES = 8_000;
    private static final Duration HOUR = Duration.ofHours(1);
    /** Long enough to write the image, short enough to wait out: the hash expires at fresh-until. */
    private static final Duration SHORT = Duration.ofMillis(100);
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** A budget of 40 kB per partition, no scheduler (the tests' default) and no stream consumer. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pansaar.partitions", String.valueOf(PARTITIONS),
                    "pansaar.memory-budget", String.valueOf(PARTITIONS * SHARE),
                    // No image may exceed a partition's share: start-up refuses such a budget.
                    "pansaar.origin.max-bytes", "16K",
                    "mp.messaging.incoming.regeneration-jobs.enabled", "false",
                    "pansaar.metrics.refresh-interval", "1h");
        }
    }

    @Inject
    ImageStore store;

    @Inject
    PansaarFunctions functions;

    @Inject
    Partitioner partitioner;

    @Inject
    RedisDataSource redis;

    @Test
    void aWriteThatTakesThePartitionOverItsBudgetEvictsTheLowestOtherImagesAtOnce() {
        int partition = 1;
        List<ImageKey> keys = keysIn(partition, 5);
        // Four images of 8 kB and their overhead fit in 40 kB; the fifth does not.
        for (ImageKey key : keys.subList(0, 4)) {
            StoredImages.write(store, key, BODY_BYTES, HOUR);
        }
        assertEquals(0, counter(partition, "evicted"));
        assertEquals(charged(keys.subList(0, 4)), StoredImages.usedBytes(redis, partition));

        StoredImages.write(store, keys.get(4), BODY_BYTES, HOUR);

        assertEquals(1, counter(partition, "evicted"));
        assertEquals(0, exists(keys.get(0)), "the first written, lowest in priority, left");
        for (ImageKey key : keys.subList(1, 5)) {
            assertEquals(1, exists(key), key + " stays");
        }
        assertEquals(charged(keys.subList(1, 5)), StoredImages.usedBytes(redis, partition));
        assertEquals(sumOfSizes(partition), StoredImages.usedBytes(redis, partition));
        assertTrue(StoredImages.usedBytes(redis, partition) <= SHARE);
        // The events stream says so in the order it happened: the eviction, then the write that caused it.
        List<String> lastTwo = redis.stream(String.class).xrevrange(RedisKeys.events(partition),
                StreamRange.of("+", "-"), 2).stream()
                .map(event -> event.payload().get("event") + " " + event.payload().get("key")).toList();
        assertEquals(List.of("regenerated " + keys.get(4).value(), "evicted " + keys.get(0).value()), lastTwo);
    }

    @Test
    void aWriteOverItsBudgetOnlyByExpiredImagesSweepsThemAndEvictsNothingLive() throws InterruptedException {
        int partition = 2;
        List<ImageKey> keys = keysIn(partition, 5);
        List<ImageKey> expiring = keys.subList(0, 3);
        List<ImageKey> live = keys.subList(3, 5);
        for (ImageKey key : expiring) {
            StoredImages.write(store, key, BODY_BYTES, SHORT);
        }
        Thread.sleep(SHORT.multipliedBy(3).toMillis());

        // Counted with the expired three, the second live image takes the partition over its budget; swept of them,
        // it is well within it.
        for (ImageKey key : live) {
            StoredImages.write(store, key, BODY_BYTES, HOUR);
        }

        assertEquals(3, counter(partition, "expired"));
        assertEquals(0, counter(partition, "evicted"), "no live image left for room the expired ones held");
        for (ImageKey key : live) {
            assertEquals(1, exists(key), key + " stays");
        }
        assertEquals(charged(live), StoredImages.usedBytes(redis, partition));
        assertEquals(sumOfSizes(partition), StoredImages.usedBytes(redis, partition));
    }

    @Test
    void aWriteWithinItsBudgetLeavesTheExpiredImagesToTheSchedulersSweep() throws InterruptedException {
        int partition = 3;
        List<ImageKey> keys = keysIn(partition, 2);
        StoredImages.write(store, keys.get(0), BODY_BYTES, SHORT);
        Thread.sleep(SHORT.multipliedBy(3).toMillis());

        StoredImages.write(store, keys.get(1), BODY_BYTES, HOUR);

        // The count is too high, never too low, until the sweep: the partition is within its budget either way.
        assertEquals(0, counter(partition, "expired"));
        assertEquals(charged(keys), StoredImages.usedBytes(redis, partition));
        String holder = "sweeping-" + UUID.randomUUID();
        assertTrue(functions.acquireLease(partition, holder, 10_000).await().atMost(WAIT));
        try {
            assertEquals(1, functions.evict(partition, holder, Optional.of(SHARE), 100).await().atMost(WAIT).swept());
        } finally {
            functions.releaseLease(partition, holder).await().atMost(WAIT);
        }
        assertEquals(1, counter(partition, "expired"));
        assertEquals(charged(keys.subList(1, 2)), StoredImages.usedBytes(redis, partition));
    }

    @Test
    void anImageWrittenAgainAfterItsHashExpiredCountsOnceAtItsNewSize() throws InterruptedException {
        int partition = 4;
        ImageKey key = keysIn(partition, 1).get(0);
        StoredImages.write(store, key, BODY_BYTES, SHORT);
        Thread.sleep(SHORT.multipliedBy(3).toMillis());

        // The write finds no copy, but the history entry still holds the expired one's charge, not yet swept.
        StoredImages.write(store, key, BODY_BYTES / 2, HOUR);

        long charged = ImageLayout.chargedBytes(key.value().length(), BODY_BYTES / 2);
        assertEquals(charged, StoredImages.charged(redis, partition).get(key.value()));
        assertEquals(charged, StoredImages.usedBytes(redis, partition));
    }

    @Test
    void imagesSweptOrEvictedLeaveTheIndexesOfTheirTags() throws InterruptedException {
        int partition = 5;
        String tag = "swept-or-evicted-" + UUID.randomUUID();
        List<ImageKey> keys = keysIn(partition, 7);
        List<ImageKey> expiring = keys.subList(0, 2);
        List<ImageKey> live = keys.subList(2, 7);
        StoredImages.writeAll(store, expiring, BODY_BYTES, SHORT, 1, List.of(tag));
        Thread.sleep(SHORT.multipliedBy(3).toMillis());

        // The third live image takes the partition over its budget with the expired two, which the write sweeps; the
        // fifth takes it over with live images alone, and the write evicts the first, the lowest.
        StoredImages.writeAll(store, live, BODY_BYTES, HOUR, 1, List.of(tag, "other-" + tag));

        assertEquals(2, counter(partition, "expired"));
        assertEquals(1, counter(partition, "evicted"));
        assertEquals(live.subList(1, 5).stream().map(ImageKey::value).sorted().toList(),
                redis.sortedSet(String.class).zrange(RedisKeys.tagIndex(partition, tag), 0, -1));
        assertEquals(live.subList(1, 5).stream().map(ImageKey::value).sorted().toList(),
                redis.hash(String.class).hgetall(RedisKeys.tags(partition)).keySet().stream().sorted().toList());
        KeysIndex.assertTagIndexesExact(redis, PARTITIONS, List.of(tag, "other-" + tag));
    }

    /** New keys of one partition, so each test has its partition and its budget to itself. */
    private List<ImageKey> keysIn(int partition, int count) {
        List<ImageKey> keys = new ArrayList<>();
        while (keys.size() < count) {
            ImageKey candidate = TestKeys.unique("budget", "png");
            if (partitioner.partitionOf(candidate) == partition) {
                keys.add(candidate);
            }
        }
        return keys;
    }

    private static long charged(List<ImageKey> keys) {
        return keys.stream().mapToLong(key -> ImageLayout.chargedBytes(key.value().length(), BODY_BYTES)).sum();
    }


    private long sumOfSizes(int partition) {
        return StoredImages.charged(redis, partition).values().stream().mapToLong(Long::longValue).sum();
    }

    private long counter(int partition, String name) {
        String value = redis.hash(String.class).hget(RedisKeys.stats(partition), name);
        return value == null ? 0 : Long.parseLong(value);
    }

    private long exists(ImageKey key) {
        return redis.execute("EXISTS", RedisKeys.image(partitioner.partitionOf(key), key)).toLong();
    }
}
