package io.pansaar.scheduler;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.pansaar.config.PansaarConfig;
import io.pansaar.key.ImageKey;
import io.pansaar.key.RedisKeys;
import io.pansaar.store.ImageLayout;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.KeysIndex;
import io.pansaar.testing.PartitionCounters;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * The byte budget on a real Redis under churn: images written faster than the budget holds, half of them
 * short-lived so that Redis expires them itself. The bytes actually held never exceed the budget by more than
 * 5%, the partitions' used-bytes counters equal the bytes actually held once the sweep has run, and expired
 * images do not keep live ones out.
 */
@QuarkusTest
@TestProfile(MemoryBudgetIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class MemoryBudgetIT {

    private static final long BUDGET = 16 * 30_000;

    /** A budget of 30 kB per partition and a scheduler tick every second. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pansaar.memory-budget", String.valueOf(BUDGET),
                    // No image may exceed a partition's share: start-up refuses such a budget.
                    "pansaar.origin.max-bytes", "16K",
                    "pansaar.scheduler.enabled", "true",
                    "pansaar.scheduler.interval", "1s",
                    "pansaar.scheduler.lease", "3s",
                    "mp.messaging.incoming.regeneration-jobs.enabled", "false");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    ImageStore store;

    @Inject
    RedisDataSource redis;

    @Inject
    PansaarConfig config;

    @Test
    void theBudgetHoldsUnderChurnAndExpiredImagesAreAccountedFor() throws InterruptedException {
        Random random = new Random(7);
        long largestHeld = 0;
        for (int written = 0; written < 600; written++) {
            boolean shortLived = written % 2 == 0;
            write(TestKeys.unique("churn", "png"), 2_000 + random.nextInt(7_000),
                    shortLived ? Duration.ofMillis(300 + random.nextInt(700)) : Duration.ofHours(1));
            if (written % 20 == 0) {
                largestHeld = Math.max(largestHeld, bytesHeld());
                Thread.sleep(50);
            }
        }
        largestHeld = Math.max(largestHeld, bytesHeld());
        assertTrue(largestHeld <= BUDGET * 1.05, "held " + largestHeld + " bytes against a budget of " + BUDGET);

        // Once every short-lived image has expired and a tick has swept it, the counters are exact.
        Thread.sleep(1_000);
        await().atMost(WAIT).until(() -> countedBytes() == bytesHeld());
        // Writes, evictions and sweeps kept the keys index (purges by prefix read it) in step with the priority index.
        KeysIndex.assertAllMatchPriority(redis, config.partitions());
        long held = bytesHeld();
        assertTrue(held <= BUDGET, "held " + held + " bytes against a budget of " + BUDGET);

        // The room the expired images left is free again: long-lived images written now fill every partition
        // to within one image (a body of at most 3 kB and its overhead) of its share.
        long largestImage = 0;
        for (int written = 0; written < 400; written++) {
            ImageKey key = TestKeys.unique("fill", "png");
            int size = 2_000 + random.nextInt(1_000);
            largestImage = Math.max(largestImage, ImageLayout.chargedBytes(key.value().length(), size));
            write(key, size, Duration.ofHours(1));
        }
        held = bytesHeld();
        assertEquals(countedBytes(), held);
        assertTrue(held <= BUDGET && held >= BUDGET - 16 * largestImage,
                "held " + held + " bytes against a budget of " + BUDGET + ": expired images kept live ones out");
        KeysIndex.assertAllMatchPriority(redis, config.partitions());
        assertTrue(counter("evicted") > 0, "images were evicted");
        assertTrue(counter("expired") > 0, "expired images were swept");
    }

    private void write(ImageKey key, int size, Duration freshTtl) {
        StoredImages.write(store, key, size, freshTtl);
    }

    /**
     * What every image hash that exists counts against the budget (its body's size, read from the hash itself, and
     * the per-image overhead).
     */
    private long bytesHeld() {
        long bytes = 0;
        for (String imageHash : redis.key().keys("pansaar:{*}:img:*")) {
            String size = StoredImages.metaField(redis, imageHash, "size");
            String key = imageHash.substring(imageHash.indexOf(":img:") + ":img:".length());
            bytes += size == null ? 0 : ImageLayout.chargedBytes(key.length(), Long.parseLong(size));
        }
        return bytes;
    }

    private long countedBytes() {
        long bytes = 0;
        for (int partition = 0; partition < config.partitions(); partition++) {
            String used = redis.value(String.class).get(RedisKeys.usedBytes(partition));
            bytes += used == null ? 0 : Long.parseLong(used);
        }
        return bytes;
    }

    private long counter(String name) {
        return PartitionCounters.sum(redis, config.partitions(), name);
    }
}
