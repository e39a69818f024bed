package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.FunctionCalls;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.BenchmarkTable;
import io.pansaar.testing.NoConsumerProfile;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;

/**
 * How long one scheduler call (eviction, and the early refresh's listing and decision) blocks Redis, as SLOWLOG
 * records it: calls of {@link FunctionCalls#MAX_IMAGES_PER_CALL} images, as the scheduler makes them, against calls
 * of a whole tick's batch (500), in the same run and on the same partition of {@code benchmark.images} cached images. Skipped unless run with {@code -Dbenchmark=scheduler} (see
 * docs/benchmarks.md); it asserts no times.
 */
@QuarkusTest
@TestProfile(NoConsumerProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@EnabledIfSystemProperty(named = "benchmark", matches = "scheduler")
class SchedulerCallBenchmarkIT {

    private static final int IMAGES = Integer.getInteger("benchmark.images", 20_000);
    private static final int IMAGE_BYTES = 1_000;
    private static final int WHOLE_BATCH = 500;
    private static final int ROUNDS = 5;
    private static final int PARTITION = 0;
    private static final String HOLDER = "eviction-benchmark";
    /** The table's rows by function; each test fills its own, and the table lists them in FUNCTIONS' order. */
    private static final Map<String, String> ROWS = new HashMap<>();
    private static final List<String> FUNCTIONS = List.of("pansaar_evict", "pansaar_refresh_due", "pansaar_refresh_early");

    @Inject
    ImageStore store;

    @Inject
    PartitionDuties duties;

    @Inject
    RedisDataSource redis;

    @Test
    void slicedCallsBlockRedisForATenthOfAWholeBatch() {
        fill(IMAGES);
        assertTrue(duties.acquireLease(PARTITION, HOLDER, 600_000).await().atMost(Duration.ofSeconds(10)));
        redis.execute("CONFIG", "SET", "slowlog-log-slower-than", "0");
        redis.execute("CONFIG", "SET", "slowlog-max-len", "100000");

        List<Long> whole = new ArrayList<>();
        List<Long> sliced = new ArrayList<>();
        // Interleaved rounds, so both kinds of call meet the machine's noise alike. Each evicts the same number of
        // images from a partition that stays far over its budget of 0 bytes.
        for (int round = 0; round < ROUNDS; round++) {
            whole.addAll(evictionCalls(WHOLE_BATCH, 1));
            sliced.addAll(evictionCalls(FunctionCalls.MAX_IMAGES_PER_CALL, WHOLE_BATCH / FunctionCalls.MAX_IMAGES_PER_CALL));
        }
        System.out.printf("eviction calls on a partition of %,d images (%d-byte bodies), %d rounds:%n", IMAGES,
                IMAGE_BYTES, ROUNDS);
        System.out.printf("  %3d images per call: %4d calls, median %6d us, max %6d us%n", WHOLE_BATCH, whole.size(),
                median(whole), max(whole));
        System.out.printf("  %3d images per call: %4d calls, median %6d us, max %6d us%n",
                FunctionCalls.MAX_IMAGES_PER_CALL, sliced.size(), median(sliced), max(sliced));
        System.out.printf("  median ratio %.3f, max ratio %.3f; per image %.2f us against %.2f us%n",
                (double) median(sliced) / median(whole), (double) max(sliced) / max(whole),
                (double) median(sliced) / FunctionCalls.MAX_IMAGES_PER_CALL, (double) median(whole) / WHOLE_BATCH);
        ROWS.put("pansaar_evict", row("`pansaar_evict`", whole, sliced));
    }

    @Test
    void listingAndDroppingDueImagesInSlicesAndAsAWholeBatch() {
        fill(IMAGES);
        assertTrue(duties.acquireLease(PARTITION, HOLDER, 600_000).await().atMost(Duration.ofSeconds(10)));
        redis.execute("CONFIG", "SET", "slowlog-log-slower-than", "0");
        redis.execute("CONFIG", "SET", "slowlog-max-len", "100000");
        List<Long> wholeListings = new ArrayList<>();
        List<Long> wholeDrops = new ArrayList<>();
        List<Long> slicedListings = new ArrayList<>();
        List<Long> slicedDrops = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            listAndDrop(WHOLE_BATCH, 1, wholeListings, wholeDrops);
            listAndDrop(FunctionCalls.MAX_IMAGES_PER_CALL, WHOLE_BATCH / FunctionCalls.MAX_IMAGES_PER_CALL,
                    slicedListings, slicedDrops);
        }
        System.out.printf("early refresh calls on a partition of %,d images, every listed image due, %d rounds:%n",
                IMAGES, ROUNDS);
        System.out.printf("  pansaar_refresh_due,   %3d per call: median %6d us, max %6d us%n", WHOLE_BATCH,
                median(wholeListings), max(wholeListings));
        System.out.printf("  pansaar_refresh_due,   %3d per call: median %6d us, max %6d us%n",
                FunctionCalls.MAX_IMAGES_PER_CALL, median(slicedListings), max(slicedListings));
        System.out.printf("  pansaar_refresh_early, %3d per call: median %6d us, max %6d us (all dropped)%n", WHOLE_BATCH,
                median(wholeDrops), max(wholeDrops));
        System.out.printf("  pansaar_refresh_early, %3d per call: median %6d us, max %6d us (all dropped)%n",
                FunctionCalls.MAX_IMAGES_PER_CALL, median(slicedDrops), max(slicedDrops));
        ROWS.put("pansaar_refresh_due", row("`pansaar_refresh_due`", wholeListings, slicedListings));
        ROWS.put("pansaar_refresh_early", row("`pansaar_refresh_early` (all dropped)", wholeDrops, slicedDrops));
    }

    @AfterAll
    static void printTable() {
        if (ROWS.isEmpty()) {
            return;
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "| call | %d images (one call per tick, as "
                + "before) | %d images (now) | median ratio |%n|---|---|---|---|%n", WHOLE_BATCH,
                FunctionCalls.MAX_IMAGES_PER_CALL));
        FUNCTIONS.stream().filter(ROWS::containsKey).forEach(function -> table.append(ROWS.get(function)));
        BenchmarkTable.print("scheduler", table.toString());
    }

    /** A row of the table: median / max per call of both batch sizes, in milliseconds, and the ratio of the medians. */
    private static String row(String call, List<Long> whole, List<Long> sliced) {
        return String.format(Locale.ROOT, "| %s | %s / %s ms | %s / %s ms | %.3f |%n", call, millis(median(whole)),
                millis(max(whole)), millis(median(sliced)), millis(max(sliced)), (double) median(sliced) / median(whole));
    }

    private static String millis(long micros) {
        return micros >= 10_000 ? String.format(Locale.ROOT, "%.1f", micros / 1000.0)
                : String.format(Locale.ROOT, "%.2f", micros / 1000.0);
    }

    /**
     * Makes {@code calls} rounds of listing {@code limit} due images and dropping them all (none worth a refresh: the
     * most work a decision does besides enqueuing), after making that many images due at once, as after a mass
     * expiry. Adds each call's duration to the lists.
     */
    private void listAndDrop(int limit, int calls, List<Long> listings, List<Long> drops) {
        for (Response member : redis.execute("ZRANGE", RedisKeys.refreshIndex(PARTITION), "0",
                String.valueOf(limit * calls - 1))) {
            redis.execute("ZADD", RedisKeys.refreshIndex(PARTITION), "0", member.toString());
        }
        redis.execute("SLOWLOG", "RESET");
        for (int call = 0; call < calls; call++) {
            PartitionDuties.DueImages due = duties.due(PARTITION, limit).await().atMost(Duration.ofSeconds(30));
            assertEquals(limit, due.images().size());
            duties.refreshEarly(PARTITION, HOLDER, 60_000, 0, List.of(),
                    due.images().stream().map(PartitionDuties.DueImage::key).toList()).await().atMost(Duration.ofSeconds(30));
        }
        listings.addAll(durations("pansaar_refresh_due"));
        drops.addAll(durations("pansaar_refresh_early"));
    }

    /** The durations SLOWLOG holds for calls of {@code function}, in microseconds. */
    private List<Long> durations(String function) {
        List<Long> durations = new ArrayList<>();
        for (Response entry : redis.execute("SLOWLOG", "GET", "100000")) {
            Response command = entry.get(3);
            if (command.size() > 1 && function.equals(command.get(1).toString())) {
                durations.add(entry.get(2).toLong());
            }
        }
        return durations;
    }

    /** Makes {@code calls} eviction calls of {@code limit} images; returns each one's duration, in microseconds. */
    private List<Long> evictionCalls(int limit, int calls) {
        redis.execute("SLOWLOG", "RESET");
        for (int call = 0; call < calls; call++) {
            PartitionDuties.EvictionReport report = duties.evict(PARTITION, HOLDER, Optional.of(0L), limit)
                    .await().atMost(Duration.ofSeconds(30));
            assertEquals(limit, report.evicted(), "the partition stays over budget");
        }
        List<Long> durations = durations("pansaar_evict");
        assertEquals(calls, durations.size());
        return durations;
    }

    /** Caches {@code count} images in the benchmark's partition, as workers write them. */
    private void fill(int count) {
        Partitioner partitioner = new Partitioner(16);
        int written = 0;
        while (written < count) {
            ImageKey key = ImageKey.of("bench/" + UUID.randomUUID() + ".png");
            if (partitioner.partitionOf(key) == PARTITION) {
                StoredImages.write(store, key, IMAGE_BYTES, Duration.ofHours(1));
                written++;
            }
        }
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
