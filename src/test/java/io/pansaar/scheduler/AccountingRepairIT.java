package io.pansaar.scheduler;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.ops.PartitionInspector;
import io.pansaar.ops.PartitionState;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.store.ImageLayout;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.KeysIndex;
import io.pansaar.testing.RedisClock;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;

/**
 * A partition's byte accounting (the charged bytes in the history entries of the images held, the used-bytes counter,
 * and the schedule that lets the sweep find expired images) that Redis lost or that was damaged, or that API 6 left in
 * indexes of its own, is rebuilt by the scheduler from the image hashes, a few images per tick, while reads and writes go on; afterwards
 * it agrees with what Java recounts from the image hashes themselves, and eviction keeps the budget again. Each
 * test damages a partition of its own.
 */
@QuarkusTest
@TestProfile(AccountingRepairIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class AccountingRepairIT {

    /** Room for about fifteen images of 2 kB, each counting its body and its overhead (ImageLayout.chargedBytes). */
    private static final long SHARE = 50_000;
    /** Images one repair call visits: a partition of ten images takes three ticks. */
    private static final int BATCH = 4;
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** A budget of 50 kB per partition, a tick every second, and a small batch so that a rebuild spans ticks. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pansaar.memory-budget", String.valueOf(16 * SHARE),
                    "pansaar.origin.max-bytes", "16K",
                    "pansaar.scheduler.enabled", "true",
                    "pansaar.scheduler.interval", "1s",
                    "pansaar.scheduler.lease", "3s",
                    "pansaar.scheduler.batch-size", String.valueOf(BATCH),
                    "mp.messaging.incoming.regeneration-jobs.enabled", "false");
        }
    }

    /**
     * A partition's accounting next to what its image hashes say.
     *
     * @param expectedSizes what each indexed image counts against the budget, from its meta's size; null for an
     *                      indexed image whose hash is gone
     * @param sizes         the charged bytes the history entries hold, of the images that have them
     * @param usedBytes     the used-bytes counter, null when missing
     * @param unindexed     image hashes of the partition that no index lists
     * @param unscheduled   images of the priority index that the schedule does not list
     * @param passRunning   whether a rebuild is under way
     */
    private record Accounting(Map<String, Long> expectedSizes, Map<String, Long> sizes, String usedBytes,
            List<String> unindexed, List<String> unscheduled, boolean passRunning) {

        long expectedBytes() {
            return expectedSizes.values().stream().mapToLong(size -> size == null ? 0 : size).sum();
        }

        boolean consistent() {
            return !passRunning && unindexed.isEmpty() && unscheduled.isEmpty() && !expectedSizes.containsValue(null)
                    && expectedSizes.equals(sizes) && String.valueOf(expectedBytes()).equals(usedBytes);
        }
    }

    @Inject
    ImageStore store;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    PartitionScheduler scheduler;

    @Inject
    PartitionInspector inspector;

    @Test
    void aLostHistoryIsRebuiltAcrossTicksAndTheBudgetHoldsAgain() {
        int partition = 3;
        fill(partition, 10, 2_000);
        assertTrue(accounting(partition).consistent(), accounting(partition).toString());
        long repairedBefore = counter(partition, "repaired");

        redis.key().del(RedisKeys.histories(partition));
        AtomicBoolean sawPassRunning = new AtomicBoolean();
        awaitConsistent(partition, sawPassRunning);
        assertTrue(sawPassRunning.get(), "the rebuild of 10 images, " + BATCH + " per tick, spanned ticks");
        assertEquals(repairedBefore + 1, counter(partition, "repaired"));

        // Twenty more images of 2 kB pass the 50 kB share: writes evict, and the counter stays exact.
        long evictedBefore = counter(partition, "evicted");
        fill(partition, 20, 2_000);
        Accounting after = accounting(partition);
        assertTrue(after.consistent(), after.toString());
        assertTrue(Long.parseLong(after.usedBytes()) <= SHARE, "used " + after.usedBytes() + " of " + SHARE);
        assertTrue(counter(partition, "evicted") > evictedBefore, "images were evicted");

        // Shown where the other scheduler counters are.
        assertTrue(given().get("/api/status").then().statusCode(200).extract().jsonPath()
                .getLong("totals.repaired") >= 1);
        assertTrue(given().get("/api/status").then().statusCode(200).extract().jsonPath()
                .getLong("partitions[" + partition + "].statistics.repaired") >= 1);
        await().atMost(WAIT).until(() -> cacheEvents("repaired") >= 1);
    }

    @Test
    void aLostKeysIndexIsRebuiltByAPassSoThatPurgesByPrefixFindEveryImageAgain() {
        int partition = 7;
        fill(partition, 6, 2_000);
        long repairedBefore = counter(partition, "repaired");

        // As under an allkeys-* policy, or in a partition written before API 9 kept the index.
        redis.key().del(RedisKeys.keysIndex(partition));
        await().atMost(WAIT).until(() -> counter(partition, "repaired") == repairedBefore + 1);
        awaitConsistent(partition, new AtomicBoolean());
        KeysIndex.assertMatchesPriority(redis, partition);
    }

    @Test
    void aLostByteCounterIsRebuiltThoughWritesGoOn() {
        int partition = 6;
        fill(partition, 6, 2_500);
        long repairedBefore = counter(partition, "repaired");

        redis.key().del(RedisKeys.usedBytes(partition));
        // Writes right after the loss must not restart the counter from their own sizes: that would hide the loss.
        fill(partition, 2, 2_500);
        awaitConsistent(partition, new AtomicBoolean());
        assertEquals(repairedBefore + 1, counter(partition, "repaired"));
    }

    @Test
    void aCounterThatIsNoIntegerOrIsNegativeIsRebuiltAndWritesSurviveIt() {
        int partition = 9;
        fill(partition, 5, 2_000);
        for (String damaged : List.of("lots", "1e9", "007", "-100")) {
            redis.value(String.class).set(RedisKeys.usedBytes(partition), damaged);
            fill(partition, 1, 2_000);
            awaitConsistent(partition, new AtomicBoolean());
        }
    }

    @Test
    void aDamagedCounterCountsAsZeroAndTheOtherFiguresStillRefresh() {
        int partition = 10;
        fill(partition, 2, 2_000);
        awaitConsistent(partition, new AtomicBoolean());
        // A statistics field the scheduler never repairs, so the damage is still there when the figures are read.
        redis.hash(String.class).hset(RedisKeys.stats(partition), "damaged", "lots");
        try {
            List<PartitionState> states = inspector.inspectAll().await().atMost(WAIT);

            PartitionState damaged = states.get(partition);
            assertEquals(0, damaged.counter("damaged"));
            assertEquals(accounting(partition).expectedBytes(), damaged.memory().usedBytes());
            assertEquals(partitioner.partitions(), states.size());
        } finally {
            redis.hash(String.class).hdel(RedisKeys.stats(partition), "damaged");
        }
    }

    @Test
    void aWrongCountIsNotDetectedCheaplyAndDeletingTheCounterRebuildsIt() {
        int partition = 12;
        fill(partition, 5, 2_000);
        long real = accounting(partition).expectedBytes();
        String wrong = String.valueOf(real - 1_000);
        redis.value(String.class).set(RedisKeys.usedBytes(partition), wrong);

        // A whole tick runs after the damage: the O(1) checks cannot tell a wrong sum from a right one.
        awaitTwoTicks();
        assertEquals(wrong, redis.value(String.class).get(RedisKeys.usedBytes(partition)));

        // What docs/protocol.md ("Which keys Redis may evict") says to do about it.
        redis.key().del(RedisKeys.usedBytes(partition));
        awaitConsistent(partition, new AtomicBoolean());
    }

    @Test
    void aRebuildUnderReadsRewritesAndNewImagesEndsExact() throws InterruptedException {
        int partition = 14;
        List<ImageKey> keys = fill(partition, 12, 1_500);
        redis.key().del(RedisKeys.histories(partition), RedisKeys.usedBytes(partition));

        // While the rebuild walks the priority index: hits raise priorities, rewrites change sizes and priorities,
        // and new images arrive (some evicting others).
        Random random = new Random(14);
        AtomicBoolean sawPassRunning = new AtomicBoolean();
        for (int round = 0; round < 40; round++) {
            ImageKey read = keys.get(random.nextInt(keys.size()));
            assertTrue(store.read(read).await().atMost(WAIT).outcome() != ReadOutcome.NEGATIVE);
            StoredImages.write(store, keys.get(random.nextInt(keys.size())), 1_000 + random.nextInt(1_500),
                    Duration.ofHours(1));
            if (round % 10 == 0) {
                keys.addAll(fill(partition, 1, 1_200));
            }
            sawPassRunning.compareAndSet(false, redis.key().exists(RedisKeys.repairState(partition)));
            Thread.sleep(100);
        }
        awaitConsistent(partition, sawPassRunning);
        assertTrue(sawPassRunning.get(), "the rebuild ran while the partition was in use");
    }

    @Test
    void aPartitionWrittenByApi6IsFoldedIntoHistoryAndScheduleWithNoImageLost() {
        int partition = 15;
        List<ImageKey> keys = fill(partition, 9, 2_000);
        assertTrue(accounting(partition).consistent(), accounting(partition).toString());
        long repairedBefore = counter(partition, "repaired");

        // The partition as API 6 left it: sizes in a hash of their own (what API 6 charged: the overhead it measured
        // and six copies of the key), history entries without charged bytes, the expiry and refresh indexes, no
        // schedule. One image still waits for its early refresh, at a due time the schedule must carry over.
        String sizes = RedisKeys.api6Indexes(partition).get(0);
        String expiry = RedisKeys.api6Indexes(partition).get(1);
        String refresh = RedisKeys.api6Indexes(partition).get(2);
        Map<String, String> histories = new HashMap<>();
        Map<String, Double> expiries = new HashMap<>();
        Map<String, String> api6Sizes = new HashMap<>();
        long api6Bytes = 0;
        for (ImageKey key : keys) {
            String entry = redis.hash(String.class).hget(RedisKeys.histories(partition), key.value());
            histories.put(key.value(), entry.substring(0, entry.lastIndexOf(':')));
            long api6Charged = 2_000 + 1_100 + 6L * key.value().length();
            api6Sizes.put(key.value(), String.valueOf(api6Charged));
            api6Bytes += api6Charged;
            expiries.put(key.value(), (double) serverMillis() + redis.key().pttl(RedisKeys.image(partition, key)));
        }
        long due = serverMillis() + 600_000;
        long bytes = api6Bytes;
        // In one transaction, so the scheduler's next check finds the whole layout at once.
        redis.withTransaction(transaction -> {
            transaction.key().del(RedisKeys.schedule(partition));
            transaction.hash(String.class).hset(RedisKeys.histories(partition), histories);
            transaction.hash(String.class).hset(sizes, api6Sizes);
            transaction.sortedSet(String.class).zadd(expiry, expiries);
            transaction.sortedSet(String.class).zadd(refresh, due, keys.get(0).value());
            transaction.value(String.class).set(RedisKeys.usedBytes(partition), String.valueOf(bytes));
        });

        awaitConsistent(partition, new AtomicBoolean());
        assertEquals(repairedBefore + 1, counter(partition, "repaired"));
        assertEquals(0, redis.key().exists(sizes, expiry, refresh), "API 6's indexes are gone");
        for (ImageKey key : keys) {
            assertTrue(store.read(key).await().atMost(WAIT).outcome() == ReadOutcome.HIT, key + " is still cached");
        }
        assertEquals((double) due, scheduled(partition, keys.get(0)), "the pending early refresh keeps its due time");
        long expiresAt = serverMillis() + redis.key().pttl(RedisKeys.image(partition, keys.get(1)));
        assertEquals((double) expiresAt, scheduled(partition, keys.get(1)), 50,
                "an image whose refresh was decided is scheduled at its hash's expiry");
    }

    private double scheduled(int partition, ImageKey key) {
        return redis.sortedSet(String.class).zscore(RedisKeys.schedule(partition), key.value()).orElseThrow();
    }

    private long serverMillis() {
        return RedisClock.millis(redis);
    }

    /** Writes {@code count} long-lived images of about {@code size} bytes into the partition; returns their keys. */
    private List<ImageKey> fill(int partition, int count, int size) {
        List<ImageKey> keys = new ArrayList<>();
        while (keys.size() < count) {
            ImageKey key = TestKeys.unique("repair", "png");
            if (partitioner.partitionOf(key) == partition) {
                StoredImages.write(store, key, size, Duration.ofHours(1));
                keys.add(key);
            }
        }
        return keys;
    }

    private void awaitConsistent(int partition, AtomicBoolean sawPassRunning) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            Accounting accounting = accounting(partition);
            sawPassRunning.compareAndSet(false, accounting.passRunning());
            return accounting.consistent();
        });
    }

    /** The partition's sizes and counter, and what Java recounts from its image hashes. */
    private Accounting accounting(int partition) {
        Map<String, Long> expected = new HashMap<>();
        for (String member : redis.sortedSet(String.class).zrange(RedisKeys.priorityIndex(partition), 0, -1)) {
            String size = StoredImages.metaField(redis, RedisKeys.image(partition, ImageKey.of(member)), "size");
            expected.put(member, size == null ? null : ImageLayout.chargedBytes(member.length(), Long.parseLong(size)));
        }
        Map<String, Long> sizes = StoredImages.charged(redis, partition);
        String prefix = RedisKeys.partitionPrefix(partition) + "img:";
        List<String> unindexed = redis.key().keys(prefix + "*").stream().map(name -> name.substring(prefix.length()))
                .filter(member -> !expected.containsKey(member)).toList();
        List<String> unscheduled = expected.keySet().stream()
                .filter(member -> redis.sortedSet(String.class).zscore(RedisKeys.schedule(partition), member).isEmpty())
                .toList();
        return new Accounting(expected, sizes, redis.value(String.class).get(RedisKeys.usedBytes(partition)), unindexed,
                unscheduled, redis.key().exists(RedisKeys.repairState(partition)));
    }

    /** Waits until the scheduler has announced itself twice more, so one whole tick ran after this call. */
    private void awaitTwoTicks() {
        for (int tick = 0; tick < 2; tick++) {
            double before = announcedAt();
            await().atMost(WAIT).until(() -> announcedAt() > before);
        }
    }

    private double announcedAt() {
        Response score = redis.execute("ZSCORE", RedisKeys.schedulerWorkers(), scheduler.holder());
        return score == null ? 0 : score.toDouble();
    }

    private long counter(int partition, String name) {
        String value = redis.hash(String.class).hget(RedisKeys.stats(partition), name);
        return value == null ? 0 : Long.parseLong(value);
    }

    private static double cacheEvents(String event) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher matcher = Pattern.compile("(?m)^pansaar_cache_events_total\\{event=\"" + event + "\"\\} (\\S+)$")
                .matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }
}
